package monitor_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/authgraph/authgraph/ingest"
	"github.com/authgraph/authgraph/internal/auth0sim"
	"github.com/authgraph/authgraph/internal/monitor"
	"github.com/authgraph/authgraph/internal/neo4jtest"
	"github.com/authgraph/authgraph/internal/store"
)

type syncRun struct {
	tenant, holder    string
	started, finished time.Time
}

// recorder wraps a monitor's AfterSync to log which holder synced what.
type recorder struct {
	mu   sync.Mutex
	runs []syncRun
}

func (r *recorder) hook(holder string) monitor.AfterSync {
	return monitor.AfterSyncFunc(func(_ context.Context, tenant string, sum *ingest.Summary) ([]monitor.FindingAlert, error) {
		r.mu.Lock()
		r.runs = append(r.runs, syncRun{tenant, holder, sum.Started, sum.Finished})
		r.mu.Unlock()
		return nil, nil
	})
}

func (r *recorder) snapshot() []syncRun {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]syncRun(nil), r.runs...)
}

func countNodes(t *testing.T, d neo4j.DriverWithContext, tenant string) int64 {
	t.Helper()
	res, err := neo4j.ExecuteQuery(context.Background(), d, "MATCH (n {tenant: $t}) RETURN count(n) AS n", map[string]any{"t": tenant}, neo4j.EagerResultTransformer)
	if err != nil {
		t.Fatal(err)
	}
	return res.Records[0].Values[0].(int64)
}

