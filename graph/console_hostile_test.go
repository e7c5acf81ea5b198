package graph_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/99designs/gqlgen/client"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/authgraph/authgraph/graph"
	"github.com/authgraph/authgraph/internal/consoletest"
	"github.com/authgraph/authgraph/internal/store"
)

// Every hostile query sent through the GraphQL cypher field is refused as
// INVALID or FORBIDDEN with a plain message; the graph does not change and
// an HTTP listener on 127.0.0.1 hears nothing.
func TestConsoleHostileGraphQL(t *testing.T) {
	e := setup(t)
	c := e.client()
	var hits atomic.Int64
	var last atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		last.Store(r.URL.Path)
		_, _ = w.Write([]byte("a,b\n1,2\n"))
	}))
	defer srv.Close()

	cases := consoletest.Hostile(srv.URL)
	before := dbCounts(t, e)
	codes := map[string]int{}
	for _, tc := range cases {
		opts := []client.Option{client.Var("q", tc.Query)}
		if tc.Params != nil {
			opts = append(opts, client.Var("p", tc.Params))
		}
		raw, err := c.RawPost(cypherQuery, opts...)
		if err != nil {
			t.Fatal(err)
		}
		code, msg := errCode(t, raw), errMessage(t, raw)
		codes[code]++
		if code != "INVALID" && code != "FORBIDDEN" || msg == "" {
			t.Errorf("%s/%s: %q\n got code %q message %q data %s", tc.Class, tc.Name, tc.Query, code, msg, raw.Data)
		}
		if strings.Contains(msg, "goroutine") || strings.Contains(msg, ".go:") || strings.Contains(msg, "Neo4jError") {
			t.Errorf("%s/%s: message leaks internals: %q", tc.Class, tc.Name, msg)
		}
		if n := hits.Load(); n > 0 {
			t.Fatalf("%s/%s reached the listener (%v)", tc.Class, tc.Name, last.Load())
		}
	}
	if after := dbCounts(t, e); after != before {
		t.Fatalf("the graph changed: nodes, relationships, pwned before %v after %v", before, after)
	}
	t.Logf("%d hostile queries refused through GraphQL: %v", len(cases), codes)
}

func TestConsoleLegitGraphQL(t *testing.T) {
	e := setup(t)
	// A timeout for a shared, busy test machine: what is tested is that
	// the plan check accepts them.
	c := client.New(signedIn(graph.NewHandler(graph.Options{Store: e.st, Console: store.ConsoleOptions{Timeout: 60 * time.Second}})))
	for _, q := range consoletest.Legit {
		var r cypherResult
		err := c.Post(cypherQuery, &r, client.Var("q", q),
			client.Var("p", map[string]any{"tenant": e.tenant, "id": "none", "xs": []any{1, 2}}))
		if err != nil {
			t.Errorf("%q refused: %v", q, err)
		}
	}
}

func TestOperationLimits(t *testing.T) {
	e := setup(t)
	c := e.client()
	limited := func(name, q string, want string) {
		t.Helper()
		raw, err := c.RawPost(q)
		if err != nil {
			t.Fatal(err)
		}
		if code := errCode(t, raw); code != "OPERATION_LIMIT_EXCEEDED" || !strings.Contains(errMessage(t, raw), want) {
			t.Errorf("%s: code %q (%s)", name, code, raw.Errors)
		}
	}
	limited("two cypher fields", `{ a: cypher(query: "RETURN 1 AS x") { rowCount } b: cypher(query: "RETURN 2 AS x") { rowCount } }`, "one cypher query")
	limited("cypher through fragments", `query { ...A ... on Query { b: cypher(query: "RETURN 2 AS x") { rowCount } } } fragment A on Query { a: cypher(query: "RETURN 1 AS x") { rowCount } }`, "one cypher query")

	var roots strings.Builder
	roots.WriteString("{")
	for i := 0; i <= graph.DefaultMaxRootFields; i++ {
		fmt.Fprintf(&roots, " t%d: tenants { id }", i)
	}
	roots.WriteString(" }")
	limited("root fields", roots.String(), "root fields")

	var nested strings.Builder
	nested.WriteString("{ tenants { ")
	for i := 0; i <= graph.DefaultMaxAliases; i++ {
		fmt.Fprintf(&nested, " n%d: name", i)
	}
	nested.WriteString(" } }")
	limited("aliases", nested.String(), "alias")

	// Fragments that spread each other twice over, 24 deep: counted once
	// each, not 2^24 times.
	var frags strings.Builder
	frags.WriteString("{ tenants { ...F0 } }")
	for i := 0; i < 24; i++ {
		fmt.Fprintf(&frags, " fragment F%d on Tenant { a%d: id ...F%d ...F%d }", i, i, i+1, i+1)
	}
	frags.WriteString(" fragment F24 on Tenant { name }")
	limited("fragments spread 2^24 times", frags.String(), "once its fragments are spread")

	// The overview's request: one list total per kind, aliased, in one
	// operation.
	var kinds strings.Builder
	kinds.WriteString("query($t: String) {")
	for _, f := range []string{"users", "roles", "permissions", "organizations", "clients", "clientGrants", "grants", "resourceServers", "connections", "customDomains", "logStreams", "actions"} {
		fmt.Fprintf(&kinds, " k_%s: %s(tenant: $t, first: 0) { totalCount }", f, f)
	}
	kinds.WriteString(" }")
	raw, err := c.RawPost(kinds.String(), client.Var("t", e.tenant))
	if err != nil || len(raw.Errors) > 0 {
		t.Errorf("overview counts refused: %v %s", err, raw.Errors)
	}
}

