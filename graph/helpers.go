package graph

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/authgraph/authgraph/graph/model"
	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

// Page sizes of lists.
const (
	DefaultFirst = 50
	MaxFirst     = 500
)

// related loads the neighbours of id across spec (batched) as models.
func related[T any](ctx context.Context, r *Resolver, spec store.RelSpec, id string) ([]*T, error) {
	rel, err := r.loaders(ctx).Related(ctx, spec, id)
	if err != nil {
		return nil, err
	}
	out := make([]*T, 0, len(rel))
	for _, x := range rel {
		if m := model.As[T](x.Asset); m != nil {
			out = append(out, m)
		}
	}
	return out, nil
}

// one loads the single neighbour of id across spec (nil when none).
func one[T any](ctx context.Context, r *Resolver, spec store.RelSpec, id string) (*T, error) {
	all, err := related[T](ctx, r, spec, id)
	if err != nil || len(all) == 0 {
		return nil, err
	}
	return all[0], nil
}

func encodeCursor(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(offset)))
}

func decodeCursor(c string) (int, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil && strings.HasPrefix(string(b), "o:") {
		if n, err := strconv.Atoi(string(b[2:])); err == nil && n >= 0 {
			return n, nil
		}
	}
	return 0, apperr.New(apperr.Invalid, "malformed cursor %q", c)
}

// window turns first/after into skip/limit.
func window(first *int, after *string) (skip, limit int, err error) {
	limit = DefaultFirst
	if first != nil {
		limit = *first
	}
	if limit < 0 || limit > MaxFirst {
		return 0, 0, apperr.New(apperr.Invalid, "first must be between 0 and %d", MaxFirst)
	}
	if after != nil && *after != "" {
		off, err := decodeCursor(*after)
		if err != nil {
			return 0, 0, err
		}
		skip = off + 1
	}
	return skip, limit, nil
}

// listPage reads one page of q's list as models of type T, with edges made
// by edge and a lazily counted total.
func listPage[T, E any](ctx context.Context, r *Resolver, q store.ListQuery, first *int, after *string,
	edge func(cursor string, n *T) E) ([]*T, []E, model.Page, error) {
	var pg model.Page
	skip, limit, err := window(first, after)
	if err != nil {
		return nil, nil, pg, err
	}
	q.Skip, q.Limit = skip, limit
	if q.Broad() && r.counts != nil {
		// Dense matches (a fifth of the tenant or more) are read in id
		// order; sparse ones by the planner's seek. Both counts are cached
		// and the total is usually asked for anyway.
		n, err1 := r.counts.count(ctx, r.Store, q)
		all, err2 := r.counts.count(ctx, r.Store, store.ListQuery{Kind: q.Kind, Tenant: q.Tenant})
		q.IndexOrder = err1 == nil && err2 == nil && n*5 >= all
	}
	exp, wantTotal := pageExpands(ctx, q.Kind)
	q.Project = r.loaders(ctx).proj
	_, known := r.counts.cached(q)
	p, err := r.Store.ListPage(ctx, q, exp, wantTotal && !known)
	if err != nil {
		return nil, nil, pg, err
	}
	if p.Counted {
		r.counts.put(q, p.Total)
	}
	r.loaders(ctx).primeTrees(exp, p.Items)
	nodes := make([]*T, 0, len(p.Items))
	edges := make([]E, 0, len(p.Items))
	for i, t := range p.Items {
		n := model.As[T](t.Asset)
		if n == nil {
			continue
		}
		nodes = append(nodes, n)
		edges = append(edges, edge(encodeCursor(skip+i), n))
	}
	pg.PageInfo = &model.PageInfo{HasNextPage: p.More, HasPreviousPage: skip > 0}
	if len(p.Items) > 0 {
		s, e := encodeCursor(skip), encodeCursor(skip+len(p.Items)-1)
		pg.PageInfo.StartCursor, pg.PageInfo.EndCursor = &s, &e
	}
	st, counts := r.Store, r.counts
	pg.Count = func(ctx context.Context) (int, error) {
		if p.Counted {
			return p.Total, nil
		}
		return counts.count(ctx, st, q)
	}
	return nodes, edges, pg, nil
}

// listQuery starts a list of kind k for an optional tenant and order.
func listQuery(k *schema.Kind, tenant *string, orderBy *model.Sort) store.ListQuery {
	q := store.ListQuery{Kind: k}
	if tenant != nil {
		q.Tenant = *tenant
	}
	if orderBy != nil {
		q.Sort = model.Snake(orderBy.Field)
		q.Desc = orderBy.Direction != nil && *orderBy.Direction == model.SortDirectionDesc
	}
	return q
}

