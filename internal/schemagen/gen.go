package main

import (
	"fmt"
	"go/format"
	"sort"
	"strings"

	"github.com/99designs/gqlgen/codegen/templates"

	"github.com/authgraph/authgraph/schema"
)

// Generate renders every generated file, keyed by its slash path from the
// module root.
func Generate() (map[string][]byte, error) {
	if err := check(); err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for file, body := range sdlFiles() {
		out["graph/schema/"+file+".generated.graphqls"] = []byte(body)
	}
	src, err := format.Source([]byte(resolversGo()))
	if err != nil {
		return nil, fmt.Errorf("graph/kinds.generated.go: %w", err)
	}
	out["graph/kinds.generated.go"] = src
	src, err = format.Source([]byte(modelsGo()))
	if err != nil {
		return nil, fmt.Errorf("graph/model/kinds.generated.go: %w", err)
	}
	out["graph/model/kinds.generated.go"] = src
	out["web/app/src/kinds.generated.ts"] = []byte(kindsTS())
	out["docs/data-model.md"] = []byte("<!--" + strings.TrimSuffix(header(""), "\n") + " -->\n" + schema.Markdown())
	return out, nil
}

// check refuses declarations the generated code could not serve: filters
// and columns on undeclared properties, shared filter inputs that differ,
// relation fields without a GraphQL type at the other end.
func check() error {
	if err := schema.Validate(); err != nil {
		return err
	}
	inputs := map[string]string{}
	for _, k := range schema.Kinds {
		if k.API.File == "" {
			return fmt.Errorf("kind %s: API.File is empty (which SDL file does it go to?)", k.Name)
		}
		for _, f := range k.API.Filters {
			if _, ok := k.Prop(f.Prop); !ok {
				return fmt.Errorf("kind %s: filter %s on undeclared property %s", k.Name, f.Field, f.Prop)
			}
		}
		if k.API.List != "" {
			sig := fmt.Sprint(k.API.Filters)
			for _, s := range sides(k) {
				if s.Filter != "" {
					sig += "|" + s.Filter + s.FilterDoc
				}
			}
			if prev, ok := inputs[filterInput(k)]; ok && prev != sig {
				return fmt.Errorf("kind %s: filter input %s is shared with different filters", k.Name, filterInput(k))
			}
			inputs[filterInput(k)] = sig
		}
		for _, c := range k.UI.Columns {
			if !hasField(k, c.Field) {
				return fmt.Errorf("kind %s: column %s is no field of the kind", k.Name, c.Field)
			}
		}
	}
	for _, r := range schema.Relations {
		for _, s := range []side{outSide(r), inSide(r)} {
			if s.Shape == schema.Paged && s.Wrapper != "" {
				return fmt.Errorf("relation %s: a paged field cannot have a wrapper", r.Name())
			}
			if s.Wrapper != "" && s.Side.Far == "" {
				return fmt.Errorf("relation %s: wrapper %s needs Far", r.Name(), s.Wrapper)
			}
		}
	}
	return nil
}

func hasField(k *schema.Kind, field string) bool {
	switch field {
	case "id", "kind", "nativeId", "tenant", "name", "firstSeen", "lastSeen":
		return true
	}
	for _, p := range k.Props {
		if camel(p.Name) == field {
			return true
		}
	}
	return false
}

// side is one end of a relation seen from the kind it is on: the field
// lists the kind Other, reading the relation in direction Out (from the
// relation's From) or not.
type side struct {
	schema.Side
	Rel   *schema.Relation
	Out   bool
	Near  *schema.Kind
	Other *schema.Kind // the kind the field lists
}

func outSide(r *schema.Relation) side {
	return side{Side: r.Out, Rel: r, Out: true, Near: r.From, Other: r.To}
}

func inSide(r *schema.Relation) side {
	return side{Side: r.In, Rel: r, Out: false, Near: r.To, Other: r.From}
}

// sides returns what the relations give k, in the order of Relations.
func sides(k *schema.Kind) []side {
	var out []side
	for _, r := range schema.Relations {
		if r.From == k {
			out = append(out, outSide(r))
		}
		if r.To == k {
			out = append(out, inSide(r))
		}
	}
	return out
}

