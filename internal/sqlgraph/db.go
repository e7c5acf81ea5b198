package sqlgraph

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/types"

	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

// DBName is the one database the SQL layer shows.
const DBName = "authgraph"

// provider is the engine's catalog: the authgraph database and nothing
// else (the engine adds information_schema, which the plan check keeps
// queries away from).
type provider struct{ db *database }

func (p *provider) Database(_ *sql.Context, name string) (sql.Database, error) {
	if strings.EqualFold(name, DBName) {
		return p.db, nil
	}
	return nil, sql.ErrDatabaseNotFound.New(name)
}

func (p *provider) HasDatabase(_ *sql.Context, name string) bool {
	return strings.EqualFold(name, DBName)
}

func (p *provider) AllDatabases(*sql.Context) []sql.Database { return []sql.Database{p.db} }

// database holds the tables. It implements no interface that creates,
// alters or drops anything, so the engine cannot write through it.
type database struct {
	g      *Graph
	tables map[string]*Table
	names  []string
}

func (d *database) Name() string { return DBName }

func (d *database) GetTableInsensitive(_ *sql.Context, name string) (sql.Table, bool, error) {
	t, ok := d.tables[strings.ToLower(name)]
	if !ok {
		return nil, false, nil
	}
	return &table{g: d.g, def: t}, true, nil
}

func (d *database) GetTableNames(*sql.Context) ([]string, error) { return d.names, nil }

// table is one scan of a Table: the engine narrows it to the columns it
// reads (WithProjections); the plan pass after analysis pushes filters and
// a limit into it (pushdown.go). Only reads are implemented.
type table struct {
	g     *Graph
	def   *Table
	proj  []string   // nil: every column
	cols  []Column   // the columns returned, in order
	sch   sql.Schema // their schema, when projected (nil: every column's)
	conds []store.SQLCond
	// exact: conds are the whole of the filter above the scan, so a LIMIT
	// over that filter may be pushed too.
	exact bool
	limit int
	// count: the scan computes one more column, the last, the number of
	// a relation table's rows for each node (countpush.go).
	count *store.SQLCount
}

var (
	_ sql.Table           = (*table)(nil)
	_ sql.ProjectedTable  = (*table)(nil)
	_ sql.PrimaryKeyTable = (*table)(nil)
)

func (t *table) Name() string { return t.def.Name }

func (t *table) String() string {
	var b strings.Builder
	b.WriteString(t.def.Name)
	if len(t.conds) > 0 || t.limit > 0 {
		fmt.Fprintf(&b, "[pushed: %d conditions, limit %d]", len(t.conds), t.limit)
	}
	if t.count != nil {
		fmt.Fprintf(&b, "[counting %s]", t.count.Rel.Type)
	}
	return b.String()
}

func (t *table) columns() []Column {
	if t.cols != nil || t.proj != nil {
		return t.cols
	}
	return t.def.Columns
}

// Schema is the columns returned. The planner asks for it many times per
// statement: it is made once per table (and per projection), and the
// engine copies a column before changing it.
func (t *table) Schema() sql.Schema {
	if t.cols != nil || t.proj != nil {
		return t.sch
	}
	return t.def.schema()
}

// PrimaryKeySchema is every column, whatever the projection: the planner
// reads the whole table's columns from it. There is no primary key (an
// asset's id is unique only per tenant; key is the unique one).
func (t *table) PrimaryKeySchema() sql.PrimaryKeySchema {
	t.def.once.Do(t.def.makeSchema)
	return t.def.pkSchema
}

// schema is every column's, made once.
func (d *Table) schema() sql.Schema {
	d.once.Do(d.makeSchema)
	return d.sch
}

func (d *Table) makeSchema() {
	d.sch = schemaOf(d.Name, d.Columns)
	d.pkSchema = sql.NewPrimaryKeySchema(schemaOf(d.Name, d.Columns))
}

func (t *table) schemaOf(cols []Column) sql.Schema { return schemaOf(t.def.Name, cols) }

func schemaOf(name string, cols []Column) sql.Schema {
	out := make(sql.Schema, len(cols))
	for i, c := range cols {
		out[i] = &sql.Column{Name: c.Name, Type: c.Type, Nullable: true, Source: name, DatabaseSource: DBName}
	}
	return out
}

