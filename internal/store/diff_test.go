package store_test

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/authgraph/authgraph/internal/neo4jtest"
	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

// The diff writers write exactly what the plain writers write (same
// properties, labels, relations, stale cleanup), and report precisely what
// changed.
func TestDiffWritersMatchPlainWriters(t *testing.T) {
	st, d, plain := setup(t)
	diff := neo4jtest.Tenant(t)
	neo4jtest.Cleanup(t, d, diff)
	ctx := context.Background()
	users1 := []store.Node{
		{NativeID: "auth0|1", Name: "Ann", Props: map[string]any{"email": "ann@x.io", "blocked": true, "multifactor": []string{"otp"}}},
		{NativeID: "auth0|2", Props: map[string]any{"email": "bob@x.io", "logins_count": 3}},
		{NativeID: "auth0|3", Props: map[string]any{"email": "cy@x.io"}},
	}
	users2 := []store.Node{
		{NativeID: "auth0|1", Name: "Ann", Props: map[string]any{"email": "ann@x.io", "blocked": false, "multifactor": []string{"otp"}}},
		{NativeID: "auth0|2", Props: map[string]any{"email": "bob@x.io", "logins_count": 3, "last_ip": "10.0.0.1"}},
		{NativeID: "auth0|4", Name: "Dee", Props: map[string]any{"email": "dee@x.io"}},
	}
	roles := []store.Node{{NativeID: "rol_1", Name: "admin"}, {NativeID: "rol_2", Name: "viewer"}}
	rels1 := []store.Rel{{From: "auth0|1", To: "rol_1"}, {From: "auth0|2", To: "rol_2"}}
	rels2 := []store.Rel{{From: "auth0|1", To: "rol_1"}, {From: "auth0|2", To: "rol_1"}}

	var reported []string
	apply := func(tenant string, useDiff bool, tag int64, users []store.Node, rels []store.Rel) {
		t.Helper()
		if err := st.EnsureTenant(ctx, tenant, tag); err != nil {
			t.Fatal(err)
		}
		if useDiff {
			_, ch, err := st.UpsertNodesDiff(ctx, tenant, schema.Role, tag, roles)
			if err != nil {
				t.Fatal(err)
			}
			note(&reported, ch)
			_, ch, err = st.UpsertNodesDiff(ctx, tenant, schema.User, tag, users)
			if err != nil {
				t.Fatal(err)
			}
			note(&reported, ch)
			_, rch, err := st.UpsertRelsDiff(ctx, tenant, schema.RelHasRole, tag, rels)
			if err != nil {
				t.Fatal(err)
			}
			noteRels(&reported, rch)
			dch, err := st.DeleteStaleNodesDiff(ctx, tenant, schema.User, tag)
			if err != nil {
				t.Fatal(err)
			}
			note(&reported, dch)
			drch, err := st.DeleteStaleRelsDiff(ctx, tenant, schema.RelHasRole, tag)
			if err != nil {
				t.Fatal(err)
			}
			noteRels(&reported, drch)
			return
		}
		for _, step := range []error{
			errOf(st.UpsertNodes(ctx, tenant, schema.Role, tag, roles)),
			errOf(st.UpsertNodes(ctx, tenant, schema.User, tag, users)),
			errOf(st.UpsertRels(ctx, tenant, schema.RelHasRole, tag, rels)),
		} {
			if step != nil {
				t.Fatal(step)
			}
		}
		if _, err := st.DeleteStaleNodes(ctx, tenant, schema.User, tag); err != nil {
			t.Fatal(err)
		}
		if _, err := st.DeleteStaleRels(ctx, tenant, schema.RelHasRole, tag); err != nil {
			t.Fatal(err)
		}
	}
	tag1 := time.Now().UnixMilli()
	apply(plain, false, tag1, users1, rels1)
	apply(diff, true, tag1, users1, rels1)
	reported = nil
	apply(plain, false, tag1+1, users2, rels2)
	apply(diff, true, tag1+1, users2, rels2)

	if a, b := dump(t, st, plain), dump(t, st, diff); !reflect.DeepEqual(a, b) {
		t.Fatalf("graphs differ:\nplain %v\ndiff  %v", a, b)
	}
	sort.Strings(reported)
	want := []string{
		"created auth0|4 [email name]",
		"deleted auth0|3 [email name]",
		"rel created auth0|2->rol_1",
		"rel deleted auth0|2->rol_2",
		"updated auth0|1 [blocked]",
		"updated auth0|2 [last_ip]",
	}
	if !reflect.DeepEqual(reported, want) {
		t.Fatalf("reported:\n%v\nwant:\n%v", reported, want)
	}
}

func errOf(_ store.WriteStats, err error) error { return err }

func note(out *[]string, ch []store.NodeChange) {
	for _, c := range ch {
		var f []string
		for _, x := range c.Fields {
			f = append(f, x.Field)
		}
		sort.Strings(f)
		s := c.Op + " " + c.NativeID + " ["
		for i, x := range f {
			if i > 0 {
				s += " "
			}
			s += x
		}
		*out = append(*out, s+"]")
	}
}

func noteRels(out *[]string, ch []store.RelChange) {
	for _, c := range ch {
		*out = append(*out, "rel "+c.Op+" "+c.FromID+"->"+c.ToID)
	}
}

// dump reads a tenant's users, roles and HAS_ROLE links without tenant-bound
// values (keys, tags), for comparing two tenants.
func dump(t *testing.T, st *store.Store, tenant string) []string {
	t.Helper()
	_ = st
	d := neo4jtest.Driver(t)
	recs := query(t, d, `MATCH (n:Asset {tenant: $t}) WHERE NOT n:Auth0Tenant
OPTIONAL MATCH (n)-[r:HAS_ROLE]->(m)
WITH n, collect(m.native_id) AS roles
RETURN n.native_id AS id, labels(n) AS labels, [k IN keys(n) WHERE NOT k IN ['id','tenant','firstseen','lastupdated','native_id'] | [k, n[k]]] AS props, roles, n.firstseen IS NOT NULL AS fs, exists { (:Auth0Tenant {tenant: $t})-[:RESOURCE]->(n) } AS rooted
ORDER BY id`, map[string]any{"t": tenant})
	var out []string
	for _, r := range recs {
		m := r.AsMap()
		labels := m["labels"].([]any)
		ls := make([]string, len(labels))
		for i, l := range labels {
			ls[i] = l.(string)
		}
		sort.Strings(ls)
		props := m["props"].([]any)
		ps := make([]string, 0, len(props))
		for _, p := range props {
			kv := p.([]any)
			ps = append(ps, kv[0].(string)+"="+fmt.Sprint(kv[1]))
		}
		sort.Strings(ps)
		out = append(out, toStr(m["id"])+" "+toStr(ls)+" "+toStr(ps)+" "+toStr(m["roles"])+" "+toStr(m["fs"])+" "+toStr(m["rooted"]))
	}
	return out
}

func toStr(v any) string { return fmt.Sprint(v) }
