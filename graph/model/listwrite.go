package model

import (
	"context"
	"io"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// MarshalObjects is the direct writer for lists of the generated models
// (a page of users, a user's roles, …), the same idea as the graph view
// lists' writers: gqlgen resolves every element in a goroutine and every
// field through a field context, a resolver wrapper and a marshaller value,
// which was most of a list page's Go CPU. MarshalObjects writes the list in
// one pass when every selected field is either
//
//   - a model struct field of a scalar type (string, bool, int, time, string
//     list, Map, an enum), written as gqlgen's marshaller writes it, or
//   - a relation field whose neighbours the request has already read (the
//     look-ahead primes them with the page): the RelationSource in the
//     context hands them over, and their own selection follows the same
//     rules.
//
// Anything else (a resolver with arguments, a relation not read ahead, a
// deferred fragment, a null where the schema says non-null) returns false
// before anything is written, and gqlgen's generated code marshals the list
// as usual. The generated list marshallers call it first; see
// graph/internal/directlists. Tests compare both ways byte for byte.
func MarshalObjects[T any](ctx context.Context, sel ast.SelectionSet, v []*T, implementors []string) (graphql.Marshaler, bool) {
	if gqlgenLists.Load() || v == nil || len(implementors) == 0 {
		return nil, false
	}
	oc := graphql.GetOperationContext(ctx)
	if oc == nil {
		return nil, false
	}
	rels, _ := ctx.Value(relationsKey{}).(RelationSource)
	w := objWriter{oc: oc, ctx: ctx, rels: rels}
	sh := w.compile(sel, reflect.TypeFor[T](), implementors)
	if sh == nil {
		return nil, false
	}
	objs := make([]reflect.Value, len(v))
	for i, x := range v {
		if x == nil {
			return nil, false // gqlgen reports the null
		}
		objs[i] = reflect.ValueOf(x).Elem()
	}
	tree, ok := w.gather(sh, objs)
	if !ok {
		return nil, false
	}
	directWrites.Add(1)
	return graphql.WriterFunc(func(out io.Writer) { tree.writeList(out) }), true
}

// RelationSource returns the neighbours of the asset id across a relation
// field of a GraphQL type (User.roles, …) as models, when the request has
// already read them; ok is false when it has not, or the field is not a
// plain relation.
type RelationSource func(ctx context.Context, typeName, field, id string) (models []any, ok bool)

type relationsKey struct{}

// WithRelationSource makes src answer the relation fields of the direct
// writers under ctx.
func WithRelationSource(ctx context.Context, src RelationSource) context.Context {
	return context.WithValue(ctx, relationsKey{}, src)
}

type objWriter struct {
	oc   *graphql.OperationContext
	ctx  context.Context
	rels RelationSource
}

// shape is a compiled selection on one model type.
type shape struct {
	typeName string
	goType   reflect.Type
	keys     [][]byte // `"alias":`
	fields   []fieldShape
}

type fieldKind int

const (
	typename fieldKind = iota
	scalar
	relation
)

type fieldShape struct {
	kind    fieldKind
	name    string
	index   int                            // struct field (scalar)
	write   func(io.Writer, reflect.Value) // scalar writer
	list    bool                           // relation: a list (else one neighbour)
	nonNull bool                           // relation: non-null
	sub     *shape                         // relation: the neighbours' selection
}

// compile returns the shape of sel on goType, or nil when the direct writer
// cannot write it.
func (w *objWriter) compile(sel ast.SelectionSet, goType reflect.Type, implementors []string) *shape {
	if goType.Kind() != reflect.Struct {
		return nil
	}
	plan := structPlan(goType)
	sh := &shape{typeName: implementors[0], goType: goType}
	for _, f := range graphql.CollectFields(w.oc, sel, implementors) {
		if len(f.Deferrables) > 0 || len(f.Arguments) > 0 || f.Definition == nil {
			return nil
		}
		var fs fieldShape
		fs.name = f.Name
		switch {
		case f.Name == "__typename":
			fs.kind = typename
		case len(f.Selections) == 0:
			sf, ok := plan[f.Name]
			if !ok {
				return nil // a method or a resolver
			}
			write := scalarWriter(sf.Type, f.Definition.Type)
			if write == nil {
				return nil
			}
			fs.kind, fs.index, fs.write = scalar, sf.Index[0], write
		default:
			if _, bound := plan[f.Name]; bound || w.rels == nil {
				return nil // an object held by the model itself: not written here
			}
			t := f.Definition.Type
			fs.kind, fs.list, fs.nonNull = relation, t.Elem != nil, t.NonNull
			if fs.list && !t.Elem.NonNull {
				return nil
			}
			elem := modelType(t.Name())
			if elem == nil {
				return nil
			}
			impl := []string{t.Name()}
			if elem.Implements(assetIface) {
				impl = append(impl, "Asset")
			}
			if fs.sub = w.compile(f.Selections, elem.Elem(), impl); fs.sub == nil {
				return nil
			}
		}
		sh.fields = append(sh.fields, fs)
		sh.keys = append(sh.keys, key(f.Alias))
	}
	return sh
}

// tree is a shape's objects with their relations gathered.
type tree struct {
	sh   *shape
	objs []reflect.Value
	// rels[i][j] holds object i's neighbours for the j-th field when it is
	// a relation.
	rels [][]*tree
}

// gather reads every relation field's neighbours from the relation source;
// ok is false when one is not there.
func (w *objWriter) gather(sh *shape, objs []reflect.Value) (*tree, bool) {
	t := &tree{sh: sh, objs: objs}
	var relIdx []int
	for j, f := range sh.fields {
		if f.kind == relation {
			relIdx = append(relIdx, j)
		}
	}
	if len(relIdx) == 0 {
		return t, true
	}
	idField, ok := structPlan(sh.goType)["id"]
	if !ok || idField.Type.Kind() != reflect.String {
		return nil, false
	}
	t.rels = make([][]*tree, len(objs))
	for i, o := range objs {
		t.rels[i] = make([]*tree, len(sh.fields))
		id := o.Field(idField.Index[0]).String()
		for _, j := range relIdx {
			f := sh.fields[j]
			ms, ok := w.rels(w.ctx, sh.typeName, f.name, id)
			if !ok {
				return nil, false
			}
			var far []reflect.Value
			for _, m := range ms {
				mv := reflect.ValueOf(m)
				if mv.Kind() == reflect.Pointer && !mv.IsNil() && mv.Elem().Type() == f.sub.goType {
					far = append(far, mv.Elem())
				}
			}
			if !f.list {
				// One neighbour: the first, as the resolvers take it.
				if len(far) == 0 && f.nonNull {
					return nil, false
				}
				far = far[:min(len(far), 1)]
			}
			sub, ok := w.gather(f.sub, far)
			if !ok {
				return nil, false
			}
			t.rels[i][j] = sub
		}
	}
	return t, true
}

func (t *tree) writeList(w io.Writer) {
	w.Write(openBracket)
	for i := range t.objs {
		if i > 0 {
			w.Write(comma)
		}
		t.writeObject(w, i)
	}
	w.Write(closeBracket)
}

func (t *tree) writeObject(w io.Writer, i int) {
	o := t.objs[i]
	w.Write(openBrace)
	for j, f := range t.sh.fields {
		if j > 0 {
			w.Write(comma)
		}
		w.Write(t.sh.keys[j])
		switch f.kind {
		case typename:
			writeString(w, t.sh.typeName)
		case scalar:
			f.write(w, o.Field(f.index))
		case relation:
			sub := t.rels[i][j]
			switch {
			case f.list:
				sub.writeList(w)
			case len(sub.objs) == 0:
				w.Write(null)
			default:
				sub.writeObject(w, 0)
			}
		}
	}
	w.Write(closeBrace)
}

var (
	assetIface  = reflect.TypeFor[Asset]()
	timeT       = reflect.TypeFor[time.Time]()
	mapT        = reflect.TypeFor[map[string]any]()
	marshalerT  = reflect.TypeFor[graphql.Marshaler]()
	planCache   sync.Map // reflect.Type -> map[string]reflect.StructField
	modelsByGQL sync.Map // GraphQL type name -> reflect.Type (pointer)
)

// structPlan maps the GraphQL names of a generated model's fields (their
// json tags, which gqlgen's model generator sets to the schema's names) to
// the struct fields.
func structPlan(t reflect.Type) map[string]reflect.StructField {
	if p, ok := planCache.Load(t); ok {
		return p.(map[string]reflect.StructField)
	}
	p := map[string]reflect.StructField{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.IsExported() && name != "" && name != "-" {
			p[name] = f
		}
	}
	planCache.Store(t, p)
	return p
}

// modelType returns the model type (a pointer) of an asset GraphQL type,
// nil for others.
func modelType(gqlName string) reflect.Type {
	type entry struct{ t reflect.Type } // nil for names that are not assets
	if e, ok := modelsByGQL.Load(gqlName); ok {
		return e.(entry).t
	}
	var e entry
	if m := KindModel(gqlName); m != nil {
		e.t = reflect.TypeOf(m)
	}
	modelsByGQL.Store(gqlName, e)
	return e.t
}

// scalarWriter returns the writer of a struct field of Go type ft shown as
// GraphQL type gt, or nil when the pair is not one it writes as gqlgen does.
// Nullability must match: a pointer (or a list, a map) for a nullable type,
// a value for a non-null one, so there is never a null to report.
func scalarWriter(ft reflect.Type, gt *ast.Type) func(io.Writer, reflect.Value) {
	if gt.Elem != nil {
		// Lists: of non-null strings only.
		if ft.Kind() != reflect.Slice || ft.Elem() != reflect.TypeFor[string]() || !gt.Elem.NonNull || gt.Elem.Elem != nil {
			return nil
		}
		nonNull := gt.NonNull
		return func(w io.Writer, v reflect.Value) {
			if v.IsNil() && !nonNull {
				w.Write(null)
				return
			}
			w.Write(openBracket)
			for i := 0; i < v.Len(); i++ {
				if i > 0 {
					w.Write(comma)
				}
				writeString(w, v.Index(i).String())
			}
			w.Write(closeBracket)
		}
	}
	ptr := ft.Kind() == reflect.Pointer
	if ptr == gt.NonNull && ft != mapT {
		return nil
	}
	base := ft
	if ptr {
		base = ft.Elem()
	}
	var write func(io.Writer, reflect.Value)
	switch {
	case base.Implements(marshalerT) && base.Kind() == reflect.String:
		write = func(w io.Writer, v reflect.Value) { v.Interface().(graphql.Marshaler).MarshalGQL(w) }
	case base == reflect.TypeFor[string]() && (gt.NamedType == "String" || gt.NamedType == "ID"):
		write = func(w io.Writer, v reflect.Value) { writeString(w, v.String()) }
	case base == reflect.TypeFor[bool]() && gt.NamedType == "Boolean":
		write = func(w io.Writer, v reflect.Value) { graphql.MarshalBoolean(v.Bool()).MarshalGQL(w) }
	case base == reflect.TypeFor[int]() && gt.NamedType == "Int":
		write = func(w io.Writer, v reflect.Value) { graphql.MarshalInt(int(v.Int())).MarshalGQL(w) }
	case base == timeT && gt.NamedType == "Time" && ptr:
		// gqlgen writes a zero time as null: only a nullable field can.
		write = func(w io.Writer, v reflect.Value) { graphql.MarshalTime(v.Interface().(time.Time)).MarshalGQL(w) }
	case ft == mapT && gt.NamedType == "Map" && !gt.NonNull:
		// Nullable only: a nil map for a non-null Map is an error gqlgen reports.
		return func(w io.Writer, v reflect.Value) {
			if v.IsNil() {
				w.Write(null)
				return
			}
			graphql.MarshalMap(v.Interface().(map[string]any)).MarshalGQL(w)
		}
	default:
		return nil
	}
	if !ptr {
		return write
	}
	return func(w io.Writer, v reflect.Value) {
		if v.IsNil() {
			w.Write(null)
			return
		}
		write(w, v.Elem())
	}
}
