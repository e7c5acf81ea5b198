package graph

import (
	"context"
	"strings"
	"sync"

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
	r.prefetch(ctx, op, kind.Name, ids, sels, 0)
}

// maxPrefetchDepth bounds the look-ahead (the depth limit bounds queries).
const maxPrefetchDepth = 4

func (r *Resolver) prefetch(ctx context.Context, op *graphql.OperationContext, typeName string, ids []string, sels []ast.SelectionSet, depth int) {
	fields := relFields[typeName]
	if fields == nil || depth >= maxPrefetchDepth {
		return
	}
	// Group the selected relation fields (a field may be selected in both
	// nodes and edges.node).
	wanted := map[string][]ast.SelectionSet{}
	for _, sel := range sels {
		for _, f := range graphql.CollectFields(op, sel, []string{typeName, "Asset"}) {
			if _, ok := fields[f.Name]; ok {
				wanted[f.Name] = append(wanted[f.Name], f.Selections)
			}
		}
	}
	l := r.loaders(ctx)
	var wg sync.WaitGroup
	for name, sub := range wanted {
		rf := fields[name]
		wg.Add(1)
		go func() {
			defer wg.Done()
			lists, err := l.RelatedAll(ctx, rf.spec, ids)
			if err != nil || rf.wrapped {
				return
			}
			var next []string
			seen := map[string]bool{}
			for _, list := range lists {
				for _, x := range list {
					if id := x.Asset.ID(); !seen[id] {
						seen[id] = true
						next = append(next, id)
					}
				}
			}
			r.prefetch(ctx, op, rf.spec.Far().Name, next, sub, depth+1)
		}()
	}
	wg.Wait()
}
