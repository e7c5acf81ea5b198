package neo4jlocal

import (
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// logWriter sends progress lines to t.Log.
type logWriter struct{ t *testing.T }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestLocalServerLifecycle fetches (from the ~/.m2 cache after the first
// time), starts, re-starts, inspects and stops a second, throw-away Neo4j in
// a temporary directory on a free port. It leaves the developer's instance
// alone.
func TestLocalServerLifecycle(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Neo4j server; skipped with -short")
	}
	for _, k := range []string{EnvURI, EnvUser, EnvPassword, EnvDir} {
		t.Setenv(k, "")
	}
	dir := t.TempDir()
	o := Options{
		Dir:         dir,
		Port:        freePort(t),
		HeapInitial: "256m",
		HeapMax:     "512m",
		PageCache:   "128m",
		Out:         logWriter{t},
	}
	ctx := t.Context()
	t.Cleanup(func() {
		if err := Stop(t.Context(), Options{Dir: dir, Out: logWriter{t}}); err != nil {
			t.Errorf("cleanup stop: %v", err)
		}
	})

	began := time.Now()
	if err := Fetch(ctx, dir, o.Out); err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	t.Logf("fetch took %.1fs", time.Since(began).Seconds())
	if !Fetched(dir) {
		t.Fatal("Fetched() is false after Fetch")
	}

	began = time.Now()
	target, err := Start(ctx, o)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Logf("start took %.1fs", time.Since(began).Seconds())
	if !target.Managed || target.Dir != dir || !strings.HasSuffix(target.URI, ":"+strconv.Itoa(o.Port)) {
		t.Fatalf("Start returned target %+v", target)
	}
	if err := Ping(ctx, target); err != nil {
		t.Fatalf("Bolt does not answer after Start: %v", err)
	}
	if got := ResolveTarget(dir).URI; got != target.URI {
		t.Errorf("ResolveTarget(dir).URI = %s, want the started %s", got, target.URI)
	}

	st := Status(ctx, o)
	if !st.Running || !st.Reachable || st.PID == 0 {
		t.Fatalf("Status while running = %+v", st)
	}
	t.Logf("status: %s", st.Describe())

	checkSecrets(t, dir, target, st.PID)
	checkLoadCSVRefused(t, target, dir)
	checkLimits(t, target)
	checkLegacyMigration(t, o, target)
	target = ResolveTarget(dir) // the rotated password

	// A second start is a no-op.
	var out strings.Builder
	o2 := o
	o2.Out = &out
	t2, err := Start(ctx, o2)
	if err != nil {
		t.Fatalf("second Start: %v", err)
	}
	if t2.URI != target.URI || !strings.Contains(out.String(), "already running") {
		t.Fatalf("second Start: target %s, output %q; want a no-op", t2.URI, out.String())
	}
	if pid := runningPID(dir); pid != st.PID {
		t.Fatalf("second Start changed the pid: %d -> %d", st.PID, pid)
	}

	// Stop stops it.
	began = time.Now()
	if err := Stop(ctx, o); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	t.Logf("stop took %.1fs", time.Since(began).Seconds())
	if err := Ping(ctx, target); err == nil {
		t.Fatal("Bolt still answers after Stop")
	}
	if alive(st.PID) {
		t.Fatalf("pid %d still alive after Stop", st.PID)
	}
	if _, err := os.Stat(pidPath(dir)); !os.IsNotExist(err) {
		t.Fatalf("pid file still there after Stop: %v", err)
	}
	if st := Status(ctx, o); st.Running || st.Reachable {
		t.Fatalf("Status after Stop = %+v", st)
	}
	if d := Status(ctx, o).Describe(); !strings.HasPrefix(d, "stopped") {
		t.Fatalf("Describe after Stop = %q", d)
	}
}
