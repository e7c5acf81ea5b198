package auth0sim

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
)

// PushConfig says how the simulator delivers to the http log streams and
// the webhook event streams created through its API, as Auth0 does: in
// batches, retried with backoff, at least once — some deliveries arrive
// twice, some batches late and shuffled. Seeded: equal configs make the
// same choices for the same events.
type PushConfig struct {
	// BatchSize is the most log events in one delivery (JSONLINES and
	// JSONARRAY; JSONOBJECT and Event Streams send one a request). Default 25.
	BatchSize int
	// BatchDelay is how long events gather before a delivery (default 100 ms).
	BatchDelay time.Duration
	// Retries after a failed delivery (default 3, as Auth0 documents), the
	// delay doubling from Backoff (default 200 ms); then the batch is
	// dropped and counted in PushStats.Dropped.
	Retries int
	Backoff time.Duration
	// DuplicateRate is the fraction of deliveries sent again a little later.
	DuplicateRate float64
	// ReorderRate is the fraction of batches shuffled and held back until
	// after the next batch.
	ReorderRate float64
	Seed        int64
	// Client sends the deliveries (default: a 10 s timeout).
	Client *http.Client
}

// PushStats counts what the simulator delivered.
type PushStats struct {
	Deliveries int // requests answered 2xx
	Events     int // events in them (duplicates included)
	Failures   int // attempts that failed (then retried)
	Dropped    int // batches given up after the retries
	Duplicates int // deliveries sent a second time
	Reordered  int // batches shuffled and held back
}

type pushState struct {
	once    sync.Once
	mu      sync.Mutex
	cfg     PushConfig
	rnd     *rand.Rand
	targets map[string]*pushTarget
	events  []*eventStream
	stats   PushStats
	pending int // queued events, batches held back, redeliveries not yet sent
	wg      sync.WaitGroup
	ctx     context.Context
	cancel  context.CancelFunc
}

// pushTarget is one stream the simulator delivers to.
type pushTarget struct {
	id         string
	events     bool // an Event Streams webhook (CloudEvents, one a request)
	endpoint   string
	auth       string
	format     string // JSONLINES, JSONARRAY, JSONOBJECT
	ctype      string
	categories map[string]bool // log stream filters; nil: every event
	types      map[string]bool // event stream subscriptions
	queue      []json.RawMessage
	wake       chan struct{}
}

// eventStream is an Event Streams stream (not an asset authgraph collects).
type eventStream struct {
	ID, Name, Status string
	Types            []string
	Endpoint         string
	Method           string
	CreatedAt        time.Time
}

func (s *Sim) pushInit() *pushState {
	p := &s.push
	p.once.Do(func() {
		if p.cfg.BatchSize <= 0 {
			p.cfg.BatchSize = 25
		}
		if p.cfg.BatchDelay <= 0 {
			p.cfg.BatchDelay = 100 * time.Millisecond
		}
		if p.cfg.Retries <= 0 {
			p.cfg.Retries = 3
		}
		if p.cfg.Backoff <= 0 {
			p.cfg.Backoff = 200 * time.Millisecond
		}
		if p.cfg.Client == nil {
			p.cfg.Client = &http.Client{Timeout: 10 * time.Second}
		}
		p.rnd = rand.New(rand.NewSource(p.cfg.Seed))
		p.targets = map[string]*pushTarget{}
		p.ctx, p.cancel = context.WithCancel(context.Background())
	})
	return p
}

// SetPush configures deliveries; call it before creating streams.
func (s *Sim) SetPush(cfg PushConfig) {
	s.push.mu.Lock()
	s.push.cfg = cfg
	s.push.mu.Unlock()
	s.pushInit()
}

// StopPush stops delivering (what is queued is dropped) and waits for the
// deliveries under way.
func (s *Sim) StopPush() {
	p := s.pushInit()
	p.cancel()
	p.wg.Wait()
}

// PushStats returns the delivery counts so far.
func (s *Sim) PushStats() PushStats {
	p := s.pushInit()
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

// PushIdle says whether nothing is waiting to be delivered.
func (s *Sim) PushIdle() bool {
	p := s.pushInit()
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pending == 0
}

// LastLogID returns the newest log event's id ("" when none).
func (s *Sim) LastLogID() string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if len(s.logs) == 0 {
		return ""
	}
	return s.logs[len(s.logs)-1].LogID
}

