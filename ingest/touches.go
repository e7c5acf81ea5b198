package ingest

import (
	"net/url"
	"strings"

	"github.com/auth0/go-auth0/management"
)

// A Touch names one asset an event changed. Resource is the ingest resource
// name ("users", "roles", "organizations", "clients", "client_grants",
// "resource_servers", "connections", "tenant_settings", …), ID its Auth0 id
// (empty for singletons, and for a create whose event does not name the new
// id: then the whole resource is listed again), Sub a sub-collection when
// only that changed ("roles", "permissions", "members", "member",
// "connections", "users"; empty = the asset itself), Member the member's
// user id when Sub is SubMember, Deleted when the event says it is gone.
type Touch struct {
	Resource, ID, Sub string
	Member            string
	Deleted           bool
}

// Sub-collections a Touch can name.
const (
	SubRoles       = "roles"       // users/{id}/roles
	SubPermissions = "permissions" // users/{id}/permissions, roles/{id}/permissions
	SubUsers       = "users"       // roles/{id}/users
	SubMembers     = "members"     // organizations/{id}/members (and their roles): the whole list
	SubMember      = "member"      // one member (Touch.Member) of organizations/{id}, and its roles
	SubConnections = "connections" // organizations/{id}/enabled_connections
)

// userEventTypes are the log event types that change a user's stored
// profile: signup, login (last_login, logins_count, last_ip), password,
// email, phone and username changes, verification, MFA enrolment and
// removal, and account blocks.
var userEventTypes = map[string]bool{
	"ss": true, "s": true, "scp": true, "sce": true, "scpn": true, "scu": true, "sv": true, "svr": true,
	"gd_enrollment_complete": true, "gd_unenroll": true, "gd_update_device_account": true,
	"gd_module_switch": true, "limit_sul": true, "limit_wc": true, "ublkdu": true,
}

// userDeletedTypes say the user is gone.
var userDeletedTypes = map[string]bool{"sdu": true, "du": true}

// collections maps a Management API collection (the path's first segment)
// to the resource that collects it.
var collections = map[string]string{
	"clients": "clients", "client-grants": "client_grants", "resource-servers": "resource_servers",
	"connections": "connections", "roles": "roles", "organizations": "organizations", "users": "users",
	"custom-domains": "custom_domains", "log-streams": "log_streams", "grants": "grants",
	"rules": "legacy_rules", "hooks": "hooks", "email-provider": "email_provider",
}

// createdIDFields are where a create's response body names the new asset.
var createdIDFields = []string{"client_id", "user_id", "id", "custom_domain_id"}

// TouchesFromLog maps one Auth0 log event (as /api/v2/logs returns it and
// log streams push it) to the assets it touches. Pure: it reads only the
// event. Reads, failed operations and events that change nothing collected
// give none.
func TouchesFromLog(l *management.Log) []Touch {
	if l == nil {
		return nil
	}
	t := l.GetType()
	switch {
	case userDeletedTypes[t]:
		if uid := l.GetUserID(); uid != "" {
			return []Touch{{Resource: "users", ID: uid, Deleted: true}}
		}
		return []Touch{{Resource: "users"}}
	case userEventTypes[t]:
		if uid := l.GetUserID(); uid != "" {
			return []Touch{{Resource: "users", ID: uid}}
		}
		return nil
	case t == "sapi":
		return sapiTouches(l)
	}
	return nil
}

