package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"time"

	"github.com/spf13/cobra"

	"github.com/authgraph/authgraph/graph"
	"github.com/authgraph/authgraph/internal/monitor"
	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/web"
)

func init() {
	var (
		addr          string
		introspection bool
		graphiql      bool
		cypherTimeout time.Duration
		maxRows       int
		maxBytes      int
		sec           serveSecurity
		rulesDir      string
		// Bounded reads (issue 15).
		statementTimeout   time.Duration
		requestTimeout     time.Duration
		consoleConcurrency int
		sched              schedulerFlags
		sqlFlags           sqlListenerFlags
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the web app at / and the GraphQL API over the asset graph",
		Long: `Serve the web app and the GraphQL API over the asset graph:

  GET  /          the web app (overview, directory, graph view, Cypher console)
  POST /graphql   GraphQL (not over GET)
  GET  /graphql   the GraphiQL explorer, in a browser (--graphiql)
  GET  /healthz   200 up when Neo4j answers, 503 down when not
  GET  /metrics   Prometheus metrics (an admin token, or --metrics-addr)
  --sql-addr A    a MySQL-protocol listener for BI tools and the mysql
                  client: password = an API token (viewer or above), the
                  same read-only SQL and limits as the console (off by
                  default; off loopback it needs --sql-tls-cert/--sql-tls-key)
  /auth/…         sign-in (OIDC, or an API token), sign-out, who am I
  POST /hooks/auth0/{tenant}/logs|events
                  what a tenant's Auth0 log stream / Event Streams push (its
                  stream token only: authgraph tenants stream NAME)

Access (--auth): none lets everyone in as admin and is allowed only on a
loopback address; token takes API tokens (authgraph tokens create), as
Authorization: Bearer or through the sign-in page; oidc signs people in
with an OpenID Connect issuer and takes API tokens too. Host headers other
than loopback names and --public-url's host are refused.

Neo4j is found like every command does: NEO4J_URI / NEO4J_USER /
NEO4J_PASSWORD, else the managed local server (authgraph neo4j start).
The cypher field runs read-only queries only (decided from the EXPLAIN
plan), bounded by --cypher-timeout, --max-rows, --max-bytes and
--console-concurrency; every other read by --statement-timeout, and a
whole operation by --request-timeout.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if err := sec.check(addr); err != nil {
				return err
			}
			if requestTimeout <= cypherTimeout || requestTimeout <= statementTimeout {
				return fmt.Errorf("--request-timeout (%s) must be longer than --cypher-timeout (%s) and --statement-timeout (%s)", requestTimeout, cypherTimeout, statementTimeout)
			}
			tuneServerRuntime()
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close(ctx)
			st.SetReadTimeout(statementTimeout)
			if err := st.EnsureSchema(ctx); err != nil {
				return err
			}
			rs, _, err := loadRules(cmd.ErrOrStderr(), rulesDir)
			if err != nil {
				return err
			}
			log := slog.Default()
			authCfg, err := sec.authConfig(ctx)
			if err != nil {
				return err
			}
			var srv *web.Server
			// One set of console slots for the Cypher console, GraphQL's
			// sql field and the SQL listener.
			console := store.ConsoleOptions{Timeout: cypherTimeout, MaxRows: maxRows, MaxBytes: maxBytes,
				MaxConcurrent: consoleConcurrency}
			console.Limiter = store.NewConsoleLimiter(console)
			h := graph.NewHandler(graph.Options{
				Rules:          rs,
				Store:          st,
				Introspection:  introspection,
				Console:        console,
				RequestTimeout: requestTimeout,
				Logger:         log,
				Audit: func(ctx context.Context, action, target, outcome string) {
					srv.Audit(ctx, action, target, outcome)
				},
			})
			metrics := monitor.NewMetrics()
			base := sec.publicURL
			if base == "" {
				base = "http://" + addr
			}
			hooks, err := newStreamReceiver(st, base, rs, metrics, log)
			if err != nil {
				return err
			}
			defer func() {
				// What is still queued is left to the next poll of the logs.
				drain, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
				defer cancel()
				hooks.Close(drain)
			}()
			srv = web.New(web.Config{Store: st, GraphQL: h, GraphiQL: graphiql, Logger: log, Auth: authCfg,
				PublicURL: sec.public, MetricsElsewhere: sec.metricsAddr != "", Hooks: hooks})
			srv.Register(hooks.Collectors()...)
			store.QueryObserver = srv.ObserveQuery
			if sec.metricsAddr != "" {
				if err := serveMetrics(ctx, sec.metricsAddr, srv.MetricsHandler(), cmd.OutOrStdout()); err != nil {
					return err
				}
			}
			srv.Register(metrics.Collectors()...)
			stopSQL, err := sqlFlags.start(ctx, st, console, srv, sec.auth, log, cmd.OutOrStdout())
			if err != nil {
				return err
			}
			defer stopSQL()
			waitScheduler, err := startScheduler(ctx, st, sched, addr, sec.publicURL, rs, metrics, log)
			if err != nil {
				return err
			}
			defer waitScheduler()
			return listenError(srv.Serve(ctx, addr, func(a net.Addr) {
				fmt.Fprintf(cmd.OutOrStdout(), "authgraph serving the web app at http://%s/ and GraphQL at http://%s/graphql (Neo4j %s; auth %s)\n", a, a, st.URI(), authCfg.Mode)
			}), addr, "serve")
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:8080", "listen address (loopback by default)")
	f.BoolVar(&introspection, "introspection", true, "allow GraphQL schema introspection")
	f.BoolVar(&graphiql, "graphiql", true, "serve the GraphiQL explorer at GET /graphql")
	f.DurationVar(&cypherTimeout, "cypher-timeout", 10*time.Second, "time limit of one cypher (or sql) console query")
	f.IntVar(&maxRows, "max-rows", 1000, "rows a cypher (or sql) console query returns at most")
	f.IntVar(&maxBytes, "max-bytes", 4<<20, "bytes of JSON rows a cypher (or sql) console query returns at most")
	f.StringVar(&rulesDir, "rules-dir", "", "folder of custom rules (*.yaml) served and run by GraphQL beside the built-in pack")
	f.IntVar(&consoleConcurrency, "console-concurrency", store.DefaultConsoleMaxConcurrent, "console queries (cypher and sql together) running at once; more wait briefly, then get UNAVAILABLE")
	f.DurationVar(&statementTimeout, "statement-timeout", store.DefaultReadTimeout, "time limit of every other database read the API makes")
	f.DurationVar(&requestTimeout, "request-timeout", graph.DefaultRequestTimeout, "deadline of one GraphQL operation, all its reads included")
	sec.flags(f)
	sqlFlags.flags(f)
	addSchedulerFlags(cmd, &sched)
	rootCmd.AddCommand(cmd)
}

// tuneServerRuntime lets the heap grow to five times the live data between
// collections (GOGC=400) unless GOGC is set: the API's live heap is small
// (tens of MB) and mostly short-lived per-request garbage, so the default
// spends a quarter of the server's CPU collecting (bench graphql: list pages
// +25–40% requests/s). A soft limit keeps a large result from running away.
func tuneServerRuntime() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(1 << 30)
	}
}
