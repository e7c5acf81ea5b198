package findings_test

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/authgraph/authgraph/ingest"
	"github.com/authgraph/authgraph/internal/auth0sim"
	"github.com/authgraph/authgraph/internal/findings"
	"github.com/authgraph/authgraph/internal/neo4jtest"
	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/rules"
	"github.com/authgraph/authgraph/schema"
)

// TestBuiltinRules evaluates every built-in rule where it must fire and
// where it must not: the simulator's tenant (seed 7), whose misconfigured
// assets sit beside clean ones of the same kind; its Hardened twin, clean
// for the rules whose asset is one per tenant; and a small fixture tenant
// for the user rules, whose expected users are known exactly.
func TestBuiltinRules(t *testing.T) {
	rs := builtin(t)
	e := newEnv(t, auth0sim.Config{Seed: 7, Users: 300})
	e.sync()
	e.run(findings.New(e.st, rs))
	got := e.hits()

	h := newEnv(t, auth0sim.Config{Seed: 7, Users: 300, Hardened: true})
	h.sync()
	h.run(findings.New(h.st, rs))
	hardened := h.hits()

	// A third tenant for what the planted one must keep: a free plan (no
	// email provider) with the SMS factor on Auth0's own provider and a
	// signing key rotated a month ago; and a fourth that cannot read the
	// email provider (not collected is not "none").
	v := newEnv(t, auth0sim.Config{Seed: 7, Users: 20, Plan: auth0sim.PlanFree, SMSFactor: true, KeyAge: 30 * 24 * time.Hour})
	v.sync()
	v.run(findings.New(v.st, rs))
	variant := v.hits()
	noScope := newEnv(t, auth0sim.Config{Seed: 7, Users: 20, Plan: auth0sim.PlanFree, Scopes: readScopesBut("read:email_provider")})
	if sum := noScope.syncWith(func(c *ingest.Config) { c.AllowMissingScopes = true }); sum.Skipped["email_provider"] == "" {
		t.Fatalf("the email provider was not skipped: %v", sum.Skipped)
	}
	noScope.run(findings.New(noScope.st, rs))
	notCollected := noScope.hits()

	fx := newFixture(t, e.st)
	fxSum, err := findings.New(e.st, rs).Run(context.Background(), fx)
	if err != nil || len(fxSum.Failed) > 0 {
		t.Fatalf("fixture run: %v %v", err, fxSum)
	}
	fxHits := hitsOf(t, e.st, fx)

	tn := e.sim.Snapshot()
	clientID := map[string]string{}
	for _, c := range tn.Clients {
		clientID[c.Name] = c.ClientID
	}
	mgmt := e.sim.ManagementAPIIdentifier()
	billing := tn.ResourceServers[1].Identifier
	deletedAPI := "https://reports-v1.wonka.example/api"
	grant := func(client, audience string) string { return clientID[client] + " → " + audience }
	var staleGrant string
	for _, g := range tn.Grants {
		known := false
		for _, c := range tn.Clients {
			known = known || c.ClientID == g.ClientID
		}
		if !known {
			staleGrant = g.UserID + " → " + g.ClientID
		}
	}

	const settings = "Wonka Identity"
	dash, mobile, portal := "Internal Admin Dashboard", "Wonka Mobile", "Wonka Customer Portal"
	db := "Username-Password-Authentication"
	// want: the exact assets (by name) each rule returns on the simulator's
	// tenant; every other asset of the kind is its clean counterpart.
	// oneEach: the rule's asset is one per tenant (or per connection the
	// Hardened twin fixes): the twin must return nothing.
	// users: the rule is checked on the fixture tenant instead.
	// variant: the assets it returns on the third tenant (checked when set).
	cases := map[string]struct {
		want    []string
		oneEach bool
		users   []string
		variant []string
	}{
		"action-not-deployed":                     {want: []string{"Legacy password webhook"}},
		"attack-protection-brute-force-off":       {want: []string{"Brute-force protection"}, oneEach: true},
		"attack-protection-suspicious-ip-off":     {want: []string{"Suspicious IP throttling"}, oneEach: true},
		"attack-protection-breached-password-off": {want: []string{"Breached password detection"}, oneEach: true},
		"mfa-no-factor-enabled":                   {want: []string{"MFA policy"}, oneEach: true},
		"mfa-policy-never":                        {want: []string{"MFA policy"}, oneEach: true},
		// The planted tenant has a provider, the free plan none.
		"email-provider-not-configured": {want: []string{}, oneEach: true, variant: []string{"none"}},
		// The planted tenant's sms factor is off (all are: mfa-no-factor-enabled).
		"mfa-sms-auth0-provider": {want: []string{}, oneEach: true, variant: []string{"sms"}},
		// Current for 400 days on the planted tenant, 30 on the others.
		"signing-key-not-rotated": {want: []string{tn.SigningKeys[2].KID}, oneEach: true, variant: []string{}},
		// The current key, revoked a week ago, on every tenant but the Hardened one.
		"signing-key-revoked-but-current":      {want: []string{tn.SigningKeys[2].KID}, oneEach: true, variant: []string{v.sim.Snapshot().SigningKeys[2].KID}},
		"action-old-runtime":                   {want: []string{"Block disposable emails", "Legacy password webhook"}},
		"api-hs256":                            {want: []string{"Inventory API"}},
		"api-long-token-lifetime":              {want: []string{"Inventory API"}},
		"api-no-rbac":                          {want: []string{"Inventory API"}},
		"client-cross-origin-auth":             {want: []string{dash}},
		"client-generic-app-type":              {want: []string{"Default App"}},
		"client-grant-deleted-api":             {want: []string{grant("Legacy Reporting (decommissioned)", deletedAPI)}},
		"client-grant-type-mismatch":           {want: []string{mobile}},
		"client-grant-undefined-scope":         {want: []string{grant("Partner Portal", billing)}},
		"client-hs256":                         {want: []string{dash}},
		"client-implicit-grant":                {want: []string{"Default App", dash, portal}},
		"client-insecure-callback":             {want: []string{dash}},
		"client-insecure-logout-urls":          {want: []string{dash}},
		"client-insecure-web-origins":          {want: []string{dash}},
		"client-management-write-path":         {want: []string{"CI Deployer", "Provisioning Service"}},
		"client-no-backchannel-logout":         {want: []string{"Partner Portal"}},
		"client-no-grant-types-with-grants":    {want: []string{"Legacy Reporting (decommissioned)"}},
		"client-not-oidc-conformant":           {want: []string{"Default App"}},
		"client-password-grant":                {want: []string{dash, mobile}},
		"client-privilege-escalation":          {want: []string{"CI Deployer", "Provisioning Service"}},
		"client-refresh-token-infinite":        {want: []string{"Default App", "Partner Portal"}},
		"client-refresh-token-long-lifetime":   {want: []string{mobile}},
		"client-refresh-token-not-rotating":    {want: []string{"Default App", "Partner Portal"}},
		"client-wildcard-urls":                 {want: []string{"Partner Portal"}},
		"connection-brute-force-off":           {want: []string{"sms"}, oneEach: true},
		"connection-domain-connection":         {want: []string{"wonka-saml"}},
		"connection-password-dictionary-off":   {want: []string{db}, oneEach: true},
		"connection-password-history-off":      {want: []string{db}, oneEach: true},
		"connection-personal-info-allowed":     {want: []string{db}, oneEach: true},
		"connection-signup-enabled":            {want: []string{db}, oneEach: true},
		"connection-social-dev-keys":           {want: []string{"github"}, oneEach: true},
		"connection-weak-password-policy":      {want: []string{db}, oneEach: true},
		"custom-domain-not-ready":              {want: []string{"id.wonka.example"}},
		"hook-enabled":                         {want: []string{"notify-registration"}},
		"legacy-rule-enabled":                  {want: []string{"Add roles to ID token", "Sync profile to CRM"}},
		"grant-deleted-client":                 {want: []string{staleGrant}},
		"log-stream-inactive":                  {want: []string{"Old Splunk"}},
		"m2m-management-write":                 {want: []string{grant("CI Deployer", mgmt), grant("Provisioning Service", mgmt)}},
		"org-without-connection":               {want: []string{"fabrikam-traders"}},
		"permission-undefined":                 {want: []string{"export:reports", "read:reports", "read:statements"}},
		"role-management-write":                {want: []string{"admin"}},
		"org-members-without-connection":       {want: []string{"contoso-traders", "northwind-traders"}},
		"custom-domain-self-managed-certs":     {want: []string{"id.wonka.example"}},
		"role-unassigned":                      {want: []string{"approver"}},
		"role-undefined-permission":            {want: []string{"auditor"}},
		"role-without-permissions":             {want: []string{"legacy-editor"}},
		"tenant-clickjacking-protection-off":   {want: []string{settings}, oneEach: true},
		"tenant-default-directory-or-audience": {want: []string{settings}, oneEach: true},
		"tenant-dynamic-client-registration":   {want: []string{settings}, oneEach: true},
		"tenant-legacy-flags":                  {want: []string{settings}, oneEach: true},
		"tenant-long-sessions":                 {want: []string{settings}, oneEach: true},
		"tenant-missing-support-info":          {want: []string{settings}, oneEach: true},
		"tenant-old-sandbox":                   {want: []string{settings}, oneEach: true},
		"tenant-signup-user-exists-error":      {want: []string{settings}, oneEach: true},
		"user-admin-without-mfa":               {users: []string{"alice", "dave", "erin"}},
		"user-blocked-with-access":             {users: []string{"frank"}},
		"user-can-delete-users":                {users: []string{"alice", "bob", "dave"}},
		"user-can-update-clients":              {users: []string{"alice", "bob", "erin"}},
		"user-direct-management-permission":    {users: []string{"dave"}},
		"user-inactive-with-roles":             {users: []string{"heidi"}},
		"user-unverified-email-with-roles":     {users: []string{"grace"}},
	}
	for _, r := range rs {
		t.Run(r.ID, func(t *testing.T) {
			c, ok := cases[r.ID]
			if !ok {
				t.Fatalf("no test case for built-in rule %s", r.ID)
			}
			if c.users != nil {
				if g := names(fxHits[r.ID]); !equal(g, c.users) {
					t.Fatalf("fixture users %v, want %v", g, c.users)
				}
				return
			}
			if g := names(got[r.ID]); !equal(g, c.want) {
				t.Fatalf("fires for %v, want %v", g, c.want)
			}
			if c.oneEach && len(hardened[r.ID]) > 0 {
				t.Fatalf("fires on the hardened tenant for %v", names(hardened[r.ID]))
			}
			if c.variant != nil {
				if g := names(variant[r.ID]); !equal(g, c.variant) {
					t.Fatalf("fires on the third tenant for %v, want %v", g, c.variant)
				}
			}
			if len(notCollected[r.ID]) > 0 && r.ID == "email-provider-not-configured" {
				t.Fatalf("fires where the provider was not collected: %v", names(notCollected[r.ID]))
			}
		})
	}
}

