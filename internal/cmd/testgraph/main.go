// Command testgraph is the test runners' tool for keeping tests away from
// the user's graph.
//
//	go run ./internal/cmd/testgraph counts       # "tenant nodes rels" per tenant
//	go run ./internal/cmd/testgraph sweep e2e-   # delete tenants e2e-… (test server only)
//	go run ./internal/cmd/testgraph drop TENANT  # delete one e2e-… tenant (any server)
//
// It talks to the server every authgraph command uses (NEO4J_URI, else the
// managed server of $AUTHGRAPH_NEO4J_DIR or .authgraph/neo4j). CI prints the
// counts of the demo's server before and after `make test` and compares
// them; the browser tests sweep what an interrupted run left, and sweep
// refuses any server but the tests' own (a managed folder named neo4j-test).
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/authgraph/authgraph/internal/neo4jlocal"
	"github.com/authgraph/authgraph/internal/store"
)

const usage = "usage: testgraph counts | testgraph sweep PREFIX | testgraph drop e2e-TENANT"

func main() {
	if len(os.Args) < 2 {
		fail(usage)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	t := neo4jlocal.ResolveTarget(neo4jlocal.DefaultDir())
	switch os.Args[1] {
	case "counts":
		st := open(ctx, t)
		defer st.Close(context.Background())
		counts, err := st.TenantCounts(ctx)
		if err != nil {
			fail("testgraph: " + err.Error())
		}
		for _, c := range counts {
			name := c.Tenant
			if name == "" {
				name = "(no tenant)"
			}
			fmt.Printf("%s %d %d\n", name, c.Nodes, c.Rels)
		}
	case "sweep":
		if len(os.Args) != 3 || os.Args[2] == "" {
			fail(usage)
		}
		if !t.Managed || filepath.Base(t.Dir) != "neo4j-test" {
			fail(fmt.Sprintf("testgraph: refusing to sweep %s: not the tests' own server (.authgraph/neo4j-test)", t))
		}
		st := open(ctx, t)
		defer st.Close(context.Background())
		n, err := st.DeleteTenantsWithPrefix(ctx, os.Args[2])
		if err != nil {
			fail("testgraph: " + err.Error())
		}
		if n > 0 {
			fmt.Printf("testgraph: swept %d nodes of leftover %s… tenants from %s\n", n, os.Args[2], t)
		}
	case "drop":
		// One browser-test tenant, by its exact name, on whatever server the
		// run used: what it created, removed whatever happened to it.
		if len(os.Args) != 3 || !strings.HasPrefix(os.Args[2], "e2e-") {
			fail("testgraph drop takes one browser-test tenant name (e2e-…)")
		}
		st := open(ctx, t)
		defer st.Close(context.Background())
		if _, err := st.DeleteTenantsWithPrefix(ctx, os.Args[2]); err != nil {
			fail("testgraph: " + err.Error())
		}
	default:
		fail(usage)
	}
}

func open(ctx context.Context, t neo4jlocal.Target) *store.Store {
	st, err := store.Open(ctx, t.URI, t.User, t.Password)
	if err != nil {
		fail("testgraph: " + err.Error())
	}
	return st
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, msg)
	os.Exit(1)
}
