package stream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/auth0/go-auth0/management"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/authgraph/authgraph/ingest"
	"github.com/authgraph/authgraph/internal/access"
	"github.com/authgraph/authgraph/internal/apperr"
)

// Applier refetches and writes the assets events touched, serialised with
// the tenant's syncs (monitor.Monitor through an adapter). source says where
// the touches came from ("stream").
type Applier interface {
	ApplyTouches(ctx context.Context, tenant string, touches []Touch, source string) error
}

// TenantLookup returns the public id of the API token configured on the
// tenant's stream ("" when none is), or a NotFound error for a tenant that
// is not connected.
type TenantLookup func(ctx context.Context, tenant string) (tokenID string, err error)

// Config configures a Receiver. Zero tuning fields mean the defaults noted.
type Config struct {
	Applier Applier
	Tenants TenantLookup
	// MapLog maps one log event to the assets it changed (default
	// ingest.TouchesFromLog).
	MapLog func(*management.Log) []Touch
	Logger *slog.Logger
	// MaxBody caps a request's body (default 1 MiB, the server's own cap).
	MaxBody int64
	// Window is how long a worker waits after the first queued event before
	// applying, so a burst (and events delivered out of order within it) is
	// applied as one ordered batch (default 250 ms).
	Window time.Duration
	// QueueLimit bounds the events waiting per tenant; past it a request
	// gets 503 and Auth0 retries it (default 50,000).
	QueueLimit int
	// DedupWindow is how many event ids per tenant and endpoint are
	// remembered to drop duplicates (default 200,000: far beyond any
	// redelivery or reordering window Auth0 has).
	DedupWindow int
	// Retries and Backoff govern a failed apply: retried Retries times,
	// the delay doubling from Backoff (defaults 6 and 1 s); then the batch is
	// dropped and logged — the checkpoint poll brings those changes.
	Retries int
	Backoff time.Duration
	// OnApplied, when set, is told the ids of each batch's events once the
	// batch is written (the benchmark measures change-to-graph time by it).
	OnApplied func(tenant string, ids []string, at time.Time)
	// LookupTTL is how long a tenant's stream token id is cached (default 5
	// s, as the server caches credentials).
	LookupTTL time.Duration
}

// Endpoint names.
const (
	EndpointLogs   = "logs"
	EndpointEvents = "events"
)

// Receiver is the http.Handler of POST /hooks/auth0/{tenant}/logs and
// /hooks/auth0/{tenant}/events.
type Receiver struct {
	cfg Config
	log *slog.Logger
	m   metrics

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	accepted, dups, batches, failed atomic.Int64

	mu      sync.Mutex
	tenants map[string]*tenantQueue
	lookups map[string]cachedLookup
	closed  bool
}

type cachedLookup struct {
	tokenID string
	err     error
	at      time.Time
}

// item is one queued event.
type item struct {
	endpoint string
	id       string
	at       time.Time // the event's own time (log date, CloudEvent time)
	received time.Time
	log      *management.Log
	touches  []Touch // events: mapped at parse time (cheap, pure)
}

// tenantQueue holds one tenant's pending events and what it has seen.
type tenantQueue struct {
	name    string
	mu      sync.Mutex
	pending []item
	seen    map[string]*dedup // by endpoint
	wake    chan struct{}
	busy    bool // a batch is being applied
}

// dedup remembers the last n ids (a ring: the oldest is forgotten first).
type dedup struct {
	set  map[string]struct{}
	ring []string
	next int
}

func newDedup(n int) *dedup {
	return &dedup{set: make(map[string]struct{}, 1024), ring: make([]string, n)}
}

// add reports whether id is new, remembering it.
func (d *dedup) add(id string) bool {
	if _, ok := d.set[id]; ok {
		return false
	}
	if old := d.ring[d.next]; old != "" {
		delete(d.set, old)
	}
	d.ring[d.next] = id
	d.next = (d.next + 1) % len(d.ring)
	d.set[id] = struct{}{}
	return true
}

// New returns a Receiver; Close stops its workers.
func New(cfg Config) *Receiver {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = 1 << 20
	}
	if cfg.Window <= 0 {
		cfg.Window = 250 * time.Millisecond
	}
	if cfg.QueueLimit <= 0 {
		cfg.QueueLimit = 50000
	}
	if cfg.DedupWindow <= 0 {
		cfg.DedupWindow = 200000
	}
	if cfg.Retries <= 0 {
		cfg.Retries = 6
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = time.Second
	}
	if cfg.LookupTTL <= 0 {
		cfg.LookupTTL = 5 * time.Second
	}
	if cfg.MapLog == nil {
		cfg.MapLog = ingest.TouchesFromLog
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &Receiver{cfg: cfg, log: cfg.Logger, ctx: ctx, cancel: cancel,
		tenants: map[string]*tenantQueue{}, lookups: map[string]cachedLookup{}}
	r.m = newMetrics()
	return r
}

