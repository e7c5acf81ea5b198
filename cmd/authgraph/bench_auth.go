package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/authgraph/authgraph/graph"
	"github.com/authgraph/authgraph/internal/access"
	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
	"github.com/authgraph/authgraph/web"
)

func init() {
	var (
		o       gqlBenchOptions
		rounds  int
		perTurn int
	)
	cmd := &cobra.Command{
		Use:   "auth",
		Short: "Measure what authentication adds to an asset-detail query (p50 ratio, one run)",
		Long: `Serve the same graph twice in this process, once with --auth none and once
with --auth token (a viewer token sent as Authorization: Bearer), and send
both the same asset-detail query from one client, in alternating turns
(--rounds of --per-turn requests each, the order swapped every round), so
that both see the same machine. Prints p50 and p95 of each and the ratio
of the p50s. The tenant is a small simulated one (--users), synced once and
reused.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return benchAuth(cmd.Context(), cmd.OutOrStdout(), o, rounds, perTurn)
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.users, "users", 2000, "users in the simulated tenant")
	f.Int64Var(&o.seed, "seed", 11, "generator seed")
	f.BoolVar(&o.rebuild, "rebuild", false, "sync the tenant again even when it is there")
	f.IntVar(&rounds, "rounds", 200, "alternating turns per server")
	f.IntVar(&perTurn, "per-turn", 10, "requests per turn (short turns: both servers see the same moments of a shared machine)")
	benchCmd.AddCommand(cmd)
}

const detailQuery = `query($id: ID!) { node(id: $id) { id name ... on User { email blocked lastLogin
	roles { id name permissions { id value } }
	organizations { id organization { id name } roles { id name } }
	identities { connection { id name } } grants { id } permissions { id } } } }`

func benchAuth(ctx context.Context, out io.Writer, o gqlBenchOptions, rounds, perTurn int) error {
	tuneServerRuntime()
	st, err := openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close(ctx)
	if err := st.EnsureSchema(ctx); err != nil {
		return err
	}
	tenant, err := ensureBenchTenant(ctx, out, st, o)
	if err != nil {
		return err
	}
	users, _, err := st.List(ctx, store.ListQuery{Kind: schema.User, Tenant: tenant, Limit: 500})
	if err != nil {
		return err
	}
	if len(users) == 0 {
		return apperr.New(apperr.Internal, "benchmark tenant %s has no users", tenant)
	}

	// A viewer token for the run, revoked at the end.
	id, tok := access.NewToken()
	_, secret, _ := access.ParseToken(tok)
	if err := st.CreateToken(ctx, store.Token{ID: id, Name: "bench auth", Role: string(access.Viewer), Hash: access.Hash(secret), Created: time.Now()}); err != nil {
		return err
	}
	defer st.RevokeToken(context.WithoutCancel(ctx), id, time.Now())

	sctx, stop := context.WithCancel(ctx)
	defer stop()
	serve := func(mode string) (string, error) {
		srv := web.New(web.Config{Store: st, GraphQL: graph.NewHandler(graph.Options{Store: st}), Auth: web.AuthConfig{Mode: mode}})
		addrc, errc := make(chan string, 1), make(chan error, 1)
		go func() { errc <- srv.Serve(sctx, "127.0.0.1:0", func(a net.Addr) { addrc <- a.String() }) }()
		select {
		case a := <-addrc:
			return "http://" + a + "/graphql", nil
		case err := <-errc:
			return "", err
		}
	}
	open, err := serve(web.AuthNone)
	if err != nil {
		return err
	}
	guarded, err := serve(web.AuthToken)
	if err != nil {
		return err
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}, Timeout: 30 * time.Second}
	bearer := &http.Client{Transport: bearerTransport{base: hc.Transport, token: tok}, Timeout: 30 * time.Second}

	sc := scenario{"asset detail", func(r *rand.Rand) (string, map[string]any) {
		return detailQuery, map[string]any{"id": users[r.IntN(len(users))].ID()}
	}}
	// Warm both (connections, query cache, the token cache).
	if _, err := runScenario(ctx, hc, open, sc, 1, perTurn); err != nil {
		return fmt.Errorf("warm-up (none): %w", err)
	}
	if _, err := runScenario(ctx, bearer, guarded, sc, 1, perTurn); err != nil {
		return fmt.Errorf("warm-up (token): %w", err)
	}
	var none, token []time.Duration
	for r := 0; r < rounds; r++ {
		turns := []func() error{
			func() error {
				l, err := runScenario(ctx, hc, open, sc, 1, perTurn)
				none = append(none, l...)
				return err
			},
			func() error {
				l, err := runScenario(ctx, bearer, guarded, sc, 1, perTurn)
				token = append(token, l...)
				return err
			},
		}
		if r%2 == 1 {
			turns[0], turns[1] = turns[1], turns[0]
		}
		for _, t := range turns {
			if err := t(); err != nil {
				return err
			}
		}
	}
	p50n, p50t := pct(none, 50), pct(token, 50)
	fmt.Fprintf(out, "\nasset detail, 1 client, %d requests each, alternating turns of %d (tenant %s)\n\n", len(none), perTurn, tenant)
	fmt.Fprintf(out, "%-28s %9s %9s\n", "server", "p50 ms", "p95 ms")
	fmt.Fprintf(out, "%-28s %9.2f %9.2f\n", "--auth none", p50n, pct(none, 95))
	fmt.Fprintf(out, "%-28s %9.2f %9.2f\n", "--auth token (Bearer)", p50t, pct(token, 95))
	fmt.Fprintf(out, "\nauthentication adds %+.1f%% to the p50 (ratio %.3f; target at most +5%%)\n", (p50t/p50n-1)*100, p50t/p50n)
	return nil
}

// bearerTransport sends an API token with every request.
type bearerTransport struct {
	base  http.RoundTripper
	token string
}

func (b bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.base.RoundTrip(r)
}
