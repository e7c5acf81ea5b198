package sqlgraph_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/authgraph/authgraph/ingest"
	"github.com/authgraph/authgraph/internal/auth0sim"
	"github.com/authgraph/authgraph/internal/neo4jtest"
	"github.com/authgraph/authgraph/internal/sqlgraph"
)

// secondTenant syncs the simulator's same tenant (seed 1: the same ids and
// names) into a second tenant for the test, removed when it ends: a join
// that forgot the tenant would match across both.
func secondTenant(t *testing.T, e *testEnv) string {
	t.Helper()
	tenant := neo4jtest.Tenant(t)
	neo4jtest.Cleanup(t, e.driver, tenant)
	sim, err := auth0sim.New(auth0sim.Config{Seed: 1, Users: testUsers})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(sim.Handler())
	defer hs.Close()
	sum, err := ingest.Run(context.Background(), e.st, ingest.Config{
		Credentials: ingest.Credentials{Domain: hs.URL, ClientID: sim.ClientID(), ClientSecret: sim.ClientSecret()},
		Tenant:      tenant, UserPermissionsLimit: -1, ExportPoll: 10 * time.Millisecond,
	})
	if err != nil || sum.Status != "ok" {
		t.Fatalf("sync of the second tenant: %v %+v", err, sum)
	}
	return tenant
}