func (t *table) Collation() sql.CollationID { return sql.Collation_Default }

func (t *table) WithProjections(names []string) sql.Table {
	nt := *t
	nt.proj = append([]string{}, names...)
	nt.cols = make([]Column, 0, len(names))
	for _, n := range names {
		if c, ok := t.def.Column(n); ok {
			nt.cols = append(nt.cols, c)
		}
	}
	nt.sch = nt.schemaOf(nt.cols)
	return &nt
}

func (t *table) Projections() []string { return t.proj }

type partition struct{}

func (partition) Key() []byte { return []byte("all") }

func (t *table) Partitions(*sql.Context) (sql.PartitionIter, error) {
	return sql.PartitionsToPartitionIter(partition{}), nil
}

// scan is the store read of this table, and the column every row has the
// same value of (-1: none) with that value: the tenant, when a condition
// says tenant = 'x' (a pushed one, or a key filter's), is not read from
// Neo4j row by row but filled in (Cypher's equality on strings is exact).
func (t *table) scan() (store.SQLScan, int, any) {
	cols := t.columns()
	q := store.SQLScan{Kind: t.def.Kind, Rel: t.def.Rel, Conds: t.conds, Limit: t.limit, Count: t.count}
	konst, kval := -1, any(nil)
	for _, c := range t.conds {
		if s, ok := c.Value.(string); ok && c.Field == schema.PropTenant && c.Op == store.SQLEq {
			kval = s
			break
		}
	}
	for i, c := range cols {
		if kval != nil && konst < 0 && c.Field == schema.PropTenant {
			konst = i
			continue
		}
		q.Fields = append(q.Fields, c.Field)
	}
	return q, konst, kval
}

func (t *table) PartitionRows(ctx *sql.Context, _ sql.Partition) (sql.RowIter, error) {
	q, konst, kval := t.scan()
	rows, err := t.g.store.SQLScanRows(ctx, q, t.g.opts.Timeout)
	if err != nil {
		return nil, err
	}
	t.g.scanned(ctx)
	if konst >= 0 {
		rows.Spare(konst)
	}
	return &rowIter{rows: rows, cols: t.columns(), konst: konst, kval: kval}, nil
}

type rowIter struct {
	rows *store.SQLRows
	cols []Column
	// konst is the column filled with kval rather than read (-1: none).
	konst int
	kval  any
}

func (it *rowIter) Next(*sql.Context) (sql.Row, error) {
	// The store's rows are this iterator's own, one per row, with a slot
	// left empty for the column filled in (PartitionRows).
	vals, err := it.rows.Next()
	if err != nil {
		return nil, err
	}
	if vals == nil {
		return nil, io.EOF
	}
	row := sql.Row(vals)
	for i, c := range it.cols {
		if i == it.konst {
			row[i] = it.kval
			continue
		}
		row[i] = toSQL(c, row[i])
	}
	return row, nil
}

func (it *rowIter) Close(*sql.Context) error {
	it.rows.Close()
	return nil
}

// toSQL converts a stored value to the column's SQL value; a value of an
// unexpected type (a property written by something else) becomes NULL
// rather than failing the query.
func toSQL(c Column, v any) any {
	if v == nil {
		return nil
	}
	switch c.conv {
	case convBool:
		if b, ok := v.(bool); ok {
			if b {
				return int8(1)
			}
			return int8(0)
		}
		return nil
	case convJSON:
		if xs, ok := v.([]any); ok {
			return types.JSONDocument{Val: xs}
		}
		return nil
	case convTime:
		if t, ok := v.(time.Time); ok {
			return t.UTC()
		}
		return nil
	case convEpochMs:
		if n, ok := v.(int64); ok {
			return time.UnixMilli(n).UTC()
		}
		return nil
	}
	switch c.conv {
	case convInt:
		if _, ok := v.(int64); !ok {
			return nil
		}
	case convFloat:
		switch x := v.(type) {
		case float64:
		case int64:
			return float64(x)
		default:
			return nil
		}
	case convString:
		if _, ok := v.(string); !ok {
			return fmt.Sprint(v)
		}
	}
	return v
}
