package model

import (
	"bytes"
	"context"
	"io"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// A graph view (a neighbourhood, a path, a console result) is hundreds of
// nodes and edges of a few plain fields each. gqlgen marshals every element
// in a goroutine of its own and every field through a field context, a
// resolver wrapper and a marshaller value: for a 100-node neighbourhood that
// was about half of the request's CPU. MarshalGraphNodes and MarshalEdges
// write such lists directly, once per list, when the selection holds only
// plain fields; anything else (an asset, a deferred fragment) returns false
// and gqlgen's generated code marshals the list as usual. The generated
// list marshallers call them first: graph/internal/directlists adds the call
// after gqlgen generates (go generate ./graph). The output is byte for byte
// gqlgen's (graph tests compare both ways).

// gqlgenLists turns the direct writers off (tests compare both ways).
var gqlgenLists atomic.Bool

// UseGQLGenLists makes lists go through gqlgen's generated marshallers only
// (on) or through the direct writers (these and MarshalObjects) when they
// can (off, the default). For tests that compare the two.
func UseGQLGenLists(on bool) { gqlgenLists.Store(on) }

// directWrites counts the lists the direct writers took (tests read it).
var directWrites atomic.Int64

// DirectListWrites is how many lists the direct writers took.
func DirectListWrites() int64 { return directWrites.Load() }

var (
	graphNodePlain = map[string]bool{"__typename": true, "id": true, "elementId": true, "labels": true, "kind": true, "name": true, "properties": true}
	edgePlain      = map[string]bool{"__typename": true, "id": true, "type": true, "source": true, "target": true, "properties": true}
)

// plainFields collects the fields sel selects on typ and reports whether
// the direct writer can write them all.
func plainFields(ctx context.Context, sel ast.SelectionSet, typ string, plain map[string]bool) ([]graphql.CollectedField, bool) {
	if gqlgenLists.Load() {
		return nil, false
	}
	oc := graphql.GetOperationContext(ctx)
	if oc == nil {
		return nil, false
	}
	fields := graphql.CollectFields(oc, sel, []string{typ})
	for _, f := range fields {
		if !plain[f.Name] || len(f.Deferrables) > 0 || len(f.Arguments) > 0 || len(f.Selections) > 0 {
			return nil, false
		}
	}
	directWrites.Add(1)
	return fields, true
}

// MarshalGraphNodes writes v when sel selects only plain fields of
// GraphNode; ok is false otherwise.
func MarshalGraphNodes(ctx context.Context, sel ast.SelectionSet, v []*GraphNode) (m graphql.Marshaler, ok bool) {
	return marshalPlain(ctx, sel, v, "GraphNode", graphNodePlain, func(w io.Writer, n *GraphNode, f string) {
		switch f {
		case "id":
			writeString(w, n.ID)
		case "elementId":
			writeString(w, n.ElementID)
		case "labels":
			w.Write(openBracket)
			for i, l := range n.Labels {
				if i > 0 {
					w.Write(comma)
				}
				writeString(w, l)
			}
			w.Write(closeBracket)
		case "kind":
			writeOptString(w, n.Kind)
		case "name":
			writeOptString(w, n.Name)
		case "properties":
			graphql.MarshalMap(n.Properties()).MarshalGQL(w)
		}
	})
}

// MarshalEdges writes v when sel selects only plain fields of Edge; ok is
// false otherwise.
func MarshalEdges(ctx context.Context, sel ast.SelectionSet, v []*Edge) (m graphql.Marshaler, ok bool) {
	return marshalPlain(ctx, sel, v, "Edge", edgePlain, func(w io.Writer, e *Edge, f string) {
		switch f {
		case "id":
			writeString(w, e.ID)
		case "type":
			writeString(w, e.Type)
		case "source":
			writeString(w, e.Source)
		case "target":
			writeString(w, e.Target)
		case "properties":
			graphql.MarshalMap(e.Properties()).MarshalGQL(w)
		}
	})
}

// marshalPlain writes v, a list of typ, when sel selects only the fields
// plain names; value writes one field of one element (__typename aside).
func marshalPlain[T any](ctx context.Context, sel ast.SelectionSet, v []*T, typ string, plain map[string]bool,
	value func(io.Writer, *T, string)) (graphql.Marshaler, bool) {
	for _, x := range v {
		if x == nil {
			return nil, false // gqlgen reports the null
		}
	}
	fields, ok := plainFields(ctx, sel, typ, plain)
	if !ok {
		return nil, false
	}
	return graphql.WriterFunc(func(w io.Writer) {
		writeList(w, v, fields, func(w io.Writer, x *T, f string) {
			if f == "__typename" {
				writeString(w, typ)
				return
			}
			value(w, x, f)
		})
	}), true
}

var (
	openBracket  = []byte{'['}
	closeBracket = []byte{']'}
	openBrace    = []byte{'{'}
	closeBrace   = []byte{'}'}
	comma        = []byte{','}
	null         = []byte("null")
)

// writeList writes [{"alias":value,…},…] as gqlgen's Array and FieldSet
// do: fields in selection order, an alias written once.
func writeList[T any](w io.Writer, v []T, fields []graphql.CollectedField, value func(io.Writer, T, string)) {
	// Keys are quoted once per list rather than once per element.
	keys := make([][]byte, len(fields))
	for i, f := range fields {
		keys[i] = key(f.Alias)
	}
	w.Write(openBracket)
	for i, x := range v {
		if i > 0 {
			w.Write(comma)
		}
		w.Write(openBrace)
		for j, f := range fields {
			if j > 0 {
				w.Write(comma)
			}
			w.Write(keys[j])
			value(w, x, f.Name)
		}
		w.Write(closeBrace)
	}
	w.Write(closeBracket)
}

// key returns `"alias":`. GraphQL names match [_A-Za-z][_0-9A-Za-z]*, so
// an alias never needs escaping.
func key(alias string) []byte {
	b := make([]byte, 0, len(alias)+3)
	b = append(b, '"')
	b = append(b, alias...)
	return append(b, '"', ':')
}

// writeString writes s as a JSON string, escaped as gqlgen escapes it.
// Ids, names and types almost never hold a character to escape: those are
// copied into the response buffer whole (gqlgen's writer walks them rune by
// rune, through a closure and an interface call per piece; it was 6 % of a
// neighbourhood request's CPU). Anything else goes to gqlgen's writer.
func writeString(w io.Writer, s string) {
	if b, ok := w.(*bytes.Buffer); ok && !needsEscape(s) {
		b.Grow(len(s) + 2)
		b.WriteByte('"')
		b.WriteString(s)
		b.WriteByte('"')
		return
	}
	graphql.MarshalString(s).MarshalGQL(w)
}

// needsEscape reports whether s holds a byte gqlgen escapes: a control
// character, a quote or a backslash. All are ASCII, and no byte of a UTF-8
// multi-byte sequence is, so a byte scan finds what gqlgen's rune scan does
// (invalid UTF-8 included: gqlgen writes such bytes as they are).
func needsEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' {
			return true
		}
	}
	return false
}

func writeOptString(w io.Writer, s *string) {
	if s == nil {
		w.Write(null)
		return
	}
	writeString(w, *s)
}