// relList is a paginated relation: the assets of kind spec.Near() related
// to id across spec.
func relList(spec store.RelSpec, id string) store.ListQuery {
	return store.ListQuery{Kind: spec.Near(), Rels: []store.RelCond{{Spec: spec, ID: id}}}
}

// Condition builders for the filter inputs.

func strConds(prop string, f *model.StringFilter) []store.Cond {
	if f == nil {
		return nil
	}
	var out []store.Cond
	if f.Eq != nil {
		out = append(out, store.Cond{Prop: prop, Op: store.Eq, Value: *f.Eq})
	}
	if f.In != nil {
		out = append(out, store.Cond{Prop: prop, Op: store.OneOf, Value: f.In})
	}
	if f.Prefix != nil {
		out = append(out, store.Cond{Prop: prop, Op: store.Prefix, Value: *f.Prefix})
	}
	if f.Contains != nil {
		out = append(out, store.Cond{Prop: prop, Op: store.Contains, Value: *f.Contains})
	}
	return out
}

func timeConds(prop string, f *model.TimeFilter) []store.Cond {
	if f == nil {
		return nil
	}
	var out []store.Cond
	if f.Before != nil {
		out = append(out, store.Cond{Prop: prop, Op: store.Before, Value: f.Before.UTC()})
	}
	if f.After != nil {
		out = append(out, store.Cond{Prop: prop, Op: store.After, Value: f.After.UTC()})
	}
	if f.IsNull != nil {
		out = append(out, store.Cond{Prop: prop, Op: store.IsNull, Value: *f.IsNull})
	}
	return out
}

func eq[V any](prop string, v *V) []store.Cond {
	if v == nil {
		return nil
	}
	return []store.Cond{{Prop: prop, Op: store.Eq, Value: *v}}
}

func flag(prop string, v *bool) []store.Cond {
	if v == nil {
		return nil
	}
	return []store.Cond{{Prop: prop, Op: store.Flag, Value: *v}}
}

func oneOf(prop string, v []string) []store.Cond {
	if v == nil {
		return nil
	}
	return []store.Cond{{Prop: prop, Op: store.OneOf, Value: v}}
}

func hasElem(prop string, v *string) []store.Cond {
	if v == nil {
		return nil
	}
	return []store.Cond{{Prop: prop, Op: store.HasElem, Value: *v}}
}

func relTo(spec store.RelSpec, id *string) []store.RelCond {
	if id == nil {
		return nil
	}
	return []store.RelCond{{Spec: spec, ID: *id}}
}

func concat[T any](parts ...[]T) []T {
	var out []T
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func deref[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

// Pages of each kind, shared by the top-level lists and paginated relations.

func (r *Resolver) userPage(ctx context.Context, q store.ListQuery, first *int, after *string) (*model.UserConnection, error) {
	nodes, edges, pg, err := listPage(ctx, r, q, first, after, func(c string, n *model.User) *model.UserEdge {
		return &model.UserEdge{Cursor: c, Node: n}
	})
	return &model.UserConnection{Page: pg, Nodes: nodes, Edges: edges}, err
}

func (r *Resolver) membershipPage(ctx context.Context, q store.ListQuery, first *int, after *string) (*model.OrgMembershipConnection, error) {
	nodes, edges, pg, err := listPage(ctx, r, q, first, after, func(c string, n *model.OrgMembership) *model.OrgMembershipEdge {
		return &model.OrgMembershipEdge{Cursor: c, Node: n}
	})
	return &model.OrgMembershipConnection{Page: pg, Nodes: nodes, Edges: edges}, err
}

func (r *Resolver) grantPage(ctx context.Context, q store.ListQuery, first *int, after *string) (*model.GrantConnection, error) {
	nodes, edges, pg, err := listPage(ctx, r, q, first, after, func(c string, n *model.Grant) *model.GrantEdge {
		return &model.GrantEdge{Cursor: c, Node: n}
	})
	return &model.GrantConnection{Page: pg, Nodes: nodes, Edges: edges}, err
}

// statusQuery is the list of a kind filtered by name and status.
func statusQuery(k *schema.Kind, tenant *string, f *model.StatusFilter, orderBy *model.Sort) store.ListQuery {
	q := listQuery(k, tenant, orderBy)
	if f != nil {
		q.Conds = concat(strConds(schema.PropName, f.Name), eq("status", f.Status))
	}
	return q
}
