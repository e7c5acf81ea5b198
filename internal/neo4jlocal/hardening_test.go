package neo4jlocal

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/authgraph/authgraph/internal/apperr"
)

// These checks run on the server TestLocalServerLifecycle starts.

// checkSecrets: a random password, kept in a 0600 file in 0700 folders,
// found by ResolveTarget, and never on the server's command line.
func checkSecrets(t *testing.T, dir string, target Target, pid int) {
	t.Helper()
	kept, ok, err := readPasswordFile(dir)
	if err != nil || !ok {
		t.Fatalf("no password file after the first start: %v", err)
	}
	if kept != target.Password || len(kept) != 43 || kept == LegacyPassword {
		t.Fatalf("the kept password (%d chars) is not the random one Start used", len(kept))
	}
	mode(t, PasswordPath(dir), 0o600)
	for _, d := range []string{dir, homeDir(dir), dataDir(dir), logDir(dir), confDir(dir), libDir(dir)} {
		mode(t, d, 0o700)
	}
	if got := ResolveTarget(dir); got.Password != kept {
		t.Fatal("ResolveTarget does not read the password file")
	}
	cmdline, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
	if err == nil && strings.Contains(string(cmdline), kept) {
		t.Fatal("the password is on the server's command line")
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".initial-password-*"))
	if len(left) != 0 {
		t.Fatalf("the neo4j-admin argument file was left behind: %v", left)
	}
	for _, log := range []string{consoleLog(dir), filepath.Join(logDir(dir), "neo4j.log")} {
		if b, err := os.ReadFile(log); err == nil && strings.Contains(string(b), kept) {
			t.Fatalf("the password is in %s", log)
		}
	}
}

