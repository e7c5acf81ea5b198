package store

import (
	"fmt"
	"sort"
	"strings"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j/dbtype"

	"github.com/authgraph/authgraph/schema"
)

// A Projection limits the stored properties that asset reads return to the
// ones a request shows (plus the common ones), so Neo4j reads and sends, and
// the driver decodes, a few properties of each asset instead of all of
// them: a page of 50 users with their roles moves a fraction of the bytes.
// The caller passes it to each read that takes one (ListQuery.Project,
// AssetsByID, Related, AssetTree, Neighbourhood); nil reads whole assets.
type Projection struct {
	any    []string            // reads whose kinds are not known in advance (a graph view's nodes)
	byKind map[string][]string // each kind by name
	lean   bool                // LeanNodes
}

// NewProjection returns the projection that reads only props (and the id,
// with the kind, tenant and native id it holds), with the properties of
// each kind named in byKind narrowed to its list: reading a property an
// asset does not have costs a walk of its whole property chain, so a role
// need not be asked for a user's e-mail. Reads of other kinds, and of mixed
// kinds, use props. Names that are not declared properties are ignored;
// nil props means whole assets (a nil Projection).
func NewProjection(props []string, byKind map[string][]string) *Projection {
	if props == nil {
		return nil
	}
	p := &Projection{any: propNames(props), byKind: map[string][]string{}}
	for k, list := range byKind {
		p.byKind[k] = propNames(list)
	}
	return p
}

// LeanNodes returns p for a subgraph read (a neighbourhood) whose caller
// shows none of a graph node's element id, labels or asset: such nodes come
// back without an element id and with the labels of their kind, and their
// assets with the projected properties only. Neo4j then sends, and the
// driver decodes, three strings and a list fewer for each node. A nil p
// stays nil (whole nodes).
func (p *Projection) LeanNodes() *Projection {
	if p == nil {
		return nil
	}
	q := *p
	q.lean = true
	return &q
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
// of any kind), and false when p asks for whole assets.
func projectedNames(p *Projection, k *schema.Kind) ([]string, bool) {
	if p == nil {
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
func returnAsset(p *Projection, v string, k *schema.Kind) string {
	names, ok := projectedNames(p, k)
	if !ok {
		return v
	}
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = "." + n
	}
	return fmt.Sprintf("%s {%s}", v, strings.Join(parts, ", "))
}

// graphNodes is how a subgraph read returns its nodes, the same for every
// node of the statement: whole nodes when the request asks for whole
// assets, else [element id, labels, the projected properties in names'
// order], or only the properties when lean (LeanNodes). A list
// rather than a map: Neo4j would send, and the driver decode, every map key
// with every node.
type graphNodes struct {
	whole bool
	lean  bool
	names []string
}

func graphNodesFor(p *Projection) graphNodes {
	names, ok := projectedNames(p, nil)
	return graphNodes{whole: !ok, lean: ok && p.lean, names: names}
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
