package store

import (
	"context"
	"fmt"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j/dbtype"

	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/schema"
)

// GraphNode is one node for a graph rendering: an asset, or another node
// (a Sync, a Finding, …) a console query returned.
type GraphNode struct {
	// ID is the asset key for assets, else "element:<element id>".
	ID        string
	ElementID string
	Labels    []string
	Props     map[string]any
	Asset     *Asset // set when the node is an asset
}

// Subgraph is a set of nodes and the edges between them.
type Subgraph struct {
	Nodes     []GraphNode
	Edges     []Edge
	Truncated bool
}

// Path is a walk through the graph: len(Edges) == len(Nodes)-1.
type Path struct {
	Nodes []GraphNode
	Edges []Edge
}

func graphNodeOf(n dbtype.Node) GraphNode {
	g := GraphNode{ElementID: n.ElementId, Labels: n.Labels, Props: n.Props}
	if a, ok := assetOf(n); ok {
		g.ID = a.ID()
		g.Asset = &a
	} else {
		g.ID = "element:" + n.ElementId
	}
	return g
}

// graphBuilder gathers distinct nodes and edges; edges are resolved to node
// ids when built, and edges with an end not gathered are dropped.
type graphBuilder struct {
	nodes []GraphNode
	seen  map[string]string // node key (nodeKey: element id) -> node id
	rels  []dbtype.Relationship
	rseen map[string]bool
}

func newGraphBuilder() *graphBuilder {
	return &graphBuilder{seen: map[string]string{}, rseen: map[string]bool{}}
}

func (b *graphBuilder) has(elementID string) bool { _, ok := b.seen[elementID]; return ok }

func (b *graphBuilder) addNode(n dbtype.Node) {
	k := nodeKey(n)
	if b.has(k) {
		return
	}
	g := graphNodeOf(n)
	b.seen[k] = g.ID
	b.nodes = append(b.nodes, g)
}

func (b *graphBuilder) addRel(r dbtype.Relationship) {
	if b.rseen[r.ElementId] {
		return
	}
	b.rseen[r.ElementId] = true
	b.rels = append(b.rels, r)
}

// missing returns the element ids of edge ends not gathered as nodes.
func (b *graphBuilder) missing() []string {
	var out []string
	want := map[string]bool{}
	for _, r := range b.rels {
		for _, e := range []string{r.StartElementId, r.EndElementId} {
			if !b.has(e) && !want[e] {
				want[e] = true
				out = append(out, e)
			}
		}
	}
	return out
}

func (b *graphBuilder) edges() []Edge {
	out := make([]Edge, 0, len(b.rels))
	for _, r := range b.rels {
		src, ok1 := b.seen[r.StartElementId]
		dst, ok2 := b.seen[r.EndElementId]
		if ok1 && ok2 {
			out = append(out, Edge{ID: r.ElementId, Type: r.Type, Source: src, Target: dst, Props: r.Props})
		}
	}
	return out
}

func pathOf(p dbtype.Path) Path {
	b := newGraphBuilder()
	for _, n := range p.Nodes {
		b.addNode(n)
	}
	for _, r := range p.Relationships {
		b.addRel(r)
	}
	out := Path{Edges: b.edges()}
	// Keep the walk's order (and repeated nodes, should a walk revisit one).
	for _, n := range p.Nodes {
		out.Nodes = append(out.Nodes, graphNodeOf(n))
	}
	return out
}

// Limits of the exploration queries.
const (
	MaxNeighbourhoodDepth = 2
	MaxNeighbourhoodLimit = 1000
	MaxPathDepth          = 10
)

// noise are relation types explorations do not follow: every asset hangs
// from its tenant by RESOURCE, so following it would join everything.
var noise = []string{schema.ResourceRel, schema.SyncedRel}