func names(m map[string]bool) []string {
	out := []string{}
	for n := range m {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func equal(a, b []string) bool {
	b = append([]string(nil), b...)
	sort.Strings(b)
	return strings.Join(a, "\n") == strings.Join(b, "\n")
}

func hitsOf(t *testing.T, st *store.Store, tenant string) map[string]map[string]bool {
	t.Helper()
	e := &env{t: t, st: st, tenant: tenant}
	return e.hits()
}

// newFixture writes a small tenant of users whose routes to Management API
// scopes are known: alice (admin role, no MFA), bob (admin role, MFA),
// carol (reader role), dave (delete:users directly), erin (update:clients
// through an organization role), frank (blocked, reader), grace (unverified
// email, reader), heidi (no login for years, reader), ivan (no role, no
// login for years).
func newFixture(t *testing.T, st *store.Store) string {
	t.Helper()
	ctx := context.Background()
	d := neo4jtest.Driver(t)
	tenant := neo4jtest.Tenant(t)
	neo4jtest.Cleanup(t, d, tenant)
	const tag = 1
	api := "https://" + tenant + "/api/v2/"
	perm := func(v string) store.Node {
		return store.Node{NativeID: api + "|" + v, Name: v, Props: map[string]any{"value": v, "resource_server_identifier": api,
			"defined": true, "is_management_api": true}}
	}
	must := func(_ store.WriteStats, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := st.EnsureTenant(ctx, tenant, tag); err != nil {
		t.Fatal(err)
	}
	must(st.UpsertNodes(ctx, tenant, schema.ResourceServer, tag, []store.Node{{NativeID: "mgmt", Name: "Auth0 Management API",
		Props: map[string]any{"identifier": api, "is_system": true, "is_management_api": true}}}))
	must(st.UpsertNodes(ctx, tenant, schema.Permission, tag, []store.Node{perm("delete:users"), perm("read:users"), perm("update:clients")}))
	must(st.UpsertNodes(ctx, tenant, schema.Role, tag, []store.Node{{NativeID: "admin", Name: "admin"}, {NativeID: "reader", Name: "reader"}, {NativeID: "orgadmin", Name: "orgadmin"}}))
	must(st.UpsertNodes(ctx, tenant, schema.Organization, tag, []store.Node{{NativeID: "org1", Name: "org1"}}))
	now := time.Now().UTC()
	old := now.AddDate(-3, 0, 0)
	user := func(name string, mfa, blocked, verified bool, last time.Time) store.Node {
		return store.Node{NativeID: "auth0|" + name, Name: name, Props: map[string]any{"mfa_enrolled": mfa, "blocked": blocked,
			"email_verified": verified, "last_login": last, "email": name + "@example.com"}}
	}
	must(st.UpsertNodes(ctx, tenant, schema.User, tag, []store.Node{
		user("alice", false, false, true, now), user("bob", true, false, true, now), user("carol", false, false, true, now),
		user("dave", false, false, true, now), user("erin", false, false, true, now), user("frank", true, true, true, old),
		user("grace", true, false, false, now), user("heidi", true, false, true, old), user("ivan", false, false, true, old)}))
	must(st.UpsertNodes(ctx, tenant, schema.OrgMembership, tag, []store.Node{{NativeID: "org1|auth0|erin", Name: "erin in org1"}}))
	rel := func(from, to string) store.Rel { return store.Rel{From: from, To: to} }
	must(st.UpsertRels(ctx, tenant, schema.RelDefines, tag, []store.Rel{rel("mgmt", api+"|delete:users"), rel("mgmt", api+"|read:users"), rel("mgmt", api+"|update:clients")}))
	must(st.UpsertRels(ctx, tenant, schema.RelRoleGrants, tag, []store.Rel{rel("admin", api+"|delete:users"), rel("admin", api+"|update:clients"),
		rel("reader", api+"|read:users"), rel("orgadmin", api+"|update:clients")}))
	must(st.UpsertRels(ctx, tenant, schema.RelHasRole, tag, []store.Rel{rel("auth0|alice", "admin"), rel("auth0|bob", "admin"),
		rel("auth0|carol", "reader"), rel("auth0|frank", "reader"), rel("auth0|grace", "reader"), rel("auth0|heidi", "reader")}))
	must(st.UpsertRels(ctx, tenant, schema.RelHasPermission, tag, []store.Rel{rel("auth0|dave", api+"|delete:users")}))
	must(st.UpsertRels(ctx, tenant, schema.RelHasMembership, tag, []store.Rel{rel("auth0|erin", "org1|auth0|erin")}))
	must(st.UpsertRels(ctx, tenant, schema.RelIn, tag, []store.Rel{rel("org1|auth0|erin", "org1")}))
	must(st.UpsertRels(ctx, tenant, schema.RelWithRole, tag, []store.Rel{rel("org1|auth0|erin", "orgadmin")}))
	must(st.UpsertRels(ctx, tenant, schema.RelMemberOf, tag, []store.Rel{rel("auth0|erin", "org1")}))
	return tenant
}

// signing-key-revoked-but-current reads either mark of a revocation: the
// simulator's `revoked: true`, and `revoked_at` beside `revoked: false`
// (what Auth0 answered go-auth0's recorded revoke of the current key); a key
// that is not current, or current and not revoked, is not this rule.
func TestRevokedCurrentKeyShapes(t *testing.T) {
	ctx := context.Background()
	var rule []*rules.Rule
	for _, r := range builtin(t) {
		if r.ID == "signing-key-revoked-but-current" {
			rule = append(rule, r)
		}
	}
	if len(rule) != 1 {
		t.Fatal("no built-in rule signing-key-revoked-but-current")
	}
	d := neo4jtest.Driver(t)
	st := store.FromDriver(d)
	tenant := neo4jtest.Tenant(t)
	neo4jtest.Cleanup(t, d, tenant)
	if err := st.EnsureTenant(ctx, tenant, 1); err != nil {
		t.Fatal(err)
	}
	at := time.Now().UTC().Add(-48 * time.Hour).Truncate(time.Millisecond)
	key := func(kid string, props map[string]any) store.Node {
		return store.Node{NativeID: kid, Name: kid, Props: props}
	}
	if _, err := st.UpsertNodes(ctx, tenant, schema.SigningKey, 1, []store.Node{
		key("revoked-flag", map[string]any{"kid": "revoked-flag", "current": true, "revoked": true, "revoked_at": at}),
		key("revoked-at-only", map[string]any{"kid": "revoked-at-only", "current": true, "revoked": false, "revoked_at": at}),
		key("current-clean", map[string]any{"kid": "current-clean", "current": true, "revoked": false}),
		key("revoked-old", map[string]any{"kid": "revoked-old", "current": false, "previous": true, "revoked": true, "revoked_at": at}),
		key("next", map[string]any{"kid": "next", "next": true}),
	}); err != nil {
		t.Fatal(err)
	}
	sum, err := findings.New(st, rule).Run(ctx, tenant)
	if err != nil || len(sum.Failed) > 0 {
		t.Fatalf("rules run: %v %v", err, sum)
	}
	if got, want := names(hitsOf(t, st, tenant)[rule[0].ID]), []string{"revoked-at-only", "revoked-flag"}; !equal(got, want) {
		t.Errorf("fires for %v, want %v", got, want)
	}
}
