package graph_test

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/client"

	"github.com/authgraph/authgraph/ingest"
	"github.com/authgraph/authgraph/internal/auth0sim"
	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

// post runs a query and fails the test on any GraphQL error.
func post(t *testing.T, c *client.Client, q string, resp any, opts ...client.Option) {
	t.Helper()
	if err := c.Post(q, resp, opts...); err != nil {
		t.Fatalf("query failed: %v\n%s", err, q)
	}
}

type ref struct {
	ID   string
	Name string
}

func ids(refs []ref) []string {
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = r.ID
	}
	sort.Strings(out)
	return out
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

func sameSet(t *testing.T, what string, got, want []string) {
	t.Helper()
	g, w := dedupe(sorted(got)), dedupe(sorted(want))
	if strings.Join(g, "\n") != strings.Join(w, "\n") {
		t.Errorf("%s:\n got  %v\n want %v", what, g, w)
	}
}

func dedupe(s []string) []string {
	var out []string
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}

// truth indexes the simulator's snapshot.
type truth struct {
	*auth0sim.Tenant
	roles    map[string]auth0sim.Role
	apiByAud map[string]auth0sim.ResourceServer
	userOrgs map[string][]auth0sim.Organization
}

func (e *testEnv) truth() *truth {
	tr := &truth{Tenant: e.snap, roles: map[string]auth0sim.Role{}, apiByAud: map[string]auth0sim.ResourceServer{},
		userOrgs: map[string][]auth0sim.Organization{}}
	for _, r := range e.snap.Roles {
		tr.roles[r.ID] = r
	}
	for _, rs := range e.snap.ResourceServers {
		tr.apiByAud[rs.Identifier] = rs
	}
	for _, o := range e.snap.Organizations {
		for _, m := range o.Members {
			tr.userOrgs[m.UserID] = append(tr.userOrgs[m.UserID], o)
		}
	}
	return tr
}

func (e *testEnv) permKey(aud, value string) string {
	return e.key(schema.Permission, ingest.PermissionID(aud, value))
}

func (e *testEnv) rolePerms(r auth0sim.Role) []string {
	var out []string
	for _, p := range r.Permissions {
		out = append(out, e.permKey(p.ResourceServerIdentifier, p.PermissionName))
	}
	return out
}

// expectedUserPerms computes a user's permissions from the ground truth, by
// way (ROLE, ORG_ROLE, DIRECT).
func (e *testEnv) expectedUserPerms(tr *truth, u auth0sim.User) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	add := func(p, via string) {
		if out[p] == nil {
			out[p] = map[string]bool{}
		}
		out[p][via] = true
	}
	for _, rid := range u.RoleIDs {
		for _, p := range e.rolePerms(tr.roles[rid]) {
			add(p, store.ViaRole)
		}
	}
	for _, o := range tr.userOrgs[u.UserID] {
		for _, m := range o.Members {
			if m.UserID != u.UserID {
				continue
			}
			for _, rid := range m.Roles {
				for _, p := range e.rolePerms(tr.roles[rid]) {
					add(p, store.ViaOrgRole)
				}
			}
		}
	}
	for _, up := range tr.UserPermissions {
		if up.UserID == u.UserID {
			add(e.permKey(up.ResourceServerIdentifier, up.PermissionName), store.ViaDirect)
		}
	}
	return out
}

