package store

import (
	"context"
	"strings"
	"testing"

	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/internal/neo4jtest"
)

func TestCheckConsoleQuery(t *testing.T) {
	ok := []string{
		"MATCH (n) RETURN n LIMIT 5",
		"MATCH (n:Auth0User) WHERE n.email = 'create@x' RETURN n",
		`RETURN "DELETE n; CREATE (x)" AS s`,
		"MATCH (n) // CREATE (x)\nRETURN n",
		"MATCH (n) /* LOAD CSV FROM 'x' AS r */ RETURN n",
		"MATCH (n) RETURN n.set, n.`create`",
		"MATCH (n) WHERE n:Merge RETURN {delete: 1, set: 2}",
		"MATCH (n) RETURN n;",
		"CALL db.labels() YIELD label RETURN label",
		"CALL db.index.fulltext.queryNodes('asset_search', 'x') YIELD node RETURN node",
		"CALL `db`.`labels`()",
		"MATCH (u) CALL (u) { MATCH (u)-->(x) RETURN count(x) AS c } RETURN u, c",
		"MATCH (n) WHERE n.name IN ['USE', 'SHOW'] RETURN n",
		"MATCH (n) RETURN n.transactions AS transactions",
		"MATCH (n) WITH n, 'IN TRANSACTIONS' AS s RETURN n, s",
		"UNWIND $xs AS use RETURN use",
	}
	for _, q := range ok {
		if err := CheckConsoleQuery(q); err != nil {
			t.Errorf("%q rejected: %v", q, err)
		}
	}
	bad := map[string]string{
		"CREATE (n)":                                                    "read-only",
		"match (n) detach delete n":                                     "read-only",
		"MATCH (n) SET n.x = 1":                                         "read-only",
		"MATCH (n) REMOVE n:Asset":                                      "read-only",
		"MERGE (n:X)":                                                   "read-only",
		"FOREACH (x IN [1] | CREATE ())":                                "read-only",
		"CALL { CREATE () }":                                            "read-only",
		"DROP INDEX asset_search":                                       "read-only",
		"LOAD CSV FROM 'file:///x' AS r RETURN r":                       "LOAD CSV",
		"load  /* x */ csv from 'http://x' as r return r":               "LOAD CSV",
		"CALL apoc.help('x')":                                           "apoc.help",
		"CALL /* hidden */ apoc.load.json('http://x')":                  "apoc.load.json",
		"CALL // hidden\n dbms.components()":                            "dbms.components",
		"CALL\n/* a */ // b\n dbms.listConfig()":                        "dbms.listconfig",
		"CALL `apoc`.`cypher`.`runWrite`('x', {})":                      "apoc.cypher.runWrite",
		"OPTIONAL CALL db.createLabel('X')":                             "db.createlabel",
		"CREATE USER x SET PASSWORD 'y'":                                "administration",
		"CREATE OR REPLACE DATABASE x":                                  "administration",
		"CREATE COMPOSITE DATABASE x":                                   "administration",
		"DROP USER x":                                                   "administration",
		"ALTER USER x SET PASSWORD 'y'":                                 "administration",
		"SHOW USERS":                                                    "administration",
		"SHOW ALL PRIVILEGES":                                           "administration",
		"SHOW TRANSACTIONS":                                             "administration",
		"GRANT ROLE admin TO x":                                         "administration",
		"DENY READ {*} ON GRAPH * TO x":                                 "administration",
		"REVOKE ROLE admin FROM x":                                      "administration",
		"START DATABASE x":                                              "administration",
		"STOP DATABASE x":                                               "administration",
		"TERMINATE TRANSACTIONS 'x'":                                    "administration",
		"USE system SHOW DATABASES":                                     "USE",
		"use `system` MATCH (n) RETURN n":                               "USE",
		"CALL { USE system MATCH (n) RETURN n } RETURN n":               "USE",
		"MATCH (n) CALL (n) { RETURN 1 AS x } IN TRANSACTIONS RETURN x": "IN TRANSACTIONS",
		"MATCH (n) CALL (n) { RETURN 1 AS x } IN 4 CONCURRENT TRANSACTIONS RETURN x": "IN TRANSACTIONS",
		"MATCH (n) RETURN n; MATCH (m) RETURN m":                                     "one statement",
		"PROFILE MATCH (n) RETURN n":                                                 "PROFILE",
		"EXPLAIN MATCH (n) RETURN n":                                                 "EXPLAIN",
		"":                                                                           "empty",
		"  // only a comment":                                                        "empty",
		"MATCH (n) RETURN 'unterminated":                                             "unterminated",
		"MATCH (n) RETURN n /* unterminated":                                         "unterminated",
		"MATCH (`unterminated) RETURN 1":                                             "unterminated",
	}
	for q, says := range bad {
		err := CheckConsoleQuery(q)
		if err == nil {
			t.Errorf("%q accepted", q)
			continue
		}
		if k := apperr.KindOf(err); k != apperr.Forbidden && k != apperr.Invalid {
			t.Errorf("%q: kind %s", q, k)
		}
		if !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(says)) {
			t.Errorf("%q: %q does not say %q", q, err, says)
		}
	}
}

