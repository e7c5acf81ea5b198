package graph_test

import (
	"sort"
	"testing"

	"github.com/99designs/gqlgen/client"

	"github.com/authgraph/authgraph/schema"
)

// TestGeneratedKinds reads the kinds added by declaration alone through
// their generated lists, filters, orders and the node field, against the
// simulator's truth.
func TestGeneratedKinds(t *testing.T) {
	e := setup(t)
	c := e.client()
	var got struct {
		All struct {
			TotalCount int
			Nodes      []struct {
				Kid          string
				Current      bool
				Revoked      bool
				CurrentSince *string
			}
		}
		Current struct{ Nodes []struct{ Kid string } }
		Rules   struct {
			Nodes []struct {
				Name    string
				Order   int
				Enabled bool
				Trigger string
			}
		}
		Hooks   struct{ TotalCount int }
		Factors struct{ Nodes []struct{ Name string } }
		Email   struct {
			Nodes []struct {
				Name               string
				DefaultFromAddress string
			}
		}
	}
	post(t, c, `query($t: String) {
		all: signingKeys(tenant: $t, orderBy: {field: "kid"}) { totalCount nodes { kid current revoked currentSince } }
		current: signingKeys(tenant: $t, filter: {current: true}) { nodes { kid } }
		rules: legacyRules(tenant: $t, filter: {enabled: true}, orderBy: {field: "order", direction: DESC}) { nodes { name order enabled trigger } }
		hooks(tenant: $t) { totalCount }
		factors: guardianFactors(tenant: $t, filter: {enabled: true}, orderBy: {field: "name"}) { nodes { name } }
		email: emailProviders(tenant: $t) { nodes { name defaultFromAddress } } }`, &got, client.Var("t", e.tenant))

	keys := e.snap.SigningKeys
	if got.All.TotalCount != len(keys) || len(got.All.Nodes) != len(keys) {
		t.Fatalf("signingKeys: %d (%d nodes), want %d", got.All.TotalCount, len(got.All.Nodes), len(keys))
	}
	if !sort.SliceIsSorted(got.All.Nodes, func(i, j int) bool { return got.All.Nodes[i].Kid < got.All.Nodes[j].Kid }) {
		t.Error("signingKeys ordered by kid are not in kid order")
	}
	var current []string
	for _, k := range keys {
		if k.Current {
			current = append(current, k.KID)
		}
	}
	if len(got.Current.Nodes) != len(current) || len(current) != 1 || got.Current.Nodes[0].Kid != current[0] {
		t.Errorf("current signing keys %v, want %v", got.Current.Nodes, current)
	}

	var enabled []int
	for _, r := range e.snap.LegacyRules {
		if r.Enabled {
			enabled = append(enabled, r.Order)
		}
	}
	sort.Sort(sort.Reverse(sort.IntSlice(enabled)))
	if len(got.Rules.Nodes) != len(enabled) || len(enabled) == 0 {
		t.Fatalf("enabled legacy rules %v, want orders %v", got.Rules.Nodes, enabled)
	}
	for i, r := range got.Rules.Nodes {
		if r.Order != enabled[i] || !r.Enabled || r.Trigger != "login_success" {
			t.Errorf("legacy rule #%d: %+v, want order %d, enabled, login_success", i, r, enabled[i])
		}
	}
	if got.Hooks.TotalCount != len(e.snap.Hooks) {
		t.Errorf("hooks: %d, want %d", got.Hooks.TotalCount, len(e.snap.Hooks))
	}
	var factors []string
	for _, f := range e.snap.GuardianFactors {
		if f.Enabled {
			factors = append(factors, f.Name)
		}
	}
	sort.Strings(factors)
	var gotFactors []string
	for _, f := range got.Factors.Nodes {
		gotFactors = append(gotFactors, f.Name)
	}
	sameSet(t, "enabled guardian factors", gotFactors, factors)
	if p := e.snap.EmailProvider; p == nil || len(got.Email.Nodes) != 1 || got.Email.Nodes[0].Name != p.Name || got.Email.Nodes[0].DefaultFromAddress != p.DefaultFromAddress {
		t.Errorf("emailProviders %+v, want %+v", got.Email.Nodes, p)
	}

	// The node field knows the new kinds' models.
	var one struct {
		Node struct {
			Kind string
			Kid  string
		}
	}
	post(t, c, `query($id: ID!) { node(id: $id) { kind ... on SigningKey { kid } } }`, &one,
		client.Var("id", e.key(schema.SigningKey, keys[0].KID)))
	if one.Node.Kind != "SigningKey" || one.Node.Kid != keys[0].KID {
		t.Errorf("node(signing key) = %+v", one.Node)
	}
}
