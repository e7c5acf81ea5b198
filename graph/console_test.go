package graph_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/client"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

const cypherQuery = `query($q: String!, $p: Map) { cypher(query: $q, params: $p) {
	columns rows rowCount truncated truncatedReason elapsedMs
	graph { nodes { id elementId labels kind } edges { id type source target } } } }`

type cypherResult struct {
	Cypher struct {
		Columns         []string
		Rows            [][]any
		RowCount        int
		Truncated       bool
		TruncatedReason *string
		ElapsedMs       int
		Graph           struct {
			Nodes []struct {
				ID, ElementID string
				Labels        []string
				Kind          *string
			}
			Edges []struct{ ID, Type, Source, Target string }
		}
	}
}

// dbCounts returns the total node and relationship counts, and how many
// nodes carry the property the write attempts set.
func dbCounts(t *testing.T, e *testEnv) [3]int64 {
	t.Helper()
	ctx := context.Background()
	var out [3]int64
	for i, q := range []string{
		"MATCH (n) RETURN count(n)", "MATCH ()-[r]->() RETURN count(r)", "MATCH (n) WHERE n.pwned IS NOT NULL RETURN count(n)",
	} {
		res, err := neo4j.ExecuteQuery(ctx, e.driver, q, nil, neo4j.EagerResultTransformer)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = res.Records[0].Values[0].(int64)
	}
	return out
}

func TestConsoleRejectsWritesAndAdmin(t *testing.T) {
	e := setup(t)
	c := e.client()
	cases := []struct{ name, query, code, says string }{
		{"create", "CREATE (n:Pwn {pwned: true}) RETURN n", "FORBIDDEN", "read-only"},
		{"merge", "MERGE (n:Pwn {pwned: true}) RETURN n", "FORBIDDEN", "read-only"},
		{"set", "MATCH (n:Auth0User) SET n.pwned = true RETURN count(n)", "FORBIDDEN", "read-only"},
		{"set lower case", "match (n:Auth0User) set n.pwned = true return count(n)", "FORBIDDEN", "read-only"},
		{"remove", "MATCH (n:Auth0User) REMOVE n.email RETURN count(n)", "FORBIDDEN", "read-only"},
		{"delete", "MATCH (n:Auth0Role) WITH n LIMIT 1 DELETE n", "FORBIDDEN", "read-only"},
		{"detach delete", "MATCH (n:Auth0Role) DETACH DELETE n", "FORBIDDEN", "read-only"},
		{"foreach create", "FOREACH (i IN range(1, 3) | CREATE (:Pwn {pwned: true}))", "FORBIDDEN", "read-only"},
		{"call subquery write", "MATCH (u:Auth0User) CALL (u) { SET u.pwned = true } RETURN count(*)", "FORBIDDEN", "read-only"},
		{"call subquery create", "CALL { CREATE (p:Pwn {pwned: true}) RETURN p } RETURN p", "FORBIDDEN", "read-only"},
		{"load csv http", "LOAD CSV FROM 'http://127.0.0.1:9/x.csv' AS row RETURN row", "FORBIDDEN", "LOAD CSV"},
		{"load csv file", "LOAD CSV WITH HEADERS FROM 'file:///etc/passwd' AS row RETURN row", "FORBIDDEN", "LOAD CSV"},
		{"load csv lower case", "load csv from 'file:///x' as row return row", "FORBIDDEN", "LOAD CSV"},
		{"apoc", "CALL apoc.create.node(['Pwn'], {pwned: true})", "FORBIDDEN", "apoc.create.node"},
		{"apoc after block comment", "CALL /* x */ apoc.periodic.iterate('MATCH (n) RETURN n', 'SET n.pwned = true', {})", "FORBIDDEN", "apoc.periodic.iterate"},
		{"dbms after line comment", "CALL // x\n dbms.killQueries(['q-1'])", "FORBIDDEN", "dbms.killqueries"},
		{"dbms security", "CALL dbms.security.createUser('pwn', 'pwn', false)", "FORBIDDEN", "dbms.security.createuser"},
		{"quoted procedure", "CALL `dbms`.`listConfig`()", "FORBIDDEN", "dbms.listConfig"},
		{"procedure in a subquery", "CALL { CALL db.createLabel('Pwn') } RETURN 1", "FORBIDDEN", "db.createlabel"},
		{"create user", "CREATE USER pwn SET PASSWORD 'secret-pwn'", "FORBIDDEN", "administration"},
		{"drop database", "DROP DATABASE neo4j", "FORBIDDEN", "administration"},
		{"show users", "SHOW USERS", "FORBIDDEN", "administration"},
		{"grant", "GRANT ROLE admin TO pwn", "FORBIDDEN", "administration"},
		{"stop database", "STOP DATABASE neo4j", "FORBIDDEN", "administration"},
		{"terminate", "TERMINATE TRANSACTIONS 'neo4j-transaction-1'", "FORBIDDEN", "administration"},
		{"use system", "USE system SHOW USERS", "FORBIDDEN", "USE"},
		{"use system match", "USE system MATCH (n) RETURN n", "FORBIDDEN", "USE"},
		{"in transactions", "MATCH (n:Auth0Role) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10 ROWS", "FORBIDDEN", "read-only"},
		{"in transactions read", "UNWIND range(1, 3) AS i CALL (i) { RETURN i * 2 AS j } IN TRANSACTIONS RETURN j", "FORBIDDEN", "IN TRANSACTIONS"},
		{"in concurrent transactions", "UNWIND range(1, 3) AS i CALL (i) { RETURN i AS j } IN 2 CONCURRENT TRANSACTIONS RETURN j", "FORBIDDEN", "IN TRANSACTIONS"},
		{"two statements", "MATCH (n) RETURN count(n); CREATE (:Pwn {pwned: true})", "FORBIDDEN", "one statement"},
		{"profile", "PROFILE MATCH (n) RETURN count(n)", "INVALID", "PROFILE"},
		{"syntax error", "MATCH (n RETURN n", "INVALID", "Invalid input"},
		{"unterminated comment", "MATCH (n) RETURN n /* CREATE", "INVALID", "unterminated"},
	}
	before := dbCounts(t, e)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			raw, err := c.RawPost(cypherQuery, client.Var("q", tc.query))
			if err != nil {
				t.Fatal(err)
			}
			code, msg := errCode(t, raw), errMessage(t, raw)
			if code != tc.code || !strings.Contains(strings.ToLower(msg), strings.ToLower(tc.says)) {
				t.Errorf("%s\n got code %q message %q, want %s saying %q", tc.query, code, msg, tc.code, tc.says)
			}
			if strings.Contains(msg, "goroutine") || strings.Contains(msg, ".go:") || strings.Contains(msg, "Neo4jError") {
				t.Errorf("message leaks internals: %q", msg)
			}
			if after := dbCounts(t, e); after != before {
				t.Fatalf("the graph changed: nodes, relationships, pwned before %v after %v", before, after)
			}
		})
	}
}

