package findings_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/auth0/go-auth0/management"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/authgraph/authgraph/internal/auth0sim"
	"github.com/authgraph/authgraph/internal/findings"
	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/rules"
)

// finding returns the one finding of rule on the asset called name.
func (e *env) finding(rule, name string) store.Finding {
	e.t.Helper()
	page, err := e.st.Findings(context.Background(), store.FindingFilter{Tenant: e.tenant, Rule: rule}, 0, "")
	if err != nil {
		e.t.Fatal(err)
	}
	for _, f := range page.Findings {
		if f.Name == name {
			return f
		}
	}
	e.t.Fatalf("no %s finding on %s", rule, name)
	return store.Finding{}
}

// TestLifecycle: three syncs with simulator changes between them, the rules
// run after each (as `authgraph sync` does). Finding by finding: open,
// resolved when fixed, reopened when broken again; suppressed, kept
// suppressed while the suppression lasts, reopened when it expires; and a
// deleted asset's finding resolved but kept with the asset's identity.
func TestLifecycle(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, auth0sim.Config{Seed: 3, Users: 100})
	m := e.mgmt()
	tn := e.sim.Snapshot()
	ids := map[string]string{}
	for _, c := range tn.Clients {
		ids[c.Name] = c.ClientID
	}
	dash, mobile, legacy := "Internal Admin Dashboard", tn.Clients[3].Name, "Legacy Reporting (decommissioned)"
	clock := time.Now()
	eng := findings.New(e.st, builtin(t))
	eng.Now = func() time.Time { return clock }

	// Sync 1: everything the simulator plants is open.
	e.sync()
	s1 := e.run(eng)
	if s1.Opened == 0 || s1.Reopened != 0 || s1.Resolved != 0 {
		t.Fatalf("run 1: %+v", s1)
	}
	hs := e.finding("client-hs256", dash)
	pw := e.finding("client-password-grant", mobile)
	lg := e.finding("client-no-grant-types-with-grants", legacy)
	for _, f := range []store.Finding{hs, pw, lg} {
		if f.Status != "open" || !f.AssetExists || f.FirstSeen.UnixMilli() != clock.UnixMilli() {
			t.Fatalf("after run 1: %+v", f)
		}
	}
	// Suppressed for an hour by a person, with a reason.
	if _, err := e.st.SuppressFinding(ctx, pw.ID, "alice", "mobile app migrates in Q3", ptr(clock.Add(time.Hour)), clock); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.SuppressFinding(ctx, pw.ID, "alice", "", nil, clock); err == nil {
		t.Fatal("suppression without a reason accepted")
	}

	// Fix the dashboard's signing algorithm; delete the legacy client.
	alg := "RS256"
	if err := m.Client.Update(ctx, ids[dash], &management.Client{JWTConfiguration: &management.ClientJWTConfiguration{Algorithm: &alg}}); err != nil {
		t.Fatal(err)
	}
	if err := m.Client.Delete(ctx, ids[legacy]); err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(10 * time.Minute)
	e.sync()
	s2 := e.run(eng)
	hs2, pw2, lg2 := e.finding("client-hs256", dash), e.finding("client-password-grant", mobile), e.finding("client-no-grant-types-with-grants", legacy)
	if hs2.Status != "resolved" || hs2.ResolvedAt == nil || !hs2.AssetExists {
		t.Fatalf("fixed finding after run 2: %+v", hs2)
	}
	if pw2.Status != "suppressed" || pw2.Suppression == nil || pw2.Suppression.By != "alice" || pw2.LastSeen.UnixMilli() != clock.UnixMilli() {
		t.Fatalf("suppressed finding after run 2: %+v", pw2)
	}
	if lg2.Status != "resolved" || lg2.AssetExists || lg2.NativeID != ids[legacy] || lg2.Kind != "Client" {
		t.Fatalf("deleted asset's finding after run 2: %+v", lg2)
	}
	if s2.Resolved < 2 || s2.Suppressed < 1 || s2.Opened != 0 {
		t.Fatalf("run 2: %+v", s2)
	}

	// Break the dashboard again; two hours later the suppression has ended.
	alg = "HS256"
	if err := m.Client.Update(ctx, ids[dash], &management.Client{JWTConfiguration: &management.ClientJWTConfiguration{Algorithm: &alg}}); err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(2 * time.Hour)
	e.sync()
	s3 := e.run(eng)
	hs3, pw3 := e.finding("client-hs256", dash), e.finding("client-password-grant", mobile)
	if hs3.Status != "open" || hs3.ResolvedAt != nil || !hs3.FirstSeen.Equal(hs.FirstSeen) || !hs3.LastSeen.After(hs2.LastSeen) {
		t.Fatalf("reopened finding after run 3: %+v", hs3)
	}
	if pw3.Status != "open" {
		t.Fatalf("finding whose suppression expired after run 3: %+v", pw3)
	}
	if s3.Reopened != 2 || s3.Opened != 0 {
		t.Fatalf("run 3: %+v", s3)
	}

	// The exports of these findings.
	page, err := e.st.Findings(ctx, store.FindingFilter{Tenant: e.tenant}, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	checkExports(t, page.Findings, builtin(t))
}

