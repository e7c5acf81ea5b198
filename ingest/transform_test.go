package ingest

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/auth0/go-auth0/management"

	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

func ptr[T any](v T) *T { return &v }

// noSecrets fails if any property value of a node contains a secret.
func noSecrets(t *testing.T, n store.Node, secrets ...string) {
	t.Helper()
	b, _ := json.Marshal(n)
	for _, s := range secrets {
		if strings.Contains(string(b), s) {
			t.Errorf("node %s carries a secret value", n.NativeID)
		}
	}
}

func TestUserNode(t *testing.T) {
	created := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := []struct {
		name string
		in   management.User
		want map[string]any
		disp string
	}{
		{
			name: "full",
			in: management.User{ID: ptr("auth0|1"), Email: ptr("a@x.io"), Name: ptr("Ann"), Blocked: ptr(true),
				Multifactor: &[]string{"guardian"}, CreatedAt: &created, LoginsCount: ptr(int64(3)),
				Identities: []*management.UserIdentity{{Connection: ptr("db"), Provider: ptr("auth0"), AccessToken: ptr("tok-SECRET")}}},
			want: map[string]any{"email": "a@x.io", "blocked": true, "multifactor": []string{"guardian"}, "mfa_enrolled": true,
				"created_at": created, "logins_count": int64(3), "connection": "db", "provider": "auth0"},
			disp: "Ann",
		},
		{
			name: "absent fields stay absent (blocked and logins_count read as false and 0)",
			in:   management.User{ID: ptr("google-oauth2|2")},
			want: map[string]any{"mfa_enrolled": false, "blocked": false, "logins_count": int64(0)},
			disp: "google-oauth2|2",
		},
		{
			name: "name falls back to email",
			in:   management.User{ID: ptr("auth0|3"), Email: ptr("c@x.io")},
			want: map[string]any{"email": "c@x.io", "mfa_enrolled": false, "blocked": false, "logins_count": int64(0)},
			disp: "c@x.io",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := userNode(&c.in)
			if n.NativeID != c.in.GetID() || n.Name != c.disp {
				t.Errorf("id/name = %q/%q", n.NativeID, n.Name)
			}
			if !reflect.DeepEqual(n.Props, c.want) {
				t.Errorf("props = %#v\nwant %#v", n.Props, c.want)
			}
			noSecrets(t, n, "tok-SECRET")
		})
	}
}