func TestLuceneQuery(t *testing.T) {
	for in, want := range map[string]string{
		"alice":                "(alice OR alice*)",
		"Alice Smith":          "Alice AND (Smith OR smith*)",
		"a@b.com":              `a@b.com`,
		"foo:(bar":             `foo\:\(bar`,
		"x AND":                "x AND (and OR and*)",
		`"quoted" -neg +pos ~`: `\"quoted\" AND \-neg AND \+pos AND \~`,
		"   ":                  "",
	} {
		if got := LuceneQuery(in); got != want {
			t.Errorf("LuceneQuery(%q) = %q, want %q", in, got, want)
		}
	}
}

// The plan check stops writes the token guard would let through, and the
// READ transaction is a second wall behind it.
func TestConsolePlanCheck(t *testing.T) {
	d := neo4jtest.Driver(t)
	s := FromDriver(d)
	ctx := context.Background()
	for _, q := range []string{"CREATE (n:ConsolePlanCheck) RETURN n", "MERGE (n:ConsolePlanCheck) RETURN n", "CREATE INDEX console_plan_check FOR (n:ConsolePlanCheck) ON (n.x)"} {
		_, err := s.runConsole(ctx, q, nil, ConsoleOptions{})
		if apperr.KindOf(err) != apperr.Forbidden || !strings.Contains(err.Error(), "read-only") {
			t.Errorf("%q: %v", q, err)
		}
	}
	rows, err := s.readRows(ctx, "MATCH (n:ConsolePlanCheck) RETURN count(n) AS c", nil)
	if err != nil || rows[0]["c"].(int64) != 0 {
		t.Errorf("writes happened: %v %v", rows, err)
	}
	res, err := s.runConsole(ctx, "RETURN $n + 1 AS x", map[string]any{"n": float64(41)}, ConsoleOptions{})
	if err != nil || res.Rows[0][0] != int64(42) {
		t.Errorf("read: %+v %v", res, err)
	}
}

// Syntax errors point at the user's query, not at the EXPLAIN in front of it.
func TestConsoleErrorPositions(t *testing.T) {
	s := FromDriver(neo4jtest.Driver(t))
	ctx := context.Background()
	for q, want := range map[string]string{
		"MATCH (n) RETRUN n":                 "line 1, column 11 (offset: 10)",
		"MATCH (n)\nWHERE n.x = 1\nRETRUN n": "line 3, column 1 (offset: 24)",
	} {
		_, err := s.runConsole(ctx, q, nil, ConsoleOptions{})
		if apperr.KindOf(err) != apperr.Invalid || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "EXPLAIN") {
			t.Errorf("%q: want %q in %v", q, want, err)
		}
	}
}