// addPushTarget registers a stream and starts its deliveries.
func (s *Sim) addPushTarget(t *pushTarget) {
	p := s.pushInit()
	t.wake = make(chan struct{}, 1)
	p.mu.Lock()
	p.targets[t.id] = t
	p.mu.Unlock()
	p.wg.Add(1)
	go s.deliverLoop(p, t)
}

func (s *Sim) removePushTarget(id string) {
	p := s.pushInit()
	p.mu.Lock()
	defer p.mu.Unlock()
	if t := p.targets[id]; t != nil {
		p.pending -= len(t.queue)
		t.queue = nil
		delete(p.targets, id)
		close(t.wake)
	}
}

// pushLog hands a new log event to the streams. Callers hold s.mu (it is
// called by appendLog); it never blocks on a delivery.
func (s *Sim) pushLog(ev *LogEvent) {
	p := &s.push
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.targets) == 0 {
		return
	}
	var logLine json.RawMessage
	var cloud []json.RawMessage
	for _, t := range p.targets {
		var add []json.RawMessage
		if t.events {
			if cloud == nil {
				cloud = s.cloudEvents(ev)
			}
			for _, c := range cloud {
				var head struct {
					Type string `json:"type"`
				}
				_ = json.Unmarshal(c, &head)
				if t.types[head.Type] {
					add = append(add, c)
				}
			}
		} else {
			if t.categories != nil && !t.categories[logCategory(ev.Type)] {
				continue
			}
			if logLine == nil {
				logLine, _ = json.Marshal(map[string]any{"log_id": ev.LogID, "data": renderLog(ev)})
			}
			add = append(add, logLine)
		}
		if len(add) == 0 {
			continue
		}
		t.queue = append(t.queue, add...)
		p.pending += len(add)
		select {
		case t.wake <- struct{}{}:
		default:
		}
	}
}

// LogCategory is a log event type's log stream filter category
// ("management.success", "auth.login.success", …; "other" when unknown).
func LogCategory(typ string) string { return logCategory(typ) }

// logCategory is a log event type's log stream filter category.
func logCategory(typ string) string {
	switch typ {
	case "sapi":
		return "management.success"
	case "fapi":
		return "management.fail"
	case "ss":
		return "auth.signup.success"
	case "fs":
		return "auth.signup.fail"
	case "s":
		return "auth.login.success"
	case "f", "fp", "fu":
		return "auth.login.fail"
	case "sdu", "du", "scp", "sce", "scpn", "scu", "sv", "svr", "ublkdu":
		return "user.success"
	case "gd_enrollment_complete", "gd_unenroll", "gd_update_device_account", "gd_module_switch":
		return "auth.ancillary.success"
	}
	return "other"
}

// deliverLoop sends one target's queue: it waits for events, lets the
// batch delay pass, and delivers batches in order — except the ones the
// seeded dice hold back or send twice.
func (s *Sim) deliverLoop(p *pushState, t *pushTarget) {
	defer p.wg.Done()
	var held []json.RawMessage
	for {
		select {
		case <-p.ctx.Done():
			return
		case _, ok := <-t.wake:
			if !ok {
				return
			}
		}
		select {
		case <-p.ctx.Done():
			return
		case <-time.After(p.cfg.BatchDelay):
		}
		for {
			p.mu.Lock()
			size := p.cfg.BatchSize
			if t.events || t.format == "JSONOBJECT" {
				size = 1
			}
			n := min(size, len(t.queue))
			batch := append([]json.RawMessage(nil), t.queue[:n]...)
			t.queue = t.queue[n:]
			reorder := n > 0 && p.rnd.Float64() < p.cfg.ReorderRate
			dup := n > 0 && p.rnd.Float64() < p.cfg.DuplicateRate
			if reorder {
				p.rnd.Shuffle(len(batch), func(i, j int) { batch[i], batch[j] = batch[j], batch[i] })
				p.stats.Reordered++
			}
			if dup {
				p.stats.Duplicates++
				p.pending += len(batch)
			}
			p.mu.Unlock()
			if n == 0 {
				if held != nil { // nothing came after it: send it now
					s.deliver(p, t, held)
					held = nil
				}
				break
			}
			if reorder && held == nil {
				held = batch // sent after the next batch
			} else {
				s.deliver(p, t, batch)
				if held != nil {
					s.deliver(p, t, held)
					held = nil
				}
			}
			if dup {
				again := batch
				p.wg.Add(1)
				go func() {
					defer p.wg.Done()
					select {
					case <-p.ctx.Done():
					case <-time.After(p.cfg.BatchDelay * time.Duration(2+len(again)%5)):
					}
					s.deliver(p, t, again)
				}()
			}
		}
	}
}

