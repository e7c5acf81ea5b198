// Package stream receives what Auth0 pushes: log streams of type "http"
// (custom webhooks) and Event Streams webhooks (CloudEvents 1.0). Each
// request is parsed, deduplicated by event id, queued per tenant and
// acknowledged at once; a worker per tenant applies the queue in order
// (log id, or event time) through an Applier, which refetches the assets an
// event touched. Nothing in the request path touches the graph or Auth0.
//
// Streams deliver at least once, out of order, and pause after failures:
// the checkpoint poll of the logs still runs and fills the gaps.
package stream

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"time"

	"github.com/auth0/go-auth0/management"

	"github.com/authgraph/authgraph/internal/apperr"
)

// MaxEventsPerRequest bounds one request's events (Auth0 batches far
// fewer; a body that holds more is refused, not truncated).
const MaxEventsPerRequest = 10000

// LogEntry is one event of a log stream delivery.
type LogEntry struct {
	ID  string
	Log *management.Log
}

// ParseLogs reads a log stream delivery in any of the custom webhook's
// content formats: JSONLINES (one JSON object a line), JSONARRAY (one
// array) and JSONOBJECT (one object a request). Each element is Auth0's
// envelope {"log_id": …, "data": {…}}; a bare log event (with its own
// log_id) is accepted too. A malformed body is Invalid and nothing of it is
// kept.
func ParseLogs(body []byte) ([]LogEntry, error) {
	raws, err := splitJSON(body)
	if err != nil {
		return nil, err
	}
	out := make([]LogEntry, 0, len(raws))
	for i, raw := range raws {
		var env struct {
			LogID string          `json:"log_id"`
			Data  json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(raw, &env); err != nil {
			return nil, apperr.New(apperr.Invalid, "event %d: not a log event object: %v", i+1, err)
		}
		data := []byte(env.Data)
		if len(bytes.TrimSpace(data)) == 0 || bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
			data = raw // a bare log event
		}
		var l management.Log
		if err := json.Unmarshal(data, &l); err != nil {
			return nil, apperr.New(apperr.Invalid, "event %d: its data is not a log event: %v", i+1, err)
		}
		id := env.LogID
		if id == "" {
			id = l.GetLogID()
		}
		if id == "" {
			return nil, apperr.New(apperr.Invalid, "event %d has no log_id", i+1)
		}
		if l.LogID == nil {
			l.LogID = &id
		}
		out = append(out, LogEntry{ID: id, Log: &l})
	}
	return out, nil
}

// CloudEvent is an Event Streams event (CloudEvents 1.0, structured mode).
type CloudEvent struct {
	SpecVersion string          `json:"specversion"`
	ID          string          `json:"id"`
	Source      string          `json:"source"`
	Type        string          `json:"type"`
	Time        time.Time       `json:"time"`
	Data        json.RawMessage `json:"data"`
	A0Tenant    string          `json:"a0tenant,omitempty"`
	A0Stream    string          `json:"a0stream,omitempty"`
	A0Purpose   string          `json:"a0purpose,omitempty"`
}

// ParseEvents reads an Event Streams delivery: one CloudEvent (structured
// JSON), a batch (a JSON array, application/cloudevents-batch+json) or JSON
// lines. Every event needs specversion 1.0, an id, a type and a time.
func ParseEvents(body []byte) ([]CloudEvent, error) {
	raws, err := splitJSON(body)
	if err != nil {
		return nil, err
	}
	out := make([]CloudEvent, 0, len(raws))
	for i, raw := range raws {
		var ev CloudEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, apperr.New(apperr.Invalid, "event %d: not a CloudEvent: %v", i+1, err)
		}
		switch {
		case ev.SpecVersion != "1.0":
			return nil, apperr.New(apperr.Invalid, "event %d: specversion %q (want \"1.0\")", i+1, ev.SpecVersion)
		case ev.ID == "":
			return nil, apperr.New(apperr.Invalid, "event %d has no id", i+1)
		case ev.Type == "":
			return nil, apperr.New(apperr.Invalid, "event %d has no type", i+1)
		case ev.Time.IsZero():
			return nil, apperr.New(apperr.Invalid, "event %d has no time", i+1)
		}
		out = append(out, ev)
	}
	return out, nil
}

// splitJSON returns the objects of a JSON array, of JSON lines (or any
// whitespace-separated sequence of objects) or of a single object. Only
// objects are elements: anything else is Invalid.
func splitJSON(body []byte) ([]json.RawMessage, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, apperr.New(apperr.Invalid, "the body is empty (send JSON lines, a JSON array or a JSON object)")
	}
	if body[0] == '[' {
		var arr []json.RawMessage
		if err := json.Unmarshal(body, &arr); err != nil {
			return nil, apperr.New(apperr.Invalid, "the body is not a JSON array of events: %v", err)
		}
		if len(arr) > MaxEventsPerRequest {
			return nil, apperr.New(apperr.Invalid, "%d events in one request (at most %d)", len(arr), MaxEventsPerRequest)
		}
		for i, r := range arr {
			if t := bytes.TrimSpace(r); len(t) == 0 || t[0] != '{' {
				return nil, apperr.New(apperr.Invalid, "event %d is not a JSON object", i+1)
			}
		}
		return arr, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var out []json.RawMessage
	for {
		var r json.RawMessage
		err := dec.Decode(&r)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, apperr.New(apperr.Invalid, "line %d: not JSON (%v)", len(out)+1, trimErr(err))
		}
		if r[0] != '{' {
			return nil, apperr.New(apperr.Invalid, "event %d is not a JSON object", len(out)+1)
		}
		out = append(out, r)
		if len(out) > MaxEventsPerRequest {
			return nil, apperr.New(apperr.Invalid, "more than %d events in one request", MaxEventsPerRequest)
		}
	}
	return out, nil
}

func trimErr(err error) string {
	s := err.Error()
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return strings.TrimSpace(s)
}