// Above 1,000 users the full collection reads users from the export job,
// an incremental pass from GET /users/{id}: the same user must give the same
// node either way, or every reconcile counts drift. Each case is one user as
// GET returns it (fields left out as Auth0 leaves them out) and as the export
// writes it (every requested field, false and 0 included).
func TestUserNodeSameFromExportAndGet(t *testing.T) {
	cases := []struct{ name, get, export string }{
		{
			name:   "never blocked, never logged in",
			get:    `{"created_at":"2024-01-02T03:04:05.000Z","email":"a@x.io","email_verified":true,"identities":[{"connection":"db","user_id":"1","provider":"auth0","isSocial":false}],"name":"Ann","nickname":"ann","updated_at":"2024-02-01T00:00:00.000Z","user_id":"auth0|1"}`,
			export: `{"user_id":"auth0|1","email":"a@x.io","email_verified":true,"name":"Ann","nickname":"ann","blocked":false,"created_at":"2024-01-02T03:04:05.000Z","updated_at":"2024-02-01T00:00:00.000Z","logins_count":0,"identities":[{"connection":"db","user_id":"1","provider":"auth0","isSocial":false}]}`,
		},
		{
			name:   "unblocked (GET says false once it was set)",
			get:    `{"blocked":false,"created_at":"2024-01-02T03:04:05.000Z","email":"b@x.io","email_verified":false,"identities":[{"connection":"db","user_id":"2","provider":"auth0","isSocial":false}],"name":"Bo renamed","updated_at":"2024-03-01T00:00:00.000Z","user_id":"auth0|2","last_login":"2024-02-15T10:00:00.000Z","last_ip":"10.0.0.2","logins_count":7}`,
			export: `{"user_id":"auth0|2","email":"b@x.io","email_verified":false,"name":"Bo renamed","blocked":false,"created_at":"2024-01-02T03:04:05.000Z","updated_at":"2024-03-01T00:00:00.000Z","last_login":"2024-02-15T10:00:00.000Z","last_ip":"10.0.0.2","logins_count":7,"identities":[{"connection":"db","user_id":"2","provider":"auth0","isSocial":false}]}`,
		},
		{
			name:   "blocked, MFA, social",
			get:    `{"blocked":true,"created_at":"2024-01-02T03:04:05.000Z","email":"c@x.io","email_verified":true,"identities":[{"connection":"google-oauth2","user_id":"3","provider":"google-oauth2","isSocial":true}],"name":"Cy","updated_at":"2024-03-01T00:00:00.000Z","user_id":"google-oauth2|3","logins_count":2,"multifactor":["guardian"]}`,
			export: `{"user_id":"google-oauth2|3","email":"c@x.io","email_verified":true,"name":"Cy","blocked":true,"multifactor":["guardian"],"created_at":"2024-01-02T03:04:05.000Z","updated_at":"2024-03-01T00:00:00.000Z","logins_count":2,"identities":[{"connection":"google-oauth2","user_id":"3","provider":"google-oauth2","isSocial":true}]}`,
		},
		{
			name:   "no name: falls back to the email in both",
			get:    `{"created_at":"2024-01-02T03:04:05.000Z","email":"d@x.io","email_verified":true,"identities":[],"updated_at":"2024-01-02T03:04:05.000Z","user_id":"auth0|4"}`,
			export: `{"user_id":"auth0|4","email":"d@x.io","email_verified":true,"blocked":false,"created_at":"2024-01-02T03:04:05.000Z","updated_at":"2024-01-02T03:04:05.000Z","logins_count":0,"identities":[]}`,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got management.User
			if err := json.Unmarshal([]byte(c.get), &got); err != nil {
				t.Fatal(err)
			}
			var exported []*management.User
			if err := decodeExport(strings.NewReader(c.export+"\n"), func(u *management.User) error {
				exported = append(exported, u)
				return nil
			}); err != nil || len(exported) != 1 {
				t.Fatalf("export: %d users, %v", len(exported), err)
			}
			a, b := userNode(&got), userNode(exported[0])
			if !reflect.DeepEqual(a, b) {
				t.Errorf("GET gives  %#v\nexport gives %#v", a, b)
			}
			if _, ok := a.Props["blocked"]; !ok {
				t.Errorf("no blocked property: %#v", a.Props)
			}
		})
	}
}

func TestIdentityRels(t *testing.T) {
	u := &management.User{ID: ptr("auth0|1"), Identities: []*management.UserIdentity{
		{Connection: ptr("db"), Provider: ptr("auth0")},
		{Connection: ptr("gone"), Provider: ptr("google-oauth2")},
	}}
	got := identityRels(u, map[string]string{"db": "con_1"})
	if len(got) != 1 || got[0].From != "auth0|1" || got[0].To != "con_1" {
		t.Fatalf("identityRels = %+v", got)
	}
}

