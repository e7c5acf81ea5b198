package sqlgraph_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/internal/sqlgraph"
	"github.com/authgraph/authgraph/internal/store"
)

// cypher runs a test's own question straight through the driver.
func (e *testEnv) cypher(t *testing.T, q string, params map[string]any) []*neo4j.Record {
	t.Helper()
	res, err := neo4j.ExecuteQuery(context.Background(), e.driver, q, params, neo4j.EagerResultTransformer,
		neo4j.ExecuteQueryWithReadersRouting())
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return res.Records
}

func (e *testEnv) sql(t *testing.T, q string) *sqlgraph.Result {
	t.Helper()
	r, err := e.g.Query(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return r
}

// TestRowCounts: every table's row count for the tenant equals the graph's.
func TestRowCounts(t *testing.T) {
	e := setup(t)
	p := map[string]any{"t": e.tenant}
	nonEmpty := 0
	for _, tb := range e.g.Tables() {
		r := e.sql(t, fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE tenant = '%s'", tb.Name, e.tenant))
		got := r.Rows[0][0].(int64)
		var want int64
		if tb.Kind != nil {
			want = e.cypher(t, fmt.Sprintf("MATCH (n:%s {tenant: $t}) RETURN count(n)", tb.Kind.Label), p)[0].Values[0].(int64)
		} else {
			want = e.cypher(t, fmt.Sprintf("MATCH (a:%s {tenant: $t})-[:%s]->(:%s) RETURN count(*)", tb.Rel.From.Label, tb.Rel.Type, tb.Rel.To.Label), p)[0].Values[0].(int64)
		}
		if got != want {
			t.Errorf("%s: %d rows, the graph has %d", tb.Name, got, want)
		}
		if want > 0 {
			nonEmpty++
		}
	}
	if nonEmpty < 20 {
		t.Errorf("only %d tables have rows: the snapshot should fill most", nonEmpty)
	}
	// Counting and reading whole rows agree (the scan with every column).
	r := e.sql(t, fmt.Sprintf("SELECT * FROM users WHERE tenant = '%s'", e.tenant))
	if len(r.Rows) != len(e.snap.Users) {
		t.Errorf("users: %d rows, the simulator has %d", len(r.Rows), len(e.snap.Users))
	}
}

// TestTableNames: the names the issue fixes.
func TestTableNames(t *testing.T) {
	e := setup(t)
	have := map[string][]string{}
	for _, tb := range e.g.Tables() {
		for _, c := range tb.Columns {
			have[tb.Name] = append(have[tb.Name], c.Name)
		}
		for _, l := range store.InternalLabels {
			if tb.Kind != nil && tb.Kind.Label == l {
				t.Errorf("table %s exposes internal label %s", tb.Name, l)
			}
		}
		if have[tb.Name][0] != "tenant" {
			t.Errorf("%s: first column %s, want tenant", tb.Name, have[tb.Name][0])
		}
	}
	for _, n := range []string{"users", "roles", "permissions", "organizations", "clients", "client_grants", "grants",
		"resource_servers", "connections", "custom_domains", "log_streams", "actions", "tenant_settings"} {
		if _, ok := have[n]; !ok {
			t.Errorf("no table %s", n)
		}
	}
	for n, cols := range map[string]string{
		"user_roles": "tenant user_id role_id", "organization_members": "tenant organization_id user_id",
		"member_roles": "tenant org_membership_id role_id", "role_permissions": "tenant role_id permission_id",
		"client_grant_permissions": "tenant client_grant_id permission_id", "user_permissions": "tenant user_id permission_id",
		"user_grants": "tenant user_id grant_id",
	} {
		if got := strings.Join(have[n], " "); !strings.HasPrefix(got, cols) {
			t.Errorf("%s: columns %q, want %q first", n, got, cols)
		}
	}
}

func rowsOf(r *sqlgraph.Result) []string {
	var out []string
	for _, row := range r.Rows {
		out = append(out, fmt.Sprint(row...))
	}
	sort.Strings(out)
	return out
}

func recsOf(rs []*neo4j.Record) []string {
	var out []string
	for _, r := range rs {
		out = append(out, fmt.Sprint(r.Values...))
	}
	sort.Strings(out)
	return out
}

func sameRows(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(want) == 0 {
		t.Fatalf("%s: the Cypher question has no answer: the test would prove nothing", what)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s: SQL says\n%s\nCypher says\n%s", what, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestQuestions: a join, an aggregate and a subquery each answer as the same
// question asked in Cypher.
func TestQuestions(t *testing.T) {
	e := setup(t)
	p := map[string]any{"t": e.tenant}
	for _, q := range sqlgraph.Questions(e.tenant) {
		t.Run(q.Name, func(t *testing.T) {
			sameRows(t, q.Name, rowsOf(e.sql(t, q.SQL)), recsOf(e.cypher(t, q.Cypher, p)))
		})
	}
}

func TestPushdown(t *testing.T) {
	e := setup(t)
	email := e.snap.Users[7].Email
	var log store.StatementLog
	ctx := store.WithStatementLog(context.Background(), &log)
	r, err := e.g.Query(ctx, fmt.Sprintf("SELECT id, name FROM users WHERE email = '%s' AND tenant = '%s' LIMIT 5", email, e.tenant))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Rows) != 1 || r.Rows[0][0] != e.snap.Users[7].UserID {
		t.Fatalf("rows %v, want the user %s", r.Rows, e.snap.Users[7].UserID)
	}
	st := log.Statements()
	if len(st) != 1 {
		t.Fatalf("%d statements, want one scan: %v", len(st), st)
	}
	c := st[0].Cypher
	for _, want := range []string{"n.email = $p", "n.tenant = $p", "LIMIT $limit", "n.native_id AS", "n.name AS"} {
		if !strings.Contains(c, want) {
			t.Errorf("scan %q lacks %q", c, want)
		}
	}
	// The projection: the columns selected and those SQL's own filter
	// reads again, nothing else; the tenant, pushed as an equality, is
	// filled in rather than read row by row.
	if strings.Contains(c, "last_login") || strings.Contains(c, "blocked") || strings.Count(c, " AS c") != 3 || strings.Contains(c, "n.tenant AS") {
		t.Errorf("scan %q reads columns the statement does not", c)
	}
	// The same email in other tenants of this server is all an index seek
	// may read besides.
	same := e.cypher(t, "MATCH (u:Auth0User {email: $e}) RETURN count(u)", map[string]any{"e": email})[0].Values[0].(int64)
	ops, err := e.st.ProfileStatement(context.Background(), st[0])
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	seek := false
	for _, op := range ops {
		names = append(names, fmt.Sprintf("%s(rows %d)", op.Operator, op.Rows))
		if strings.Contains(op.Operator, "LabelScan") || strings.Contains(op.Operator, "AllNodesScan") {
			t.Errorf("the scan reads the whole label: %v", names)
		}
		// A seek on the email index, or on a fresh database whose index
		// statistics are not sampled yet, an index seek or scan bounded by
		// the tenant (see docs/sql.md).
		if strings.Contains(op.Operator, "NodeIndex") {
			seek = true
			// On a fresh database the planner's index statistics may still
			// favour the tenant index over the email one (a known gap, see
			// docs/sql.md): then the seek reads the tenant's users, never more.
			tenantUsers := e.cypher(t, "MATCH (u:Auth0User {tenant: $t}) RETURN count(u)", map[string]any{"t": e.tenant})[0].Values[0].(int64)
			if op.Rows > same && op.Rows > tenantUsers {
				t.Errorf("the seek found %d nodes, want at most %d (the email's) or %d (the tenant's): %v", op.Rows, same, tenantUsers, names)
			} else if op.Rows > same {
				t.Logf("the planner read %d nodes through %s, not the email index alone", op.Rows, op.Operator)
			}
		}
	}
	if !seek {
		t.Errorf("no index read in %v", names)
	}
	t.Logf("profile: %s", strings.Join(names, " <- "))

	// Conditions that cannot be said exactly in Cypher stay with SQL.
	log = store.StatementLog{}
	r, err = e.g.Query(ctx, fmt.Sprintf("SELECT COUNT(*) FROM users WHERE lower(email) = '%s' AND tenant = '%s'", strings.ToLower(email), e.tenant))
	if err != nil {
		t.Fatal(err)
	}
	if r.Rows[0][0] != int64(1) {
		t.Errorf("lower(email): %v", r.Rows)
	}
	if c := log.Statements()[0].Cypher; strings.Contains(c, "n.email =") {
		t.Errorf("lower(email) pushed: %s", c)
	}
}

func TestLimits(t *testing.T) {
	e := setup(t)
	g := sqlgraph.New(e.st, store.ConsoleOptions{MaxRows: 10, MaxBytes: 1 << 20})
	r, err := g.Query(context.Background(), "SELECT * FROM users")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Rows) != 10 || !r.Truncated {
		t.Errorf("rows %d truncated %v, want 10 and truncated", len(r.Rows), r.Truncated)
	}
	g = sqlgraph.New(e.st, store.ConsoleOptions{MaxBytes: 2000})
	r, err = g.Query(context.Background(), "SELECT * FROM users")
	if err != nil {
		t.Fatal(err)
	}
	if !r.Truncated || !strings.Contains(r.TruncatedReason, "bytes") {
		t.Errorf("byte cap: truncated %v (%s)", r.Truncated, r.TruncatedReason)
	}
	g = sqlgraph.New(e.st, store.ConsoleOptions{Timeout: 300 * 1e6})
	_, err = g.Query(context.Background(), "SELECT COUNT(*) FROM users a, users b, users c, permissions d")
	if err == nil || !strings.Contains(err.Error(), "limit") {
		t.Errorf("a cross join of four tables: %v, want stopped by the time limit", err)
	}
	if apperr.KindOf(err) != apperr.Invalid {
		t.Errorf("kind %s", apperr.KindOf(err))
	}
}