// Close stops the workers; what is still queued is left to the checkpoint
// poll. With a ctx that has time, it first waits for the queues to drain.
func (r *Receiver) Close(ctx context.Context) {
	_ = r.Drain(ctx)
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	r.cancel()
	r.wg.Wait()
}

// Drain waits until every queue is empty and no batch is being applied.
func (r *Receiver) Drain(ctx context.Context) error {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		if r.idle() {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

func (r *Receiver) idle() bool {
	r.mu.Lock()
	qs := make([]*tenantQueue, 0, len(r.tenants))
	for _, q := range r.tenants {
		qs = append(qs, q)
	}
	r.mu.Unlock()
	for _, q := range qs {
		q.mu.Lock()
		busy := q.busy || len(q.pending) > 0
		q.mu.Unlock()
		if busy {
			return false
		}
	}
	return true
}

// ParsePath splits /hooks/auth0/{tenant}/{logs|events}.
func ParsePath(p string) (tenant, endpoint string, err error) {
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	if len(parts) != 4 || parts[0] != "hooks" || parts[1] != "auth0" || (parts[3] != EndpointLogs && parts[3] != EndpointEvents) {
		return "", "", apperr.New(apperr.NotFound, "no such endpoint: POST /hooks/auth0/{tenant}/logs (log streams) or /hooks/auth0/{tenant}/events (Event Streams)")
	}
	tenant, err = url.PathUnescape(parts[2])
	if err != nil || tenant == "" {
		return "", "", apperr.New(apperr.NotFound, "no such tenant in the path")
	}
	return tenant, parts[3], nil
}

func (r *Receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	endpoint := "unknown"
	fail := func(code int, reason, msg string) {
		r.m.rejected.WithLabelValues(endpoint, reason).Inc()
		if code == http.StatusServiceUnavailable || code == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "5")
		}
		writeJSON(w, code, map[string]string{"error": msg})
	}
	if req.Method != http.MethodPost {
		fail(http.StatusMethodNotAllowed, "method", "POST only")
		return
	}
	tenant, ep, err := ParsePath(req.URL.EscapedPath())
	if err != nil {
		fail(http.StatusNotFound, "path", err.Error())
		return
	}
	endpoint = ep
	tokenID, err := r.lookup(req.Context(), tenant)
	switch {
	case apperr.KindOf(err) == apperr.NotFound:
		fail(http.StatusNotFound, "unknown_tenant", fmt.Sprintf("no connected tenant %q", tenant))
		return
	case err != nil:
		r.log.Warn("stream: tenant lookup failed", "tenant", tenant, "err", err)
		fail(http.StatusServiceUnavailable, "unavailable", "the graph is unavailable; retry")
		return
	}
	p := access.FromContext(req.Context())
	switch {
	case p == nil:
		fail(http.StatusUnauthorized, "bad_token", "send the stream's token: Authorization: Bearer agt_…")
		return
	case tokenID == "":
		fail(http.StatusForbidden, "no_stream", fmt.Sprintf("tenant %q has no stream configured (authgraph tenants stream %s)", tenant, tenant))
		return
	case p.Role != access.Ingest || p.Subject != "token:"+tokenID:
		fail(http.StatusForbidden, "bad_token", fmt.Sprintf("this token is not the stream token of tenant %q", tenant))
		return
	}
	if ct := req.Header.Get("Content-Type"); ct != "" {
		mt, _, _ := mime.ParseMediaType(ct)
		if strings.HasPrefix(mt, "multipart/") || mt == "application/x-www-form-urlencoded" {
			fail(http.StatusUnsupportedMediaType, "bad_body", "send JSON (lines, an array or an object), not a form")
			return
		}
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, r.cfg.MaxBody+1))
	if err != nil {
		fail(http.StatusBadRequest, "bad_body", "could not read the body")
		return
	}
	if int64(len(body)) > r.cfg.MaxBody {
		fail(http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("the body is over %d bytes: send smaller batches", r.cfg.MaxBody))
		return
	}
	now := time.Now()
	var items []item
	switch ep {
	case EndpointLogs:
		entries, err := ParseLogs(body)
		if err != nil {
			fail(http.StatusBadRequest, "bad_body", err.Error())
			return
		}
		for _, e := range entries {
			items = append(items, item{endpoint: ep, id: e.ID, at: e.Log.GetDate(), received: now, log: e.Log})
		}
	case EndpointEvents:
		evs, err := ParseEvents(body)
		if err != nil {
			fail(http.StatusBadRequest, "bad_body", err.Error())
			return
		}
		for _, ev := range evs {
			items = append(items, item{endpoint: ep, id: ev.ID, at: ev.Time, received: now, touches: TouchesFromEvent(ev)})
		}
	}
	accepted, dups, err := r.enqueue(tenant, items)
	if err != nil {
		fail(http.StatusServiceUnavailable, "queue_full", err.Error())
		return
	}
	r.accepted.Add(int64(accepted))
	r.dups.Add(int64(dups))
	r.m.events.WithLabelValues(ep, "accepted").Add(float64(accepted))
	r.m.events.WithLabelValues(ep, "duplicate").Add(float64(dups))
	writeJSON(w, http.StatusOK, map[string]int{"accepted": accepted, "duplicates": dups})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func (r *Receiver) lookup(ctx context.Context, tenant string) (string, error) {
	r.mu.Lock()
	c, ok := r.lookups[tenant]
	r.mu.Unlock()
	if ok && time.Since(c.at) < r.cfg.LookupTTL {
		return c.tokenID, c.err
	}
	id, err := r.cfg.Tenants(ctx, tenant)
	if err == nil || apperr.KindOf(err) == apperr.NotFound {
		r.mu.Lock()
		if len(r.lookups) > 10000 {
			r.lookups = map[string]cachedLookup{} // unknown names cannot grow it without bound
		}
		r.lookups[tenant] = cachedLookup{tokenID: id, err: err, at: time.Now()}
		r.mu.Unlock()
	}
	return id, err
}

