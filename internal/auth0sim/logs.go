package auth0sim

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
)

// appendLog stamps ev with the next log_id and stores it. Dates never go
// backwards, so log_id order (lexical: fixed width, zero padded) is also date
// order, as Auth0's checkpoint paging assumes. Callers hold s.mu.
func (s *Sim) appendLog(ev LogEvent) {
	ms := ev.Date.UnixMilli()
	if ev.Date.IsZero() {
		ms = time.Now().UnixMilli()
	}
	ms = max(ms, s.lastLogMs)
	s.lastLogMs = ms
	ev.Date = time.UnixMilli(ms).UTC()
	s.logSeq++
	ev.LogID = fmt.Sprintf("900%s%03d%036d", ev.Date.Format("20060102150405"), ms%1000, s.logSeq)
	s.logs = append(s.logs, ev)
	s.pushLog(&s.logs[len(s.logs)-1])
}

// logMutation records a successful Management API operation (type sapi).
func (s *Sim) logMutation(tok *tokenInfo, r *http.Request, status int, description string, body map[string]any) {
	s.logMutationResp(tok, r, status, description, body, nil)
}

// logMutationResp is logMutation with the response body Auth0 logs for a
// create (the new asset; the simulator logs only its id and name, never a
// secret).
func (s *Sim) logMutationResp(tok *tokenInfo, r *http.Request, status int, description string, body, resp map[string]any) {
	clientID := ""
	if tok != nil {
		clientID = tok.clientID
	}
	if body == nil {
		body = map[string]any{}
	}
	if resp == nil {
		resp = map[string]any{}
	}
	query := map[string]any{}
	for k, v := range r.URL.Query() {
		query[k] = v[0]
	}
	ev := LogEvent{Type: "sapi", Description: description, ClientID: clientID,
		IP: "127.0.0.1",
		Details: map[string]any{
			"request": map[string]any{
				"method":    strings.ToLower(r.Method),
				"path":      r.URL.EscapedPath(), // Auth0 logs the escaped path: auth0%7C…
				"query":     query,
				"body":      body,
				"channel":   "api",
				"userAgent": r.UserAgent(),
				"auth":      map[string]any{"strategy": "jwt", "credentials": map[string]any{}, "user": map[string]any{}},
			},
			"response": map[string]any{"statusCode": status, "body": resp},
		}}
	s.appendLog(ev)
}

// logsAfter returns up to take events with log_id > from, oldest first.
func (s *Sim) logsAfter(from string, take int) []LogEvent {
	k := sort.Search(len(s.logs), func(i int) bool { return s.logs[i].LogID > from })
	end := min(k+take, len(s.logs))
	return s.logs[k:end]
}

// matchLogQuery supports the Lucene subset of log search: field:value and
// field:"value" terms joined by AND, over type, user_id, client_id,
// connection and description.
func matchLogQuery(e *LogEvent, q string) bool {
	q = strings.TrimSpace(q)
	if q == "" {
		return true
	}
	for _, term := range splitTerms(q) {
		field, val, ok := strings.Cut(term, ":")
		if !ok {
			return false
		}
		val = strings.Trim(val, `"`)
		var got string
		switch field {
		case "type":
			got = e.Type
		case "user_id":
			got = e.UserID
		case "client_id":
			got = e.ClientID
		case "connection":
			got = e.Connection
		case "description":
			got = e.Description
		case "log_id":
			got = e.LogID
		default:
			return false
		}
		if got != val {
			return false
		}
	}
	return true
}
