package auth0sim

import (
	"encoding/base64"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Named roles, in role-list order. Layer-2 users hold at most one of them.
const (
	roleAdmin = iota
	roleSupport
	roleBilling
	roleAuditor
	roleOrgAdmin
	roleOrgMember
	roleLegacyEditor
	roleApprover
)

var specialRoles = []struct{ Name, Description string }{
	{"admin", "Tenant administrators: full access to users, clients and billing"},
	{"support-agent", "Customer support: read users and invoices"},
	{"billing-manager", "Manage invoices and refunds"},
	{"auditor", "Read-only access for audits"},
	{"org-admin", "Administrator inside an organization"},
	{"org-member", "Member inside an organization"},
	{"legacy-editor", "Editor role from the old CMS; its permissions were removed"},
	{"approver", "Approves refunds; nobody holds it yet"},
}

// Named clients, in client-list order.
const (
	clGlobal = iota
	clDefault
	clSPA
	clNative
	clPartner
	clAdminDash
	clDev
	clProvisioning
	clDeployer
	clBillingWorker
	clLegacy
	clSystem
)

var namedClients = []string{"All Applications", "Default App", "Customer Portal", "Mobile",
	"Partner Portal", "Internal Admin Dashboard", "authgraph reader", "Provisioning Service",
	"CI Deployer", "Billing Worker", "Legacy Reporting (decommissioned)", "Self-Service SSO"}

// Named custom APIs: the first two always exist, then APIs-2 more.
type apiSpec struct {
	name, identifier, alg string
	scopes                []string
}

func (s *Sim) apiSpecs() []apiSpec {
	specs := []apiSpec{
		{"Billing API", fmt.Sprintf("https://billing.%s.example/api", s.slug), "RS256",
			[]string{"read:invoices", "create:invoices", "delete:invoices", "refund:payments", "read:payments"}},
		{"Inventory API", "urn:" + s.slug + ":inventory", "HS256",
			[]string{"read:stock", "update:stock", "admin:inventory"}},
		{"Reports API", "reports", "RS256", []string{"read:reports", "export:reports"}},
		{"Notifications API", fmt.Sprintf("https://notify.%s.example/v1", s.slug), "RS256",
			[]string{"send:notifications", "read:templates"}},
	}
	for k := len(specs); k < s.cfg.APIs; k++ {
		w := appWords[k%len(appWords)]
		specs = append(specs, apiSpec{w + " API " + fmt.Sprint(k), fmt.Sprintf("https://%s-%d.%s.example/api", strings.ToLower(w), k, s.slug),
			"RS256", []string{"read:" + strings.ToLower(w), "write:" + strings.ToLower(w)}})
	}
	return specs[:s.cfg.APIs]
}

// generate builds the whole tenant. Users stay virtual (see users.go).
func (s *Sim) generate() {
	cfg := s.cfg
	r := newRNG(cfg.Seed, tagStatic, 0)
	s.epochMs = cfg.Epoch.UnixMilli()
	span := int64(3 * 365 * 24 * time.Hour / time.Millisecond)
	s.t0ms = s.epochMs - span - 24*3600*1000
	s.stepMs = max(span/int64(max(cfg.Users, 1)), 2)
	s.tokPerm = newPerm(1<<32, cfg.Seed, tagTok)
	s.seedTag = uint32(hash3(cfg.Seed, tagStatic, 99))
	s.users.init(cfg.Users)
	s.n = cfg.Users

	s.genConnections(r)
	s.genResourceServers(r)
	s.genClients(r)
	s.genRoles(r)
	s.genOrgs(r)
	s.genClientGrants(r)
	s.genGrants(r)
	s.genUserPerms(r)
	s.genCustomDomains(r)
	s.genSettings()
	s.genLogStreams(r)
	s.genActions(r)
	s.genLogs()
	s.genTenantKeys(r)
	s.genLegacyRules(r)
	s.genHooks(r)
	s.genEmailProvider(r)
	s.genGuardianFactors()
	s.genMfaPolicy()
	s.genAttackProtection()
}

func (s *Sim) newID(r *rng, prefix string) string { return prefix + r.str(16, alnum) }

// secret returns a fresh secret string; every one of them is reported by
// SecretValues.
func secretString(r *rng, n int) string {
	return r.str(n, alnum+"-_")
}

func pemBlock(r *rng, kind string, lines int) string {
	raw := make([]byte, lines*48)
	for i := range raw {
		raw[i] = byte(r.next())
	}
	b64 := base64.StdEncoding.EncodeToString(raw)
	var sb strings.Builder
	sb.WriteString("-----BEGIN " + kind + "-----\r\n")
	for len(b64) > 64 {
		sb.WriteString(b64[:64] + "\r\n")
		b64 = b64[64:]
	}
	sb.WriteString(b64 + "\r\n-----END " + kind + "-----\r\n")
	return sb.String()
}

func ptrBool(b bool) *bool { return &b }

func (s *Sim) genConnections(r *rng) {
	dbName := "Username-Password-Authentication"
	db := &Connection{ID: s.newID(r, "con_"), Name: dbName, Strategy: "auth0", Realms: []string{dbName},
		Options: map[string]any{
			"mfa":                          map[string]any{"active": true, "return_enroll_settings": true},
			"passwordPolicy":               "fair",
			"password_complexity_options":  map[string]any{"min_length": 8},
			"password_history":             map[string]any{"enable": false, "size": 5},
			"password_no_personal_info":    map[string]any{"enable": false},
			"password_dictionary":          map[string]any{"enable": false, "dictionary": []any{}},
			"brute_force_protection":       true,
			"strategy_version":             2,
			"disable_signup":               false,
			"requires_username":            false,
			"import_mode":                  false,
			"enabledDatabaseCustomization": false,
			"authentication_methods":       map[string]any{"password": map[string]any{"enabled": true}, "passkey": map[string]any{"enabled": false}},
		}}
	google := &Connection{ID: s.newID(r, "con_"), Name: "google-oauth2", Strategy: "google-oauth2",
		Realms: []string{"google-oauth2"},
		Options: map[string]any{
			"client_id":     fmt.Sprintf("%d-%s.apps.googleusercontent.com", 100000000000+r.intn(800000000000), r.str(32, "abcdefghijklmnopqrstuvwxyz0123456789")),
			"client_secret": "GOCSPX-" + secretString(r, 28),
			"email":         true,
			"profile":       true,
			"scope":         []any{"email", "profile"},
		}}
	samlName := s.slug + "-saml"
	saml := &Connection{ID: s.newID(r, "con_"), Name: samlName, DisplayName: s.company + " Corp SSO",
		Strategy: "samlp", IsDomainConnection: true, ShowAsButton: ptrBool(true), Realms: []string{samlName},
		Options: map[string]any{
			"signInEndpoint":     fmt.Sprintf("https://idp.corp.%s.example/saml/sso", s.slug),
			"signOutEndpoint":    fmt.Sprintf("https://idp.corp.%s.example/saml/slo", s.slug),
			"cert":               pemBlock(r, "CERTIFICATE", 12),
			"signatureAlgorithm": "rsa-sha256",
			"digestAlgorithm":    "sha256",
			"protocolBinding":    "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST",
			"tenant_domain":      "corp." + s.slug + ".example",
			"domain_aliases":     []any{"corp." + s.slug + ".example"},
			"signSAMLRequest":    true,
			"debug":              false,
			"thumbprints":        []any{r.hex(40)},
			"fieldsMap":          map[string]any{"email": "EmailAddress", "given_name": "FirstName", "family_name": "LastName"},
		},
		ProvisioningTicketURL: fmt.Sprintf("https://%s/p/samlp/%s", s.domain, r.str(8, alnum))}
	azName := s.slug + "-azure"
	azure := &Connection{ID: s.newID(r, "con_"), Name: azName, DisplayName: s.company + " Entra ID",
		Strategy: "waad", ShowAsButton: ptrBool(false), Realms: []string{azName},
		Options: map[string]any{
			"client_id":                              fmt.Sprintf("%s-%s-4%s-a%s-%s", r.hex(8), r.hex(4), r.hex(3), r.hex(3), r.hex(12)),
			"client_secret":                          secretString(r, 40),
			"tenant_domain":                          s.slug + "-sim.onmicrosoft.com",
			"domain":                                 s.slug + "-sim.onmicrosoft.com",
			"waad_protocol":                          "openid-connect",
			"identity_api":                           "microsoft-identity-platform-v2.0",
			"use_wsfed":                              false,
			"useCommonEndpoint":                      false,
			"waad_common_endpoint":                   false,
			"basic_profile":                          true,
			"ext_profile":                            true,
			"ext_groups":                             false,
			"app_domain":                             s.domain,
			"thumbprints":                            []any{},
			"userid_attribute":                       "oid",
			"should_trust_email_verified_connection": "never_set_emails_as_verified",
		}}
	email := &Connection{ID: s.newID(r, "con_"), Name: "email", Strategy: "email", Realms: []string{"email"},
		Options: map[string]any{
			"name": "email",
			"email": map[string]any{"syntax": "liquid", "from": "{{ application.name }} <login@" + s.slug + ".example>",
				"subject": "Your login code", "body": "<html><body>Your code is {{ code }}</body></html>"},
			"totp":                   map[string]any{"length": 6, "time_step": 180},
			"disable_signup":         false,
			"brute_force_protection": true,
			"authParams":             map[string]any{"scope": "openid profile"},
		}}
	sms := &Connection{ID: s.newID(r, "con_"), Name: "sms", Strategy: "sms", Realms: []string{"sms"},
		Options: map[string]any{
			"name":                   "sms",
			"from":                   "+15005550006",
			"syntax":                 "md_with_macros",
			"template":               "Your verification code is: @@password@@",
			"totp":                   map[string]any{"length": 6, "time_step": 300},
			"twilio_sid":             "AC" + r.hex(32),
			"twilio_token":           r.hex(32),
			"messaging_service_sid":  nil,
			"disable_signup":         true,
			"brute_force_protection": false, // misconfigured: unlimited code guesses
		}}
	// A social connection left on Auth0's developer keys (no client id).
	github := &Connection{ID: s.newID(r, "con_"), Name: "github", Strategy: "github", Realms: []string{"github"},
		Options: map[string]any{"scope": []any{"read:user", "user:email"}, "email": true, "profile": true}}
	if s.cfg.Hardened {
		db.Options["passwordPolicy"] = "good"
		db.Options["password_complexity_options"] = map[string]any{"min_length": 12}
		db.Options["password_history"] = map[string]any{"enable": true, "size": 5}
		db.Options["password_no_personal_info"] = map[string]any{"enable": true}
		db.Options["password_dictionary"] = map[string]any{"enable": true, "dictionary": []any{}}
		db.Options["disable_signup"] = true
		sms.Options["brute_force_protection"] = true
		github.Options["client_id"] = "Iv1." + r.hex(16)
		github.Options["client_secret"] = secretString(r, 40)
	}
	s.connections = []*Connection{db, google, saml, azure, email, sms, github}
	s.userConn = [5]*Connection{db, google, saml, azure, email}
}

func (s *Sim) genResourceServers(r *rng) {
	mgmt := &ResourceServer{ID: r.hex(24), Name: "Auth0 Management API", Identifier: s.mgmtAPI, IsSystem: true,
		SigningAlg: "RS256", TokenLifetime: 86400, TokenLifetimeForWeb: 7200, TokenDialect: "access_token",
		UserPolicy: "deny_all", ClientPolicy: "require_client_grant"}
	for _, v := range mgmtScopes {
		mgmt.Scopes = append(mgmt.Scopes, Scope{Value: v, Description: scopeDescription(v)})
	}
	s.resourceServers = []*ResourceServer{mgmt}
	for k, spec := range s.apiSpecs() {
		rs := &ResourceServer{ID: r.hex(24), Name: spec.name, Identifier: spec.identifier, SigningAlg: spec.alg,
			TokenLifetime: 86400, TokenLifetimeForWeb: 7200, EnforcePolicies: true, TokenDialect: "access_token",
			UserPolicy: "allow_all", ClientPolicy: "require_client_grant", AllowOfflineAccess: k == 0}
		for _, v := range spec.scopes {
			rs.Scopes = append(rs.Scopes, Scope{Value: v, Description: scopeDescription(v)})
		}
		switch k {
		case 1: // Inventory: HS256 with a shared secret, week-long tokens, no RBAC.
			rs.SigningSecret = secretString(r, 32)
			rs.TokenLifetime = 604800
			rs.EnforcePolicies = false
			rs.AllowOfflineAccess = true
		case 2: // Reports: lets every application in, skips consent.
			rs.SkipConsentForVerifiableFirstPartyClients = true
			rs.ClientPolicy = "allow_all"
			rs.TokenDialect = "access_token_authz"
		}
		s.resourceServers = append(s.resourceServers, rs)
	}
}

func (s *Sim) api(k int) *ResourceServer { return s.resourceServers[1+k] }

func (s *Sim) signingKeys(r *rng) []SigningKey {
	return []SigningKey{{Cert: pemBlock(r, "CERTIFICATE", 14), Pkcs7: pemBlock(r, "PKCS7", 16), Subject: "deprecated"}}
}

func (s *Sim) genClients(r *rng) {
	app := fmt.Sprintf("https://app.%s.example", s.slug)
	web := func(name, desc string) *Client {
		return &Client{ClientID: r.str(32, alnum), Name: name, Description: desc, IsFirstParty: true,
			OIDCConformant: true, CustomLoginPageOn: true, ClientSecret: secretString(r, 64),
			SigningKeys: s.signingKeys(r), JWTConfiguration: JWTConfiguration{Alg: "RS256", LifetimeInSeconds: 36000},
			OrganizationUsage: "allow"}
	}
	m2m := func(name, desc string) *Client {
		c := web(name, desc)
		c.AppType = "non_interactive"
		c.GrantTypes = []string{"client_credentials"}
		c.TokenEndpointAuthMethod = "client_secret_post"
		c.OrganizationUsage = ""
		return c
	}
	global := web("All Applications", "")
	global.Global = true
	global.OIDCConformant = false
	global.Callbacks, global.AllowedOrigins, global.WebOrigins = []string{}, []string{}, []string{}
	global.GrantTypes = []string{"authorization_code", "implicit", "refresh_token", "client_credentials"}
	global.OrganizationUsage = ""

	def := web("Default App", "")
	def.GrantTypes = []string{"authorization_code", "implicit", "refresh_token", "client_credentials"}
	def.OIDCConformant = false
	def.RefreshToken = &RefreshToken{RotationType: "non-rotating", ExpirationType: "non-expiring", TokenLifetime: 2592000,
		IdleTokenLifetime: 1296000, InfiniteTokenLifetime: true, InfiniteIdleTokenLifetime: true}

	spa := web(s.company+" Customer Portal", "Single-page customer portal")
	spa.AppType = "spa"
	spa.Callbacks = []string{app + "/callback"}
	spa.WebOrigins = []string{app}
	spa.AllowedOrigins = []string{app}
	spa.AllowedLogoutURLs = []string{app + "/"}
	spa.GrantTypes = []string{"authorization_code", "implicit", "refresh_token"}
	spa.TokenEndpointAuthMethod = "none"
	spa.RefreshToken = &RefreshToken{RotationType: "rotating", ExpirationType: "expiring", TokenLifetime: 2592000,
		IdleTokenLifetime: 1296000}
	spa.ClientSecret = secretString(r, 64)

	native := web(s.company+" Mobile", "iOS and Android app")
	native.AppType = "native"
	bundle := "com." + s.slug + ".mobile"
	native.Callbacks = []string{fmt.Sprintf("%s://%s/ios/%s/callback", bundle, s.domain, bundle),
		fmt.Sprintf("%s://%s/android/%s/callback", bundle, s.domain, bundle)}
	native.AllowedLogoutURLs = native.Callbacks
	native.GrantTypes = []string{"authorization_code", "refresh_token", "password"}
	native.TokenEndpointAuthMethod = "none"
	native.RefreshToken = &RefreshToken{RotationType: "rotating", ExpirationType: "expiring", Leeway: 0,
		TokenLifetime: 31557600, IdleTokenLifetime: 2592000}

	partner := web("Partner Portal", "Portal for resellers")
	partner.AppType = "regular_web"
	partner.Callbacks = []string{"https://*.example.com/callback", "https://partners." + s.slug + ".example/callback"}
	partner.WebOrigins = []string{"https://*.example.com"}
	partner.AllowedLogoutURLs = []string{"https://*.example.com/logout"}
	partner.GrantTypes = []string{"authorization_code", "refresh_token", "client_credentials"}
	partner.TokenEndpointAuthMethod = "client_secret_post"
	partner.RefreshToken = &RefreshToken{RotationType: "non-rotating", ExpirationType: "non-expiring",
		TokenLifetime: 2592000, IdleTokenLifetime: 1296000, InfiniteTokenLifetime: true, InfiniteIdleTokenLifetime: true}
	partner.EncryptionKey = &EncryptionKey{Pub: pemBlock(r, "PUBLIC KEY", 6), Cert: pemBlock(r, "CERTIFICATE", 12),
		Subject: "/CN=partners." + s.slug + ".example"}

	dash := web("Internal Admin Dashboard", "Back-office dashboard")
	dash.AppType = "regular_web"
	dash.Callbacks = []string{"http://localhost:3000/callback", "http://admin." + s.slug + ".example/callback"}
	dash.AllowedLogoutURLs = []string{"http://localhost:3000/"}
	dash.WebOrigins = []string{"http://localhost:3000"}
	dash.GrantTypes = []string{"authorization_code", "implicit", "refresh_token", "password"}
	dash.CrossOriginAuth = true
	dash.CrossOriginLoc = "http://localhost:3000/cross-origin"
	dash.JWTConfiguration.Alg = "HS256"
	dash.TokenEndpointAuthMethod = "client_secret_basic"
	dash.OIDCLogout = &OIDCLogout{BackchannelLogoutURLs: []string{"https://admin." + s.slug + ".example/backchannel-logout"},
		InitiatorsMode: "all"}

	dev := m2m("authgraph reader", "Read-only collector used by authgraph")
	dev.ClientID = s.cfg.ClientID
	dev.ClientSecret = s.cfg.ClientSecret
	prov := m2m("Provisioning Service", "Creates and updates users from the HR system")
	deployer := m2m("CI Deployer", "Deploys tenant configuration from CI")
	billing := m2m("Billing Worker", "Nightly invoice job")
	legacy := m2m("Legacy Reporting (decommissioned)", "Turned off in 2024; its grant was never removed")
	legacy.GrantTypes = []string{}
	system := m2m("Self-Service SSO", "Managed by Auth0 for self-service enterprise configuration")
	system.IsFirstParty = true

	s.clients = []*Client{global, def, spa, native, partner, dash, dev, prov, deployer, billing, legacy, system}
	types := []string{"spa", "native", "regular_web", "non_interactive"}
	for k := len(s.clients); k < s.cfg.Clients; k++ {
		w := appWords[k%len(appWords)]
		name := fmt.Sprintf("%s App %d", w, k)
		c := web(name, "")
		c.AppType = types[k%len(types)]
		host := fmt.Sprintf("https://%s-%d.%s.example", strings.ToLower(w), k, s.slug)
		switch c.AppType {
		case "non_interactive":
			c.GrantTypes = []string{"client_credentials"}
			c.TokenEndpointAuthMethod = "client_secret_post"
		case "spa":
			c.Callbacks, c.WebOrigins, c.AllowedOrigins = []string{host + "/callback"}, []string{host}, []string{host}
			c.GrantTypes = []string{"authorization_code", "refresh_token"}
			c.TokenEndpointAuthMethod = "none"
			c.RefreshToken = &RefreshToken{RotationType: "rotating", ExpirationType: "expiring", TokenLifetime: 2592000, IdleTokenLifetime: 1296000}
		case "native":
			c.Callbacks = []string{fmt.Sprintf("com.%s.%s%d://callback", s.slug, strings.ToLower(w), k)}
			c.GrantTypes = []string{"authorization_code", "refresh_token"}
			c.TokenEndpointAuthMethod = "none"
		default:
			c.Callbacks, c.AllowedLogoutURLs = []string{host + "/callback"}, []string{host + "/"}
			c.GrantTypes = []string{"authorization_code", "refresh_token"}
			c.TokenEndpointAuthMethod = "client_secret_post"
			c.OIDCLogout = &OIDCLogout{BackchannelLogoutURLs: []string{host + "/backchannel-logout"}, InitiatorsMode: "all"}
		}
		s.clients = append(s.clients, c)
	}

	// Enabled clients per connection (the v1.45 enabled_clients field).
	interactive := func() []string {
		var ids []string
		for k, c := range s.clients {
			if k == clGlobal || c.AppType == "non_interactive" {
				continue
			}
			ids = append(ids, c.ClientID)
		}
		return ids
	}
	s.connections[0].EnabledClients = interactive()
	s.connections[1].EnabledClients = []string{spa.ClientID, native.ClientID, partner.ClientID}
	s.connections[2].EnabledClients = []string{partner.ClientID, dash.ClientID}
	s.connections[3].EnabledClients = []string{dash.ClientID}
	s.connections[4].EnabledClients = []string{spa.ClientID}
	s.connections[5].EnabledClients = []string{native.ClientID}
	s.connections[6].EnabledClients = []string{spa.ClientID}
}

func (s *Sim) permsOn(rs *ResourceServer, values ...string) []Permission {
	var out []Permission
	for _, v := range values {
		out = append(out, Permission{ResourceServerIdentifier: rs.Identifier, PermissionName: v,
			ResourceServerName: rs.Name, Description: scopeDescription(v)})
	}
	return out
}

func (s *Sim) genRoles(r *rng) {
	mgmt, billing, inventory := s.resourceServers[0], s.api(0), s.api(1)
	perms := [][]Permission{
		roleAdmin: append(append(s.permsOn(mgmt, "read:users", "create:users", "update:users", "delete:users", "update:clients"),
			s.permsOn(billing, "read:invoices", "create:invoices", "delete:invoices", "refund:payments")...),
			s.permsOn(inventory, "admin:inventory")...),
		roleSupport: append(s.permsOn(mgmt, "read:users"), s.permsOn(billing, "read:invoices")...),
		roleBilling: s.permsOn(billing, "read:invoices", "create:invoices", "refund:payments"),
		roleAuditor: append(append(s.permsOn(mgmt, "read:logs"), s.permsOn(billing, "read:invoices", "read:payments")...),
			// A permission of an API deleted since.
			s.permsOn(&ResourceServer{Identifier: "https://reports-v1." + s.slug + ".example/api", Name: "Reports API v1"}, "read:reports")...),
		roleOrgAdmin:     append(s.permsOn(billing, "read:invoices", "create:invoices"), s.permsOn(inventory, "update:stock")...),
		roleOrgMember:    s.permsOn(inventory, "read:stock"),
		roleLegacyEditor: nil,
		roleApprover:     s.permsOn(billing, "refund:payments"),
	}
	for k, sp := range specialRoles {
		s.roles = append(s.roles, newRoleState(Role{ID: s.newID(r, "rol_"), Name: sp.Name, Description: sp.Description,
			Permissions: perms[k]}, 0, 0))
	}
	s.orgAdmin, s.orgMem = s.roles[roleOrgAdmin], s.roles[roleOrgMember]
	// Layer 2: named roles held tenant-wide.
	n := s.n
	left := n
	take := func(want int) int {
		v := min(want, left)
		left -= v
		return v
	}
	l2Roles := []int{roleAdmin, roleSupport, roleBilling, roleAuditor, roleLegacyEditor}
	sizes := []int{take(clamp(n/400, 4, 100)), take(clamp(n/200, 2, 500)), take(clamp(n/500, 1, 200)),
		take(clamp(n/1000, 1, 100)), take(3)}
	s.layer2 = newLayout(n, s.cfg.Seed, tagLayer2, sizes)
	for g, k := range l2Roles {
		s.roles[k].layer, s.roles[k].group = 2, g
		s.l2Roles = append(s.l2Roles, s.roles[k])
	}
	// Layer 1: bulk team roles sharing 30% of users; every 7th is unused.
	apis := s.resourceServers[1:]
	bulk := s.cfg.Roles - len(specialRoles)
	weights := make([]int, bulk)
	for b := range bulk {
		name := fmt.Sprintf("%s-%s", teamWords[b%len(teamWords)], teamSuffixes[(b/len(teamWords))%len(teamSuffixes)])
		if b >= len(teamWords)*len(teamSuffixes) {
			name = fmt.Sprintf("%s-%d", name, b)
		}
		rs := apis[b%len(apis)]
		var ps []Permission
		for _, sc := range rs.Scopes {
			if r.chance(0.5) || len(ps) == 0 {
				ps = append(ps, s.permsOn(rs, sc.Value)...)
			}
		}
		role := newRoleState(Role{ID: s.newID(r, "rol_"), Name: name, Description: "Team role for " + strings.ReplaceAll(name, "-", " "),
			Permissions: ps}, 1, b)
		s.roles = append(s.roles, role)
		s.l1Roles = append(s.l1Roles, role)
		if b%7 != 3 {
			weights[b] = 1 + r.intn(9)
		}
	}
	s.layer1 = newLayout(n, s.cfg.Seed, tagLayer1, splitSizes(n*3/10, weights))
	s.roleByID = map[string]*roleState{}
	for _, ro := range s.roles {
		s.roleByID[ro.ID] = ro
	}
}

func (s *Sim) genOrgs(r *rng) {
	O := s.cfg.Orgs
	weights := make([]int, O)
	s.orgByID = map[string]*orgState{}
	for o := range O {
		w1, w2 := orgWords[o%len(orgWords)], orgSuffixes[(o/len(orgWords))%len(orgSuffixes)]
		name := w1 + "-" + w2
		if o >= len(orgWords)*len(orgSuffixes) {
			name = fmt.Sprintf("%s-%d", name, o)
		}
		display := strings.ReplaceAll(name, "-", " ")
		display = strings.ToUpper(display[:1]) + display[1:]
		org := Organization{ID: s.newID(r, "org_"), Name: name, DisplayName: display,
			LogoURL:      fmt.Sprintf("https://assets.%s.example/orgs/%s.png", s.slug, name),
			PrimaryColor: fmt.Sprintf("#%06X", r.intn(1<<24))}
		if o%3 == 0 {
			org.Metadata = map[string]string{"tier": pick(r, []string{"gold", "silver", "bronze"}), "region": pick(r, []string{"eu", "us", "apac"})}
		}
		switch {
		case o == 2: // no enabled connection: nobody can log in through it
		case o%4 == 1:
			org.EnabledConnections = []OrgConnection{
				{ConnectionID: s.connections[0].ID, AssignMembershipOnLogin: false, ShowAsButton: true, IsSignupEnabled: false},
				{ConnectionID: s.connections[2].ID, AssignMembershipOnLogin: true, ShowAsButton: true}}
		case o%5 == 0:
			org.EnabledConnections = []OrgConnection{
				{ConnectionID: s.connections[0].ID, AssignMembershipOnLogin: false, ShowAsButton: true},
				{ConnectionID: s.connections[1].ID, AssignMembershipOnLogin: false, ShowAsButton: true}}
		default:
			org.EnabledConnections = []OrgConnection{{ConnectionID: s.connections[0].ID, ShowAsButton: true}}
		}
		st := newOrgState(org, o)
		s.orgs = append(s.orgs, st)
		s.orgGroup = append(s.orgGroup, st)
		s.orgByID[st.ID] = st
		switch {
		case o == 0:
			weights[o] = 20 // one big organization
		case o == 2:
		default:
			weights[o] = 1 + r.intn(6)
		}
	}
	s.orgLay = newLayout(s.n, s.cfg.Seed, tagOrgs, splitSizes(s.n*4/10, weights))
	// Invitations: a handful per organization, more in the first one.
	spa := s.clients[clSPA]
	first := min(s.cfg.Invitations/3, 25)
	for k := range s.cfg.Invitations {
		o := 0
		if k >= first && O > 1 {
			o = 1 + (k-first)%(O-1)
		}
		org := s.orgs[o]
		created := time.UnixMilli(s.epochMs - int64(k+1)*3600*1000 - int64(r.intn(3600*1000))).UTC()
		ticket := r.str(32, alnum)
		inv := Invitation{ID: s.newID(r, "uinv_"), OrganizationID: org.ID, ClientID: spa.ClientID,
			InviterName: pick(r, firstNames) + " " + pick(r, lastNames), InviteeEmail: fmt.Sprintf("invitee%d@example.org", k),
			TicketID: ticket, CreatedAt: created, ExpiresAt: created.Add(7 * 24 * time.Hour),
			InvitationURL: fmt.Sprintf("https://login.%s.example/login?invitation=%s&organization=%s&organization_name=%s",
				s.slug, ticket, org.ID, org.Name)}
		if k%2 == 0 {
			inv.ConnectionID = s.connections[0].ID
		}
		if k%3 == 0 {
			inv.Roles = []string{s.orgMem.ID}
		}
		org.Invitations = append(org.Invitations, inv)
	}
}

func (s *Sim) genClientGrants(r *rng) {
	mgmt := s.resourceServers[0]
	add := func(c *Client, rs *ResourceServer, subject string, system bool, scopes ...string) {
		s.clientGrants = append(s.clientGrants, &ClientGrant{ID: s.newID(r, "cgr_"), ClientID: c.ClientID,
			Audience: rs.Identifier, Scope: scopes, SubjectType: subject, IsSystem: system})
	}
	devScopes := s.cfg.Scopes
	if devScopes == nil {
		devScopes = readScopes()
	}
	add(s.clients[clDev], mgmt, "client", false, devScopes...)
	add(s.clients[clProvisioning], mgmt, "client", false, "read:users", "create:users", "update:users", "delete:users",
		"read:clients", "update:clients")
	add(s.clients[clDeployer], mgmt, "client", false, "read:clients", "read:client_grants", "create:client_grants",
		"read:resource_servers")
	add(s.clients[clBillingWorker], s.api(0), "client", false, "read:invoices", "create:invoices")
	add(s.clients[clLegacy], mgmt, "client", false, "read:users", "read:logs")
	// A grant to an API deleted since (its audience names no API any more).
	add(s.clients[clLegacy], &ResourceServer{Identifier: "https://reports-v1." + s.slug + ".example/api"}, "", false, "export:reports")
	add(s.clients[clSystem], mgmt, "client", true, "read:clients", "read:connections", "create:connections",
		"update:connections", "read:organization_connections", "create:organization_connections")
	add(s.clients[clSPA], s.api(0), "user", false, "read:invoices")
	// read:statements: a scope the Billing API no longer defines.
	add(s.clients[clPartner], s.api(0), "", false, "read:invoices", "read:payments", "read:statements")
	for k := len(namedClients); k < len(s.clients); k++ {
		c := s.clients[k]
		if c.AppType != "non_interactive" {
			continue
		}
		rs := s.resourceServers[1+k%(len(s.resourceServers)-1)]
		add(c, rs, "client", false, rs.Scopes[0].Value)
	}
}

func (s *Sim) genGrants(r *rng) {
	userinfo := "https://" + s.domain + "/userinfo"
	consent := []*Client{s.clients[clSPA], s.clients[clNative], s.clients[clPartner]}
	for k := range s.cfg.Grants {
		if s.n == 0 {
			break
		}
		u := int(hash3(s.cfg.Seed, tagStatic, uint64(1000+k)) % uint64(s.n))
		c := consent[k%len(consent)]
		g := Grant{ID: r.hex(24), UserID: s.genUser(u).UserID, ClientID: c.ClientID}
		switch k % 3 {
		case 0:
			g.Audience, g.Scope = userinfo, []string{"openid", "profile", "email"}
		case 1:
			g.Audience, g.Scope = s.api(0).Identifier, []string{"openid", "profile", "read:invoices"}
		default:
			g.Audience, g.Scope = userinfo, []string{}
		}
		if k == 1 {
			// Stale consent: the client it names no longer exists.
			g.ClientID = r.str(32, alnum)
		}
		s.grants = append(s.grants, &grantState{Grant: g, user: u})
	}
}

func (s *Sim) genUserPerms(r *rng) {
	if s.n == 0 {
		return
	}
	mgmt, billing := s.resourceServers[0], s.api(0)
	count := clamp(s.n/200, 3, 50)
	for k := range count {
		u := int(hash3(s.cfg.Seed, tagStatic, uint64(5000+k)) % uint64(s.n))
		id := s.genUser(u).UserID
		var ps []Permission
		switch k % 3 {
		case 0:
			ps = s.permsOn(mgmt, "read:users", "delete:users") // admin-grade, direct
		case 1:
			ps = s.permsOn(billing, "read:invoices")
		default:
			ps = s.permsOn(billing, "refund:payments")
		}
		for _, p := range ps {
			dup := false
			for _, e := range s.userPerms {
				if e.user == u && e.ResourceServerIdentifier == p.ResourceServerIdentifier && e.PermissionName == p.PermissionName {
					dup = true
				}
			}
			if !dup {
				s.userPerms = append(s.userPerms, userPerm{user: u, UserPermission: UserPermission{UserID: id,
					ResourceServerIdentifier: p.ResourceServerIdentifier, PermissionName: p.PermissionName}})
			}
		}
	}
	_ = r
}

func (s *Sim) genCustomDomains(r *rng) {
	for k := range s.cfg.CustomDomains {
		id := s.newID(r, "cd_")
		cd := &CustomDomain{ID: id, TLSPolicy: "recommended", VerificationMethod: "CNAME",
			CreatedAt: time.UnixMilli(s.epochMs - int64(400-k)*24*3600*1000).UTC()}
		cd.VerificationRecord = fmt.Sprintf("%s-%s.edge.tenants.auth0.local", s.domain, strings.ToLower(strings.ReplaceAll(id, "_", "-")))
		switch k {
		case 0:
			cd.Domain, cd.Type, cd.Status, cd.Primary = "login."+s.slug+".example", "auth0_managed_certs", "ready", true
			cd.OriginDomainName = s.domain + ".edge.tenants.auth0.local"
		case 1:
			cd.Domain, cd.Type, cd.Status = "id."+s.slug+".example", "self_managed_certs", "pending_verification"
			cd.CustomClientIPHeader = "cf-connecting-ip"
		default:
			cd.Domain, cd.Type, cd.Status = fmt.Sprintf("auth%d.%s.example", k, s.slug), "auth0_managed_certs", "failed"
		}
		s.customDomains = append(s.customDomains, cd)
	}
}

func (s *Sim) genSettings() {
	s.settings = TenantSettings{
		FriendlyName:             s.company + " Identity",
		PictureURL:               fmt.Sprintf("https://assets.%s.example/logo.png", s.slug),
		SupportEmail:             "support@" + s.slug + ".example",
		DefaultDirectory:         s.connections[0].Name,
		DefaultRedirectionURI:    fmt.Sprintf("https://app.%s.example/login", s.slug),
		SessionLifetime:          720,
		IdleSessionLifetime:      168,
		SandboxVersion:           "16",
		SandboxVersionsAvailable: []string{"22", "18", "16"},
		EnabledLocales:           []string{"en", "fr", "de"},
		AllowedLogoutURLs:        []string{fmt.Sprintf("https://app.%s.example/", s.slug)},
		SessionCookieMode:        "persistent",
		Flags: map[string]bool{
			"allow_legacy_ro_grant_types":            true,
			"allow_legacy_delegation_grant_types":    false,
			"allow_legacy_tokeninfo_endpoint":        true,
			"enable_idtoken_api2":                    false,
			"enable_dynamic_client_registration":     true,
			"disable_clickjack_protection_headers":   true,
			"enable_public_signup_user_exists_error": true,
			"enable_sso":                             true,
			"allow_changing_enable_sso":              false,
			"universal_login":                        true,
			"revoke_refresh_token_grant":             false,
			"disable_impersonation":                  true,
			"enable_client_connections":              false,
			"remove_alg_from_jwks":                   true,
		},
	}
	if s.cfg.Hardened {
		st := &s.settings
		st.SupportURL = fmt.Sprintf("https://help.%s.example", s.slug)
		st.DefaultDirectory = ""
		st.SessionLifetime, st.IdleSessionLifetime = 168, 72
		st.SandboxVersion = "22"
		for _, f := range []string{"allow_legacy_ro_grant_types", "allow_legacy_tokeninfo_endpoint",
			"enable_dynamic_client_registration", "disable_clickjack_protection_headers", "enable_public_signup_user_exists_error"} {
			st.Flags[f] = false
		}
	}
}

func (s *Sim) genLogStreams(r *rng) {
	s.logStreams = []*LogStream{
		{ID: fmt.Sprintf("lst_%016d", 10000+r.intn(90000)), Name: "SIEM webhook", Type: "http", Status: "active",
			Sink: map[string]any{"httpEndpoint": fmt.Sprintf("https://siem.%s.example/ingest/auth0", s.slug),
				"httpContentFormat": "JSONLINES", "httpContentType": "application/json",
				"httpAuthorization": "Bearer " + secretString(r, 40)}},
		{ID: fmt.Sprintf("lst_%016d", 100000+r.intn(90000)), Name: "Datadog", Type: "datadog", Status: "active", IsPriority: true,
			Filters: []map[string]string{{"type": "category", "name": "auth.login.fail"}, {"type": "category", "name": "user.fail"}},
			Sink:    map[string]any{"datadogRegion": "eu", "datadogApiKey": r.hex(32)}},
		{ID: fmt.Sprintf("lst_%016d", 200000+r.intn(90000)), Name: "Old Splunk", Type: "splunk", Status: "suspended",
			Sink: map[string]any{"splunkDomain": "splunk." + s.slug + ".example", "splunkPort": "8088",
				"splunkToken": fmt.Sprintf("%s-%s-%s-%s-%s", r.hex(8), r.hex(4), r.hex(4), r.hex(4), r.hex(12)), "splunkSecure": true}},
	}
}

func (s *Sim) genActions(r *rng) {
	uuid := func() string {
		return fmt.Sprintf("%s-%s-4%s-a%s-%s", r.hex(8), r.hex(4), r.hex(3), r.hex(3), r.hex(12))
	}
	at := func(daysAgo int) time.Time {
		return time.UnixMilli(s.epochMs - int64(daysAgo)*24*3600*1000).UTC().Add(time.Duration(r.intn(1e9)) * time.Nanosecond)
	}
	crmKey := "sk_live_" + secretString(r, 32)
	mk := func(name, trigger, version, runtime, code string, deps []ActionDependency, secrets []string, deployed bool, days int) *Action {
		c := at(days)
		return &Action{ID: uuid(), Name: name, Triggers: []ActionTrigger{{ID: trigger, Version: version}}, Code: code,
			Runtime: runtime, Status: "built", Dependencies: deps, SecretNames: secrets, AllChangesDeployed: deployed,
			Deployed: deployed, CreatedAt: c, UpdatedAt: c.Add(time.Duration(r.intn(days+1)) * 24 * time.Hour)}
	}
	s.actions = []*Action{
		mk("Add roles to tokens", "post-login", "v3", "node18",
			"exports.onExecutePostLogin = async (event, api) => {\n  api.idToken.setCustomClaim('https://"+s.slug+".example/roles', event.authorization?.roles);\n};\n",
			nil, nil, true, 300),
		mk("Block disposable emails", "pre-user-registration", "v2", "node16",
			"const blocked = ['mailinator.example'];\nexports.onExecutePreUserRegistration = async (event, api) => {\n  if (blocked.includes(event.user.email.split('@')[1])) api.access.deny('disposable', 'Not allowed');\n};\n",
			[]ActionDependency{{Name: "lodash", Version: "4.17.21"}}, nil, true, 500),
		mk("Sync to CRM", "post-login", "v3", "node18",
			"const CRM_API_KEY = '"+crmKey+"';\nexports.onExecutePostLogin = async (event) => {\n  await fetch('https://crm."+s.slug+".example/sync', {headers: {authorization: CRM_API_KEY}});\n};\n",
			[]ActionDependency{{Name: "node-fetch", Version: "2.6.7"}}, []string{"CRM_URL"}, true, 120),
		mk("Legacy password webhook", "post-change-password", "v2", "node12",
			"exports.onExecutePostChangePassword = async (event, api) => {\n  // TODO remove\n};\n",
			nil, []string{"WEBHOOK_TOKEN"}, false, 900),
	}
	s.actions[3].Status = "built"
	s.actionSecrets = []string{crmKey}
}

// genLogs creates the events present at start, spread over the two days
// before the epoch, oldest first.
func (s *Sim) genLogs() {
	r := newRNG(s.cfg.Seed, tagLogs, 0)
	L := s.cfg.Logs
	start := s.epochMs - 2*24*3600*1000
	types := []string{"s", "s", "s", "s", "seccft", "ss", "f", "fp", "sv", "scp", "slo", "sapi", "limit_wc", "du"}
	dev := s.clients[clDev]
	spa := s.clients[clSPA]
	for k := range L {
		ms := start + int64(k)*(2*24*3600*1000)/int64(max(L, 1)) + int64(r.intn(1000))
		t := pick(r, types)
		ev := LogEvent{Date: time.UnixMilli(ms).UTC(), Type: t, IP: fmt.Sprintf("203.0.113.%d", 1+r.intn(254)),
			ClientID: spa.ClientID, ClientName: spa.Name}
		if s.n > 0 && t != "seccft" && t != "sapi" {
			u := s.genUser(r.intn(s.n))
			ev.UserID, ev.UserName, ev.Connection, ev.ConnectionID = u.UserID, u.Email, u.Connection, u.ConnectionID
		}
		switch t {
		case "seccft":
			ev.ClientID, ev.ClientName = dev.ClientID, dev.Name
			ev.Audience = s.mgmtAPI
			ev.Scope = strings.Join(readScopes(), " ")
		case "sapi":
			ev.ClientID, ev.ClientName = dev.ClientID, ""
			ev.Description = "Update tenant settings"
			ev.Details = map[string]any{"request": map[string]any{"method": "patch", "path": "/api/v2/tenants/settings",
				"channel": "api", "query": map[string]any{}, "body": map[string]any{}},
				"response": map[string]any{"statusCode": 200, "body": map[string]any{}}}
		case "f", "fp":
			ev.Description = "Wrong email or password."
		case "limit_wc":
			ev.Description = "Too many failed login attempts"
		}
		s.appendLog(ev)
	}
}

// sortedRoleIDs returns ids ordered by the role list.
func (s *Sim) sortedRoleIDs(ids []string) []string {
	pos := map[string]int{}
	for k, r := range s.roles {
		pos[r.ID] = k
	}
	out := append([]string(nil), ids...)
	sort.SliceStable(out, func(a, b int) bool { return pos[out[a]] < pos[out[b]] })
	return out
}
