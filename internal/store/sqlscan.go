package store

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j/dbtype"

	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/schema"
)

// The SQL layer's table scans (package sqlgraph): one read of a kind's nodes
// or of a relation's edges, with the filters, projection and limit the SQL
// engine pushed down. The engine keeps its own filter above every scan, so
// a scan may return more rows than asked (never fewer): only conditions
// whose Cypher meaning covers the SQL one are pushed.

// SQLOp is a comparison pushed into a scan.
type SQLOp int

const (
	SQLEq      SQLOp = iota // p = v
	SQLIn                   // p IN v (v a list)
	SQLLt                   // p < v
	SQLLe                   // p <= v
	SQLGt                   // p > v
	SQLGe                   // p >= v
	SQLPrefix               // p STARTS WITH v
	SQLIsNull               // p IS NULL
	SQLNotNull              // p IS NOT NULL
)

var sqlOpCypher = map[SQLOp]string{SQLEq: "=", SQLIn: "IN", SQLLt: "<", SQLLe: "<=", SQLGt: ">", SQLGe: ">=",
	SQLPrefix: "STARTS WITH"}

// SQL scan fields that are not declared properties: a relation's ends, by
// native id (the columns) or by key (what a batched key filter pushes:
// the unique key <tenant>/<slug>/<native id> is a seek of the end).
const (
	SQLFromEnd = ":from"     // the From end's native id
	SQLToEnd   = ":to"       // the To end's native id
	SQLFromKey = ":from.key" // the From end's key
	SQLToKey   = ":to.key"   // the To end's key
)

// SQLCountField is the field of a kind scan's computed count (SQLScan.Count).
const SQLCountField = ":count"

// SQLCount is a column a kind scan computes for each node (field
// SQLCountField): how many rows Rel's own scan has for the node at its End
// (SQLFromEnd or SQLToEnd), i.e. its edges of Rel's type, in Rel's direction,
// to a node of the other end's label — COUNT { (a:From)-[:TYPE]->(n) }.
// Package sqlgraph's COUNT pushdown reads a kind with it instead of joining
// Rel's rows.
type SQLCount struct {
	Rel *schema.Relation
	End string
}

// SQLCond is one pushed condition on a field: a declared property of the
// kind (or relation), or SQLFromEnd/SQLToEnd. Fields are checked against
// the declarations: they are interpolated into Cypher, values never are.
type SQLCond struct {
	Field string
	Op    SQLOp
	Value any
}

// SQLScan is one table scan: the nodes of Kind or the edges of Rel.
type SQLScan struct {
	Kind *schema.Kind
	Rel  *schema.Relation
	// Fields to return, in order (declared properties, or the ends of a
	// relation; tenant is a property of both). Empty returns rows
	// without values (COUNT(*)).
	Fields []string
	Conds  []SQLCond
	Limit  int // 0: no limit
	// Count is the count a kind scan computes (field SQLCountField).
	Count *SQLCount
}

func (q SQLScan) checkField(f string) error {
	switch {
	case q.Kind != nil:
		if f == SQLCountField && q.Count != nil {
			return nil
		}
		if _, ok := q.Kind.Prop(f); ok {
			return nil
		}
		return apperr.New(apperr.Invalid, "%s has no property %q", q.Kind.Name, f)
	case q.Rel != nil:
		if f == SQLFromEnd || f == SQLToEnd || f == SQLFromKey || f == SQLToKey || f == schema.PropTenant {
			return nil
		}
		if _, ok := q.Rel.Prop(f); ok {
			return nil
		}
		return apperr.New(apperr.Invalid, "%s has no property %q", q.Rel.Name(), f)
	}
	return apperr.New(apperr.Invalid, "sql scan: no kind or relation")
}