func ptr[T any](v T) *T { return &v }

// checkExports validates the structure of every export format.
func checkExports(t *testing.T, fs []store.Finding, rs []*rules.Rule) {
	t.Helper()
	byID := map[string]*rules.Rule{}
	for _, r := range rs {
		byID[r.ID] = r
	}
	export := func(format string) []byte {
		var b bytes.Buffer
		if err := findings.Export(&b, format, fs, byID, "test"); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		return b.Bytes()
	}
	// json: the contract's fields on every finding.
	var js []map[string]any
	if err := json.Unmarshal(export("json"), &js); err != nil || len(js) != len(fs) {
		t.Fatalf("json: %v, %d records", err, len(js))
	}
	for _, f := range js {
		for _, k := range []string{"rule", "tenant", "kind", "native_id", "name", "severity", "status", "first_seen", "last_seen", "evidence"} {
			if _, ok := f[k]; !ok {
				t.Fatalf("json finding without %s: %v", k, f)
			}
		}
		if _, ok := f["evidence"].(map[string]any); !ok {
			t.Fatalf("json evidence is not an object: %v", f["evidence"])
		}
	}
	// csv: a header and a row per finding.
	rows, err := csv.NewReader(bytes.NewReader(export("csv"))).ReadAll()
	if err != nil || len(rows) != len(fs)+1 || strings.Join(rows[0], ",") != strings.Join(findings.CSVHeader, ",") {
		t.Fatalf("csv: %v, %d rows", err, len(rows))
	}
	// sarif 2.1.0: rules referenced by index, levels and security-severity,
	// a fingerprint per result, unique and stable.
	var sarif struct {
		Version string `json:"version"`
		Schema  string `json:"$schema"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string `json:"name"`
					Rules []struct {
						ID         string         `json:"id"`
						Properties map[string]any `json:"properties"`
						Help       struct{ Text string }
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID              string `json:"ruleId"`
				RuleIndex           int    `json:"ruleIndex"`
				Level               string `json:"level"`
				Message             struct{ Text string }
				Locations           []map[string]any  `json:"locations"`
				PartialFingerprints map[string]string `json:"partialFingerprints"`
				Properties          map[string]any    `json:"properties"`
				Suppressions        []map[string]any  `json:"suppressions"`
				BaselineState       string            `json:"baselineState"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(export("sarif"), &sarif); err != nil || sarif.Version != "2.1.0" || sarif.Schema == "" || len(sarif.Runs) != 1 {
		t.Fatalf("sarif: %v %+v", err, sarif.Version)
	}
	run := sarif.Runs[0]
	if run.Tool.Driver.Name != "authgraph" || len(run.Results) != len(fs) {
		t.Fatalf("sarif run: driver %s, %d results", run.Tool.Driver.Name, len(run.Results))
	}
	levels := map[string]string{"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
	fps := map[string]bool{}
	for i, r := range run.Results {
		f := fs[i]
		rule := run.Tool.Driver.Rules[r.RuleIndex]
		if rule.ID != r.RuleID || r.RuleID != f.Rule || r.Level != levels[f.Severity] || rule.Help.Text == "" {
			t.Fatalf("sarif result %d: %+v (rule %+v)", i, r, rule)
		}
		score, _ := strconv(r.Properties["security-severity"])
		if f.Severity == "critical" && score < 9 || f.Severity == "high" && (score < 7 || score >= 9) || f.Severity == "low" && score >= 4 {
			t.Fatalf("sarif security-severity %v for %s", r.Properties["security-severity"], f.Severity)
		}
		fp := r.PartialFingerprints["authgraphFinding/v1"]
		if len(fp) != 64 || fps[fp] || fp != findings.Fingerprint(f) {
			t.Fatalf("sarif fingerprint %q", fp)
		}
		fps[fp] = true
		if len(r.Locations) != 1 || r.Message.Text == "" {
			t.Fatalf("sarif result %d locations %v", i, r.Locations)
		}
		if (f.Status == "suppressed") != (len(r.Suppressions) == 1) || (f.Status == "resolved") != (r.BaselineState == "absent") {
			t.Fatalf("sarif status %s: suppressions %v baseline %q", f.Status, r.Suppressions, r.BaselineState)
		}
	}
	// ocsf: Detection Finding records.
	var oc []map[string]any
	if err := json.Unmarshal(export("ocsf"), &oc); err != nil || len(oc) != len(fs) {
		t.Fatalf("ocsf: %v, %d records", err, len(oc))
	}
	sevIDs := map[string]float64{"critical": 5, "high": 4, "medium": 3, "low": 2, "info": 1}
	statusIDs := map[string]float64{"open": 1, "suppressed": 3, "resolved": 4}
	for i, r := range oc {
		f := fs[i]
		info, _ := r["finding_info"].(map[string]any)
		res, _ := r["resources"].([]any)
		meta, _ := r["metadata"].(map[string]any)
		if r["class_uid"] != float64(2004) || r["category_uid"] != float64(2) || r["type_uid"] != 200400+r["activity_id"].(float64) ||
			r["severity_id"] != sevIDs[f.Severity] || r["status_id"] != statusIDs[f.Status] || r["time"] == nil ||
			info["uid"] != findings.Fingerprint(f) || info["title"] == "" || len(res) != 1 || meta["version"] == nil {
			t.Fatalf("ocsf record %d: %v", i, r)
		}
		if p, _ := meta["product"].(map[string]any); p["name"] != "authgraph" {
			t.Fatalf("ocsf product %v", meta["product"])
		}
	}
	if err := findings.Export(&bytes.Buffer{}, "xml", fs, byID, "test"); err == nil {
		t.Fatal("unknown format accepted")
	}
}

func strconv(v any) (float64, error) {
	s, _ := v.(string)
	var f float64
	err := json.Unmarshal([]byte(s), &f)
	return f, err
}

// TestInvalidCustomRules: bad YAML, a missing field and a write in the
// query are reported with their file and reason at load; a custom rule
// Neo4j cannot run (no id column) fails at evaluation; every other rule,
// built-in and custom, runs.
func TestInvalidCustomRules(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	head := "title: t\nseverity: medium\ncategory: custom\nkind: Role\ndescription: d\nremediation: r\n"
	write("bad.yaml", "id: broken\ntitle: [unclosed\n")
	write("missing.yaml", "id: no-query\n"+head[:len(head)-len("remediation: r\n")])
	write("write.yaml", "id: sneaky\n"+head+"query: |\n  MATCH (r:Auth0Role {tenant: $tenant}) SET r.name = 'pwned' RETURN r.id AS id\n")
	write("noid.yaml", "id: no-id-column\n"+head+"query: |\n  MATCH (r:Auth0Role {tenant: $tenant}) RETURN r.name AS name\n")
	write("good.yaml", "id: custom-admin-role\n"+head+"query: |\n  MATCH (r:Auth0Role {tenant: $tenant}) WHERE r.name = 'admin'\n  RETURN r.id AS id, {name: r.name} AS evidence\n")

	rs, lerrs, err := rules.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string]string{}
	for _, le := range lerrs {
		reasons[filepath.Base(le.File)] = le.Reason
	}
	if !strings.Contains(reasons["bad.yaml"], "bad YAML") || !strings.Contains(reasons["missing.yaml"], "remediation, query") ||
		!strings.Contains(reasons["write.yaml"], "read-only") || len(lerrs) != 3 {
		t.Fatalf("load errors %v", lerrs)
	}

	e := newEnv(t, auth0sim.Config{Seed: 5, Users: 50})
	e.sync()
	sum, err := findings.New(e.st, rs).Run(context.Background(), e.tenant)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Failed) != 1 || !strings.Contains(sum.Failed["no-id-column"], "`id`") || sum.RulesRun != len(rs) {
		t.Fatalf("failed %v, %d run of %d", sum.Failed, sum.RulesRun, len(rs))
	}
	h := e.hits()
	if !h["custom-admin-role"]["admin"] || len(h["client-hs256"]) != 1 {
		t.Fatalf("custom rule hits %v, client-hs256 %v", h["custom-admin-role"], h["client-hs256"])
	}
	// The graph was not written by the rejected rule.
	page, _ := e.st.Findings(context.Background(), store.FindingFilter{Tenant: e.tenant, Rule: "sneaky"}, 0, "")
	if page.Total != 0 {
		t.Fatal("the rejected rule has findings")
	}
	fs, _ := e.st.FindingsSummary(context.Background(), e.tenant)
	for _, r := range fs.Rules {
		if r.Rule == "no-id-column" && r.Error == "" {
			t.Fatal("the failed rule's result has no error")
		}
	}
}

