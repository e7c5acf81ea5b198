package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/authgraph/authgraph/internal/auth0sim"
	"github.com/authgraph/authgraph/internal/neo4jtest"
)

func runCLI(t *testing.T, env []string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(cleanEnv(), env...)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return string(out), ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), 0
}

// Bad input to the monitoring commands: one clear line and exit 2, before
// anything is stored.
func TestMonitorCommandsRefuseBadInput(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "s")
	os.WriteFile(secret, []byte("0123456789abcdef0123"), 0o600)
	env := []string{"NEO4J_URI=bolt://127.0.0.1:1", "AUTHGRAPH_SECRET_KEY_FILE=" + filepath.Join(dir, "key")}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"tenants", "add"}, "missing domain"},
		{[]string{"tenants", "add", "--domain", "https://x.auth0.com", "--client-id", "a"}, "--client-secret-file"},
		{[]string{"tenants", "add", "--domain", "https://x.auth0.com", "--client-id", "a", "--client-secret-file", secret, "--interval", "1s"}, "at least 10s"},
		{[]string{"tenants", "add", "--domain", "https://x.auth0.com", "--client-id", "a", "--client-secret-file", secret, "--name", "a/b"}, "bad tenant name"},
		{[]string{"channels", "add", "--name", "c", "--webhook", "ftp://x.example.com/"}, "scheme must be http or https"},
		{[]string{"channels", "add", "--name", "c", "--webhook", "https://u:p@x.example.com/"}, "user info"},
		{[]string{"channels", "add", "--name", "c", "--slack", "https://hooks.slack.com.evil.com/services/x"}, "Slack"},
		{[]string{"channels", "add", "--name", "c", "--webhook", "https://x.example.com/", "--min-severity", "urgent"}, "min-severity"},
		{[]string{"channels", "add", "--name", "c", "--webhook", "https://x.example.com/", "--changes", "Client/renamed"}, "bad change filter"},
		{[]string{"channels", "add", "--name", "c", "--webhook", "https://x.example.com/", "--webhook", "x", "--slack", "https://hooks.slack.com/services/a"}, "either"},
	}
	for _, c := range cases {
		out, code := runCLI(t, env, c.args...)
		if code != 2 || !strings.Contains(out, c.want) || strings.Count(strings.TrimSpace(out), "\n") > 0 {
			t.Errorf("%v: exit %d, %q; want exit 2 with %q on one line", c.args, code, out, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "key")); err == nil {
		t.Error("bad input created a key file")
	}
}