func sapiTouches(l *management.Log) []Touch {
	req, _ := l.Details["request"].(map[string]any)
	if req == nil {
		return nil
	}
	method, _ := req["method"].(string)
	method = strings.ToLower(method)
	if method == "" || method == "get" || method == "head" {
		return nil
	}
	if resp, ok := l.Details["response"].(map[string]any); ok {
		if code, ok := resp["statusCode"].(float64); ok && code >= 400 {
			return nil
		}
	}
	path, _ := req["path"].(string)
	seg := pathSegments(path)
	if len(seg) == 0 {
		return nil
	}
	del := method == "delete"
	body, _ := req["body"].(map[string]any)
	respBody := map[string]any{}
	if resp, ok := l.Details["response"].(map[string]any); ok {
		if b, ok := resp["body"].(map[string]any); ok {
			respBody = b
		}
	}
	n := len(seg)
	switch seg[0] {
	case "tenants":
		if n > 1 && seg[1] == "settings" {
			return []Touch{{Resource: "tenant_settings"}}
		}
		return nil
	case "actions":
		if n > 2 && seg[1] == "actions" {
			return []Touch{{Resource: "actions", ID: seg[2], Deleted: del && n == 3}}
		}
		if n == 2 && seg[1] == "actions" {
			return []Touch{{Resource: "actions", ID: createdID(respBody)}}
		}
		return nil
	case "keys":
		if n > 1 && seg[1] == "signing" {
			return []Touch{{Resource: "signing_keys"}}
		}
		return nil
	case "guardian":
		return []Touch{{Resource: "guardian_factors"}}
	case "email-provider", "emails":
		return []Touch{{Resource: "email_provider"}}
	case "jobs":
		if n > 1 && seg[1] == "users-imports" {
			return []Touch{{Resource: "users"}} // the updated_at window finds them
		}
		return nil
	case "grants":
		if n == 2 {
			return []Touch{{Resource: "grants", ID: seg[1], Deleted: del}}
		}
		return []Touch{{Resource: "grants"}} // DELETE /grants?user_id=…
	}
	res, ok := collections[seg[0]]
	if !ok {
		return nil
	}
	if n == 1 {
		// A create: the response names the new asset where Auth0 logs it.
		return []Touch{{Resource: res, ID: createdID(respBody)}}
	}
	id := seg[1]
	if n == 2 {
		return []Touch{{Resource: res, ID: id, Deleted: del}}
	}
	sub := seg[2]
	switch res {
	case "users":
		switch sub {
		case "roles":
			return []Touch{{Resource: "users", ID: id, Sub: SubRoles}}
		case "permissions":
			return []Touch{{Resource: "users", ID: id, Sub: SubPermissions}}
		}
		// identities, multifactor, authenticators, authentication-methods…
		return []Touch{{Resource: "users", ID: id}}
	case "roles":
		switch sub {
		case "permissions":
			return []Touch{{Resource: "roles", ID: id, Sub: SubPermissions}}
		case "users":
			var out []Touch
			for _, u := range anyList(body["users"]) {
				out = append(out, Touch{Resource: "users", ID: u, Sub: SubRoles})
			}
			if len(out) == 0 {
				out = []Touch{{Resource: "roles", ID: id, Sub: SubUsers}}
			}
			return out
		}
		return []Touch{{Resource: "roles", ID: id}}
	case "organizations":
		switch sub {
		case "members":
			// One touch per member the body names (POST/DELETE …/members
			// {"members": [...]}) or the path names (…/members/{user}/roles);
			// the whole list when neither does (a body not logged, truncated).
			if n > 3 && seg[3] != "" {
				return []Touch{{Resource: "organizations", ID: id, Sub: SubMember, Member: seg[3]}}
			}
			users, ok := strictList(body["members"])
			if !ok {
				return []Touch{{Resource: "organizations", ID: id, Sub: SubMembers}}
			}
			out := make([]Touch, 0, len(users))
			for _, u := range users {
				out = append(out, Touch{Resource: "organizations", ID: id, Sub: SubMember, Member: u})
			}
			return out
		case "enabled_connections":
			return []Touch{{Resource: "organizations", ID: id, Sub: SubConnections}}
		case "invitations":
			return nil // not collected
		}
		return []Touch{{Resource: "organizations", ID: id}}
	case "connections":
		// clients (enabled clients), status…: the connection itself.
		return []Touch{{Resource: "connections", ID: id}}
	case "clients":
		return []Touch{{Resource: "clients", ID: id}}
	}
	return []Touch{{Resource: res, ID: id}}
}

// pathSegments splits /api/v2/a/b/c into unescaped segments (Auth0 logs the
// escaped path: auth0%7C…).
func pathSegments(path string) []string {
	p := strings.TrimPrefix(path, "/api/v2")
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	raw := strings.Split(p, "/")
	out := make([]string, 0, len(raw))
	for _, s := range raw {
		if u, err := url.PathUnescape(s); err == nil {
			s = u
		}
		out = append(out, s)
	}
	return out
}

func createdID(body map[string]any) string {
	for _, f := range createdIDFields {
		if s, ok := body[f].(string); ok && s != "" {
			return s
		}
	}
	return ""
}

func anyList(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, x := range l {
		if s, ok := x.(string); ok && s != "" {
			out = append(out, s)
		}
	}
	return out
}

// strictList reads a non-empty list of non-empty strings; false when v is
// anything else (absent, truncated, an element not a string): then the
// event does not say for sure whom it names.
func strictList(v any) ([]string, bool) {
	l, ok := v.([]any)
	if !ok || len(l) == 0 {
		return nil, false
	}
	out := make([]string, 0, len(l))
	seen := make(map[string]bool, len(l))
	for _, x := range l {
		s, ok := x.(string)
		if !ok || s == "" {
			return nil, false
		}
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out, true
}