func TestClientNodeNeverStoresSecrets(t *testing.T) {
	c := &management.Client{
		ClientID: ptr("cid"), Name: ptr("M2M"), AppType: ptr("non_interactive"), ClientSecret: ptr("S3CRET-VALUE"),
		SigningKeys:      []map[string]string{{"cert": "CERT-VALUE", "pkcs7": "PKCS-VALUE"}},
		EncryptionKey:    &map[string]string{"pub": "ENC-VALUE"},
		ClientMetadata:   &map[string]interface{}{"apikey": "META-VALUE"},
		Callbacks:        &[]string{"https://*.example.com/cb"},
		JWTConfiguration: &management.ClientJWTConfiguration{Algorithm: ptr("HS256")},
		RefreshToken:     &management.ClientRefreshToken{RotationType: ptr("non-rotating"), InfiniteTokenLifetime: ptr(true)},
		GrantTypes:       &[]string{"client_credentials"},
	}
	n := clientNode(c)
	noSecrets(t, n, "S3CRET-VALUE", "CERT-VALUE", "PKCS-VALUE", "ENC-VALUE", "META-VALUE")
	p := n.Props
	if p["jwt_alg"] != "HS256" || p["refresh_token_rotation_type"] != "non-rotating" || p["confidential"] != true {
		t.Errorf("props = %#v", p)
	}
	if !reflect.DeepEqual(p["callbacks"], []string{"https://*.example.com/cb"}) {
		t.Errorf("callbacks = %#v", p["callbacks"])
	}
	spa := clientNode(&management.Client{ClientID: ptr("spa"), AppType: ptr("spa"), TokenEndpointAuthMethod: ptr("none")})
	if spa.Props["confidential"] != false {
		t.Error("a public client must not be confidential")
	}
}

func TestClientGrantRows(t *testing.T) {
	g := &management.ClientGrant{ID: ptr("cgr_1"), ClientID: ptr("cid"), Audience: ptr("https://t/api/v2/"),
		Scope: &[]string{"read:users", "delete:users"}, IsSystem: ptr(true)}
	cases := []struct {
		name     string
		rsID     string
		wantRels map[*schema.Relation]int
	}{
		{"known API", "rs_mgmt", map[*schema.Relation]int{schema.RelClientGrantForClient: 1, schema.RelClientGrantGrants: 2, schema.RelClientGrantForAPI: 1, schema.RelCanAccess: 1}},
		{"API gone", "", map[*schema.Relation]int{schema.RelClientGrantForClient: 1, schema.RelClientGrantGrants: 2}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			node, perms, rels := clientGrantRows(g, c.rsID)
			if node.NativeID != "cgr_1" || len(perms) != 2 {
				t.Fatalf("node %+v perms %d", node, len(perms))
			}
			if perms[0].NativeID != "https://t/api/v2/|read:users" || perms[0].Props["defined"] != false {
				t.Errorf("perm ref = %+v", perms[0])
			}
			got := map[*schema.Relation]int{}
			for r, l := range rels {
				got[r] = len(l)
			}
			if !reflect.DeepEqual(got, c.wantRels) {
				t.Errorf("rels = %v, want %v", got, c.wantRels)
			}
			if c.rsID != "" {
				ca := rels[schema.RelCanAccess][0]
				if ca.From != "cid" || ca.To != "rs_mgmt" || !reflect.DeepEqual(ca.Props["scopes"], []string{"read:users", "delete:users"}) {
					t.Errorf("CAN_ACCESS = %+v", ca)
				}
			}
		})
	}
}

func TestGrantRowsUserinfoAudience(t *testing.T) {
	g := &management.Grant{ID: ptr("g1"), UserID: ptr("auth0|1"), ClientID: ptr("cid"), Audience: ptr("https://t/userinfo"), Scope: []interface{}{"openid", "profile"}}
	node, rels := grantRows(g, "")
	if !reflect.DeepEqual(node.Props["scope"], []string{"openid", "profile"}) {
		t.Errorf("scope = %#v", node.Props)
	}
	if _, ok := rels[schema.RelGrantForAPI]; ok {
		t.Error("userinfo audience is no resource server: no FOR_API edge")
	}
	if rels[schema.RelConsented][0].From != "auth0|1" || rels[schema.RelGrantForClient][0].To != "cid" {
		t.Errorf("rels = %+v", rels)
	}
}

