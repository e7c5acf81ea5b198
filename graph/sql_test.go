package graph_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/client"
)

const sqlQuery = `query($q: String!) { sql(query: $q) { columns types rows rowCount truncated truncatedReason elapsedMs } }`

func TestSQLField(t *testing.T) {
	e := setup(t)
	c := e.client()
	var resp struct {
		SQL struct {
			Columns, Types  []string
			Rows            [][]any
			RowCount        int
			Truncated       bool
			TruncatedReason *string
			ElapsedMs       int
		}
	}
	q := fmt.Sprintf("SELECT r.name, COUNT(ur.user_id) AS n FROM roles r LEFT JOIN user_roles ur ON ur.role_id = r.id AND ur.tenant = r.tenant WHERE r.tenant = '%s' GROUP BY r.name ORDER BY r.name", e.tenant)
	c.MustPost(sqlQuery, &resp, client.Var("q", q))
	if len(resp.SQL.Columns) != 2 || resp.SQL.Columns[1] != "n" || resp.SQL.Types[1] != "bigint" {
		t.Errorf("columns %v types %v", resp.SQL.Columns, resp.SQL.Types)
	}
	if resp.SQL.RowCount != len(e.snap.Roles) || len(resp.SQL.Rows) != resp.SQL.RowCount {
		t.Errorf("%d rows, the simulator has %d roles", resp.SQL.RowCount, len(e.snap.Roles))
	}

	var tables struct {
		SQLTables []struct {
			Name    string
			Kind    *string
			Columns []struct{ Name, Type string }
		}
	}
	c.MustPost(`{ sqlTables { name kind columns { name type } } }`, &tables)
	found := false
	for _, tb := range tables.SQLTables {
		if tb.Name == "users" && tb.Kind != nil && *tb.Kind == "User" && tb.Columns[0].Name == "tenant" {
			found = true
		}
	}
	if !found {
		t.Errorf("sqlTables has no users table with a tenant column: %+v", tables.SQLTables)
	}

	before := dbCounts(t, e)
	for _, bad := range []string{"DELETE FROM users", "SELECT LOAD_FILE('/etc/passwd')", "SELECT 1; DROP TABLE users", "SELECT * FROM information_schema.processlist"} {
		raw, err := c.RawPost(sqlQuery, client.Var("q", bad))
		if err != nil {
			t.Fatal(err)
		}
		if code := errCode(t, raw); code != "FORBIDDEN" {
			t.Errorf("%q: code %q, want FORBIDDEN", bad, code)
		}
	}
	raw, err := c.RawPost(sqlQuery, client.Var("q", "SELEC 1"))
	if err != nil {
		t.Fatal(err)
	}
	if code, msg := errCode(t, raw), errMessage(t, raw); code != "INVALID" || !strings.Contains(msg, "syntax") {
		t.Errorf("syntax error: %s %s", code, msg)
	}
	if after := dbCounts(t, e); after != before {
		t.Errorf("the graph changed: %v → %v", before, after)
	}
	// One console statement per operation, SQL and Cypher alike.
	raw, err = c.RawPost(`{ a: sql(query: "SELECT 1") { rowCount } b: cypher(query: "RETURN 1") { rowCount } }`)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw.Errors), "OPERATION_LIMIT_EXCEEDED") {
		t.Errorf("sql beside cypher in one operation: %s", raw.Errors)
	}
}
