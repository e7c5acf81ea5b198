package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authgraph/authgraph/internal/auth0sim"
	"github.com/authgraph/authgraph/internal/neo4jtest"
	"github.com/authgraph/authgraph/rules"
)

// The rules and findings commands end to end: a sync runs the rules and
// prints its line; findings list/export read them; rules run with an invalid
// custom rule reports it (file and reason), runs the rest and exits 2.
func TestRulesCommands(t *testing.T) {
	sim, err := auth0sim.New(auth0sim.Config{Seed: 2, Users: 40, ExportDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()
	d := neo4jtest.Driver(t)
	tenant := neo4jtest.Tenant(t)
	neo4jtest.Cleanup(t, d, tenant)
	tg := neo4jtest.Target()
	env := append(cleanEnv(), "NEO4J_URI="+tg.URI, "NEO4J_USER="+tg.User, "NEO4J_PASSWORD="+tg.Password)
	run := func(args ...string) (int, string, string) {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode(), stdout.String(), stderr.String()
		} else if err != nil {
			t.Fatal(err)
		}
		return 0, stdout.String(), stderr.String()
	}

	builtin, err := rules.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	nRun := fmt.Sprintf("%d run", len(builtin))
	code, out, errOut := run("sync", "--domain", srv.URL, "--client-id", sim.ClientID(), "--client-secret", sim.ClientSecret(), "--tenant", tenant)
	if code != 0 || !strings.Contains(out, "rules: "+nRun+" in") || !strings.Contains(out, "posture") {
		t.Fatalf("sync: exit %d\n%s\n%s", code, out, errOut)
	}

	code, out, _ = run("findings", "list", "--tenant", tenant, "--rule", "client-hs256", "--json")
	var fs []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &fs) != nil || len(fs) != 1 {
		t.Fatalf("findings list: exit %d %s", code, out)
	}
	for _, k := range []string{"rule", "tenant", "kind", "native_id", "name", "severity", "status", "first_seen", "last_seen", "evidence"} {
		if fs[0][k] == nil {
			t.Errorf("finding without %s: %v", k, fs[0])
		}
	}
	code, out, _ = run("findings", "export", "--format", "ocsf", "--tenant", tenant, "--severity", "critical,high")
	var oc []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &oc) != nil || len(oc) == 0 || oc[0]["class_uid"] != float64(2004) {
		t.Fatalf("ocsf export: exit %d %.300s", code, out)
	}

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "broken.yaml"), []byte("id: [oops"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = run("rules", "run", "--tenant", tenant, "--rules-dir", dir)
	if code != 2 || !strings.Contains(errOut, "broken.yaml not loaded: bad YAML") || !strings.Contains(out, nRun) ||
		!strings.Contains(out, "0 opened, 0 reopened, 0 resolved") {
		t.Fatalf("rules run with a broken custom rule: exit %d\n%s\n%s", code, out, errOut)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"findings", "export", "--format", "xml"}, "unknown --format"},
		{[]string{"findings", "list", "--status", "closed"}, `unknown status "closed"`},
		{[]string{"findings", "suppress", tenant + "/finding/nope/client/x", "--reason", "r", "--until", "soon"}, "bad --until"},
		{[]string{"findings", "suppress", tenant + "/finding/nope/client/x", "--reason", "r", "--by", "tester"}, "not found"},
		{[]string{"findings", "suppress", tenant + "/finding/nope/client/x", "--reason", "r", "--by", ""}, "name of who"},
		{[]string{"rules", "run", "--tenant", "no-such.tenant"}, "has not been synced"},
		{[]string{"rules", "list", "--rules-dir", filepath.Join(dir, "missing")}, "cannot load rules"},
	} {
		code, out, errOut := run(c.args...)
		if code == 0 || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, %q %q; want %q", c.args, code, out, errOut, c.want)
		}
	}
}
