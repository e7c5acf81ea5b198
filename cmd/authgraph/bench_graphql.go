package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/internal/auth0sim"
	"github.com/authgraph/authgraph/graph"
	"github.com/authgraph/authgraph/ingest"
	"github.com/authgraph/authgraph/schema"
	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/web"
)

func init() {
	var o gqlBenchOptions
	cmd := &cobra.Command{
		Use:   "graphql",
		Short: "Measure GraphQL latency (p50/p95) on a large synced tenant under concurrent clients",
		Long: `Build (once) a simulated tenant of --users users by a real sync, serve the
GraphQL API on a loopback port, and send it --clients concurrent clients for
each scenario: an asset's detail with relations, a filtered list page, search,
effective permissions and a neighbourhood. Prints p50, p95 and p99 latency and
throughput per scenario, and the CPU time each request cost this process
(the server and the clients) and, when it is the local one, Neo4j. The
tenant is kept and reused by later runs (--rebuild forces a new sync).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return benchGraphQL(cmd.Context(), cmd.OutOrStdout(), o)
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.users, "users", 100000, "users in the simulated tenant")
	f.Int64Var(&o.seed, "seed", 11, "generator seed")
	f.IntVar(&o.clients, "clients", 20, "concurrent clients")
	f.IntVar(&o.requests, "requests", 2000, "measured requests per scenario")
	f.BoolVar(&o.rebuild, "rebuild", false, "sync the tenant again even when it is there")
	f.StringVar(&o.only, "only", "", "run only the scenarios whose name contains this text")
	f.StringVar(&o.cpuProfile, "cpuprofile", "", "write a Go CPU profile of the measured requests (server and clients) to this file")
	benchCmd.AddCommand(cmd)
}

type gqlBenchOptions struct {
	users, clients, requests int
	seed                     int64
	rebuild                  bool
	only, cpuProfile         string
}

// benchTenant names the benchmark tenant so runs with the same size reuse it.
func benchTenant(users int, seed int64) string {
	return fmt.Sprintf("bench-graphql-%d-%d.sim.local", users, seed)
}

// ensureBenchTenant syncs the simulated tenant unless a complete sync of it
// is already in the graph.
func ensureBenchTenant(ctx context.Context, out io.Writer, st *store.Store, o gqlBenchOptions) (string, error) {
	tenant := benchTenant(o.users, o.seed)
	if !o.rebuild {
		last, err := st.LastSyncs(ctx, []string{tenant})
		if err != nil {
			return "", err
		}
		n, err := st.Count(ctx, store.ListQuery{Kind: schema.User, Tenant: tenant})
		if err != nil {
			return "", err
		}
		if s, ok := last[tenant]; ok && s.Status == "ok" && n == o.users {
			fmt.Fprintf(out, "reusing tenant %s (%d users, synced %s)\n", tenant, n, s.Finished.Format(time.RFC3339))
			return tenant, nil
		}
	}
	fmt.Fprintf(out, "generating a %d-user simulated tenant (seed %d) and syncing it as %s ...\n", o.users, o.seed, tenant)
	sim, err := auth0sim.New(auth0sim.Config{Seed: o.seed, Users: o.users, RPS: 0})
	if err != nil {
		return "", err
	}
	hs := httptest.NewServer(sim.Handler())
	defer hs.Close()
	if _, err := st.DeleteTenant(ctx, tenant); err != nil {
		return "", err
	}
	start := time.Now()
	sum, err := ingest.Run(ctx, st, ingest.Config{
		Credentials: ingest.Credentials{Domain: hs.URL, ClientID: sim.ClientID(), ClientSecret: sim.ClientSecret()},
		Tenant:      tenant, UserPermissionsLimit: -1, ExportPoll: 200 * time.Millisecond,
	})
	if err != nil {
		return "", err
	}
	if sum.Status != "ok" {
		return "", apperr.New(apperr.Internal, "benchmark sync ended %s: %v", sum.Status, sum.Failed)
	}
	fmt.Fprintf(out, "synced in %s\n", time.Since(start).Round(time.Second))
	return tenant, nil
}

// listQuery is the filtered list page of the benchmark: 50 users with
// their roles, and the total.
const listQuery = `query($t: String, $f: UserFilter) { users(tenant: $t, filter: $f, first: 50) {
	totalCount pageInfo { hasNextPage endCursor } nodes { id email lastLogin roles { id name } } } }`

type scenario struct {
	name string
	// next returns a query and its variables, drawn at random.
	next func(r *rand.Rand) (string, map[string]any)
}

func benchGraphQL(ctx context.Context, out io.Writer, o gqlBenchOptions) error {
	tuneServerRuntime() // the server under test runs in this process
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

	// Samples to draw from: users, roles, connections, words to search.
	users, _, err := st.List(ctx, store.ListQuery{Kind: schema.User, Tenant: tenant, Skip: o.users / 3, Limit: 2000})
	if err != nil {
		return err
	}
	roles, _, err := st.List(ctx, store.ListQuery{Kind: schema.Role, Tenant: tenant, Limit: 200})
	if err != nil {
		return err
	}
	conns, _, err := st.List(ctx, store.ListQuery{Kind: schema.Connection, Tenant: tenant, Limit: 50})
	if err != nil {
		return err
	}
	if len(users) == 0 || len(roles) == 0 || len(conns) == 0 {
		return apperr.New(apperr.Internal, "benchmark tenant %s is missing users, roles or connections", tenant)
	}
	pick := func(r *rand.Rand, list []store.Asset) store.Asset { return list[r.IntN(len(list))] }
	word := func(r *rand.Rand) string {
		u := pick(r, users)
		if e, ok := u.Props["email"].(string); ok && len(e) > 4 {
			return strings.SplitN(e, "@", 2)[0]
		}
		return u.Name()
	}

	scenarios := []scenario{
		{"asset detail with relations", func(r *rand.Rand) (string, map[string]any) {
			return `query($id: ID!) { node(id: $id) { id name ... on User { email blocked lastLogin
				roles { id name permissions { id value } }
				organizations { id organization { id name } roles { id name } }
				identities { connection { id name } } grants { id } permissions { id } } } }`,
				map[string]any{"id": pick(r, users).ID()}
		}},
		{"list: users of a role, MFA", func(r *rand.Rand) (string, map[string]any) {
			return listQuery, map[string]any{"t": tenant, "f": map[string]any{"role": pick(r, roles).ID(), "mfaEnrolled": r.IntN(2) == 0}}
		}},
		{"list: email prefix", func(r *rand.Rand) (string, map[string]any) {
			w := word(r)
			return listQuery, map[string]any{"t": tenant, "f": map[string]any{"email": map[string]any{"prefix": w[:min(3, len(w))]}}}
		}},
		{"list: connection, not blocked", func(r *rand.Rand) (string, map[string]any) {
			return listQuery, map[string]any{"t": tenant, "f": map[string]any{"connection": pick(r, conns).Name(), "blocked": false}}
		}},
		{"search", func(r *rand.Rand) (string, map[string]any) {
			w := word(r)
			if r.IntN(2) == 0 {
				w = w[:max(1, len(w)*2/3)] // a prefix, as typed
			}
			return `query($q: String!, $t: String) { search(text: $q, tenant: $t, first: 20) { score asset { id kind name } } }`,
				map[string]any{"q": w, "t": tenant}
		}},
		{"effective permissions", func(r *rand.Rand) (string, map[string]any) {
			return `query($u: ID) { effectivePermissions(userId: $u) { permission { id value } api { id } via
				paths { via nodes { id kind } edges { type source target } organization { id } role { id } } } }`,
				map[string]any{"u": pick(r, users).ID()}
		}},
		{"neighbourhood (depth 2, 100)", func(r *rand.Rand) (string, map[string]any) {
			return `query($id: ID!) { neighbourhood(id: $id, depth: 2, limit: 100) { truncated nodes { id kind name } edges { id type source target } } }`,
				map[string]any{"id": pick(r, users).ID()}
		}},
	}

	// The real server on a loopback port: HTTP, echo, gqlgen, loaders, store.
	h := graph.NewHandler(graph.Options{Store: st, Introspection: true})
	srv := web.New(web.Config{Store: st, GraphQL: h})
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	addrc := make(chan string, 1)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(sctx, "127.0.0.1:0", func(a net.Addr) { addrc <- a.String() }) }()
	var url string
	select {
	case a := <-addrc:
		url = "http://" + a + "/graphql"
	case err := <-errc:
		return err
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: o.clients * 2}, Timeout: 30 * time.Second}

	fmt.Fprintf(out, "\n%d concurrent clients, %d measured requests per scenario (after %d warm-up), tenant %s\n\n",
		o.clients, o.requests, o.requests/10, tenant)
	fmt.Fprintf(out, "%-30s %9s %9s %9s %9s %8s %12s %12s\n", "scenario", "p50 ms", "p95 ms", "p99 ms", "max ms", "req/s", "cpu ms/req", "neo4j ms/req")
	meter := newCPUMeter()
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return apperr.Wrap(apperr.Invalid, err, "cpu profile")
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	for _, sc := range scenarios {
		if o.only != "" && !strings.Contains(sc.name, o.only) {
			continue
		}
		if _, err := runScenario(ctx, hc, url, sc, o.clients, o.requests/10); err != nil {
			return fmt.Errorf("%s (warm-up): %w", sc.name, err)
		}
		start, cpu0 := time.Now(), meter.sample()
		lat, err := runScenario(ctx, hc, url, sc, o.clients, o.requests)
		if err != nil {
			return fmt.Errorf("%s: %w", sc.name, err)
		}
		el := time.Since(start)
		self, db := perRequest(cpu0, meter.sample(), len(lat))
		dbs := "-"
		if db >= 0 {
			dbs = fmt.Sprintf("%.2f", db)
		}
		fmt.Fprintf(out, "%-30s %9.1f %9.1f %9.1f %9.1f %8.0f %12.2f %12s\n", sc.name,
			pct(lat, 50), pct(lat, 95), pct(lat, 99), pct(lat, 100), float64(len(lat))/el.Seconds(), self, dbs)
	}
	return nil
}

// runScenario sends n requests from clients goroutines and returns each
// latency. Any GraphQL error fails the run.
func runScenario(ctx context.Context, hc *http.Client, url string, sc scenario, clients, n int) ([]time.Duration, error) {
	var (
		mu    sync.Mutex
		lat   = make([]time.Duration, 0, n)
		next  = 0
		first error
		wg    sync.WaitGroup
	)
	for w := 0; w < clients; w++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, seed*7+1))
			for {
				mu.Lock()
				if next >= n || first != nil || ctx.Err() != nil {
					mu.Unlock()
					return
				}
				next++
				mu.Unlock()
				q, vars := sc.next(r)
				d, err := postGraphQL(ctx, hc, url, q, vars)
				mu.Lock()
				if err != nil && first == nil {
					first = err
				}
				lat = append(lat, d)
				mu.Unlock()
			}
		}(uint64(w + 1))
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return lat, first
}

func postGraphQL(ctx context.Context, hc *http.Client, url, q string, vars map[string]any) (time.Duration, error) {
	body, _ := json.Marshal(map[string]any{"query": q, "variables": vars})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	d := time.Since(start)
	if err != nil {
		return d, err
	}
	// The server writes errors first and only when there are any: a 200
	// that starts with data is a success. Decoding every body would spend
	// the CPU the server under test shares with the clients.
	if resp.StatusCode == http.StatusOK && bytes.HasPrefix(data, []byte(`{"data":`)) {
		return d, nil
	}
	var out struct {
		Errors []struct{ Message string } `json:"errors"`
	}
	if err := json.Unmarshal(data, &out); err != nil || len(out.Errors) == 0 {
		return d, fmt.Errorf("status %d: %.300s", resp.StatusCode, data)
	}
	return d, fmt.Errorf("graphql error: %s (variables %v)", out.Errors[0].Message, vars)
}

// pct returns the p-th percentile of lat in milliseconds.
func pct(lat []time.Duration, p float64) float64 {
	if len(lat) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), lat...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(float64(len(s))*p/100+0.5) - 1
	i = max(0, min(i, len(s)-1))
	return float64(s[i].Microseconds()) / 1000
}
