package graph_test

import (
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/client"

	"github.com/authgraph/authgraph/graph"
	"github.com/authgraph/authgraph/rules"
)

func TestRulesAndFindings(t *testing.T) {
	e := setup(t)
	c := e.client()
	var run struct{ RunRules ruleRunView }
	post(t, c, `mutation($t: String!) { runRules(tenant: $t) { `+ruleRunFields+` } }`, &run, client.Var("t", e.tenant))
	// A loaded machine may take longer than the request's deadline: then
	// the run goes on and is polled.
	run.RunRules = waitRuleRun(t, c, run.RunRules)
	builtin, _ := rules.Builtin()
	if r := run.RunRules; r.Status != "done" || r.Tenant != e.tenant || r.RulesRun != len(builtin) || r.Opened == 0 || len(r.Failed) > 0 || r.Score <= 0 || r.Score >= 100 {
		t.Fatalf("runRules %+v", r)
	}

	var rl struct {
		Rules []struct {
			ID, Severity string
			Builtin      bool
		}
		Rule struct {
			ID      string
			Results []struct {
				Tenant             string
				Evaluated, Failing int
				PassRatio          float64
			}
		}
	}
	post(t, c, `query($t: String) { rules { id severity builtin } rule(id: "client-hs256") { id results(tenant: $t) { tenant evaluated failing passRatio } } }`, &rl,
		client.Var("t", e.tenant))
	if len(rl.Rules) != len(builtin) || rl.Rules[0].Severity != strings.ToUpper(builtin[0].Severity) || !rl.Rules[0].Builtin {
		t.Fatalf("rules: %d, first %+v", len(rl.Rules), rl.Rules[0])
	}
	if res := rl.Rule.Results; len(res) != 1 || res[0].Failing != 1 || res[0].Evaluated < 12 ||
		res[0].PassRatio != float64(res[0].Evaluated-1)/float64(res[0].Evaluated) {
		t.Fatalf("client-hs256 results %+v", res)
	}

	type finding struct {
		ID, RuleID, Status, Kind, NativeID, Name, Severity string
		Rule                                               *struct{ Title string }
		Asset                                              *struct{ ID string }
		Evidence                                           map[string]any
		Graph                                              *struct{ Nodes []struct{ ID string } }
		Suppression                                        *struct{ By, Reason string }
	}
	var fl struct {
		Findings struct {
			TotalCount int
			Nodes      []finding
		}
	}
	post(t, c, `query($t: String) { findings(filter: {tenant: $t, rule: "client-hs256"}) { totalCount nodes {
		id ruleId status kind nativeId name severity rule { title } asset { id } evidence graph { nodes { id } } } } }`, &fl, client.Var("t", e.tenant))
	if fl.Findings.TotalCount != 1 {
		t.Fatalf("client-hs256 findings: %+v", fl.Findings)
	}
	f := fl.Findings.Nodes[0]
	if f.Name != "Internal Admin Dashboard" || f.Status != "OPEN" || f.Severity != "HIGH" || f.Kind != "Client" || f.Rule == nil ||
		f.Asset == nil || f.Evidence["jwt_alg"] != "HS256" || f.Graph == nil || len(f.Graph.Nodes) == 0 {
		t.Fatalf("finding %+v", f)
	}

	// Pages: most severe first, no finding twice.
	var p1, p2 struct {
		Findings struct {
			TotalCount int
			Nodes      []finding
			PageInfo   struct {
				HasNextPage bool
				EndCursor   string
			}
		}
	}
	q := `query($t: String, $a: String) { findings(filter: {tenant: $t, status: [OPEN]}, first: 5, after: $a) { totalCount nodes { id severity } pageInfo { hasNextPage endCursor } } }`
	post(t, c, q, &p1, client.Var("t", e.tenant))
	post(t, c, q, &p2, client.Var("t", e.tenant), client.Var("a", p1.Findings.PageInfo.EndCursor))
	if len(p1.Findings.Nodes) != 5 || !p1.Findings.PageInfo.HasNextPage || len(p2.Findings.Nodes) == 0 || p1.Findings.Nodes[0].Severity != "CRITICAL" {
		t.Fatalf("pages %+v / %+v", p1.Findings, p2.Findings)
	}
	seen := map[string]bool{}
	for _, n := range append(p1.Findings.Nodes, p2.Findings.Nodes...) {
		if seen[n.ID] {
			t.Fatalf("finding %s on two pages", n.ID)
		}
		seen[n.ID] = true
	}

	// Any order pages without gaps or repeats: page by page equals one page of all, in that order.
	for _, order := range []string{"{field: ASSET}", "{field: RULE, direction: DESC}", "{field: LAST_SEEN, direction: DESC}", "{field: STATUS}"} {
		type page struct {
			Findings struct {
				Nodes    []struct{ ID, Name, Title string }
				PageInfo struct {
					HasNextPage bool
					EndCursor   string
				}
			}
		}
		oq := `query($t: String, $a: String, $n: Int) { findings(filter: {tenant: $t}, orderBy: ` + order +
			`, first: $n, after: $a) { nodes { id name title } pageInfo { hasNextPage endCursor } } }`
		var all page
		post(t, c, oq, &all, client.Var("t", e.tenant), client.Var("n", 1000))
		var paged []string
		after := ""
		for i := 0; i < 100; i++ {
			var pg page
			vars := []client.Option{client.Var("t", e.tenant), client.Var("n", 7)}
			if after != "" {
				vars = append(vars, client.Var("a", after))
			}
			post(t, c, oq, &pg, vars...)
			for _, n := range pg.Findings.Nodes {
				paged = append(paged, n.ID)
			}
			if !pg.Findings.PageInfo.HasNextPage {
				break
			}
			after = pg.Findings.PageInfo.EndCursor
		}
		var want []string
		for _, n := range all.Findings.Nodes {
			want = append(want, n.ID)
		}
		if len(want) < 8 || strings.Join(paged, "\n") != strings.Join(want, "\n") {
			t.Fatalf("orderBy %s: %d paged, %d in one page, or another order", order, len(paged), len(want))
		}
		if order == "{field: ASSET}" {
			for i := 1; i < len(all.Findings.Nodes); i++ {
				if a, b := all.Findings.Nodes[i-1].Name, all.Findings.Nodes[i].Name; a > b {
					t.Fatalf("by asset: %q before %q", a, b)
				}
			}
		}
		if order == "{field: RULE, direction: DESC}" {
			for i := 1; i < len(all.Findings.Nodes); i++ {
				if a, b := all.Findings.Nodes[i-1].Title, all.Findings.Nodes[i].Title; a < b {
					t.Fatalf("by rule, descending: %q before %q", a, b)
				}
			}
		}
	}
	// A cursor of one order is refused in another.
	if err := c.Post(`query($t: String, $a: String) { findings(filter: {tenant: $t}, orderBy: {field: ASSET}, after: $a) { totalCount } }`,
		&struct{}{}, client.Var("t", e.tenant), client.Var("a", p1.Findings.PageInfo.EndCursor)); err == nil || !strings.Contains(err.Error(), "another order") {
		t.Fatalf("a severity cursor under orderBy ASSET: %v", err)
	}

	// Suppress, then lift it.
	var sup struct{ SuppressFinding finding }
	post(t, c, `mutation($id: ID!) { suppressFinding(id: $id, reason: "accepted: internal tool", until: "2099-01-01T00:00:00Z") { id status suppression { by reason } } }`,
		&sup, client.Var("id", f.ID))
	if s := sup.SuppressFinding; s.Status != "SUPPRESSED" || s.Suppression == nil || s.Suppression.Reason != "accepted: internal tool" || s.Suppression.By == "" {
		t.Fatalf("suppressed %+v", s)
	}
	var sum struct {
		FindingsSummary struct {
			Score            float64
			Open, Suppressed int
			Rules            []struct{ Rule string }
		}
	}
	post(t, c, `query($t: String!) { findingsSummary(tenant: $t) { score open suppressed rules { rule } } }`, &sum, client.Var("t", e.tenant))
	if s := sum.FindingsSummary; s.Suppressed != 1 || s.Open != run.RunRules.Opened-1 || len(s.Rules) != len(builtin) {
		t.Fatalf("summary %+v (run opened %d)", s, run.RunRules.Opened)
	}
	var uns struct{ UnsuppressFinding finding }
	post(t, c, `mutation($id: ID!) { unsuppressFinding(id: $id) { status suppression { by } } }`, &uns, client.Var("id", f.ID))
	if uns.UnsuppressFinding.Status != "OPEN" || uns.UnsuppressFinding.Suppression != nil {
		t.Fatalf("unsuppressed %+v", uns.UnsuppressFinding)
	}

	// Bad input: a clear error with its code, nothing changed.
	for _, bad := range []struct{ q, code string }{
		{`mutation { suppressFinding(id: "` + f.ID + `", reason: "  ") { id } }`, "INVALID"},
		{`mutation { suppressFinding(id: "` + f.ID + `", reason: "x", until: "2001-01-01T00:00:00Z") { id } }`, "INVALID"},
		{`mutation { suppressFinding(id: "nope/finding/x", reason: "x") { id } }`, "NOT_FOUND"},
		{`mutation { runRules(tenant: "no-such-tenant.example") { rulesRun } }`, "NOT_FOUND"},
		{`{ findings(first: 0) { totalCount } }`, "INVALID"},
		{`{ findings(after: "garbage!") { totalCount } }`, "INVALID"},
	} {
		var out any
		err := c.Post(bad.q, &out)
		if err == nil || !strings.Contains(err.Error(), bad.code) {
			t.Errorf("%s: %v, want %s", bad.q, err, bad.code)
		}
	}
}

