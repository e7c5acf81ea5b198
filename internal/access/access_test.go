package access

import (
	"strings"
	"testing"
)

func TestAllow(t *testing.T) {
	roles := []Role{None, Viewer, Analyst, Admin, Ingest}
	needs := map[string]Need{"public": Public, "viewer": NeedViewer, "analyst": NeedAnalyst, "admin": NeedAdmin, "ingest": NeedIngest, "nobody": NeedNobody}
	// want[need] lists the decision per role, in the order of roles.
	want := map[string][5]Decision{
		"public":  {Allowed, Allowed, Allowed, Allowed, Allowed},
		"viewer":  {Unauthenticated, Allowed, Allowed, Allowed, Forbidden},
		"analyst": {Unauthenticated, Forbidden, Allowed, Allowed, Forbidden},
		"admin":   {Unauthenticated, Forbidden, Forbidden, Allowed, Forbidden},
		"ingest":  {Unauthenticated, Forbidden, Forbidden, Forbidden, Allowed},
		"nobody":  {Unauthenticated, Forbidden, Forbidden, Forbidden, Forbidden},
	}
	for name, n := range needs {
		for i, r := range roles {
			var p *Principal
			if r != None {
				p = &Principal{Role: r}
			}
			if got := Allow(p, n); got != want[name][i] {
				t.Errorf("Allow(%q, %s) = %d, want %d", r, name, got, want[name][i])
			}
		}
	}
}

func TestGraphQLFieldDefaults(t *testing.T) {
	if GraphQLField("Query", "users") != NeedViewer {
		t.Error("an unlisted Query field should need a viewer")
	}
	if !GraphQLField("Mutation", "dropEverything").Deny {
		t.Error("an unlisted mutation should be refused")
	}
	if !GraphQLField("Subscription", "x").Deny {
		t.Error("an unlisted subscription should be refused")
	}
	if GraphQLField("Query", "auditLog") != NeedAdmin {
		t.Error("auditLog should need an admin")
	}
}

func TestTokenFormat(t *testing.T) {
	id, tok := NewToken()
	gotID, secret, ok := ParseToken(tok)
	if !ok || gotID != id || len(secret) != 64 || !strings.HasPrefix(tok, "agt_"+id+"_") {
		t.Fatalf("round trip: %v %q %q", ok, gotID, id)
	}
	if _, tok2 := NewToken(); tok2 == tok {
		t.Fatal("two tokens alike")
	}
	bad := []string{
		"", "agt_", "agt__", tok + "x", tok[:len(tok)-1], strings.ToUpper(tok), "AGT_" + tok[4:],
		" " + tok, tok + " ", strings.Replace(tok, "_", "-", -1), "agt_" + id + "_" + strings.Repeat("g", 64),
		"agt_" + id + "_" + secret + "_x", "Bearer " + tok, "agt_" + secret + "_" + id,
		"agt_" + id + "_" + strings.Repeat("0", 63) + "\x00", "agt_" + id + "\u00a0_" + secret,
	}
	for _, b := range bad {
		if _, _, ok := ParseToken(b); ok {
			t.Errorf("ParseToken(%q) accepted", b)
		}
	}
	if Hash(secret) == Hash(secret+"0") || !HashEqual(Hash(secret), Hash(secret)) || HashEqual(Hash(secret), Hash("x")) {
		t.Error("Hash / HashEqual")
	}
}

func TestParseRoleAndHigher(t *testing.T) {
	for _, s := range []string{"viewer", "ANALYST", " admin ", "ingest"} {
		if _, err := ParseRole(s); err != nil {
			t.Errorf("ParseRole(%q): %v", s, err)
		}
	}
	for _, s := range []string{"", "root", "admins", "none"} {
		if _, err := ParseRole(s); err == nil {
			t.Errorf("ParseRole(%q) accepted", s)
		}
	}
	if Higher(Viewer, Admin) != Admin || Higher(Admin, Viewer) != Admin || Higher(Viewer, Ingest) != Viewer || Higher(None, Ingest) != Ingest || Higher(Ingest, Analyst) != Analyst {
		t.Error("Higher")
	}
}

func TestListenerNeed(t *testing.T) {
	// The SQL listener reads like Query.sql: viewer and up; ingest tokens
	// (event delivery) and anonymous callers are refused.
	if ListenerNeed("sql") != GraphQLField("Query", "sql") {
		t.Error("the SQL listener should need what Query.sql needs")
	}
	for r, want := range map[Role]Decision{Viewer: Allowed, Analyst: Allowed, Admin: Allowed, Ingest: Forbidden} {
		if got := Allow(&Principal{Role: r}, ListenerNeed("sql")); got != want {
			t.Errorf("sql listener, role %s: %d, want %d", r, got, want)
		}
	}
	if Allow(nil, ListenerNeed("sql")) != Unauthenticated {
		t.Error("anonymous on the sql listener")
	}
	if !ListenerNeed("postgres").Deny {
		t.Error("an unlisted listener should be refused")
	}
}
