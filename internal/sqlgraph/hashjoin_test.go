package sqlgraph_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/authgraph/authgraph/internal/sqlgraph"
	"github.com/authgraph/authgraph/internal/store"
)

// nestedLoop matches the engine's nested-loop joins in a printed plan.
var nestedLoop = regexp.MustCompile(`(?m)─ (InnerJoin|LeftOuterJoin)$`)

// TestHashJoinsOfNestedLoops: a join whose condition has more than
// equalities between the two sides runs as a hash join on those
// equalities, with the same rows as the engine's nested loop, nested in
// other joins and in derived tables; a join with no such equality stays a
// loop. (Joins inside subquery expressions are left as planned: their
// scope's row layout is the engine's business.)
func TestHashJoinsOfNestedLoops(t *testing.T) {
	e := setup(t)
	T := "'" + e.tenant + "'"
	loops := sqlgraph.WithoutHashJoins(e.g)
	for _, c := range []struct {
		name, sql string
		// loop: the statement keeps a nested loop even so.
		loop bool
	}{
		{name: "inner join with an inequality", sql: `SELECT u.id, o.id FROM users u
  JOIN organization_members om ON om.user_id = u.id AND om.tenant = u.tenant
  JOIN organizations o ON o.id = om.organization_id AND o.tenant = om.tenant AND u.logins_count > LENGTH(o.name)
  WHERE u.tenant = ` + T},
		{name: "inequality between two joined tables", sql: `SELECT r.name, u.email FROM roles r
  JOIN user_roles ur ON ur.role_id = r.id AND ur.tenant = r.tenant AND ur.user_id > r.id
  JOIN users u ON u.id = ur.user_id AND u.tenant = ur.tenant
  WHERE r.tenant = ` + T},
		{name: "left join with an inequality", sql: `SELECT r.id, ur.user_id FROM roles r
  LEFT JOIN user_roles ur ON ur.role_id = r.id AND ur.tenant = r.tenant AND ur.user_id < 'auth0|5'
  WHERE r.tenant = ` + T},
		{name: "in a derived table", sql: `SELECT x.role, COUNT(*) FROM (SELECT r.name AS role, u.id FROM roles r
    JOIN user_roles ur ON ur.role_id = r.id AND ur.tenant = r.tenant
    JOIN users u ON u.id = ur.user_id AND u.tenant = ur.tenant AND (u.blocked = 0 OR r.name <> 'admin')
    WHERE r.tenant = ` + T + `) x GROUP BY x.role`},
		{name: "no equality of the two sides stays a loop", loop: true, sql: `SELECT r.id, r2.id FROM roles r
  JOIN roles r2 ON r2.name < r.name
  WHERE r.tenant = ` + T + ` AND r2.tenant = ` + T},
	} {
		t.Run(c.name, func(t *testing.T) {
			before, err := loops.Explain(context.Background(), c.sql)
			if err != nil {
				t.Fatal(err)
			}
			after, err := e.g.Explain(context.Background(), c.sql)
			if err != nil {
				t.Fatal(err)
			}
			if !nestedLoop.MatchString(before) {
				t.Fatalf("the engine plans no nested loop here: the case proves nothing\n%s", before)
			}
			if got := nestedLoop.MatchString(after); got != c.loop {
				t.Errorf("nested loop left: %v, want %v\n%s", got, c.loop, after)
			}
			got, _ := keyRun(t, e.g, c.sql)
			want, _ := keyRun(t, loops, c.sql)
			g, w := rowsOf(got), rowsOf(want)
			if strings.Join(g, "\n") != strings.Join(w, "\n") {
				t.Fatalf("hash join: %d rows\n%s\nnested loop: %d rows\n%s", len(g), strings.Join(g, "\n"), len(w), strings.Join(w, "\n"))
			}
			if len(w) == 0 {
				t.Fatal("no rows: the comparison proves nothing")
			}
			t.Logf("%d rows, %d scans, %d reduced", len(g), got.Scans, got.KeyFilters)
		})
	}
}

