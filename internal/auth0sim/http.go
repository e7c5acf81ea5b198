package auth0sim

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Handler serves /oauth/token, /api/v2/... and the export downloads.
func (s *Sim) Handler() http.Handler { return http.HandlerFunc(s.serve) }

// reqCtx carries one request through the middleware into its handler.
type reqCtx struct {
	w      http.ResponseWriter
	r      *http.Request
	seg    []string // unescaped path segments after /api/v2
	q      url.Values
	tok    *tokenInfo
	kind   string
	status int // status written, for stats
}

// pagingStyle says how FailAt's page index is derived for a route.
type pagingStyle int

const (
	pageNone       pagingStyle = iota // k-th request of the kind
	pageOffset                        // `page` parameter
	pageCheckpoint                    // cursor position with take/from; else `page`
	pageLogs                          // logs: `from` sequence; else `page`
)

type route struct {
	kind    string
	style   pagingStyle
	scope   string // required scope
	write   bool
	handler func(c *reqCtx)
}

func (s *Sim) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	latency := s.faults.Latency
	s.mu.RUnlock()
	if latency > 0 {
		select {
		case <-time.After(latency):
		case <-r.Context().Done():
			return
		}
	}
	segs, err := splitPath(r.URL.EscapedPath())
	if err != nil {
		s.finish(&reqCtx{w: w, r: r, kind: "unknown"}, func(c *reqCtx) {
			s.writeError(c, http.StatusBadRequest, "Bad path", "invalid_uri")
		})
		return
	}
	c := &reqCtx{w: w, r: r, q: r.URL.Query()}
	switch {
	case len(segs) == 2 && segs[0] == "oauth" && segs[1] == "token":
		c.kind = KindToken
		s.finish(c, func(c *reqCtx) {
			// The token endpoint has its own limits on Auth0; it spends
			// nothing here but reports the tenant bucket like every response.
			setRateHeaders(w, s.limiter.peek(time.Now()))
			if s.injectFault(c, pageNone, false) {
				return
			}
			s.handleToken(c)
		})
		return
	case len(segs) == 3 && segs[0] == "exports":
		c.kind = KindJobs
		s.finish(c, s.handleDownload)
		return
	case len(segs) >= 2 && segs[0] == "api" && segs[1] == "v2":
		c.seg = segs[2:]
	default:
		c.kind = "unknown"
		s.finish(c, func(c *reqCtx) { s.writeError(c, http.StatusNotFound, "Not Found", "") })
		return
	}
	rt, ok := s.route(r.Method, c.seg, c.q)
	if !ok {
		c.kind = "unknown"
		s.finish(c, func(c *reqCtx) {
			setRateHeaders(w, s.limiter.take(time.Now()))
			s.writeError(c, http.StatusNotFound, "Not Found", "")
		})
		return
	}
	c.kind = rt.kind
	s.finish(c, func(c *reqCtx) {
		v := s.limiter.take(time.Now())
		setRateHeaders(w, v)
		if !v.ok {
			w.Header().Set("Retry-After", strconv.Itoa(v.retryAfter))
			s.writeError(c, http.StatusTooManyRequests, "Global limit has been reached", "too_many_requests")
			return
		}
		if !s.authorize(c) {
			return
		}
		if !s.checkScope(c, rt) {
			return
		}
		if s.injectFault(c, rt.style, true) {
			return
		}
		if rt.kind == KindCustomDomains {
			s.mu.RLock()
			plan := s.plan
			s.mu.RUnlock()
			if plan == PlanFree {
				s.writeError(c, http.StatusForbidden, "The account is not allowed to perform this operation, please contact our support team", "operation_not_allowed")
				return
			}
		}
		rt.handler(c)
	})
}

func setRateHeaders(w http.ResponseWriter, v rateVerdict) {
	h := w.Header()
	h.Set("x-ratelimit-limit", strconv.Itoa(v.limit))
	h.Set("x-ratelimit-remaining", strconv.Itoa(v.remaining))
	h.Set("x-ratelimit-reset", strconv.FormatInt(v.reset, 10))
}

// finish runs fn and records the outcome in the stats.
func (s *Sim) finish(c *reqCtx, fn func(c *reqCtx)) {
	sw := &statusWriter{ResponseWriter: c.w}
	c.w = sw
	fn(c)
	o := outOK
	switch {
	case sw.injected:
		o = outInjected
	case sw.status == http.StatusTooManyRequests:
		o = outRateLimited
	case sw.status >= 400:
		o = outError
	}
	s.stats.record(c.kind, o)
}

