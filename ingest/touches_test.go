package ingest

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/auth0/go-auth0/management"
)

func logEvent(t *testing.T, js string) *management.Log {
	t.Helper()
	var l management.Log
	if err := json.Unmarshal([]byte(js), &l); err != nil {
		t.Fatal(err)
	}
	return &l
}

func sapi(method, path, body, resp string) string {
	if body == "" {
		body = "{}"
	}
	if resp == "" {
		resp = "{}"
	}
	return `{"log_id":"900","type":"sapi","description":"x","client_id":"c1","details":{"request":{"auth":{"credentials":{},"strategy":"jwt","user":{}},` +
		`"method":"` + method + `","path":"` + path + `","query":{},"body":` + body + `,"channel":"api"},"response":{"statusCode":200,"body":` + resp + `}}}`
}

func TestTouchesFromLog(t *testing.T) {
	cases := []struct {
		name string
		js   string
		want []Touch
	}{
		{"user create names the id in the response", sapi("post", "/api/v2/users", `{"email":"a@b"}`, `{"user_id":"auth0|1","email":"a@b"}`),
			[]Touch{{Resource: "users", ID: "auth0|1"}}},
		{"user create without response id", sapi("post", "/api/v2/users", "", ""), []Touch{{Resource: "users"}}},
		{"user delete, escaped path", sapi("delete", "/api/v2/users/auth0%7C64107988", "null", ""),
			[]Touch{{Resource: "users", ID: "auth0|64107988", Deleted: true}}},
		{"user patch", sapi("patch", "/api/v2/users/auth0|2", `{"blocked":true}`, ""), []Touch{{Resource: "users", ID: "auth0|2"}}},
		{"user roles", sapi("post", "/api/v2/users/auth0|2/roles", `{"roles":["rol_1"]}`, ""),
			[]Touch{{Resource: "users", ID: "auth0|2", Sub: SubRoles}}},
		{"user roles removed", sapi("delete", "/api/v2/users/auth0|2/roles", `{"roles":["rol_1"]}`, ""),
			[]Touch{{Resource: "users", ID: "auth0|2", Sub: SubRoles}}},
		{"user direct permissions", sapi("post", "/api/v2/users/auth0|2/permissions", "", ""),
			[]Touch{{Resource: "users", ID: "auth0|2", Sub: SubPermissions}}},
		{"user mfa enrolment removed", sapi("delete", "/api/v2/users/auth0|2/multifactor/guardian", "", ""),
			[]Touch{{Resource: "users", ID: "auth0|2"}}},
		{"a read changes nothing", sapi("get", "/api/v2/users/auth0|2", "", ""), nil},
		{"a failed write changes nothing", `{"type":"sapi","details":{"request":{"method":"delete","path":"/api/v2/clients/x"},"response":{"statusCode":404}}}`, nil},
		{"role users name the users", sapi("post", "/api/v2/roles/rol_1/users", `{"users":["u1","u2"]}`, ""),
			[]Touch{{Resource: "users", ID: "u1", Sub: SubRoles}, {Resource: "users", ID: "u2", Sub: SubRoles}}},
		{"role users without a body", sapi("post", "/api/v2/roles/rol_1/users", "", ""),
			[]Touch{{Resource: "roles", ID: "rol_1", Sub: SubUsers}}},
		{"role permissions", sapi("delete", "/api/v2/roles/rol_1/permissions", "", ""),
			[]Touch{{Resource: "roles", ID: "rol_1", Sub: SubPermissions}}},
		{"role delete", sapi("delete", "/api/v2/roles/rol_1", "", ""), []Touch{{Resource: "roles", ID: "rol_1", Deleted: true}}},
		{"role create", sapi("post", "/api/v2/roles", `{"name":"r"}`, `{"id":"rol_9","name":"r"}`), []Touch{{Resource: "roles", ID: "rol_9"}}},
		{"org members added name the members", sapi("post", "/api/v2/organizations/org_1/members", `{"members":["u1","auth0|u2","u1"]}`, ""),
			[]Touch{{Resource: "organizations", ID: "org_1", Sub: SubMember, Member: "u1"}, {Resource: "organizations", ID: "org_1", Sub: SubMember, Member: "auth0|u2"}}},
		{"org members removed name the members", sapi("delete", "/api/v2/organizations/org_1/members", `{"members":["u1"]}`, ""),
			[]Touch{{Resource: "organizations", ID: "org_1", Sub: SubMember, Member: "u1"}}},
		{"org members without a body: the whole list", sapi("post", "/api/v2/organizations/org_1/members", "", ""),
			[]Touch{{Resource: "organizations", ID: "org_1", Sub: SubMembers}}},
		{"org members, body not logged", `{"type":"sapi","details":{"request":{"method":"post","path":"/api/v2/organizations/org_1/members"},"response":{"statusCode":204}}}`,
			[]Touch{{Resource: "organizations", ID: "org_1", Sub: SubMembers}}},
		{"org members, empty list", sapi("delete", "/api/v2/organizations/org_1/members", `{"members":[]}`, ""),
			[]Touch{{Resource: "organizations", ID: "org_1", Sub: SubMembers}}},
		{"org members, truncated body", sapi("post", "/api/v2/organizations/org_1/members", `{"members":"[\"u1\", \"u2\"…"}`, ""),
			[]Touch{{Resource: "organizations", ID: "org_1", Sub: SubMembers}}},
		{"org members, an element not a user id", sapi("post", "/api/v2/organizations/org_1/members", `{"members":["u1",{"user_id":"u2"}]}`, ""),
			[]Touch{{Resource: "organizations", ID: "org_1", Sub: SubMembers}}},
		{"org member roles touch that member", sapi("delete", "/api/v2/organizations/org_1/members/auth0%7Cu1/roles", `{"roles":["r"]}`, ""),
			[]Touch{{Resource: "organizations", ID: "org_1", Sub: SubMember, Member: "auth0|u1"}}},
		{"org member roles assigned", sapi("post", "/api/v2/organizations/org_1/members/auth0%7Cu1/roles", `{"roles":["r"]}`, ""),
			[]Touch{{Resource: "organizations", ID: "org_1", Sub: SubMember, Member: "auth0|u1"}}},
		{"org connections", sapi("patch", "/api/v2/organizations/org_1/enabled_connections/con_1", "", ""),
			[]Touch{{Resource: "organizations", ID: "org_1", Sub: SubConnections}}},
		{"org invitations are not collected", sapi("post", "/api/v2/organizations/org_1/invitations", "", ""), nil},
		{"org delete", sapi("delete", "/api/v2/organizations/org_1", "", ""), []Touch{{Resource: "organizations", ID: "org_1", Deleted: true}}},
		{"client create", sapi("post", "/api/v2/clients", "", `{"client_id":"abc","name":"x"}`), []Touch{{Resource: "clients", ID: "abc"}}},
		{"client secret rotation", sapi("post", "/api/v2/clients/abc/rotate-secret", "", ""), []Touch{{Resource: "clients", ID: "abc"}}},
		{"client grant update", sapi("patch", "/api/v2/client-grants/cgr_1", "", ""), []Touch{{Resource: "client_grants", ID: "cgr_1"}}},
		{"resource server delete", sapi("delete", "/api/v2/resource-servers/rs_1", "", ""),
			[]Touch{{Resource: "resource_servers", ID: "rs_1", Deleted: true}}},
		{"connection enabled clients", sapi("patch", "/api/v2/connections/con_1/clients", "", ""), []Touch{{Resource: "connections", ID: "con_1"}}},
		{"tenant settings", sapi("patch", "/api/v2/tenants/settings", "", ""), []Touch{{Resource: "tenant_settings"}}},
		{"user grants of a user", sapi("delete", "/api/v2/grants", "", ""), []Touch{{Resource: "grants"}}},
		{"one user grant", sapi("delete", "/api/v2/grants/gr_1", "", ""), []Touch{{Resource: "grants", ID: "gr_1", Deleted: true}}},
		{"custom domain", sapi("post", "/api/v2/custom-domains", "", `{"custom_domain_id":"cd_1"}`), []Touch{{Resource: "custom_domains", ID: "cd_1"}}},
		{"action", sapi("patch", "/api/v2/actions/actions/act_1", "", ""), []Touch{{Resource: "actions", ID: "act_1"}}},
		{"signing keys rotated", sapi("post", "/api/v2/keys/signing/rotate", "", ""), []Touch{{Resource: "signing_keys"}}},
		{"an unknown collection", sapi("post", "/api/v2/tickets/password-change", "", ""), nil},
		{"signup", `{"type":"ss","user_id":"auth0|7","connection":"db"}`, []Touch{{Resource: "users", ID: "auth0|7"}}},
		{"login", `{"type":"s","user_id":"auth0|7"}`, []Touch{{Resource: "users", ID: "auth0|7"}}},
		{"password change", `{"type":"scp","user_id":"auth0|7"}`, []Touch{{Resource: "users", ID: "auth0|7"}}},
		{"email change", `{"type":"sce","user_id":"auth0|7"}`, []Touch{{Resource: "users", ID: "auth0|7"}}},
		{"phone change", `{"type":"scpn","user_id":"auth0|7"}`, []Touch{{Resource: "users", ID: "auth0|7"}}},
		{"username change", `{"type":"scu","user_id":"auth0|7"}`, []Touch{{Resource: "users", ID: "auth0|7"}}},
		{"verification", `{"type":"sv","user_id":"auth0|7"}`, []Touch{{Resource: "users", ID: "auth0|7"}}},
		{"mfa enrolled", `{"type":"gd_enrollment_complete","user_id":"auth0|7"}`, []Touch{{Resource: "users", ID: "auth0|7"}}},
		{"mfa removed", `{"type":"gd_unenroll","user_id":"auth0|7"}`, []Touch{{Resource: "users", ID: "auth0|7"}}},
		{"blocked after failed logins", `{"type":"limit_sul","user_id":"auth0|7"}`, []Touch{{Resource: "users", ID: "auth0|7"}}},
		{"deleted", `{"type":"sdu","user_id":"auth0|7"}`, []Touch{{Resource: "users", ID: "auth0|7", Deleted: true}}},
		{"failed login changes nothing", `{"type":"fp","user_id":"auth0|7"}`, nil},
		{"signup without a user id", `{"type":"ss"}`, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := TouchesFromLog(logEvent(t, c.js))
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %+v\nwant %+v", got, c.want)
			}
		})
	}
	if TouchesFromLog(nil) != nil {
		t.Fatal("nil event")
	}
}

func TestPlanMembers(t *testing.T) {
	p := newPlan([]Touch{
		{Resource: "organizations", ID: "org_1", Sub: SubMember, Member: "u1"},
		{Resource: "organizations", ID: "org_1", Sub: SubMember, Member: "u1"},
		{Resource: "organizations", ID: "org_1", Sub: SubMember, Member: "u2"},
		{Resource: "organizations", ID: "org_2", Sub: SubMember, Member: "u1"},
		{Resource: "organizations", ID: "org_2", Sub: SubMembers}, // read whole: its members are redundant
		{Resource: "organizations", ID: "org_3", Sub: SubMember},  // no member named: the whole list
	})
	want := map[string]member{
		MembershipID("org_1", "u1"): {org: "org_1", user: "u1"},
		MembershipID("org_1", "u2"): {org: "org_1", user: "u2"},
	}
	if !reflect.DeepEqual(p.members, want) {
		t.Errorf("members %v, want %v", p.members, want)
	}
	if !reflect.DeepEqual(p.orgMembers, map[string]bool{"org_2": true, "org_3": true}) {
		t.Errorf("whole lists %v", p.orgMembers)
	}
}