func TestConsoleReads(t *testing.T) {
	e := setup(t)
	c := e.client()
	var r cypherResult
	post(t, c, cypherQuery, &r, client.Var("q", "MATCH (u:Auth0User) WHERE u.tenant = $t RETURN count(u) AS users"),
		client.Var("p", map[string]any{"t": e.tenant}))
	if len(r.Cypher.Rows) != 1 || r.Cypher.Columns[0] != "users" || r.Cypher.Rows[0][0] != float64(testUsers) {
		t.Errorf("count: %+v", r.Cypher)
	}

	// Strings and comments that look like writes are not writes; a LIMIT
	// from a JSON number parameter works.
	post(t, c, cypherQuery, &r, client.Var("q", "MATCH (u:Auth0User) // CREATE (x)\nWHERE u.tenant = $t /* DELETE u */ RETURN 'CREATE (n)' AS s, u LIMIT $n"),
		client.Var("p", map[string]any{"t": e.tenant, "n": 3}))
	if r.Cypher.RowCount != 3 || len(r.Cypher.Graph.Nodes) != 3 || r.Cypher.Graph.Nodes[0].Kind == nil || *r.Cypher.Graph.Nodes[0].Kind != "User" {
		t.Errorf("rows with nodes: %+v", r.Cypher)
	}

	// Relationships come with their ends, so the graph has no loose edge.
	post(t, c, cypherQuery, &r, client.Var("q", "MATCH (:Auth0User {tenant: $t})-[r:HAS_ROLE]->() RETURN r LIMIT 5"),
		client.Var("p", map[string]any{"t": e.tenant}))
	nodes := map[string]bool{}
	for _, n := range r.Cypher.Graph.Nodes {
		nodes[n.ID] = true
	}
	if len(r.Cypher.Graph.Edges) != 5 {
		t.Errorf("edges: %+v", r.Cypher.Graph)
	}
	for _, ed := range r.Cypher.Graph.Edges {
		if !nodes[ed.Source] || !nodes[ed.Target] || ed.Type != "HAS_ROLE" {
			t.Errorf("loose edge %+v", ed)
		}
	}

	// Allowed procedures.
	for _, q := range []string{
		"CALL db.labels() YIELD label RETURN label",
		"CALL db.relationshipTypes()",
		"call db.propertyKeys() yield propertyKey return propertyKey",
		"CALL db.schema.visualization()",
		"CALL db.index.fulltext.queryNodes('asset_search', 'admin') YIELD node, score RETURN node.id, score LIMIT 3",
	} {
		if err := c.Post(cypherQuery, &r, client.Var("q", q)); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
}

func TestConsoleCaps(t *testing.T) {
	e := setup(t)
	c := e.client()
	var r cypherResult
	post(t, c, cypherQuery, &r, client.Var("q", "UNWIND range(1, 100000) AS i RETURN i"))
	if r.Cypher.RowCount != cypherMaxRows || !r.Cypher.Truncated || r.Cypher.TruncatedReason == nil || !strings.Contains(*r.Cypher.TruncatedReason, "rows") {
		t.Errorf("row cap: %d rows, truncated %v (%v)", r.Cypher.RowCount, r.Cypher.Truncated, r.Cypher.TruncatedReason)
	}
	pad := strings.Repeat("x", 20000)
	post(t, c, cypherQuery, &r, client.Var("q", "UNWIND range(1, 400) AS i RETURN i, $pad AS pad"), client.Var("p", map[string]any{"pad": pad}))
	if !r.Cypher.Truncated || r.Cypher.RowCount >= 400 || r.Cypher.TruncatedReason == nil || !strings.Contains(*r.Cypher.TruncatedReason, "bytes") {
		t.Errorf("byte cap: %d rows, truncated %v (%v)", r.Cypher.RowCount, r.Cypher.Truncated, r.Cypher.TruncatedReason)
	}
	post(t, c, cypherQuery, &r, client.Var("q", "UNWIND range(1, 10) AS i RETURN i"))
	if r.Cypher.Truncated || r.Cypher.RowCount != 10 {
		t.Errorf("small result flagged: %+v", r.Cypher)
	}
}

// A cartesian product over the whole graph is stopped near the timeout and
// the server answers the next request.
func TestConsoleTimeout(t *testing.T) {
	e := setup(t)
	c := e.client()
	n := dbCounts(t, e)[0]
	if n < 300 {
		t.Fatalf("only %d nodes: the cartesian product would not be slow", n)
	}
	start := time.Now()
	raw, err := c.RawPost(cypherQuery, client.Var("q", "MATCH (a:Asset), (b:Asset), (c:Asset), (d:Asset) WHERE a.name <> b.name AND b.name <> c.name AND c.name <> d.name RETURN count(*)"))
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	code, msg := errCode(t, raw), errMessage(t, raw)
	if code != "INVALID" || !strings.Contains(msg, "longer than") {
		t.Errorf("cartesian product: code %q message %q", code, msg)
	}
	if took > cypherTimeout+3*time.Second || took < cypherTimeout/2 {
		t.Errorf("stopped after %s; timeout %s", took, cypherTimeout)
	}
	t.Logf("%d⁴ rows stopped after %s (timeout %s): %s", n, took.Round(time.Millisecond), cypherTimeout, msg)

	var r cypherResult
	post(t, c, cypherQuery, &r, client.Var("q", "RETURN 1 AS one"))
	var tn struct{ Tenants []struct{ ID string } }
	post(t, c, `{ tenants { id } }`, &tn)
	if r.Cypher.RowCount != 1 || len(tn.Tenants) == 0 {
		t.Errorf("server not answering after the timeout: %+v %+v", r, tn)
	}
}
