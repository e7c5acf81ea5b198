package model

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/rules"
)

// Rule is a loaded rule; its results are resolved.
type Rule struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Severity    Severity `json:"severity"`
	Category    string   `json:"category"`
	Kind        string   `json:"kind"`
	Description string   `json:"description"`
	Remediation string   `json:"remediation"`
	References  []string `json:"references"`
	Tags        []string `json:"tags"`
	Query       string   `json:"query"`
	Graph       *string  `json:"graph,omitempty"`
	Builtin     bool     `json:"builtin"`
	Requires    []string `json:"requires"`
}

// RuleFrom converts a loaded rule.
func RuleFrom(r *rules.Rule) *Rule {
	out := &Rule{ID: r.ID, Title: r.Title, Severity: SeverityFrom(r.Severity), Category: r.Category, Kind: r.Kind,
		Description: r.Description, Remediation: r.Remediation, References: nonNilStrings(r.References),
		Tags: nonNilStrings(r.Tags), Query: r.Query, Builtin: r.Builtin(), Requires: nonNilStrings(r.Requires)}
	if r.Graph != "" {
		g := r.Graph
		out.Graph = &g
	}
	return out
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// SeverityFrom maps a rule severity (lower case) to the enum.
func SeverityFrom(s string) Severity { return Severity(strings.ToUpper(s)) }

// StatusFrom maps a finding status (lower case) to the enum.
func StatusFrom(s string) FindingStatus { return FindingStatus(strings.ToUpper(s)) }

// Finding is one finding; rule, asset and graph are resolved.
type Finding struct {
	ID          string         `json:"id"`
	RuleID      string         `json:"ruleId"`
	Tenant      string         `json:"tenant"`
	Title       string         `json:"title"`
	Severity    Severity       `json:"severity"`
	Category    string         `json:"category"`
	Status      FindingStatus  `json:"status"`
	AssetID     string         `json:"assetId"`
	Kind        string         `json:"kind"`
	NativeID    string         `json:"nativeId"`
	Name        string         `json:"name"`
	FirstSeen   time.Time      `json:"firstSeen"`
	LastSeen    time.Time      `json:"lastSeen"`
	ResolvedAt  *time.Time     `json:"resolvedAt,omitempty"`
	Evidence    map[string]any `json:"evidence"`
	Suppression *Suppression   `json:"suppression,omitempty"`
	// AssetExists says whether the asset is still in the graph.
	AssetExists bool `json:"-"`
}

// FindingFrom converts a stored finding.
func FindingFrom(f store.Finding) *Finding {
	out := &Finding{ID: f.ID, RuleID: f.Rule, Tenant: f.Tenant, Title: f.Title, Severity: SeverityFrom(f.Severity),
		Category: f.Category, Status: StatusFrom(f.Status), AssetID: f.AssetID, Kind: f.Kind, NativeID: f.NativeID,
		Name: f.Name, FirstSeen: f.FirstSeen, LastSeen: f.LastSeen, ResolvedAt: f.ResolvedAt, AssetExists: f.AssetExists,
		Evidence: map[string]any{}}
	_ = jsonUnmarshal(f.Evidence, &out.Evidence)
	if s := f.Suppression; s != nil {
		out.Suppression = &Suppression{By: s.By, Reason: s.Reason, At: s.At, Until: s.Until}
	}
	return out
}

// RuleResultFrom converts a stored rule result.
func RuleResultFrom(r store.RuleResult) *RuleResult {
	out := &RuleResult{Rule: r.Rule, Tenant: r.Tenant, Evaluated: r.Evaluated, Failing: r.Failing,
		Suppressed: r.Suppressed, PassRatio: r.PassRatio(), Unknown: r.Unknown}
	if r.UnknownReason != "" {
		u := r.UnknownReason
		out.UnknownReason = &u
	}
	if !r.RanAt.IsZero() {
		t := r.RanAt
		out.RanAt = &t
	}
	if r.Error != "" {
		e := r.Error
		out.Error = &e
	}
	return out
}

func jsonUnmarshal(b []byte, v any) error {
	if len(b) == 0 {
		return nil
	}
	return json.Unmarshal(b, v)
}