// TestRunRulesInTheBackground: an evaluation longer than the request's
// deadline answers status running with what is known, goes on detached
// from the request, is joined (not repeated) when asked again, and ends
// done for ruleRun(id).
func TestRunRulesInTheBackground(t *testing.T) {
	e := setup(t)
	// 3.2 s of deadline less the 3 s margin: runRules waits 0.2 s, less
	// than the built-in rules take. The deadline counts from the request's
	// start and the run's duration from the run's, a few ms later: so the
	// run has waited most of the 0.2 s, not all of it.
	c := client.New(signedIn(graph.NewHandler(graph.Options{Store: e.st, RequestTimeout: 3200 * time.Millisecond})))
	var first, again struct{ RunRules ruleRunView }
	post(t, c, `mutation($t: String!) { runRules(tenant: $t) { `+ruleRunFields+` } }`, &first, client.Var("t", e.tenant))
	builtin, _ := rules.Builtin()
	r := first.RunRules
	if r.Status != "running" || r.ID == "" || r.RulesTotal != len(builtin) || r.RulesRun >= r.RulesTotal || r.DurationMs < 150 {
		t.Fatalf("runRules past the deadline: %+v", r)
	}
	post(t, c, `mutation($t: String!) { runRules(tenant: $t) { `+ruleRunFields+` } }`, &again, client.Var("t", e.tenant))
	if again.RunRules.ID != r.ID {
		t.Fatalf("a second runRules started run %s beside %s", again.RunRules.ID, r.ID)
	}
	p := waitRuleRun(t, c, r)
	if p.RulesRun != len(builtin) || p.Error != nil || p.Score <= 0 || p.Opened+p.StillOpen == 0 {
		t.Fatalf("the finished run: %+v", p)
	}
	var none struct{ RuleRun *ruleRunView }
	post(t, c, `{ ruleRun(id: "rulerun-nope") { id } }`, &none)
	if none.RuleRun != nil {
		t.Fatalf("an unknown run: %+v", none.RuleRun)
	}
}

