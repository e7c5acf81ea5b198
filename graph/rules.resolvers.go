package graph

import (
	"context"
	"time"

	"github.com/authgraph/authgraph/graph/generated"
	"github.com/authgraph/authgraph/graph/model"
	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/internal/findings"
	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/rules"
)

// Rule is the resolver for the rule field.
func (r *findingResolver) Rule(ctx context.Context, obj *model.Finding) (*model.Rule, error) {
	if rl := r.rule(obj.RuleID); rl != nil {
		return model.RuleFrom(rl), nil
	}
	return nil, nil
}

// Asset is the resolver for the asset field.
func (r *findingResolver) Asset(ctx context.Context, obj *model.Finding) (model.Asset, error) {
	if !obj.AssetExists {
		return nil, nil
	}
	a, err := r.Query().Node(ctx, obj.AssetID)
	if apperr.KindOf(err) == apperr.NotFound {
		return nil, nil
	}
	return a, err
}

// Graph is the resolver for the graph field.
func (r *findingResolver) Graph(ctx context.Context, obj *model.Finding) (*model.Subgraph, error) {
	rl := r.rule(obj.RuleID)
	if rl == nil || rl.Graph == "" {
		return nil, nil
	}
	res, err := r.Store.RuleGraph(ctx, rl.Graph, obj.Tenant, obj.AssetID)
	if err != nil {
		return nil, err
	}
	return model.SubgraphFrom(res.Graph), nil
}

// SuppressFinding is the resolver for the suppressFinding field.
func (r *mutationResolver) SuppressFinding(ctx context.Context, id string, reason string, until *time.Time) (*model.Finding, error) {
	f, err := r.Store.SuppressFinding(ctx, id, actor(ctx), reason, until, time.Now())
	if err != nil {
		return nil, err
	}
	return model.FindingFrom(*f), nil
}

// UnsuppressFinding is the resolver for the unsuppressFinding field.
func (r *mutationResolver) UnsuppressFinding(ctx context.Context, id string) (*model.Finding, error) {
	f, err := r.Store.UnsuppressFinding(ctx, id)
	if err != nil {
		return nil, err
	}
	return model.FindingFrom(*f), nil
}

// RunRules is the resolver for the runRules field.
func (r *mutationResolver) RunRules(ctx context.Context, tenant string) (*model.RuleRun, error) {
	// Detached from the request (see rule_runs.go): a run longer than the
	// request's deadline answers status running and goes on.
	x := r.ruleRuns.start(tenant, findings.New(r.Store, r.ruleSet()))
	if x.wait(ctx) {
		x.mu.Lock()
		err := x.err
		x.mu.Unlock()
		if err != nil {
			return nil, err
		}
	}
	return x.view(ctx, r.Store)
}

// RuleRun is the resolver for the ruleRun field.
func (r *queryResolver) RuleRun(ctx context.Context, id string) (*model.RuleRun, error) {
	x := r.ruleRuns.get(id)
	if x == nil {
		return nil, nil
	}
	return x.view(ctx, r.Store)
}

// Rules is the resolver for the rules field.
func (r *queryResolver) Rules(ctx context.Context) ([]*model.Rule, error) {
	rs := r.ruleSet()
	out := make([]*model.Rule, len(rs))
	for i, rl := range rs {
		out[i] = model.RuleFrom(rl)
	}
	return out, nil
}

// Rule is the resolver for the rule field.
func (r *queryResolver) Rule(ctx context.Context, id string) (*model.Rule, error) {
	if rl := r.rule(id); rl != nil {
		return model.RuleFrom(rl), nil
	}
	return nil, nil
}

// Findings is the resolver for the findings field.
func (r *queryResolver) Findings(ctx context.Context, filter *model.FindingFilter, orderBy *model.FindingOrder, first *int, after *string) (*model.FindingConnection, error) {
	ff, err := findingFilter(filter)
	if err != nil {
		return nil, err
	}
	n := 50
	if first != nil {
		n = *first
	}
	if n < 1 || n > 1000 {
		return nil, apperr.New(apperr.Invalid, "first must be between 1 and 1000")
	}
	cursor := ""
	if after != nil {
		cursor = *after
	}
	page, err := r.Store.FindingsOrdered(ctx, ff, findingOrder(orderBy), n, cursor)
	if err != nil {
		return nil, err
	}
	out := &model.FindingConnection{TotalCount: page.Total, Nodes: make([]*model.Finding, 0, len(page.Findings)),
		PageInfo: &model.PageInfo{HasNextPage: page.HasNext, HasPreviousPage: cursor != ""}}
	for _, f := range page.Findings {
		out.Nodes = append(out.Nodes, model.FindingFrom(f))
	}
	if page.EndCursor != "" {
		c := page.EndCursor
		out.PageInfo.EndCursor = &c
	}
	return out, nil
}

// Finding is the resolver for the finding field.
func (r *queryResolver) Finding(ctx context.Context, id string) (*model.Finding, error) {
	f, err := r.Store.Finding(ctx, id)
	if apperr.KindOf(err) == apperr.NotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return model.FindingFrom(*f), nil
}

// FindingsSummary is the resolver for the findingsSummary field.
func (r *queryResolver) FindingsSummary(ctx context.Context, tenant string) (*model.FindingsSummary, error) {
	fs, err := r.Store.FindingsSummary(ctx, tenant)
	if err != nil {
		return nil, err
	}
	out := &model.FindingsSummary{Tenant: tenant, Score: fs.Score(), Counts: []*model.SeverityStatusCount{}, Rules: []*model.RuleResult{}}
	for _, sev := range rules.Severities {
		for _, st := range []string{store.StatusOpen, store.StatusSuppressed, store.StatusResolved} {
			n := fs.Counts[sev][st]
			if n == 0 {
				continue
			}
			out.Counts = append(out.Counts, &model.SeverityStatusCount{Severity: model.SeverityFrom(sev), Status: model.StatusFrom(st), Count: n})
			switch st {
			case store.StatusOpen:
				out.Open += n
			case store.StatusSuppressed:
				out.Suppressed += n
			default:
				out.Resolved += n
			}
		}
	}
	for _, rr := range fs.Rules {
		out.Rules = append(out.Rules, model.RuleResultFrom(rr))
	}
	return out, nil
}

// Results is the resolver for the results field.
func (r *ruleResolver) Results(ctx context.Context, obj *model.Rule, tenant *string) ([]*model.RuleResult, error) {
	var tenants []string
	if tenant != nil {
		tenants = []string{*tenant}
	} else {
		ts, err := r.Store.Tenants(ctx)
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			if n, _ := t.Props["tenant"].(string); n != "" {
				tenants = append(tenants, n)
			}
		}
	}
	out := []*model.RuleResult{}
	for _, t := range tenants {
		fs, err := r.Store.FindingsSummary(ctx, t)
		if err != nil {
			return nil, err
		}
		for _, rr := range fs.Rules {
			if rr.Rule == obj.ID {
				out = append(out, model.RuleResultFrom(rr))
			}
		}
	}
	return out, nil
}

// Finding returns generated.FindingResolver implementation.
func (r *Resolver) Finding() generated.FindingResolver { return &findingResolver{r} }

// Mutation returns generated.MutationResolver implementation.
func (r *Resolver) Mutation() generated.MutationResolver { return &mutationResolver{r} }

// Rule returns generated.RuleResolver implementation.
func (r *Resolver) Rule() generated.RuleResolver { return &ruleResolver{r} }

type (
	findingResolver  struct{ *Resolver }
	mutationResolver struct{ *Resolver }
	ruleResolver     struct{ *Resolver }
)
