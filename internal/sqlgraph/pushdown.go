package sqlgraph

import (
	"strings"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/expression"
	"github.com/dolthub/go-mysql-server/sql/plan"
	"github.com/dolthub/go-mysql-server/sql/transform"
	"github.com/dolthub/go-mysql-server/sql/types"
	"github.com/shopspring/decimal"

	"github.com/authgraph/authgraph/internal/store"
)

// pushdown runs after the engine's analysis. The analyser leaves each
// table's own filter right above it; the conditions of that filter whose
// Cypher meaning is exactly the SQL one are copied into the table's scan
// (the filter stays, so a row the scan lets through is still judged by
// SQL), and a LIMIT over a scan whose filter was pushed whole, with no
// sort or offset between, becomes the scan's LIMIT. Subqueries, derived
// tables and CTEs get the same, however deep.
func pushdown(n sql.Node) (sql.Node, error) {
	out, _, err := transform.NodeWithOpaque(n, func(n sql.Node) (sql.Node, transform.TreeIdentity, error) {
		n, same, err := inSubqueries(n, pushdown)
		if err != nil {
			return nil, transform.SameTree, err
		}
		switch x := n.(type) {
		case *plan.Filter:
			if nn, ok := pushFilter(x); ok {
				return nn, transform.NewTree, nil
			}
		case *plan.Limit:
			if nn, ok := pushLimit(x); ok {
				return nn, transform.NewTree, nil
			}
		}
		return n, same, nil
	})
	return out, err
}

// inSubqueries applies a plan pass (pushdown, safeHashKeys) to the plans of
// the subquery expressions of n.
func inSubqueries(n sql.Node, pass func(sql.Node) (sql.Node, error)) (sql.Node, transform.TreeIdentity, error) {
	if _, ok := n.(sql.Expressioner); !ok {
		return n, transform.SameTree, nil
	}
	return transform.OneNodeExpressions(n, func(e sql.Expression) (sql.Expression, transform.TreeIdentity, error) {
		sq, ok := e.(*plan.Subquery)
		if !ok || sq.Query == nil {
			return e, transform.SameTree, nil
		}
		q, err := pass(sq.Query)
		if err != nil {
			return nil, transform.SameTree, err
		}
		return sq.WithQuery(q), transform.NewTree, nil
	})
}

// scanOf finds our table right under n (itself, or under an alias) and
// returns a function rebuilding n around a replacement.
func scanOf(n sql.Node) (*table, plan.TableIdNode, func(*table) (sql.Node, error)) {
	switch x := n.(type) {
	case *plan.ResolvedTable:
		t, ok := x.UnderlyingTable().(*table)
		if !ok {
			return nil, nil, nil
		}
		return t, x, func(nt *table) (sql.Node, error) {
			r, err := x.WithTable(nt)
			return r, err
		}
	case *plan.TableAlias:
		rt, ok := x.Child.(*plan.ResolvedTable)
		if !ok {
			return nil, nil, nil
		}
		t, _, rebuild := scanOf(rt)
		if t == nil {
			return nil, nil, nil
		}
		return t, x, func(nt *table) (sql.Node, error) {
			c, err := rebuild(nt)
			if err != nil {
				return nil, err
			}
			return x.WithChildren(c)
		}
	}
	return nil, nil, nil
}

func pushFilter(f *plan.Filter) (sql.Node, bool) {
	t, id, rebuild := scanOf(f.Child)
	if t == nil || len(t.conds) > 0 {
		return nil, false
	}
	var conds []store.SQLCond
	all := true
	for _, e := range expression.SplitConjunction(f.Expression) {
		c, ok := condOf(t, id, e)
		if !ok {
			all = false
			continue
		}
		conds = append(conds, c)
	}
	if len(conds) == 0 {
		return nil, false
	}
	nt := *t
	nt.conds = conds
	nt.exact = all
	child, err := rebuild(&nt)
	if err != nil {
		return nil, false
	}
	nf, err := f.WithChildren(child)
	if err != nil {
		return nil, false
	}
	return nf, true
}

