package auth0sim

import (
	"bufio"
	"context"
	"encoding/json"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/auth0/go-auth0/management"
)

func TestDeterministic(t *testing.T) {
	a := must(New(Config{Seed: 4, Users: 800}))(t).Snapshot()
	b := must(New(Config{Seed: 4, Users: 800}))(t).Snapshot()
	if !reflect.DeepEqual(a, b) {
		t.Fatal("equal configs gave different tenants")
	}
	c := must(New(Config{Seed: 5, Users: 800}))(t).Snapshot()
	if a.Users[0].UserID == c.Users[0].UserID || a.Clients[0].ClientSecret == c.Clients[0].ClientSecret {
		t.Fatal("different seeds gave the same tenant")
	}
}

func TestTinyTenants(t *testing.T) {
	for _, n := range []int{0, 1, 3, 17} {
		s, _, m := testSim(t, Config{Seed: int64(n), Users: n})
		tn := s.Snapshot()
		ctx := context.Background()
		l := must(m.User.List(ctx))(t)
		if l.Total != n || len(tn.Users) != n {
			t.Fatalf("%d users: listed %d", n, l.Total)
		}
		for _, r := range tn.Roles {
			ul := must(m.Role.Users(ctx, r.ID, management.Take(50)))(t)
			if len(ul.Users) != len(r.UserIDs) {
				t.Fatalf("%d users: role %s", n, r.Name)
			}
		}
		if _, err := m.Organization.List(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

func TestGeneratedShape(t *testing.T) {
	s := must(New(Config{Seed: 2, Users: 2000}))(t)
	tn := s.Snapshot()
	// created_at strictly increases with the index.
	for k := 1; k < len(tn.Users); k++ {
		if !tn.Users[k].CreatedAt.After(tn.Users[k-1].CreatedAt) {
			t.Fatalf("created_at not increasing at %d", k)
		}
	}
	// Ids and e-mails resolve back to their user without a scan.
	for k := 0; k < len(tn.Users); k += 7 {
		u := tn.Users[k]
		if s.indexOfID(u.UserID) != k {
			t.Fatalf("id %s does not resolve to %d", u.UserID, k)
		}
		if got := s.indexesOfEmail(strings.ToUpper(u.Email)); len(got) != 1 || got[0] != k {
			t.Fatalf("email %s resolves to %v", u.Email, got)
		}
	}
	if s.indexOfID("auth0|000000000000000000000000") != -1 || s.indexOfID("google-oauth2|1") != -1 {
		t.Fatal("made-up ids resolve")
	}
	// Every user has exactly one identity, on an existing connection.
	conns := map[string]string{}
	for _, c := range tn.Connections {
		conns[c.Name] = c.ID
	}
	for _, u := range tn.Users {
		if len(u.Identities) != 1 || conns[u.Connection] != u.ConnectionID || u.Identities[0].Connection != u.Connection {
			t.Fatalf("user %s connection %s", u.UserID, u.Connection)
		}
	}
	// Sizes derived from Users.
	if len(tn.Roles) != 10 || len(tn.Organizations) != 20 || len(tn.Clients) != 13 {
		t.Fatalf("sizes: %d roles, %d orgs, %d clients", len(tn.Roles), len(tn.Organizations), len(tn.Clients))
	}
	// The misconfigurations the package documents.
	admin := findRole(tn, "admin")
	byID := map[string]User{}
	for _, u := range tn.Users {
		byID[u.UserID] = u
	}
	var withMFA, without, blocked int
	for _, id := range admin.UserIDs {
		switch u := byID[id]; {
		case u.Blocked:
			blocked++
		case len(u.Multifactor) == 0:
			without++
		default:
			withMFA++
		}
	}
	if withMFA == 0 || without == 0 || blocked != 1 {
		t.Fatalf("admins: %d with MFA, %d without, %d blocked", withMFA, without, blocked)
	}
	if r := findRole(tn, "legacy-editor"); len(r.Permissions) != 0 || len(r.UserIDs) == 0 {
		t.Fatal("legacy-editor should hold no permissions but have holders")
	}
	if r := findRole(tn, "approver"); len(r.UserIDs) != 0 || len(r.Permissions) == 0 {
		t.Fatal("approver should be assigned to nobody")
	}
	grantsOf := func(name string) map[string]bool {
		c := findClientByName(tn, name)
		out := map[string]bool{}
		for _, g := range tn.ClientGrants {
			if g.ClientID == c.ClientID && g.Audience == s.ManagementAPIIdentifier() {
				for _, sc := range g.Scope {
					out[sc] = true
				}
			}
		}
		return out
	}
	if p := grantsOf("Provisioning Service"); !p["create:users"] || !p["update:users"] || !p["delete:users"] || !p["update:clients"] {
		t.Fatal("provisioning grant")
	}
	if !grantsOf("CI Deployer")["create:client_grants"] || len(grantsOf("Legacy Reporting (decommissioned)")) == 0 {
		t.Fatal("deployer or legacy grants")
	}
	if findClientByName(tn, "Legacy Reporting (decommissioned)").GrantTypes == nil {
		t.Fatal("legacy client should have an empty (not absent) grant type list")
	}
	if !contains(findClientByName(tn, "Partner Portal").Callbacks, "https://*.example.com/callback") ||
		!contains(findClientByName(tn, "Internal Admin Dashboard").Callbacks, "http://localhost:3000/callback") {
		t.Fatal("callback misconfigurations")
	}
	clientIDs := map[string]bool{}
	for _, c := range tn.Clients {
		clientIDs[c.ClientID] = true
	}
	stale := 0
	for _, g := range tn.Grants {
		if !clientIDs[g.ClientID] {
			stale++
		}
	}
	if stale != 1 || tn.ResourceServers[2].SigningAlg != "HS256" || !tn.Settings.Flags["allow_legacy_ro_grant_types"] {
		t.Fatal("stale grant, HS256 API or legacy flags")
	}
	var blockedHolder bool
	for _, u := range tn.Users {
		blockedHolder = blockedHolder || (u.Blocked && len(u.RoleIDs) > 0)
	}
	if !blockedHolder || len(tn.UserPermissions) == 0 {
		t.Fatal("blocked role holder or direct permissions missing")
	}
}

func TestSecretValues(t *testing.T) {
	s, srv, _ := testSim(t, Config{Seed: 8, Users: 50})
	secrets := s.SecretValues()
	tn := s.Snapshot()
	set := setOf(secrets)
	for _, c := range tn.Clients {
		if !set[c.ClientSecret] || !set[c.SigningKeys[0].Cert] || !set[c.SigningKeys[0].Pkcs7] {
			t.Fatalf("client %s secrets not listed", c.Name)
		}
	}
	want := []string{tn.Connections[1].Options["client_secret"].(string), tn.Connections[3].Options["client_secret"].(string),
		tn.Connections[5].Options["twilio_token"].(string), tn.LogStreams[0].Sink["httpAuthorization"].(string),
		tn.LogStreams[1].Sink["datadogApiKey"].(string), tn.LogStreams[2].Sink["splunkToken"].(string),
		tn.ResourceServers[2].SigningSecret, s.ClientSecret()}
	for k, w := range want {
		if w == "" || !set[w] {
			t.Fatalf("secret %d not listed", k)
		}
	}
	var hardcoded bool
	for _, a := range tn.Actions {
		for _, v := range secrets {
			hardcoded = hardcoded || strings.Contains(a.Code, v)
		}
	}
	if !hardcoded {
		t.Fatal("the action's hard-coded key is not listed")
	}
	if set[tn.Clients[0].ClientID] || set[""] || set["fair"] {
		t.Fatal("non-secrets listed")
	}
	for _, v := range secrets {
		if len(v) < 8 {
			t.Fatalf("implausibly short secret of %d characters", len(v))
		}
	}
	// And the API does emit them (to a token holding read:client_keys).
	tok := token(t, srv, s.ClientID(), s.ClientSecret())
	var clients []map[string]any
	get(t, srv, tok, "/api/v2/clients", &clients)
	if clients[2]["client_secret"] != tn.Clients[2].ClientSecret {
		t.Fatal("client secret not served")
	}
}

// TestMillionUsers measures the heap of a 1,000,000-user tenant after New
// and after a full users export download (streamed, never buffered).
func TestMillionUsers(t *testing.T) {
	if testing.Short() {
		t.Skip("1M users: skipped with -short")
	}
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	start := time.Now()
	s, srv, m := testSim(t, Config{Seed: 1, Users: 1_000_000, ExportDelay: -1})
	genTime := time.Since(start)
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc - min(ms.HeapAlloc, base.HeapAlloc)
	}
	afterNew := heap()

	ctx := context.Background()
	// Paging, search and membership stay cheap at this size.
	l := must(m.User.List(ctx, management.PerPage(100), management.IncludeTotals(true)))(t)
	if l.Total != 1_000_000 {
		t.Fatalf("total %d", l.Total)
	}
	last := must(m.User.Read(ctx, must(m.User.List(ctx, management.Sort("created_at:-1"), management.PerPage(1)))(t).Users[0].GetID()))(t)
	if last.GetCreatedAt().Before(l.Users[99].GetCreatedAt()) {
		t.Fatal("newest user older than the 100th")
	}

	start = time.Now()
	loc, _ := runExport(t, m, &management.Job{Format: auth0String("json"), Fields: []map[string]interface{}{{"name": "user_id"}, {"name": "email"}}})
	body := download(t, loc)
	sc := bufio.NewScanner(body)
	n := 0
	var peak uint64
	for sc.Scan() {
		if n == 0 {
			var line map[string]string
			if json.Unmarshal(sc.Bytes(), &line) != nil || line["user_id"] == "" {
				t.Fatal("bad first line")
			}
		}
		n++
		if n%250_000 == 0 {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc-min(ms.HeapAlloc, base.HeapAlloc))
		}
	}
	body.Close()
	exportTime := time.Since(start)
	if n != 1_000_000 {
		t.Fatalf("exported %d users", n)
	}
	afterExport := heap()
	t.Logf("1M users: New %v, heap %.1f MB after New, %.1f MB peak during export, %.1f MB after export (export %v); %d requests",
		genTime.Round(time.Millisecond), mb(afterNew), mb(peak), mb(afterExport), exportTime.Round(time.Millisecond), s.Stats().Requests)
	if afterNew > 200<<20 || afterExport > 250<<20 {
		t.Fatalf("heap not proportionate: %.1f MB / %.1f MB", mb(afterNew), mb(afterExport))
	}
	_ = srv
}

func mb(b uint64) float64 { return float64(b) / (1 << 20) }