func TestConnectionNode(t *testing.T) {
	cases := []struct {
		name    string
		conn    string
		want    map[string]any
		secrets []string
	}{
		{
			name: "database",
			conn: `{"id":"con_1","name":"db","strategy":"auth0","options":{"passwordPolicy":"good","password_complexity_options":{"min_length":8},"password_history":{"enable":false,"size":5},"brute_force_protection":true,"disable_signup":false}}`,
			want: map[string]any{"strategy": "auth0", "password_policy": "good", "password_min_length": 8, "password_history_enabled": false, "brute_force_protection": true, "disable_signup": false},
		},
		{
			name:    "social with own keys",
			conn:    `{"id":"con_2","name":"google-oauth2","strategy":"google-oauth2","options":{"client_id":"gid","client_secret":"GOOGLE-SECRET"}}`,
			want:    map[string]any{"strategy": "google-oauth2", "uses_dev_keys": false},
			secrets: []string{"GOOGLE-SECRET", "gid"},
		},
		{
			name: "social on dev keys",
			conn: `{"id":"con_3","name":"github","strategy":"github","options":{}}`,
			want: map[string]any{"strategy": "github", "uses_dev_keys": true},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var conn management.Connection
			if err := json.Unmarshal([]byte(c.conn), &conn); err != nil {
				t.Fatal(err)
			}
			n := connectionNode(&conn)
			if !reflect.DeepEqual(n.Props, c.want) {
				t.Errorf("props = %#v\nwant %#v", n.Props, c.want)
			}
			noSecrets(t, n, c.secrets...)
		})
	}
}

func TestResourceServerRows(t *testing.T) {
	rs := &management.ResourceServer{ID: ptr("rs1"), Name: ptr("Auth0 Management API"), Identifier: ptr("https://t/api/v2/"),
		IsSystem: ptr(true), SigningSecret: ptr("HS-SECRET"), Scopes: &[]management.ResourceServerScope{{Value: ptr("read:users"), Description: ptr("Read users")}}}
	node, perms := resourceServerRows(rs)
	noSecrets(t, node, "HS-SECRET")
	p := node.Props
	if p["is_management_api"] != true || p["scope_count"] != 1 {
		t.Errorf("props = %#v", p)
	}
	if len(perms) != 1 || perms[0].NativeID != "https://t/api/v2/|read:users" || perms[0].Props["defined"] != true {
		t.Errorf("perms = %+v", perms)
	}
	custom, _ := resourceServerRows(&management.ResourceServer{ID: ptr("rs2"), Identifier: ptr("urn:orders")})
	if custom.Props["is_management_api"] != false || custom.Name != "urn:orders" {
		t.Errorf("custom = %+v", custom)
	}
}

func TestMembershipRows(t *testing.T) {
	m := &management.OrganizationMember{UserID: ptr("auth0|1"), Email: ptr("a@x.io"),
		Roles: []*management.OrganizationMemberListRole{{ID: ptr("rol_1")}, {ID: ptr("rol_2")}}}
	node, rels := membershipRows("org_1", m)
	if node.NativeID != "org_1|auth0|1" {
		t.Errorf("membership id = %q", node.NativeID)
	}
	want := map[*schema.Relation]int{schema.RelMemberOf: 1, schema.RelHasMembership: 1, schema.RelIn: 1, schema.RelWithRole: 2}
	for r, n := range want {
		if len(rels[r]) != n {
			t.Errorf("%s: %d rows, want %d", r.Name(), len(rels[r]), n)
		}
	}
}

func TestTenantSettingsNode(t *testing.T) {
	ts := &management.Tenant{FriendlyName: ptr("Acme"), SandboxVersion: ptr("16"),
		Flags: &management.TenantFlags{AllowLegacyROGrantTypes: ptr(true), DisableClickjackProtectionHeaders: ptr(false)}}
	n := tenantSettingsNode("acme.auth0.com", ts)
	p := n.Props
	if n.NativeID != "acme.auth0.com" || p["flag_allow_legacy_ro_grant_types"] != true || p["flag_disable_clickjack_protection_headers"] != false || p["sandbox_version"] != "16" {
		t.Errorf("node = %+v", n)
	}
}