func TestNodeForEveryKind(t *testing.T) {
	e := setup(t)
	c := e.client()
	ctx := context.Background()
	for _, k := range schema.Kinds {
		t.Run(k.Name, func(t *testing.T) {
			page, _, err := e.st.List(ctx, store.ListQuery{Kind: k, Tenant: e.tenant, Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				t.Fatalf("the synced tenant has no %s", k.Name)
			}
			id := page[0].ID()
			var resp struct {
				Node struct {
					Typename  string `json:"__typename"`
					ID        string
					Kind      string
					NativeID  string
					Tenant    string
					Name      string
					FirstSeen *string
					LastSeen  *string
				}
			}
			post(t, c, `query($id: ID!) { node(id: $id) { __typename id kind nativeId tenant name firstSeen lastSeen } }`, &resp, client.Var("id", id))
			n := resp.Node
			if n.Typename != k.Name || n.ID != id || n.Kind != k.Name || n.Tenant != e.tenant || n.Name == "" {
				t.Errorf("node(%s) = %+v", id, n)
			}
			if schema.Key(e.tenant, k, n.NativeID) != id {
				t.Errorf("nativeId %q does not make id %q", n.NativeID, id)
			}
			fs, ls := parseTime(t, n.FirstSeen), parseTime(t, n.LastSeen)
			if fs.IsZero() || ls.IsZero() || ls.Before(fs) || time.Since(ls) > time.Hour {
				t.Errorf("firstSeen %v lastSeen %v", fs, ls)
			}
		})
	}
	t.Run("missing and malformed", func(t *testing.T) {
		var resp struct{ Node *struct{ ID string } }
		post(t, c, `query($id: ID!) { node(id: $id) { id } }`, &resp, client.Var("id", e.key(schema.User, "auth0|nobody")))
		if resp.Node != nil {
			t.Errorf("node of a missing id = %+v, want null", resp.Node)
		}
		raw, err := c.RawPost(`{ node(id: "not-an-id") { id } }`)
		if err != nil {
			t.Fatal(err)
		}
		if code := errCode(t, raw); code != "INVALID" {
			t.Errorf("malformed id: code %q, errors %s", code, raw.Errors)
		}
	})
}

// parseTime reads a Time scalar (zero for null).
func parseTime(t *testing.T, s *string) time.Time {
	t.Helper()
	if s == nil {
		return time.Time{}
	}
	v, err := time.Parse(time.RFC3339Nano, *s)
	if err != nil {
		t.Fatalf("bad time %q: %v", *s, err)
	}
	return v
}

func errCode(t *testing.T, r *client.Response) string {
	t.Helper()
	var errs []struct {
		Message    string
		Extensions map[string]any
	}
	if len(r.Errors) == 0 {
		return ""
	}
	if err := json.Unmarshal(r.Errors, &errs); err != nil || len(errs) == 0 {
		t.Fatalf("errors %s: %v", r.Errors, err)
	}
	code, _ := errs[0].Extensions["code"].(string)
	return code
}

func errMessage(t *testing.T, r *client.Response) string {
	t.Helper()
	var errs []struct{ Message string }
	_ = json.Unmarshal(r.Errors, &errs)
	if len(errs) == 0 {
		return ""
	}
	return errs[0].Message
}

func TestUserProperties(t *testing.T) {
	e := setup(t)
	c := e.client()
	for _, u := range e.snap.Users[:20] {
		var resp struct {
			Node struct {
				Email       *string
				Blocked     *bool
				LoginsCount *int
				Connection  *string
				MfaEnrolled *bool
				LastLogin   *string
				Identities  []struct {
					Connection ref
					Provider   *string
				}
			}
		}
		post(t, c, `query($id: ID!) { node(id: $id) { ... on User { email blocked loginsCount connection mfaEnrolled lastLogin
			identities { connection { id name } provider } } } }`, &resp, client.Var("id", e.key(schema.User, u.UserID)))
		n := resp.Node
		if n.Email == nil || *n.Email != u.Email || n.Connection == nil || *n.Connection != u.Connection {
			t.Errorf("user %s: email %v connection %v, want %s %s", u.UserID, n.Email, n.Connection, u.Email, u.Connection)
		}
		if (n.Blocked != nil && *n.Blocked) != u.Blocked {
			t.Errorf("user %s: blocked %v, want %v", u.UserID, n.Blocked, u.Blocked)
		}
		if n.LoginsCount == nil && u.LoginsCount != 0 || n.LoginsCount != nil && int64(*n.LoginsCount) != u.LoginsCount {
			t.Errorf("user %s: loginsCount %v, want %d", u.UserID, n.LoginsCount, u.LoginsCount)
		}
		if (n.MfaEnrolled != nil && *n.MfaEnrolled) != (len(u.Multifactor) > 0) {
			t.Errorf("user %s: mfaEnrolled %v, multifactor %v", u.UserID, n.MfaEnrolled, u.Multifactor)
		}
		if ll := parseTime(t, n.LastLogin); !ll.Equal(u.LastLogin) {
			t.Errorf("user %s: lastLogin %v, want %v", u.UserID, n.LastLogin, u.LastLogin)
		}
		if len(n.Identities) != 1 || n.Identities[0].Connection.ID != e.key(schema.Connection, u.ConnectionID) {
			t.Errorf("user %s: identities %+v, want connection %s", u.UserID, n.Identities, u.ConnectionID)
		}
	}
}
