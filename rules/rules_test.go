package rules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBuiltinPackLoads(t *testing.T) {
	rs, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) < 40 {
		t.Fatalf("%d built-in rules, want at least 40", len(rs))
	}
	contract := []string{"client-insecure-callback", "client-hs256", "client-cross-origin-auth", "client-password-grant",
		"client-implicit-grant", "api-hs256", "m2m-management-write", "tenant-legacy-flags", "grant-deleted-client",
		"user-admin-without-mfa"}
	byID := map[string]*Rule{}
	for _, r := range rs {
		byID[r.ID] = r
		if !r.Builtin() || r.Graph == "" || len(r.References) == 0 {
			t.Errorf("%s: source %q, graph %v, %d references", r.ID, r.Source, r.Graph != "", len(r.References))
		}
	}
	for _, id := range contract {
		if byID[id] == nil {
			t.Errorf("contract rule %s missing", id)
		}
	}
}

func TestParseRejects(t *testing.T) {
	good := `id: my-rule
title: t
severity: high
category: c
kind: Client
description: d
remediation: r
references: [https://example.com]
query: |
  MATCH (c:Auth0Client {tenant: $tenant}) RETURN c.id AS id, {} AS evidence
`
	if _, err := Parse([]byte(good), "x.yaml"); err != nil {
		t.Fatalf("good rule: %v", err)
	}
	cases := []struct{ name, text, want string }{
		{"bad yaml", "id: [unclosed", "bad YAML"},
		{"unknown field", good + "sevrity: high\n", "bad YAML"},
		{"missing fields", "id: my-rule\ntitle: t\n", "missing required field(s): severity, category, kind, description, remediation, query"},
		{"bad severity", strings.Replace(good, "severity: high", "severity: urgent", 1), "severity \"urgent\""},
		{"bad id", strings.Replace(good, "id: my-rule", "id: My Rule", 1), "id \"My Rule\""},
		{"bad kind", strings.Replace(good, "kind: Client", "kind: Spaceship", 1), "not an asset kind"},
		{"write", strings.Replace(good, "RETURN c.id", "SET c.x = 1 RETURN c.id", 1), "read-only"},
		{"write lower", strings.Replace(good, "RETURN c.id", "detach delete c RETURN c.id", 1), "read-only"},
		{"merge", strings.Replace(good, "MATCH (c:Auth0Client {tenant: $tenant})", "MERGE (c:Auth0Client {tenant: $tenant})", 1), "read-only"},
		{"procedure", strings.Replace(good, "RETURN c.id", "CALL apoc.periodic.iterate('a','b',{}) YIELD batches RETURN c.id", 1), "not allowed"},
		{"two statements", strings.Replace(good, "AS evidence", "AS evidence; MATCH (n) DETACH DELETE n", 1), "one statement"},
		{"no tenant", strings.Replace(good, "{tenant: $tenant}", "", 1), "$tenant"},
		{"tenant prefix only", strings.Replace(good, "$tenant}", "$tenants}", 1), "$tenant"},
		{"plain http reference", strings.Replace(good, "https://example.com", "http://example.com", 1), "https://"},
		{"two documents", good + "---\n" + good, "one rule per file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.text), "x.yaml")
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err %v, want %q", err, c.want)
			}
		})
	}
}

func TestLoadCustomDir(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rule := func(id, extra string) string {
		return "id: " + id + "\ntitle: t\nseverity: low\ncategory: c\nkind: Role\ndescription: d\nremediation: r\n" + extra +
			"query: |\n  MATCH (r:Auth0Role {tenant: $tenant}) RETURN r.id AS id\n"
	}
	write("ok.yaml", rule("custom-ok", ""))
	write("bad.yaml", "id: [")
	write("missing.yml", "id: custom-missing\n")
	write("write.yaml", strings.Replace(rule("custom-write", ""), "RETURN", "SET r.pwned = true RETURN", 1))
	write("shadow.yaml", rule("client-hs256", ""))
	write("override.yaml", rule("api-hs256", "override: true\n"))
	write("dup.yaml", rule("custom-ok", ""))
	write("notes.txt", "not a rule")

	rs, lerrs, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string]string{}
	for _, e := range lerrs {
		reasons[filepath.Base(e.File)] = e.Reason
	}
	for file, want := range map[string]string{"bad.yaml": "bad YAML", "missing.yml": "missing required field",
		"write.yaml": "read-only", "shadow.yaml": "override: true", "ok.yaml": ""} {
		if want == "" {
			continue
		}
		if !strings.Contains(reasons[file], want) {
			t.Errorf("%s: reason %q, want %q", file, reasons[file], want)
		}
	}
	// dup.yaml or ok.yaml: whichever is read second is reported.
	if !strings.Contains(reasons["ok.yaml"]+reasons["dup.yaml"], "already used") {
		t.Errorf("duplicate id not reported: %v", reasons)
	}
	byID := map[string]*Rule{}
	for _, r := range rs {
		byID[r.ID] = r
	}
	if byID["custom-ok"] == nil || byID["custom-write"] != nil {
		t.Fatalf("custom-ok loaded %v, custom-write loaded %v", byID["custom-ok"] != nil, byID["custom-write"] != nil)
	}
	if !byID["client-hs256"].Builtin() || byID["api-hs256"].Builtin() || byID["api-hs256"].Kind != "Role" {
		t.Fatalf("override: client-hs256 builtin %v, api-hs256 source %s", byID["client-hs256"].Builtin(), byID["api-hs256"].Source)
	}
	builtin, _ := Builtin()
	if len(rs) != len(builtin)+1 {
		t.Fatalf("%d rules, want %d built-in + 1 custom", len(rs), len(builtin))
	}
	if _, _, err := Load(filepath.Join(dir, "nope")); err == nil {
		t.Fatal("missing dir: no error")
	}
}

func TestRequiresIsValidated(t *testing.T) {
	base := "id: x-rule\ntitle: t\nseverity: low\ncategory: c\ndescription: d\nremediation: r\n"
	for _, c := range []struct{ yaml, want string }{
		{"kind: User\nrequires: [direct_permissions]\nquery: 'MATCH (u:Auth0User {tenant: $tenant}) RETURN u.id AS id, {} AS evidence'\n", ""},
		{"kind: Client\nrequires: [direct_permissions]\nquery: 'MATCH (u:Auth0Client {tenant: $tenant}) RETURN u.id AS id, {} AS evidence'\n", "only for rules of kind User"},
		{"kind: User\nrequires: [everything]\nquery: 'MATCH (u:Auth0User {tenant: $tenant}) RETURN u.id AS id, {} AS evidence'\n", "want one of direct_permissions"},
	} {
		_, err := Parse([]byte(base+c.yaml), "test.yaml")
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%q: %v", c.yaml, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%q: error %v, want %q", c.yaml, err, c.want)
		}
	}
}