// Every transform's properties must be declared on its kind, or the store
// would refuse the row.
func TestTransformsUseDeclaredProps(t *testing.T) {
	check := func(k *schema.Kind, n store.Node) {
		for name := range n.Props {
			if _, ok := k.Prop(name); !ok {
				t.Errorf("%s: property %q not declared", k.Name, name)
			}
		}
	}
	check(schema.User, userNode(&management.User{ID: ptr("u"), Email: ptr("e"), Identities: []*management.UserIdentity{{Connection: ptr("c")}}, CreatedAt: ptr(time.Now())}))
	check(schema.Client, clientNode(&management.Client{ClientID: ptr("c"), JWTConfiguration: &management.ClientJWTConfiguration{Algorithm: ptr("RS256")}, RefreshToken: &management.ClientRefreshToken{}, OIDCLogout: &management.OIDCLogout{BackChannelLogoutURLs: &[]string{}}}))
	rs, perms := resourceServerRows(&management.ResourceServer{ID: ptr("r"), Scopes: &[]management.ResourceServerScope{{Value: ptr("v")}}})
	check(schema.ResourceServer, rs)
	check(schema.Permission, perms[0])
	g, _, _ := clientGrantRows(&management.ClientGrant{ID: ptr("g")}, "")
	check(schema.ClientGrant, g)
	ug, _ := grantRows(&management.Grant{ID: ptr("g")}, "")
	check(schema.Grant, ug)
	check(schema.TenantSettings, tenantSettingsNode("t", &management.Tenant{Flags: &management.TenantFlags{}, SessionCookie: &management.TenantSessionCookie{Mode: ptr("persistent")}}))
	check(schema.CustomDomain, customDomainNode(&management.CustomDomain{ID: ptr("cd")}))
	check(schema.Action, actionNode(&management.Action{ID: ptr("a"), Secrets: &[]management.ActionSecret{{Name: ptr("KEY"), Value: ptr("ACTION-SECRET")}}}))
	m, _ := membershipRows("o", &management.OrganizationMember{UserID: ptr("u")})
	check(schema.OrgMembership, m)
	a := actionNode(&management.Action{ID: ptr("a"), Secrets: &[]management.ActionSecret{{Name: ptr("KEY"), Value: ptr("ACTION-SECRET")}}})
	noSecrets(t, a, "ACTION-SECRET")
}

func TestDeclaredNode(t *testing.T) {
	k := &schema.Kind{Name: "T", Props: []schema.Property{
		{Name: "s", Type: schema.String},
		{Name: "b", Type: schema.Bool},
		{Name: "n", Type: schema.Int},
		{Name: "f", Type: schema.Float},
		{Name: "at", Type: schema.Time},
		{Name: "l", Type: schema.StringList},
		{Name: "alg", Type: schema.String, From: "jwt.alg"},
		{Name: "wrong", Type: schema.Int},
	}}
	var obj map[string]any
	in := `{"s":"x","b":true,"n":3,"f":1.5,"at":"2024-05-01T10:00:00.000+02:00","l":["a",1,"b"],
		"jwt":{"alg":"RS256"},"wrong":"seven","cert":"-----BEGIN CERTIFICATE-----","key":"PRIVATE"}`
	if err := json.Unmarshal([]byte(in), &obj); err != nil {
		t.Fatal(err)
	}
	n := declaredNode(k, obj, "id1", "name1")
	want := map[string]any{"s": "x", "b": true, "n": int64(3), "f": 1.5,
		"at": time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC), "l": []string{"a", "b"}, "alg": "RS256"}
	if n.NativeID != "id1" || n.Name != "name1" || !reflect.DeepEqual(map[string]any(n.Props), want) {
		t.Errorf("declaredNode = %s %s %#v, want %#v", n.NativeID, n.Name, n.Props, want)
	}
	noSecrets(t, n, "CERTIFICATE", "PRIVATE")
}