// spec is the Go expression of the store.RelSpec reading s from its near
// end; flip reads it from the far end (a paginated field lists the far
// kind, related to the near asset).
func (s side) spec(flip bool) string {
	dir := "Out"
	if s.Out == flip {
		dir = "In"
	}
	return fmt.Sprintf("store.%s(%s)", dir, relVar(s.Rel))
}

func relVar(r *schema.Relation) string {
	return "rel" + r.From.Name + camelUpper(r.Type) + r.To.Name
}

func kindVar(k *schema.Kind) string { return "kind" + k.Name }

// camel maps a stored property name to its GraphQL field (as model.Camel).
func camel(prop string) string {
	parts := strings.Split(prop, "_")
	for i := 1; i < len(parts); i++ {
		parts[i] = upperFirst(parts[i])
	}
	return strings.Join(parts, "")
}

func camelUpper(s string) string { return upperFirst(camel(strings.ToLower(s))) }

func filterInput(k *schema.Kind) string {
	if k.API.FilterInput != "" {
		return k.API.FilterInput
	}
	return k.Name + "Filter"
}

// paged reports whether k has a connection type: it is listed, or the far
// end of a paginated relation field.
func paged(k *schema.Kind) bool {
	if k.API.List != "" {
		return true
	}
	for _, r := range schema.Relations {
		if (r.From == k && r.In.Shape == schema.Paged && r.In.Field != "") ||
			(r.To == k && r.Out.Shape == schema.Paged && r.Out.Field != "") {
			return true
		}
	}
	return false
}

// goName is gqlgen's Go name for a GraphQL field (resolver methods, input
// struct fields): apiId -> APIID.
func goName(field string) string { return templates.ToGo(field) }

// ---- SDL ----

func gqlScalar(t schema.Type) string {
	switch t {
	case schema.Int:
		return "Int"
	case schema.Float:
		return "Float"
	case schema.Bool:
		return "Boolean"
	case schema.StringList:
		return "[String!]"
	case schema.Time:
		return "Time"
	}
	return "String"
}

func desc(b *strings.Builder, indent, doc string) {
	if doc != "" {
		fmt.Fprintf(b, "%s%q\n", indent, doc)
	}
}

func sdlFiles() map[string]string {
	files := map[string]*strings.Builder{}
	order := map[string][]*schema.Kind{}
	for _, k := range schema.Kinds {
		order[k.API.File] = append(order[k.API.File], k)
	}
	emitted := map[string]bool{}
	for file, kinds := range order {
		b := &strings.Builder{}
		b.WriteString(header("#"))
		files[file] = b
		var lists []string
		for _, k := range kinds {
			b.WriteString("\n")
			desc(b, "", k.API.Doc)
			fmt.Fprintf(b, "type %s implements Asset {\n", k.Name)
			b.WriteString("  id: ID!\n  kind: String!\n  nativeId: String!\n  tenant: String!\n  name: String!\n  firstSeen: Time\n  lastSeen: Time\n")
			for _, p := range k.Props {
				desc(b, "  ", p.Doc)
				fmt.Fprintf(b, "  %s: %s\n", camel(p.Name), gqlScalar(p.Type))
			}
			for _, s := range sides(k) {
				if s.Field == "" {
					continue
				}
				desc(b, "  ", s.Doc)
				switch {
				case s.Wrapper != "":
					fmt.Fprintf(b, "  %s: [%s!]! @goField(forceResolver: true)\n", s.Field, s.Wrapper)
				case s.Shape == schema.One:
					fmt.Fprintf(b, "  %s: %s @goField(forceResolver: true)\n", s.Field, s.Other.Name)
				case s.Shape == schema.Paged:
					fmt.Fprintf(b, "  %s(first: Int = 50, after: String): %sConnection! @goField(forceResolver: true)\n", s.Field, s.Other.Name)
				default:
					fmt.Fprintf(b, "  %s: [%s!]! @goField(forceResolver: true)\n", s.Field, s.Other.Name)
				}
			}
			b.WriteString("}\n")
			if paged(k) {
				fmt.Fprintf(b, "\ntype %[1]sConnection {\n  edges: [%[1]sEdge!]!\n  nodes: [%[1]s!]!\n  pageInfo: PageInfo!\n  totalCount: Int!\n}\n", k.Name)
				fmt.Fprintf(b, "\ntype %[1]sEdge {\n  cursor: String!\n  node: %[1]s!\n}\n", k.Name)
			}
			if k.API.List == "" {
				continue
			}
			in := filterInput(k)
			if !emitted[in] {
				emitted[in] = true
				fmt.Fprintf(b, "\ninput %s {\n", in)
				for _, f := range k.API.Filters {
					desc(b, "  ", f.Doc)
					fmt.Fprintf(b, "  %s: %s\n", f.Field, filterType(k, f))
				}
				for _, s := range sides(k) {
					if s.Filter != "" {
						desc(b, "  ", s.FilterDoc)
						fmt.Fprintf(b, "  %s: ID\n", s.Filter)
					}
				}
				b.WriteString("}\n")
			}
			lists = append(lists, fmt.Sprintf("  %s(tenant: String, filter: %s, orderBy: Sort, first: Int = 50, after: String): %sConnection!\n", k.API.List, in, k.Name))
		}
		if len(lists) > 0 {
			b.WriteString("\nextend type Query {\n")
			for _, l := range lists {
				b.WriteString(l)
			}
			b.WriteString("}\n")
		}
	}
	out := map[string]string{}
	for f, b := range files {
		out[f] = b.String()
	}
	return out
}