// Neighbourhood returns the asset with id, its neighbours up to depth hops
// (1 or 2) and the edges between them, at most limit nodes; Truncated says
// that more were there. RESOURCE edges are followed only from a tenant.
// Nodes come back with the properties p names (nil: whole nodes, and the
// relationships with their properties).
func (s *Store) Neighbourhood(ctx context.Context, id string, depth, limit int, p *Projection) (Subgraph, error) {
	if depth < 1 || depth > MaxNeighbourhoodDepth {
		return Subgraph{}, apperr.New(apperr.Invalid, "depth must be 1 or %d", MaxNeighbourhoodDepth)
	}
	if limit < 1 || limit > MaxNeighbourhoodLimit {
		return Subgraph{}, apperr.New(apperr.Invalid, "limit must be between 1 and %d", MaxNeighbourhoodLimit)
	}
	k, err := KindOfID(id)
	if err != nil {
		return Subgraph{}, err
	}
	skip := noise
	if k == schema.Tenant {
		skip = []string{schema.SyncedRel}
	}
	// Relationships come back as [element id, type, outgoing, properties]
	// (properties only when the request shows them): lighter to send and
	// decode than relationship values, whose ends the rows already hold.
	relProps := func(string) string { return "null" }
	if p == nil {
		relProps = func(r string) string { return "properties(" + r + ")" }
	}
	// One statement reads both rings. The second ring shares the room left
	// by the first between the first ring's nodes (tenants excepted), so
	// one hub (a role with every user) does not fill the picture alone:
	// per = (limit - nodes) / ring nodes, at least 1 (0 when there is no
	// room), which the statement returns for the Go side below. LIMIT takes
	// no variable, so each ring node reads at most $limit relationships and
	// keeps per+1 of them (one more tells that there were more); nodes are
	// projected only for the kept ones. The second ring comes back as one
	// entry per first-ring node: [its key, [[relationship, node], …]].
	gn := graphNodesFor(p)
	ring2 := "[] AS far"
	if depth == 2 {
		ring2 = fmt.Sprintf(`CASE WHEN per = 0 THEN [] ELSE COLLECT {
  WITH a, xs, per
  UNWIND xs AS x
  WITH a, x, COLLECT {
    MATCH (x)-[r]-(y:%[1]s) WHERE NOT type(r) IN $noise AND y <> a
    RETURN [r, y] LIMIT $limit
  }[..per + 1] AS pairs
  RETURN [%[2]s, [p IN pairs | [[elementId(p[0]), type(p[0]), startNode(p[0]) = x, %[3]s], %[4]s]]]
} END AS far`, schema.AssetLabel, gn.keyExpr("x"), relProps("p[0]"), gn.expr("p[1]"))
	}
	rows, err := s.query(ctx, fmt.Sprintf(`MATCH (a:%[1]s {id: $id})
CALL (a) {
  MATCH (a)-[r]-(b:%[2]s) WHERE NOT type(r) IN $skip
  WITH a, r, b LIMIT $limit
  RETURN collect([elementId(r), type(r), startNode(r) = a, %[3]s, %[4]s]) AS ring,
    collect(DISTINCT b)[..$limit - 1] AS near
}
WITH a, ring, [x IN near WHERE NOT x:%[5]s] AS xs, $limit - 1 - size(near) AS room
WITH a, ring, xs, CASE WHEN size(xs) = 0 OR room <= 0 THEN 0 WHEN room < size(xs) THEN 1 ELSE room / size(xs) END AS per
RETURN %[6]s AS a, ring, per, %[7]s`, k.Label, schema.AssetLabel, relProps("r"), gn.expr("b"), schema.Tenant.Label,
		gn.expr("a"), ring2),
		map[string]any{"id": id, "skip": skip, "noise": noise, "limit": limit})
	if err != nil {
		return Subgraph{}, err
	}
	if len(rows) == 0 {
		return Subgraph{}, apperr.New(apperr.NotFound, "no asset with id %q", id)
	}
	b := newGraphBuilder()
	center, ok := gn.read(rows[0]["a"])
	if !ok {
		return Subgraph{}, apperr.New(apperr.Internal, "neighbourhood of %q: unreadable centre", id)
	}
	b.addNode(center)
	ck := nodeKey(center)
	var truncated bool
	// place adds the node v and its relationship e (to the node keyed
	// near): a node not placed yet only while there is room, else the
	// subgraph is truncated. added says the node was placed just now.
	place := func(v any, e []any, near string) (n dbtype.Node, added bool) {
		n, ok := gn.read(v)
		if !ok {
			return n, false
		}
		nk := nodeKey(n)
		if !b.has(nk) {
			if len(b.nodes) >= limit {
				truncated = true
				return n, false
			}
			b.addNode(n)
			added = true
		}
		b.addRel(compactRel(e, near, nk))
		return n, added
	}
	rings := 0 // first-ring nodes to expand at depth 2
	list, _ := rows[0]["ring"].([]any)
	for _, x := range list {
		e, _ := x.([]any)
		if len(e) != 5 {
			continue
		}
		if n, added := place(e[4], e, ck); added && kindOfLabels(n.Labels) != schema.Tenant {
			rings++
		}
	}
	if depth == 2 && rings > 0 && len(b.nodes) < limit {
		per, _ := rows[0]["per"].(int64)
		far, _ := rows[0]["far"].([]any)
		for _, x := range far {
			group, _ := x.([]any)
			if len(group) != 2 {
				continue
			}
			xk := str(group[0])
			pairs, _ := group[1].([]any)
			for i, p := range pairs {
				if int64(i) >= per {
					truncated = true
					break
				}
				if pair, _ := p.([]any); len(pair) == 2 {
					e, _ := pair[0].([]any)
					place(pair[1], e, xk)
				}
			}
		}
	} else if depth == 2 && rings > 0 {
		truncated = true
	}
	return Subgraph{Nodes: b.nodes, Edges: b.edges(), Truncated: truncated}, nil
}

