package neo4jtest

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

func TestSanitise(t *testing.T) {
	tests := []struct{ in, want string }{
		{"TestStore", "teststore"},
		{"TestStore/upsert_Clients#01", "teststore-upsert-clients-01"},
		{"///", "test"},
		{"TestAVeryLongNameThatGoesOnAndOnAndOnForeverAndEver", "testaverylongnamethatgoesonandonandonfor"},
	}
	for _, tc := range tests {
		if got := sanitise(tc.in); got != tc.want {
			t.Errorf("sanitise(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestTenantUnique(t *testing.T) {
	re := regexp.MustCompile(`^t-[a-z0-9-]+-[0-9a-f]{8}\.test\.local$`)
	a, b := Tenant(t), Tenant(t)
	if a == b {
		t.Fatalf("two Tenant calls gave %q", a)
	}
	for _, s := range []string{a, b} {
		if !re.MatchString(s) {
			t.Errorf("Tenant = %q, want %s", s, re)
		}
	}
}

func TestDriverCleanupAndLock(t *testing.T) {
	d := Driver(t)
	tenant := Tenant(t)
	ctx := context.Background()

	_, err := neo4j.ExecuteQuery(ctx, d,
		`UNWIND range(1, 25) AS i
		 CREATE (a:NeoTestThing {tenant: $tenant, i: i})-[:NEOTEST_LINK]->(:NeoTestOther {tenant: $tenant})`,
		map[string]any{"tenant": tenant}, neo4j.EagerResultTransformer)
	if err != nil {
		t.Fatal(err)
	}
	count := func() int64 {
		r, err := neo4j.ExecuteQuery(ctx, d, `MATCH (n {tenant: $tenant}) RETURN count(n) AS c`,
			map[string]any{"tenant": tenant}, neo4j.EagerResultTransformer)
		if err != nil {
			t.Fatal(err)
		}
		return r.Records[0].Values[0].(int64)
	}
	if c := count(); c != 50 {
		t.Fatalf("created %d nodes, want 50", c)
	}
	if err := DeleteTenant(ctx, d, tenant); err != nil {
		t.Fatalf("DeleteTenant: %v", err)
	}
	if c := count(); c != 0 {
		t.Fatalf("%d nodes left after DeleteTenant", c)
	}

	// This binary holds the lock now: another open file cannot take it.
	f, err := os.Open(filepath.Join(os.TempDir(), LockName))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != syscall.EWOULDBLOCK {
		t.Fatalf("second flock = %v, want EWOULDBLOCK while Driver holds the lock", err)
	}
}

func TestCleanupRunsAtEnd(t *testing.T) {
	d := Driver(t)
	tenant := Tenant(t)
	t.Run("inner", func(t *testing.T) {
		Cleanup(t, d, tenant)
		if _, err := neo4j.ExecuteQuery(context.Background(), d, `CREATE (:NeoTestThing {tenant: $tenant})`,
			map[string]any{"tenant": tenant}, neo4j.EagerResultTransformer); err != nil {
			t.Fatal(err)
		}
	})
	r, err := neo4j.ExecuteQuery(context.Background(), d, `MATCH (n {tenant: $tenant}) RETURN count(n) AS c`,
		map[string]any{"tenant": tenant}, neo4j.EagerResultTransformer)
	if err != nil {
		t.Fatal(err)
	}
	if c := r.Records[0].Values[0].(int64); c != 0 {
		t.Fatalf("%d nodes left after the subtest's Cleanup", c)
	}
}

// TestTargetIsTheTestServer: without NEO4J_URI or AUTHGRAPH_NEO4J_DIR the
// tests use their own server (.authgraph/neo4j-test on port 7688 before its
// first start), never the demo's.
func TestTargetIsTheTestServer(t *testing.T) {
	t.Setenv("NEO4J_URI", "")
	t.Setenv("AUTHGRAPH_NEO4J_DIR", "")
	tg := Target()
	if !tg.Managed || !isTestServer(tg) || filepath.Base(filepath.Dir(tg.Dir)) != ".authgraph" {
		t.Fatalf("Target = %+v, want the managed server in %s", tg, TestDir)
	}
	if !configured(tg.Dir) && tg.URI != "bolt://127.0.0.1:7688" {
		t.Errorf("unstarted test server at %s, want port %d", tg.URI, TestPort)
	}
	if tg.URI == "bolt://127.0.0.1:7687" {
		t.Errorf("tests would use the demo's server %s", tg.URI)
	}
	t.Setenv("NEO4J_URI", "bolt://example.invalid:7999")
	if tg := Target(); tg.URI != "bolt://example.invalid:7999" || isTestServer(tg) {
		t.Errorf("NEO4J_URI does not override: %+v", tg)
	}
}

// TestSweepTestTenants removes every *.test.local tenant and nothing else.
func TestSweepTestTenants(t *testing.T) {
	d := Driver(t)
	ctx := context.Background()
	left := Tenant(t)
	keep := "sweep-keep-" + left[len(left)-19:len(left)-11] + ".example"
	Cleanup(t, d, keep)
	_, err := neo4j.ExecuteQuery(ctx, d,
		`UNWIND [$left, $keep] AS tn CREATE (:NeoTestThing {tenant: tn})-[:NEOTEST_LINK]->(:NeoTestOther {tenant: tn})`,
		map[string]any{"left": left, "keep": keep}, neo4j.EagerResultTransformer)
	if err != nil {
		t.Fatal(err)
	}
	if err := SweepTestTenants(ctx, d); err != nil {
		t.Fatal(err)
	}
	r, err := neo4j.ExecuteQuery(ctx, d, `MATCH (n) WHERE n.tenant IN [$left, $keep] RETURN n.tenant AS tn, count(n) AS c`,
		map[string]any{"left": left, "keep": keep}, neo4j.EagerResultTransformer)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, rec := range r.Records {
		got[rec.Values[0].(string)] = rec.Values[1].(int64)
	}
	if got[left] != 0 || got[keep] != 2 {
		t.Errorf("after the sweep: %v; want %s gone and 2 nodes of %s", got, left, keep)
	}
}