// enqueue adds the new events of items to the tenant's queue and reports
// how many were new and how many were duplicates. A full queue takes
// nothing (the sender retries the whole request).
func (r *Receiver) enqueue(tenant string, items []item) (accepted, dups int, err error) {
	q := r.queue(tenant)
	if q == nil {
		return 0, 0, errors.New("the receiver is shutting down; retry")
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.pending)+len(items) > r.cfg.QueueLimit {
		return 0, 0, fmt.Errorf("tenant %s has %d events waiting; retry later", tenant, len(q.pending))
	}
	for _, it := range items {
		d := q.seen[it.endpoint]
		if d == nil {
			d = newDedup(r.cfg.DedupWindow)
			q.seen[it.endpoint] = d
		}
		if !d.add(it.id) {
			dups++
			continue
		}
		q.pending = append(q.pending, it)
		accepted++
	}
	r.m.queued.Add(float64(accepted))
	if accepted > 0 {
		select {
		case q.wake <- struct{}{}:
		default:
		}
	}
	return accepted, dups, nil
}

// queue returns the tenant's queue, starting its worker the first time.
func (r *Receiver) queue(tenant string) *tenantQueue {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	q := r.tenants[tenant]
	if q == nil {
		q = &tenantQueue{name: tenant, seen: map[string]*dedup{}, wake: make(chan struct{}, 1)}
		r.tenants[tenant] = q
		r.wg.Add(1)
		go r.work(q)
	}
	return q
}

// work applies one tenant's queue: it waits for events, lets the window
// pass so a burst is applied together, orders the batch, and applies it.
func (r *Receiver) work(q *tenantQueue) {
	defer r.wg.Done()
	var carry []Touch // touches of a failed attempt, retried with the next batch
	attempt := 0
	for {
		if len(carry) == 0 {
			select {
			case <-r.ctx.Done():
				return
			case <-q.wake:
			}
		}
		select {
		case <-r.ctx.Done():
			return
		case <-time.After(r.cfg.Window):
		}
		q.mu.Lock()
		batch := q.pending
		q.pending = nil
		q.busy = true
		q.mu.Unlock()
		r.m.queued.Sub(float64(len(batch)))

		touches := append(carry, r.touches(batch)...)
		touches = dedupTouches(touches)
		var err error
		if len(touches) > 0 {
			start := time.Now()
			err = r.cfg.Applier.ApplyTouches(r.ctx, q.name, touches, "stream")
			r.m.applySeconds.Observe(time.Since(start).Seconds())
		}
		now := time.Now()
		switch {
		case err == nil:
			r.batches.Add(1)
			r.m.applies.WithLabelValues("ok").Inc()
			for _, it := range batch {
				if !it.at.IsZero() {
					r.m.lag.WithLabelValues(it.endpoint).Observe(now.Sub(it.at).Seconds())
				}
			}
			if r.cfg.OnApplied != nil {
				ids := make([]string, len(batch))
				for i, it := range batch {
					ids[i] = it.id
				}
				r.cfg.OnApplied(q.name, ids, now)
			}
			carry, attempt = nil, 0
		case r.ctx.Err() != nil:
			q.mu.Lock()
			q.busy = false
			q.mu.Unlock()
			return
		default:
			r.failed.Add(1)
			attempt++
			if attempt > r.cfg.Retries {
				r.m.applies.WithLabelValues("dropped").Inc()
				r.log.Error("stream: giving up on a batch; the checkpoint poll will bring these changes", "tenant", q.name, "touches", len(touches), "err", err)
				carry, attempt = nil, 0
			} else {
				r.m.applies.WithLabelValues("error").Inc()
				delay := r.cfg.Backoff << (attempt - 1)
				r.log.Warn("stream: apply failed; retrying", "tenant", q.name, "touches", len(touches), "attempt", attempt, "in", delay, "err", err)
				carry = touches
				select {
				case <-r.ctx.Done():
				case <-time.After(delay):
				}
			}
		}
		q.mu.Lock()
		q.busy = len(carry) > 0 // a batch waiting for its retry is work in hand
		q.mu.Unlock()
	}
}

