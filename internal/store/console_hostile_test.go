package store

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j/dbtype"

	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/internal/consoletest"
	"github.com/authgraph/authgraph/internal/neo4jtest"
)

// listener is an HTTP server on 127.0.0.1 that counts what reaches it.
func listener(t *testing.T) (*httptest.Server, *atomic.Int64, *atomic.Value) {
	t.Helper()
	var hits atomic.Int64
	var last atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		last.Store(r.URL.Path)
		_, _ = w.Write([]byte("name,value\npwned,1\n"))
	}))
	t.Cleanup(srv.Close)
	return srv, &hits, &last
}

func graphCounts(t *testing.T, d neo4j.DriverWithContext) [3]int64 {
	t.Helper()
	var out [3]int64
	for i, q := range []string{"MATCH (n) RETURN count(n)", "MATCH ()-[r]->() RETURN count(r)",
		"MATCH (n) WHERE n.pwned IS NOT NULL OR n:Pwned RETURN count(n)"} {
		res, err := neo4j.ExecuteQuery(context.Background(), d, q, nil, neo4j.EagerResultTransformer)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = res.Records[0].Values[0].(int64)
	}
	return out
}

// Every hostile query is refused by Console (word guard, then plan), and by
// the plan check alone (runConsole): each layer stops all of them. The
// graph is unchanged and the listener hears nothing.
func TestConsoleHostile(t *testing.T) {
	d := neo4jtest.Driver(t)
	s := FromDriver(d)
	ctx := context.Background()
	tenant := neo4jtest.Tenant(t)
	// A little data, so the MATCHes have rows to write to.
	if _, err := s.write(ctx, "UNWIND range(1, 3) AS i CREATE (:Auth0User:Asset {tenant: $t, id: $t + '/user/' + i, name: 'u' + i})-[:HAS_ROLE]->(:Auth0Role:Asset {tenant: $t, id: $t + '/role/' + i, name: 'r' + i})", map[string]any{"t": tenant}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = neo4jtest.DeleteTenant(context.Background(), d, tenant) })

	srv, hits, last := listener(t)
	// Does this Neo4j itself fetch URLs for LOAD CSV? Then only the console
	// stands between a query and the listener.
	if _, err := neo4j.ExecuteQuery(ctx, d, "LOAD CSV FROM $u AS r RETURN count(r)", map[string]any{"u": srv.URL + "/control"}, neo4j.EagerResultTransformer); err == nil && hits.Load() > 0 {
		t.Logf("control: this Neo4j fetches LOAD CSV URLs itself; only the console's checks stop the cases below")
	} else {
		t.Logf("control: this Neo4j refuses LOAD CSV to 127.0.0.1 itself (%v)", err)
	}
	hits.Store(0)

	seedInternal(t, s)
	cases := consoletest.Hostile(srv.URL)
	if len(cases) < 40 {
		t.Fatalf("only %d hostile cases", len(cases))
	}
	before := graphCounts(t, d)
	byClass := map[string]int{}
	var guardMissed []string
	for _, c := range cases {
		byClass[c.Class]++
		if CheckConsoleQuery(c.Query) == nil {
			guardMissed = append(guardMissed, c.Class+"/"+c.Name)
		}
		for _, layer := range []struct {
			name string
			run  func() error
		}{
			{"console", func() error { _, err := s.Console(ctx, c.Query, c.Params, ConsoleOptions{}); return err }},
			{"plan check alone", func() error { _, err := s.runConsole(ctx, c.Query, c.Params, ConsoleOptions{}); return err }},
		} {
			err := layer.run()
			if layer.name != "console" {
				t.Logf("plan check alone: %s/%s: %s: %.160v", c.Class, c.Name, apperr.KindOf(err), err)
			}
			if k := apperr.KindOf(err); err == nil || k != apperr.Forbidden && k != apperr.Invalid {
				t.Errorf("%s/%s (%s): %q: got %v (%s), want refused", c.Class, c.Name, layer.name, c.Query, err, apperr.KindOf(err))
				continue
			}
			if msg := err.Error(); msg == "" || strings.Contains(msg, ".go:") || strings.Contains(msg, consoletest.Marker) {
				t.Errorf("%s/%s (%s): unclear message %q", c.Class, c.Name, layer.name, msg)
			}
			if c.Class == "internal" && apperr.KindOf(err) != apperr.Forbidden {
				t.Errorf("%s/%s (%s): got %v, want Forbidden", c.Class, c.Name, layer.name, err)
			}
		}
		if n := hits.Load(); n > 0 {
			t.Fatalf("%s/%s reached the listener (%s)", c.Class, c.Name, last.Load())
		}
	}
	if after := graphCounts(t, d); after != before {
		t.Errorf("the graph changed: nodes, relationships, pwned before %v after %v", before, after)
	}
	t.Logf("%d hostile queries refused by both layers; by class %v; the word guard alone lets %d through to the plan check %v", len(cases), byClass, len(guardMissed), guardMissed)
}

