package main

import (
	"context"
	"fmt"
	"io"
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
	var keep bool
	cmd := &cobra.Command{
		Use:   "sql",
		Short: "Time each test question in SQL against the same question in hand-written Cypher",
		Long: `Start a simulated tenant (a separate process), sync it into Neo4j, then ask each of
sqlgraph.Questions (a join, an aggregate, a subquery) in SQL and in hand-written Cypher, in
alternating turns, --rounds times after a warm-up of each. Prints the median of each and the
ratio SQL / Cypher, measured in one run. Both read every row of the answer; SQL's row cap is
lifted for the benchmark.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return benchSQL(cmd.Context(), cmd.OutOrStdout(), users, seed, rounds, keep)
		},
	}
	cmd.Flags().IntVar(&users, "users", 100000, "users in the generated tenant")
	cmd.Flags().Int64Var(&seed, "seed", 7, "generator seed")
	cmd.Flags().IntVar(&rounds, "rounds", 5, "timed turns of each question, each way")
	cmd.Flags().BoolVar(&keep, "keep", false, "keep the benchmark tenant in the graph")
	benchCmd.AddCommand(cmd)
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func benchSQL(ctx context.Context, out io.Writer, users int, seed int64, rounds int, keep bool) error {
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
	tenant := fmt.Sprintf("bench-sql-%d.sim.local", users)
	if err := deleteTenant(ctx, st, tenant); err != nil {
		return err
	}
	sum, err := ingest.Run(ctx, st, ingest.Config{Credentials: ingest.Credentials{Domain: url, ClientID: "bench", ClientSecret: "bench-secret"},
		Tenant: tenant, ExportPoll: 100 * time.Millisecond})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "sync: %s (%d nodes, %d relations)\n", sum.Duration.Round(time.Millisecond), sum.Load.Nodes, sum.Load.Rels)
	stop()

	g := sqlgraph.New(st, store.ConsoleOptions{Timeout: 5 * time.Minute, MaxRows: 1 << 30, MaxBytes: 1 << 40})
	params := map[string]any{"t": tenant}
	fmt.Fprintf(out, "%-10s %8s %12s %12s %8s\n", "question", "rows", "sql p50", "cypher p50", "ratio")
	for _, q := range sqlgraph.Questions(tenant) {
		cy := []store.Statement{{Cypher: q.Cypher, Params: params}}
		var rows int
		runSQL := func() (time.Duration, error) {
			t0 := time.Now()
			r, err := g.Query(ctx, q.SQL)
			if err != nil {
				return 0, fmt.Errorf("%s in SQL: %w", q.Name, err)
			}
			rows = len(r.Rows)
			return time.Since(t0), nil
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
		fmt.Fprintf(out, "%-10s %8d %12s %12s %7.1f×\n", q.Name, rows, ms.Round(100*time.Microsecond), mc.Round(100*time.Microsecond), ms.Seconds()/mc.Seconds())
	}
	if !keep {
		return deleteTenant(ctx, st, tenant)
	}
	return nil
}
