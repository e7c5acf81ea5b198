package store

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j/dbtype"

	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/schema"
)

// Asset is one asset node as read: its kind and its stored properties
// (schema's names: id, native_id, tenant, name, firstseen, …).
type Asset struct {
	Kind      *schema.Kind
	Props     map[string]any
	ElementID string
}

// ID is the asset's tenant-scoped key.
func (a Asset) ID() string { return str(a.Props[schema.PropID]) }

// Name is the asset's display name.
func (a Asset) Name() string { return str(a.Props[schema.PropName]) }

// Edge is one relationship between two graph nodes. Source and Target are
// node ids as GraphNode.ID gives them (asset keys for assets).
type Edge struct {
	ID     string // Neo4j element id
	Type   string
	Source string
	Target string
	Props  map[string]any
}

// KindOfID returns the kind of an asset id ("<tenant>/<slug>/<native id>"),
// so a lookup can use that kind's unique constraint. A malformed id or an
// unknown slug is an Invalid error.
func KindOfID(id string) (*schema.Kind, error) {
	_, slug, _, err := schema.ParseKey(id)
	if err != nil {
		return nil, apperr.New(apperr.Invalid, "malformed asset id %q: want <tenant>/<kind>/<native id>", id)
	}
	k, ok := schema.KindBySlug(slug)
	if !ok {
		return nil, apperr.New(apperr.Invalid, "asset id %q names no known kind (%q)", id, slug)
	}
	return k, nil
}

// kindOfLabels finds the asset kind among a node's labels.
func kindOfLabels(labels []string) *schema.Kind {
	for _, l := range labels {
		if l == schema.AssetLabel {
			continue
		}
		for _, k := range schema.Kinds {
			if k.Label == l {
				return k
			}
		}
	}
	return nil
}

// assetOf converts a driver node to an Asset; ok is false for nodes that are
// not assets (Sync, Finding, …) or values that are not nodes.
func assetOf(v any) (Asset, bool) {
	if m, ok := v.(map[string]any); ok {
		return projectedAsset(m)
	}
	n, ok := v.(dbtype.Node)
	if !ok {
		return Asset{}, false
	}
	k := kindOfLabels(n.Labels)
	if k == nil {
		return Asset{}, false
	}
	return Asset{Kind: k, Props: n.Props, ElementID: n.ElementId}, true
}

// projectedAsset reads an asset returned as a projection (returnAsset):
// absent properties dropped, and the parts of the id filled in.
func projectedAsset(m map[string]any) (Asset, bool) {
	m = dropNulls(m)
	k, ok := withIDParts(m)
	if !ok {
		return Asset{}, false
	}
	return Asset{Kind: k, Props: m}, true
}

// withIDParts sets the kind, tenant and native id of the asset whose
// properties are m from its id, which holds them (so projections need not
// read them), and returns the kind; false when m has no asset id.
func withIDParts(m map[string]any) (*schema.Kind, bool) {
	tenant, slug, native, err := schema.ParseKey(str(m[schema.PropID]))
	if err != nil {
		return nil, false
	}
	k, ok := schema.KindBySlug(slug)
	if !ok {
		return nil, false
	}
	m[schema.PropKind] = k.Name
	m[schema.PropTenant] = tenant
	m[schema.PropNativeID] = native
	return k, true
}

// Asset reads one asset by id. A missing asset is a NotFound error.
func (s *Store) Asset(ctx context.Context, id string) (Asset, error) {
	k, err := KindOfID(id)
	if err != nil {
		return Asset{}, err
	}
	rows, err := s.query(ctx, fmt.Sprintf("MATCH (n:%s {id: $id}) RETURN n", k.Label), map[string]any{"id": id})
	if err != nil {
		return Asset{}, err
	}
	if len(rows) == 0 {
		return Asset{}, apperr.New(apperr.NotFound, "no asset with id %q", id)
	}
	a, _ := assetOf(rows[0]["n"])
	return a, nil
}

