package sqlgraph_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

// scanAll reads every row of a scan, each printed with its values' types.
func scanAll(t *testing.T, st *store.Store, q store.SQLScan) []string {
	return scanSpare(t, st, q, -1)
}

// scanSpare is scanAll with rows one wider, spare the empty position (-1:
// none), which it checks and removes.
func scanSpare(t *testing.T, st *store.Store, q store.SQLScan, spare int) []string {
	t.Helper()
	rows, err := st.SQLScanRows(context.Background(), q, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	rows.Spare(spare)
	var out []string
	for {
		vals, err := rows.Next()
		if err != nil {
			t.Fatal(err)
		}
		if vals == nil {
			break
		}
		if spare >= 0 {
			if len(vals) != len(q.Fields)+1 || vals[spare] != nil {
				t.Fatalf("%#v: want %d values and nil at %d", vals, len(q.Fields)+1, spare)
			}
			vals = append(vals[:spare:spare], vals[spare+1:]...)
		}
		if len(vals) != len(q.Fields) {
			t.Fatalf("%d values, want %d", len(vals), len(q.Fields))
		}
		out = append(out, fmt.Sprintf("%#v", vals))
	}
	sort.Strings(out)
	return out
}

// TestNestedRelationScan: a relation scan seeking one end by key is read
// one record per end node with its edges in a list; it yields exactly the
// rows of the same scan read one record per edge (a limit keeps a scan
// flat), for every relation, seeking either end, with every field, none,
// only the sought end's, only the other's, and a condition on the other
// end and on the tenant.
func TestNestedRelationScan(t *testing.T) {
	e := setup(t)
	nonEmpty := 0
	for _, r := range schema.Relations {
		for _, seek := range []string{store.SQLFromKey, store.SQLToKey} {
			k, v := r.From, "a"
			if seek == store.SQLToKey {
				k, v = r.To, "b"
			}
			recs := e.cypher(t, fmt.Sprintf("MATCH (a:%s {tenant: $t})-[:%s]->(b:%s) RETURN collect(DISTINCT %s.id)", r.From.Label, r.Type, r.To.Label, v),
				map[string]any{"t": e.tenant})
			keys, _ := recs[0].Values[0].([]any)
			if len(keys) == 0 {
				continue
			}
			// Keys with no edge (another kind's, one that does not exist)
			// give no rows either way.
			keys = append(keys, schema.Key(e.tenant, k, "no-such-id"))
			all := []string{schema.PropTenant, store.SQLFromEnd, store.SQLToEnd}
			for _, p := range r.Props {
				all = append(all, p.Name)
			}
			sought, other := store.SQLToEnd, store.SQLFromEnd
			if seek == store.SQLFromKey {
				sought, other = store.SQLFromEnd, store.SQLToEnd
			}
			for _, c := range []struct {
				name   string
				fields []string
				conds  []store.SQLCond
			}{
				{name: "every field", fields: all},
				{name: "no field", fields: nil},
				{name: "the sought end", fields: []string{sought}},
				{name: "the other end", fields: []string{other}},
				{name: "reversed, with conditions", fields: []string{other, schema.PropTenant, sought},
					conds: []store.SQLCond{{Field: schema.PropTenant, Op: store.SQLEq, Value: e.tenant}, {Field: other, Op: store.SQLNotNull}}},
			} {
				q := store.SQLScan{Rel: r, Fields: c.fields, Conds: append([]store.SQLCond{{Field: seek, Op: store.SQLIn, Value: keys}}, c.conds...)}
				st, err := store.SQLScanStatement(q)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(st.Cypher, "[(") || strings.Contains(st.Cypher, "LIMIT") {
					t.Fatalf("%s %s: not nested: %s", r.Name(), c.name, st.Cypher)
				}
				nested := scanAll(t, e.st, q)
				for _, sp := range []int{0, len(q.Fields) / 2, len(q.Fields)} {
					if got := scanSpare(t, e.st, q, sp); strings.Join(got, "\n") != strings.Join(nested, "\n") {
						t.Errorf("%s %s: with a spare slot at %d:\n%s\nwithout:\n%s", r.Name(), c.name, sp, strings.Join(got, "\n"), strings.Join(nested, "\n"))
					}
				}
				q.Limit = 1 << 30
				if st, _ := store.SQLScanStatement(q); strings.Contains(st.Cypher, "[(") {
					t.Fatalf("a scan with a limit is nested: %s", st.Cypher)
				}
				flat := scanAll(t, e.st, q)
				if len(q.Fields) > 0 {
					if got := scanSpare(t, e.st, q, 1); strings.Join(got, "\n") != strings.Join(flat, "\n") {
						t.Errorf("%s %s: flat with a spare slot at 1 differs", r.Name(), c.name)
					}
				}
				if strings.Join(nested, "\n") != strings.Join(flat, "\n") {
					t.Errorf("%s seeking %s, %s: nested %d rows\n%s\nflat %d rows\n%s", r.Name(), seek, c.name,
						len(nested), strings.Join(nested, "\n"), len(flat), strings.Join(flat, "\n"))
				}
				if len(flat) > 0 {
					nonEmpty++
				}
			}
		}
	}
	if nonEmpty < 10 {
		t.Fatalf("only %d scans had rows: the comparison proves little", nonEmpty)
	}
}
