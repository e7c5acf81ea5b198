package monitor_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/auth0/go-auth0/management"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/authgraph/authgraph/ingest"
	"github.com/authgraph/authgraph/internal/auth0sim"
	"github.com/authgraph/authgraph/internal/monitor"
	"github.com/authgraph/authgraph/internal/neo4jtest"
	"github.com/authgraph/authgraph/internal/secretbox"
	"github.com/authgraph/authgraph/internal/store"
)

type env struct {
	t      *testing.T
	sim    *auth0sim.Sim
	srv    *httptest.Server
	st     *store.Store
	driver neo4j.DriverWithContext
	tenant string
	box    *secretbox.Box
}

func newEnv(t *testing.T, users int, mod ...func(*auth0sim.Config)) *env {
	t.Helper()
	cfg := auth0sim.Config{Seed: 7, Users: users, ExportDelay: -1}
	for _, m := range mod {
		m(&cfg)
	}
	sim, err := auth0sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	d := neo4jtest.Driver(t)
	tenant := neo4jtest.Tenant(t)
	neo4jtest.Cleanup(t, d, tenant)
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i * 7)
	}
	box, err := secretbox.New(key, "test")
	if err != nil {
		t.Fatal(err)
	}
	st := store.FromDriver(d)
	if err := st.EnsureMonitorSchema(context.Background()); err != nil {
		t.Fatal(err)
	}
	return &env{t: t, sim: sim, srv: srv, st: st, driver: d, tenant: tenant, box: box}
}