// TestRuleQueryRefusesWrites: below the loader's token check, the store
// plans every rule query and runs it in a READ transaction, so a write that
// reached it anyway is refused and writes nothing.
func TestRuleQueryRefusesWrites(t *testing.T) {
	e := newEnv(t, auth0sim.Config{Seed: 5, Users: 10})
	e.sync()
	ctx := context.Background()
	for _, q := range []string{
		"MATCH (r:Auth0Role {tenant: $tenant}) SET r.pwned = true RETURN r.id AS id",
		"MATCH (r:Auth0Role {tenant: $tenant}) WITH r LIMIT 1 CREATE (x:Pwned {tenant: $tenant}) RETURN r.id AS id",
		"MATCH (r:Auth0Role {tenant: $tenant}) CALL (r) { DETACH DELETE r } RETURN r.id AS id",
	} {
		if _, err := e.st.RunRuleQuery(ctx, q, e.tenant, 10*time.Second); err == nil || !strings.Contains(err.Error(), "read-only") {
			t.Errorf("%s: %v", q, err)
		}
	}
	hits, err := e.st.RunRuleQuery(ctx, "MATCH (r:Auth0Role {tenant: $tenant}) WHERE r.pwned OR r IS NULL RETURN r.id AS id", e.tenant, 10*time.Second)
	if err != nil || len(hits) != 0 {
		t.Fatalf("after the refused writes: %v, %d hits", err, len(hits))
	}
}