// checkLoadCSVRefused: LOAD CSV in a write transaction straight through the
// driver (no console in front) reaches no listener on any loopback
// spelling and reads no file.
func checkLoadCSVRefused(t *testing.T, target Target, dir string) {
	t.Helper()
	var hits atomic.Int64
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		fmt.Fprintln(w, "leaked,row")
	})
	listen := func(network, addr string) (int, bool) {
		l, err := net.Listen(network, addr)
		if err != nil {
			return 0, false
		}
		srv := &http.Server{Handler: handler, ReadHeaderTimeout: 5 * time.Second}
		go srv.Serve(l)
		t.Cleanup(func() { srv.Close() })
		return l.Addr().(*net.TCPAddr).Port, true
	}
	p4, _ := listen("tcp4", "127.0.0.1:0")
	p6, has6 := listen("tcp6", "[::1]:0")
	// A file that exists, in the import folder and elsewhere.
	imported := filepath.Join(dir, "import", "users.csv")
	if err := os.WriteFile(imported, []byte("leaked,row\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(t.TempDir(), "outside.csv")
	if err := os.WriteFile(outside, []byte("leaked,row\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	urls := []string{
		fmt.Sprintf("http://127.0.0.1:%d/", p4),
		fmt.Sprintf("http://localhost:%d/x.csv", p4),
		fmt.Sprintf("http://127.1:%d/", p4),
		fmt.Sprintf("http://2130706433:%d/", p4),
		fmt.Sprintf("https://127.0.0.1:%d/", p4),
		"file:///users.csv",
		"file:///" + strings.TrimPrefix(imported, "/"),
		"file://" + outside,
		"file:///etc/passwd",
	}
	if has6 {
		urls = append(urls, fmt.Sprintf("http://[::1]:%d/", p6), fmt.Sprintf("http://[::ffff:127.0.0.1]:%d/", p4))
	} else {
		t.Log("no IPv6 loopback here: the [::1] cases are skipped")
	}
	d, err := NewDriver(target)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close(context.Background())
	ctx := t.Context()
	for _, u := range urls {
		for _, q := range []string{
			"LOAD CSV FROM '" + u + "' AS row RETURN row",
			"LOAD CSV FROM '" + u + "' AS row CREATE (:LoadCSVProbe {v: row[0]})",
			"LOAD CSV FROM $url AS row MERGE (:LoadCSVProbe {v: row[0]})",
		} {
			sess := d.NewSession(ctx, neo4j.SessionConfig{AccessMode: neo4j.AccessModeWrite})
			rows, err := sess.ExecuteWrite(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
				res, err := tx.Run(ctx, q, map[string]any{"url": u})
				if err != nil {
					return nil, err
				}
				recs, err := res.Collect(ctx)
				return len(recs), err
			})
			sess.Close(ctx)
			if err == nil {
				t.Errorf("%s: ran and returned %v rows, want a refusal", q, rows)
			} else {
				t.Logf("refused: %s: %.160s", u, err)
			}
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the test listeners got %d requests from LOAD CSV", n)
	}
	res, err := neo4j.ExecuteQuery(ctx, d, "MATCH (n:LoadCSVProbe) RETURN count(n) AS n", nil, neo4j.EagerResultTransformer)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.Records[0].Get("n"); n.(int64) != 0 {
		t.Errorf("LOAD CSV created %d nodes", n)
	}
}

// checkLimits: the server runs with the settings neo4j.conf asks for (SHOW
// SETTINGS hides internal ones such as the IP blocklist, which
// checkLoadCSVRefused shows at work), and a
// transaction that would hold more memory than its share of the heap fails.
func checkLimits(t *testing.T, target Target) {
	t.Helper()
	d, err := NewDriver(target)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close(context.Background())
	ctx := t.Context()
	res, err := neo4j.ExecuteQuery(ctx, d, `SHOW SETTINGS YIELD name, value
WHERE name IN ['dbms.security.allow_csv_import_from_file_urls',
               'db.transaction.timeout', 'db.memory.transaction.max'] RETURN name, value`, nil, neo4j.EagerResultTransformer)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range res.Records {
		n, _ := r.Get("name")
		v, _ := r.Get("value")
		got[n.(string)] = fmt.Sprint(v)
	}
	t.Logf("settings: %v", got)
	if got["dbms.security.allow_csv_import_from_file_urls"] != "false" {
		t.Errorf("allow_csv_import_from_file_urls = %q", got["dbms.security.allow_csv_import_from_file_urls"])
	}
	if v := got["db.transaction.timeout"]; v != "1m" && v != "60s" && v != "PT1M" {
		t.Errorf("db.transaction.timeout = %q", v)
	}
	if v := got["db.memory.transaction.max"]; v == "" || v == "0" || v == "0B" {
		t.Errorf("db.memory.transaction.max = %q", v)
	}
	_, err = neo4j.ExecuteQuery(ctx, d, "UNWIND range(1, 40000000) AS x RETURN size(collect(toString(x))) AS n", nil, neo4j.EagerResultTransformer)
	if err == nil || !strings.Contains(strings.ToLower(err.Error()), "memory") {
		t.Errorf("a transaction collecting 40M strings: %v, want a memory limit error", err)
	}
}

// checkLegacyMigration: a data directory from before the password file
// (password authgraph, no file) keeps working, is recorded once with a
// note, and rotate-password replaces its password.
func checkLegacyMigration(t *testing.T, o Options, target Target) {
	t.Helper()
	ctx := t.Context()
	dir := target.Dir
	if err := changePassword(ctx, target, LegacyPassword); err != nil {
		t.Fatalf("set the legacy password: %v", err)
	}
	if err := os.Remove(PasswordPath(dir)); err != nil {
		t.Fatal(err)
	}
	if got := ResolveTarget(dir); got.Password != LegacyPassword || Ping(ctx, got) != nil {
		t.Fatal("ResolveTarget does not reach a legacy directory")
	}
	var out strings.Builder
	o.Out = &out
	if _, err := Start(ctx, o); err != nil {
		t.Fatalf("Start on a legacy directory: %v", err)
	}
	if !strings.Contains(out.String(), "old well-known password") {
		t.Fatalf("Start on a legacy directory said %q; want the note", out.String())
	}
	if kept, ok, _ := readPasswordFile(dir); !ok || kept != LegacyPassword {
		t.Fatal("the legacy password was not recorded")
	}
	out.Reset()
	if _, err := Start(ctx, o); err != nil || strings.Contains(out.String(), "well-known") {
		t.Fatalf("second Start: %v, %q; want no second note", err, out.String())
	}
	out.Reset()
	if err := RotatePassword(ctx, o); err != nil {
		t.Fatalf("RotatePassword: %v", err)
	}
	kept, _, _ := readPasswordFile(dir)
	if kept == LegacyPassword || len(kept) != 43 || strings.Contains(out.String(), kept) {
		t.Fatalf("after rotation: %d chars kept, output %q", len(kept), out.String())
	}
	mode(t, PasswordPath(dir), 0o600)
	if err := Ping(ctx, ResolveTarget(dir)); err != nil {
		t.Fatalf("the rotated password does not work: %v", err)
	}
	old := target
	old.Password = LegacyPassword
	if err := Ping(ctx, old); apperr.KindOf(err) != apperr.Forbidden {
		t.Fatalf("the legacy password still works after rotation: %v", err)
	}
}
