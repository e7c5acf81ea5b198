package sqlgraph

import (
	"fmt"
	"strings"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/expression"
	"github.com/dolthub/go-mysql-server/sql/expression/function/aggregation"
	"github.com/dolthub/go-mysql-server/sql/plan"
	"github.com/dolthub/go-mysql-server/sql/transform"
	"github.com/dolthub/go-mysql-server/sql/types"

	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

// The COUNT pushdown. "Members per organization" is a GroupBy of the COUNT
// of a relation table's rows over an inner join of a kind table with that
// relation table on the kind's id (and tenant): the engine reads and joins
// every edge (40,000 at 100k users) to count them. For exactly that shape
// the plan is rewritten, before the key filter, so that the engine reads the
// kind table only, with one more column its scan computes in Cypher: the
// number of the relation table's rows for the node, COUNT { pattern } from
// the relation table's own declaration (edge type, direction, the other
// end's label). The GroupBy then sums that column (BIGINT NOT NULL, as
// COUNT) over the nodes that have at least one edge (a node without edges
// has no row in an inner join). Anything else in the plan is the engine's:
// the kind table's filters, the group values (NULLs, duplicates across
// nodes: their sums add up as the counts would), HAVING, ORDER BY, LIMIT.
//
// It is exact because the join's rows for a node x are the relation's rows
// whose end column equals x.id and whose tenant equals x's: those are the
// edges at x itself (an asset's key is <tenant>/<slug>/<native id>, unique
// per label, and both ends of an edge are of one tenant — TestAssetKeys;
// the key filter relies on the same), one row per edge; and every COUNT
// counts every one of them: COUNT(*), COUNT(1), or COUNT of a column of the
// relation that is never NULL on a joined row (its ends' ids: every asset is
// written with its native id and tenant; its tenant: equal to x's). Any
// plan not exactly of this shape is left as it is.

// countPushdown is the kind table's side with its count, over which the
// rewritten GroupBy sums (printed by --explain).
type countPushdown struct {
	child sql.Node // Filter(count > 0) over the kind table's side
	desc  string
}

var (
	_ sql.Node          = (*countPushdown)(nil)
	_ sql.DebugStringer = (*countPushdown)(nil)
)

func (c *countPushdown) Resolved() bool       { return c.child.Resolved() }
func (c *countPushdown) IsReadOnly() bool     { return true }
func (c *countPushdown) Schema() sql.Schema   { return c.child.Schema() }
func (c *countPushdown) Children() []sql.Node { return []sql.Node{c.child} }

func (c *countPushdown) WithChildren(children ...sql.Node) (sql.Node, error) {
	if len(children) != 1 {
		return nil, sql.ErrInvalidChildrenNumber.New(c, len(children), 1)
	}
	nc := *c
	nc.child = children[0]
	return &nc, nil
}

func (c *countPushdown) describe(child string) string {
	pr := sql.NewTreePrinter()
	_ = pr.WriteNode("CountPushdown (%s)", c.desc)
	_ = pr.WriteChildren(child)
	return pr.String()
}

func (c *countPushdown) String() string      { return c.describe(c.child.String()) }
func (c *countPushdown) DebugString() string { return c.describe(sql.DebugString(c.child)) }

func (c *countPushdown) rowIter(ctx *sql.Context, b sql.NodeExecBuilder, row sql.Row) (sql.RowIter, error) {
	if sc, ok := ctx.Value(scanKey{}).(*scanCounter); ok {
		sc.counts++
	}
	return b.Build(ctx, c.child, row)
}

// countSum is the rewritten COUNT: the sum of the count column over the
// group's nodes. Its type and name are the COUNT's (BIGINT NOT NULL; 0 over
// no rows, as COUNT).
type countSum struct {
	idx  int    // the count column in the GroupBy's input rows
	name string // the COUNT's name, so the column keeps it
	id   sql.ColumnId
}

var (
	_ sql.Aggregation = (*countSum)(nil)
	_ sql.Nameable    = (*countSum)(nil)
)

func (c *countSum) Resolved() bool                { return true }
func (c *countSum) String() string                { return fmt.Sprintf("SUM(count:%d) as %s", c.idx, c.name) }
func (c *countSum) Name() string                  { return c.name }
func (c *countSum) Type() sql.Type                { return types.Int64 }
func (c *countSum) IsNullable() bool              { return false }
func (c *countSum) Children() []sql.Expression    { return nil }
func (c *countSum) Id() sql.ColumnId              { return c.id }
func (c *countSum) Window() *sql.WindowDefinition { return nil }

func (c *countSum) WithId(id sql.ColumnId) sql.IdExpression {
	nc := *c
	nc.id = id
	return &nc
}

func (c *countSum) WithChildren(children ...sql.Expression) (sql.Expression, error) {
	if len(children) != 0 {
		return nil, sql.ErrInvalidChildrenNumber.New(c, len(children), 0)
	}
	return c, nil
}

func (c *countSum) Eval(*sql.Context, sql.Row) (any, error) {
	return nil, fmt.Errorf("%s is an aggregate", c)
}

func (c *countSum) WithWindow(*sql.WindowDefinition) sql.WindowAdaptableExpression { return c }

func (c *countSum) NewWindowFunction() (sql.WindowFunction, error) {
	return nil, fmt.Errorf("%s is not a window function", c)
}

func (c *countSum) NewBuffer() (sql.AggregationBuffer, error) {
	return &countSumBuffer{idx: c.idx}, nil
}

type countSumBuffer struct {
	idx int
	sum int64
}

func (b *countSumBuffer) Update(_ *sql.Context, row sql.Row) error {
	n, ok := row[b.idx].(int64)
	if !ok {
		return fmt.Errorf("count pushdown: count of type %T", row[b.idx])
	}
	b.sum += n
	return nil
}

func (b *countSumBuffer) Eval(*sql.Context) (any, error) { return b.sum, nil }
func (b *countSumBuffer) Dispose()                       {}

// pushCounts rewrites the GroupBys of the shape above: at the top, and in
// derived tables that see no outer row (whose rows start at 0, as the
// field positions checked assume).
func (g *Graph) pushCounts(n sql.Node) (sql.Node, error) {
	scoped := map[*plan.GroupBy]bool{}
	transform.Inspect(n, func(n sql.Node) bool {
		if sa, ok := n.(*plan.SubqueryAlias); ok && (sa.OuterScopeVisibility || sa.IsLateral) {
			transform.Inspect(sa.Child, func(n sql.Node) bool {
				if gb, ok := n.(*plan.GroupBy); ok {
					scoped[gb] = true
				}
				return true
			})
		}
		return true
	})
	out, _, err := transform.NodeWithOpaque(n, func(n sql.Node) (sql.Node, transform.TreeIdentity, error) {
		gb, ok := n.(*plan.GroupBy)
		if !ok || scoped[gb] {
			return n, transform.SameTree, nil
		}
		nn, ok := countRewrite(gb)
		if !ok {
			return n, transform.SameTree, nil
		}
		return nn, transform.NewTree, nil
	})
	return out, err
}

// countSide is one side of the join: [HashLookup] → [Filter] → our scan.
type countSide struct {
	filter  *plan.Filter // nil: none
	t       *table
	id      plan.TableIdNode
	rebuild func(*table) (sql.Node, error)
	sch     sql.Schema // the side's rows
	off     int        // where they start in the join's rows
}

func sideOf(n sql.Node) (*countSide, bool) {
	if hl, ok := n.(*plan.HashLookup); ok {
		n = hl.Child
	}
	s := &countSide{sch: n.Schema()}
	if f, ok := n.(*plan.Filter); ok {
		s.filter = f
		n = f.Child
	}
	s.t, s.id, s.rebuild = scanOf(n)
	if s.t == nil || s.t.limit > 0 || s.t.count != nil {
		return nil, false
	}
	return s, true
}

// local is the position of f in the side's rows, if f is a field of the
// side's table at the position the join's rows have it.
func (s *countSide) local(f *expression.GetField) (int, bool) {
	if f.TableId() != s.id.Id() || !strings.EqualFold(f.Table(), s.id.Name()) {
		return 0, false
	}
	i := f.Index() - s.off
	if i < 0 || i >= len(s.sch) || !strings.EqualFold(s.sch[i].Name, f.Name()) {
		return 0, false
	}
	return i, true
}

// column is the table column of a field of the side.
func (s *countSide) column(f *expression.GetField) (Column, bool) {
	if _, ok := s.local(f); !ok {
		return Column{}, false
	}
	return s.t.def.Column(f.Name())
}

// groupable: a value type whose equal groups hold identical values, so
// the value the engine shows for a group does not depend on row order.
func groupable(t sql.Type) bool {
	if st, ok := t.(sql.StringType); ok && types.IsText(t) {
		return st.Collation() == sql.Collation_utf8mb4_0900_bin
	}
	return t.Equals(types.Int64) || t.Equals(types.Boolean) || types.IsDatetimeType(t)
}

func hasSubquery(e sql.Expression) bool {
	return transform.InspectExpr(e, func(e sql.Expression) bool {
		_, ok := e.(*plan.Subquery)
		return ok
	})
}

// countRewrite rewrites gb if it is exactly of the shape (see above).
func countRewrite(gb *plan.GroupBy) (sql.Node, bool) {
	// It runs before the key filter (plan): the join is the engine's own.
	j, ok := gb.Child.(*plan.JoinNode)
	if !ok {
		return nil, false
	}
	if (j.Op != plan.JoinTypeHash && j.Op != plan.JoinTypeInner) || j.Filter == nil {
		return nil, false
	}
	left, ok := sideOf(j.Left())
	if !ok {
		return nil, false
	}
	right, ok := sideOf(j.Right())
	if !ok {
		return nil, false
	}
	right.off = len(left.sch)
	if len(j.Schema()) != len(left.sch)+len(right.sch) {
		return nil, false
	}
	kind, rel := left, right
	if kind.t.def.Kind == nil {
		kind, rel = right, left
	}
	if kind.t.def.Kind == nil || rel.t.def.Rel == nil {
		return nil, false
	}
	// The join's condition: the end's id = the kind's id, and optionally
	// the tenants equal; nothing else.
	end, tenantEq := "", false
	for _, e := range expression.SplitConjunction(j.Filter) {
		eq, ok := e.(*expression.Equals)
		if !ok {
			return nil, false
		}
		a, aok := eq.Left().(*expression.GetField)
		b, bok := eq.Right().(*expression.GetField)
		if !aok || !bok || !sameKeyType(a.Type(), b.Type()) || !types.IsText(a.Type()) {
			return nil, false
		}
		if _, ok := kind.local(a); ok {
			a, b = b, a
		}
		rc, rok := rel.column(a)
		kc, kok := kind.column(b)
		if !rok || !kok {
			return nil, false
		}
		switch {
		case rc.Field == schema.PropTenant && kc.Field == schema.PropTenant && !tenantEq:
			tenantEq = true
		case (rc.Field == store.SQLFromEnd || rc.Field == store.SQLToEnd) && kc.Field == schema.PropNativeID && end == "" &&
			endKind(rel.t.def, rc.Field) == kind.t.def.Kind:
			end = rc.Field
		default:
			return nil, false
		}
	}
	if end == "" {
		return nil, false
	}
	// The relation's own conditions: its tenant equal to literals only.
	var tenants []string
	for _, c := range rel.t.conds {
		s, ok := c.Value.(string)
		if c.Field != schema.PropTenant || c.Op != store.SQLEq || !ok {
			return nil, false
		}
		tenants = append(tenants, s)
	}
	if rel.filter != nil {
		n := 0
		for _, e := range expression.SplitConjunction(rel.filter.Expression) {
			c, ok := condOf(rel.t, rel.id, e)
			s, sok := c.Value.(string)
			if !ok || !sok || c.Field != schema.PropTenant || c.Op != store.SQLEq || (n < len(tenants) && tenants[n] != s) {
				return nil, false
			}
			n++
		}
		if n != len(tenants) {
			return nil, false
		}
	} else if len(tenants) > 0 {
		return nil, false
	}
	if !tenantEq {
		// Without the tenants' equality, only when both sides are of one
		// tenant, the same: the kind's scan asks for it.
		kt, ok := scanTenants(kind.t)
		if !ok || len(kt) != 1 || len(tenants) == 0 {
			return nil, false
		}
		for _, s := range tenants {
			if s != kt[0] {
				return nil, false
			}
		}
	}
	if kind.filter != nil && hasSubquery(kind.filter.Expression) {
		return nil, false
	}
	countIdx := len(kind.sch)
	// The group: fields of the kind's table.
	remap := func(e sql.Expression) (sql.Expression, bool) {
		f, ok := e.(*expression.GetField)
		if !ok || !groupable(f.Type()) {
			return nil, false
		}
		i, ok := kind.local(f)
		if !ok {
			return nil, false
		}
		return f.WithIndex(i), true
	}
	var group []sql.Expression
	keys := map[string]bool{}
	for _, e := range gb.GroupByExprs {
		ne, ok := remap(e)
		if !ok {
			return nil, false
		}
		group = append(group, ne)
		keys[strings.ToLower(e.(*expression.GetField).Name())] = true
	}
	// The select: COUNTs of rows, and group fields.
	var sel []sql.Expression
	counts := 0
	for _, e := range gb.SelectedExprs {
		switch x := e.(type) {
		case *aggregation.Count:
			if x.Window() != nil || !countsRows(x.Child, rel) {
				return nil, false
			}
			sel = append(sel, &countSum{idx: countIdx, name: x.String(), id: x.Id()})
			counts++
		case *expression.GetField:
			ne, ok := remap(x)
			if !ok || !keys[strings.ToLower(x.Name())] {
				return nil, false
			}
			sel = append(sel, ne)
		case *expression.Literal:
			sel = append(sel, x)
		default:
			return nil, false
		}
	}
	if counts == 0 {
		return nil, false
	}
	// The kind's scan with its count, and only its nodes with edges.
	nt := kind.t.withCount(rel.t.def, end, tenants)
	side, err := kind.rebuild(nt)
	if err != nil {
		return nil, false
	}
	if kind.filter != nil {
		if side, err = kind.filter.WithChildren(side); err != nil {
			return nil, false
		}
	}
	cf := expression.NewGetField(countIdx, types.Int64, nt.countCol().Name, false)
	filtered := plan.NewFilter(expression.NewGreaterThan(cf, expression.NewLiteral(int64(0), types.Int64)), side)
	other := "the other end"
	if end == store.SQLToEnd {
		other = rel.t.def.Rel.From.Label
	} else {
		other = rel.t.def.Rel.To.Label
	}
	desc := fmt.Sprintf("%s's rows per %s counted by its scan: COUNT { %s }; the join with %s is not run",
		rel.t.def.Name, kind.id.Name(), countPattern(rel.t.def.Rel, end, kind.id.Name(), other), rel.id.Name())
	ngb := plan.NewGroupBy(sel, group, &countPushdown{child: filtered, desc: desc})
	return ngb, true
}

func countPattern(r *schema.Relation, end, node, other string) string {
	if end == store.SQLToEnd {
		return fmt.Sprintf("(:%s)-[:%s]->(%s)", other, r.Type, node)
	}
	return fmt.Sprintf("(%s)-[:%s]->(:%s)", node, r.Type, other)
}

// countsRows: COUNT(e) counts every joined row: e is a non-NULL literal
// (COUNT(*) is COUNT(1)), or a column of the relation never NULL on a
// joined row (its ends' ids, its tenant).
func countsRows(e sql.Expression, rel *countSide) bool {
	switch x := e.(type) {
	case *expression.Literal:
		return x.Value() != nil
	case *expression.GetField:
		c, ok := rel.column(x)
		return ok && (c.Field == store.SQLFromEnd || c.Field == store.SQLToEnd || c.Field == schema.PropTenant)
	}
	return false
}

// countCol is the column of a scan's count.
func (t *table) countCol() Column {
	return Column{Name: t.count.Rel.Type + "_count", Field: store.SQLCountField, Type: types.Int64, conv: convInt}
}

// withCount is t with one more column: the number of rel's rows for each
// node at its end. The relation's own tenant conditions go into the scan:
// a node of another tenant has no row joined (and the column is then
// filled in, not read).
func (t *table) withCount(rel *Table, end string, tenants []string) *table {
	nt := *t
	nt.count = &store.SQLCount{Rel: rel.Rel, End: end}
	nt.conds = append([]store.SQLCond{}, t.conds...)
	for _, s := range tenants {
		nt.conds = append(nt.conds, store.SQLCond{Field: schema.PropTenant, Op: store.SQLEq, Value: s})
	}
	nt.cols = append(append([]Column{}, t.columns()...), nt.countCol())
	nt.sch = nt.schemaOf(nt.cols)
	nt.sch[len(nt.sch)-1].Nullable = false
	return &nt
}
