package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/auth0/go-auth0"
	"github.com/auth0/go-auth0/management"
	"github.com/spf13/cobra"

	"github.com/authgraph/authgraph/ingest"
	"github.com/authgraph/authgraph/internal/auth0sim"
	"github.com/authgraph/authgraph/internal/monitor"
	"github.com/authgraph/authgraph/internal/secretbox"
	"github.com/authgraph/authgraph/internal/simchange"
	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/internal/stream"
	"github.com/authgraph/authgraph/web"
)

type benchStreamFlags struct {
	changes  int
	interval time.Duration
	rate     float64
	users    int
	seed     int64
	rps      float64
	dupRate  float64
	reorder  float64
	keep     bool
}

func init() {
	var f benchStreamFlags
	cmd := &cobra.Command{
		Use:   "stream",
		Short: "Random changes: time from each change to the graph, by stream and by polling",
		Long: `Connect a simulated tenant (in this process) and collect it, then make
--changes random changes of every kind through its Management API at --rate
a second, twice:

  by stream   the simulator pushes its http log stream (JSON lines, in
              batches, with duplicates and reordering) to authgraph's
              /hooks/auth0/{tenant}/logs, which applies each batch; a
              change's time is from its API call returning to the batch
              holding its log event being written;
  by polling  incremental passes over the tenant's logs every --interval; a
              change's time is from its API call returning to the end of the
              first pass whose checkpoint covers its log event.

It prints p50, p95 and max of each (targets: stream p95 ≤ 5 s, polling at
most one interval), then collects the tenant in full as a reconcile and
prints what it found the two had missed (drift; 0 expected).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return benchStream(cmd.Context(), cmd.OutOrStdout(), f)
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&f.changes, "changes", 1000, "random changes per phase")
	fl.DurationVar(&f.interval, "interval", 10*time.Second, "polling interval of the polling phase")
	fl.Float64Var(&f.rate, "rate", 10, "changes a second")
	fl.IntVar(&f.users, "users", 2000, "users in the generated tenant")
	fl.Int64Var(&f.seed, "seed", 7, "generator seed (tenant, changes, deliveries)")
	fl.Float64Var(&f.rps, "rps", 0, "the simulated tenant's rate limit, requests a second (0: off); changes and refetches share it")
	fl.Float64Var(&f.dupRate, "duplicates", 0.05, "fraction of stream deliveries sent twice")
	fl.Float64Var(&f.reorder, "reorder", 0.05, "fraction of stream batches shuffled and held back")
	fl.BoolVar(&f.keep, "keep", false, "keep the benchmark tenant in the graph")
	benchCmd.AddCommand(cmd)
}

func benchStream(ctx context.Context, out io.Writer, f benchStreamFlags) error {
	if f.changes < 1 || f.rate <= 0 || f.interval <= 0 {
		return fmt.Errorf("--changes, --rate and --interval must be positive")
	}
	st, err := openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close(ctx)
	if err := st.EnsureSchema(ctx); err != nil {
		return err
	}
	if err := st.EnsureMonitorSchema(ctx); err != nil {
		return err
	}
	if err := st.EnsureAccessSchema(ctx); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	// The simulated tenant, in this process (its streams are driven here).
	sim, err := auth0sim.New(auth0sim.Config{Seed: f.seed, Users: f.users, ExportDelay: -1, RPS: f.rps})
	if err != nil {
		return err
	}
	sim.SetPush(auth0sim.PushConfig{Seed: f.seed, DuplicateRate: f.dupRate, ReorderRate: f.reorder})
	defer sim.StopPush()
	simURL, stopSim, err := serveHere(sim.Handler())
	if err != nil {
		return err
	}
	defer stopSim()

	tenant := fmt.Sprintf("bench-stream-%d.sim.local", f.users)
	if _, err := st.RemoveTenant(ctx, tenant, nil); err != nil {
		return err
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	box, err := secretbox.New(key, "bench")
	if err != nil {
		return err
	}
	sealed, err := box.Seal(sim.ClientSecret(), monitor.TenantSecretAD(tenant))
	if err != nil {
		return err
	}
	if err := st.AddConnectedTenant(ctx, store.ConnectedTenant{Name: tenant, Domain: simURL, ClientID: sim.ClientID(),
		SecretSealed: sealed, Interval: f.interval, Enabled: false}); err != nil {
		return err
	}
	newMon := func(holder string) *monitor.Monitor {
		return &monitor.Monitor{Store: st, Box: box, Holder: holder, Logger: log,
			Configure: func(c *ingest.Config) { c.ExportPoll = 50 * time.Millisecond }}
	}

	// authgraph's hooks, in this process.
	var mu sync.Mutex
	applied := map[string]time.Time{} // log id → written
	app := &timedApplier{a: monitorApplier{newMon("bench-stream")}}
	recv := stream.New(stream.Config{Applier: app, Tenants: st.StreamTokenID, Logger: log,
		OnApplied: func(_ string, ids []string, at time.Time) {
			mu.Lock()
			defer mu.Unlock()
			for _, id := range ids {
				if _, ok := applied[id]; !ok {
					applied[id] = at
				}
			}
		}})
	srv := web.New(web.Config{Store: st, GraphQL: http.NotFoundHandler(), Auth: web.AuthConfig{Mode: web.AuthToken}, Hooks: recv, Logger: log})
	hooksURL, stopHooks, err := serveHere(srv.Handler())
	if err != nil {
		return err
	}
	defer stopHooks()
	defer recv.Close(context.WithoutCancel(ctx))
	in, err := stream.Setup(ctx, st, tenant, hooksURL)
	if err != nil {
		return err
	}
	defer st.RevokeToken(context.WithoutCancel(ctx), in.TokenID, time.Now())
	m, err := management.New(simURL, management.WithInsecure(), management.WithClientCredentials(ctx, sim.ClientID(), sim.ClientSecret()))
	if err != nil {
		return err
	}
	filters := []map[string]string{}
	for _, c := range in.Categories {
		filters = append(filters, map[string]string{"type": "category", "name": c})
	}
	ls := &management.LogStream{Name: auth0.String("authgraph"), Type: auth0.String("http"), Filters: &filters,
		Sink: &management.LogStreamSinkHTTP{Endpoint: auth0.String(in.LogsURL), Authorization: auth0.String(in.Authorization),
			ContentType: auth0.String(in.ContentType), ContentFormat: auth0.String(in.ContentFormat)}}
	if err := m.LogStream.Create(ctx, ls); err != nil {
		return err
	}

	sched := newMon("bench-poll")
	fmt.Fprintf(out, "collecting a %d-user tenant (seed %d)...\n", f.users, f.seed)
	if res, err := sched.SyncTenant(ctx, tenant, false); err != nil {
		return err
	} else if !res.Baseline {
		return fmt.Errorf("the first collection was not a baseline")
	}
	ch := simchange.New(m, sim, f.seed)
	// The user events the stream delivers (its categories leave logins out:
	// the poll brings them), so that every change can be timed by both.
	ch.UserEvents = simchange.UserEventsIn(in.Categories)

	// Phase 1: by stream.
	fmt.Fprintf(out, "by stream: %d changes at %.0f/s...\n", f.changes, f.rate)
	made := makeChanges(ctx, ch, sim, f.changes, f.rate)
	deadline := time.Now().Add(2*time.Minute + f.interval)
	for {
		mu.Lock()
		left := 0
		for _, c := range made {
			if _, ok := applied[c.logID]; !ok {
				left++
			}
		}
		mu.Unlock()
		if left == 0 {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("by stream: %d changes not applied after 2 minutes (sim %+v, receiver %+v)", left, sim.PushStats(), recv.Stats())
		}
		time.Sleep(50 * time.Millisecond)
	}
	var byStream []time.Duration
	mu.Lock()
	for _, c := range made {
		byStream = append(byStream, applied[c.logID].Sub(c.at))
	}
	mu.Unlock()
	ps, rs := sim.PushStats(), recv.Stats()
	if err := m.LogStream.Delete(ctx, ls.GetID()); err != nil {
		return err
	}
	dctx, cancel := context.WithTimeout(ctx, time.Minute)
	_ = recv.Drain(dctx)
	cancel()
	// What did the stream miss? A full collection now counts it (and
	// renews the checkpoint: the passes below start from here).
	recStream, err := reconcile(ctx, sched, tenant)
	if err != nil {
		return err
	}

	// Phase 2: by polling, every interval, while the changes are made.
	fmt.Fprintf(out, "by polling every %s: %d changes at %.0f/s...\n", f.interval, f.changes, f.rate)
	type passEnd struct {
		logID string
		at    time.Time
	}
	var ends []passEnd
	done := make(chan []change, 1)
	go func() { done <- makeChanges(ctx, ch, sim, f.changes, f.rate) }()
	var polled []change
	next := time.Now()
	for finished := false; ; {
		if d := time.Until(next); d > 0 {
			time.Sleep(d)
		}
		next = next.Add(f.interval)
		if !finished {
			select {
			case polled = <-done:
				finished = true
			default:
			}
		}
		if _, err := sched.SyncTenant(ctx, tenant, false); err != nil {
			return fmt.Errorf("incremental pass: %w", err)
		}
		cp, err := st.GetCheckpoint(ctx, tenant)
		if err != nil {
			return err
		}
		ends = append(ends, passEnd{cp.LogID, time.Now()})
		if finished && len(polled) > 0 && cp.LogID >= polled[len(polled)-1].logID {
			break
		}
	}
	var byPoll []time.Duration
	for _, c := range polled {
		for _, e := range ends {
			if e.logID >= c.logID {
				byPoll = append(byPoll, e.at.Sub(c.at))
				break
			}
		}
	}

	recPoll, err := reconcile(ctx, sched, tenant)
	if err != nil {
		return err
	}

	p := func(xs []time.Duration) string {
		sort.Slice(xs, func(i, j int) bool { return xs[i] < xs[j] })
		q := func(f float64) time.Duration { return xs[min(len(xs)-1, int(f*float64(len(xs))))] }
		return fmt.Sprintf("p50 %7s  p95 %7s  max %7s", q(0.5).Round(time.Millisecond), q(0.95).Round(time.Millisecond), xs[len(xs)-1].Round(time.Millisecond))
	}
	fmt.Fprintf(out, "\nchange → graph, %d-user tenant, %d changes a phase at %.0f/s (rate limit %s):\n", f.users, f.changes, f.rate, rpsText(f.rps))
	fmt.Fprintf(out, "  by stream   %s   (%d changes; %d deliveries, %d duplicated, %d reordered; %d batches applied, %s each on average)\n",
		p(byStream), len(byStream), ps.Deliveries, ps.Duplicates, ps.Reordered, rs.Batches, app.mean().Round(time.Millisecond))
	fmt.Fprintf(out, "  by polling  %s   (%d changes; %d passes every %s)\n", p(byPoll), len(byPoll), len(ends), f.interval)
	sort.Slice(byStream, func(i, j int) bool { return byStream[i] < byStream[j] })
	sort.Slice(byPoll, func(i, j int) bool { return byPoll[i] < byPoll[j] })
	s95 := byStream[min(len(byStream)-1, int(0.95*float64(len(byStream))))]
	p95 := byPoll[min(len(byPoll)-1, int(0.95*float64(len(byPoll))))]
	fmt.Fprintf(out, "  stream p95 %s (target ≤ 5 s); polling p95 / interval = %.2f (target ≤ 1); stream p95 / polling p95 = %.3f\n",
		s95.Round(time.Millisecond), p95.Seconds()/f.interval.Seconds(), s95.Seconds()/p95.Seconds())
	printDrift(out, "stream", recStream)
	printDrift(out, "polling", recPoll)
	if !f.keep {
		_, err := st.RemoveTenant(context.WithoutCancel(ctx), tenant, nil)
		return err
	}
	return nil
}

// reconcile collects the tenant in full and returns what it found changed.
func reconcile(ctx context.Context, m *monitor.Monitor, tenant string) (*monitor.Result, error) {
	m.Passes = ingest.PassOptions{Mode: ingest.ModeReconcile}
	res, err := m.SyncTenant(ctx, tenant, false)
	m.Passes = ingest.PassOptions{Mode: ingest.ModeIncremental, ReconcileEvery: -1}
	return res, err
}

// printDrift says what a reconcile after a phase found (0 expected), by
// kind, operation and fields.
func printDrift(out io.Writer, phase string, rec *monitor.Result) {
	fmt.Fprintf(out, "  reconcile after the %s phase: status %s, drift %d (differences it missed; 0 expected)\n", phase, rec.Summary.Status, rec.Summary.Drift)
	by := map[string]int{}
	for _, c := range rec.Changes {
		k := c.AssetKind + "/" + c.Op
		for _, fc := range c.Fields {
			k += " " + fc.Field
		}
		by[k]++
	}
	keys := make([]string, 0, len(by))
	for k := range by {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(out, "    %4d × %s\n", by[k], k)
	}
}

// timedApplier measures the applies.
type timedApplier struct {
	a     stream.Applier
	mu    sync.Mutex
	n     int
	total time.Duration
}

func (t *timedApplier) ApplyTouches(ctx context.Context, tenant string, ts []stream.Touch, source string) error {
	start := time.Now()
	err := t.a.ApplyTouches(ctx, tenant, ts, source)
	t.mu.Lock()
	t.n++
	t.total += time.Since(start)
	t.mu.Unlock()
	return err
}

func (t *timedApplier) mean() time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.n == 0 {
		return 0
	}
	return t.total / time.Duration(t.n)
}

type change struct {
	logID string
	at    time.Time
}

// makeChanges makes n changes at rate a second and returns, for each, its
// last log event and when its API call returned.
func makeChanges(ctx context.Context, ch *simchange.Changer, sim *auth0sim.Sim, n int, rate float64) []change {
	var out []change
	tick := time.Duration(float64(time.Second) / rate)
	next := time.Now()
	for len(out) < n && ctx.Err() == nil {
		if d := time.Until(next); d > 0 {
			time.Sleep(d)
		}
		before := sim.LastLogID()
		name, err := ch.Step(ctx)
		at := time.Now()
		if err != nil || name == "" {
			continue // nothing changed: no time spent waiting for the next slot
		}
		next = next.Add(tick)
		if id := sim.LastLogID(); id != before {
			out = append(out, change{id, at})
		}
	}
	return out
}

func rpsText(rps float64) string {
	if rps <= 0 {
		return "off"
	}
	return fmt.Sprintf("%.0f requests/s", rps)
}

// serveHere serves h on a free loopback port until stop.
func serveHere(h http.Handler) (url string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() { _ = hs.Close() }, nil
}
