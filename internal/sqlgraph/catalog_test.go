package sqlgraph_test

import (
	"context"
	"strings"
	"testing"

	"github.com/authgraph/authgraph/internal/apperr"
)

// TestCatalog: information_schema describes authgraph's tables, and a
// catalogue statement reads nothing else.
func TestCatalog(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	r, err := e.g.QueryCatalog(ctx, "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'authgraph' ORDER BY table_name")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Rows) != len(e.g.Tables()) {
		t.Errorf("%d tables, want %d: %v", len(r.Rows), len(e.g.Tables()), r.Rows)
	}
	got := map[any]bool{}
	for _, row := range r.Rows {
		got[row[0]] = true
		if row[1] != "BASE TABLE" {
			t.Errorf("%v: type %v", row[0], row[1])
		}
	}
	for _, tb := range e.g.Tables() {
		if !got[tb.Name] {
			t.Errorf("information_schema.tables lacks %s", tb.Name)
		}
	}
	r, err = e.g.QueryCatalog(ctx, "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'authgraph' AND table_name = 'users' ORDER BY ordinal_position")
	if err != nil {
		t.Fatal(err)
	}
	users := e.g.Tables()[0]
	for _, tb := range e.g.Tables() {
		if tb.Name == "users" {
			users = tb
		}
	}
	if len(r.Rows) != len(users.Columns) || r.Rows[0][0] != "tenant" {
		t.Errorf("users' columns: %v", r.Rows)
	}
	for _, q := range []string{
		"SELECT * FROM information_schema.processlist",
		"SELECT * FROM information_schema.user_privileges",
		"SELECT table_name FROM information_schema.tables t JOIN users u ON u.id = t.table_name",
		"SELECT table_name, LOAD_FILE('/etc/passwd') FROM information_schema.tables",
		"SELECT @@datadir FROM information_schema.tables",
		"SELECT * FROM users",
		"DELETE FROM information_schema.tables",
		"SELECT table_name FROM information_schema.tables WHERE table_name IN (SELECT id FROM users)",
	} {
		if _, err := e.g.QueryCatalog(ctx, q); apperr.KindOf(err) != apperr.Forbidden && !strings.Contains(strings.ToLower(err.Error()), "read-only") {
			t.Errorf("%s: %v, want FORBIDDEN", q, err)
		}
	}
}