// sqlFieldExpr is the Cypher of a field: n.p for a node, r.p, a.native_id or
// b.native_id for an edge, and the tenant of an edge from its From end
// (relations carry no tenant of their own; both ends share it).
func (q SQLScan) sqlFieldExpr(f string) string {
	if q.Kind != nil {
		if f == SQLCountField {
			return "c"
		}
		return "n." + f
	}
	switch f {
	case SQLFromEnd:
		return "a.native_id"
	case SQLToEnd:
		return "b.native_id"
	case SQLFromKey:
		return "a." + schema.PropID
	case SQLToKey:
		return "b." + schema.PropID
	case schema.PropTenant:
		return "a.tenant"
	}
	return "r." + f
}

// SQLScanStatement is the one parameterised Cypher read of a scan.
func SQLScanStatement(q SQLScan) (Statement, error) {
	st, _, err := sqlScanPlan(q)
	return st, err
}

// scanShape is how a scan's records become rows. Flat: one record per row,
// field i in column i. Nested (a relation scan seeking one end by key, see
// sqlScanPlan): one record per end node found, its fields first, then the
// list of its edges, each the values of the other fields (the value itself
// when there is one, a list when several, null when none).
type scanShape struct {
	nested bool
	outer  []int // row positions of the fields read once per record
	inner  []int // row positions of the fields of each list element
}

