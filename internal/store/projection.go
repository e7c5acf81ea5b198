package store

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j/dbtype"

	"github.com/authgraph/authgraph/schema"
)

// A projection limits the stored properties that asset reads return to the
// ones a request shows (plus the common ones), so Neo4j reads and sends, and
// the driver decodes, a few properties of each asset instead of all of
// them: a page of 50 users with their roles moves a fraction of the bytes.
// It rides on the context because it belongs to the request, not to any one
// query; reads without one return whole assets.
type projectionKey struct{}

// projection is the properties to read: for each kind by name, and for
// reads whose kinds are not known in advance (a graph view's nodes).
type projection struct {
	any    []string
	byKind map[string][]string
}

// WithProjection returns a context under which List, ListPage, Related,
// AssetsByID, AssetTree and Neighbourhood return assets with only props
// (and the id, with the kind, tenant and native id it holds). Names that
// are not declared properties are ignored; nil props means all.
func WithProjection(ctx context.Context, props []string) context.Context {
	return WithKindProjection(ctx, props, nil)
}

// WithKindProjection is WithProjection with the properties of each kind
// named in byKind narrowed to its list: reading a property an asset does
// not have costs a walk of its whole property chain, so a role need not be
// asked for a user's e-mail. Reads of other kinds, and of mixed kinds, use
// props.
func WithKindProjection(ctx context.Context, props []string, byKind map[string][]string) context.Context {
	if props == nil {
		return ctx
	}
	p := projection{any: propNames(props), byKind: map[string][]string{}}
	for k, list := range byKind {
		p.byKind[k] = propNames(list)
	}
	return context.WithValue(ctx, projectionKey{}, p)
}