// Slow console queries hold at most --console-concurrency slots; one more
// waits briefly and is told UNAVAILABLE, and the rest of the API keeps
// answering while the slow ones run.
func TestSlowConsoleDoesNotStallTheAPI(t *testing.T) {
	e := setup(t)
	const slots = 2
	h := signedIn(graph.NewHandler(graph.Options{Store: e.st, Console: store.ConsoleOptions{
		Timeout: 15 * time.Second, MaxConcurrent: slots, QueueWait: 200 * time.Millisecond,
	}}))
	c := client.New(h)
	marker := fmt.Sprintf("stall-%d", time.Now().UnixNano())
	slow := "// " + marker + "\nMATCH (a), (b), (c), (d) WHERE a.name <> b.name AND b.name <> c.name AND c.name <> d.name RETURN count(*)"

	var slowDone atomic.Int64
	var wg sync.WaitGroup
	slowCodes := make([]string, slots)
	for i := 0; i < slots; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			defer slowDone.Add(1)
			raw, err := c.RawPost(cypherQuery, client.Var("q", slow))
			if err != nil {
				slowCodes[i] = err.Error()
				return
			}
			slowCodes[i] = errCode(t, raw)
		}(i)
	}
	// Wait until Neo4j runs both (no sleeping on a guess).
	deadline := time.Now().Add(6 * time.Second)
	for running := 0; running < slots; {
		if time.Now().After(deadline) {
			t.Fatalf("the slow queries did not start: %d running", running)
		}
		res, err := neo4j.ExecuteQuery(context.Background(), e.driver,
			"SHOW TRANSACTIONS YIELD currentQuery WHERE currentQuery CONTAINS $m AND NOT currentQuery STARTS WITH 'EXPLAIN' AND NOT currentQuery CONTAINS 'SHOW' RETURN count(*) AS n",
			map[string]any{"m": marker}, neo4j.EagerResultTransformer)
		if err != nil {
			t.Fatal(err)
		}
		running = int(res.Records[0].Values[0].(int64))
	}

	// One more console query: the slots are taken.
	raw, err := c.RawPost(cypherQuery, client.Var("q", "RETURN 1 AS one"))
	if err != nil {
		t.Fatal(err)
	}
	if code := errCode(t, raw); code != "UNAVAILABLE" || !strings.Contains(errMessage(t, raw), "busy") {
		t.Errorf("a console query beyond the limit: code %q %q", code, errMessage(t, raw))
	}

	// The rest of the API answers, before the slow queries end.
	ordinary := []struct {
		q    string
		opts []client.Option
	}{
		{`{ tenants { id name } }`, nil},
		{`query($t: String) { users(tenant: $t, first: 5) { totalCount nodes { id email roles { name } } } }`, []client.Option{client.Var("t", e.tenant)}},
		{`query($t: String) { search(text: "admin", tenant: $t, first: 5) { score asset { id } } }`, []client.Option{client.Var("t", e.tenant)}},
		{`query($t: String) { roles(tenant: $t, first: 3) { nodes { id permissions { value } } } }`, []client.Option{client.Var("t", e.tenant)}},
	}
	for _, o := range ordinary {
		start := time.Now()
		raw, err := c.RawPost(o.q, o.opts...)
		t.Logf("answered in %s while %d slow console queries ran: %.60s", time.Since(start).Round(time.Millisecond), slots-int(slowDone.Load()), o.q)
		if err != nil || len(raw.Errors) > 0 {
			t.Errorf("%s: %v %s", o.q, err, raw.Errors)
		}
		if n := slowDone.Load(); n > 0 {
			t.Errorf("%s answered only after %d slow console queries ended", o.q, n)
		}
	}
	wg.Wait()
	for i, code := range slowCodes {
		if code != "INVALID" {
			t.Errorf("slow query %d: %q, want INVALID (stopped by its timeout)", i, code)
		}
	}
}

// A read of the API stops at its statement timeout with a clear error.
func TestRequestDeadline(t *testing.T) {
	e := setup(t)
	h := signedIn(graph.NewHandler(graph.Options{Store: e.st, RequestTimeout: time.Second,
		Console: store.ConsoleOptions{Timeout: 30 * time.Second}}))
	start := time.Now()
	raw, err := client.New(h).RawPost(cypherQuery, client.Var("q", "UNWIND range(1, 2000000000) AS i WITH i WHERE i % 7 = 8 RETURN count(*) AS n"))
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if code := errCode(t, raw); code != "INVALID" || !strings.Contains(errMessage(t, raw), "longer than") {
		t.Errorf("code %q %q", code, errMessage(t, raw))
	}
	t.Logf("a 30s console query under a 1s request deadline stopped after %s", took.Round(time.Millisecond))
}