func filterType(k *schema.Kind, f schema.Filter) string {
	switch f.Op {
	case schema.Text:
		return "StringFilter"
	case schema.Flag:
		return "Boolean"
	case schema.AnyOf:
		return "[String!]"
	case schema.Has:
		return "String"
	case schema.During:
		return "TimeFilter"
	}
	p, _ := k.Prop(f.Prop)
	return gqlScalar(p.Type)
}

// ---- Go: resolvers ----

func resolversGo() string {
	var b strings.Builder
	b.WriteString(header("//"))
	b.WriteString(`
package graph

import (
	"context"

	"github.com/authgraph/authgraph/graph/generated"
	"github.com/authgraph/authgraph/graph/model"
	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

// The declarations the resolvers below read, looked up once.
var (
`)
	for _, k := range schema.Kinds {
		if k.API.List != "" {
			fmt.Fprintf(&b, "\t%s = schema.MustKind(%q)\n", kindVar(k), k.Name)
		}
	}
	for _, r := range schema.Relations {
		fmt.Fprintf(&b, "\t%s = schema.MustRelation(%q)\n", relVar(r), r.Name())
	}
	b.WriteString(")\n")

	// The look-ahead's table.
	b.WriteString(`
// relFields lists the batched relation fields by GraphQL type and field,
// the same relations their resolvers load (paginated fields are read page
// by page, not looked ahead).
var relFields = map[string]map[string]relField{
`)
	for _, k := range schema.Kinds {
		var rows []string
		for _, s := range sides(k) {
			if s.Field == "" || s.Shape == schema.Paged {
				continue
			}
			row := fmt.Sprintf("\t\t%q: {spec: %s", s.Field, s.spec(false))
			if s.Wrapper != "" {
				row += fmt.Sprintf(", wrapper: %q, far: %q", s.Wrapper, s.Side.Far)
			}
			rows = append(rows, row+"},\n")
		}
		if len(rows) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\t%q: {\n%s\t},\n", k.Name, strings.Join(rows, ""))
	}
	b.WriteString("}\n")

	// Pages of each kind with a connection.
	for _, k := range schema.Kinds {
		if !paged(k) {
			continue
		}
		fmt.Fprintf(&b, `
// %[2]sPage reads one page of q as a %[1]sConnection.
func (r *Resolver) %[2]sPage(ctx context.Context, q store.ListQuery, first *int, after *string) (*model.%[1]sConnection, error) {
	nodes, edges, pg, err := listPage(ctx, r, q, first, after, func(c string, n *model.%[1]s) *model.%[1]sEdge {
		return &model.%[1]sEdge{Cursor: c, Node: n}
	})
	return &model.%[1]sConnection{Page: pg, Nodes: nodes, Edges: edges}, err
}
`, k.Name, lowerFirst(k.Name))
	}

	// List fields.
	for _, k := range schema.Kinds {
		if k.API.List == "" {
			continue
		}
		var conds, rels []string
		for _, f := range k.API.Filters {
			fn := map[schema.FilterOp]string{schema.Text: "strConds", schema.Equals: "eq", schema.Flag: "flag",
				schema.AnyOf: "oneOf", schema.Has: "hasElem", schema.During: "timeConds"}[f.Op]
			conds = append(conds, fmt.Sprintf("%s(%q, f.%s)", fn, f.Prop, goName(f.Field)))
		}
		for _, s := range sides(k) {
			if s.Filter != "" {
				rels = append(rels, fmt.Sprintf("relTo(%s, f.%s)", s.spec(false), goName(s.Filter)))
			}
		}
		fmt.Fprintf(&b, `
// %[1]s is the resolver for the %[2]s field.
func (r *queryResolver) %[1]s(ctx context.Context, tenant *string, filter *model.%[3]s, orderBy *model.Sort, first *int, after *string) (*model.%[4]sConnection, error) {
	q := listQuery(%[5]s, tenant, orderBy)
`, goName(k.API.List), k.API.List, filterInput(k), k.Name, kindVar(k))
		if len(conds)+len(rels) > 0 {
			b.WriteString("\tif f := filter; f != nil {\n")
			if len(conds) > 0 {
				fmt.Fprintf(&b, "\t\tq.Conds = concat(%s)\n", strings.Join(conds, ", "))
			}
			if len(rels) > 0 {
				fmt.Fprintf(&b, "\t\tq.Rels = concat(%s)\n", strings.Join(rels, ", "))
			}
			b.WriteString("\t}\n")
		}
		fmt.Fprintf(&b, "\treturn r.%sPage(ctx, q, first, after)\n}\n", lowerFirst(k.Name))
	}

	// Relation fields, and each type's resolver.
	for _, k := range schema.Kinds {
		var fields []side
		for _, s := range sides(k) {
			if s.Field != "" {
				fields = append(fields, s)
			}
		}
		if len(fields) == 0 {
			continue
		}
		recv := lowerFirst(k.Name) + "Resolver"
		fmt.Fprintf(&b, `
// %[1]s returns the resolver of %[1]s's fields. Fields with a wrapper type
// or no declaration are hand-written in the domain's resolvers file.
func (r *Resolver) %[1]s() generated.%[1]sResolver { return &%[2]s{r} }

type %[2]s struct{ *Resolver }
`, k.Name, recv)
		for _, s := range fields {
			if s.Wrapper != "" {
				continue
			}
			m := goName(s.Field)
			fmt.Fprintf(&b, "\n// %s is the resolver for the %s field.\n", m, s.Field)
			switch s.Shape {
			case schema.One:
				fmt.Fprintf(&b, "func (r *%s) %s(ctx context.Context, obj *model.%s) (*model.%s, error) {\n\treturn one[model.%s](ctx, r.Resolver, %s, obj.ID)\n}\n",
					recv, m, k.Name, s.Other.Name, s.Other.Name, s.spec(false))
			case schema.Paged:
				fmt.Fprintf(&b, "func (r *%s) %s(ctx context.Context, obj *model.%s, first *int, after *string) (*model.%sConnection, error) {\n\treturn r.%sPage(ctx, relList(%s, obj.ID), first, after)\n}\n",
					recv, m, k.Name, s.Other.Name, lowerFirst(s.Other.Name), s.spec(true))
			default:
				fmt.Fprintf(&b, "func (r *%s) %s(ctx context.Context, obj *model.%s) ([]*model.%s, error) {\n\treturn related[model.%s](ctx, r.Resolver, %s, obj.ID)\n}\n",
					recv, m, k.Name, s.Other.Name, s.Other.Name, s.spec(false))
			}
		}
	}
	return b.String()
}