// connect saves the simulator as a connected tenant named e.tenant.
func (e *env) connect(name string, interval time.Duration) {
	e.t.Helper()
	sealed, err := e.box.Seal(e.sim.ClientSecret(), monitor.TenantSecretAD(name))
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.st.AddConnectedTenant(context.Background(), store.ConnectedTenant{Name: name, Domain: e.srv.URL,
		ClientID: e.sim.ClientID(), SecretSealed: sealed, Interval: interval, Enabled: true}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) monitor(holder string) *monitor.Monitor {
	return &monitor.Monitor{Store: e.st, Box: e.box, Holder: holder, LeaseTTL: 3 * time.Second,
		Tick: 100 * time.Millisecond, Backoff: 200 * time.Millisecond, Jitter: -1,
		Configure: func(c *ingest.Config) { c.UserPermissionsLimit = -1; c.ExportPoll = 20 * time.Millisecond }}
}

func (e *env) mgmt() *management.Management {
	e.t.Helper()
	m, err := management.New(e.srv.URL, management.WithInsecure(), management.WithClientCredentials(context.Background(), e.sim.ClientID(), e.sim.ClientSecret()))
	if err != nil {
		e.t.Fatal(err)
	}
	return m
}

// receiver is a webhook endpoint that verifies signatures.
type receiver struct {
	mu     sync.Mutex
	secret string
	got    []map[string]any
	bad    int
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	if !monitor.Verify(r.secret, req.Header.Get("X-Authgraph-Timestamp"), req.Header.Get("X-Authgraph-Signature"), body, time.Now(), 5*time.Minute) {
		r.bad++
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		r.bad++
		return
	}
	r.got = append(r.got, m)
}

func (r *receiver) take() ([]map[string]any, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	got, bad := r.got, r.bad
	r.got, r.bad = nil, 0
	return got, bad
}

// localhostRule is a stub rules runner until the rules engine lands: one
// rule (clients with a localhost callback), findings kept in memory, opened
// and resolved by comparing with the previous run.
type localhostRule struct {
	driver neo4j.DriverWithContext
	open   map[string]monitor.FindingAlert
}

func (l *localhostRule) AfterSync(ctx context.Context, tenant string, _ *ingest.Summary) ([]monitor.FindingAlert, error) {
	res, err := neo4j.ExecuteQuery(ctx, l.driver, `MATCH (c:Auth0Client {tenant: $t})
WHERE any(cb IN coalesce(c.callbacks, []) WHERE cb STARTS WITH 'http://localhost')
RETURN c.id AS key, c.native_id AS id, c.name AS name`, map[string]any{"t": tenant}, neo4j.EagerResultTransformer)
	if err != nil {
		return nil, err
	}
	now := map[string]monitor.FindingAlert{}
	for _, r := range res.Records {
		m := r.AsMap()
		now[m["key"].(string)] = monitor.FindingAlert{RuleID: "client-localhost-callback", Title: "Callback URL on localhost",
			Tenant: tenant, Severity: "high", AssetKind: "Client", AssetKey: m["key"].(string), AssetID: m["id"].(string), AssetName: m["name"].(string)}
	}
	var out []monitor.FindingAlert
	if l.open != nil { // the first run only learns the state (like a baseline)
		for k, f := range now {
			if _, ok := l.open[k]; !ok {
				f.Status = "opened"
				out = append(out, f)
			}
		}
		for k, f := range l.open {
			if _, ok := now[k]; !ok {
				f.Status = "resolved"
				out = append(out, f)
			}
		}
	}
	l.open = now
	return out, nil
}

func changeSet(cs []store.Change) []string {
	var out []string
	for _, c := range cs {
		var fields []string
		for _, f := range c.Fields {
			fields = append(fields, f.Field)
		}
		out = append(out, c.Op+" "+c.AssetKind+" "+c.Name+" ["+strings.Join(fields, ",")+"]")
	}
	sort.Strings(out)
	return out
}

func field(c store.Change, name string) (store.FieldChange, bool) {
	for _, f := range c.Fields {
		if f.Field == name {
			return f, true
		}
	}
	return store.FieldChange{}, false
}

// TestMonitorEndToEnd is the must-show on the real Neo4j and the
// simulator: connect → baseline → mutate → exactly those changes, findings
// opened (stub rules runner), a signed webhook; fix → resolved and notified.
func TestMonitorEndToEnd(t *testing.T) {
	e := newEnv(t, 60)
	ctx := context.Background()
	e.connect(e.tenant, time.Hour)

	rcv := &receiver{secret: "whsec-test-0123456789"}
	hook := httptest.NewServer(rcv)
	t.Cleanup(hook.Close)
	chName := "e2e-" + e.tenant
	urlSealed, _ := e.box.Seal(hook.URL+"/hook", "channel/"+chName+"/url")
	secSealed, _ := e.box.Seal(rcv.secret, "channel/"+chName+"/secret")
	if err := e.st.AddChannel(ctx, store.Channel{Name: chName, Type: "webhook", URLSealed: urlSealed, SecretSealed: secSealed,
		URLHost: hook.URL, MinSeverity: "high", Changes: []string{"Client/created", "User/updated/HAS_ROLE", "Connection/deleted"}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.st.RemoveChannel(context.Background(), chName) })

	n := &monitor.Notifier{Store: e.st, Box: e.box, Backoff: 10 * time.Millisecond, BaseURL: "http://authgraph.test"}
	m := e.monitor("holder-a")
	m.Notifier = n
	m.AfterSync = &localhostRule{driver: e.driver}

	// First collection: one baseline record, no change events, no alerts.
	res, err := m.SyncTenant(ctx, e.tenant, true)
	if err != nil {
		t.Fatal(err)
	}
	n.Wait()
	if !res.Baseline || len(res.Changes) != 1 || res.Changes[0].Op != store.OpBaseline {
		t.Fatalf("first sync: baseline %v, changes %v", res.Baseline, changeSet(res.Changes))
	}
	if got, _ := rcv.take(); len(got) != 0 {
		t.Fatalf("baseline sent %d alerts", len(got))
	}
	// Not due again before its interval.
	if _, err := m.SyncTenant(ctx, e.tenant, true); err != monitor.ErrLeaseHeld {
		t.Fatalf("scheduled sync before the interval: %v", err)
	}

	// An unchanged tenant records nothing.
	res, err = m.SyncTenant(ctx, e.tenant, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("sync: %s, %d API calls", res.Summary.Duration, res.Summary.APICalls)
	if len(res.Changes) != 0 {
		t.Fatalf("unchanged tenant recorded %v", changeSet(res.Changes))
	}

	// Mutate the simulator.
	api := e.mgmt()
	snap := e.sim.Snapshot()
	cl := &management.Client{Name: auth0String("Dev Tool"), AppType: auth0String("spa"),
		Callbacks: &[]string{"http://localhost:5173/callback"}}
	if err := api.Client.Create(ctx, cl); err != nil {
		t.Fatal(err)
	}
	var admin auth0sim.Role
	for _, r := range snap.Roles {
		if r.Name == "admin" {
			admin = r
		}
	}
	holders := map[string]bool{}
	for from := ""; ; {
		l, err := api.Role.Users(ctx, admin.ID, management.From(from), management.Take(100))
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range l.Users {
			holders[u.GetID()] = true
		}
		if !l.HasNext() {
			break
		}
		from = l.Next
	}
	var user auth0sim.User
	e.sim.EachUser(func(u auth0sim.User) bool {
		if !holders[u.UserID] {
			user = u
			return false
		}
		return true
	})
	if err := api.User.AssignRoles(ctx, user.UserID, []*management.Role{{ID: &admin.ID}}); err != nil {
		t.Fatal(err)
	}
	var conn auth0sim.Connection
	for _, c := range snap.Connections {
		if c.Strategy != "auth0" {
			conn = c
			break
		}
	}
	if err := api.Connection.Delete(ctx, conn.ID); err != nil {
		t.Fatal(err)
	}

	// The next cycle records exactly those changes, with their fields.
	res, err = m.SyncTenant(ctx, e.tenant, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("sync: %s, %d API calls", res.Summary.Duration, res.Summary.APICalls)
	n.Wait()
	want := []string{
		"created Client Dev Tool [",
		"deleted Connection " + conn.Name + " [",
		"updated User " + userName(user) + " [HAS_ROLE]",
	}
	got := changeSet(res.Changes)
	if len(got) != len(want) {
		t.Fatalf("changes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Fatalf("change %d: %s, want %s…", i, got[i], want[i])
		}
	}
	for _, c := range res.Changes {
		switch c.AssetKind {
		case "Client":
			f, ok := field(c, "callbacks")
			if !ok || c.NativeID != cl.GetClientID() || !strings.Contains(jsonOf(f.New), "http://localhost:5173/callback") {
				t.Fatalf("created client's callbacks: %+v", c.Fields)
			}
			for _, f := range c.Fields {
				if strings.Contains(strings.ToLower(f.Field), "secret") || strings.Contains(jsonOf(f.New), cl.GetClientSecret()) {
					t.Fatalf("secret in a diff: %+v", f)
				}
			}
		case "User":
			if !strings.Contains(c.Actor, e.sim.ClientID()) {
				t.Fatalf("role change actor %q", c.Actor)
			}
			f, _ := field(c, "HAS_ROLE")
			if f.New != "admin" || f.Old != nil || !strings.HasSuffix(f.Target, "/role/"+admin.ID) {
				t.Fatalf("role change: %+v", f)
			}
		case "Connection":
			if c.NativeID != conn.ID || !strings.Contains(c.Actor, e.sim.ClientID()) {
				t.Fatalf("deleted connection %s by %q, want %s by the sim's client", c.NativeID, c.Actor, conn.ID)
			}
		}
	}
	// Stored and readable, newest first, filtered by kind.
	page, err := e.st.Changes(ctx, store.ChangeQuery{Tenant: e.tenant, Kinds: []string{"Client"}})
	if err != nil || len(page.Changes) != 1 || page.Changes[0].NativeID != cl.GetClientID() {
		t.Fatalf("changes(kinds: Client): %+v %v", page.Changes, err)
	}
	all, err := e.st.Changes(ctx, store.ChangeQuery{Tenant: e.tenant, First: 2})
	if err != nil || len(all.Changes) != 2 || !all.HasNext {
		t.Fatalf("first page: %d %v %v", len(all.Changes), all.HasNext, err)
	}
	rest, err := e.st.Changes(ctx, store.ChangeQuery{Tenant: e.tenant, First: 10, After: all.EndCursor})
	if err != nil || len(rest.Changes) != 2 || rest.HasNext || rest.Changes[1].Op != store.OpBaseline {
		t.Fatalf("second page: %+v %v", changeSet(rest.Changes), err)
	}

	// The webhook got the finding and the three changes, all signed.
	alerts, bad := rcv.take()
	if bad != 0 {
		t.Fatalf("%d deliveries failed verification", bad)
	}
	var finding map[string]any
	types := map[string]int{}
	for _, a := range alerts {
		types[a["type"].(string)+"."+a["action"].(string)]++
		if a["type"] == "finding" {
			finding = a
		}
	}
	if types["finding.opened"] != 1 || types["change.created"] != 1 || types["change.updated"] != 1 || types["change.deleted"] != 1 || len(alerts) != 4 {
		t.Fatalf("alerts: %v", types)
	}
	asset := finding["asset"].(map[string]any)
	if finding["rule_id"] != "client-localhost-callback" || finding["tenant"] != e.tenant || finding["severity"] != "high" ||
		asset["kind"] != "Client" || asset["auth0_id"] != cl.GetClientID() || asset["name"] != "Dev Tool" {
		t.Fatalf("finding payload: %v", finding)
	}

	// Fixing the client resolves its finding, and that is sent too.
	if err := api.Client.Update(ctx, cl.GetClientID(), &management.Client{Callbacks: &[]string{"https://dev.example.com/callback"}}); err != nil {
		t.Fatal(err)
	}
	res, err = m.SyncTenant(ctx, e.tenant, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("sync: %s, %d API calls", res.Summary.Duration, res.Summary.APICalls)
	n.Wait()
	if got := changeSet(res.Changes); len(got) != 1 || got[0] != "updated Client Dev Tool [callbacks]" {
		t.Fatalf("fix: %v", got)
	}
	alerts, bad = rcv.take()
	if bad != 0 || len(alerts) != 1 || alerts[0]["type"] != "finding" || alerts[0]["action"] != "resolved" {
		t.Fatalf("after the fix: %v (bad %d)", alerts, bad)
	}
	dl, err := e.st.Deliveries(ctx, chName, 10)
	if err != nil || len(dl) != 5 || dl[0].Status != "ok" {
		t.Fatalf("delivery log: %+v %v", dl, err)
	}
}

func userName(u auth0sim.User) string {
	if u.Name != "" {
		return u.Name
	}
	return u.UserID
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func auth0String(s string) *string { return &s }