// touches orders a batch (log events by log id, then Event Streams events
// by time) and maps it to the assets it touched, in that order.
func (r *Receiver) touches(batch []item) []Touch {
	sort.SliceStable(batch, func(i, j int) bool {
		a, b := batch[i], batch[j]
		if a.endpoint != b.endpoint {
			return a.endpoint == EndpointLogs
		}
		if a.endpoint == EndpointLogs {
			return a.id < b.id
		}
		if !a.at.Equal(b.at) {
			return a.at.Before(b.at)
		}
		return a.id < b.id
	})
	var out []Touch
	for _, it := range batch {
		if it.log != nil {
			out = append(out, r.cfg.MapLog(it.log)...)
		} else {
			out = append(out, it.touches...)
		}
	}
	return out
}

// dedupTouches keeps each asset once, at its last position (so a deletion
// after a creation stays a deletion, and the reverse).
func dedupTouches(ts []Touch) []Touch {
	type key struct{ r, id, sub string }
	last := map[key]int{}
	for i, t := range ts {
		last[key{t.Resource, t.ID, t.Sub}] = i
	}
	out := make([]Touch, 0, len(last))
	for i, t := range ts {
		if last[key{t.Resource, t.ID, t.Sub}] == i {
			out = append(out, t)
		}
	}
	return out
}

// Stats counts what the receiver took in and applied since it started.
type Stats struct {
	Accepted, Duplicates int64 // events
	Batches, Failed      int64 // ApplyTouches calls that succeeded / failed
}

// Stats returns the counts so far.
func (r *Receiver) Stats() Stats {
	return Stats{Accepted: r.accepted.Load(), Duplicates: r.dups.Load(), Batches: r.batches.Load(), Failed: r.failed.Load()}
}

type metrics struct {
	events       *prometheus.CounterVec
	rejected     *prometheus.CounterVec
	queued       prometheus.Gauge
	applies      *prometheus.CounterVec
	applySeconds prometheus.Histogram
	lag          *prometheus.HistogramVec
}

// Collectors are the receiver's metrics, for the server's /metrics.
func (r *Receiver) Collectors() []prometheus.Collector {
	m := r.m
	return []prometheus.Collector{m.events, m.rejected, m.queued, m.applies, m.applySeconds, m.lag}
}

func newMetrics() metrics {
	m := metrics{
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "authgraph_stream_events_total", Help: "Events received from Auth0 streams by endpoint (logs, events) and outcome (accepted, duplicate).",
		}, []string{"endpoint", "outcome"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "authgraph_stream_rejected_total", Help: "Stream requests refused, by endpoint and reason.",
		}, []string{"endpoint", "reason"}),
		queued: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "authgraph_stream_queued_events", Help: "Stream events waiting to be applied.",
		}),
		applies: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "authgraph_stream_applies_total", Help: "Batches of stream events applied, by outcome (ok, error: retried, dropped: left to the poll).",
		}, []string{"outcome"}),
		applySeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "authgraph_stream_apply_seconds", Help: "Time to refetch and write one batch of touched assets.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}),
		lag: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "authgraph_stream_lag_seconds", Help: "From an event's own time to its batch written in the graph, by endpoint.",
			Buckets: []float64{.1, .25, .5, 1, 2, 5, 10, 30, 60, 300},
		}, []string{"endpoint"}),
	}
	return m
}