// ---- Go: models ----

func modelsGo() string {
	var b strings.Builder
	b.WriteString(header("//"))
	b.WriteString("\npackage model\n\n// newAsset makes the empty model of each kind, by schema kind name.\nvar newAsset = map[string]func() Asset{\n")
	for _, k := range schema.Kinds {
		fmt.Fprintf(&b, "\t%q: func() Asset { return &%s{} },\n", k.Name, k.Name)
	}
	b.WriteString("}\n")
	for _, k := range schema.Kinds {
		if paged(k) {
			fmt.Fprintf(&b, "\n// %[1]sConnection is a page of %[1]s assets with a lazily counted total.\ntype %[1]sConnection struct {\n\tPage\n\tEdges []*%[1]sEdge\n\tNodes []*%[1]s\n}\n", k.Name)
		}
	}
	return b.String()
}

// ---- TypeScript: the web app's table of kinds ----

func kindsTS() string {
	var b strings.Builder
	b.WriteString(header("//"))
	b.WriteString(`
import type { Column, FilterSpec } from './kinds';

/** A kind as declared in package schema. */
export interface KindRow {
  kind: string;
  label: string;
  plural: string;
  color: string;
  /** The kind part of its asset ids: <tenant>/<slug>/<native id>. */
  slug: string;
  /** Query field of the cursor list, when the API has one. */
  listField?: string;
  /** GraphQL input type of the list's filter. */
  filterType?: string;
  columns?: Column[];
  /** Filters from the declaration (kinds.ts may give them better labels). */
  filters?: FilterSpec[];
  defaultSort?: string;
}

export const KIND_TABLE: KindRow[] = [
`)
	for _, k := range directory() {
		fmt.Fprintf(&b, "  {\n    kind: %q, label: %q, plural: %q, color: %q, slug: %q,\n", k.Name, k.UI.Label, k.UI.Plural, k.UI.Color, k.Slug)
		if k.API.List != "" {
			fmt.Fprintf(&b, "    listField: %q, filterType: %q,\n", k.API.List, filterInput(k))
			b.WriteString("    columns: [\n")
			for _, c := range k.UI.Columns {
				fmt.Fprintf(&b, "      { key: %q, label: %q", c.Field, c.Label)
				if c.Format != "" {
					fmt.Fprintf(&b, ", format: %q", string(c.Format))
				}
				if c.Sort {
					fmt.Fprintf(&b, ", sort: %q", c.Field)
				}
				if c.Wide {
					b.WriteString(", wide: true")
				}
				b.WriteString(" },\n")
			}
			b.WriteString("    ],\n    filters: [\n")
			for _, f := range k.API.Filters {
				label := f.Doc
				if label == "" {
					label = words(f.Field)
				}
				label = strings.TrimSuffix(label, ".")
				switch f.Op {
				case schema.Text:
					fmt.Fprintf(&b, "      { key: %q, label: %q, type: 'text', field: %q, op: 'contains' },\n", f.Field, label+" contains", f.Field)
				case schema.Equals, schema.Has:
					fmt.Fprintf(&b, "      { key: %q, label: %q, type: 'text', field: %q, op: 'plain' },\n", f.Field, label, f.Field)
				case schema.Flag:
					fmt.Fprintf(&b, "      { key: %q, label: %q, type: 'bool', field: %q },\n", f.Field, label, f.Field)
				}
			}
			for _, s := range sides(k) {
				if s.Filter != "" {
					fmt.Fprintf(&b, "      { key: %q, label: %q, type: 'ref', field: %q, kind: %q },\n", s.Filter, s.Other.UI.Label, s.Filter, s.Other.Name)
				}
			}
			b.WriteString("    ],\n")
			if k.UI.DefaultSort != "" {
				fmt.Fprintf(&b, "    defaultSort: %q,\n", k.UI.DefaultSort)
			}
		}
		b.WriteString("  },\n")
	}
	b.WriteString("];\n")
	return b.String()
}

// directory returns the kinds in the web app's order.
func directory() []*schema.Kind {
	rank := map[*schema.Kind]int{}
	for i, k := range schema.Directory {
		rank[k] = i + 1
	}
	out := append([]*schema.Kind(nil), schema.Kinds...)
	sort.SliceStable(out, func(i, j int) bool {
		ri, rj := rank[out[i]], rank[out[j]]
		if ri == 0 || rj == 0 {
			return ri != 0 && rj == 0
		}
		return ri < rj
	})
	return out
}

// words turns a camelCase field into a label: mfaEnrolled -> "Mfa enrolled".
func words(field string) string {
	var b strings.Builder
	for i, r := range field {
		if r >= 'A' && r <= 'Z' && i > 0 {
			b.WriteByte(' ')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return upperFirst(b.String())
}