// TestTimeLimitInTheEngine: a statement whose joins pair rows held in
// memory (every user with every user of the tenant, twice) stops at its
// time limit with the console's message, though it makes no Neo4j read
// after the first ones.
func TestTimeLimitInTheEngine(t *testing.T) {
	e := setup(t)
	T := "'" + e.tenant + "'"
	limit := 300 * time.Millisecond
	g := sqlgraph.New(e.st, store.ConsoleOptions{Timeout: limit, MaxRows: 10})
	start := time.Now()
	_, err := g.Query(context.Background(), `SELECT COUNT(*) FROM users a
  JOIN users b ON b.tenant = a.tenant AND b.email < a.email
  JOIN users c ON c.tenant = b.tenant AND c.email < b.email
  JOIN users d ON d.tenant = c.tenant AND d.email < c.email
  WHERE a.tenant = `+T)
	took := time.Since(start)
	if err == nil || !strings.Contains(err.Error(), "ran longer than the 300ms limit") {
		t.Fatalf("after %s: %v, want the time limit's error", took, err)
	}
	// Generous: the point is that it stops, not how soon on a busy machine.
	if took > 20*limit {
		t.Errorf("stopped after %s with a %s limit", took, limit)
	}
}

// TestHashJoinUnderACollation: an equality under a case-insensitive
// collation matches values whose bytes differ; the engine's hash join,
// which hashes bytes, found 1 of 50 such pairs. Every upper-cased id
// matches its user, or the statement is refused (IN (SELECT …)).
func TestHashJoinUnderACollation(t *testing.T) {
	e := setup(t)
	T := "'" + e.tenant + "'"
	for _, q := range []string{
		`SELECT COUNT(*) FROM users u JOIN (SELECT UPPER(id) AS uid FROM users WHERE tenant = ` + T + ` ORDER BY id LIMIT 20) x
  ON x.uid = u.id COLLATE utf8mb4_0900_ai_ci WHERE u.tenant = ` + T,
		`SELECT COUNT(*) FROM users u WHERE u.tenant = ` + T + ` AND u.id COLLATE utf8mb4_0900_ai_ci IN (
  SELECT UPPER(id) FROM users WHERE tenant = ` + T + ` ORDER BY id LIMIT 20)`,
	} {
		r, err := e.g.Query(context.Background(), q)
		if err != nil {
			// The analysis may leave the IN as an expression, which the
			// engine hashes by bytes: refused then, never answered wrong.
			if !strings.Contains(err.Error(), "write it as a JOIN") {
				t.Errorf("%s: %v", q, err)
			}
			continue
		}
		if n := r.Rows[0][0].(int64); n != 20 {
			t.Errorf("%d of 20 rows: %s", n, q)
		}
	}
	// An IN list: right with the collation on the left, refused with it on
	// the items (the engine found none there).
	up := e.sql(t, `SELECT UPPER(id) FROM users WHERE tenant = `+T+` ORDER BY id LIMIT 2`).Rows
	a, b := up[0][0].(string), up[1][0].(string)
	r := e.sql(t, `SELECT COUNT(*) FROM users WHERE tenant = `+T+` AND id COLLATE utf8mb4_0900_ai_ci IN ('`+a+`', '`+b+`', 'none')`)
	if n := r.Rows[0][0].(int64); n != 2 {
		t.Errorf("collation on the left: %d of 2 rows", n)
	}
	_, err := e.g.Query(context.Background(), `SELECT COUNT(*) FROM users WHERE tenant = `+T+
		` AND id IN ('`+a+`' COLLATE utf8mb4_0900_ai_ci, '`+b+`' COLLATE utf8mb4_0900_ai_ci, 'none')`)
	if err == nil || !strings.Contains(err.Error(), "put the COLLATE on the left") {
		t.Errorf("collation on the items: %v", err)
	}
}
