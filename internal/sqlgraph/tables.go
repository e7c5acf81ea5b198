package sqlgraph

import (
	"sort"
	"strings"
	"sync"
	"unicode"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/types"

	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

// conv says how a stored value becomes a SQL one.
type conv int

const (
	convString  conv = iota // string as it is (another value printed)
	convInt                 // int64 as it is
	convFloat               // float64 (an int64 converted)
	convBool                // bool → 0/1
	convJSON                // string list → JSON array
	convTime                // Neo4j datetime → DATETIME
	convEpochMs             // epoch milliseconds → DATETIME
)

// Column is one column of a table.
type Column struct {
	Name string
	// Field is what the store reads: a declared property, or
	// store.SQLFromEnd/SQLToEnd for a relation's ends.
	Field string
	Type  sql.Type
	conv  conv
	Doc   string
}

// TypeName is the column's SQL type as MySQL prints it.
func (c Column) TypeName() string { return strings.ToLower(c.Type.String()) }

// Table is one table: a kind's assets or a relation's edges.
type Table struct {
	Name    string
	Kind    *schema.Kind
	Rel     *schema.Relation
	Columns []Column
	Doc     string

	once     sync.Once
	sch      sql.Schema
	pkSchema sql.PrimaryKeySchema
}

// Snake turns a Go-style name into snake case: ClientGrant → client_grant.
func Snake(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		if unicode.IsUpper(r) {
			if i > 0 && (unicode.IsLower(rs[i-1]) || i+1 < len(rs) && unicode.IsLower(rs[i+1]) && unicode.IsUpper(rs[i-1])) {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Plural is the English plural of a snake-case name, as table names use
// it: users, client_grants, tenant_settings, log_streams, identities.
func Plural(s string) string {
	switch {
	case strings.HasSuffix(s, "s"):
		return s
	case strings.HasSuffix(s, "y") && len(s) > 1 && !strings.ContainsRune("aeiou", rune(s[len(s)-2])):
		return s[:len(s)-1] + "ies"
	}
	return s + "s"
}

// KindTableName is the table of a kind: snake-case plural of its name.
func KindTableName(k *schema.Kind) string { return Plural(Snake(k.Name)) }

// RelTableName is the table of a relation: its declared SQL name, or
// <from>_<to, plural> (user_roles, role_permissions).
func RelTableName(r *schema.Relation) string {
	if r.SQL != "" {
		return r.SQL
	}
	return Snake(r.From.Name) + "_" + Plural(Snake(r.To.Name))
}

func sqlType(t schema.Type) (sql.Type, conv) {
	switch t {
	case schema.Int:
		return types.Int64, convInt
	case schema.Float:
		return types.Float64, convFloat
	case schema.Bool:
		return types.Boolean, convBool
	case schema.StringList:
		return types.JSON, convJSON
	case schema.Time:
		return types.DatetimeMaxPrecision, convTime
	}
	return types.LongText, convString
}

// kindTable: tenant, id (the Auth0 id), key (authgraph's tenant-scoped
// key), name, the kind's own properties, then when authgraph first and
// last saw the asset.
func kindTable(k *schema.Kind) *Table {
	t := &Table{Name: KindTableName(k), Kind: k, Doc: k.Doc}
	str := types.LongText
	t.Columns = append(t.Columns,
		Column{Name: "tenant", Field: schema.PropTenant, Type: str, Doc: "tenant domain"},
		Column{Name: "id", Field: schema.PropNativeID, Type: str, Doc: "the id Auth0 uses"},
		Column{Name: "key", Field: schema.PropID, Type: str, Doc: "authgraph's key: <tenant>/<slug>/<id>"},
		Column{Name: "name", Field: schema.PropName, Type: str, Doc: "display name"},
	)
	taken := map[string]bool{"tenant": true, "id": true, "key": true, "name": true, "firstseen": true, "lastupdated": true}
	for _, p := range k.Props {
		name := p.Name
		if taken[name] {
			name = "prop_" + name
		}
		taken[name] = true
		typ, c := sqlType(p.Type)
		t.Columns = append(t.Columns, Column{Name: name, Field: p.Name, Type: typ, conv: c, Doc: p.Doc})
	}
	t.Columns = append(t.Columns,
		Column{Name: "firstseen", Field: schema.PropFirstSeen, Type: types.DatetimeMaxPrecision, conv: convEpochMs, Doc: "when a sync first saw the asset"},
		Column{Name: "lastupdated", Field: schema.PropLastUpdated, Type: types.DatetimeMaxPrecision, conv: convEpochMs, Doc: "the last sync that saw the asset"},
	)
	return t
}

// relTable: tenant, the ids of both ends (<kind>_id), then the relation's
// properties.
func relTable(r *schema.Relation) *Table {
	t := &Table{Name: RelTableName(r), Rel: r, Doc: r.Doc}
	str := types.LongText
	from, to := Snake(r.From.Name)+"_id", Snake(r.To.Name)+"_id"
	if from == to {
		from, to = "from_"+from, "to_"+to
	}
	ends := []Column{
		{Name: from, Field: store.SQLFromEnd, Type: str, Doc: "the " + r.From.Name + "'s Auth0 id"},
		{Name: to, Field: store.SQLToEnd, Type: str, Doc: "the " + r.To.Name + "'s Auth0 id"},
	}
	if r.SQLReverse {
		ends[0], ends[1] = ends[1], ends[0]
	}
	t.Columns = append([]Column{{Name: "tenant", Field: schema.PropTenant, Type: str, Doc: "tenant domain"}}, ends...)
	taken := map[string]bool{"tenant": true, from: true, to: true}
	for _, p := range r.Props {
		name := p.Name
		if taken[name] {
			name = strings.ToLower(r.Type) + "_" + name
		}
		taken[name] = true
		typ, c := sqlType(p.Type)
		t.Columns = append(t.Columns, Column{Name: name, Field: p.Name, Type: typ, conv: c, Doc: p.Doc})
	}
	return t
}

// Tables are every table, from the declarations in package schema: one per
// kind, one per relation, sorted by name. A kind or relation declared there
// gets its table with no code here.
func Tables() []*Table {
	var out []*Table
	for _, k := range schema.Kinds {
		out = append(out, kindTable(k))
	}
	for _, r := range schema.Relations {
		out = append(out, relTable(r))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Column returns the column called name.
func (t *Table) Column(name string) (Column, bool) {
	for _, c := range t.Columns {
		if strings.EqualFold(c.Name, name) {
			return c, true
		}
	}
	return Column{}, false
}