type statusWriter struct {
	http.ResponseWriter
	status   int
	injected bool
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// splitPath splits an escaped path into unescaped segments, so that user ids
// holding "|" or an escaped "/" survive.
func splitPath(escaped string) ([]string, error) {
	escaped = strings.Trim(escaped, "/")
	if escaped == "" {
		return nil, nil
	}
	parts := strings.Split(escaped, "/")
	for i, p := range parts {
		u, err := url.PathUnescape(p)
		if err != nil {
			return nil, err
		}
		parts[i] = u
	}
	return parts, nil
}

// Error responses, shaped as Auth0's.

func (s *Sim) writeError(c *reqCtx, status int, msg, code string) {
	body := map[string]any{"statusCode": status, "error": http.StatusText(status), "message": msg}
	if code != "" {
		body["errorCode"] = code
	}
	writeJSON(c.w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func (s *Sim) notFound(c *reqCtx, msg, code string) { s.writeError(c, http.StatusNotFound, msg, code) }

func (s *Sim) badRequest(c *reqCtx, msg string) {
	s.writeError(c, http.StatusBadRequest, msg, "invalid_body")
}

// readBody decodes a JSON request body into v (nil body is fine).
func readBody(c *reqCtx, v any) error {
	b, err := io.ReadAll(io.LimitReader(c.r.Body, 10<<20))
	if err != nil {
		return err
	}
	if len(strings.TrimSpace(string(b))) == 0 || string(b) == "null" {
		return nil
	}
	return json.Unmarshal(b, v)
}

// authorize checks the bearer token.
func (s *Sim) authorize(c *reqCtx) bool {
	h := c.r.Header.Get("Authorization")
	if h == "" {
		s.writeError(c, http.StatusUnauthorized, "Missing authentication", "")
		return false
	}
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		s.writeError(c, http.StatusUnauthorized, "Bad HTTP authentication header format", "")
		return false
	}
	s.mu.RLock()
	info := s.tokens[tok]
	s.mu.RUnlock()
	if info == nil {
		s.writeError(c, http.StatusUnauthorized, "Invalid token", "")
		return false
	}
	if time.Now().After(info.expiresAt) {
		s.writeError(c, http.StatusUnauthorized, "Expired token received for JSON Web Token validation", "")
		return false
	}
	if info.audience != s.mgmtAPI {
		s.writeError(c, http.StatusUnauthorized, "Bad audience: "+info.audience, "")
		return false
	}
	c.tok = info
	return true
}

func (s *Sim) checkScope(c *reqCtx, rt route) bool {
	if rt.scope == "" || (rt.write && !c.tok.checkAll) {
		return true
	}
	if c.tok.scopes[rt.scope] {
		return true
	}
	s.writeError(c, http.StatusForbidden, "Insufficient scope, expected any of: "+rt.scope, "insufficient_scope")
	return false
}

func (c *reqCtx) hasScope(scope string) bool { return c.tok != nil && c.tok.scopes[scope] }

// Faults.

type faultState struct {
	fired    []int          // per FailAt entry
	counters map[string]int // per kind, requests without a page
	logsSeq  int            // logs requests with `from` since the last without
}

// pageIndex derives the page FailAt compares against (see PageFault).
func (s *Sim) pageIndex(c *reqCtx, style pagingStyle) int {
	q := c.q
	switch style {
	case pageOffset:
		return atoiDefault(q.Get("page"), 0)
	case pageCheckpoint:
		if q.Has("take") || q.Has("from") {
			if cur, ok := decodeCursor(q.Get("from")); ok {
				return cur.page
			}
			return 0
		}
		return atoiDefault(q.Get("page"), 0)
	case pageLogs:
		if q.Has("from") {
			k := s.fs.logsSeq
			s.fs.logsSeq++
			return k
		}
		s.fs.logsSeq = 0
		return atoiDefault(q.Get("page"), 0)
	default:
		if s.fs.counters == nil {
			s.fs.counters = map[string]int{}
		}
		k := s.fs.counters[c.kind]
		s.fs.counters[c.kind]++
		return k
	}
}

// injectFault answers the request with an injected error when FailAt or
// ErrorRate says so. api is false for /oauth/token (ErrorRate spares it).
func (s *Sim) injectFault(c *reqCtx, style pagingStyle, api bool) bool {
	s.mu.RLock()
	hasFailAt, rate := len(s.faults.FailAt) > 0, s.faults.ErrorRate
	s.mu.RUnlock()
	status := 0
	if hasFailAt {
		// Counters and Times need the write lock; without FailAt entries
		// requests don't serialize here.
		s.mu.Lock()
		page := s.pageIndex(c, style)
		if len(s.fs.fired) != len(s.faults.FailAt) {
			s.fs.fired = make([]int, len(s.faults.FailAt))
		}
		for k, f := range s.faults.FailAt {
			kindOK := f.Kind == c.kind || (f.Kind == KindUsers && c.kind == KindUsersSearch)
			if !kindOK || f.Page != page || (f.Times > 0 && s.fs.fired[k] >= f.Times) {
				continue
			}
			s.fs.fired[k]++
			status = f.Status
			if status == 0 {
				status = http.StatusInternalServerError
			}
			break
		}
		rate = s.faults.ErrorRate
		s.mu.Unlock()
	}
	if status == 0 && api && rate > 0 {
		h := hash3(s.cfg.Seed, tagErrors, s.reqSeq.Add(1))
		if float64(h>>11)/(1<<53) < rate {
			status = http.StatusServiceUnavailable
			if h&1 == 1 {
				status = http.StatusInternalServerError
			}
		}
	}
	if status == 0 {
		return false
	}
	if sw, ok := c.w.(*statusWriter); ok {
		sw.injected = true
	}
	switch status {
	case http.StatusServiceUnavailable:
		s.writeError(c, status, "The service is temporarily unavailable. Please try again later.", "service_unavailable")
	case http.StatusInternalServerError:
		s.writeError(c, status, "Internal Server Error", "internal_error")
	default:
		if c.kind == KindToken {
			writeJSON(c.w, status, map[string]string{"error": "server_error", "error_description": http.StatusText(status)})
			return true
		}
		s.writeError(c, status, http.StatusText(status), "")
	}
	return true
}

// Paging parameters.

type offsetParams struct {
	page, perPage int
	totals        bool
}

func (s *Sim) parseOffset(c *reqCtx) (offsetParams, bool) {
	p := offsetParams{perPage: 50}
	q := c.q
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			s.writeError(c, http.StatusBadRequest, "Query validation error: 'Expected type integer but found type string' on property page (Page index of the results to return. First page is 0.).", "invalid_query_string")
			return p, false
		}
		p.page = n
	}
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		switch {
		case err != nil:
			s.writeError(c, http.StatusBadRequest, "Query validation error: 'Expected type integer but found type string' on property per_page (Number of results per page. Defaults to 50.).", "invalid_query_string")
			return p, false
		case n > 100:
			s.writeError(c, http.StatusBadRequest, "Query validation error: 'Number must be less than or equal to 100' on property per_page (Number of results per page. Defaults to 50.).", "invalid_query_string")
			return p, false
		case n < 0:
			s.writeError(c, http.StatusBadRequest, "Query validation error: 'Number must be greater than or equal to 0' on property per_page (Number of results per page. Defaults to 50.).", "invalid_query_string")
			return p, false
		}
		p.perPage = n
	}
	p.totals = q.Get("include_totals") == "true"
	return p, true
}