// deliver posts one batch, retrying with backoff, and counts it out of
// pending whatever happens.
func (s *Sim) deliver(p *pushState, t *pushTarget, batch []json.RawMessage) {
	defer func() {
		p.mu.Lock()
		p.pending -= len(batch)
		p.mu.Unlock()
	}()
	parts := make([][]byte, len(batch))
	for i, b := range batch {
		parts[i] = b
	}
	var body []byte
	switch {
	case t.events || t.format == "JSONOBJECT":
		body = batch[0]
	case t.format == "JSONARRAY":
		body = append(append([]byte("["), bytes.Join(parts, []byte(","))...), ']')
	default: // JSONLINES
		body = append(bytes.Join(parts, []byte("\n")), '\n')
	}
	delay := p.cfg.Backoff
	for attempt := 0; attempt <= p.cfg.Retries; attempt++ {
		if attempt > 0 {
			select {
			case <-p.ctx.Done():
				return
			case <-time.After(delay):
			}
			delay *= 2
		}
		req, err := http.NewRequestWithContext(p.ctx, http.MethodPost, t.endpoint, bytes.NewReader(body))
		if err != nil {
			break
		}
		req.Header.Set("Content-Type", t.ctype)
		if t.auth != "" {
			req.Header.Set("Authorization", t.auth)
		}
		resp, err := p.cfg.Client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode/100 == 2 {
				p.mu.Lock()
				p.stats.Deliveries++
				p.stats.Events += len(batch)
				p.mu.Unlock()
				return
			}
		}
		if p.ctx.Err() != nil {
			return
		}
		p.mu.Lock()
		p.stats.Failures++
		p.mu.Unlock()
	}
	p.mu.Lock()
	p.stats.Dropped++
	p.mu.Unlock()
}

// cloudEvents derives the Event Streams events of a log event (Auth0
// publishes both from the same change): user created, updated and deleted,
// organizations and their members, member roles and connections.
func (s *Sim) cloudEvents(ev *LogEvent) []json.RawMessage {
	type obj = map[string]any
	var out []json.RawMessage
	add := func(typ string, o obj) {
		id := fmt.Sprintf("evt_%016x", mix64(uint64(len(out))^hashString(ev.LogID)))
		b, _ := json.Marshal(obj{"specversion": "1.0", "id": id, "source": "urn:auth0:" + s.domain, "type": typ,
			"time": ev.Date.UTC().Format(time.RFC3339Nano), "data": obj{"object": o}, "a0tenant": s.tenantName(), "a0stream": "est_sim"})
		out = append(out, b)
	}
	switch ev.Type {
	case "ss":
		add("user.created", obj{"user_id": ev.UserID})
	case "sdu", "du":
		add("user.deleted", obj{"user_id": ev.UserID})
	case "scp", "sce", "scpn", "scu", "sv":
		add("user.updated", obj{"user_id": ev.UserID})
	case "sapi":
		req, _ := ev.Details["request"].(map[string]any)
		resp, _ := ev.Details["response"].(map[string]any)
		method, _ := req["method"].(string)
		path, _ := req["path"].(string)
		body, _ := req["body"].(map[string]any)
		rbody, _ := resp["body"].(map[string]any)
		seg := strings.Split(strings.TrimPrefix(path, "/api/v2/"), "/")
		for i := range seg {
			if u, err := url.PathUnescape(seg[i]); err == nil {
				seg[i] = u
			}
		}
		n := len(seg)
		switch {
		case seg[0] == "users" && n == 2 && method == "patch":
			add("user.updated", obj{"user_id": seg[1]})
		case seg[0] == "organizations" && n == 1 && method == "post":
			if id, _ := rbody["id"].(string); id != "" {
				add("organization.created", obj{"id": id})
			}
		case seg[0] == "organizations" && n == 2 && (method == "patch" || method == "delete"):
			add(map[string]string{"patch": "organization.updated", "delete": "organization.deleted"}[method], obj{"id": seg[1]})
		case seg[0] == "organizations" && n == 3 && seg[2] == "members":
			typ := map[string]string{"post": "organization.member.added", "delete": "organization.member.deleted"}[method]
			for _, m := range anyStrings(body["members"]) {
				add(typ, obj{"organization": obj{"id": seg[1]}, "user": obj{"user_id": m}})
			}
		case seg[0] == "organizations" && n == 5 && seg[2] == "members" && seg[4] == "roles":
			typ := map[string]string{"post": "organization.member.role.assigned", "delete": "organization.member.role.deleted"}[method]
			for _, r := range anyStrings(body["roles"]) {
				add(typ, obj{"organization": obj{"id": seg[1]}, "user": obj{"user_id": seg[3]}, "role": obj{"id": r}})
			}
		case seg[0] == "organizations" && n >= 3 && seg[2] == "enabled_connections":
			typ := map[string]string{"post": "organization.connection.added", "patch": "organization.connection.updated", "delete": "organization.connection.removed"}[method]
			conn := ""
			if n == 4 {
				conn = seg[3]
			} else {
				conn, _ = body["connection_id"].(string)
			}
			add(typ, obj{"organization": obj{"id": seg[1]}, "connection": obj{"id": conn}})
		}
	}
	return out
}