// TestCountPushdown: every statement of the shape answers exactly as the
// engine's own plan (the rewrite off; same columns, types and rows), and is
// rewritten; every statement outside it is left to the engine.
func TestCountPushdown(t *testing.T) {
	e := setup(t)
	T := "'" + e.tenant + "'"
	T2 := secondTenant(t, e)
	plain := sqlgraph.WithoutCountPushdown(e.g)
	someUser := e.sql(t, `SELECT user_id FROM organization_members WHERE tenant = `+T+` ORDER BY user_id LIMIT 1`).Rows[0][0].(string)
	// Organizations of a size some have and some do not, for HAVING.
	k := e.sql(t, `SELECT COUNT(*) FROM organization_members WHERE tenant = `+T+` GROUP BY organization_id ORDER BY 1 LIMIT 1`).Rows[0][0].(int64)
	om := func(sel, rest string) string {
		return `SELECT ` + sel + ` FROM organizations o JOIN organization_members m ON m.organization_id = o.id AND m.tenant = o.tenant ` + rest
	}
	byName := func(r *sqlgraph.Result) map[string]int64 {
		out := map[string]int64{}
		for _, row := range r.Rows {
			out[fmt.Sprint(row[0])] = row[1].(int64)
		}
		return out
	}
	for _, c := range []struct {
		name, sql string
		rewrite   bool
		ordered   bool // compare in order (ORDER BY), not sorted
		rows      int  // the answer's rows when known; -1: some
		check     func(t *testing.T, r *sqlgraph.Result)
	}{
		{name: "the aggregate question", rewrite: true, rows: -1, sql: sqlgraph.Questions(e.tenant)[1].SQL},
		{name: "COUNT(*)", rewrite: true, rows: -1, sql: om("o.name, COUNT(*)", "WHERE o.tenant = "+T+" GROUP BY o.name")},
		{name: "COUNT(m.user_id) by id", rewrite: true, rows: -1, sql: om("o.id, COUNT(m.user_id)", "WHERE o.tenant = "+T+" GROUP BY o.id")},
		{name: "every row-counting COUNT, by id and name", rewrite: true, rows: -1,
			sql: om("o.id, o.name, COUNT(*), COUNT(m.organization_id), COUNT(m.tenant), COUNT(m.user_id), 7", "WHERE o.tenant = "+T+" GROUP BY o.id, o.name")},
		{name: "grouped by a nullable column", rewrite: true, rows: -1,
			sql: `SELECT c.app_type, COUNT(*) FROM clients c JOIN client_connections g ON g.client_id = c.id AND g.tenant = c.tenant
  WHERE c.tenant = ` + T + ` GROUP BY c.app_type`,
			check: func(t *testing.T, r *sqlgraph.Result) {
				for _, row := range r.Rows {
					if row[0] == nil {
						return
					}
				}
				t.Errorf("no NULL group: %v", r.Rows)
			}},
		{name: "HAVING", rewrite: true, rows: -1, sql: om("o.name, COUNT(*) AS n", fmt.Sprintf("WHERE o.tenant = %s GROUP BY o.name HAVING COUNT(*) > %d", T, k)),
			check: func(t *testing.T, r *sqlgraph.Result) {
				all := len(e.sql(t, om("o.name", "WHERE o.tenant = "+T+" GROUP BY o.name")).Rows)
				if len(r.Rows) == all {
					t.Errorf("HAVING kept every group (%d): it proves nothing", all)
				}
			}},
		{name: "ORDER BY the count DESC LIMIT 5", rewrite: true, ordered: true, rows: 5,
			sql: `SELECT r.name, COUNT(*) AS n FROM roles r JOIN user_roles ur ON ur.role_id = r.id AND ur.tenant = r.tenant
  WHERE r.tenant = ` + T + ` GROUP BY r.name ORDER BY n DESC, r.name LIMIT 5`},
		{name: "a filter on the kind table (pushed and not)", rewrite: true, rows: -1,
			sql: om("o.name, COUNT(*)", "WHERE o.tenant = "+T+" AND o.name >= 'b' AND LOWER(o.name) NOT LIKE '%z%' GROUP BY o.name")},
		{name: "roles by name (the To end)", rewrite: true, rows: -1,
			sql: `SELECT r.name, COUNT(ur.user_id) FROM roles r JOIN user_roles ur ON ur.role_id = r.id AND ur.tenant = r.tenant WHERE r.tenant = ` + T + ` GROUP BY r.name`},
		{name: "users by id (the From end)", rewrite: true, rows: -1,
			sql: `SELECT u.id, COUNT(*) FROM user_roles ur JOIN users u ON u.id = ur.user_id AND u.tenant = ur.tenant WHERE u.tenant = ` + T + ` GROUP BY u.id`},
		{name: "in a derived table", rewrite: true, rows: -1,
			sql: `SELECT x.name, x.n FROM (` + om("o.name, COUNT(*) AS n", "WHERE o.tenant = "+T+" GROUP BY o.name") + `) x WHERE x.n > 0`},
		{name: "no GROUP BY", rewrite: true, rows: 1, sql: om("COUNT(*)", "WHERE o.tenant = "+T)},
		{name: "no GROUP BY, no rows: 0", rewrite: true, rows: 1, sql: om("COUNT(*)", "WHERE o.tenant = 'no.such.tenant'"),
			check: func(t *testing.T, r *sqlgraph.Result) {
				if r.Rows[0][0] != int64(0) {
					t.Errorf("COUNT over no rows: %v", r.Rows[0][0])
				}
			}},
		{name: "the tenant as a literal on both sides, not joined", rewrite: true, rows: -1,
			sql: `SELECT o.name, COUNT(*) FROM organizations o JOIN organization_members m ON m.organization_id = o.id
  WHERE o.tenant = ` + T + ` AND m.tenant = ` + T + ` GROUP BY o.name`},
		{name: "the relation's tenant as a literal, joined on the tenant", rewrite: true, rows: -1,
			sql: om("o.tenant, o.name, COUNT(*)", "WHERE m.tenant = "+T+" GROUP BY o.tenant, o.name"),
			check: func(t *testing.T, r *sqlgraph.Result) {
				for _, row := range r.Rows {
					if row[0] != e.tenant {
						t.Errorf("a row of another tenant: %v", row)
					}
				}
			}},
		{name: "two tenants: same names, counts add up", rewrite: true, rows: -1, sql: om("o.name, COUNT(*)", "WHERE o.tenant IN ("+T+", '"+T2+"') GROUP BY o.name"),
			check: func(t *testing.T, r *sqlgraph.Result) {
				one := byName(e.sql(t, om("o.name, COUNT(*)", "WHERE o.tenant = "+T+" GROUP BY o.name")))
				two := byName(e.sql(t, om("o.name, COUNT(*)", "WHERE o.tenant = '"+T2+"' GROUP BY o.name")))
				both := byName(r)
				shared := 0
				for n, c := range two {
					if _, ok := one[n]; ok {
						shared++
					}
					one[n] += c
				}
				if shared == 0 {
					t.Errorf("no organization name in both tenants: the sum proves nothing")
				}
				if fmt.Sprint(both) != fmt.Sprint(one) {
					t.Errorf("over two tenants %v, each tenant's added up %v", both, one)
				}
			}},
		{name: "two tenants by tenant", rewrite: true, rows: -1, sql: om("o.tenant, COUNT(*)", "WHERE o.tenant IN ("+T+", '"+T2+"') GROUP BY o.tenant")},

		{name: "LEFT JOIN", rows: -1, sql: `SELECT o.name, COUNT(*) FROM organizations o LEFT JOIN organization_members m ON m.organization_id = o.id AND m.tenant = o.tenant
  WHERE o.tenant = ` + T + ` GROUP BY o.name`},
		{name: "COUNT(DISTINCT)", rows: -1, sql: om("o.name, COUNT(DISTINCT m.user_id)", "WHERE o.tenant = "+T+" GROUP BY o.name")},
		{name: "SUM over a relation column", rows: -1, sql: om("o.name, SUM(LENGTH(m.user_id))", "WHERE o.tenant = "+T+" GROUP BY o.name")},
		{name: "MAX of a relation column beside COUNT", rows: -1, sql: om("o.name, COUNT(*), MAX(m.user_id)", "WHERE o.tenant = "+T+" GROUP BY o.name")},
		{name: "a filter on the other end", rows: -1, sql: om("o.name, COUNT(*)", "WHERE o.tenant = "+T+" AND m.user_id = '"+someUser+"' GROUP BY o.name")},
		{name: "a join condition beyond the key", rows: -1, sql: `SELECT o.name, COUNT(*) FROM organizations o
  JOIN organization_members m ON m.organization_id = o.id AND m.tenant = o.tenant AND m.user_id <> o.id
  WHERE o.tenant = ` + T + ` AND m.tenant = ` + T + ` GROUP BY o.name`},
		{name: "a join on another column", rows: 0, sql: `SELECT o.name, COUNT(*) FROM organizations o
  JOIN organization_members m ON m.organization_id = o.name AND m.tenant = o.tenant WHERE o.tenant = ` + T + ` GROUP BY o.name`},
		{name: "GROUP BY a relation column", rows: -1, sql: om("m.user_id, COUNT(*)", "WHERE o.tenant = "+T+" GROUP BY m.user_id")},
		{name: "COUNT of a kind column", rows: -1, sql: om("o.name, COUNT(o.display_name)", "WHERE o.tenant = "+T+" GROUP BY o.name")},
		{name: "a column not grouped by", rows: -1, sql: om("o.id, COUNT(*)", "WHERE o.tenant = "+T+" GROUP BY o.name")},
		{name: "two tenants, not joined on the tenant", rows: -1, sql: `SELECT o.name, COUNT(*) FROM organizations o JOIN organization_members m ON m.organization_id = o.id
  WHERE o.tenant IN (` + T + `, '` + T2 + `') GROUP BY o.name`},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, st := keyRun(t, e.g, c.sql)
			want, _ := keyRun(t, plain, c.sql)
			if want.CountPushdowns != 0 {
				t.Fatalf("rewritten with the pushdown off")
			}
			g, w := rowsOf(got), rowsOf(want)
			if c.ordered {
				g, w = rowsInOrder(got), rowsInOrder(want)
			}
			if strings.Join(g, "\n") != strings.Join(w, "\n") {
				t.Fatalf("rewritten: %d rows\n%s\nas planned: %d rows\n%s", len(g), strings.Join(g, "\n"), len(w), strings.Join(w, "\n"))
			}
			if fmt.Sprint(got.Columns, got.Types) != fmt.Sprint(want.Columns, want.Types) {
				t.Errorf("columns %v %v, as planned %v %v", got.Columns, got.Types, want.Columns, want.Types)
			}
			switch {
			case c.rows >= 0 && len(w) != c.rows:
				t.Errorf("%d rows, want %d", len(w), c.rows)
			case c.rows < 0 && len(w) == 0:
				t.Errorf("no rows: the comparison proves nothing")
			}
			counted := false
			for _, s := range st {
				if strings.Contains(s.Cypher, "COUNT {") {
					counted = true
				}
			}
			if c.rewrite && (got.CountPushdowns != 1 || !counted) {
				t.Errorf("not rewritten (%d): %v", got.CountPushdowns, cyphers(st))
			}
			if !c.rewrite && (got.CountPushdowns != 0 || counted) {
				t.Errorf("rewritten (%d): %v", got.CountPushdowns, cyphers(st))
			}
			if c.rewrite && got.Scans != 1 {
				t.Errorf("%d scans, want the kind table's only: %v", got.Scans, cyphers(st))
			}
			if c.check != nil {
				c.check(t, got)
			}
			t.Logf("%d rows, %d scans: %s", len(g), got.Scans, strings.Join(cyphers(st), " | "))
		})
	}

	// The question, rewritten, answers as the hand-written Cypher.
	q := sqlgraph.Questions(e.tenant)[1]
	r, _ := keyRun(t, e.g, q.SQL)
	if r.CountPushdowns != 1 {
		t.Errorf("the question was not rewritten")
	}
	if g, w := rowsOf(r), recsOf(e.cypher(t, q.Cypher, map[string]any{"t": e.tenant})); strings.Join(g, "\n") != strings.Join(w, "\n") || len(w) == 0 {
		t.Errorf("SQL: %d rows, Cypher: %d\n%s\n--\n%s", len(g), len(w), strings.Join(g, "\n"), strings.Join(w, "\n"))
	}

	// Without the key filter (the GroupBy right over the engine's hash
	// join) the same rewrite and the same rows.
	nokf := sqlgraph.WithoutKeyFilter(e.g)
	r2, _ := keyRun(t, nokf, q.SQL)
	w2, _ := keyRun(t, sqlgraph.WithoutCountPushdown(nokf), q.SQL)
	if r2.CountPushdowns != 1 || w2.CountPushdowns != 0 || strings.Join(rowsOf(r2), "\n") != strings.Join(rowsOf(w2), "\n") {
		t.Errorf("without the key filter: %d rewrites, %d rows; as planned %d rows", r2.CountPushdowns, len(r2.Rows), len(w2.Rows))
	}

	// --explain shows the rewritten node.
	plan, err := e.g.Explain(context.Background(), q.SQL)
	if err != nil || !strings.Contains(plan, "CountPushdown") || strings.Contains(plan, "HashJoin") {
		t.Errorf("explain: %v\n%s", err, plan)
	}
}