// TestTwoSchedulersShareTenants runs two schedulers (two holders, as two
// `serve` processes would) on one database and one simulator: each tenant
// is synced by one of them at a time, once per interval; disabling stops
// its polling; removing deletes exactly its nodes.
func TestTwoSchedulersShareTenants(t *testing.T) {
	e := newEnv(t, 20)
	other := neo4jtest.Tenant(t)
	neo4jtest.Cleanup(t, e.driver, other)
	const interval = 3 * time.Second
	e.connect(e.tenant, interval)
	e.connect(other, interval)

	rec := &recorder{}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, holder := range []string{"server-a", "server-b"} {
		m := e.monitor(holder)
		m.MaxConcurrent = 1
		m.Tenants = []string{e.tenant, other}
		m.AfterSync = rec.hook(holder)
		wg.Add(1)
		go func() { defer wg.Done(); m.Run(ctx) }()
	}
	waitFor := func(what string, ok func([]syncRun) bool) {
		t.Helper()
		deadline := time.Now().Add(3 * time.Minute)
		for !ok(rec.snapshot()) {
			if time.Now().After(deadline) {
				cancel()
				t.Fatalf("timed out waiting for %s; runs %+v", what, rec.snapshot())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	perTenant := func(runs []syncRun, tenant string) []syncRun {
		var out []syncRun
		for _, r := range runs {
			if r.tenant == tenant {
				out = append(out, r)
			}
		}
		return out
	}
	waitFor("three syncs of each tenant", func(runs []syncRun) bool {
		return len(perTenant(runs, e.tenant)) >= 3 && len(perTenant(runs, other)) >= 3
	})

	// Disable one: it is not polled again; the other goes on.
	off := false
	if err := e.st.UpdateConnectedTenant(context.Background(), other, store.TenantPatch{Enabled: &off}); err != nil {
		t.Fatal(err)
	}
	// A sync already running may finish; none may start after it.
	time.Sleep(200 * time.Millisecond)
	disabledAt := time.Now()
	before := len(perTenant(rec.snapshot(), e.tenant))
	waitFor("two more syncs of the enabled tenant", func(runs []syncRun) bool {
		return len(perTenant(runs, e.tenant)) >= before+2
	})
	cancel()
	wg.Wait()

	runs := rec.snapshot()
	holders := map[string]int{}
	for _, tenant := range []string{e.tenant, other} {
		rs := perTenant(runs, tenant)
		sort.Slice(rs, func(i, j int) bool { return rs[i].started.Before(rs[j].started) })
		for i, r := range rs {
			holders[r.holder]++
			if i == 0 {
				continue
			}
			prev := rs[i-1]
			// One at a time, and once per interval: the next sync starts an
			// interval after the previous one finished (a little clock slack
			// between the database's clock and ours).
			if gap := r.started.Sub(prev.finished); gap < interval-250*time.Millisecond {
				t.Fatalf("%s: sync by %s started %s after the previous (by %s) finished; want ≥ %s", tenant, r.holder, gap, prev.holder, interval)
			}
			if tenant == other && r.started.After(disabledAt) {
				t.Fatalf("disabled tenant synced at %s (disabled at %s)", r.started, disabledAt)
			}
		}
	}
	if holders["server-a"] == 0 || holders["server-b"] == 0 {
		t.Fatalf("one server did all the work: %v", holders)
	}
	t.Logf("syncs by holder: %v", holders)

	// Remove deletes exactly the removed tenant's nodes.
	keep := countNodes(t, e.driver, e.tenant)
	if n := countNodes(t, e.driver, other); n < 100 {
		t.Fatalf("tenant to remove has %d nodes", n)
	}
	var progress []string
	if _, err := e.st.RemoveTenant(context.Background(), other, func(label string, n int) {
		progress = append(progress, label)
	}); err != nil {
		t.Fatal(err)
	}
	if n := countNodes(t, e.driver, other); n != 0 {
		t.Fatalf("removed tenant keeps %d nodes", n)
	}
	if n := countNodes(t, e.driver, e.tenant); n != keep {
		t.Fatalf("the other tenant went from %d to %d nodes", keep, n)
	}
	if _, err := e.st.GetConnectedTenant(context.Background(), other); err == nil {
		t.Fatal("removed tenant still connected")
	}
	if len(progress) == 0 {
		t.Fatal("no progress reported")
	}
}

// TestLeaseExclusive: a live lease keeps other holders out; an expired one
// (a crashed holder) is taken over; the holder that lost it cannot renew.
func TestLeaseExclusive(t *testing.T) {
	e := newEnv(t, 0)
	ctx := context.Background()
	e.connect(e.tenant, time.Hour)
	start := time.Now()
	ok, err := e.st.AcquireLease(ctx, e.tenant, "a", 4*time.Second, true)
	if err != nil || !ok {
		t.Fatalf("first lease: %v %v", ok, err)
	}
	// Many contenders at once: none gets it while a's lease lives.
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ok, err := e.st.AcquireLease(ctx, e.tenant, "b"+string(rune('0'+i)), time.Minute, false)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				won++
				mu.Unlock()
			}
		}(i)
	}
	wg.Wait()
	if ct, _ := e.st.GetConnectedTenant(ctx, e.tenant); won != 0 || ct.LeaseHolder != "a" {
		t.Fatalf("%d contenders took a live lease (holder %s)", won, ct.LeaseHolder)
	}
	// a crashes: after its TTL exactly one contender takes over.
	time.Sleep(time.Until(start.Add(4200 * time.Millisecond)))
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ok, _ := e.st.AcquireLease(ctx, e.tenant, "c"+string(rune('0'+i)), time.Minute, false)
			if ok {
				mu.Lock()
				won++
				mu.Unlock()
			}
		}(i)
	}
	wg.Wait()
	if won != 1 {
		t.Fatalf("%d contenders took the expired lease, want 1", won)
	}
	if ok, _ := e.st.RenewLease(ctx, e.tenant, "a", time.Minute); ok {
		t.Fatal("the crashed holder renewed a lease someone else holds")
	}
}

