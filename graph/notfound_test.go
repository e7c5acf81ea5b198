package graph_test

import (
	"testing"

	"github.com/99designs/gqlgen/client"

	"github.com/authgraph/authgraph/schema"
)

// TestUnknownIDsAreNotFound: every field that takes an asset id answers
// NOT_FOUND for a well-formed id that names no asset, so that a mistyped id
// never reads as "no access" or "no path"; a real id next to it still works.
func TestUnknownIDsAreNotFound(t *testing.T) {
	e := setup(t)
	c := e.client()
	tr := e.truth()
	user := e.key(schema.User, tr.Users[0].UserID)
	perm := e.rolePerms(tr.Roles[0])[0]
	ghost := func(k *schema.Kind) string { return e.key(k, "no-such-"+k.Name) }
	cases := []struct {
		name, query string
		vars        map[string]any
	}{
		{"effectivePermissions(userId)", `query($id: ID!) { effectivePermissions(userId: $id) { permission { id } } }`,
			map[string]any{"id": ghost(schema.User)}},
		{"effectivePermissions(clientId)", `query($id: ID!) { effectivePermissions(clientId: $id) { permission { id } } }`,
			map[string]any{"id": ghost(schema.Client)}},
		{"whoCanReach(permissionId)", `query($id: ID!) { whoCanReach(permissionId: $id) { userCount } }`,
			map[string]any{"id": ghost(schema.Permission)}},
		{"whoCanReach(apiId)", `query($id: ID!) { whoCanReach(apiId: $id) { userCount } }`,
			map[string]any{"id": ghost(schema.ResourceServer)}},
		{"neighbourhood depth 1", `query($id: ID!) { neighbourhood(id: $id) { nodes { id } } }`,
			map[string]any{"id": ghost(schema.Role)}},
		{"neighbourhood depth 2", `query($id: ID!) { neighbourhood(id: $id, depth: 2) { nodes { id } } }`,
			map[string]any{"id": ghost(schema.User)}},
		{"shortestPath unknown from", `query($a: ID!, $b: ID!) { shortestPath(from: $a, to: $b) { length } }`,
			map[string]any{"a": ghost(schema.User), "b": perm}},
		{"shortestPath unknown to", `query($a: ID!, $b: ID!) { shortestPath(from: $a, to: $b) { length } }`,
			map[string]any{"a": user, "b": ghost(schema.Permission)}},
		{"paths unknown from", `query($a: ID!, $b: ID!) { paths(from: $a, to: $b) { length } }`,
			map[string]any{"a": ghost(schema.Organization), "b": perm}},
		{"paths unknown to", `query($a: ID!, $b: ID!) { paths(from: $a, to: $b) { length } }`,
			map[string]any{"a": user, "b": ghost(schema.Role)}},
		{"paths unknown tenant", `query($a: ID!, $b: ID!) { paths(from: $a, to: $b) { length } }`,
			map[string]any{"a": user, "b": schema.Key("nowhere.test.local", schema.Permission, "x")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var opts []client.Option
			for k, v := range tc.vars {
				opts = append(opts, client.Var(k, v))
			}
			raw, err := c.RawPost(tc.query, opts...)
			if err != nil {
				t.Fatal(err)
			}
			if code := errCode(t, raw); code != "NOT_FOUND" {
				t.Errorf("code %q, want NOT_FOUND (errors %s, data %s)", code, raw.Errors, raw.Data)
			}
		})
	}
}
