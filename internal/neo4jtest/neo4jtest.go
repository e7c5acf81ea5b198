// Package neo4jtest is the helper every test that touches the graph uses.
//
//	func TestSomething(t *testing.T) {
//		d := neo4jtest.Driver(t)        // fails the test if Neo4j is not up
//		tenant := neo4jtest.Tenant(t)   // unique tenant domain for this test
//		neo4jtest.Cleanup(t, d, tenant) // delete its nodes when the test ends
//		...
//	}
//
// Tests never touch the user's graph: the server is a Neo4j of their own,
// the managed local server in the module's .authgraph/neo4j-test on port
// 7688 (TestDir, TestPort), which `make test` starts with `authgraph neo4j
// start --dir .authgraph/neo4j-test --port 7688`. NEO4J_URI (with
// NEO4J_USER / NEO4J_PASSWORD) or $AUTHGRAPH_NEO4J_DIR override it. A test
// never skips because Neo4j is down: it fails and says how to start it.
//
// Each test removes its tenant (Cleanup); a test binary killed mid-way can't,
// so the first Driver call of a binary on the managed test server also
// sweeps leftover test tenants (*.test.local) before any test writes.
//
// Neo4j Community has a single database and `go test ./...` runs package
// test binaries in parallel, so the first Driver call in a test binary takes
// an exclusive file lock (in os.TempDir()) that the binary holds until it
// exits: graph-touching packages run one at a time, pure ones in parallel.
package neo4jtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/authgraph/authgraph/internal/neo4jlocal"
)

// LockName is the lock file's name in os.TempDir().
const LockName = "authgraph-neo4jtest.lock"

var (
	lockOnce sync.Once
	lockErr  error
	lockFile *os.File // held open (and locked) until the process exits
)

// lock takes the process-wide exclusive lock once, blocking while another
// test binary holds it.
func lock() error {
	lockOnce.Do(func() {
		f, err := os.OpenFile(filepath.Join(os.TempDir(), LockName), os.O_CREATE|os.O_RDWR, 0o666)
		if err != nil {
			lockErr = err
			return
		}
		for {
			err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
			if err != syscall.EINTR {
				break
			}
		}
		if err != nil {
			f.Close()
			lockErr = err
			return
		}
		lockFile = f
	})
	return lockErr
}

// The tests' own server: its folder under the module root and its port.
const (
	TestDir  = ".authgraph/neo4j-test"
	TestPort = 7688
)

// Target returns the server the tests use (see the package doc).
func Target() neo4jlocal.Target {
	dir := ""
	if os.Getenv(neo4jlocal.EnvDir) == "" {
		if root := moduleRoot(); root != "" {
			dir = filepath.Join(root, filepath.FromSlash(TestDir))
		}
	}
	t := neo4jlocal.ResolveTarget(dir)
	if t.Managed && dir != "" && !configured(t.Dir) {
		// Never started yet: its port is TestPort, not the demo's default.
		t.URI = fmt.Sprintf("bolt://127.0.0.1:%d", TestPort)
	}
	return t
}

// configured says whether dir holds a neo4j.conf (written by the first start).
func configured(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "home", "conf", "neo4j.conf"))
	return err == nil
}

// isTestServer says whether t is the managed test server (TestDir), the only
// one the sweep may touch.
func isTestServer(t neo4jlocal.Target) bool {
	return t.Managed && filepath.Base(t.Dir) == filepath.Base(TestDir)
}

// moduleRoot walks up from the working directory (the package's directory
// under go test) to the folder holding go.mod.
func moduleRoot() string {
	d, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		parent := filepath.Dir(d)
		if parent == d {
			return ""
		}
		d = parent
	}
}

