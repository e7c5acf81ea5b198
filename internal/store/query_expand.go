package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/schema"
)

// Expand asks for the neighbours across Spec of each asset a read returns to
// come back with it, in the same query, and for theirs across Sub. The
// GraphQL layer builds the tree from the relation fields a query selects, so
// an asset's detail or a page of a list, with every relation it shows, is
// one round trip.
type Expand struct {
	Spec RelSpec
	Sub  []Expand
}

// Tree is an asset read with its expansions: Rel[i] holds its neighbours
// across Expand[i] (in Related's order and cap), each a Tree of its own for
// that Expand's Sub.
type Tree struct {
	Related
	Rel [][]Tree
}

// maxExpandDepth bounds the nesting of expansions (the GraphQL depth limit
// bounds it first).
const maxExpandDepth = 6

// Reserved keys of the projected maps an expanded read returns: they cannot
// be property names, which are snake-case.
const (
	keyRelProps = "__r"
	keyExpand   = "__e"
)

// relProps names a relationship variable and the declared properties to
// read from it.
type relProps struct {
	v     string
	props []schema.Property
}

// expandProjection returns the expression that projects the asset bound to
// v with its expansions: a map of the properties p names (all of them
// when p is nil), and one list per Expand, collected by a COLLECT
// subquery that reads the neighbours in Related's order. The declared
// properties of the relation it was reached by come along (the relation
// fields that show any, such as an identity's provider, read only those).
func expandProjection(p *Projection, v string, k *schema.Kind, depth int, exp []Expand, rel *relProps) string {
	names, ok := projectedNames(p, k)
	var parts []string
	if !ok {
		parts = append(parts, ".*")
	} else {
		for _, n := range names {
			parts = append(parts, "."+n)
		}
	}
	if rel != nil {
		var rp []string
		for _, p := range rel.props {
			rp = append(rp, "."+p.Name)
		}
		parts = append(parts, fmt.Sprintf("%s: %s {%s}", keyRelProps, rel.v, strings.Join(rp, ", ")))
	}
	for i, e := range exp {
		r, b := fmt.Sprintf("r%d", depth), fmt.Sprintf("b%d", depth)
		var rp *relProps
		if len(e.Spec.Rel.Props) > 0 {
			rp = &relProps{v: r, props: e.Spec.Rel.Props}
		}
		parts = append(parts, fmt.Sprintf("%s%d: COLLECT { MATCH %s WITH %s, %s ORDER BY %s.name, %s.id LIMIT $cap RETURN %s }",
			keyExpand, i, e.Spec.pattern(v, r, b), r, b, b, b, expandProjection(p, b, e.Spec.Far(), depth+1, e.Sub, rp)))
	}
	return fmt.Sprintf("%s {%s}", v, strings.Join(parts, ", "))
}

func checkExpand(exp []Expand, near string, depth int) error {
	if depth > maxExpandDepth {
		return apperr.New(apperr.Invalid, "expansions nested deeper than %d", maxExpandDepth)
	}
	for _, e := range exp {
		if e.Spec.Rel == nil || e.Spec.Near().Name != near {
			return apperr.New(apperr.Invalid, "expansion does not start at %s", near)
		}
		if err := checkExpand(e.Sub, e.Spec.Far().Name, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// treeOf reads a map returned by expandProjection. parent is the id of the
// asset it was reached from ("" at the root) across spec.
func treeOf(v any, exp []Expand, parent string, spec RelSpec) (Tree, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return Tree{}, false
	}
	var t Tree
	if len(exp) > 0 {
		t.Rel = make([][]Tree, len(exp))
	}
	for i, e := range exp {
		key := fmt.Sprintf("%s%d", keyExpand, i)
		list, _ := m[key].([]any)
		delete(m, key)
		id := str(m["id"])
		for _, x := range list {
			if c, ok := treeOf(x, e.Sub, id, e.Spec); ok {
				t.Rel[i] = append(t.Rel[i], c)
			}
		}
	}
	rp, _ := m[keyRelProps].(map[string]any)
	delete(m, keyRelProps)
	a, ok := projectedAsset(m)
	if !ok {
		return Tree{}, false
	}
	t.Asset = a
	if parent != "" {
		t.Edge = Edge{Type: spec.Rel.Type, Source: parent, Target: a.ID(), Props: rp}
		if spec.Reverse {
			t.Edge.Source, t.Edge.Target = a.ID(), parent
		}
		if t.Edge.Props == nil {
			t.Edge.Props = map[string]any{}
		}
	}
	return t, true
}

// AssetTree reads one asset with its expansions in one round trip, each
// asset with the properties p names (nil: all). A missing asset is a
// NotFound error.
func (s *Store) AssetTree(ctx context.Context, id string, exp []Expand, p *Projection) (Tree, error) {
	k, err := KindOfID(id)
	if err != nil {
		return Tree{}, err
	}
	if err := checkExpand(exp, k.Name, 1); err != nil {
		return Tree{}, err
	}
	rows, err := s.query(ctx, fmt.Sprintf("MATCH (n:%s {id: $id}) RETURN %s AS n", k.Label, expandProjection(p, "n", k, 0, exp, nil)),
		map[string]any{"id": id, "cap": RelatedCap})
	if err != nil {
		return Tree{}, err
	}
	if len(rows) == 0 {
		return Tree{}, apperr.New(apperr.NotFound, "no asset with id %q", id)
	}
	t, ok := treeOf(rows[0]["n"], exp, "", RelSpec{})
	if !ok {
		return Tree{}, apperr.New(apperr.Internal, "asset %q: unreadable row", id)
	}
	return t, nil
}