// AssetsByID reads many assets, of any kinds, in one round trip, with the
// properties p names (nil: whole assets). Ids that are malformed or name no
// asset are absent from the map.
func (s *Store) AssetsByID(ctx context.Context, ids []string, p *Projection) (map[string]Asset, error) {
	byKind := map[*schema.Kind][]string{}
	for _, id := range ids {
		if k, err := KindOfID(id); err == nil {
			byKind[k] = append(byKind[k], id)
		}
	}
	out := make(map[string]Asset, len(ids))
	if len(byKind) == 0 {
		return out, nil
	}
	// One UNION ALL branch per kind, each using that label's constraint.
	kinds := make([]*schema.Kind, 0, len(byKind))
	for k := range byKind {
		kinds = append(kinds, k)
	}
	sort.Slice(kinds, func(i, j int) bool { return kinds[i].Name < kinds[j].Name })
	var parts []string
	params := map[string]any{}
	for i, k := range kinds {
		name := fmt.Sprintf("ids%d", i)
		params[name] = byKind[k]
		parts = append(parts, fmt.Sprintf("UNWIND $%s AS id MATCH (n:%s {id: id}) RETURN %s AS n", name, k.Label, returnAsset(p, "n", k)))
	}
	rows, err := s.queryRows(ctx, "CALL () { "+strings.Join(parts, " UNION ALL ")+" } RETURN n", params, "n")
	if err != nil {
		return nil, err
	}
	for _, row := range rows {
		if a, ok := assetOf(row["n"]); ok {
			out[a.ID()] = a
		}
	}
	return out, nil
}

// RelSpec is one declared relation read from one of its ends: from its From
// kind (Reverse false, following the arrow) or from its To kind.
type RelSpec struct {
	Rel     *schema.Relation
	Reverse bool
}

// Out reads r from its From end; In from its To end.
func Out(r *schema.Relation) RelSpec { return RelSpec{Rel: r} }
func In(r *schema.Relation) RelSpec  { return RelSpec{Rel: r, Reverse: true} }

// Near is the kind the relation is read from; Far the kind it leads to.
func (r RelSpec) Near() *schema.Kind {
	if r.Reverse {
		return r.Rel.To
	}
	return r.Rel.From
}
func (r RelSpec) Far() *schema.Kind {
	if r.Reverse {
		return r.Rel.From
	}
	return r.Rel.To
}

// pattern returns the Cypher pattern (a:Near)-[r:TYPE]->(b:Far) with the
// given variable names, arrow in the declared direction.
func (r RelSpec) pattern(a, rel, b string) string {
	if r.Reverse {
		return fmt.Sprintf("(%s:%s)<-[%s:%s]-(%s:%s)", a, r.Near().Label, rel, r.Rel.Type, b, r.Far().Label)
	}
	return fmt.Sprintf("(%s:%s)-[%s:%s]->(%s:%s)", a, r.Near().Label, rel, r.Rel.Type, b, r.Far().Label)
}

// Related is one neighbour across a relation, with the relationship itself.
type Related struct {
	Asset Asset
	Edge  Edge
}

// RelatedCap bounds the neighbours Related returns per asset; relations that
// can be larger (a role's users) are read as paginated lists instead.
const RelatedCap = 1000

// Related reads the neighbours of many assets across one relation in one
// round trip (the dataloaders' batch function), ordered by name, with the
// properties p names (nil: whole assets).
func (s *Store) Related(ctx context.Context, spec RelSpec, ids []string, p *Projection) (map[string][]Related, error) {
	out := make(map[string][]Related, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	q := fmt.Sprintf(`UNWIND $ids AS id
MATCH (a:%s {id: id})
CALL (a) { MATCH %s RETURN r, b ORDER BY b.name, b.id LIMIT $cap }
RETURN id, r, %s AS b`, spec.Near().Label, spec.pattern("a", "r", "b"), returnAsset(p, "b", spec.Far()))
	rows, err := s.queryRows(ctx, q, map[string]any{"ids": ids, "cap": RelatedCap}, "id", "r", "b")
	if err != nil {
		return nil, err
	}
	for _, row := range rows {
		id := str(row["id"])
		b, ok := assetOf(row["b"])
		if !ok {
			continue
		}
		rel, _ := row["r"].(dbtype.Relationship)
		e := Edge{ID: rel.ElementId, Type: rel.Type, Source: id, Target: b.ID(), Props: rel.Props}
		if spec.Reverse {
			e.Source, e.Target = b.ID(), id
		}
		out[id] = append(out[id], Related{Asset: b, Edge: e})
	}
	return out, nil
}