// Driver returns a driver connected to the test server, closed when the test
// ends. It fails the test when Neo4j does not answer, and serialises
// graph-touching test binaries with the lock described in the package doc.
func Driver(t testing.TB) neo4j.DriverWithContext {
	t.Helper()
	target := Target()
	d, err := neo4jlocal.NewDriver(target)
	if err != nil {
		t.Fatalf("neo4jtest: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := d.VerifyConnectivity(ctx); err != nil {
		d.Close(context.Background())
		t.Fatalf("Neo4j not reachable at %s: start the tests' own server with `make test-neo4j` (authgraph neo4j start --dir %s --port %d), or run `make test` (%v)", target.URI, TestDir, TestPort, err)
	}
	if err := lock(); err != nil {
		d.Close(context.Background())
		t.Fatalf("neo4jtest: take the test lock %s: %v", filepath.Join(os.TempDir(), LockName), err)
	}
	if isTestServer(target) {
		sweepOnce.Do(func() { sweepErr = SweepTestTenants(context.Background(), d) })
		if sweepErr != nil {
			t.Logf("neo4jtest: sweep of leftover test tenants: %v", sweepErr)
		}
	}
	t.Cleanup(func() { d.Close(context.Background()) })
	return d
}

// Tenant returns a tenant domain unique to this test run, such as
// "t-teststore-upsert-3f9a1c2b.test.local".
func Tenant(t testing.TB) string {
	t.Helper()
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatalf("neo4jtest: random tenant: %v", err)
	}
	return "t-" + sanitise(t.Name()) + "-" + hex.EncodeToString(b[:]) + TenantSuffix
}

// sanitise lowercases name and keeps [a-z0-9-], at most 40 characters.
func sanitise(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	s := strings.TrimRight(b.String(), "-")
	if len(s) > 40 {
		s = strings.TrimRight(s[:40], "-")
	}
	if s == "" {
		s = "test"
	}
	return s
}

var (
	sweepOnce sync.Once
	sweepErr  error
)

// TenantSuffix ends every tenant name Tenant returns.
const TenantSuffix = ".test.local"

// SweepQuery deletes every node of a test tenant (*.test.local), whatever
// test left it, in batches.
const SweepQuery = `MATCH (n) WHERE n.tenant ENDS WITH $suffix
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS`

// SweepTestTenants deletes what earlier, interrupted runs left: every node
// of a *.test.local tenant. Driver runs it once per test binary, holding the
// lock, and only on the managed test server.
func SweepTestTenants(ctx context.Context, driver neo4j.DriverWithContext) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	s := driver.NewSession(ctx, neo4j.SessionConfig{AccessMode: neo4j.AccessModeWrite})
	defer s.Close(ctx)
	res, err := s.Run(ctx, SweepQuery, map[string]any{"suffix": TenantSuffix})
	if err != nil {
		return err
	}
	_, err = res.Consume(ctx)
	return err
}

// CleanupQuery deletes every node of tenant $tenant in batches.
const CleanupQuery = `MATCH (n {tenant: $tenant})
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS`

// Cleanup deletes every node whose tenant property is tenant, with its
// relationships, when the test ends (after the test's later cleanups, and
// before the driver from Driver is closed).
func Cleanup(t testing.TB, driver neo4j.DriverWithContext, tenant string) {
	t.Helper()
	t.Cleanup(func() {
		if err := DeleteTenant(context.Background(), driver, tenant); err != nil {
			t.Errorf("neo4jtest: delete tenant %s: %v", tenant, err)
		}
	})
}

// DeleteTenant deletes every node of tenant now. CALL { } IN TRANSACTIONS
// needs an auto-commit transaction, hence session.Run.
func DeleteTenant(ctx context.Context, driver neo4j.DriverWithContext, tenant string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	s := driver.NewSession(ctx, neo4j.SessionConfig{AccessMode: neo4j.AccessModeWrite})
	defer s.Close(ctx)
	res, err := s.Run(ctx, CleanupQuery, map[string]any{"tenant": tenant})
	if err != nil {
		return err
	}
	_, err = res.Consume(ctx)
	return err
}
