package ingest

import (
	"context"
	"sort"
	"strings"
)

// ScopeCheck is the outcome of probing one resource's read scope.
type ScopeCheck struct {
	Resource string `json:"resource"`
	Scope    string `json:"scope"`
	OK       bool   `json:"ok"`
	// Reason says why the resource would be skipped (missing scope, plan).
	Reason string `json:"reason,omitempty"`
	// Costs names what the graph would lack without it (labels and
	// relation types).
	Costs []string `json:"costs,omitempty"`
}

// Check tests credentials the way a sync's preflight does, without writing
// anything: a token first (an error when the tenant can't be reached or the
// credentials are rejected), then each resource's read scope. Missing scopes
// are reported, not errors, with what each would cost.
func Check(ctx context.Context, c Credentials) ([]ScopeCheck, error) {
	api, err := NewAuth0(ctx, c, DefaultLimits)
	if err != nil {
		return nil, err
	}
	return CheckWith(ctx, api, c.Domain)
}

// CheckWith is Check over a given API.
func CheckWith(ctx context.Context, api API, domain string) ([]ScopeCheck, error) {
	r := &run{api: api, cfg: Config{Credentials: Credentials{Domain: domain}, AllowMissingScopes: true},
		skipped: map[string]string{}, failed: map[string]string{}, incomplete: map[string]bool{}, state: newState()}
	if err := r.preflight(ctx); err != nil {
		return nil, err
	}
	var out []ScopeCheck
	seen := map[string]bool{}
	for _, res := range resources {
		if res.probe == nil && res.name != "tenant_settings" {
			continue
		}
		if seen[res.name] {
			continue
		}
		seen[res.name] = true
		sc := ScopeCheck{Resource: res.name, Scope: res.scope, OK: true}
		if why, skipped := r.skipped[res.name]; skipped {
			sc.OK, sc.Reason = false, why
			sc.Costs = costs(res)
		}
		out = append(out, sc)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Resource < out[j].Resource })
	return out, nil
}

// costs lists what a resource (and those that need its scope) produce.
func costs(res *resource) []string {
	set := map[string]bool{}
	for _, other := range resources {
		if other != res && !sharesScope(other.scope, res.scope) {
			continue
		}
		for _, k := range other.kinds {
			set[k.Label] = true
		}
		for _, rel := range other.rels {
			set[rel.Type] = true
		}
	}
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

func sharesScope(a, b string) bool {
	for _, s := range strings.Fields(a) {
		for _, t := range strings.Fields(b) {
			if s == t {
				return true
			}
		}
	}
	return false
}