// sqlScanPlan is the scan's statement and the shape of its records.
//
// A relation scan whose conditions seek one end by its unique key (a key
// filter's keys) and that has no limit is read one record per end node
// found, with its edges in a list (a pattern comprehension, which Neo4j
// streams node by node, so the memory it holds is one node's edges): the
// same rows as one record per edge, but Bolt's cost is per record, on
// both sides: the 40,000 memberships of 999 organizations come about
// twice as fast as 999 records as they did as 40,000. A limit counts
// rows, so a scan with one stays flat.
func sqlScanPlan(q SQLScan) (Statement, scanShape, error) {
	if (q.Kind == nil) == (q.Rel == nil) {
		return Statement{}, scanShape{}, apperr.New(apperr.Invalid, "sql scan: exactly one of kind and relation")
	}
	seekVar, seekLabel := q.keySeek()
	nested := q.Rel != nil && seekVar != "" && q.Limit <= 0
	// outerField: the field is of the end sought (nested scans only).
	outerField := func(f string) bool {
		if seekVar == "a" {
			return f == SQLFromEnd || f == SQLFromKey || f == schema.PropTenant
		}
		return f == SQLToEnd || f == SQLToKey
	}
	params := map[string]any{}
	var where, inWhere []string
	countExpr, err := q.countExpr()
	if err != nil {
		return Statement{}, scanShape{}, err
	}
	for i, c := range q.Conds {
		if err := q.checkField(c.Field); err != nil {
			return Statement{}, scanShape{}, err
		}
		if c.Field == SQLCountField {
			return Statement{}, scanShape{}, apperr.New(apperr.Invalid, "sql scan: a condition on the count")
		}
		// The same condition can come twice (SQL's analyser repeats a
		// join's ON beside WHERE; a key filter or the tenant inference adds
		// a tenant the scan has): Cypher is told once.
		if slices.ContainsFunc(q.Conds[:i], func(x SQLCond) bool { return reflect.DeepEqual(x, c) }) {
			continue
		}
		x := q.sqlFieldExpr(c.Field)
		var w string
		switch c.Op {
		case SQLIsNull:
			w = x + " IS NULL"
		case SQLNotNull:
			w = x + " IS NOT NULL"
		default:
			op, ok := sqlOpCypher[c.Op]
			if !ok {
				return Statement{}, scanShape{}, apperr.New(apperr.Invalid, "sql scan: unknown operator %d", c.Op)
			}
			p := fmt.Sprintf("p%d", i)
			params[p] = c.Value
			w = x + " " + op + " $" + p
		}
		if nested && !outerField(c.Field) {
			inWhere = append(inWhere, w)
		} else {
			where = append(where, w)
		}
	}
	if q.Kind != nil && indexedCond(q) {
		// The range indexes are on (property, id): a seek on the property
		// alone needs the id's existence said.
		where = append(where, "n.id IS NOT NULL")
	}
	for _, f := range q.Fields {
		if err := q.checkField(f); err != nil {
			return Statement{}, scanShape{}, err
		}
	}
	var b strings.Builder
	switch {
	case q.Kind != nil:
		fmt.Fprintf(&b, "MATCH (n:%s)", q.Kind.Label)
	case nested:
		fmt.Fprintf(&b, "MATCH (%s:%s)", seekVar, seekLabel)
	default:
		fmt.Fprintf(&b, "MATCH (a:%s)-[r:%s]->(b:%s)", q.Rel.From.Label, q.Rel.Type, q.Rel.To.Label)
	}
	if seekVar != "" {
		// Keys (a batched key filter's): a seek of the unique key, which
		// the planner, not knowing the list's size, may otherwise trade for
		// a read of the tenant index (every node of the tenant).
		fmt.Fprintf(&b, " USING INDEX SEEK %s:%s(%s)", seekVar, seekLabel, schema.PropID)
	}
	if len(where) > 0 {
		b.WriteString(" WHERE " + strings.Join(where, " AND "))
	}
	if countExpr != "" {
		b.WriteString(" WITH n, " + countExpr + " AS c")
	}
	b.WriteString(" RETURN ")
	var shape scanShape
	if !nested {
		if len(q.Fields) == 0 {
			b.WriteString("null AS c0")
		}
		for i, f := range q.Fields {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s AS c%d", q.sqlFieldExpr(f), i)
		}
	} else {
		shape.nested = true
		var inner []string
		for i, f := range q.Fields {
			if outerField(f) {
				fmt.Fprintf(&b, "%s AS c%d, ", q.sqlFieldExpr(f), len(shape.outer))
				shape.outer = append(shape.outer, i)
				continue
			}
			inner = append(inner, q.sqlFieldExpr(f))
			shape.inner = append(shape.inner, i)
		}
		elem := "null"
		switch len(inner) {
		case 0:
		case 1:
			elem = inner[0]
		default:
			elem = "[" + strings.Join(inner, ", ") + "]"
		}
		pattern := fmt.Sprintf("(a:%s)-[r:%s]->(b)", q.Rel.From.Label, q.Rel.Type)
		if seekVar == "a" {
			pattern = fmt.Sprintf("(a)-[r:%s]->(b:%s)", q.Rel.Type, q.Rel.To.Label)
		}
		cond := ""
		if len(inWhere) > 0 {
			cond = " WHERE " + strings.Join(inWhere, " AND ")
		}
		fmt.Fprintf(&b, "[%s%s | %s] AS c%d", pattern, cond, elem, len(shape.outer))
	}
	if q.Limit > 0 {
		b.WriteString(" LIMIT $limit")
		params["limit"] = int64(q.Limit)
	}
	return Statement{Cypher: b.String(), Params: params}, shape, nil
}

// countExpr is the Cypher of the scan's count (see SQLCount), "" when it
// has none.
func (q SQLScan) countExpr() (string, error) {
	c := q.Count
	if c == nil {
		return "", nil
	}
	if q.Kind == nil || c.Rel == nil {
		return "", apperr.New(apperr.Invalid, "sql scan: a count is of a kind scan, by a relation")
	}
	var pattern string
	switch {
	case c.End == SQLToEnd && c.Rel.To == q.Kind:
		pattern = fmt.Sprintf("(a:%s)-[:%s]->(n)", c.Rel.From.Label, c.Rel.Type)
	case c.End == SQLFromEnd && c.Rel.From == q.Kind:
		pattern = fmt.Sprintf("(n)-[:%s]->(b:%s)", c.Rel.Type, c.Rel.To.Label)
	default:
		return "", apperr.New(apperr.Invalid, "sql scan: %s is not an end of %s", q.Kind.Name, c.Rel.Name())
	}
	return "COUNT { " + pattern + " }", nil
}