// The CLI round trip against the simulator and the real Neo4j: add (checks
// credentials, creates the key file 0600), list, sync --tenant (baseline),
// again (no changes), remove --yes.
func TestTenantsCLI(t *testing.T) {
	d := neo4jtest.Driver(t)
	tenant := neo4jtest.Tenant(t)
	neo4jtest.Cleanup(t, d, tenant)
	sim, err := auth0sim.New(auth0sim.Config{Seed: 4, Users: 10, ExportDelay: -1, ClientSecret: "cli-test-secret-value-42"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	os.WriteFile(secret, []byte(sim.ClientSecret()+"\n"), 0o600)
	wrong := filepath.Join(dir, "wrong")
	os.WriteFile(wrong, []byte("nope"), 0o600)
	tgt := neo4jtest.Target()
	key := filepath.Join(dir, "key", "secret.key")
	env := []string{"NEO4J_URI=" + tgt.URI, "NEO4J_USER=" + tgt.User, "NEO4J_PASSWORD=" + tgt.Password, "AUTHGRAPH_SECRET_KEY_FILE=" + key}

	out, code := runCLI(t, env, "tenants", "add", "--domain", srv.URL, "--client-id", sim.ClientID(), "--client-secret-file", wrong, "--name", tenant)
	if code != 5 || !strings.Contains(out, "rejected the client credentials") {
		t.Fatalf("wrong secret: %d %s", code, out)
	}
	out, code = runCLI(t, env, "tenants", "add", "--domain", srv.URL, "--client-id", sim.ClientID(), "--client-secret-file", secret, "--name", tenant, "--interval", "10m")
	if code != 0 {
		t.Fatalf("add: %d %s", code, out)
	}
	if fi, err := os.Stat(key); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	out, code = runCLI(t, env, "tenants", "add", "--domain", srv.URL, "--client-id", sim.ClientID(), "--client-secret-file", secret, "--name", tenant)
	if code != 6 || !strings.Contains(out, "already connected") {
		t.Fatalf("add twice: %d %s", code, out)
	}
	out, code = runCLI(t, env, "sync", "--tenant", tenant)
	if code != 0 || !strings.Contains(out, "baseline") {
		t.Fatalf("sync --tenant: %d %s", code, out)
	}
	out, code = runCLI(t, env, "sync", "--tenant", tenant)
	if code != 0 || !strings.Contains(out, "changes: 0 recorded") || !strings.Contains(out, "findings: 0 opened or resolved") {
		t.Fatalf("second sync: %d %s", code, out)
	}
	out, code = runCLI(t, env, "sync", "--tenant", tenant, "--incremental", "--no-rules")
	if code != 0 || !strings.Contains(out, "mode: incremental") || !strings.Contains(out, "changes: 0 recorded") {
		t.Fatalf("sync --tenant --incremental: %d %s", code, out)
	}
	// A tenant given by credentials: the first pass collects in full (no
	// checkpoint), the next one is incremental.
	byDomain := "d-" + tenant
	neo4jtest.Cleanup(t, d, byDomain)
	for i, want := range []string{"mode: full (no checkpoint)", "mode: incremental"} {
		out, code = runCLI(t, env, "sync", "--domain", srv.URL, "--client-id", sim.ClientID(), "--client-secret-file", secret,
			"--tenant", byDomain, "--incremental", "--no-rules")
		if code != 0 || !strings.Contains(out, want) {
			t.Fatalf("sync --domain --incremental #%d: %d %s", i+1, code, out)
		}
	}
	out, code = runCLI(t, env, "tenants", "list", "--json")
	var views []map[string]any
	if code != 0 || json.Unmarshal([]byte(out[strings.Index(out, "["):]), &views) != nil {
		t.Fatalf("list: %d %s", code, out)
	}
	found := false
	for _, v := range views {
		if v["name"] == tenant {
			n, _ := v["findings_open"].(float64)
			found = v["last_status"] == "ok" && v["interval"] == "10m0s" && v["enabled"] == true && n > 0
		}
	}
	if !found || strings.Contains(out, sim.ClientSecret()) || !strings.Contains(out, `"findings_open"`) {
		t.Fatalf("list: %s", out)
	}
	// A wrong key is a clear error, and the secret never shows.
	badKey := append(env[:len(env):len(env)], "AUTHGRAPH_SECRET_KEY=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
	out, code = runCLI(t, badKey, "sync", "--tenant", tenant)
	if code == 0 || !strings.Contains(out, "not the one it was stored with") || strings.Contains(out, sim.ClientSecret()) {
		t.Fatalf("wrong key: %d %s", code, out)
	}
	out, code = runCLI(t, env, "tenants", "disable", tenant)
	if code != 0 {
		t.Fatalf("disable: %s", out)
	}
	out, code = runCLI(t, env, "tenants", "remove", tenant, "--yes")
	if code != 0 || !strings.Contains(out, "removed tenant") || !strings.Contains(out, "Auth0User") {
		t.Fatalf("remove: %d %s", code, out)
	}
	if out, code = runCLI(t, env, "tenants", "show", tenant); code != 3 {
		t.Fatalf("show after remove: %d %s", code, out)
	}
	// Nothing of it is left, whatever the label: its syncs, findings and
	// rule results (the second sync ran the rules), checkpoint and record
	// went with its assets.
	res, err := neo4j.ExecuteQuery(context.Background(), d, `MATCH (n {tenant: $t}) RETURN labels(n)[0] AS label, count(*) AS n`,
		map[string]any{"t": tenant}, neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithReadersRouting())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Records {
		t.Errorf("left after remove: %v", r.AsMap())
	}
}
