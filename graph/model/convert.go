package model

import (
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

// newAsset (the empty model of each kind, by kind name) is generated from
// the declarations into kinds.generated.go.

// KindModel returns an empty model for the kind, or nil for a kind without
// a GraphQL type (a test checks there is none).
func KindModel(kindName string) Asset {
	if f, ok := newAsset[kindName]; ok {
		return f()
	}
	return nil
}

// Snake maps a GraphQL field name to the stored property name:
// emailVerified -> email_verified.
func Snake(field string) string {
	var b strings.Builder
	for i, r := range field {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte('_')
			}
			b.WriteRune(r + ('a' - 'A'))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Camel maps a stored property name to its GraphQL field name.
func Camel(prop string) string {
	parts := strings.Split(prop, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

// fieldPlan says which stored property fills which struct field, and the
// field's GraphQL name.
type fieldPlan struct {
	index int
	field string
	prop  string
}

var plans sync.Map // reflect.Type -> []fieldPlan

var kindFields sync.Map // reflect.Type -> index of the Kind field

var propIndexes sync.Map // reflect.Type -> map[string][]int

// propFields maps each stored property to the indexes of the struct fields
// it fills, from planFor.
func propFields(t reflect.Type) map[string][]int {
	if m, ok := propIndexes.Load(t); ok {
		return m.(map[string][]int)
	}
	m := map[string][]int{}
	for _, f := range planFor(t) {
		m[f.prop] = append(m[f.prop], f.index)
	}
	propIndexes.Store(t, m)
	return m
}

// kindField returns the index of a model's Kind field (looked up by name
// once per type: FieldByName scans the fields).
func kindField(t reflect.Type) int {
	if i, ok := kindFields.Load(t); ok {
		return i.(int)
	}
	f, _ := t.FieldByName("Kind")
	kindFields.Store(t, f.Index[0])
	return f.Index[0]
}

func planFor(t reflect.Type) []fieldPlan {
	if p, ok := plans.Load(t); ok {
		return p.([]fieldPlan)
	}
	var out []fieldPlan
	for i := 0; i < t.NumField(); i++ {
		tag := strings.Split(t.Field(i).Tag.Get("json"), ",")[0]
		if tag == "" || tag == "-" {
			continue
		}
		prop := Snake(tag)
		switch tag {
		case "firstSeen":
			prop = schema.PropFirstSeen
		case "lastSeen":
			prop = schema.PropLastUpdated
		case "nativeId":
			prop = schema.PropNativeID
		}
		out = append(out, fieldPlan{index: i, field: tag, prop: prop})
	}
	plans.Store(t, out)
	return out
}

// FromAsset converts a stored asset to its GraphQL model (*User, *Role, …).
func FromAsset(a store.Asset) Asset {
	if a.Kind == nil {
		return nil
	}
	m := KindModel(a.Kind.Name)
	if m == nil {
		return nil
	}
	v := reflect.ValueOf(m).Elem()
	// A projected asset holds a few of the many properties its model can
	// show: walk whichever of the two is shorter.
	if plan := planFor(v.Type()); len(a.Props) >= len(plan) {
		for _, f := range plan {
			if p, ok := a.Props[f.prop]; ok {
				setField(v.Field(f.index), p)
			}
		}
	} else {
		byProp := propFields(v.Type())
		for prop, p := range a.Props {
			for _, i := range byProp[prop] {
				setField(v.Field(i), p)
			}
		}
	}
	// The kind comes from the label, whatever the property says.
	v.Field(kindField(v.Type())).SetString(a.Kind.Name)
	return m
}

// As converts a stored asset to the model type T, or nil when it is not one.
func As[T any](a store.Asset) *T {
	var m any = FromAsset(a)
	t, _ := m.(*T)
	return t
}

// AsPtr is As for an optional asset.
func AsPtr[T any](a *store.Asset) *T {
	if a == nil {
		return nil
	}
	return As[T](*a)
}

var timeType = reflect.TypeOf(time.Time{})

// setField stores a driver value into a model field of a matching shape;
// values of another shape are left out rather than failing the request.
func setField(f reflect.Value, v any) {
	if v == nil {
		return
	}
	t := f.Type()
	switch {
	case t.Kind() == reflect.String:
		if s, ok := v.(string); ok {
			f.SetString(s)
		}
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.String:
		list, ok := v.([]any)
		if !ok {
			return
		}
		out := reflect.MakeSlice(t, 0, len(list))
		for _, e := range list {
			if s, ok := e.(string); ok {
				out = reflect.Append(out, reflect.ValueOf(s))
			}
		}
		f.Set(out)
	case t.Kind() == reflect.Pointer:
		e := t.Elem()
		var val reflect.Value
		switch {
		case e == timeType:
			switch x := v.(type) {
			case time.Time:
				val = reflect.ValueOf(x.UTC())
			case int64: // epoch ms (firstseen, lastupdated)
				val = reflect.ValueOf(time.UnixMilli(x).UTC())
			}
		case e.Kind() == reflect.String:
			if s, ok := v.(string); ok {
				val = reflect.ValueOf(s)
			}
		case e.Kind() == reflect.Bool:
			if b, ok := v.(bool); ok {
				val = reflect.ValueOf(b)
			}
		case e.Kind() == reflect.Int:
			switch x := v.(type) {
			case int64:
				val = reflect.ValueOf(int(x))
			case float64:
				val = reflect.ValueOf(int(x))
			}
		case e.Kind() == reflect.Float64:
			switch x := v.(type) {
			case float64:
				val = reflect.ValueOf(x)
			case int64:
				val = reflect.ValueOf(float64(x))
			}
		}
		if val.IsValid() {
			p := reflect.New(e)
			p.Elem().Set(val)
			f.Set(p)
		}
	}
}

// GraphNodeFrom converts a store graph node.
func GraphNodeFrom(n store.GraphNode) *GraphNode {
	g := &GraphNode{ID: n.ID, ElementID: n.ElementID, Labels: n.Labels, node: n}
	if n.Asset != nil {
		name := n.Asset.Name()
		// The kind's name is the schema's own, never written to.
		g.Kind, g.Name = &n.Asset.Kind.Name, &name
	}
	if g.Labels == nil {
		g.Labels = []string{}
	}
	return g
}

// EdgeFrom converts a store edge.
func EdgeFrom(e store.Edge) *Edge {
	return &Edge{ID: e.ID, Type: e.Type, Source: e.Source, Target: e.Target, props: e.Props}
}

// SubgraphFrom converts a store subgraph.
func SubgraphFrom(s store.Subgraph) *Subgraph {
	out := &Subgraph{Nodes: make([]*GraphNode, len(s.Nodes)), Edges: make([]*Edge, len(s.Edges)), Truncated: s.Truncated}
	for i, n := range s.Nodes {
		out.Nodes[i] = GraphNodeFrom(n)
	}
	for i, e := range s.Edges {
		out.Edges[i] = EdgeFrom(e)
	}
	return out
}

// PathFrom converts a store path.
func PathFrom(p store.Path) *Path {
	out := &Path{Length: len(p.Edges), Nodes: make([]*GraphNode, len(p.Nodes)), Edges: make([]*Edge, len(p.Edges))}
	for i, n := range p.Nodes {
		out.Nodes[i] = GraphNodeFrom(n)
	}
	for i, e := range p.Edges {
		out.Edges[i] = EdgeFrom(e)
	}
	return out
}

// FieldProps maps the GraphQL field names of every asset type to the stored
// properties they show (emailVerified -> email_verified, lastSeen ->
// lastupdated), for reading only what a query selects.
func FieldProps() map[string][]string {
	fieldPropsOnce.Do(func() {
		fieldProps = map[string][]string{}
		seen := map[string]bool{}
		for name := range newAsset {
			for _, f := range planFor(reflect.TypeOf(KindModel(name)).Elem()) {
				if key := f.field + "\x00" + f.prop; !seen[key] {
					seen[key] = true
					fieldProps[f.field] = append(fieldProps[f.field], f.prop)
				}
			}
		}
	})
	return fieldProps
}

var (
	fieldPropsOnce sync.Once
	fieldProps     map[string][]string
)
