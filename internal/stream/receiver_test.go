package stream

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authgraph/authgraph/internal/access"
	"github.com/authgraph/authgraph/internal/apperr"
)

// recorder is an Applier that records what it is given (the receiver's
// transport is tested here; the graph side in internal/monitor and the
// end-to-end test).
type recorder struct {
	mu      sync.Mutex
	batches [][]Touch
	fail    int // fail this many calls first
}

func (r *recorder) ApplyTouches(_ context.Context, tenant string, ts []Touch, source string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if source != "stream" || tenant != "acme" {
		return fmt.Errorf("unexpected %s/%s", tenant, source)
	}
	if r.fail > 0 {
		r.fail--
		return errors.New("graph unavailable")
	}
	r.batches = append(r.batches, append([]Touch(nil), ts...))
	return nil
}

func (r *recorder) all() []Touch {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Touch
	for _, b := range r.batches {
		out = append(out, b...)
	}
	return out
}

func newTestReceiver(t *testing.T, app Applier, tune func(*Config)) *Receiver {
	t.Helper()
	cfg := Config{Applier: app, Window: 20 * time.Millisecond, Backoff: 5 * time.Millisecond,
		Tenants: func(_ context.Context, tenant string) (string, error) {
			switch tenant {
			case "acme":
				return "tok1", nil
			case "nostream":
				return "", nil
			}
			return "", apperr.New(apperr.NotFound, "no tenant")
		}}
	if tune != nil {
		tune(&cfg)
	}
	r := New(cfg)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		r.Close(ctx)
	})
	return r
}

func post(r http.Handler, path, body string, p *access.Principal) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if p != nil {
		req = req.WithContext(access.WithPrincipal(req.Context(), p))
	}
	w := httptest.NewRecorder()
	r.ServeHTTP(w, req)
	return w
}

var streamToken = &access.Principal{Subject: "token:tok1", Role: access.Ingest, Via: "token"}

func logLine(id, typ, user string) string {
	return fmt.Sprintf(`{"log_id":%q,"data":{"log_id":%q,"type":%q,"user_id":%q,"date":"2026-01-01T00:00:00Z"}}`, id, id, typ, user)
}

func TestReceiverRefuses(t *testing.T) {
	r := newTestReceiver(t, &recorder{}, func(c *Config) { c.MaxBody = 4096 })
	other := &access.Principal{Subject: "token:other", Role: access.Ingest}
	admin := &access.Principal{Subject: "token:tok1", Role: access.Admin}
	cases := []struct {
		name, path, body string
		p                *access.Principal
		want             int
	}{
		{"unknown tenant", "/hooks/auth0/nobody/logs", logLine("1", "ss", "u"), streamToken, 404},
		{"unknown endpoint", "/hooks/auth0/acme/other", logLine("1", "ss", "u"), streamToken, 404},
		{"extra segment", "/hooks/auth0/acme/logs/x", logLine("1", "ss", "u"), streamToken, 404},
		{"no caller", "/hooks/auth0/acme/logs", logLine("1", "ss", "u"), nil, 401},
		{"another tenant's token", "/hooks/auth0/acme/logs", logLine("1", "ss", "u"), other, 403},
		{"not the ingest role", "/hooks/auth0/acme/logs", logLine("1", "ss", "u"), admin, 403},
		{"no stream configured", "/hooks/auth0/nostream/logs", logLine("1", "ss", "u"), streamToken, 403},
		{"bad body", "/hooks/auth0/acme/logs", "{nope", streamToken, 400},
		{"empty body", "/hooks/auth0/acme/logs", "", streamToken, 400},
		{"bad CloudEvent", "/hooks/auth0/acme/events", logLine("1", "ss", "u"), streamToken, 400},
		{"too large", "/hooks/auth0/acme/logs", strings.Repeat(logLine("1", "ss", "u")+"\n", 100), streamToken, 413},
	}
	for _, c := range cases {
		w := post(r, c.path, c.body, c.p)
		if w.Code != c.want {
			t.Errorf("%s: %d %s, want %d", c.name, w.Code, w.Body, c.want)
		}
		if !strings.Contains(w.Body.String(), `"error"`) {
			t.Errorf("%s: no error message: %s", c.name, w.Body)
		}
	}
	form := httptest.NewRequest(http.MethodPost, "/hooks/auth0/acme/logs", strings.NewReader("a=b"))
	form.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	form = form.WithContext(access.WithPrincipal(form.Context(), streamToken))
	w := httptest.NewRecorder()
	r.ServeHTTP(w, form)
	if w.Code != http.StatusUnsupportedMediaType {
		t.Errorf("a form: %d", w.Code)
	}
}

