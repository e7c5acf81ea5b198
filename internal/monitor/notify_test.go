package monitor

import (
	"strings"
	"testing"
	"time"

	"github.com/authgraph/authgraph/internal/store"
)

func TestValidateWebhookURL(t *testing.T) {
	good := []string{
		"https://siem.example.com/hooks/authgraph",
		"http://10.0.0.5:8080/hook",
		"http://127.0.0.1:9000/x?token=abc",
		"HTTPS://Example.com/path",
		"https://[::1]:8443/hook",
	}
	for _, u := range good {
		if _, err := ValidateWebhookURL(u, false); err != nil {
			t.Errorf("%q refused: %v", u, err)
		}
	}
	bad := []string{
		"", "   ", "example.com/hook", "//example.com/hook", "ftp://example.com/x", "file:///etc/passwd",
		"javascript:alert(1)", "data:text/plain,hi", "gopher://example.com/", "https://", "https:///path",
		"https://user:pass@example.com/hook", "https://user@example.com/hook", "https://example.com/hook#frag",
		"https://example.com:99999/x", "https://example.com:-1/x", "http://exa mple.com/", "https:example.com",
		"http://\\evil.com/", "mailto:a@example.com", "https://example.com\r\n/x",
	}
	for _, u := range bad {
		if _, err := ValidateWebhookURL(u, false); err == nil {
			t.Errorf("%q accepted as a webhook", u)
		}
	}
	slackGood := []string{"https://hooks.slack.com/services/T000/B000/XXXX"}
	for _, u := range slackGood {
		if _, err := ValidateWebhookURL(u, true); err != nil {
			t.Errorf("slack %q refused: %v", u, err)
		}
	}
	slackBad := []string{
		"http://hooks.slack.com/services/T/B/X", "https://hooks.slack.com.evil.com/services/T/B/X",
		"https://hooks.slack.com@evil.com/services/T/B/X", "https://evil.com/hooks.slack.com/services/T/B/X",
		"https://hooks.slack.com:8443/services/T/B/X", "https://hooks.slack.com./services/T/B/X",
		"https://HOOKS.SLACK.COM.evil.com/services/x", "https://hooks.slack.com/other/T/B/X",
		"https://evil.com#@hooks.slack.com/services/T/B/X", "https://hooks%2eslack%2ecom/services/T/B/X",
	}
	for _, u := range slackBad {
		if _, err := ValidateWebhookURL(u, true); err == nil {
			t.Errorf("%q accepted as a Slack webhook", u)
		}
	}
}