// propNames returns the declared properties of props, sorted, with the id
// and without the parts of the id: the id is always read, and its kind,
// tenant and native id come with it (projectedAsset fills them in).
func propNames(props []string) []string {
	set := map[string]bool{schema.PropID: true}
	for _, p := range props {
		if declaredProps[p] && !idParts[p] {
			set[p] = true
		}
	}
	names := make([]string, 0, len(set))
	for n := range set {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// projectedNames returns the properties to read of assets of kind k (nil:
// of any kind), and false when the context asks for whole assets.
func projectedNames(ctx context.Context, k *schema.Kind) ([]string, bool) {
	p, ok := ctx.Value(projectionKey{}).(projection)
	if !ok {
		return nil, false
	}
	if k != nil {
		if names, ok := p.byKind[k.Name]; ok {
			return names, true
		}
	}
	return p.any, true
}

// idParts are the properties an asset's id holds: never read under a
// projection, filled in from the id (withIDParts).
var idParts = map[string]bool{schema.PropKind: true, schema.PropTenant: true, schema.PropNativeID: true}

// declaredProps are the property names of every kind, built once: a
// projection is made for each request.
var declaredProps = func() map[string]bool {
	out := map[string]bool{}
	for _, k := range schema.Kinds {
		for _, p := range k.AllProps() {
			out[p.Name] = true
		}
	}
	return out
}()

// dropNulls removes the properties a projection returned as null (absent
// on the node), so a projected asset holds what a whole node would.
func dropNulls(props map[string]any) map[string]any {
	for k, v := range props {
		if v == nil {
			delete(props, k)
		}
	}
	return props
}

// returnAsset is the expression that returns the asset of kind k (nil: of
// any kind) bound to v: the node itself, or a map of the projected
// properties (names are declared ones, checked above, so they are safe to
// interpolate).
func returnAsset(ctx context.Context, v string, k *schema.Kind) string {
	names, ok := projectedNames(ctx, k)
	if !ok {
		return v
	}
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = "." + n
	}
	return fmt.Sprintf("%s {%s}", v, strings.Join(parts, ", "))
}

type leanKey struct{}

// WithLeanGraphNodes returns a context under which a subgraph read under a
// projection (a neighbourhood) reads neither the element ids nor the labels
// of its nodes, and does not fill in the parts of their ids: for requests
// that show none of a graph node's elementId, labels or asset. Such nodes
// have no ElementID, the labels of their kind, and assets with the
// projected properties only. Neo4j then sends, and the driver decodes,
// three strings and a list fewer for each node.
func WithLeanGraphNodes(ctx context.Context) context.Context {
	return context.WithValue(ctx, leanKey{}, true)
}

// graphNodes is how a subgraph read returns its nodes, the same for every
// node of the statement: whole nodes when the request asks for whole
// assets, else [element id, labels, the projected properties in names'
// order], or only the properties when lean (WithLeanGraphNodes). A list
// rather than a map: Neo4j would send, and the driver decode, every map key
// with every node.
type graphNodes struct {
	whole bool
	lean  bool
	names []string
}

func graphNodesFor(ctx context.Context) graphNodes {
	names, ok := projectedNames(ctx, nil)
	lean, _ := ctx.Value(leanKey{}).(bool)
	return graphNodes{whole: !ok, lean: ok && lean, names: names}
}

// expr is the expression that returns the node bound to v.
func (g graphNodes) expr(v string) string {
	if g.whole {
		return v
	}
	parts := make([]string, len(g.names))
	for i, n := range g.names {
		parts[i] = v + "." + n
	}
	if g.lean {
		return fmt.Sprintf("CASE WHEN %[1]s IS NULL THEN null ELSE [%[2]s] END", v, strings.Join(parts, ", "))
	}
	return fmt.Sprintf("CASE WHEN %[1]s IS NULL THEN null ELSE [elementId(%[1]s), labels(%[1]s), %[2]s] END", v, strings.Join(parts, ", "))
}

// keyExpr is the expression of the key (nodeKey) of the node bound to v:
// its element id, or its asset id when lean.
func (g graphNodes) keyExpr(v string) string {
	if g.lean {
		return v + "." + schema.PropID
	}
	return "elementId(" + v + ")"
}

// nodeKey identifies a node within a subgraph read: its element id, or,
// for a lean node, which has none, its asset id.
func nodeKey(n dbtype.Node) string {
	if n.ElementId != "" {
		return n.ElementId
	}
	return str(n.Props[schema.PropID])
}

// read reads back a node that expr returned.
func (g graphNodes) read(v any) (dbtype.Node, bool) {
	names := g.names
	switch n := v.(type) {
	case dbtype.Node:
		return n, true
	case []any:
		if g.lean {
			return g.readLean(n)
		}
		if len(n) != 2+len(names) {
			return dbtype.Node{}, false
		}
		eid, _ := n[0].(string)
		if eid == "" {
			return dbtype.Node{}, false
		}
		l, _ := n[1].([]any)
		labels := make([]string, 0, len(l))
		for _, x := range l {
			if s, ok := x.(string); ok {
				labels = append(labels, s)
			}
		}
		// Absent properties come back null and are left out, so a
		// projected node holds what a whole node would.
		props := make(map[string]any, len(names)+len(idParts))
		for i, name := range names {
			if x := n[2+i]; x != nil {
				props[name] = x
			}
		}
		withIDParts(props) // assets: the parts of the id a projection skips
		return dbtype.Node{ElementId: eid, Labels: labels, Props: props}, true
	}
	return dbtype.Node{}, false
}

func (g graphNodes) readLean(n []any) (dbtype.Node, bool) {
	if len(n) != len(g.names) {
		return dbtype.Node{}, false
	}
	props := make(map[string]any, len(g.names))
	for i, name := range g.names {
		if x := n[i]; x != nil {
			props[name] = x
		}
	}
	k, err := KindOfID(str(props[schema.PropID]))
	if err != nil {
		return dbtype.Node{}, false
	}
	return dbtype.Node{Labels: kindLabels[k], Props: props}, true
}

// kindLabels are the labels of each kind's asset nodes, shared (read only)
// by the lean nodes of every read.
var kindLabels = func() map[*schema.Kind][]string {
	out := make(map[*schema.Kind][]string, len(schema.Kinds))
	for _, k := range schema.Kinds {
		out[k] = []string{k.Label, schema.AssetLabel}
	}
	return out
}()
