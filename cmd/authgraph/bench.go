package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/authgraph/authgraph/ingest"
	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

var benchCmd = &cobra.Command{
	Use:   "bench",
	Short: "Measure authgraph on generated tenants (prints figures)",
}

func init() {
	var users, naiveRows, rounds int
	var seed int64
	var keep bool
	cmd := &cobra.Command{
		Use:   "sync",
		Short: "Sync a generated tenant with rate limits off and print load figures",
		Long: `Start a simulated tenant (a separate process, so the figures are the syncer's
own), sync it into Neo4j and print total time, API calls, the syncer's peak
RSS and the load figures seen during the sync. Then record the sync's batches
and replay them alone (nothing else running) through authgraph's writer and
a bare UNWIND … MERGE loader, --rounds times each, alternately, for node and
relation upserts per second and their ratio; and once more one MERGE per row
(one transaction each, first --naive-rows rows of each) for a second ratio.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return benchSync(cmd.Context(), cmd.OutOrStdout(), users, seed, naiveRows, rounds, keep)
		},
	}
	cmd.Flags().IntVar(&users, "users", 100000, "users in the generated tenant")
	cmd.Flags().Int64Var(&seed, "seed", 7, "generator seed")
	cmd.Flags().IntVar(&naiveRows, "naive-rows", 20000, "rows of each (nodes, relations) loaded one MERGE per row for the ratio; 0 skips it")
	cmd.Flags().IntVar(&rounds, "rounds", 2, "replays of the load phase through each loader")
	cmd.Flags().BoolVar(&keep, "keep", false, "keep the benchmark tenant in the graph")
	benchCmd.AddCommand(cmd)
	rootCmd.AddCommand(benchCmd)
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// startSim runs `authgraph sim` as a child process, rate limits off, and
// waits until it answers.
// simConfig is the sync configuration of a benchmark's tenant on the
// simulator at url (its fixed client; exports polled every 100 ms).
func simConfig(url, tenant string) ingest.Config {
	return ingest.Config{Credentials: ingest.Credentials{Domain: url, ClientID: "bench", ClientSecret: "bench-secret"},
		Tenant: tenant, ExportPoll: 100 * time.Millisecond}
}

func startSim(ctx context.Context, users int, seed int64) (string, func(), error) {
	url, _, stop, err := startSimArgs(ctx, users, seed, "--rps", "0")
	return url, stop, err
}

// startSimArgs runs `authgraph sim` with extra flags; it returns the
// simulator's URL and process id.
func startSimArgs(ctx context.Context, users int, seed int64, extra ...string) (string, int, func(), error) {
	addr, err := freePort()
	if err != nil {
		return "", 0, nil, err
	}
	exe, err := os.Executable()
	if err != nil {
		return "", 0, nil, err
	}
	args := append([]string{"sim", "--addr", addr, "--users", strconv.Itoa(users),
		"--seed", strconv.FormatInt(seed, 10), "--client-id", "bench", "--client-secret", "bench-secret"}, extra...)
	c := exec.CommandContext(ctx, exe, args...)
	c.Stdout, c.Stderr = io.Discard, os.Stderr
	if err := c.Start(); err != nil {
		return "", 0, nil, err
	}
	stop := func() { _ = c.Process.Kill(); _ = c.Wait() }
	url := "http://" + addr
	for deadline := time.Now().Add(5 * time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		resp, err := http.Get(url + "/api/v2/tenants/settings")
		if err == nil {
			resp.Body.Close()
			return url, c.Process.Pid, stop, nil
		}
	}
	stop()
	return "", 0, nil, apperr.New(apperr.Unavailable, "simulator did not start at %s", url)
}

// peakRSS reads the process's high-water resident set size (Linux).
func peakRSS() string {
	mb, ok := peakRSSOf("self")
	if !ok {
		return "n/a"
	}
	return fmt.Sprintf("%.0f MB", mb)
}

// peakRSSOf reads a process's high-water resident set size in MB (Linux;
// pid "self" or a number).
func peakRSSOf(pid string) (float64, bool) {
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			f := strings.Fields(line)
			if kb, err := strconv.Atoi(f[1]); err == nil {
				return float64(kb) / 1024, true
			}
		}
	}
	return 0, false
}

func benchSync(ctx context.Context, out io.Writer, users int, seed int64, naiveRows, rounds int, keep bool) error {
	st, err := openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close(ctx)
	fmt.Fprintf(out, "generating a %d-user tenant (seed %d) in a simulator process...\n", users, seed)
	url, stop, err := startSim(ctx, users, seed)
	if err != nil {
		return err
	}
	defer stop()

	// Warm up both write paths on a small tenant first: Neo4j compiles each
	// query and the JVM JITs it, and whichever loader ran first would pay
	// for that in its figures.
	if err := benchWarmUp(ctx, out, st, seed); err != nil {
		return err
	}

	tenant := fmt.Sprintf("bench-%d.sim.local", users)
	if err := deleteTenant(ctx, st, tenant); err != nil {
		return err
	}
	cfg := simConfig(url, tenant)
	fmt.Fprintln(out, "syncing (batched UNWIND … MERGE)...")
	sum, err := ingest.Run(ctx, st, cfg)
	if err != nil {
		return err
	}
	l := sum.Load
	nodeRate := float64(l.Nodes) / l.NodeTime.Seconds()
	relRate := float64(l.Rels) / l.RelTime.Seconds()
	fmt.Fprintf(out, "\nbatched sync of %d users: status %s, total %s, API calls %d (users via %s)\n", users, sum.Status, sum.Duration.Round(time.Millisecond), sum.APICalls, sum.UsersVia)
	fmt.Fprintf(out, "  load phase during the sync (fetching alongside): %d node upserts in %s = %.0f nodes/s\n", l.Nodes, l.NodeTime.Round(time.Millisecond), nodeRate)
	fmt.Fprintf(out, "    and %d relation upserts in %s = %.0f relations/s\n", l.Rels, l.RelTime.Round(time.Millisecond), relRate)
	fmt.Fprintf(out, "  peak RSS of the syncer: %s\n", peakRSS())

	// The load phase alone: the same rows and batches, replayed with nothing
	// else running (no fetching, no simulator), through authgraph's writer
	// and through the bare UNWIND … MERGE loader, alternately, for a ratio
	// that holds whatever else the machine is doing.
	fmt.Fprintln(out, "\nrecording the sync's batches for a replay...")
	rec := &recorder{Store: st}
	cfg.Tenant = tenant + "-record"
	if _, err := ingest.Run(ctx, rec, cfg); err != nil {
		return err
	}
	if err := deleteTenant(ctx, st, cfg.Tenant); err != nil {
		return err
	}
	cfg.Tenant = tenant
	fmt.Fprintf(out, "load phase replayed alone (%d node and %d relation rows in %d batches, 2 writers;\n", rec.nodeRows(), rec.relRows(), rec.batches())
	fmt.Fprintln(out, "  the bare loader writes the same kind labels, so Neo4j maintains the same indexes for both):")
	var sumA, sumB replayStats
	for round := 1; round <= rounds; round++ {
		a, err := replayInto(ctx, st, st, rec, tenant+"-replay")
		if err != nil {
			return err
		}
		b, err := replayInto(ctx, st, &baselineDB{Store: st}, rec, tenant+"-replay")
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "  round %d: authgraph %6.0f nodes/s %6.0f relations/s | bare loader %6.0f nodes/s %6.0f relations/s\n",
			round, a.nodeRate(), a.relRate(), b.nodeRate(), b.relRate())
		sumA.add(a)
		sumB.add(b)
	}
	fmt.Fprintf(out, "  all rounds: authgraph %.0f nodes/s, %.0f relations/s; bare %.0f nodes/s, %.0f relations/s\n",
		sumA.nodeRate(), sumA.relRate(), sumB.nodeRate(), sumB.relRate())
	fmt.Fprintf(out, "  authgraph / bare: nodes %.2f, relations %.2f (targets 20k/30k = 0.67 and 10k/17k = 0.59)\n",
		sumA.nodeRate()/sumB.nodeRate(), sumA.relRate()/sumB.relRate())

	if naiveRows > 0 {
		naive := &perRowDB{Store: st, limit: naiveRows}
		fmt.Fprintf(out, "\nreplaying the same rows one MERGE per row (first %d nodes and %d relations)...\n", naiveRows, naiveRows)
		if _, err := replayInto(ctx, st, naive, rec, tenant+"-naive"); err != nil {
			return err
		}
		nr := float64(naive.nodes) / naive.nodeTime.Seconds()
		rr := float64(naive.rels) / naive.relTime.Seconds()
		fmt.Fprintf(out, "  per row: %d nodes in %s = %.0f nodes/s; %d relations in %s = %.0f relations/s\n",
			naive.nodes, naive.nodeTime.Round(time.Millisecond), nr, naive.rels, naive.relTime.Round(time.Millisecond), rr)
		fmt.Fprintf(out, "  ratio batched/per-row: nodes %.1fx, relations %.1fx\n", sumA.nodeRate()/nr, sumA.relRate()/rr)
	}
	if !keep {
		return deleteTenant(ctx, st, tenant)
	}
	return nil
}

// benchWarmUp syncs a 3,000-user tenant once through each loader and deletes
// it again.
func benchWarmUp(ctx context.Context, out io.Writer, st *store.Store, seed int64) error {
	fmt.Fprintln(out, "warming up both loaders on a 3,000-user tenant...")
	url, stop, err := startSim(ctx, 3000, seed+1)
	if err != nil {
		return err
	}
	defer stop()
	for i, db := range []ingest.DB{st, &baselineDB{Store: st}} {
		tenant := fmt.Sprintf("bench-warmup-%d.sim.local", i)
		cfg := simConfig(url, tenant)
		if _, err := ingest.Run(ctx, db, cfg); err != nil {
			return err
		}
		if err := deleteTenant(ctx, st, tenant); err != nil {
			return err
		}
	}
	return nil
}

// baselineDB writes through the bare loader; cleanup is skipped.
type baselineDB struct{ *store.Store }

func (b *baselineDB) UpsertNodes(ctx context.Context, tenant string, k *schema.Kind, _ int64, nodes []store.Node) (store.WriteStats, error) {
	return store.WriteStats{}, b.Store.BaselineUpsertNodes(ctx, tenant, k, nodes)
}

func (b *baselineDB) EnsureNodes(ctx context.Context, tenant string, k *schema.Kind, _ int64, nodes []store.Node) (store.WriteStats, error) {
	return store.WriteStats{}, b.Store.BaselineUpsertNodes(ctx, tenant, k, nodes)
}

func (b *baselineDB) UpsertRels(ctx context.Context, tenant string, r *schema.Relation, _ int64, rels []store.Rel) (store.WriteStats, error) {
	return store.WriteStats{}, b.Store.BaselineUpsertRels(ctx, tenant, r, rels)
}

func (b *baselineDB) DeleteStaleNodes(context.Context, string, *schema.Kind, int64) (int, error) {
	return 0, nil
}
func (b *baselineDB) DeleteStaleRels(context.Context, string, *schema.Relation, int64) (int, error) {
	return 0, nil
}

// perRowDB writes each row in its own transaction, up to a row budget per
// class (then it drops rows: the figure is a rate, not a full load).
type perRowDB struct {
	*store.Store
	limit             int
	nodes, rels       int
	nodeTime, relTime time.Duration
}

func (p *perRowDB) upsert(ctx context.Context, n int, count *int, d *time.Duration, one func(i int) error) error {
	for i := 0; i < n && *count < p.limit; i++ {
		start := time.Now()
		if err := one(i); err != nil {
			return err
		}
		*d += time.Since(start)
		*count++
	}
	return nil
}

func (p *perRowDB) UpsertNodes(ctx context.Context, tenant string, k *schema.Kind, tag int64, nodes []store.Node) (store.WriteStats, error) {
	return store.WriteStats{}, p.upsert(ctx, len(nodes), &p.nodes, &p.nodeTime, func(i int) error {
		_, err := p.Store.UpsertNodes(ctx, tenant, k, tag, nodes[i:i+1])
		return err
	})
}

func (p *perRowDB) EnsureNodes(ctx context.Context, tenant string, k *schema.Kind, tag int64, nodes []store.Node) (store.WriteStats, error) {
	return store.WriteStats{}, p.upsert(ctx, len(nodes), &p.nodes, &p.nodeTime, func(i int) error {
		_, err := p.Store.EnsureNodes(ctx, tenant, k, tag, nodes[i:i+1])
		return err
	})
}

func (p *perRowDB) UpsertRels(ctx context.Context, tenant string, r *schema.Relation, tag int64, rels []store.Rel) (store.WriteStats, error) {
	return store.WriteStats{}, p.upsert(ctx, len(rels), &p.rels, &p.relTime, func(i int) error {
		_, err := p.Store.UpsertRels(ctx, tenant, r, tag, rels[i:i+1])
		return err
	})
}

// Cleanup is skipped: the per-row pass loads only a sample.
func (p *perRowDB) DeleteStaleNodes(context.Context, string, *schema.Kind, int64) (int, error) {
	return 0, nil
}
func (p *perRowDB) DeleteStaleRels(context.Context, string, *schema.Relation, int64) (int, error) {
	return 0, nil
}

func deleteTenant(ctx context.Context, st *store.Store, tenant string) error {
	_, err := st.RemoveTenant(ctx, tenant, nil)
	return err
}