func anyStrings(v any) []string {
	var out []string
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
	case []string:
		out = x
	}
	return out
}

func basicAuth(user, pass string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
}

func hashString(s string) uint64 {
	h := uint64(1469598103934665603)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// createLogStream: POST /api/v2/log-streams. A stream of type http is
// delivered to (see PushConfig); other types are only stored.
func (s *Sim) createLogStream(c *reqCtx) {
	var b struct {
		Name       string              `json:"name"`
		Type       string              `json:"type"`
		Status     string              `json:"status"`
		IsPriority bool                `json:"isPriority"`
		Filters    []map[string]string `json:"filters"`
		Sink       map[string]any      `json:"sink"`
	}
	if err := readBody(c, &b); err != nil {
		s.badRequest(c, "Payload validation error: 'Invalid JSON'.")
		return
	}
	if b.Name == "" || b.Type == "" {
		s.badRequest(c, "Payload validation error: 'Missing required property: name, type'.")
		return
	}
	var t *pushTarget
	if b.Type == "http" {
		endpoint, _ := b.Sink["httpEndpoint"].(string)
		u, err := url.Parse(endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			s.badRequest(c, "Payload validation error: 'sink.httpEndpoint must be a URL'.")
			return
		}
		format, _ := b.Sink["httpContentFormat"].(string)
		switch format {
		case "":
			format = "JSONLINES"
		case "JSONLINES", "JSONARRAY", "JSONOBJECT":
		default:
			s.badRequest(c, "Payload validation error: 'sink.httpContentFormat must be one of JSONLINES, JSONARRAY, JSONOBJECT'.")
			return
		}
		b.Sink["httpContentFormat"] = format
		ctype, _ := b.Sink["httpContentType"].(string)
		if ctype == "" {
			ctype = "application/json"
		}
		auth, _ := b.Sink["httpAuthorization"].(string)
		t = &pushTarget{endpoint: endpoint, auth: auth, format: format, ctype: ctype}
		for _, f := range b.Filters {
			if f["type"] == "category" {
				if t.categories == nil {
					t.categories = map[string]bool{}
				}
				t.categories[f["name"]] = true
			}
		}
	}
	if b.Status == "" {
		b.Status = "active"
	}
	s.mu.Lock()
	ls := &LogStream{ID: "lst_" + s.mutRNG().str(16, "0123456789"), Name: b.Name, Type: b.Type, Status: b.Status,
		IsPriority: b.IsPriority, Filters: b.Filters, Sink: b.Sink}
	s.logStreams = append(s.logStreams, ls)
	if a, _ := b.Sink["httpAuthorization"].(string); a != "" {
		s.extraSecrets[a] = true
	}
	s.logMutation(c.tok, c.r, http.StatusOK, "Create a log stream", map[string]any{"name": b.Name, "type": b.Type})
	out := renderLogStream(ls)
	s.mu.Unlock()
	if t != nil && ls.Status == "active" {
		t.id = ls.ID
		s.addPushTarget(t)
	}
	writeJSON(c.w, http.StatusOK, out)
}

// deleteLogStream: DELETE /api/v2/log-streams/{id}.
func (s *Sim) deleteLogStream(c *reqCtx) {
	id := c.seg[1]
	s.mu.Lock()
	k := -1
	for i, ls := range s.logStreams {
		if ls.ID == id {
			k = i
		}
	}
	if k < 0 {
		s.mu.Unlock()
		s.notFound(c, "The log stream does not exist.", "inexistent_log_stream")
		return
	}
	s.logStreams = append(s.logStreams[:k], s.logStreams[k+1:]...)
	s.logMutation(c.tok, c.r, http.StatusNoContent, "Delete a log stream", nil)
	s.mu.Unlock()
	s.removePushTarget(id)
	c.w.WriteHeader(http.StatusNoContent)
}

// createEventStream: POST /api/v2/event-streams (destination webhook).
func (s *Sim) createEventStream(c *reqCtx) {
	var b struct {
		Name          string `json:"name"`
		Subscriptions []struct {
			EventType string `json:"event_type"`
		} `json:"subscriptions"`
		Destination struct {
			Type          string `json:"type"`
			Configuration struct {
				Endpoint string `json:"webhook_endpoint"`
				Auth     struct {
					Method   string `json:"method"`
					Token    string `json:"token"`
					Username string `json:"username"`
					Password string `json:"password"`
				} `json:"webhook_authorization"`
			} `json:"configuration"`
		} `json:"destination"`
	}
	if err := readBody(c, &b); err != nil {
		s.badRequest(c, "Payload validation error: 'Invalid JSON'.")
		return
	}
	cfg := b.Destination.Configuration
	u, err := url.Parse(cfg.Endpoint)
	if b.Destination.Type != "webhook" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(b.Subscriptions) == 0 {
		s.badRequest(c, "Payload validation error: 'a webhook destination with an endpoint and at least one subscription'.")
		return
	}
	t := &pushTarget{events: true, endpoint: cfg.Endpoint, ctype: "application/cloudevents+json", types: map[string]bool{}}
	switch cfg.Auth.Method {
	case "bearer":
		t.auth = "Bearer " + cfg.Auth.Token
	case "basic":
		t.auth = "Basic " + basicAuth(cfg.Auth.Username, cfg.Auth.Password)
	default:
		s.badRequest(c, "Payload validation error: 'webhook_authorization.method must be bearer or basic'.")
		return
	}
	es := &eventStream{Name: b.Name, Status: "enabled", Endpoint: cfg.Endpoint, Method: cfg.Auth.Method, CreatedAt: time.Now().UTC()}
	for _, sub := range b.Subscriptions {
		t.types[sub.EventType] = true
		es.Types = append(es.Types, sub.EventType)
	}
	sort.Strings(es.Types)
	s.mu.Lock()
	es.ID = "est_" + s.mutRNG().str(22, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
	s.extraSecrets[cfg.Auth.Token] = true
	s.mu.Unlock()
	p := s.pushInit()
	p.mu.Lock()
	p.events = append(p.events, es)
	p.mu.Unlock()
	t.id = es.ID
	s.addPushTarget(t)
	writeJSON(c.w, http.StatusCreated, renderEventStream(es))
}

func renderEventStream(es *eventStream) map[string]any {
	subs := make([]map[string]string, len(es.Types))
	for i, t := range es.Types {
		subs[i] = map[string]string{"event_type": t}
	}
	return map[string]any{"id": es.ID, "name": es.Name, "status": es.Status, "subscriptions": subs,
		"created_at": es.CreatedAt.Format(time.RFC3339Nano), "updated_at": es.CreatedAt.Format(time.RFC3339Nano),
		"destination": map[string]any{"type": "webhook", "configuration": map[string]any{
			"webhook_endpoint": es.Endpoint, "webhook_authorization": map[string]string{"method": es.Method}}}}
}

// listEventStreams: GET /api/v2/event-streams.
func (s *Sim) listEventStreams(c *reqCtx) {
	p := s.pushInit()
	p.mu.Lock()
	items := make([]any, 0, len(p.events))
	for _, es := range p.events {
		items = append(items, renderEventStream(es))
	}
	p.mu.Unlock()
	writeJSON(c.w, http.StatusOK, map[string]any{"eventStreams": items})
}

// deleteEventStream: DELETE /api/v2/event-streams/{id}.
func (s *Sim) deleteEventStream(c *reqCtx) {
	id := c.seg[1]
	p := s.pushInit()
	p.mu.Lock()
	k := -1
	for i, es := range p.events {
		if es.ID == id {
			k = i
		}
	}
	if k >= 0 {
		p.events = append(p.events[:k], p.events[k+1:]...)
	}
	p.mu.Unlock()
	if k < 0 {
		s.notFound(c, "The event stream does not exist.", "inexistent_event_stream")
		return
	}
	s.removePushTarget(id)
	c.w.WriteHeader(http.StatusNoContent)
}
