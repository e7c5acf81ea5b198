package graph

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/authgraph/authgraph/schema"
	"github.com/authgraph/authgraph/store"
)

// relField says which relation a relation field of a GraphQL type reads.
// Wrapped fields return a wrapper (Identity, ApiAccess, OrgConnection)
// around the neighbour, so prefetching stops there.
type relField struct {
	spec    store.RelSpec
	wrapped bool
}

// relFields lists the batched relation fields by GraphQL type and field,
// the same relations their resolvers load.
var relFields = map[string]map[string]relField{
	schema.User.Name: {
		"roles":         {spec: store.Out(schema.RelHasRole)},
		"organizations": {spec: store.Out(schema.RelHasMembership)},
		"permissions":   {spec: store.Out(schema.RelHasPermission)},
		"grants":        {spec: store.Out(schema.RelConsented)},
		"identities":    {spec: store.Out(schema.RelHasIdentity), wrapped: true},
	},
	schema.OrgMembership.Name: {
		"user":         {spec: store.In(schema.RelHasMembership)},
		"organization": {spec: store.Out(schema.RelIn)},
		"roles":        {spec: store.Out(schema.RelWithRole)},
	},
	schema.Role.Name: {
		"permissions": {spec: store.Out(schema.RelRoleGrants)},
	},
	schema.Permission.Name: {
		"api":          {spec: store.In(schema.RelDefines)},
		"roles":        {spec: store.In(schema.RelRoleGrants)},
		"clientGrants": {spec: store.In(schema.RelClientGrantGrants)},
	},
	schema.Organization.Name: {
		"connections": {spec: store.Out(schema.RelEnables), wrapped: true},
	},
	schema.Client.Name: {
		"grants":      {spec: store.In(schema.RelClientGrantForClient)},
		"apis":        {spec: store.Out(schema.RelCanAccess), wrapped: true},
		"connections": {spec: store.Out(schema.RelUsesConnection)},
	},
	schema.ClientGrant.Name: {
		"client":      {spec: store.Out(schema.RelClientGrantForClient)},
		"api":         {spec: store.Out(schema.RelClientGrantForAPI)},
		"permissions": {spec: store.Out(schema.RelClientGrantGrants)},
	},
	schema.Grant.Name: {
		"user":   {spec: store.In(schema.RelConsented)},
		"client": {spec: store.Out(schema.RelGrantForClient)},
		"api":    {spec: store.Out(schema.RelGrantForAPI)},
	},
	schema.ResourceServer.Name: {
		"permissions":  {spec: store.Out(schema.RelDefines)},
		"clients":      {spec: store.In(schema.RelCanAccess), wrapped: true},
		"clientGrants": {spec: store.In(schema.RelClientGrantForAPI)},
	},
	schema.Connection.Name: {
		"clients":       {spec: store.In(schema.RelUsesConnection)},
		"organizations": {spec: store.In(schema.RelEnables)},
	},
	schema.Tenant.Name: {
		"settings": {spec: store.Out(schema.RelHasSettings)},
	},
}

// prefetchPage looks ahead from a list field (a *Connection) at the
// relation fields selected under nodes and edges.node, and loads each for
// the whole page at once, then their own relation fields, and so on. The
// resolvers then find everything in the loaders' caches: a page costs one
// round trip per relation selected, however many assets it has, and does
// not depend on concurrent resolvers meeting within the loaders' wait.
func (r *Resolver) prefetchPage(ctx context.Context, kind *schema.Kind, ids []string) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || len(ids) == 0 || !graphql.HasOperationContext(ctx) {
		return
	}
	op := graphql.GetOperationContext(ctx)
	connType := fc.Field.Definition.Type.Name()
	edgeType := strings.TrimSuffix(connType, "Connection") + "Edge"
	var sels []ast.SelectionSet
	for _, f := range graphql.CollectFields(op, fc.Field.Selections, []string{connType}) {
		switch f.Name {
		case "nodes":
			sels = append(sels, f.Selections)
		case "edges":
			for _, g := range graphql.CollectFields(op, f.Selections, []string{edgeType}) {
				if g.Name == "node" {
					sels = append(sels, g.Selections)
				}
			}
		}
	}
	r.prefetch(ctx, op, level{typeName: kind.Name, ids: ids, sels: sels})
}

// prefetchAsset looks ahead from a field returning one asset (node).
func (r *Resolver) prefetchAsset(ctx context.Context, a store.Asset) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || !graphql.HasOperationContext(ctx) {
		return
	}
	r.prefetch(ctx, graphql.GetOperationContext(ctx), level{typeName: a.Kind.Name, ids: []string{a.ID()}, sels: []ast.SelectionSet{fc.Field.Selections}})
}

// maxPrefetchDepth bounds the look-ahead (the depth limit bounds queries).
const maxPrefetchDepth = 4

// level is one GraphQL type's assets at one level of the look-ahead, with
// the selection sets applied to them.
type level struct {
	typeName string
	ids      []string
	sels     []ast.SelectionSet
}

// prefetch loads, level by level, every relation field selected under the
// assets of start: one round trip per level of nesting (all the relations
// of a level in one query), and primes the loaders with the results.
func (r *Resolver) prefetch(ctx context.Context, op *graphql.OperationContext, start level) {
	l := r.loaders(ctx)
	current := []level{start}
	for depth := 0; depth < maxPrefetchDepth && len(current) > 0; depth++ {
		var reqs []store.RelRequest
		var subs [][]ast.SelectionSet
		var wrapped []bool
		for _, lv := range current {
			fields := relFields[lv.typeName]
			if fields == nil || len(lv.ids) == 0 {
				continue
			}
			// A field may be selected in several places (nodes and
			// edges.node, fragments): group its sub-selections.
			wanted := map[string][]ast.SelectionSet{}
			var order []string
			for _, sel := range lv.sels {
				for _, f := range graphql.CollectFields(op, sel, []string{lv.typeName, "Asset"}) {
					if _, ok := fields[f.Name]; ok {
						if _, seen := wanted[f.Name]; !seen {
							order = append(order, f.Name)
						}
						wanted[f.Name] = append(wanted[f.Name], f.Selections)
					}
				}
			}
			for _, name := range order {
				rf := fields[name]
				reqs = append(reqs, store.RelRequest{Spec: rf.spec, IDs: lv.ids})
				subs = append(subs, wanted[name])
				wrapped = append(wrapped, rf.wrapped)
			}
		}
		if len(reqs) == 0 {
			return
		}
		found, err := r.Store.RelatedMulti(ctx, reqs)
		if err != nil {
			return // the resolvers load (and report) on their own
		}
		var next []level
		for i, rq := range reqs {
			l.PrimeRelated(rq.Spec, rq.IDs, found[i])
			if wrapped[i] {
				continue
			}
			var ids []string
			seen := map[string]bool{}
			for _, id := range rq.IDs {
				for _, x := range found[i][id] {
					if nid := x.Asset.ID(); !seen[nid] {
						seen[nid] = true
						ids = append(ids, nid)
					}
				}
			}
			next = append(next, level{typeName: rq.Spec.Far().Name, ids: ids, sels: subs[i]})
		}
		current = next
	}
}