// keySeek is the variable and label of the node whose unique key a
// condition names (= or IN), if one does.
func (q SQLScan) keySeek() (string, string) {
	for _, c := range q.Conds {
		if c.Op != SQLEq && c.Op != SQLIn {
			continue
		}
		switch {
		case q.Kind != nil && c.Field == schema.PropID:
			return "n", q.Kind.Label
		case q.Rel != nil && c.Field == SQLFromKey:
			return "a", q.Rel.From.Label
		case q.Rel != nil && c.Field == SQLToKey:
			return "b", q.Rel.To.Label
		}
	}
	return "", ""
}

func indexedCond(q SQLScan) bool {
	for _, c := range q.Conds {
		if p, ok := q.Kind.Prop(c.Field); ok && p.Index && c.Op != SQLIsNull && c.Op != SQLNotNull {
			return true
		}
	}
	return false
}

// SQLRows streams a scan's rows; Close it.
type SQLRows struct {
	sess   neo4j.SessionWithContext
	res    neo4j.ResultWithContext
	fields int
	spare  int // the empty slot of each row (-1: none; see Spare)
	shape  scanShape
	// A nested scan's current record: its own values and its list, and
	// the next element of the list to return.
	outer  []any
	list   []any
	next   int
	ctx    context.Context
	cancel context.CancelFunc
	limit  time.Duration
	// read is what the rows are read under: ctx's cancellation without
	// its deadline. The driver races every socket read of a context with a
	// deadline against it in a goroutine of its own (several per record: a
	// third of a 40,000-row scan's CPU); without one it reads directly and
	// checks the context between reads. The deadline still holds: read is
	// cancelled when ctx ends, and Neo4j ends the transaction at its
	// timeout, which is the statement's remaining time.
	read     context.Context
	stopRead func() bool
}

// SQLScanRows runs a scan as an auto-commit READ transaction of its own
// with the given statement timeout (the SQL statement's remaining time):
// BEGIN and ROLLBACK would be two more round trips per scan, and a SQL
// statement may make several. Values come as Neo4j's driver gives them
// (string, int64, float64, bool, []any, time.Time); a missing property is
// nil.
func (s *Store) SQLScanRows(ctx context.Context, q SQLScan, timeout time.Duration) (*SQLRows, error) {
	st, shape, err := sqlScanPlan(q)
	if err != nil {
		return nil, err
	}
	timeout = within(ctx, timeout)
	ctx, cancel := context.WithTimeout(ctx, timeout+2*time.Second)
	sess := s.driver.NewSession(ctx, neo4j.SessionConfig{AccessMode: neo4j.AccessModeRead, DatabaseName: s.db, FetchSize: 1000})
	countQuery(ctx)
	logStatement(ctx, st.Cypher, st.Params)
	res, err := sess.Run(ctx, st.Cypher, st.Params, neo4j.WithTxTimeout(timeout))
	if err != nil {
		sess.Close(context.WithoutCancel(ctx))
		cancel()
		return nil, consoleErrIn(ctx, err, timeout)
	}
	read, cancelRead := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, cancelRead)
	return &SQLRows{sess: sess, res: res, fields: len(q.Fields), spare: -1, shape: shape, ctx: ctx, cancel: cancel, limit: timeout,
		read: read, stopRead: func() bool { cancelRead(); return stop() }}, nil
}

// Spare makes every row one wider, with position i left nil and the
// fields around it: a caller filling a column in itself (a constant) has
// its row with no second slice. Call it before the first Next.
func (r *SQLRows) Spare(i int) {
	if i >= 0 && i <= r.fields {
		r.spare = i
	}
}

// width and at: a row's length and field i's position in it.
func (r *SQLRows) width() int {
	if r.spare >= 0 {
		return r.fields + 1
	}
	return r.fields
}