// pushLimit: Limit → [Project] → [Filter pushed whole] → scan.
func pushLimit(l *plan.Limit) (sql.Node, bool) {
	lit, ok := l.Limit.(*expression.Literal)
	if !ok {
		return nil, false
	}
	n, ok := intOf(lit.Value())
	if !ok || n <= 0 {
		return nil, false
	}
	var rebuildUp []func(sql.Node) (sql.Node, error)
	cur := l.Child
	for {
		switch x := cur.(type) {
		case *plan.Project:
			rebuildUp = append(rebuildUp, func(c sql.Node) (sql.Node, error) { return x.WithChildren(c) })
			cur = x.Child
			continue
		case *plan.Filter:
			t, _, _ := scanOf(x.Child)
			if t == nil || !t.exact {
				return nil, false
			}
			rebuildUp = append(rebuildUp, func(c sql.Node) (sql.Node, error) { return x.WithChildren(c) })
			cur = x.Child
			continue
		}
		break
	}
	t, _, rebuild := scanOf(cur)
	if t == nil || t.limit > 0 {
		return nil, false
	}
	nt := *t
	nt.limit = int(n)
	node, err := rebuild(&nt)
	if err != nil {
		return nil, false
	}
	for i := len(rebuildUp) - 1; i >= 0; i-- {
		if node, err = rebuildUp[i](node); err != nil {
			return nil, false
		}
	}
	nl, err := l.WithChildren(node)
	if err != nil {
		return nil, false
	}
	return nl, true
}

// colOf returns the column of t that e reads, when e is a field of the
// table node id (not of an outer query's table).
func colOf(t *table, id plan.TableIdNode, e sql.Expression) (Column, bool) {
	gf, ok := e.(*expression.GetField)
	if !ok || gf.TableId() != id.Id() || !strings.EqualFold(gf.Table(), id.Name()) {
		return Column{}, false
	}
	return t.def.Column(gf.Name())
}

type binary interface {
	Left() sql.Expression
	Right() sql.Expression
}

// condOf translates one conjunct, or says it cannot be pushed exactly.
func condOf(t *table, id plan.TableIdNode, e sql.Expression) (store.SQLCond, bool) {
	switch x := e.(type) {
	case *expression.IsNull:
		if c, ok := colOf(t, id, x.Child); ok {
			return store.SQLCond{Field: c.Field, Op: store.SQLIsNull}, true
		}
		return store.SQLCond{}, false
	case *expression.Not:
		if in, ok := x.Child.(*expression.IsNull); ok {
			if c, ok := colOf(t, id, in.Child); ok {
				return store.SQLCond{Field: c.Field, Op: store.SQLNotNull}, true
			}
		}
		return store.SQLCond{}, false
	case *expression.Like:
		c, ok := colOf(t, id, x.Left())
		lit, lok := x.Right().(*expression.Literal)
		if !ok || !lok || x.Escape != nil || c.Type != types.LongText {
			return store.SQLCond{}, false
		}
		s, ok := lit.Value().(string)
		if !ok {
			return store.SQLCond{}, false
		}
		prefix, rest, ok := likePrefix(s)
		if !ok || prefix == "" {
			return store.SQLCond{}, false
		}
		switch rest {
		case "":
			return store.SQLCond{Field: c.Field, Op: store.SQLEq, Value: prefix}, true
		case "%":
			return store.SQLCond{Field: c.Field, Op: store.SQLPrefix, Value: prefix}, true
		}
		return store.SQLCond{}, false
	case *expression.InTuple, *expression.HashInTuple:
		b := x.(binary)
		c, ok := colOf(t, id, b.Left())
		tup, tok := b.Right().(expression.Tuple)
		if !ok || !tok {
			return store.SQLCond{}, false
		}
		var vals []any
		for _, el := range tup {
			lit, ok := el.(*expression.Literal)
			if !ok {
				return store.SQLCond{}, false
			}
			if lit.Value() == nil {
				continue
			}
			v, ok := valueFor(c, lit)
			if !ok {
				return store.SQLCond{}, false
			}
			vals = append(vals, v)
		}
		return store.SQLCond{Field: c.Field, Op: store.SQLIn, Value: vals}, true
	case *expression.Equals, *expression.LessThan, *expression.LessThanOrEqual,
		*expression.GreaterThan, *expression.GreaterThanOrEqual:
		b := x.(binary)
		op := map[string]store.SQLOp{"=": store.SQLEq, "<": store.SQLLt, "<=": store.SQLLe, ">": store.SQLGt, ">=": store.SQLGe}[opOf(x)]
		left, right := b.Left(), b.Right()
		c, ok := colOf(t, id, left)
		if !ok {
			// 'x' = col: swap, turning the comparison around.
			c, ok = colOf(t, id, right)
			left, right = right, left
			op = map[store.SQLOp]store.SQLOp{store.SQLEq: store.SQLEq, store.SQLLt: store.SQLGt, store.SQLLe: store.SQLGe,
				store.SQLGt: store.SQLLt, store.SQLGe: store.SQLLe}[op]
		}
		lit, lok := right.(*expression.Literal)
		if !ok || !lok || lit.Value() == nil {
			return store.SQLCond{}, false
		}
		// Strings compare by code point in Neo4j and by bytes here: only
		// equality is the same on both sides. Booleans only compare equal.
		if op != store.SQLEq && (c.Type == types.LongText || c.conv == convBool) {
			return store.SQLCond{}, false
		}
		v, ok := valueFor(c, lit)
		if !ok {
			return store.SQLCond{}, false
		}
		return store.SQLCond{Field: c.Field, Op: op, Value: v}, true
	}
	return store.SQLCond{}, false
}

