// Package findings evaluates security rules (package rules) on a tenant's
// graph and keeps their findings: opened, resolved when the rule stops
// returning the asset, reopened when it returns, suppressed by a person
// until an optional expiry. All Cypher is in internal/store.
package findings

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/rules"
)

// Engine runs a set of rules against tenants.
type Engine struct {
	st    *store.Store
	rules []*rules.Rule
	// Timeout bounds one rule's query (default 2 minutes).
	Timeout time.Duration
	// Now is the clock (tests move it to expire suppressions).
	Now func() time.Time
	// OnRule, when set, is called after each rule is evaluated and
	// recorded (progress of a run someone polls).
	OnRule func(RuleOutcome)
}

// New returns an engine over st with the given rules (rules.Load).
func New(st *store.Store, rs []*rules.Rule) *Engine {
	return &Engine{st: st, rules: rs, Timeout: 2 * time.Minute, Now: time.Now}
}

// Rules returns the engine's rules, sorted by id.
func (e *Engine) Rules() []*rules.Rule { return e.rules }

// Rule returns the rule with id, or nil.
func (e *Engine) Rule(id string) *rules.Rule {
	for _, r := range e.rules {
		if r.ID == id {
			return r
		}
	}
	return nil
}

// RuleOutcome is one rule's evaluation in a run.
type RuleOutcome struct {
	Rule     string `json:"rule"`
	Severity string `json:"severity"`
	store.RecordResult
	Hits     int           `json:"hits"`
	Error    string        `json:"error,omitempty"`
	Duration time.Duration `json:"duration_ns"`
	// Query is the part of Duration spent in the rule's query; the rest
	// recorded its findings.
	Query time.Duration `json:"query_ns"`
}

// Summary is what a run did.
type Summary struct {
	Tenant   string `json:"tenant"`
	Run      string `json:"run"`
	RulesRun int    `json:"rules_run"`
	// Failed lists rules whose evaluation failed (their findings are kept
	// as they were).
	Failed     map[string]string `json:"failed,omitempty"`
	Opened     int               `json:"opened"`
	Reopened   int               `json:"reopened"`
	Resolved   int               `json:"resolved"`
	StillOpen  int               `json:"still_open"`
	Suppressed int               `json:"suppressed"`
	// Unknown counts assets rules could neither fail nor pass (what they
	// require is not yet in the graph for them), over every rule.
	Unknown int `json:"unknown,omitempty"`
	// Open counts the open findings after the run, by severity.
	Open     map[string]int `json:"open_by_severity"`
	Score    float64        `json:"score"`
	Duration time.Duration  `json:"duration_ns"`
	Outcomes []RuleOutcome  `json:"rules"`
}

// OneLine is the summary in a line, for the sync's output.
func (s *Summary) OneLine() string {
	var sev []string
	for _, v := range rules.Severities {
		if n := s.Open[v]; n > 0 {
			sev = append(sev, fmt.Sprintf("%d %s", n, v))
		}
	}
	open := "none open"
	if len(sev) > 0 {
		open = "open: " + strings.Join(sev, ", ")
	}
	failed := ""
	if s.Unknown > 0 {
		failed = fmt.Sprintf(", %d asset results unknown (data not yet collected)", s.Unknown)
	}
	if len(s.Failed) > 0 {
		failed += fmt.Sprintf(", %d rule(s) failed", len(s.Failed))
	}
	return fmt.Sprintf("rules: %d run in %s; %d opened, %d reopened, %d resolved; %s; posture %.1f%%%s",
		s.RulesRun, s.Duration.Round(time.Millisecond), s.Opened, s.Reopened, s.Resolved, open, s.Score, failed)
}

func runID(now time.Time) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%d-%s", now.UnixMilli(), hex.EncodeToString(b[:]))
}

// Meta converts a rule to what the graph keeps of it.
func Meta(r *rules.Rule) store.RuleMeta {
	return store.RuleMeta{ID: r.ID, Title: r.Title, Severity: r.Severity, Category: r.Category, Kind: r.KindDecl().Name,
		Description: r.Description, Remediation: r.Remediation, Source: r.Source,
		References: r.References, Tags: r.Tags, SeverityRank: rules.SeverityRank(r.Severity), Requires: r.Requires}
}

// Run evaluates every rule on tenant and records the findings. A rule that
// fails (a query error, a timeout, a query Neo4j does not plan read-only) is
// reported in Summary.Failed and the others run; err is set only when the
// tenant is unknown or the graph cannot be reached.
func (e *Engine) Run(ctx context.Context, tenant string) (*Summary, error) {
	start := time.Now()
	if tenant == "" {
		return nil, apperr.New(apperr.Invalid, "a tenant is required")
	}
	ok, err := e.st.TenantExists(ctx, tenant)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, apperr.New(apperr.NotFound, "tenant %q has not been synced into the graph", tenant)
	}
	now := e.Now()
	sum := &Summary{Tenant: tenant, Run: runID(now), Failed: map[string]string{}, Open: map[string]int{}}
	cache := store.NewRecordCache()
	for _, r := range e.rules {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		t0 := time.Now()
		out := RuleOutcome{Rule: r.ID, Severity: r.Severity}
		hits, err := e.st.RunRuleQuery(ctx, r.Query, tenant, e.Timeout)
		out.Query = time.Since(t0)
		if err == nil {
			out.Hits = len(hits)
			out.RecordResult, err = e.st.RecordFindingsWith(ctx, tenant, Meta(r), hits, sum.Run, now.UnixMilli(), cache)
		}
		out.Duration = time.Since(t0)
		sum.RulesRun++
		if err != nil {
			if apperr.KindOf(err) == apperr.Unavailable {
				return nil, err
			}
			out.Error = err.Error()
			sum.Failed[r.ID] = out.Error
			if rerr := e.st.RecordRuleError(ctx, tenant, Meta(r), out.Error, now.UnixMilli()); rerr != nil {
				return nil, rerr
			}
		}
		sum.Opened += out.Opened
		sum.Reopened += out.Reopened
		sum.Resolved += out.Resolved
		sum.StillOpen += out.StillOpen
		sum.Suppressed += out.Suppressed
		sum.Unknown += out.Unknown
		sum.Outcomes = append(sum.Outcomes, out)
		if e.OnRule != nil {
			e.OnRule(out)
		}
	}
	// Suppressions of rules not in this run that ended meanwhile.
	if _, err := e.st.ExpireSuppressions(ctx, tenant, now); err != nil {
		return nil, err
	}
	fs, err := e.st.FindingsSummary(ctx, tenant)
	if err != nil {
		return nil, err
	}
	for sev, by := range fs.Counts {
		if n := by[store.StatusOpen]; n > 0 {
			sum.Open[sev] = n
		}
	}
	sum.Score = fs.Score()
	sum.Duration = time.Since(start)
	return sum, nil
}

// Slowest returns the n slowest rule outcomes of a run.
func (s *Summary) Slowest(n int) []RuleOutcome {
	out := append([]RuleOutcome(nil), s.Outcomes...)
	sort.Slice(out, func(i, j int) bool { return out[i].Duration > out[j].Duration })
	return out[:min(n, len(out))]
}