// TestCountScan: the count a kind scan computes is the relation table's
// row count for each node, for every relation and both ends.
func TestCountScan(t *testing.T) {
	e := setup(t)
	T := "'" + e.tenant + "'"
	tested := 0
	for _, tb := range e.g.Tables() {
		if tb.Rel == nil {
			continue
		}
		for i, end := range tb.Columns[1:3] {
			kind := tb.Rel.From
			if (i == 1) != tb.Rel.SQLReverse {
				kind = tb.Rel.To
			}
			kt := sqlgraph.KindTableName(kind)
			q := fmt.Sprintf(`SELECT k.id, COUNT(*) FROM %s k JOIN %s r ON r.%s = k.id AND r.tenant = k.tenant WHERE k.tenant = %s GROUP BY k.id`,
				kt, tb.Name, end.Name, T)
			got, st := keyRun(t, e.g, q)
			want, _ := keyRun(t, sqlgraph.WithoutCountPushdown(e.g), q)
			if got.CountPushdowns != 1 {
				t.Errorf("%s: not rewritten: %v", q, cyphers(st))
			}
			if g, w := rowsOf(got), rowsOf(want); strings.Join(g, "\n") != strings.Join(w, "\n") {
				t.Errorf("%s: %d rows, as planned %d", q, len(g), len(w))
			}
			if len(want.Rows) > 0 {
				tested++
			}
		}
	}
	if tested < 20 {
		t.Errorf("only %d relation ends have rows", tested)
	}
}

func rowsInOrder(r *sqlgraph.Result) []string {
	var out []string
	for _, row := range r.Rows {
		out = append(out, fmt.Sprint(row...))
	}
	return out
}
