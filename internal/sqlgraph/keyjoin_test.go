package sqlgraph_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/authgraph/authgraph/internal/sqlgraph"
	"github.com/authgraph/authgraph/internal/store"
)

// keyRun runs q on g with a statement log.
func keyRun(t *testing.T, g *sqlgraph.Graph, q string) (*sqlgraph.Result, []store.Statement) {
	t.Helper()
	var log store.StatementLog
	r, err := g.Query(store.WithStatementLog(context.Background(), &log), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return r, log.Statements()
}

// TestKeyFilter: each join the batched key filter reduces answers exactly
// as the engine's plan run as is (sorted rows compared), and the filter
// reduces the joins it may and no other.
func TestKeyFilter(t *testing.T) {
	e := setup(t)
	T := "'" + e.tenant + "'"
	// The aggregates of joins stay the engine's (not the COUNT pushdown's):
	// this is the key filter's test.
	kf := sqlgraph.WithoutCountPushdown(e.g)
	plain := sqlgraph.WithoutKeyFilter(kf)
	// A role held by several users, for a selective join.
	role := e.sql(t, `SELECT ur.role_id, COUNT(*) AS n FROM user_roles ur WHERE ur.tenant = `+T+
		` GROUP BY ur.role_id ORDER BY n DESC, ur.role_id LIMIT 1`).Rows[0][0].(string)
	users := e.sql(t, `SELECT COUNT(*) FROM users WHERE tenant = `+T).Rows[0][0].(int64)
	nullApp := e.sql(t, `SELECT COUNT(*) FROM clients WHERE app_type IS NULL AND tenant = `+T).Rows[0][0].(int64)
	someUser := e.sql(t, `SELECT id FROM users WHERE logins_count IS NOT NULL AND tenant = `+T+` ORDER BY id LIMIT 1`).Rows[0][0].(string)
	if nullApp == 0 {
		t.Fatal("no client without app_type: the NULL-key case would prove nothing")
	}
	for _, c := range []struct {
		name, sql string
		// reduced: at least this many joins reduced; -1: none may be.
		reduced int
		// rows: the answer's size when known (-1: any, but not empty).
		rows int64
		// constants: at least this many equalities left out of the join
		// as true for every row pair; -1: none may be.
		constants int
		// check looks at the scans the reduced run made.
		check func(t *testing.T, st []store.Statement)
	}{
		{name: "inner join (the join question)", reduced: 2, rows: -1, sql: `SELECT u.id, u.email FROM users u
  JOIN user_roles ur ON ur.user_id = u.id AND ur.tenant = u.tenant
  JOIN roles r ON r.id = ur.role_id AND r.tenant = ur.tenant
  WHERE r.name = 'admin' AND u.tenant = ` + T,
			check: func(t *testing.T, st []store.Statement) {
				// users read by key, never in full.
				if !anyScan(st, "MATCH (n:Auth0User) USING INDEX SEEK n:Auth0User(id) WHERE n.tenant = $p0 AND n.id IN $p1") {
					t.Errorf("the users scan has no key filter: %v", cyphers(st))
				}
			}},
		{name: "a boolean condition does not make a side look small", reduced: 2, rows: -1, sql: `SELECT u.id, u.email FROM users u
  JOIN user_roles ur ON ur.user_id = u.id AND ur.tenant = u.tenant AND u.blocked = false
  JOIN roles r ON r.id = ur.role_id AND r.tenant = ur.tenant
  WHERE r.name = 'admin' AND u.tenant = ` + T,
			check: func(t *testing.T, st []store.Statement) {
				// Most users are not blocked: the admin role is read first
				// and the users by key, not the unblocked users in full.
				for _, s := range st {
					if strings.Contains(s.Cypher, "MATCH (n:Auth0User)") && !strings.Contains(s.Cypher, "n.id IN $") {
						t.Errorf("the users read without a key filter: %s", s.Cypher)
					}
				}
			}},
		{name: "join on tenant and id", reduced: 1, rows: -1, sql: `SELECT u.email, ur.role_id FROM user_roles ur
  JOIN users u ON u.id = ur.user_id AND u.tenant = ur.tenant
  WHERE ur.tenant = ` + T + ` AND ur.role_id = '` + role + `'`},
		{name: "IN subquery", reduced: 1, rows: -1, sql: `SELECT u.id, u.name FROM users u WHERE u.tenant = ` + T + ` AND u.id IN (
  SELECT ur.user_id FROM user_roles ur WHERE ur.role_id = '` + role + `' AND ur.tenant = ` + T + `)`},
		{name: "EXISTS subquery", reduced: 1, rows: -1, sql: `SELECT r.id, r.name FROM roles r WHERE r.tenant = ` + T + ` AND EXISTS (
  SELECT 1 FROM user_roles ur WHERE ur.role_id = r.id AND ur.tenant = r.tenant AND ur.role_id = '` + role + `')`},
		{name: "subquery question", reduced: 3, rows: -1, constants: 2, sql: sqlgraph.Questions(e.tenant)[2].SQL},
		{name: "aggregate question", reduced: 1, rows: -1, constants: 1, sql: sqlgraph.Questions(e.tenant)[1].SQL},
		{name: "a NULL tenant on the side read first keeps the tenant equality", reduced: 1, rows: -1, constants: -1, sql: `SELECT u.id, x.tenant FROM users u
  JOIN (SELECT ur.user_id, IF(ur.role_id = '` + role + `', NULL, ur.tenant) AS tenant FROM user_roles ur WHERE ur.tenant = ` + T + `) x
    ON x.user_id = u.id AND x.tenant = u.tenant
  WHERE u.tenant = ` + T},
		{name: "LEFT JOIN keeps every user (big preserved side, small right side)", rows: users, sql: `SELECT u.id, x.role_id FROM users u
  LEFT JOIN (SELECT ur.user_id, ur.tenant, ur.role_id FROM user_roles ur WHERE ur.role_id = '` + role + `') x
    ON x.user_id = u.id AND x.tenant = u.tenant
  WHERE u.tenant = ` + T,
			check: func(t *testing.T, st []store.Statement) {
				for _, s := range st {
					if strings.Contains(s.Cypher, "MATCH (n:Auth0User)") && strings.Contains(s.Cypher, " IN $") {
						t.Errorf("the preserved side was reduced: %s", s.Cypher)
					}
				}
			}},
		{name: "LEFT JOIN reduces its right side", reduced: 1, rows: -1, sql: `SELECT r.id, ur.user_id FROM roles r
  LEFT JOIN user_roles ur ON ur.role_id = r.id AND ur.tenant = r.tenant
  WHERE r.tenant = ` + T},
		{name: "NOT IN is not reduced", reduced: -1, rows: -1, sql: `SELECT r.id FROM roles r WHERE r.tenant = ` + T + ` AND r.id NOT IN (
  SELECT ur.role_id FROM user_roles ur WHERE ur.tenant = ` + T + ` AND ur.role_id = '` + role + `')`},
		{name: "NOT EXISTS is not reduced", reduced: -1, rows: -1, sql: `SELECT u.id FROM users u WHERE u.tenant = ` + T + ` AND NOT EXISTS (
  SELECT 1 FROM user_roles ur WHERE ur.user_id = u.id AND ur.tenant = u.tenant)`},
		{name: "NULL keys", reduced: 1, rows: -1, sql: `SELECT c.id, c2.id FROM clients c
  JOIN clients c2 ON c2.app_type = c.app_type AND c2.tenant = c.tenant
  WHERE c.tenant = ` + T},
		{name: "mixed-case keys (binary collation: no match either way)", reduced: 1, rows: 0, sql: `SELECT u.id FROM users u
  JOIN (SELECT UPPER(ur.user_id) AS uid, ur.tenant FROM user_roles ur WHERE ur.role_id = '` + role + `') x
    ON x.uid = u.id AND x.tenant = u.tenant
  WHERE u.tenant = ` + T},
		{name: "mixed-case keys under a case-insensitive collation are not keys", rows: -1, check: noUserKeys, sql: `SELECT u.id FROM users u
  JOIN (SELECT UPPER(ur.user_id) AS uid, ur.tenant FROM user_roles ur WHERE ur.role_id = '` + role + `') x
    ON x.uid = u.id COLLATE utf8mb4_0900_ai_ci AND x.tenant = u.tenant
  WHERE u.tenant = ` + T},
		{name: "a string against a number is not a key (MySQL converts)", rows: -1, sql: `SELECT u.id FROM users u
  JOIN (SELECT u2.tenant, CAST(u2.logins_count AS CHAR) AS lc FROM users u2 WHERE u2.id = '` + someUser + `') x
    ON x.lc = u.logins_count AND x.tenant = u.tenant
  WHERE u.tenant = ` + T,
			check: func(t *testing.T, st []store.Statement) {
				for _, s := range st {
					if strings.Contains(s.Cypher, "logins_count IN") {
						t.Errorf("a string pushed as a number key: %s", s.Cypher)
					}
				}
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, st := keyRun(t, kf, c.sql)
			want, _ := keyRun(t, plain, c.sql)
			g, w := rowsOf(got), rowsOf(want)
			if strings.Join(g, "\n") != strings.Join(w, "\n") {
				t.Fatalf("reduced: %d rows\n%s\nas planned: %d rows\n%s", len(g), strings.Join(g, "\n"), len(w), strings.Join(w, "\n"))
			}
			switch {
			case c.rows >= 0 && int64(len(w)) != c.rows:
				t.Errorf("%d rows, want %d", len(w), c.rows)
			case c.rows < 0 && len(w) == 0:
				t.Errorf("no rows: the comparison proves nothing")
			}
			if c.reduced < 0 && got.KeyFilters > 0 {
				t.Errorf("%d joins reduced, want none: %v", got.KeyFilters, cyphers(st))
			}
			if c.reduced > 0 && got.KeyFilters < c.reduced {
				t.Errorf("%d joins reduced, want %d: %v", got.KeyFilters, c.reduced, cyphers(st))
			}
			if c.constants < 0 && got.KeyConstants > 0 {
				t.Errorf("%d equalities left out, want none", got.KeyConstants)
			}
			if c.constants > 0 && got.KeyConstants < c.constants {
				t.Errorf("%d equalities left out, want %d", got.KeyConstants, c.constants)
			}
			if got.KeyFallbacks > 0 {
				t.Errorf("%d fallbacks under the default caps", got.KeyFallbacks)
			}
			if c.check != nil {
				c.check(t, st)
			}
			t.Logf("%d rows, %d scans, %d reduced, %d constant equalities: %s", len(g), got.Scans, got.KeyFilters, got.KeyConstants, strings.Join(cyphers(st), " | "))
		})
	}

	// Over the cap the join runs as planned, on the rows already read.
	t.Run("small side over the cap falls back", func(t *testing.T) {
		q := `SELECT u.id, ur.role_id FROM users u JOIN user_roles ur ON ur.user_id = u.id AND ur.tenant = u.tenant WHERE u.tenant = ` + T
		for _, caps := range [][2]int{{5, 0}, {0, 5}} {
			small := sqlgraph.WithKeyCaps(e.g, caps[0], caps[1])
			got, st := keyRun(t, small, q)
			want, _ := keyRun(t, plain, q)
			if g, w := rowsOf(got), rowsOf(want); strings.Join(g, "\n") != strings.Join(w, "\n") || len(w) == 0 {
				t.Fatalf("caps %v: %d rows, as planned %d", caps, len(g), len(w))
			}
			if got.KeyFallbacks == 0 || got.KeyFilters != 0 {
				t.Errorf("caps %v: %d fallbacks, %d reduced; want a fallback", caps, got.KeyFallbacks, got.KeyFilters)
			}
			for _, s := range st {
				if strings.Contains(s.Cypher, " IN $") {
					t.Errorf("caps %v: a key filter over the cap: %s", caps, s.Cypher)
				}
			}
			// Each table read once: the rows read first are not read again.
			if got.Scans != 2 {
				t.Errorf("caps %v: %d scans, want 2: %v", caps, got.Scans, cyphers(st))
			}
		}
	})
}

// TestKeyFilterSeek: the reduced side's scan carries the keys as IN $…
// and its PROFILE is a seek of the unique key, reading no more nodes than
// there are keys: not a label scan, not the tenant's users.
func TestKeyFilterSeek(t *testing.T) {
	e := setup(t)
	q := sqlgraph.Questions(e.tenant)[0].SQL // the join question
	r, st := keyRun(t, e.g, q)
	if len(r.Rows) == 0 || r.KeyFilters < 2 {
		t.Fatalf("%d rows, %d joins reduced", len(r.Rows), r.KeyFilters)
	}
	var users *store.Statement
	for i, s := range st {
		if strings.HasPrefix(s.Cypher, "MATCH (n:Auth0User)") {
			users = &st[i]
		}
	}
	if users == nil || !strings.Contains(users.Cypher, "n.id IN $") {
		t.Fatalf("no users scan with a key filter: %v", cyphers(st))
	}
	var keys int
	for _, v := range users.Params {
		if l, ok := v.([]any); ok && len(l) > keys {
			keys = len(l) // the keys (a list of tenants may be there too)
		}
	}
	if keys == 0 || keys < len(r.Rows) {
		t.Fatalf("%d keys for %d rows: %s", keys, len(r.Rows), users.Cypher)
	}
	ops, err := e.st.ProfileStatement(context.Background(), *users)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	seek := false
	for _, op := range ops {
		names = append(names, fmt.Sprintf("%s(rows %d)", op.Operator, op.Rows))
		if strings.Contains(op.Operator, "LabelScan") || strings.Contains(op.Operator, "AllNodesScan") {
			t.Errorf("the reduced scan reads the whole label: %v", names)
		}
		if strings.Contains(op.Operator, "NodeUniqueIndexSeek") {
			seek = true
			if op.Rows > int64(keys) {
				t.Errorf("the seek found %d nodes for %d keys", op.Rows, keys)
			}
		}
	}
	if !seek {
		t.Errorf("no unique index seek: %v", names)
	}
	t.Logf("%d keys; profile: %s", keys, strings.Join(names, " <- "))
}

// TestAssetKeys: the key filter relies on every asset's key being
// <tenant>/<slug>/<native id> of its own tenant and native id, and on both
// ends of an edge being of one tenant; the COUNT pushdown also on every
// asset having its native id (a relation's end columns are never NULL).
func TestAssetKeys(t *testing.T) {
	e := setup(t)
	for _, tb := range e.g.Tables() {
		if tb.Kind != nil {
			bad := e.cypher(t, fmt.Sprintf("MATCH (n:%s {tenant: $t}) WHERE n.native_id IS NULL OR n.id <> n.tenant + '/' + $slug + '/' + n.native_id RETURN count(n)", tb.Kind.Label),
				map[string]any{"t": e.tenant, "slug": tb.Kind.Slug})[0].Values[0].(int64)
			if bad != 0 {
				t.Errorf("%s: %d nodes without a native id or whose key is not tenant/slug/native id", tb.Name, bad)
			}
			continue
		}
		bad := e.cypher(t, fmt.Sprintf("MATCH (a:%s {tenant: $t})-[:%s]->(b:%s) WHERE b.tenant <> a.tenant RETURN count(*)", tb.Rel.From.Label, tb.Rel.Type, tb.Rel.To.Label),
			map[string]any{"t": e.tenant})[0].Values[0].(int64)
		if bad != 0 {
			t.Errorf("%s: %d edges across tenants", tb.Name, bad)
		}
	}
}

// noUserKeys: no key filter on the users' ids (the tenant may be pushed).
func noUserKeys(t *testing.T, st []store.Statement) {
	for _, s := range st {
		if strings.Contains(s.Cypher, "n.id IN") || strings.Contains(s.Cypher, "n.native_id IN") {
			t.Errorf("ids pushed as keys: %s", s.Cypher)
		}
	}
}

func anyScan(st []store.Statement, prefix string) bool {
	for _, s := range st {
		if strings.HasPrefix(s.Cypher, prefix) {
			return true
		}
	}
	return false
}

func cyphers(st []store.Statement) []string {
	out := make([]string, len(st))
	for i, s := range st {
		out[i] = s.Cypher
	}
	return out
}
