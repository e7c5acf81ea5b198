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
	phases   []string
	rules    bool
	latency  time.Duration
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
most one interval), where a pass's time went, then collects the tenant in
full as a reconcile and prints what it found the two had missed (drift; 0
expected). --phases polling runs the polling phase alone; --rules evaluates
the built-in rules after each sync and each pushed apply, as serve does.`,
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
	fl.StringSliceVar(&f.phases, "phases", []string{"stream", "polling"}, "phases to run: stream, polling")
	fl.DurationVar(&f.latency, "latency", 0, "added by the simulated tenant to every request (Auth0 answers in 100–300 ms)")
	fl.BoolVar(&f.rules, "rules", false, "evaluate the built-in rules after each sync and pushed apply, as serve does")
	benchCmd.AddCommand(cmd)
}

func benchStream(ctx context.Context, out io.Writer, f benchStreamFlags) error {
	if f.changes < 1 || f.rate <= 0 || f.interval <= 0 {
		return fmt.Errorf("--changes, --rate and --interval must be positive")
	}
	byStreamOn, byPollOn := false, false
	for _, p := range f.phases {
		switch p {
		case "stream":
			byStreamOn = true
		case "polling":
			byPollOn = true
		default:
			return fmt.Errorf("--phases: %q is not a phase (stream, polling)", p)
		}
	}
	if !byStreamOn && !byPollOn {
		return fmt.Errorf("--phases: none given")
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
	var hook monitor.AfterSync
	if f.rules {
		rs, _, err := loadRules(io.Discard, "")
		if err != nil {
			return err
		}
		hook = rulesAfterSync(st, rs)
	}

	// The simulated tenant, in this process (its streams are driven here).
	sim, err := auth0sim.New(auth0sim.Config{Seed: f.seed, Users: f.users, ExportDelay: -1, RPS: f.rps, Faults: auth0sim.Faults{Latency: f.latency}})
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
		return &monitor.Monitor{Store: st, Box: box, Holder: holder, Logger: log, AfterSync: hook,
			Configure: func(c *ingest.Config) { c.ExportPoll = 50 * time.Millisecond }}
	}
	m, err := management.New(simURL, management.WithInsecure(), management.WithClientCredentials(ctx, sim.ClientID(), sim.ClientSecret()))
	if err != nil {
		return err
	}

	// authgraph's hooks, in this process, and the tenant's log stream to
	// them (before the first collection: a stream does not deliver its own
	// creation).
	var mu sync.Mutex
	applied := map[string]time.Time{} // log id → written
	pusher := newMon("bench-stream")
	app := &timedApplier{a: monitorApplier{pusher}}
	var recv *stream.Receiver
	var ls *management.LogStream
	if byStreamOn {
		recv = stream.New(stream.Config{Applier: app, Tenants: st.StreamTokenID, Logger: log,
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
		filters := []map[string]string{}
		for _, c := range in.Categories {
			filters = append(filters, map[string]string{"type": "category", "name": c})
		}
		ls = &management.LogStream{Name: auth0.String("authgraph"), Type: auth0.String("http"), Filters: &filters,
			Sink: &management.LogStreamSinkHTTP{Endpoint: auth0.String(in.LogsURL), Authorization: auth0.String(in.Authorization),
				ContentType: auth0.String(in.ContentType), ContentFormat: auth0.String(in.ContentFormat)}}
		if err := m.LogStream.Create(ctx, ls); err != nil {
			return err
		}
	}

	sched := newMon("bench-poll")
	fmt.Fprintf(out, "collecting a %d-user tenant (seed %d)...\n", f.users, f.seed)
	if res, err := sched.SyncTenant(ctx, tenant, false); err != nil {
		return err
	} else if !res.Baseline {
		return fmt.Errorf("the first collection was not a baseline")
	}
	ch := simchange.New(m, sim, f.seed)
	// The user events a stream delivers (its categories leave logins out:
	// the poll brings them), so that every change can be timed by both.
	ch.UserEvents = simchange.UserEventsIn(stream.LogCategories)

	var byStream []time.Duration
	var recStream *monitor.Result
	var ps auth0sim.PushStats
	var rs stream.Stats
	if byStreamOn {
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
		mu.Lock()
		for _, c := range made {
			byStream = append(byStream, applied[c.logID].Sub(c.at))
		}
		mu.Unlock()
		ps, rs = sim.PushStats(), recv.Stats()
		if err := m.LogStream.Delete(ctx, ls.GetID()); err != nil {
			return err
		}
		dctx, cancel := context.WithTimeout(ctx, time.Minute)
		_ = recv.Drain(dctx)
		_ = pusher.WaitEvaluations(dctx)
		cancel()
		// What did the stream miss? A full collection now counts it (and
		// renews the checkpoint: the passes below start from here).
		if recStream, err = reconcile(ctx, sched, tenant); err != nil {
			return err
		}
	}

	var byPoll []time.Duration
	var recPoll *monitor.Result
	var passes []passTimes
	if byPollOn {
		fmt.Fprintf(out, "by polling every %s: %d changes at %.0f/s...\n", f.interval, f.changes, f.rate)
		sched.Passes = ingest.PassOptions{Mode: ingest.ModeIncremental, ReconcileEvery: -1}
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
			start := time.Now()
			res, err := sched.SyncTenant(ctx, tenant, false)
			if err != nil {
				return fmt.Errorf("incremental pass: %w", err)
			}
			took := time.Since(start)
			cp, err := st.GetCheckpoint(ctx, tenant)
			if err != nil {
				return err
			}
			ends = append(ends, passEnd{cp.LogID, time.Now()})
			if res.Summary != nil && res.Summary.LogEvents > 0 {
				passes = append(passes, passTimes{total: took, sum: res.Summary})
			}
			if finished && len(polled) > 0 && cp.LogID >= polled[len(polled)-1].logID {
				break
			}
		}
		for _, c := range polled {
			for _, e := range ends {
				if e.logID >= c.logID {
					byPoll = append(byPoll, e.at.Sub(c.at))
					break
				}
			}
		}
		if recPoll, err = reconcile(ctx, sched, tenant); err != nil {
			return err
		}
	}

	fmt.Fprintf(out, "\nchange → graph, %d-user tenant, %d changes a phase at %.0f/s (rate limit %s; API latency %s; rules after syncs and applies: %v):\n",
		f.users, f.changes, f.rate, rpsText(f.rps), f.latency, f.rules)
	if byStreamOn {
		fmt.Fprintf(out, "  by stream   %s   (%d changes; %d deliveries, %d duplicated, %d reordered; %d batches applied, %s each on average)\n",
			percentiles(byStream, 0), len(byStream), ps.Deliveries, ps.Duplicates, ps.Reordered, rs.Batches, app.mean().Round(time.Millisecond))
		fmt.Fprintf(out, "  stream p95 %s (target ≤ 5 s)\n", quantile(byStream, 0.95).Round(time.Millisecond))
	}
	if byPollOn {
		fmt.Fprintf(out, "  by polling  %s   (%d changes; a pass every %s, %d of them with events)\n", percentiles(byPoll, 0), len(byPoll), f.interval, len(passes))
		fmt.Fprintf(out, "              %s   (in intervals; target p95 ≤ 1)\n", percentiles(byPoll, f.interval))
		printPassTimes(out, passes)
	}
	if byStreamOn && byPollOn {
		fmt.Fprintf(out, "  stream p95 / polling p95 = %.3f\n", quantile(byStream, 0.95).Seconds()/quantile(byPoll, 0.95).Seconds())
	}
	if recStream != nil {
		printDrift(out, "stream", recStream)
	}
	if recPoll != nil {
		printDrift(out, "polling", recPoll)
	}
	if !f.keep {
		_, err := st.RemoveTenant(context.WithoutCancel(ctx), tenant, nil)
		return err
	}
	return nil
}

// quantile returns the q-quantile of xs (sorted in place).
func quantile(xs []time.Duration, q float64) time.Duration {
	if len(xs) == 0 {
		return 0
	}
	sort.Slice(xs, func(i, j int) bool { return xs[i] < xs[j] })
	return xs[min(len(xs)-1, int(q*float64(len(xs))))]
}

// percentiles prints p50, p95 and max of xs, as times, or in units of unit
// when it is not 0.
func percentiles(xs []time.Duration, unit time.Duration) string {
	f := func(d time.Duration) string {
		if unit > 0 {
			return fmt.Sprintf("%.2f", d.Seconds()/unit.Seconds())
		}
		return d.Round(time.Millisecond).String()
	}
	return fmt.Sprintf("p50 %7s  p95 %7s  max %7s", f(quantile(xs, 0.5)), f(quantile(xs, 0.95)), f(quantile(xs, 1)))
}

// passTimes is one polling pass that applied something: its whole time
// under the scheduler, and its summary.
type passTimes struct {
	total time.Duration
	sum   *ingest.Summary
}

// printPassTimes says where the polling passes' time went, on average: the
// pass's own phases (ingest.Summary.Phases) and what the scheduler adds
// (lease, the tenant's API client and token, recording the changes, rules).
func printPassTimes(out io.Writer, ps []passTimes) {
	if len(ps) == 0 {
		return
	}
	var total, pass time.Duration
	events, calls := 0, 0
	phases := map[string]time.Duration{}
	for _, p := range ps {
		total += p.total
		pass += p.sum.Duration
		events += p.sum.LogEvents
		calls += p.sum.APICalls
		for k, v := range p.sum.Phases {
			phases[k] += v
		}
	}
	n := time.Duration(len(ps))
	fmt.Fprintf(out, "  a pass (mean of %d, %d log events, %d API calls each): %s under the scheduler, the pass itself %s:",
		len(ps), events/len(ps), calls/len(ps), (total / n).Round(time.Millisecond), (pass / n).Round(time.Millisecond))
	for _, k := range []string{"log", "prepare", "users", "fetch", "write", "cleanup"} {
		fmt.Fprintf(out, " %s %s", k, (phases[k] / n).Round(time.Millisecond))
	}
	fmt.Fprintf(out, "; the scheduler's own %s\n", ((total - pass) / n).Round(time.Millisecond))
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