func (s *Store) pathEnds(from, to string, maxDepth int) (*schema.Kind, *schema.Kind, error) {
	if maxDepth < 1 || maxDepth > MaxPathDepth {
		return nil, nil, apperr.New(apperr.Invalid, "maxDepth must be between 1 and %d", MaxPathDepth)
	}
	if from == to {
		return nil, nil, apperr.New(apperr.Invalid, "from and to are the same asset")
	}
	kf, err := KindOfID(from)
	if err != nil {
		return nil, nil, err
	}
	kt, err := KindOfID(to)
	if err != nil {
		return nil, nil, err
	}
	return kf, kt, nil
}

// pathQuery reads paths between two assets with fn (shortestPath or
// allShortestPaths), never through RESOURCE or SYNCED.
func (s *Store) pathQuery(ctx context.Context, fn, from, to string, maxDepth, limit int) ([]Path, error) {
	kf, kt, err := s.pathEnds(from, to, maxDepth)
	if err != nil {
		return nil, err
	}
	// maxDepth is a checked int: Cypher takes no parameter there.
	rows, err := s.query(ctx, fmt.Sprintf(`MATCH (a:%s {id: $from}), (b:%s {id: $to})
MATCH p = %s((a)-[*..%d]-(b))
WHERE none(r IN relationships(p) WHERE type(r) IN $skip)
RETURN p LIMIT $limit`, kf.Label, kt.Label, fn, maxDepth),
		map[string]any{"from": from, "to": to, "skip": noise, "limit": limit})
	if err != nil {
		return nil, err
	}
	out := make([]Path, 0, len(rows))
	for _, row := range rows {
		if p, ok := row["p"].(dbtype.Path); ok {
			out = append(out, pathOf(p))
		}
	}
	return out, nil
}

// ShortestPath returns one shortest path between two assets of at most
// maxDepth hops, or nil when there is none.
func (s *Store) ShortestPath(ctx context.Context, from, to string, maxDepth int) (*Path, error) {
	ps, err := s.pathQuery(ctx, "shortestPath", from, to, maxDepth, 1)
	if err != nil || len(ps) == 0 {
		return nil, err
	}
	return &ps[0], nil
}

// Paths returns up to limit shortest paths (all of the same, shortest,
// length) between two assets.
func (s *Store) Paths(ctx context.Context, from, to string, maxDepth, limit int) ([]Path, error) {
	return s.pathQuery(ctx, "allShortestPaths", from, to, maxDepth, limit)
}

// compactRel reads a relationship sent as [element id, type, outgoing from
// near, properties] between the nodes with element ids near and far.
func compactRel(e []any, near, far string) dbtype.Relationship {
	r := dbtype.Relationship{StartElementId: near, EndElementId: far}
	if len(e) < 4 {
		return r
	}
	r.ElementId, r.Type = str(e[0]), str(e[1])
	if out, _ := e[2].(bool); !out {
		r.StartElementId, r.EndElementId = far, near
	}
	r.Props, _ = e[3].(map[string]any)
	return r
}