func (p offsetParams) window(total int) (lo, hi int) {
	lo = min(p.page*p.perPage, total)
	hi = min(lo+p.perPage, total)
	return lo, hi
}

// cursor is the simulator's opaque checkpoint: the position in the list's
// sequence and the page index (for FailAt).
type cursor struct {
	pos, page int
}

func encodeCursor(cur cursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("sim:%d:%d", cur.pos, cur.page)))
}

func decodeCursor(s string) (cursor, bool) {
	if s == "" {
		return cursor{}, false
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, false
	}
	var cur cursor
	if _, err := fmt.Sscanf(string(b), "sim:%d:%d", &cur.pos, &cur.page); err != nil || cur.pos < 0 || cur.page < 0 {
		return cursor{}, false
	}
	return cur, true
}

type checkpointParams struct {
	take int
	cur  cursor
}

func (s *Sim) parseCheckpoint(c *reqCtx) (checkpointParams, bool) {
	p := checkpointParams{take: 50}
	if v := c.q.Get("take"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			s.writeError(c, http.StatusBadRequest, "Query validation error: 'Number must be less than or equal to 100' on property take (Number of results per page. Defaults to 50.).", "invalid_query_string")
			return p, false
		}
		p.take = n
	}
	if from := c.q.Get("from"); from != "" {
		cur, ok := decodeCursor(from)
		if !ok {
			s.writeError(c, http.StatusBadRequest, "Invalid value for from parameter", "invalid_query_string")
			return p, false
		}
		p.cur = cur
	}
	return p, true
}

func usesCheckpoint(q url.Values) bool { return q.Has("take") || q.Has("from") }

func atoiDefault(s string, d int) int {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	return d
}

// project keeps (include_fields=true, the default) or drops the listed
// top-level fields of each rendered object, as `fields` does on Auth0.
func project(c *reqCtx, v any, always ...string) any {
	fields := c.q.Get("fields")
	if fields == "" {
		return v
	}
	include := c.q.Get("include_fields") != "false"
	set := map[string]bool{}
	for _, f := range strings.Split(fields, ",") {
		set[strings.TrimSpace(f)] = true
	}
	b, _ := json.Marshal(v)
	var m map[string]json.RawMessage
	if json.Unmarshal(b, &m) != nil {
		return v
	}
	for k := range m {
		keep := set[k] == include
		for _, a := range always {
			if a == k {
				keep = true
			}
		}
		if !keep {
			delete(m, k)
		}
	}
	return m
}

func projectAll[T any](c *reqCtx, items []T, always ...string) []any {
	out := make([]any, len(items))
	for k := range items {
		out[k] = project(c, items[k], always...)
	}
	return out
}
