package graph

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

// relField says which relation a relation field of a GraphQL type reads.
// Wrapped fields return a wrapper type (Identity, ApiAccess, OrgConnection)
// around each neighbour, which its field far holds: the look-ahead goes on
// through that field.
type relField struct {
	spec    store.RelSpec
	wrapper string
	far     string
}

// relFields lists the batched relation fields by GraphQL type and field,
// the same relations their resolvers load.
var relFields = map[string]map[string]relField{
	schema.User.Name: {
		"roles":         {spec: store.Out(schema.RelHasRole)},
		"organizations": {spec: store.Out(schema.RelHasMembership)},
		"permissions":   {spec: store.Out(schema.RelHasPermission)},
		"grants":        {spec: store.Out(schema.RelConsented)},
		"identities":    {spec: store.Out(schema.RelHasIdentity), wrapper: "Identity", far: "connection"},
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
		"connections": {spec: store.Out(schema.RelEnables), wrapper: "OrgConnection", far: "connection"},
	},
	schema.Client.Name: {
		"grants":      {spec: store.In(schema.RelClientGrantForClient)},
		"apis":        {spec: store.Out(schema.RelCanAccess), wrapper: "ApiAccess", far: "api"},
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
		"clients":      {spec: store.In(schema.RelCanAccess), wrapper: "ApiAccess", far: "client"},
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

// pageExpands looks ahead from a list field (a *Connection) at the relation
// fields selected under nodes and edges.node, and their own relation
// fields, and so on: the expansions to read with the page, so a page with
// every relation it shows is one round trip however many assets it has.
// It also says whether the total is selected.
func pageExpands(ctx context.Context, kind *schema.Kind) (exp []store.Expand, total bool) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || !graphql.HasOperationContext(ctx) {
		return nil, true
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
		case "totalCount":
			total = true
		}
	}
	return expandsFor(op, kind.Name, sels, 1), total
}

// assetExpands looks ahead from a field returning one asset (node).
func assetExpands(ctx context.Context, kind *schema.Kind) []store.Expand {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || !graphql.HasOperationContext(ctx) {
		return nil
	}
	return expandsFor(graphql.GetOperationContext(ctx), kind.Name, []ast.SelectionSet{fc.Field.Selections}, 1)
}

// maxPrefetchDepth bounds the look-ahead (the depth limit bounds queries;
// deeper relations are loaded by the resolvers, batched).
const maxPrefetchDepth = 4

// expandsFor returns the expansions for the relation fields selected in
// sels on assets of typeName. A field may be selected in several places
// (nodes and edges.node, fragments): its sub-selections are grouped. Under
// a wrapped field, the look-ahead goes on with what is selected on the
// wrapper's neighbour (identities { connection { … } }).
func expandsFor(op *graphql.OperationContext, typeName string, sels []ast.SelectionSet, depth int) []store.Expand {
	fields := relFields[typeName]
	if fields == nil || depth > maxPrefetchDepth {
		return nil
	}
	wanted := map[string][]ast.SelectionSet{}
	var order []string
	for _, sel := range sels {
		for _, f := range graphql.CollectFields(op, sel, []string{typeName, "Asset"}) {
			if _, ok := fields[f.Name]; ok {
				if _, seen := wanted[f.Name]; !seen {
					order = append(order, f.Name)
				}
				wanted[f.Name] = append(wanted[f.Name], f.Selections)
			}
		}
	}
	var out []store.Expand
	for _, name := range order {
		rf := fields[name]
		sub := wanted[name]
		if rf.wrapper != "" {
			sub = nil
			for _, sel := range wanted[name] {
				for _, f := range graphql.CollectFields(op, sel, []string{rf.wrapper}) {
					if f.Name == rf.far {
						sub = append(sub, f.Selections)
					}
				}
			}
		}
		out = append(out, store.Expand{Spec: rf.spec, Sub: expandsFor(op, rf.spec.Far().Name, sub, depth+1)})
	}
	return out
}

// primeTrees puts what an expanded read returned into the loaders' caches,
// where the relation fields' resolvers find it: for each asset, its
// neighbours across each expansion (none is an answer too), then theirs.
func (l *Loaders) primeTrees(exp []store.Expand, trees []store.Tree) {
	for i, e := range exp {
		var next []store.Tree
		for _, t := range trees {
			if i >= len(t.Rel) {
				continue
			}
			rel := make([]store.Related, len(t.Rel[i]))
			for j, c := range t.Rel[i] {
				rel[j] = c.Related
			}
			l.relatedLoader(e.Spec).Prime(t.Asset.ID(), rel)
			next = append(next, t.Rel[i]...)
		}
		if len(e.Sub) > 0 {
			l.primeTrees(e.Sub, next)
		}
	}
}
