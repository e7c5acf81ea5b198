package model

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// scalarWriter takes a struct field only when it writes it as gqlgen does,
// with nullability matching, so there is never a null to report.
func TestScalarWriter(t *testing.T) {
	s, b, i, f := "a\"b", true, 42, 1.5
	when := time.Date(2026, 11, 27, 6, 0, 0, 5, time.UTC)
	var zero time.Time
	named := func(n string, nonNull bool) *ast.Type { return &ast.Type{NamedType: n, NonNull: nonNull} }
	list := func(elem *ast.Type, nonNull bool) *ast.Type { return &ast.Type{Elem: elem, NonNull: nonNull} }
	cases := []struct {
		name  string
		value any
		gql   *ast.Type
		want  string // "" when the writer must refuse the field
	}{
		{"string, non-null", s, named("String", true), `"a\"b"`},
		{"id", "u/1", named("ID", true), `"u/1"`},
		{"string pointer, nullable", &s, named("String", false), `"a\"b"`},
		{"nil string pointer", (*string)(nil), named("String", false), `null`},
		{"string for a nullable field", s, named("String", false), ""},
		{"string pointer for a non-null field", &s, named("String", true), ""},
		{"bool pointer", &b, named("Boolean", false), `true`},
		{"int pointer", &i, named("Int", false), `42`},
		{"int, non-null", i, named("Int", true), `42`},
		{"time pointer", &when, named("Time", false), `"2026-11-27T06:00:00.000000005Z"`},
		{"zero time pointer (gqlgen writes null)", &zero, named("Time", false), `null`},
		{"time value (a zero one would be an error)", when, named("Time", true), ""},
		{"float (left to gqlgen)", &f, named("Float", false), ""},
		{"string for an enum", s, named("Via", true), ""},
		{"enum", ViaOrgRole, named("Via", true), `"ORG_ROLE"`},
		{"enum pointer, nil", (*Via)(nil), named("Via", false), `null`},
		{"string list, nullable", []string{"x", "y"}, list(named("String", true), false), `["x","y"]`},
		{"nil string list, nullable", []string(nil), list(named("String", true), false), `null`},
		{"nil string list, non-null", []string(nil), list(named("String", true), true), `[]`},
		{"list of nullable strings", []string{"x"}, list(named("String", false), false), ""},
		{"map, nullable", map[string]any{"k": 1}, named("Map", false), "{\"k\":1}\n"},
		{"nil map, nullable", map[string]any(nil), named("Map", false), `null`},
		{"map, non-null", map[string]any{"k": 1}, named("Map", true), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := reflect.ValueOf(c.value)
			w := scalarWriter(v.Type(), c.gql)
			if c.want == "" {
				if w != nil {
					t.Fatal("took a field it must leave to gqlgen")
				}
				return
			}
			if w == nil {
				t.Fatal("refused the field")
			}
			var buf bytes.Buffer
			w(&buf, v)
			if buf.String() != c.want {
				t.Errorf("wrote %q, want %q", buf.String(), c.want)
			}
		})
	}
}

// writeString must write what gqlgen's string marshaller writes, byte for
// byte, on either path (plain strings copied, the rest through gqlgen) and
// to any writer.
func TestWriteStringWritesWhatGQLGenWrites(t *testing.T) {
	tests := []string{
		"", "plain", "tenant.sim.local/user/auth0|65f24339dc6ca56697c6f586", "Zoë Ünïcode ✓ 日本",
		`a "quoted" word`, `back\slash`, "tab\there", "line\nbreak\r\n", "nul\x00bell\x07", "\x1f\x20",
		"invalid \xff\xfe utf-8", "mixed \xff\"\\\n", "\u2028 line separator", "<script>&amp;</script>",
	}
	for _, s := range tests {
		var want bytes.Buffer
		graphql.MarshalString(s).MarshalGQL(&want)
		var got bytes.Buffer
		got.WriteString("prefix,")
		writeString(&got, s)
		if g := strings.TrimPrefix(got.String(), "prefix,"); g != want.String() {
			t.Errorf("writeString(%q) = %s, gqlgen writes %s", s, g, want.String())
		}
		// A writer that is not a buffer takes gqlgen's path.
		var sb strings.Builder
		writeString(&sb, s)
		if sb.String() != want.String() {
			t.Errorf("writeString(%q) to a strings.Builder = %s, want %s", s, sb.String(), want.String())
		}
		if needsEscape(s) != (want.Len() != len(s)+2) {
			t.Errorf("needsEscape(%q) = %v, but gqlgen writes %s", s, needsEscape(s), want.String())
		}
	}
}