func TestReceiverDedupsAndOrders(t *testing.T) {
	rec := &recorder{}
	r := newTestReceiver(t, rec, func(c *Config) { c.Window = 100 * time.Millisecond })
	// Out of order, with a duplicate inside a request and across requests:
	// user 3 is updated (log 3) then deleted (log 4); the deletion arrives
	// first.
	w := post(r, "/hooks/auth0/acme/logs", logLine("0004", "sdu", "auth0|3")+"\n"+logLine("0002", "ss", "auth0|2")+"\n"+logLine("0002", "ss", "auth0|2"), streamToken)
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"accepted":2`) || !strings.Contains(w.Body.String(), `"duplicates":1`) {
		t.Fatalf("first delivery: %d %s", w.Code, w.Body)
	}
	w = post(r, "/hooks/auth0/acme/logs", "["+logLine("0003", "scp", "auth0|3")+","+logLine("0004", "sdu", "auth0|3")+"]", streamToken)
	if !strings.Contains(w.Body.String(), `"accepted":1`) || !strings.Contains(w.Body.String(), `"duplicates":1`) {
		t.Fatalf("second delivery: %d %s", w.Code, w.Body)
	}
	if err := r.Drain(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	got := rec.all()
	want := []Touch{{Resource: "users", ID: "auth0|2"}, {Resource: "users", ID: "auth0|3", Deleted: true}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("applied %+v, want %+v (one batch in log-id order, the deletion last)", got, want)
	}
	// A redelivery after the batch is applied is still a duplicate.
	w = post(r, "/hooks/auth0/acme/logs", logLine("0002", "ss", "auth0|2"), streamToken)
	if !strings.Contains(w.Body.String(), `"duplicates":1`) {
		t.Fatalf("late redelivery: %s", w.Body)
	}
	// Event Streams events are deduplicated by their own ids.
	w = post(r, "/hooks/auth0/acme/events", "["+userCreated+","+userCreated+"]", streamToken)
	if !strings.Contains(w.Body.String(), `"accepted":1`) {
		t.Fatalf("events: %s", w.Body)
	}
	if err := r.Drain(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if got := rec.all(); len(got) != 3 || got[2] != (Touch{Resource: "users", ID: "auth0|9"}) {
		t.Fatalf("after the event: %+v", got)
	}
}

func TestReceiverRetriesAndBoundsTheQueue(t *testing.T) {
	rec := &recorder{fail: 2}
	r := newTestReceiver(t, rec, func(c *Config) { c.QueueLimit = 3 })
	if w := post(r, "/hooks/auth0/acme/logs", logLine("1", "ss", "auth0|1"), streamToken); w.Code != 200 {
		t.Fatal(w.Code)
	}
	if err := r.Drain(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if got := rec.all(); len(got) != 1 || got[0].ID != "auth0|1" {
		t.Fatalf("after two failures: %+v", got)
	}
	// Fill the queue faster than the window lets the worker take it.
	slow := newTestReceiver(t, &recorder{}, func(c *Config) { c.QueueLimit = 3; c.Window = time.Hour })
	body := logLine("1", "ss", "a") + "\n" + logLine("2", "ss", "b")
	if w := post(slow, "/hooks/auth0/acme/logs", body, streamToken); w.Code != 200 {
		t.Fatal(w.Code)
	}
	w := post(slow, "/hooks/auth0/acme/logs", logLine("3", "ss", "c")+"\n"+logLine("4", "ss", "d"), streamToken)
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
		t.Fatalf("full queue: %d %v", w.Code, w.Header())
	}
	// Nothing of the refused request was remembered: its retry is accepted
	// once there is room.
	if w := post(slow, "/hooks/auth0/acme/logs", logLine("3", "ss", "c"), streamToken); w.Code != 200 || !strings.Contains(w.Body.String(), `"accepted":1`) {
		t.Fatalf("retry: %d %s", w.Code, w.Body)
	}
}

func TestDedupForgetsTheOldest(t *testing.T) {
	d := newDedup(3)
	for _, id := range []string{"a", "b", "c"} {
		if !d.add(id) {
			t.Fatal(id)
		}
	}
	if d.add("a") {
		t.Fatal("a is remembered")
	}
	d.add("d") // forgets a
	if !d.add("a") {
		t.Fatal("a should be forgotten after the window")
	}
	if len(d.set) != 3 {
		t.Fatalf("set holds %d", len(d.set))
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}
