package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/authgraph/authgraph/ingest"
)

func init() {
	var users, passes int
	var seed int64
	var keep bool
	cmd := &cobra.Command{
		Use:   "incremental",
		Short: "An unchanged tenant: API calls and time of an incremental pass vs a full collection",
		Long: `Start a simulated tenant (a separate process, rate limits off), collect it in
full (which notes its log checkpoint), then run --passes incremental passes
over the unchanged tenant and print API calls and time of each against the
full collection's, as ratios measured in this one run (target: a pass costs
at most 5 % of the full collection's calls). The time a rate limit would add
is shown for the paid plan's sustained 16 requests a second.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return benchIncremental(cmd.Context(), cmd.OutOrStdout(), users, seed, passes, keep)
		},
	}
	cmd.Flags().IntVar(&users, "users", 100000, "users in the generated tenant")
	cmd.Flags().Int64Var(&seed, "seed", 7, "generator seed")
	cmd.Flags().IntVar(&passes, "passes", 3, "incremental passes over the unchanged tenant")
	cmd.Flags().BoolVar(&keep, "keep", false, "keep the benchmark tenant in the graph")
	benchCmd.AddCommand(cmd)
}

func benchIncremental(ctx context.Context, out io.Writer, users int, seed int64, passes int, keep bool) error {
	st, err := openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close(ctx)
	if err := st.EnsureMonitorSchema(ctx); err != nil {
		return err
	}
	fmt.Fprintf(out, "generating a %d-user tenant (seed %d) in a simulator process...\n", users, seed)
	url, stop, err := startSim(ctx, users, seed)
	if err != nil {
		return err
	}
	defer stop()
	tenant := fmt.Sprintf("bench-incr-%d.sim.local", users)
	if err := deleteTenant(ctx, st, tenant); err != nil {
		return err
	}
	cfg := simConfig(url, tenant)
	pass := func(mode string) (*ingest.Summary, error) {
		api, err := ingest.NewAuth0(ctx, cfg.Credentials, cfg.Limits)
		if err != nil {
			return nil, err
		}
		return ingest.Pass(ctx, st, api, cfg, ingest.PassOptions{Mode: mode, ReconcileEvery: -1})
	}
	fmt.Fprintln(out, "full collection...")
	full, err := pass(ingest.ModeFull)
	if err != nil {
		return err
	}
	const paidRPS = 16.0
	fmt.Fprintf(out, "\nfull collection of %d users: status %s, %s, %d API calls (users via %s; at %.0f requests/s at least %s of API time)\n",
		users, full.Status, full.Duration.Round(time.Millisecond), full.APICalls, full.UsersVia, paidRPS,
		(time.Duration(float64(full.APICalls) / paidRPS * float64(time.Second))).Round(time.Second))
	var calls int
	var took time.Duration
	for i := 1; i <= passes; i++ {
		s, err := pass(ingest.ModeIncremental)
		if err != nil {
			return err
		}
		if s.Mode != ingest.ModeIncremental {
			return fmt.Errorf("pass %d collected %s (%s), not incrementally", i, s.Mode, s.Reason)
		}
		fmt.Fprintf(out, "  incremental pass %d: status %s, %s, %d API calls, %d log events, %d assets re-read\n",
			i, s.Status, s.Duration.Round(time.Millisecond), s.APICalls, s.LogEvents, s.Touched)
		calls += s.APICalls
		took += s.Duration
	}
	if passes > 0 {
		avgCalls := float64(calls) / float64(passes)
		avgTime := took / time.Duration(passes)
		fmt.Fprintf(out, "\nan incremental pass over the unchanged tenant vs the full collection (mean of %d passes):\n", passes)
		fmt.Fprintf(out, "  API calls %.1f vs %d = %.2f %% (target ≤ 5 %%)\n", avgCalls, full.APICalls, 100*avgCalls/float64(full.APICalls))
		fmt.Fprintf(out, "  time %s vs %s = %.2f %%\n", avgTime.Round(time.Millisecond), full.Duration.Round(time.Millisecond),
			100*avgTime.Seconds()/full.Duration.Seconds())
	}
	if !keep {
		return deleteTenant(ctx, st, tenant)
	}
	return nil
}
