package readme

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/client"

	"github.com/authgraph/authgraph/graph"
	"github.com/authgraph/authgraph/ingest"
	"github.com/authgraph/authgraph/internal/access"
	"github.com/authgraph/authgraph/internal/auth0sim"
	"github.com/authgraph/authgraph/internal/neo4jtest"
	"github.com/authgraph/authgraph/internal/store"
)

// example is one query shown to users, with where it was found.
type example struct {
	where, title, lang, query string
}

var (
	fenceRE   = regexp.MustCompile("(?s)```(cypher|graphql)\n(.*?)```")
	consoleRE = regexp.MustCompile("(?s)title: '([^']*)',\\s*query: `(.*?)`,")
)

func read(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// examples extracts every example: README's fenced cypher/graphql blocks
// (titled by their first comment line) and the console's EXAMPLES.
func examples(t *testing.T) []example {
	var out []example
	for _, m := range fenceRE.FindAllStringSubmatch(read(t, "README.md"), -1) {
		title := strings.TrimSpace(strings.SplitN(m[2], "\n", 2)[0])
		title = strings.TrimPrefix(strings.TrimPrefix(title, "//"), "#")
		out = append(out, example{"README.md", strings.TrimSpace(title), m[1], m[2]})
	}
	n := len(out)
	for _, m := range consoleRE.FindAllStringSubmatch(read(t, "web/app/src/console/examples.ts"), -1) {
		out = append(out, example{"console", m[1], "cypher", m[2]})
	}
	if n == 0 || len(out) == n {
		t.Fatalf("found %d README examples and %d console examples: the extraction no longer matches the files", n, len(out)-n)
	}
	return out
}

// demo is the demo's tenant in the tests' graph and its ground truth.
type demo struct {
	st     *store.Store
	tenant string
	snap   *auth0sim.Tenant
	gql    *client.Client
}

// TestExamplesSayWhatTheyDo syncs the demo's tenant (seed 1, 2,000 users,
// the default user-permissions limit, as `make demo`), runs every example
// and checks its answer against the simulator's ground truth.
func TestExamplesSayWhatTheyDo(t *testing.T) {
	d := neo4jtest.Driver(t)
	tenant := neo4jtest.Tenant(t)
	neo4jtest.Cleanup(t, d, tenant)
	ctx := context.Background()
	st := store.FromDriver(d)
	if err := st.EnsureSchema(ctx); err != nil {
		t.Fatal(err)
	}
	sim, err := auth0sim.New(auth0sim.Config{Seed: 1, Users: 2000})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(sim.Handler())
	defer hs.Close()
	if _, err := ingest.Run(ctx, st, ingest.Config{
		Credentials: ingest.Credentials{Domain: hs.URL, ClientID: sim.ClientID(), ClientSecret: sim.ClientSecret()},
		Tenant:      tenant, ExportPoll: 20 * time.Millisecond,
	}); err != nil {
		t.Fatal(err)
	}
	dm := &demo{st: st, tenant: tenant, snap: sim.Snapshot(),
		gql: client.New(asViewer(graph.NewHandler(graph.Options{Store: st, Introspection: true})))}
	if n := dm.tenants(t); n != 1 {
		// README's queries are not scoped to a tenant: with others in the
		// graph their answers would mix tenants.
		t.Fatalf("the graph holds %d tenants; this test needs the tests' own server (see internal/neo4jtest)", n)
	}

	for _, ex := range examples(t) {
		t.Run(ex.where+"/"+ex.title, func(t *testing.T) {
			check, ok := claims[ex.title]
			if !ok {
				t.Fatalf("no check for the example %q in %s: add what its text promises to claims", ex.title, ex.where)
			}
			check(t, dm, ex)
		})
	}
}

func (dm *demo) tenants(t *testing.T) int {
	r := dm.cypher(t, "MATCH (t:Auth0Tenant) RETURN count(t) AS n", nil)
	return int(r.Rows[0][0].(int64))
}

func (dm *demo) cypher(t *testing.T, q string, params map[string]any) *store.ConsoleResult {
	t.Helper()
	r, err := dm.st.Console(context.Background(), q, params, store.ConsoleOptions{Timeout: time.Minute, MaxRows: 5000})
	if err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
	if r.Truncated {
		t.Fatalf("result truncated (%s)", r.TruncatedReason)
	}
	return r
}

// run runs a console example scoped to the demo's tenant, as the console does.
func (dm *demo) run(t *testing.T, ex example) *store.ConsoleResult {
	return dm.cypher(t, ex.query, map[string]any{"tenant": dm.tenant})
}

func col(t *testing.T, r *store.ConsoleResult, name string) int {
	t.Helper()
	i := slices.Index(r.Columns, name)
	if i < 0 {
		t.Fatalf("no column %q in %v", name, r.Columns)
	}
	return i
}

func sameSet(t *testing.T, what string, got, want []string) {
	t.Helper()
	sort.Strings(got)
	sort.Strings(want)
	got, want = slices.Compact(got), slices.Compact(want)
	if !slices.Equal(got, want) {
		t.Errorf("%s: got %d %v…, want %d %v…", what, len(got), head(got), len(want), head(want))
	}
	if len(want) == 0 {
		t.Errorf("%s: the demo tenant has none, so the example shows nothing", what)
	}
}

func head(s []string) []string { return s[:min(len(s), 5)] }

// truth helpers over the simulator's snapshot.

func (dm *demo) users() map[string]auth0sim.User {
	out := map[string]auth0sim.User{}
	for _, u := range dm.snap.Users {
		out[u.UserID] = u
	}
	return out
}

func (dm *demo) roleHolders() map[string][]string { // role id → user ids
	out := map[string][]string{}
	for _, u := range dm.snap.Users {
		for _, r := range u.RoleIDs {
			out[r] = append(out[r], u.UserID)
		}
	}
	return out
}

func mfa(u auth0sim.User) bool { return len(u.Multifactor) > 0 }

// claims: what each example's text says it returns, keyed by its title.
var claims = map[string]func(t *testing.T, dm *demo, ex example){
	// README: users holding the role named exactly "admin" without MFA.
	"admin-role users without MFA (a user without the property counts as without MFA)": func(t *testing.T, dm *demo, ex example) {
		r := dm.cypher(t, ex.query, nil)
		var got, want []string
		for _, row := range r.Rows {
			got = append(got, fmt.Sprintf("%v %v %v", row[0], row[1], row[2]))
		}
		users := dm.users()
		for _, role := range dm.snap.Roles {
			if role.Name != "admin" {
				continue
			}
			for _, id := range dm.roleHolders()[role.ID] {
				if u := users[id]; !mfa(u) {
					want = append(want, fmt.Sprintf("%v %v admin", u.Email, u.Blocked))
				}
			}
		}
		sameSet(t, "admin users without MFA", got, want)
	},
	// Console: users with a role named like "admin", without MFA.
	"Admin users without MFA": func(t *testing.T, dm *demo, ex example) {
		r := dm.run(t, ex)
		ei, ri := col(t, r, "email"), col(t, r, "role")
		var got, want []string
		for _, row := range r.Rows {
			got = append(got, fmt.Sprintf("%v %v", row[ei], row[ri]))
		}
		users := dm.users()
		for _, role := range dm.snap.Roles {
			if !strings.Contains(strings.ToLower(role.Name), "admin") {
				continue
			}
			for _, id := range dm.roleHolders()[role.ID] {
				if u := users[id]; !mfa(u) {
					want = append(want, fmt.Sprintf("%v %v", u.Email, role.Name))
				}
			}
		}
		sameSet(t, "admin-like role holders without MFA", got, want)
	},
	// Console: M2M clients whose grants give create/update/delete scopes on the Management API.
	"M2M clients with Management API write scopes": func(t *testing.T, dm *demo, ex example) {
		r := dm.run(t, ex)
		ci, si := col(t, r, "client"), col(t, r, "writeScopes")
		write := regexp.MustCompile(`^(create|update|delete):`)
		var got, want []string
		for _, row := range r.Rows {
			got = append(got, fmt.Sprint(row[ci]))
			for _, s := range row[si].([]any) {
				if !write.MatchString(s.(string)) {
					t.Errorf("client %v: %q is not a write scope", row[ci], s)
				}
			}
		}
		mgmt := map[string]bool{}
		for _, rs := range dm.snap.ResourceServers {
			if strings.HasSuffix(rs.Identifier, "/api/v2/") {
				mgmt[rs.Identifier] = true
			}
		}
		clients := map[string]auth0sim.Client{}
		for _, c := range dm.snap.Clients {
			clients[c.ClientID] = c
		}
		for _, cg := range dm.snap.ClientGrants {
			c := clients[cg.ClientID]
			if !mgmt[cg.Audience] || !slices.Contains(c.GrantTypes, "client_credentials") {
				continue
			}
			if slices.ContainsFunc(cg.Scope, write.MatchString) {
				want = append(want, c.Name)
			}
		}
		sameSet(t, "M2M clients with Management API write scopes", got, want)
	},
	// Console: users and clients that reach delete:users on the Management API.
	"Who can reach delete:users": func(t *testing.T, dm *demo, ex example) {
		r := dm.run(t, ex)
		if len(r.Rows) == 0 {
			t.Fatal("nobody reaches delete:users in the demo")
		}
		var perm, users, clients int
		for _, n := range r.Graph.Nodes {
			switch {
			case slices.Contains(n.Labels, "Auth0Permission") && n.Props["value"] == "delete:users":
				perm++
			case slices.Contains(n.Labels, "Auth0User"):
				users++
			case slices.Contains(n.Labels, "Auth0Client"):
				clients++
			}
		}
		if perm != 1 || users == 0 || clients == 0 {
			t.Errorf("paths show %d delete:users permissions, %d users, %d clients; want 1 and some of each", perm, users, clients)
		}
		// Every path ends at delete:users.
		for _, row := range r.Rows {
			p, ok := row[0].(map[string]any)
			if !ok {
				continue
			}
			if nodes, _ := p["nodes"].([]any); len(nodes) > 0 {
				last, _ := nodes[len(nodes)-1].(map[string]any)
				if props, _ := last["properties"].(map[string]any); props != nil && props["value"] != "delete:users" {
					t.Errorf("a path ends at %v", props["value"])
				}
			}
		}
	},
	// Console: roles with how many users hold each, most first.
	"Roles by number of users": func(t *testing.T, dm *demo, ex example) {
		r := dm.run(t, ex)
		ri, ui := col(t, r, "role"), col(t, r, "users")
		var got, want []string
		last := int64(1 << 62)
		for _, row := range r.Rows {
			n := row[ui].(int64)
			if n > last {
				t.Errorf("not ordered by users: %d after %d", n, last)
			}
			last = n
			got = append(got, fmt.Sprintf("%v %d", row[ri], n))
		}
		holders := dm.roleHolders()
		for _, role := range dm.snap.Roles {
			want = append(want, fmt.Sprintf("%s %d", role.Name, len(holders[role.ID])))
		}
		if len(want) > 50 {
			t.Skip("more than 50 roles: the example shows the first 50")
		}
		sameSet(t, "roles and their user counts", got, want)
	},
	// Console: blocked users who are still members of organizations.
	"Blocked users still in organizations": func(t *testing.T, dm *demo, ex example) {
		r := dm.run(t, ex)
		var got, want []string
		for _, e := range r.Graph.Edges {
			got = append(got, relKey(r.Graph, e))
		}
		users := dm.users()
		for _, o := range dm.snap.Organizations {
			for _, m := range o.Members {
				if users[m.UserID].Blocked {
					want = append(want, users[m.UserID].Email+" "+o.Name)
				}
			}
		}
		if len(want) > 100 {
			t.Skip("more than 100 blocked memberships: the example shows the first 100")
		}
		sameSet(t, "blocked users and their organizations", got, want)
	},
	// README: users without MFA, the first 5, with how many there are.
	"users without MFA: the first 5 and how many there are": func(t *testing.T, dm *demo, ex example) {
		var resp struct {
			Users struct {
				TotalCount int
				Nodes      []struct {
					Name, Email string
					MfaEnrolled *bool
					Roles       []struct{ Name string }
				}
			}
		}
		if err := dm.gql.Post(ex.query, &resp); err != nil {
			t.Fatal(err)
		}
		want := 0
		for _, u := range dm.snap.Users {
			if !mfa(u) {
				want++
			}
		}
		if resp.Users.TotalCount != want || len(resp.Users.Nodes) != min(5, want) || want == 0 {
			t.Errorf("totalCount %d, %d nodes; want %d and %d", resp.Users.TotalCount, len(resp.Users.Nodes), want, min(5, want))
		}
		for _, n := range resp.Users.Nodes {
			if n.MfaEnrolled == nil || *n.MfaEnrolled {
				t.Errorf("%s: mfaEnrolled %v", n.Email, n.MfaEnrolled)
			}
		}
	},
}

// relKey names a MEMBER_OF relationship of a console graph as "email org".
func relKey(g store.Subgraph, e store.Edge) string {
	var from, to string
	for _, n := range g.Nodes {
		switch n.ID {
		case e.Source:
			from = fmt.Sprint(n.Props["email"])
		case e.Target:
			to = fmt.Sprint(n.Props["name"])
		}
	}
	return from + " " + to
}

// asViewer runs every request as a signed-in viewer: the README's examples
// are what any reader of the graph may run (web/access_test.go tests roles).
func asViewer(h http.Handler) http.Handler {
	p := &access.Principal{Subject: "readme", Name: "README examples", Role: access.Viewer, Via: "test"}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(access.WithPrincipal(r.Context(), p)))
	})
}
