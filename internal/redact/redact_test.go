package redact

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestSecrets(t *testing.T) {
	presigned := "https://auth0-exports.s3.amazonaws.com/job_abc/tenant.json.gz?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE%2F20240101&X-Amz-Signature=deadbeefcafe"
	jwt := "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhYmMifQ.c2lnbmF0dXJlc2lnbmF0dXJl"
	cases := []struct {
		name, in, want string
		gone           []string
	}{
		{"plain text stays", "users: HTTP 500 from tenant", "users: HTTP 500 from tenant", nil},
		{"url without secrets stays", "cannot reach https://acme.auth0.com/api/v2/users", "cannot reach https://acme.auth0.com/api/v2/users", nil},
		{"pre-signed url in a url.Error", `download users export: Get "` + presigned + `": context deadline exceeded`,
			`download users export: Get "https://auth0-exports.s3.amazonaws.com/job_abc/tenant.json.gz?REDACTED": context deadline exceeded`,
			[]string{"X-Amz-Signature", "deadbeefcafe", "AKIAEXAMPLE"}},
		{"userinfo", "dial http://admin:hunter2@10.0.0.1:8080/x failed", "dial http://REDACTED@10.0.0.1:8080/x failed", []string{"hunter2", "admin"}},
		{"fragment", "see https://h.example/cb#access_token=abc123", "see https://h.example/cb#REDACTED", []string{"abc123"}},
		{"sentence punctuation kept", "failed (https://h.example/a).", "failed (https://h.example/a).", nil},
		{"query then punctuation", "failed (https://h.example/a?sig=1).", "failed (https://h.example/a?REDACTED", []string{"sig=1"}},
		{"unparsable url", "bad https://h.example:port/a b?c", "bad https://h.example:port/a b?c", nil},
		{"unparsable url with query", "bad https://h.example:port/a?token=xyz%zz", "bad https://h.example:port/a?REDACTED", []string{"xyz"}},
		{"upper-case scheme", "HTTPS://H.EXAMPLE/A?KEY=V", "https://H.EXAMPLE/A?REDACTED", []string{"KEY=V"}},
		{"bearer", "sent Authorization: Bearer abc.def-ghi_123 to host", "sent Authorization: Bearer REDACTED to host", []string{"abc.def-ghi_123"}},
		{"jwt alone", "token " + jwt + " expired", "token REDACTED expired", []string{"eyJzdWIi"}},
		{"api token", "unknown token agt_pub123_s3cr3tvalue", "unknown token agt_REDACTED", []string{"s3cr3tvalue"}},
		{"form body", "oauth2: body client_secret=shh&grant_type=x", "oauth2: body client_secret=REDACTED&grant_type=x", []string{"shh"}},
		{"two urls", "a http://x/?q=1 b https://y/?q=2", "a http://x/?REDACTED b https://y/?REDACTED", []string{"q=1", "q=2"}},
		{"bare question mark", "https://x/p? done", "https://x/p?REDACTED done", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Secrets(c.in)
			if got != c.want {
				t.Errorf("Secrets(%q)\n got %q\nwant %q", c.in, got, c.want)
			}
			for _, g := range c.gone {
				if strings.Contains(got, g) {
					t.Errorf("%q is still in %q", g, got)
				}
			}
			if again := Secrets(got); again != got {
				t.Errorf("not idempotent: %q -> %q", got, again)
			}
		})
	}
}

// The errors net/http really produces for a pre-signed URL.
func TestSecretsOnRealErrors(t *testing.T) {
	u := "http://127.0.0.1:1/export.json.gz?X-Amz-Signature=s3cr3tsig&X-Amz-Security-Token=tok3n"
	_, err := http.Get(u)
	if err == nil {
		t.Fatal("want a connection error")
	}
	var ue *url.Error
	if !errors.As(err, &ue) {
		t.Fatalf("%T", err)
	}
	msg := Secrets(fmt.Errorf("users: %w", err).Error())
	if strings.Contains(msg, "s3cr3tsig") || strings.Contains(msg, "tok3n") || !strings.Contains(msg, "127.0.0.1:1/export.json.gz") {
		t.Fatalf("redacted: %q", msg)
	}
}
