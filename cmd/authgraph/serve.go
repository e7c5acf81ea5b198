package main

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"time"

	"github.com/spf13/cobra"

	"github.com/authgraph/authgraph/graph"
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
		// Bounded reads (issue 15).
		statementTimeout   time.Duration
		requestTimeout     time.Duration
		consoleConcurrency int
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the GraphQL API (and GraphiQL) over the asset graph",
		Long: `Serve the GraphQL API over the asset graph:

  POST /graphql   GraphQL (GET works for queries too)
  GET  /graphql   the GraphiQL explorer, in a browser (--graphiql)
  GET  /healthz   200 when Neo4j answers, 503 when not
  GET  /metrics   Prometheus metrics

Neo4j is found like every command does: NEO4J_URI / NEO4J_USER /
NEO4J_PASSWORD, else the managed local server (authgraph neo4j start).
The cypher field runs read-only queries only (decided from the EXPLAIN
plan), bounded by --cypher-timeout, --max-rows, --max-bytes and
--console-concurrency; every other read by --statement-timeout, and a
whole operation by --request-timeout.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
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
			log := slog.Default()
			h := graph.NewHandler(graph.Options{
				Store:         st,
				Introspection: introspection,
				Console: store.ConsoleOptions{Timeout: cypherTimeout, MaxRows: maxRows, MaxBytes: maxBytes,
					MaxConcurrent: consoleConcurrency},
				RequestTimeout: requestTimeout,
				Logger:         log,
			})
			srv := web.New(web.Config{Store: st, GraphQL: h, GraphiQL: graphiql, Logger: log})
			store.QueryObserver = srv.ObserveQuery
			return srv.Serve(ctx, addr, func(a net.Addr) {
				fmt.Fprintf(cmd.OutOrStdout(), "authgraph serving GraphQL at http://%s/graphql (Neo4j %s)\n", a, st.URI())
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:8080", "listen address (loopback by default)")
	f.BoolVar(&introspection, "introspection", true, "allow GraphQL schema introspection")
	f.BoolVar(&graphiql, "graphiql", true, "serve the GraphiQL explorer at GET /graphql")
	f.DurationVar(&cypherTimeout, "cypher-timeout", 10*time.Second, "time limit of one cypher console query")
	f.IntVar(&maxRows, "max-rows", 1000, "rows a cypher console query returns at most")
	f.IntVar(&maxBytes, "max-bytes", 4<<20, "bytes of JSON rows a cypher console query returns at most")
	f.IntVar(&consoleConcurrency, "console-concurrency", store.DefaultConsoleMaxConcurrent, "cypher console queries running at once; more wait briefly, then get UNAVAILABLE")
	f.DurationVar(&statementTimeout, "statement-timeout", store.DefaultReadTimeout, "time limit of every other database read the API makes")
	f.DurationVar(&requestTimeout, "request-timeout", graph.DefaultRequestTimeout, "deadline of one GraphQL operation, all its reads included")
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
