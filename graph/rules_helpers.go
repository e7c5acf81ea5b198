package graph

import (
	"context"
	"strings"
	"sync"

	"github.com/authgraph/authgraph/graph/model"
	"github.com/authgraph/authgraph/internal/access"
	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/rules"
)

var (
	builtinOnce  sync.Once
	builtinRules []*rules.Rule
)

// ruleSet is the resolver's rules (Options.Rules), else the built-in pack.
func (r *Resolver) ruleSet() []*rules.Rule {
	if r.Rules != nil {
		return r.Rules
	}
	builtinOnce.Do(func() {
		// The pack is validated by its tests; a broken one serves no rules.
		builtinRules, _ = rules.Builtin()
	})
	return builtinRules
}

func (r *Resolver) rule(id string) *rules.Rule {
	for _, rl := range r.ruleSet() {
		if rl.ID == id {
			return rl
		}
	}
	return nil
}

// actorKey carries the authenticated person's name, when the server knows
// it (access control sets it); suppressions record it.
type actorKey struct{}

// WithActor returns a context naming who acts (recorded on suppressions).
func WithActor(ctx context.Context, name string) context.Context {
	return context.WithValue(ctx, actorKey{}, name)
}

// actor names who acts: WithActor's name, else the signed-in caller (the
// token's or the person's name, then its subject), else "graphql".
func actor(ctx context.Context) string {
	if n, _ := ctx.Value(actorKey{}).(string); n != "" {
		return n
	}
	if p := access.FromContext(ctx); p != nil {
		if p.Name != "" {
			return p.Name
		}
		if p.Subject != "" {
			return p.Subject
		}
	}
	return "graphql"
}

// findingOrder turns the API's order into the store's (nil: most severe first).
func findingOrder(o *model.FindingOrder) store.FindingOrder {
	if o == nil {
		return store.FindingOrder{}
	}
	return store.FindingOrder{Field: strings.ToLower(string(o.Field)), Desc: o.Direction != nil && *o.Direction == model.SortDirectionDesc}
}

func findingFilter(f *model.FindingFilter) (store.FindingFilter, error) {
	var ff store.FindingFilter
	if f == nil {
		return ff, nil
	}
	if f.Tenant != nil {
		ff.Tenant = *f.Tenant
	}
	if f.Rule != nil {
		ff.Rule = *f.Rule
	}
	if f.AssetID != nil {
		ff.AssetID = *f.AssetID
	}
	if f.Kind != nil {
		ff.Kind = *f.Kind
	}
	for _, s := range f.Severity {
		if !s.IsValid() {
			return ff, apperr.New(apperr.Invalid, "unknown severity %q", s)
		}
		ff.Severities = append(ff.Severities, strings.ToLower(string(s)))
	}
	for _, s := range f.Status {
		if !s.IsValid() {
			return ff, apperr.New(apperr.Invalid, "unknown status %q", s)
		}
		ff.Statuses = append(ff.Statuses, strings.ToLower(string(s)))
	}
	return ff, nil
}