type ruleRunView struct {
	ID, Status, Tenant              string
	RulesRun, RulesTotal, Opened    int
	Resolved, StillOpen, DurationMs int
	Failed                          []struct{ Rule, Error string }
	Score                           float64
	Error                           *string
}

const ruleRunFields = `id status tenant rulesRun rulesTotal opened resolved stillOpen durationMs failed { rule error } score error`

// waitRuleRun polls ruleRun until r is done.
func waitRuleRun(t *testing.T, c *client.Client, r ruleRunView) ruleRunView {
	t.Helper()
	deadline := time.Now().Add(5 * time.Minute)
	for r.Status == "running" {
		if time.Now().After(deadline) {
			t.Fatalf("the rule run is still running: %+v", r)
		}
		time.Sleep(200 * time.Millisecond)
		var polled struct{ RuleRun *ruleRunView }
		post(t, c, `query($id: ID!) { ruleRun(id: $id) { `+ruleRunFields+` } }`, &polled, client.Var("id", r.ID))
		if polled.RuleRun == nil || polled.RuleRun.ID != r.ID {
			t.Fatalf("ruleRun(%s) = %+v", r.ID, polled.RuleRun)
		}
		r = *polled.RuleRun
	}
	if r.Status != "done" {
		t.Fatalf("the rule run: %+v", r)
	}
	return r
}
