package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authgraph/authgraph/internal/neo4jtest"
)

var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "authgraph-cli")
	if err != nil {
		panic(err)
	}
	bin = filepath.Join(dir, "authgraph")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		panic(string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// The CLI's contract at its edge: one clear line on stderr and an exit code
// from the error vocabulary (2 invalid, 4 unavailable, 5 forbidden).
func TestExitCodesAndMessages(t *testing.T) {
	cases := []struct {
		name string
		args []string
		env  []string
		code int
		want string
	}{
		{"version", []string{"version"}, nil, 0, "authgraph "},
		{"bad flag", []string{"--bogus"}, nil, 2, "unknown flag"},
		{"unknown command suggests", []string{"serv"}, nil, 2, "did you mean serve?); see 'authgraph --help'"},
		{"flag typo suggests", []string{"serve", "--adr", "127.0.0.1:0"}, nil, 2, "did you mean --addr?); see 'authgraph serve --help'"},
		{"sync flag typo suggests", []string{"sync", "--domian", "x"}, nil, 2, "did you mean --domain?"},
		{"sync without domain", []string{"sync"}, nil, 2, "missing domain"},
		{"sync plain http elsewhere", []string{"sync", "--domain", "http://example.com", "--client-id", "a", "--client-secret", "b"}, nil, 2, "loopback"},
		{"sync without secret", []string{"sync", "--domain", "https://x.auth0.com", "--client-id", "a"}, nil, 2, "missing client credentials"},
		{"sync secret twice", []string{"sync", "--domain", "https://x.auth0.com", "--client-id", "a", "--client-secret", "b", "--client-secret-file", "f"}, nil, 2, "either"},
		{"sync with Neo4j down", []string{"sync", "--domain", "http://127.0.0.1:1", "--client-id", "a", "--client-secret", "b"},
			[]string{"NEO4J_URI=bolt://127.0.0.1:1"}, 4, "Neo4j not reachable at bolt://127.0.0.1:1"},
		{"sync secret in argv warns", []string{"sync", "--domain", "http://127.0.0.1:1", "--client-id", "a", "--client-secret", "b"},
			[]string{"NEO4J_URI=bolt://127.0.0.1:1"}, 4, "warning: --client-secret on the command line is visible"},
		{"sim negative users", []string{"sim", "--users", "-1"}, nil, 2, "users"},
		{"neo4j bad page cache", []string{"neo4j", "start", "--dir", "/nonexistent/authgraph-test", "--page-cache", "lots"}, nil, 2, `bad page cache size "lots"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cmd := exec.Command(bin, c.args...)
			cmd.Env = append(cleanEnv(), c.env...)
			out, err := cmd.CombinedOutput()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != c.code || !strings.Contains(string(out), c.want) {
				t.Fatalf("exit %d, output %q; want exit %d containing %q", code, out, c.code, c.want)
			}
			if c.code != 0 && len(errorLines(string(out))) != 1 {
				t.Errorf("an error should be one line (after any warnings), got %q", out)
			}
		})
	}
}

func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "AUTH0_") || strings.HasPrefix(kv, "NEO4J_") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// errorLines are the output's lines other than warnings.
func errorLines(out string) []string {
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.HasPrefix(l, "warning: ") {
			lines = append(lines, l)
		}
	}
	return lines
}

// neo4j status answers scripts with its exit code, as systemctl and pg_ctl
// do: 0 when Neo4j runs, 3 when it is stopped.
func TestNeo4jStatusExitCode(t *testing.T) {
	run := func(env []string, args ...string) (int, string) {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = append(cleanEnv(), env...)
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode(), string(out)
		} else if err != nil {
			t.Fatal(err)
		}
		return 0, string(out)
	}
	if code, out := run(nil, "neo4j", "status", "--dir", t.TempDir()); code != 3 || !strings.Contains(out, "stopped") {
		t.Errorf("stopped: exit %d, %q; want 3, stopped", code, out)
	}
	if code, out := run([]string{"NEO4J_URI=bolt://127.0.0.1:1"}, "neo4j", "status"); code != 3 || !strings.Contains(out, "not reachable") {
		t.Errorf("external, not answering: exit %d, %q; want 3", code, out)
	}
	// The server the tests use runs.
	tg := neo4jtest.Target()
	var code int
	var out string
	if tg.Managed {
		code, out = run(nil, "neo4j", "status", "--dir", tg.Dir)
	} else {
		code, out = run([]string{"NEO4J_URI=" + tg.URI, "NEO4J_USER=" + tg.User, "NEO4J_PASSWORD=" + tg.Password}, "neo4j", "status")
	}
	if code != 0 || strings.Count(strings.TrimSpace(out), "\n") > 0 {
		t.Errorf("running: exit %d, %q; want 0 and one line", code, out)
	}
}
