package main

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/authgraph/authgraph/internal/neo4jtest"
)

// tokens create → list → revoke through the binary, on the test Neo4j: the
// token is printed once and never listed, its secret is nowhere but in the
// create output.
func TestTokensCLI(t *testing.T) {
	neo4jtest.Driver(t) // the server is up, and the graph-test lock is ours
	target := neo4jtest.Target()
	env := append(cleanEnv(), "NEO4J_URI="+target.URI, "NEO4J_USER="+target.User, "NEO4J_PASSWORD="+target.Password)
	run := func(args ...string) (string, error) {
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run("tokens", "create", "--name", "cli test", "--role", "analyst", "--expires", "2d", "--json")
	if err != nil {
		t.Fatalf("create: %v %s", err, out)
	}
	var created struct{ ID, Token, Name, Role, Expires string }
	if err := json.Unmarshal([]byte(out), &created); err != nil || created.ID == "" || !strings.HasPrefix(created.Token, "agt_"+created.ID+"_") || created.Role != "analyst" || created.Expires == "" {
		t.Fatalf("create --json: %v %+v", err, created)
	}
	secret := created.Token[len("agt_"+created.ID+"_"):]
	t.Cleanup(func() { run("tokens", "revoke", created.ID) })

	for _, args := range [][]string{{"tokens", "list"}, {"tokens", "list", "--json"}} {
		out, err = run(args...)
		if err != nil || !strings.Contains(out, created.ID) || !strings.Contains(out, "cli test") || strings.Contains(out, secret) {
			t.Fatalf("%v: %v (lists the id: %v, shows the secret: %v)", args, err, strings.Contains(out, created.ID), strings.Contains(out, secret))
		}
	}
	// Revoking by pasting the whole token works and does not echo it.
	if out, err = run("tokens", "revoke", created.Token); err != nil || strings.Contains(out, secret) || !strings.Contains(out, created.ID) {
		t.Fatalf("revoke: %v %q", err, out)
	}
	out, _ = run("tokens", "list", "--json")
	var list []struct{ ID, Status string }
	json.Unmarshal([]byte(out), &list)
	found := false
	for _, x := range list {
		if x.ID == created.ID {
			found = true
			if x.Status != "revoked" {
				t.Errorf("after revoke: status %q", x.Status)
			}
		}
	}
	if !found {
		t.Error("the revoked token is not listed")
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"tokens", "create", "--name", "x", "--role", "root"}, "unknown role"},
		{[]string{"tokens", "create", "--role", "viewer"}, "--name"},
		{[]string{"tokens", "create", "--name", "x", "--role", "viewer", "--expires", "0d"}, "--expires"},
		{[]string{"tokens", "create", "--name", "x", "--role", "viewer", "--expires", "soon"}, "--expires"},
		{[]string{"tokens", "revoke", "0000000000000000"}, "no token"},
	} {
		if out, err := run(c.args...); err == nil || !strings.Contains(out, c.want) {
			t.Errorf("%v: %v %q, want an error saying %q", c.args, err, out, c.want)
		}
	}
}