// TestNoSecretInStoreFiles connects a tenant and a channel with distinctive
// secrets, then reads Neo4j's own files (store and transaction logs) and
// the graph's properties: no secret appears in the clear.
func TestNoSecretInStoreFiles(t *testing.T) {
	clientSecret := "cs-" + strings.Repeat("Zq8", 12) + "-plain"
	e := newEnv(t, 5, func(c *auth0sim.Config) { c.ClientSecret = clientSecret })
	ctx := context.Background()
	e.connect(e.tenant, time.Hour)
	hookSecret := "whsec-" + strings.Repeat("Kx3", 10)
	hookURL := "https://hooks.example.com/T-" + strings.Repeat("Vw7", 8)
	name := "secret-test-" + e.tenant
	u, _ := e.box.Seal(hookURL, monitor.ChannelAD(name, "url"))
	s, _ := e.box.Seal(hookSecret, monitor.ChannelAD(name, "secret"))
	if err := e.st.AddChannel(ctx, store.Channel{Name: name, Type: "webhook", URLSealed: u, SecretSealed: s, URLHost: "https://hooks.example.com"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.st.RemoveChannel(context.Background(), name) })
	// A sync with the stored credentials works (so the secret was there).
	if _, err := e.monitor("h").SyncTenant(ctx, e.tenant, false); err != nil {
		t.Fatal(err)
	}
	res, err := neo4j.ExecuteQuery(ctx, e.driver, "SHOW SETTINGS YIELD name, value WHERE name = 'server.directories.data' RETURN value", nil, neo4j.EagerResultTransformer)
	if err != nil || len(res.Records) == 0 {
		t.Fatalf("data directory: %v", err)
	}
	dir := res.Records[0].Values[0].(string)
	secrets := [][]byte{[]byte(clientSecret), []byte(hookSecret), []byte(hookURL)}
	files := 0
	for _, sub := range []string{"databases/neo4j", "transactions/neo4j"} {
		root := filepath.Join(dir, sub)
		err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			files++
			for _, sec := range secrets {
				if found, err := fileContains(path, sec); err != nil {
					return err
				} else if found {
					t.Errorf("%s holds a secret in the clear", path)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("read %s: %v (the test needs the Neo4j server's files on this machine)", root, err)
		}
	}
	if files < 5 {
		t.Fatalf("read only %d files under %s", files, dir)
	}
	// A sanity check that the scan can see what is stored: the sealed value
	// and the client id are in the files.
	ct, _ := e.st.GetConnectedTenant(ctx, e.tenant)
	seen := false
	filepath.WalkDir(filepath.Join(dir, "transactions/neo4j"), func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !seen {
			seen, _ = fileContains(path, []byte(ct.SecretSealed[3:40]))
		}
		return nil
	})
	if !seen {
		t.Fatal("the scan did not find the sealed secret either: it cannot see what is stored")
	}
}

// fileContains streams path looking for needle (across chunk borders).
func fileContains(path string, needle []byte) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	carry := []byte{}
	for {
		n, err := f.Read(buf)
		chunk := append(carry, buf[:n]...)
		if bytes.Contains(chunk, needle) {
			return true, nil
		}
		if len(chunk) >= len(needle) {
			carry = append([]byte{}, chunk[len(chunk)-len(needle)+1:]...)
		}
		if err == io.EOF {
			return false, nil
		}
		if err != nil {
			return false, err
		}
	}
}

// TestSchedulerWakesWhenDue: with a tick far longer than the interval, the
// scheduler still syncs every interval (it sleeps until the next tenant
// falls due, not a whole tick), so a change waits for the interval alone.
func TestSchedulerWakesWhenDue(t *testing.T) {
	e := newEnv(t, 10)
	const interval = 2 * time.Second
	e.connect(e.tenant, interval)
	rec := &recorder{}
	m := e.monitor("server-a")
	m.Tick = time.Hour
	m.Tenants = []string{e.tenant}
	m.AfterSync = rec.hook("server-a")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); m.Run(ctx) }()
	deadline := time.Now().Add(90 * time.Second)
	for len(rec.snapshot()) < 3 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	<-done
	runs := rec.snapshot()
	if len(runs) < 3 {
		t.Fatalf("%d syncs with a 1 h tick and a %s interval; want 3", len(runs), interval)
	}
	for i := 1; i < len(runs); i++ {
		gap := runs[i].started.Sub(runs[i-1].finished)
		// The interval, a little for the database round trips, never a tick.
		if gap < interval-100*time.Millisecond || gap > interval+5*time.Second {
			t.Errorf("sync %d started %s after the previous one finished; want about %s", i, gap, interval)
		}
	}
}
