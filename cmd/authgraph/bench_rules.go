package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/authgraph/authgraph/ingest"
	"github.com/authgraph/authgraph/internal/findings"
)

func init() {
	var users, rounds int
	var seed int64
	var keep bool
	var dir string
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "Run every rule on a generated tenant and compare with its sync's load phase",
		Long: `Start a simulated tenant (a separate process), sync it into Neo4j, then
evaluate every rule on it --rounds times. Prints each round's total, the
three slowest rules, and the total as a ratio to the load phase (write time)
of the sync measured in the same run. The first round includes Neo4j's
planning of each rule's queries; later rounds reuse the plans.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return benchRules(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), users, seed, rounds, keep, dir)
		},
	}
	cmd.Flags().IntVar(&users, "users", 10000, "users in the generated tenant (the issue's figure is for 100000)")
	cmd.Flags().Int64Var(&seed, "seed", 7, "generator seed")
	cmd.Flags().IntVar(&rounds, "rounds", 3, "evaluations of every rule")
	cmd.Flags().BoolVar(&keep, "keep", false, "keep the benchmark tenant in the graph")
	cmd.Flags().StringVar(&dir, "rules-dir", "", "custom rules run beside the built-in pack")
	benchCmd.AddCommand(cmd)
}

func benchRules(ctx context.Context, out, errOut io.Writer, users int, seed int64, rounds int, keep bool, dir string) error {
	rs, _, err := loadRules(errOut, dir)
	if err != nil {
		return err
	}
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
	tenant := fmt.Sprintf("bench-rules-%d.sim.local", users)
	if err := deleteTenant(ctx, st, tenant); err != nil {
		return err
	}
	sum, err := ingest.Run(ctx, st, simConfig(url, tenant))
	if err != nil {
		return err
	}
	load := sum.Load.WriteTime
	fmt.Fprintf(out, "sync: %s total, load phase %s (%d nodes, %d relations)\n", sum.Duration.Round(time.Millisecond),
		load.Round(time.Millisecond), sum.Load.Nodes, sum.Load.Rels)
	eng := findings.New(st, rs)
	for round := 1; round <= max(rounds, 1); round++ {
		rsum, err := eng.Run(ctx, tenant)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "rules round %d: %d rules in %s = %.2f× the load phase; %d findings open", round, rsum.RulesRun,
			rsum.Duration.Round(time.Millisecond), rsum.Duration.Seconds()/load.Seconds(), rsum.StillOpen+rsum.Opened+rsum.Reopened)
		if len(rsum.Failed) > 0 {
			fmt.Fprintf(out, ", %d failed", len(rsum.Failed))
		}
		var query time.Duration
		for _, o := range rsum.Outcomes {
			query += o.Query
		}
		fmt.Fprintf(out, "; queries %s, recording findings %s\n", query.Round(time.Millisecond), (rsum.Duration - query).Round(time.Millisecond))
		for _, o := range rsum.Slowest(3) {
			fmt.Fprintf(out, "  %-40s %8s (query %s, recording %s; %d hits)\n", o.Rule, o.Duration.Round(time.Millisecond),
				o.Query.Round(time.Millisecond), (o.Duration - o.Query).Round(time.Millisecond), o.Hits)
		}
	}
	if !keep {
		return deleteTenant(ctx, st, tenant)
	}
	return nil
}
