package schema

import "testing"

func TestValidate(t *testing.T) {
	if err := Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestKeyRoundTrip(t *testing.T) {
	cases := []struct {
		tenant string
		kind   *Kind
		native string
	}{
		{"acme.eu.auth0.com", User, "auth0|123"},
		{"acme.eu.auth0.com", Permission, "https://api.example.com/v1|read:things"},
		{"t.local", TenantSettings, "t.local"},
	}
	for _, c := range cases {
		key := Key(c.tenant, c.kind, c.native)
		tenant, slug, native, err := ParseKey(key)
		if err != nil {
			t.Fatalf("ParseKey(%q): %v", key, err)
		}
		if tenant != c.tenant || slug != c.kind.Slug || native != c.native {
			t.Errorf("ParseKey(%q) = %q %q %q", key, tenant, slug, native)
		}
	}
	for _, bad := range []string{"", "a/b", "/user/x", "t//x"} {
		if _, _, _, err := ParseKey(bad); err == nil {
			t.Errorf("ParseKey(%q) accepted a malformed key", bad)
		}
	}
}

func TestLooksSecret(t *testing.T) {
	cases := map[string]bool{
		"client_secret": true, "signing_keys": true, "signing_key": true, "encryption_key": true,
		"httpAuthorization": true, "twilio_token": true, "datadogApiKey": true,
		"refresh_token_rotation_type": false, "name": false, "has_client_secret": true,
	}
	for name, want := range cases {
		if got := LooksSecret(name); got != want {
			t.Errorf("LooksSecret(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestRelationLookup(t *testing.T) {
	if _, ok := RelationByName("GRANTS"); ok {
		t.Error("GRANTS is ambiguous and must not resolve by type alone")
	}
	r, ok := RelationByName("HAS_ROLE")
	if !ok || r.From != User || r.To != Role {
		t.Errorf("HAS_ROLE resolved to %v", r)
	}
	out, in := RelationsOf(Client)
	if len(out) == 0 || len(in) == 0 {
		t.Errorf("Client relations out=%d in=%d", len(out), len(in))
	}
}