func TestSignVerify(t *testing.T) {
	body := []byte(`{"type":"test"}`)
	now := time.Unix(1_800_000_000, 0)
	sig := Sign("s3cret-s3cret-s3cret", now.Unix(), body)
	if !strings.HasPrefix(sig, "sha256=") || len(sig) != 7+64 {
		t.Fatalf("signature %q", sig)
	}
	ts := "1800000000"
	cases := []struct {
		name       string
		secret, ts string
		sig        string
		body       []byte
		at         time.Time
		want       bool
	}{
		{"valid", "s3cret-s3cret-s3cret", ts, sig, body, now, true},
		{"wrong secret", "other-secret-other", ts, sig, body, now, false},
		{"body changed", "s3cret-s3cret-s3cret", ts, sig, []byte(`{"type":"tset"}`), now, false},
		{"timestamp changed", "s3cret-s3cret-s3cret", "1800000001", sig, body, now, false},
		{"replayed later", "s3cret-s3cret-s3cret", ts, sig, body, now.Add(10 * time.Minute), false},
		{"bad timestamp", "s3cret-s3cret-s3cret", "x", sig, body, now, false},
		{"no prefix", "s3cret-s3cret-s3cret", ts, strings.TrimPrefix(sig, "sha256="), body, now, false},
	}
	for _, c := range cases {
		if got := Verify(c.secret, c.ts, c.sig, c.body, c.at, 5*time.Minute); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestChangeFilters(t *testing.T) {
	ch := func(kind, op string, fields ...string) store.Change {
		c := store.Change{AssetKind: kind, Op: op}
		for _, f := range fields {
			c.Fields = append(c.Fields, store.FieldChange{Field: f})
		}
		return c
	}
	cases := []struct {
		filter string
		c      store.Change
		want   bool
	}{
		{"Client", ch("Client", "created"), true},
		{"Auth0Client/created", ch("Client", "created"), true},
		{"client/created", ch("Client", "updated"), false},
		{"User/updated/HAS_ROLE", ch("User", "updated", "HAS_ROLE"), true},
		{"User/updated/HAS_ROLE", ch("User", "updated", "blocked"), false},
		{"*/deleted", ch("Connection", "deleted"), true},
		{"*/deleted", ch("Connection", "baseline"), false},
		{"*", ch("Tenant", "baseline"), false},
		{"Client/*/callbacks", ch("Client", "updated", "callbacks"), true},
		{"Client/updated/CAN_ACCESS", ch("Client", "updated", "CAN_ACCESS.scopes"), true},
	}
	for _, c := range cases {
		f, err := ParseChangeFilter(c.filter)
		if err != nil {
			t.Fatalf("%s: %v", c.filter, err)
		}
		if got := f.Match(c.c); got != c.want {
			t.Errorf("%s on %+v: %v", c.filter, c.c, got)
		}
	}
	for _, bad := range []string{"", "/", "Nope", "Client/renamed", "Client/updated/password", "Client/updated/client_secret", "a/b/c/d", "User/updated/HAS_ROLE/x"} {
		if _, err := ParseChangeFilter(bad); err == nil {
			t.Errorf("filter %q accepted", bad)
		}
	}
}

func TestWantsFindings(t *testing.T) {
	f := func(sev string) Alert { return Alert{Finding: &FindingAlert{Severity: sev, Status: "opened"}} }
	cases := []struct {
		min, sev string
		want     bool
	}{
		{"high", "critical", true}, {"high", "high", true}, {"high", "moderate", false},
		{"medium", "moderate", true}, {"low", "info", false}, {"none", "critical", false},
		{"info", "info", true}, {"high", "bogus", false},
	}
	for _, c := range cases {
		if got := Wants(store.Channel{MinSeverity: c.min}, f(c.sev)); got != c.want {
			t.Errorf("min %s, finding %s: %v", c.min, c.sev, got)
		}
	}
}

func TestSlackBody(t *testing.T) {
	n := &Notifier{BaseURL: "https://authgraph.example.com/"}
	b := n.slackBody(Alert{Finding: &FindingAlert{RuleID: "r1", Title: "<script>", Severity: "high", Status: "opened",
		AssetKind: "Client", AssetID: "abc", AssetKey: "t/client/abc", AssetName: "A & B", Tenant: "t"}}, 0)
	blocks := b["blocks"].([]any)
	if len(blocks) != 3 {
		t.Fatalf("blocks: %v", blocks)
	}
	text := blocks[1].(map[string]any)["text"].(map[string]any)["text"].(string)
	if strings.Contains(text, "<script>") || !strings.Contains(text, "A &amp; B") {
		t.Fatalf("text not escaped: %s", text)
	}
	btn := blocks[2].(map[string]any)["elements"].([]any)[0].(map[string]any)
	if btn["url"] != "https://authgraph.example.com/#/asset/t%2Fclient%2Fabc" {
		t.Fatalf("link %v", btn["url"])
	}
}

func TestAssetsOfRequest(t *testing.T) {
	cases := []struct {
		path string
		body map[string]any
		want string
	}{
		{"/api/v2/clients/abc", nil, "t/client/abc"},
		{"/api/v2/users/auth0%7C123/roles", nil, "t/user/auth0|123"},
		{"/api/v2/users/auth0|123", nil, "t/user/auth0|123"},
		{"/api/v2/roles/rol_1/users", map[string]any{"users": []any{"auth0|1", "auth0|2"}}, "t/role/rol_1 t/user/auth0|1 t/user/auth0|2"},
		{"/api/v2/connections/con_1", nil, "t/connection/con_1"},
		{"/api/v2/actions/actions/act_1/deploy", nil, "t/action/act_1"},
		{"/api/v2/tenants/settings", nil, "t/settings/t"},
		{"/api/v2/clients", nil, ""},
		{"/api/v2/jobs/users-exports", nil, ""},
		{"/api/v2/users/%zz", nil, ""},
	}
	for _, c := range cases {
		got := strings.Join(assetsOfRequest("t", c.path, map[string]any{"body": c.body}), " ")
		if got != c.want {
			t.Errorf("%s: %q, want %q", c.path, got, c.want)
		}
	}
}
