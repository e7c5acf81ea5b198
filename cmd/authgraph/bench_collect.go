package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/authgraph/authgraph/ingest"
	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/internal/auth0sim"
	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

// Auth0's documented Management API rate limits per plan (sustained
// requests per second and bucket size; ../shared/docs/auth0-api-facts.md).
var planRates = map[string]struct {
	rps   float64
	burst int
}{
	auth0sim.PlanPaid: {16, 50},
	auth0sim.PlanFree: {2, 10},
}

type benchCollectFlags struct {
	users, budget int
	seed          int64
	plan          string
	scale         float64
	keep, discard bool
}

func init() {
	var f benchCollectFlags
	cmd := &cobra.Command{
		Use:   "collect",
		Short: "Collect a generated tenant at a plan's rate limit and compare the time with the ideal",
		Long: `Start a simulated tenant (a separate process) limited to the plan's documented
rate (paid: 16 requests/s, bursts of 50; free: 2/s), collect it into Neo4j with
the pacer following the rate-limit headers, and print: API calls needed, the
allowed rate, the ideal time (calls beyond the first burst / rate), the wall
time, achieved / ideal rate, 429s, and the peak RSS of the collector (this
process) and of the simulator.

--scale multiplies the simulator's rate and burst: a 1M-user tenant at the
paid rate needs most of an hour; both the limit and the pacing see the same
headers, so the ratio holds at a scaled rate (the figures say which was used).

--discard drops the rows instead of writing them: the collector alone, for a
machine whose Neo4j cannot keep up with the rate.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return benchCollect(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), f)
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&f.users, "users", 1000000, "users in the generated tenant")
	fl.Int64Var(&f.seed, "seed", 11, "generator seed")
	fl.StringVar(&f.plan, "plan", auth0sim.PlanPaid, "rate limit of the plan: paid or free")
	fl.Float64Var(&f.scale, "scale", 1, "multiply the plan's rate and burst (the ratio holds; a full-rate 1M run takes most of an hour)")
	fl.IntVar(&f.budget, "user-permissions-budget", ingest.DefaultUserPermissionsBudget, "calls for direct user permissions in the collection (-1 every user, 0 none)")
	fl.BoolVar(&f.keep, "keep", false, "keep the benchmark tenant in the graph")
	fl.BoolVar(&f.discard, "discard", false, "count the rows and drop them instead of writing Neo4j: the collector alone (fetching, pacing, memory), when the database is the bottleneck; no direct permissions (their walk reads the users back from the graph)")
	benchCmd.AddCommand(cmd)
}

func benchCollect(ctx context.Context, out, errOut io.Writer, f benchCollectFlags) error {
	rate, ok := planRates[f.plan]
	if !ok {
		return apperr.New(apperr.Invalid, "--plan must be paid or free, got %q", f.plan)
	}
	if f.scale <= 0 {
		return apperr.New(apperr.Invalid, "--scale must be > 0")
	}
	rps := rate.rps * f.scale
	burst := max(int(float64(rate.burst)*f.scale), 1)
	var db ingest.DB
	var st *store.Store
	if f.discard {
		db = &discardDB{}
	} else {
		var err error
		if st, err = openStore(ctx); err != nil {
			return err
		}
		defer st.Close(ctx)
		db = st
	}
	fmt.Fprintf(out, "simulated %d-user tenant (seed %d), %s plan: %.0f requests/s, bursts of %d", f.users, f.seed, f.plan, rps, burst)
	if f.scale != 1 {
		fmt.Fprintf(out, " (the plan's %.0f/s and %d scaled ×%g)", rate.rps, rate.burst, f.scale)
	}
	fmt.Fprintln(out)
	url, pid, stop, err := startSimArgs(ctx, f.users, f.seed, "--rps", strconv.FormatFloat(rps, 'f', -1, 64),
		"--burst", strconv.Itoa(burst), "--plan", f.plan)
	if err != nil {
		return err
	}
	defer stop()
	tenant := fmt.Sprintf("bench-collect-%d.sim.local", f.users)
	if st != nil {
		if err := deleteTenant(ctx, st, tenant); err != nil {
			return err
		}
	}
	fb := syncFlags{userPermBudget: f.budget, userPermBudgetSet: true}
	prog := newSyncProgress(errOut, false)
	prog.every = 30 * time.Second
	cfg := simConfig(url, tenant)
	cfg.ExportPoll, cfg.UserPermissionsBudget, cfg.Progress = 200*time.Millisecond, fb.budget(), prog.Event
	sum, err := ingest.Run(ctx, db, cfg)
	if err != nil {
		return err
	}
	simRSS, _ := peakRSSOf(strconv.Itoa(pid))
	needed := sum.APICalls - sum.Retries
	ideal := time.Duration(float64(max(needed-burst, 0)) / rps * float64(time.Second))
	wall := sum.Duration
	into := "into Neo4j"
	if f.discard {
		into = "rows counted and dropped (--discard)"
	}
	fmt.Fprintf(out, "\ncollection of %d users, %s: status %s (users via %s)\n", f.users, into, sum.Status, sum.UsersVia)
	fmt.Fprintf(out, "  API calls needed      %d (plus %d retries; %d sent)\n", needed, sum.Retries, sum.APICalls)
	fmt.Fprintf(out, "  allowed rate          %.0f requests/s, bursts of %d\n", rps, burst)
	fmt.Fprintf(out, "  ideal time            %s  ((calls − burst) / rate)\n", ideal.Round(time.Second))
	fmt.Fprintf(out, "  wall time             %s\n", wall.Round(time.Second))
	fmt.Fprintf(out, "  achieved / ideal rate %.2f  (target ≥ 0.8)\n", ideal.Seconds()/wall.Seconds())
	fmt.Fprintf(out, "  429s                  %d\n", sum.Seen429)
	fmt.Fprintf(out, "  peak RSS              collector %s (target < 500 MB), simulator %.0f MB\n", peakRSS(), simRSS)
	if sum.Spooled > 0 {
		fmt.Fprintf(out, "  parked on disk        %d rows (fetched while the users loaded, written after them)\n", sum.Spooled)
	}
	if up := sum.UserPermissions; up != nil {
		fmt.Fprintf(out, "  direct permissions    %d users read in %d calls; not yet known for %d of %d users\n", up.Users, up.Calls, up.Unknown, up.Total)
	}
	var nodes, rels int
	for k, v := range sum.Counts {
		if _, isKind := kindByName(k); isKind {
			nodes += v
		} else {
			rels += v
		}
	}
	fmt.Fprintf(out, "  written               %d assets, %d relations (%d node and %d relation upserts in %s of writes)\n",
		nodes, rels, sum.Load.Nodes, sum.Load.Rels, sum.Load.WriteTime.Round(time.Second))
	if len(sum.Failed) > 0 {
		fmt.Fprintf(os.Stderr, "failed: %v\n", sum.Failed)
	}
	if st != nil && !f.keep {
		return deleteTenant(ctx, st, tenant)
	}
	return nil
}

// discardDB counts what a sync writes and keeps nothing: the collector's
// own figures without a database. The walk of direct permissions finds no
// users in it.
type discardDB struct{}

func (discardDB) UpsertNodes(_ context.Context, _ string, _ *schema.Kind, _ int64, n []store.Node) (store.WriteStats, error) {
	return store.WriteStats{Rows: len(n)}, nil
}
func (discardDB) EnsureNodes(_ context.Context, _ string, _ *schema.Kind, _ int64, n []store.Node) (store.WriteStats, error) {
	return store.WriteStats{Rows: len(n)}, nil
}
func (discardDB) UpsertRels(_ context.Context, _ string, _ *schema.Relation, _ int64, r []store.Rel) (store.WriteStats, error) {
	return store.WriteStats{Rows: len(r)}, nil
}
func (discardDB) EnsureSchema(context.Context) error                 { return nil }
func (discardDB) EnsureTenant(context.Context, string, int64) error  { return nil }
func (discardDB) StartSync(context.Context, store.SyncRecord) error  { return nil }
func (discardDB) FinishSync(context.Context, store.SyncRecord) error { return nil }
func (discardDB) DeleteStaleNodes(context.Context, string, *schema.Kind, int64) (int, error) {
	return 0, nil
}
func (discardDB) DeleteStaleRels(context.Context, string, *schema.Relation, int64) (int, error) {
	return 0, nil
}
func (discardDB) UserIDsAfter(context.Context, string, string, string, int) ([]string, error) {
	return nil, nil
}
func (discardDB) UserPermissionsCursor(context.Context, string) (string, error)  { return "", nil }
func (discardDB) SetUserPermissionsCursor(context.Context, string, string) error { return nil }
func (discardDB) MarkDirectPermissions(context.Context, string, int64, []string, time.Time) ([]store.RelChange, error) {
	return nil, nil
}
func (discardDB) TouchDirectPermissionTargets(context.Context, string, int64) error { return nil }
func (discardDB) DirectPermissionsCoverage(context.Context, string) (int, int, error) {
	return 0, 0, nil
}

func kindByName(name string) (any, bool) {
	k, ok := schema.KindByName(name)
	return k, ok && k.Name == name
}