func (r *SQLRows) at(i int) int {
	if r.spare >= 0 && i >= r.spare {
		return i + 1
	}
	return i
}

// Next returns the next row's values in a new slice the caller may keep,
// or nil at the end.
func (r *SQLRows) Next() ([]any, error) {
	if r.shape.nested {
		return r.nextNested()
	}
	if !r.res.Next(r.read) {
		return nil, r.end()
	}
	vals := r.res.Record().Values
	row := make([]any, r.width())
	for i := 0; i < r.fields; i++ {
		row[r.at(i)] = sqlValue(vals[i])
	}
	return row, nil
}

// end is Next's answer when the records are over: an error, or nil.
func (r *SQLRows) end() error {
	if err := r.res.Err(); err != nil {
		return consoleErrIn(r.ctx, err, r.limit)
	}
	if err := r.ctx.Err(); err != nil {
		return consoleErrIn(r.ctx, err, r.limit)
	}
	return nil
}

// nextNested returns the next element of the current record's list as a
// row, reading the next record when the list is over.
func (r *SQLRows) nextNested() ([]any, error) {
	for r.next >= len(r.list) {
		if !r.res.Next(r.read) {
			return nil, r.end()
		}
		vals := r.res.Record().Values
		n := len(r.shape.outer)
		r.outer = vals[:n]
		r.list, _ = vals[n].([]any)
		r.next = 0
	}
	e := r.list[r.next]
	r.next++
	row := make([]any, r.width())
	for i, p := range r.shape.outer {
		row[r.at(p)] = sqlValue(r.outer[i])
	}
	switch len(r.shape.inner) {
	case 0:
	case 1:
		row[r.at(r.shape.inner[0])] = sqlValue(e)
	default:
		vs, _ := e.([]any)
		for i, p := range r.shape.inner {
			if i < len(vs) {
				row[r.at(p)] = sqlValue(vs[i])
			}
		}
	}
	return row, nil
}

// Close ends the scan's session, discarding the rows not read.
func (r *SQLRows) Close() {
	r.sess.Close(context.WithoutCancel(r.ctx))
	r.stopRead()
	r.cancel()
}

// sqlValue turns Neo4j temporal values into time.Time; the rest passes.
func sqlValue(v any) any {
	switch x := v.(type) {
	case time.Time:
		return x.UTC()
	case dbtype.LocalDateTime:
		return time.Time(x)
	case dbtype.Date:
		return time.Time(x)
	}
	return v
}

// ProfiledOp is one operator of a profiled statement.
type ProfiledOp struct {
	Operator string
	Rows     int64
	DBHits   int64
	Args     map[string]any
}

// ProfileStatement runs st under PROFILE in a READ transaction and returns
// its operators, root first, depth-first: tests show what a statement
// reads (a seek rather than a label scan).
func (s *Store) ProfileStatement(ctx context.Context, st Statement) ([]ProfiledOp, error) {
	sess := s.driver.NewSession(ctx, neo4j.SessionConfig{AccessMode: neo4j.AccessModeRead, DatabaseName: s.db})
	defer sess.Close(context.WithoutCancel(ctx))
	out, err := sess.ExecuteRead(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		res, err := tx.Run(ctx, "PROFILE "+st.Cypher, st.Params)
		if err != nil {
			return nil, err
		}
		sum, err := res.Consume(ctx)
		if err != nil {
			return nil, err
		}
		var ops []ProfiledOp
		var walk func(p neo4j.ProfiledPlan)
		walk = func(p neo4j.ProfiledPlan) {
			ops = append(ops, ProfiledOp{Operator: p.Operator(), Rows: p.Records(), DBHits: p.DbHits(), Args: p.Arguments()})
			for _, c := range p.Children() {
				walk(c)
			}
		}
		if p := sum.Profile(); p != nil {
			walk(p)
		}
		return ops, nil
	})
	if err != nil {
		return nil, err
	}
	return out.([]ProfiledOp), nil
}
