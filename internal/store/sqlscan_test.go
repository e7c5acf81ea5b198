package store

import (
	"strings"
	"testing"

	"github.com/authgraph/authgraph/schema"
)

// TestSQLScanConditionsOnce: a condition given twice is said once; equal
// fields with other operators or values are all kept (tenant = a AND
// tenant = b must still match nothing).
func TestSQLScanConditionsOnce(t *testing.T) {
	tenant := func(v string) SQLCond { return SQLCond{Field: schema.PropTenant, Op: SQLEq, Value: v} }
	blocked := SQLCond{Field: "blocked", Op: SQLEq, Value: false}
	ids := func(v ...any) SQLCond { return SQLCond{Field: schema.PropID, Op: SQLIn, Value: v} }
	for _, c := range []struct {
		name  string
		conds []SQLCond
		want  []string // each term of the WHERE, in order
	}{
		{"repeated boolean and tenant", []SQLCond{blocked, tenant("a"), blocked, tenant("a")},
			[]string{"n.blocked = $p0", "n.tenant = $p1"}},
		{"two tenants stay two", []SQLCond{tenant("a"), tenant("b")},
			[]string{"n.tenant = $p0", "n.tenant = $p1"}},
		{"equal lists once, other lists kept", []SQLCond{ids("x", "y"), ids("x", "y"), ids("x")},
			[]string{"n.id IN $p0", "n.id IN $p2"}},
		{"the same field, another operator", []SQLCond{{Field: "blocked", Op: SQLNotNull}, blocked},
			[]string{"n.blocked IS NOT NULL", "n.blocked = $p1"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			st, err := SQLScanStatement(SQLScan{Kind: schema.User, Fields: []string{schema.PropID}, Conds: c.conds})
			if err != nil {
				t.Fatal(err)
			}
			_, after, ok := strings.Cut(st.Cypher, " WHERE ")
			if !ok {
				t.Fatalf("no WHERE: %s", st.Cypher)
			}
			where, _, _ := strings.Cut(after, " RETURN ")
			var got []string
			for _, term := range strings.Split(where, " AND ") {
				if term != "n.id IS NOT NULL" { // said for index seeks
					got = append(got, term)
				}
			}
			if strings.Join(got, " | ") != strings.Join(c.want, " | ") {
				t.Errorf("WHERE %s\nwant %s", strings.Join(got, " AND "), strings.Join(c.want, " AND "))
			}
			if len(st.Params) != len(c.want)-strings.Count(strings.Join(c.want, " "), "IS NOT NULL") {
				t.Errorf("params %v for %v", st.Params, c.want)
			}
		})
	}
}