func opOf(e sql.Expression) string {
	switch e.(type) {
	case *expression.Equals:
		return "="
	case *expression.LessThan:
		return "<"
	case *expression.LessThanOrEqual:
		return "<="
	case *expression.GreaterThan:
		return ">"
	case *expression.GreaterThanOrEqual:
		return ">="
	}
	return ""
}

// valueFor is the stored value a literal compares equal to in column c,
// when SQL and Cypher agree on the comparison: strings with strings
// (binary collation on both sides), numbers with numbers, 0/1 with
// booleans. Anything else (a string against a number, which MySQL
// converts) is not pushed.
func valueFor(c Column, lit *expression.Literal) (any, bool) {
	v := lit.Value()
	switch {
	case c.conv == convBool:
		n, ok := intOf(v)
		if !ok || n < 0 || n > 1 {
			if b, isBool := v.(bool); isBool {
				return b, true
			}
			return nil, false
		}
		return n == 1, true
	case c.Type == types.LongText:
		s, ok := v.(string)
		if !ok || !types.IsText(lit.Type()) {
			return nil, false
		}
		if coll, _ := lit.CollationCoercibility(nil); coll != sql.Collation_Default && coll != sql.Collation_binary {
			return nil, false
		}
		return s, true
	case c.Type == types.Int64 || c.Type == types.Float64:
		if n, ok := intOf(v); ok {
			return n, true
		}
		switch f := v.(type) {
		case float64:
			return f, true
		case float32:
			return float64(f), true
		case decimal.Decimal:
			x, _ := f.Float64()
			return x, true
		}
	}
	return nil, false
}

func intOf(v any) (int64, bool) {
	switch n := v.(type) {
	case int8:
		return int64(n), true
	case int16:
		return int64(n), true
	case int32:
		return int64(n), true
	case int64:
		return n, true
	case int:
		return int64(n), true
	case uint8:
		return int64(n), true
	case uint16:
		return int64(n), true
	case uint32:
		return int64(n), true
	case uint64:
		if n <= 1<<62 {
			return int64(n), true
		}
	}
	return 0, false
}

// likePrefix splits a LIKE pattern (default escape \) into the literal
// text before its first wildcard and the rest.
func likePrefix(p string) (prefix, rest string, ok bool) {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '\\':
			if i+1 >= len(p) {
				return "", "", false
			}
			i++
			b.WriteByte(p[i])
		case '%', '_':
			return b.String(), p[i:], true
		default:
			b.WriteByte(p[i])
		}
	}
	return b.String(), "", true
}
