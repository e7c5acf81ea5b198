package store_test

import (
	"context"
	"fmt"
	"sort"
	"testing"

	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

// An equality filter reads by its (property, id) index in id order and a
// prefix filter in the property's order: pages must still cover every match
// exactly once, in id order and in the property's order respectively.
func TestListOrdersByIndex(t *testing.T) {
	st, _, tenant := setup(t)
	ctx := context.Background()
	if err := st.EnsureTenant(ctx, tenant, 1); err != nil {
		t.Fatal(err)
	}
	var users []store.Node
	for i := 0; i < 40; i++ {
		users = append(users, store.Node{NativeID: fmt.Sprintf("auth0|%03d", (i*17)%40), Props: map[string]any{
			"connection": []string{"db", "google", "saml"}[i%3],
			"email":      fmt.Sprintf("%c%02d@example.com", "abc"[i%3], 40-i),
		}})
	}
	if _, err := st.UpsertNodes(ctx, tenant, schema.User, 1, users); err != nil {
		t.Fatal(err)
	}
	pages := func(q store.ListQuery) []store.Asset {
		var all []store.Asset
		for skip := 0; ; skip += 5 {
			q.Skip, q.Limit = skip, 5
			page, more, err := st.List(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, page...)
			if !more {
				return all
			}
		}
	}
	byConn := pages(store.ListQuery{Kind: schema.User, Tenant: tenant, Conds: []store.Cond{{Prop: "connection", Op: store.Eq, Value: "google"}}})
	ids := make([]string, len(byConn))
	for i, a := range byConn {
		ids[i] = a.ID()
		if a.Props["connection"] != "google" {
			t.Errorf("connection filter kept %v", a.Props)
		}
	}
	if len(ids) != 13 || !sort.StringsAreSorted(ids) {
		t.Errorf("connection pages: %d ids, sorted %v: %v", len(ids), sort.StringsAreSorted(ids), ids)
	}
	byPrefix := pages(store.ListQuery{Kind: schema.User, Tenant: tenant, Conds: []store.Cond{{Prop: "email", Op: store.Prefix, Value: "b"}}})
	emails := make([]string, len(byPrefix))
	for i, a := range byPrefix {
		emails[i], _ = a.Props["email"].(string)
	}
	if len(emails) != 13 || !sort.StringsAreSorted(emails) {
		t.Errorf("prefix pages: %d, sorted %v: %v", len(emails), sort.StringsAreSorted(emails), emails)
	}
	n, err := st.Count(ctx, store.ListQuery{Kind: schema.User, Tenant: tenant, Conds: []store.Cond{{Prop: "connection", Op: store.OneOf, Value: []string{"db", "saml"}}}})
	if err != nil || n != 27 {
		t.Errorf("count of two connections: %d %v", n, err)
	}
}