// The console's documented and everyday queries still run, through both
// layers.
func TestConsoleLegit(t *testing.T) {
	s := FromDriver(neo4jtest.Driver(t))
	ctx := context.Background()
	params := map[string]any{"tenant": nil, "id": "none", "xs": []any{1, 2}}
	for _, q := range consoletest.Legit {
		if _, err := s.Console(ctx, q, params, ConsoleOptions{}); err != nil {
			t.Errorf("%q refused: %v", q, err)
		}
	}
}

// The driver's Plan.Children() repeats the last child (see readPlan); the
// plan read here holds every branch.
func TestReadPlanSeesEveryBranch(t *testing.T) {
	d := neo4jtest.Driver(t)
	ctx := context.Background()
	sess := d.NewSession(ctx, neo4j.SessionConfig{AccessMode: neo4j.AccessModeRead})
	defer sess.Close(ctx)
	res, err := sess.Run(ctx, "EXPLAIN MATCH (n:Auth0User) RETURN n.name AS x UNION ALL UNWIND [1] AS i RETURN i AS x", nil)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := res.Consume(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := driverPlan(sum.Plan()); !ok {
		t.Fatal("the driver's plan has changed shape: readPlan falls back to Plan.Children()")
	}
	text := describePlan(readPlan(sum.Plan()))
	if !strings.Contains(text, "NodeByLabelScan") || !strings.Contains(text, "Unwind") {
		t.Errorf("a branch is missing:\n%s", text)
	}
}

func TestCypherWhitespaceAndEscapes(t *testing.T) {
	for _, r := range consoletest.CypherWhitespace {
		if !isCypherSpace(r) {
			t.Errorf("U+%04X is Cypher whitespace", r)
		}
	}
	for _, r := range []rune{0x85, 0x200B, 0xFEFF, 'a', '_'} {
		if isCypherSpace(r) {
			t.Errorf("U+%04X is not Cypher whitespace", r)
		}
	}
	for in, want := range map[string]string{
		`\u004cOAD`:       "LOAD",
		`'x\u0027`:        "'x'",
		`"\\u0041"`:       `"\\u0041"`,
		`"\\\u0041"`:      `"\\A"`,
		`\u00`:            `\u00`,
		`\u004g`:          `\u004g`,
		`a\u000ab`:        "a\nb",
		`\u005c\u0041`:    `\A`,
		`no escapes`:      `no escapes`,
		`\u0053HOW\u001c`: "SHOW\x1c",
	} {
		if got := decodeUnicodeEscapes(in); got != want {
			t.Errorf("decode(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNamespacedCalls(t *testing.T) {
	for in, want := range map[string]string{
		"datetime.truncate($autostring_0, cache[n.x]) AS `apoc.x(1)`": "datetime.truncate",
		"apoc.text.join($l, 'a.b(') AS x":                             "apoc.text.join",
		"n.name = $p AND point.distance (a, b) > 1":                   "point.distance",
		"toUpper(n.name) AS `x`, getDegree((a)-->())":                 "",
		"vector.similarity.cosine(a, b)":                              "vector.similarity.cosine",
	} {
		if got := strings.Join(namespacedCalls(in), ","); got != want {
			t.Errorf("namespacedCalls(%q) = %q, want %q", in, got, want)
		}
	}
	for name, ok := range map[string]bool{
		"datetime.truncate": true, "point.distance": true, "vector.similarity.cosine": true, "date.realtime": true,
		"apoc.text.join": false, "graph.byName": false, "vector.foo.bar": false, "datetime.x.y": false, "gds.pageRank": false,
	} {
		if allowedFunction(name) != ok {
			t.Errorf("allowedFunction(%s) != %v", name, ok)
		}
	}
}

// Statements beyond the limit wait briefly, then are refused as
// Unavailable; a freed slot is taken again.
func TestConsoleLimiter(t *testing.T) {
	l := NewConsoleLimiter(ConsoleOptions{MaxConcurrent: 1, QueueWait: 20 * time.Millisecond})
	ctx := context.Background()
	release, err := l.acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.acquire(ctx); apperr.KindOf(err) != apperr.Unavailable || !strings.Contains(err.Error(), "busy") {
		t.Errorf("second statement: %v", err)
	}
	release()
	release, err = l.acquire(ctx)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	release()
}

// Every API read stops at the store's statement timeout, with a clear
// Unavailable error.
func TestReadTimeout(t *testing.T) {
	s := FromDriver(neo4jtest.Driver(t))
	s.SetReadTimeout(500 * time.Millisecond)
	ctx := context.Background()
	const slow = "UNWIND range(1, 2000000000) AS i WITH i WHERE i % 7 = 8 RETURN count(*) AS n"
	for name, read := range map[string]func() error{
		"auto-commit read": func() error { _, err := s.query(ctx, slow, nil); return err },
		"managed read":     func() error { _, err := s.readRows(ctx, slow, nil); return err },
	} {
		start := time.Now()
		err := read()
		if apperr.KindOf(err) != apperr.Unavailable || !strings.Contains(err.Error(), "time limit") {
			t.Errorf("%s: %v", name, err)
		}
		t.Logf("%s stopped after %s (timeout 500ms)", name, time.Since(start).Round(time.Millisecond))
	}
	// A caller's earlier deadline wins, and Neo4j is told so.
	dctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	s.SetReadTimeout(time.Minute)
	if _, err := s.query(dctx, slow, nil); apperr.KindOf(err) != apperr.Unavailable {
		t.Errorf("under a deadline: %v", err)
	}
}

// A single row larger than the byte cap is counted only up to the cap and
// left out.
func TestConsoleByteCapWhileStreaming(t *testing.T) {
	s := FromDriver(neo4jtest.Driver(t))
	res, err := s.Console(context.Background(), "UNWIND range(1, 3) AS i RETURN i, [x IN range(1, 200000) | 'abcdefgh'] AS big", nil, ConsoleOptions{MaxBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Truncated || len(res.Rows) != 0 || !strings.Contains(res.TruncatedReason, "bytes") {
		t.Errorf("rows %d truncated %v %q", len(res.Rows), res.Truncated, res.TruncatedReason)
	}
	big := make([]any, 1_000_000)
	for i := range big {
		big[i] = "abcdefgh"
	}
	if n := rowSize([]any{big}, 1000); n > 1100 {
		t.Errorf("rowSize counted %d bytes past a budget of 1000", n)
	}
}

// seedInternal creates one of each of authgraph's own records, carrying
// consoletest.Marker, through the store's functions, and removes them at
// the end of the test.
func seedInternal(t *testing.T, s *Store) {
	t.Helper()
	ctx := context.Background()
	id := strings.ReplaceAll(neo4jtest.Tenant(t), "/", "-")
	m := consoletest.Marker
	now := time.Now()
	steps := []error{
		s.CreateToken(ctx, Token{ID: id, Name: m, Role: "admin", Hash: m + "-hash", Created: now}),
		s.CreateSession(ctx, Session{Hash: m + "-" + id, Subject: "oidc:" + m, Name: m, Role: "admin", Created: now, Expires: now.Add(time.Hour), From: m}),
		s.Audit(ctx, AuditEntry{ID: id, At: now, Actor: m, Name: m, Role: "admin", Action: "token.create", Target: m, From: m, Outcome: "ok"}),
		s.AddConnectedTenant(ctx, ConnectedTenant{Name: id, Domain: m + ".example.com", ClientID: m, SecretSealed: m + "-sealed", Interval: time.Hour}),
		s.AddChannel(ctx, Channel{Name: id, Type: "webhook", URLSealed: m + "-url", URLHost: m + ".example.com", MinSeverity: "none"}),
		s.RecordDelivery(ctx, Delivery{Channel: id, At: now, Event: "test", Status: "failed", Attempts: 1, Error: m}),
		s.SetCheckpoint(ctx, Checkpoint{Tenant: id, LogID: m, Since: now}),
	}
	t.Cleanup(func() {
		ctx := context.Background()
		_ = s.RevokeToken(ctx, id, now)
		_, _ = s.write(ctx, "MATCH (n) WHERE (n:"+TokenLabel+" AND n.id = $id) OR (n:"+SessionLabel+" AND n.name = $m) OR (n:"+AuditLabel+" AND n.id = $id) OR (n:"+ConnectedTenantLabel+" AND n.name = $id) OR (n:"+CheckpointLabel+" AND n.tenant = $id) DETACH DELETE n", map[string]any{"id": id, "m": m})
		_ = s.RemoveChannel(ctx, id)
	})
	for _, err := range steps {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// The internal records are there (a direct read finds each label), and
// no relationship joins one to a node of another kind or has a type off
// InternalRelTypes: that is what lets the console allow untyped expands
// from assets.
func TestInternalRecordsStayApart(t *testing.T) {
	d := neo4jtest.Driver(t)
	s := FromDriver(d)
	ctx := context.Background()
	seedInternal(t, s)
	res, err := neo4j.ExecuteQuery(ctx, d, "MATCH (n) WHERE any(l IN labels(n) WHERE l IN $labels) RETURN collect(DISTINCT labels(n)[0]) AS ls", map[string]any{"labels": InternalLabels}, neo4j.EagerResultTransformer)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Records[0].Values[0].([]any); len(got) != len(InternalLabels) {
		t.Fatalf("internal records present: %v, want one of each of %v", got, InternalLabels)
	}
	res, err = neo4j.ExecuteQuery(ctx, d, `MATCH (a)-[r]-(b) WHERE any(l IN labels(a) WHERE l IN $labels)
RETURN DISTINCT type(r) AS t, any(l IN labels(b) WHERE l IN $labels) AS internal`, map[string]any{"labels": InternalLabels}, neo4j.EagerResultTransformer)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Records {
		typ, _ := r.Values[0].(string)
		if !isInternalRelType(typ) || r.Values[1] != true {
			t.Errorf("an internal record has a %s relationship to an internal=%v node: list it in InternalRelTypes and keep internal nodes apart from assets", typ, r.Values[1])
		}
	}
}

// The layer below the plan: a row holding an internal node or relationship,
// however nested, fails.
func TestRefuseInternal(t *testing.T) {
	audit := dbtype.Node{ElementId: "4:x:1", Labels: []string{AuditLabel}, Props: map[string]any{"actor": "x"}}
	user := dbtype.Node{ElementId: "4:x:2", Labels: []string{"Auth0User", "Asset"}}
	delivered := dbtype.Relationship{ElementId: "5:x:1", Type: DeliveredRel}
	role := dbtype.Relationship{ElementId: "5:x:2", Type: "HAS_ROLE"}
	for _, tc := range []struct {
		name string
		vals []any
		bad  bool
	}{
		{"asset node", []any{user, role, "AuthgraphAudit"}, false},
		{"internal node", []any{audit}, true},
		{"in a list", []any{[]any{user, audit}}, true},
		{"in a map", []any{map[string]any{"a": map[string]any{"b": audit}}}, true},
		{"in a path", []any{dbtype.Path{Nodes: []dbtype.Node{user, audit}}}, true},
		{"internal relationship", []any{delivered}, true},
		{"each internal label", []any{dbtype.Node{Labels: []string{"Asset", ChannelLabel}}}, true},
	} {
		err := refuseInternal(tc.vals)
		if tc.bad != (err != nil) || err != nil && apperr.KindOf(err) != apperr.Forbidden {
			t.Errorf("%s: got %v, want refused=%v (Forbidden)", tc.name, err, tc.bad)
		}
	}
	for _, l := range InternalLabels {
		if refuseInternal([]any{dbtype.Node{Labels: []string{l}}}) == nil {
			t.Errorf("a %s node passes", l)
		}
	}
}

// A scan that names no label passes only under a Filter right above it
// that keeps one label of its variable, with no OR around it.
func TestAnchoredByFilter(t *testing.T) {
	all := planOp{Operator: "AllNodesScan", Details: "n"}
	seek := planOp{Operator: "NodeByElementIdSeek", Details: "n WHERE elementId(n) = $id"}
	rels := planOp{Operator: "DirectedAllRelationshipsScan", Details: "(u)-[anon_0]->(x)"}
	filter := func(d string) planOp { return planOp{Operator: "Filter", Details: d} }
	for _, tc := range []struct {
		op, parent planOp
		want       bool
	}{
		{seek, filter("n:Asset"), true},
		{all, filter("n:Auth0User AND n.name = $p"), true},
		{rels, filter("u:Auth0User"), true},
		{rels, filter("x.name = $p AND x:Auth0Role"), true},
		{seek, filter("n:Asset OR n.action IS NOT NULL"), false},
		{seek, filter("n.x = 1 AND (n:Asset OR true)"), false},
		{seek, filter("NOT n:Asset"), false},
		{seek, filter("m:Asset"), false},
		{seek, filter("n:!Asset"), false},
		{seek, filter("n:%"), false},
		{all, filter("n.a = 1 OR n.b = 2 AND n:Asset"), false},
		{all, planOp{Operator: "Projection", Details: "n:Asset"}, false},
		{rels, filter("anon_1:Asset"), false},
	} {
		if got := anchoredByFilter(tc.op, tc.parent); got != tc.want {
			t.Errorf("%s %q under %s %q: anchored %v, want %v", tc.op.Operator, tc.op.Details, tc.parent.Operator, tc.parent.Details, got, tc.want)
		}
	}
}

// Rules go through the same plan check: none reads an internal record.
func TestRuleQueriesCannotReadInternal(t *testing.T) {
	s := FromDriver(neo4jtest.Driver(t))
	ctx := context.Background()
	seedInternal(t, s)
	tenant := neo4jtest.Tenant(t)
	for _, c := range consoletest.Internal() {
		if c.Params != nil {
			continue // rules get $tenant only
		}
		q := "WITH $tenant AS tenant " + c.Query
		_, err := s.RunRuleQuery(ctx, q, tenant, 10*time.Second)
		if err == nil || apperr.KindOf(err) != apperr.Forbidden {
			t.Errorf("rule %s: %q: got %v, want Forbidden", c.Name, q, err)
		} else if strings.Contains(err.Error(), consoletest.Marker) {
			t.Errorf("rule %s: message holds an internal value: %v", c.Name, err)
		}
	}
}
