package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"sort"
	"time"

	"github.com/spf13/cobra"

	"github.com/authgraph/authgraph/ingest"
	"github.com/authgraph/authgraph/internal/sqlgraph"
	"github.com/authgraph/authgraph/internal/store"
)

func init() {
	var users, rounds int
	var seed int64
	var keep, reuse bool
	var only, cpuProfile string
	cmd := &cobra.Command{
		Use:   "sql",
		Short: "Time each test question in SQL against the same question in hand-written Cypher",
		Long: `Start a simulated tenant (a separate process), sync it into Neo4j, then ask each of
sqlgraph.Questions (a join, an aggregate, a subquery) in SQL and in hand-written Cypher, in
alternating turns, --rounds times after a warm-up of each. Prints the median of each and the
ratio SQL / Cypher, measured in one run. Both read every row of the answer; SQL's row cap is
lifted for the benchmark. --reuse skips the sync when the tenant is already in the graph (from
an earlier run with --keep) and keeps it; --cpuprofile profiles extra SQL turns after the timed
ones (of --only's question, or of every question), so the profile is of the SQL side alone.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return benchSQL(cmd.Context(), cmd.OutOrStdout(), benchSQLOptions{users: users, seed: seed, rounds: rounds,
				keep: keep || reuse, reuse: reuse, only: only, cpuProfile: cpuProfile})
		},
	}
	cmd.Flags().IntVar(&users, "users", 100000, "users in the generated tenant")
	cmd.Flags().Int64Var(&seed, "seed", 7, "generator seed")
	cmd.Flags().IntVar(&rounds, "rounds", 5, "timed turns of each question, each way")
	cmd.Flags().BoolVar(&keep, "keep", false, "keep the benchmark tenant in the graph")
	cmd.Flags().BoolVar(&reuse, "reuse", false, "use the benchmark tenant already in the graph if there is one (no sync), and keep it")
	cmd.Flags().StringVar(&only, "only", "", "ask only this question (join, aggregate, subquery)")
	cmd.Flags().StringVar(&cpuProfile, "cpuprofile", "", "after the timed turns, profile --rounds more SQL turns of each question asked and write the Go CPU profile here")
	benchCmd.AddCommand(cmd)
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

type benchSQLOptions struct {
	users, rounds int
	seed          int64
	keep, reuse   bool
	only          string
	cpuProfile    string
}

func benchSQL(ctx context.Context, out io.Writer, o benchSQLOptions) error {
	users, seed, rounds := o.users, o.seed, o.rounds
	st, err := openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close(ctx)
	tenant := fmt.Sprintf("bench-sql-%d.sim.local", users)
	have := false
	if o.reuse {
		if have, err = st.TenantExists(ctx, tenant); err != nil {
			return err
		}
	}
	if have {
		fmt.Fprintf(out, "reusing the tenant %s already in the graph\n", tenant)
	} else {
		fmt.Fprintf(out, "generating a %d-user tenant (seed %d) in a simulator process...\n", users, seed)
		url, stop, err := startSim(ctx, users, seed)
		if err != nil {
			return err
		}
		defer stop()
		if err := deleteTenant(ctx, st, tenant); err != nil {
			return err
		}
		sum, err := ingest.Run(ctx, st, simConfig(url, tenant))
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "sync: %s (%d nodes, %d relations)\n", sum.Duration.Round(time.Millisecond), sum.Load.Nodes, sum.Load.Rels)
		stop()
	}
	var profiled []func() (time.Duration, error)

	g := sqlgraph.New(st, store.ConsoleOptions{Timeout: 5 * time.Minute, MaxRows: 1 << 30, MaxBytes: 1 << 40})
	params := map[string]any{"t": tenant}
	fmt.Fprintf(out, "%-10s %8s %12s %12s %8s %14s\n", "question", "rows", "sql p50", "cypher p50", "ratio", "sql cpu p50")
	var meter cpuMeter
	for _, q := range sqlgraph.Questions(tenant) {
		if o.only != "" && q.Name != o.only {
			continue
		}
		cy := []store.Statement{{Cypher: q.Cypher, Params: params}}
		var rows int
		var cpu []time.Duration
		runSQL := func() (time.Duration, error) {
			c0, t0 := meter.sample(), time.Now()
			r, err := g.Query(ctx, q.SQL)
			if err != nil {
				return 0, fmt.Errorf("%s in SQL: %w", q.Name, err)
			}
			d := time.Since(t0)
			cpu = append(cpu, meter.sample().self-c0.self)
			rows = len(r.Rows)
			return d, nil
		}
		runCypher := func() (time.Duration, error) {
			t0 := time.Now()
			if err := st.Replay(ctx, cy); err != nil {
				return 0, fmt.Errorf("%s in Cypher: %w", q.Name, err)
			}
			return time.Since(t0), nil
		}
		// Warm-up: plans, caches, the page cache.
		if _, err := runSQL(); err != nil {
			return err
		}
		if _, err := runCypher(); err != nil {
			return err
		}
		var ts, tc []time.Duration
		cpu = nil
		for i := 0; i < max(rounds, 1); i++ {
			d, err := runSQL()
			if err != nil {
				return err
			}
			ts = append(ts, d)
			if d, err = runCypher(); err != nil {
				return err
			}
			tc = append(tc, d)
		}
		ms, mc := median(ts), median(tc)
		fmt.Fprintf(out, "%-10s %8d %12s %12s %7.1f× %14s\n", q.Name, rows, ms.Round(100*time.Microsecond), mc.Round(100*time.Microsecond), ms.Seconds()/mc.Seconds(),
			median(cpu).Round(100*time.Microsecond))
		profiled = append(profiled, runSQL)
	}
	if o.cpuProfile != "" {
		if err := profileSQL(o.cpuProfile, max(rounds, 1), profiled); err != nil {
			return err
		}
		fmt.Fprintf(out, "CPU profile of %d more SQL turns of each question: %s\n", max(rounds, 1), o.cpuProfile)
	}
	if !o.keep {
		return deleteTenant(ctx, st, tenant)
	}
	return nil
}

// profileSQL runs each SQL question n more times under the Go CPU profiler.
func profileSQL(path string, n int, runs []func() (time.Duration, error)) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		return err
	}
	defer pprof.StopCPUProfile()
	for _, run := range runs {
		for i := 0; i < n; i++ {
			if _, err := run(); err != nil {
				return err
			}
		}
	}
	return nil
}