// TestRerunRewritesOnlyChangedFindings: a finding the rule returns again
// unchanged gets its lastseen and run and nothing else (a property tampered
// with outside the engine stays as it was), while one whose evidence, asset
// name or rule metadata differ from what it recorded is rewritten whole.
func TestRerunRewritesOnlyChangedFindings(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, auth0sim.Config{Seed: 3, Users: 60})
	clock := time.Now()
	eng := findings.New(e.st, builtin(t))
	eng.Now = func() time.Time { return clock }
	e.sync()
	s1 := e.run(eng)
	dash, mobile := "Internal Admin Dashboard", e.sim.Snapshot().Clients[3].Name
	hs, pw := e.finding("client-hs256", dash), e.finding("client-password-grant", mobile)
	set := func(id, prop string, v any) {
		t.Helper()
		if _, err := neo4j.ExecuteQuery(ctx, e.st.Driver(), "MATCH (f:Finding {id: $id}) SET f[$prop] = $v",
			map[string]any{"id": id, "prop": prop, "v": v}, neo4j.EagerResultTransformer); err != nil {
			t.Fatal(err)
		}
	}
	// Marks only a full rewrite would undo: kind (copied from the asset).
	set(hs.ID, "kind", "tampered")
	set(pw.ID, "kind", "tampered")
	// pw's evidence no longer matches what the rule returns.
	set(pw.ID, "evidence", `{"stale": true}`)

	clock = clock.Add(time.Minute)
	s2 := e.run(eng)
	if s2.Opened != 0 || s2.Resolved != 0 || s2.StillOpen != s1.Opened {
		t.Fatalf("unchanged rerun: %+v after %+v", s2, s1)
	}
	hs2, pw2 := e.finding("client-hs256", dash), e.finding("client-password-grant", mobile)
	if hs2.Kind != "tampered" || hs2.LastSeen.UnixMilli() != clock.UnixMilli() || hs2.Status != "open" || string(hs2.Evidence) != string(hs.Evidence) {
		t.Fatalf("an unchanged finding was rewritten, or its lastseen not moved: %+v", hs2)
	}
	if pw2.Kind != "Client" || string(pw2.Evidence) != string(pw.Evidence) || pw2.LastSeen.UnixMilli() != clock.UnixMilli() {
		t.Fatalf("a finding with stale evidence was not rewritten: %+v", pw2)
	}

	// The rule's title changes: every one of its findings takes it.
	var r *rules.Rule
	for _, x := range builtin(t) {
		if x.ID == "client-hs256" {
			r = x
		}
	}
	m := findings.Meta(r)
	m.Title = "renamed rule"
	res, err := e.st.RecordFindings(ctx, e.tenant, m, []store.RuleHit{{AssetID: hs.AssetID, Evidence: string(hs.Evidence)}}, "run-x", clock.UnixMilli())
	if err != nil {
		t.Fatal(err)
	}
	if hs3 := e.finding("client-hs256", dash); hs3.Title != "renamed rule" || hs3.Kind != "Client" || res.StillOpen != 1 {
		t.Fatalf("after the rule's title changed: %+v (%+v)", hs3, res)
	}
}
