package sqlgraph

import (
	"strings"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/expression"
	"github.com/dolthub/go-mysql-server/sql/plan"
	"github.com/dolthub/go-mysql-server/sql/transform"
	"github.com/dolthub/go-mysql-server/sql/types"

	"github.com/authgraph/authgraph/internal/apperr"
)

// hashJoins turns the engine's nested-loop inner and left joins that
// equate a column of each side into hash joins on those equalities. The
// engine (go-mysql-server 0.20) plans a hash join only when every conjunct
// of a join's condition is such an equality: one more conjunct (u.created_at
// < o.firstseen) left a nested loop reading its inner side once per outer
// row, tens of thousands of pairs per row at 100k users. The hash join
// evaluates the whole condition on each pair its lookup returns, exactly as
// the loop did on every pair; a pair the lookup skips has unequal key bytes
// (joinPairs: binary strings or integers of one type), so its condition is
// not true. The key filter (keyjoin.go) then reduces these joins too.
func hashJoins(n sql.Node) (sql.Node, error) {
	out, _, err := transform.NodeWithOpaque(n, func(n sql.Node) (sql.Node, transform.TreeIdentity, error) {
		j, ok := n.(*plan.JoinNode)
		if !ok {
			return n, transform.SameTree, nil
		}
		var op plan.JoinType
		switch j.Op {
		case plan.JoinTypeInner:
			op = plan.JoinTypeHash
		case plan.JoinTypeLeftOuter:
			op = plan.JoinTypeLeftOuterHash
		default:
			return n, transform.SameTree, nil
		}
		pairs := joinPairs(j)
		if len(pairs) == 0 {
			return n, transform.SameTree, nil
		}
		// The condition sees a row of the join's context (what the joins
		// above pass down: P fields), the left row, then the right row; the
		// lookup's left key is evaluated on the first two, its right key on
		// a right row alone (as in the engine's own hash joins). P is found
		// from the left fields' places in the left schema.
		lsch, rsch := j.Left().Schema(), j.Right().Schema()
		nl := len(lsch)
		p := -1
		left := make([]sql.Expression, len(pairs))
		right := make([]sql.Expression, len(pairs))
		for i, pr := range pairs {
			at := schemaIndex(lsch, pr.left)
			if at < 0 || p >= 0 && pr.left.Index()-at != p {
				return n, transform.SameTree, nil
			}
			p = pr.left.Index() - at
			k := pr.right.Index() - p - nl
			if k < 0 || k >= len(rsch) || schemaIndex(rsch[k:k+1], pr.right) != 0 {
				return n, transform.SameTree, nil
			}
			left[i], right[i] = pr.left, pr.right.WithIndex(k)
		}
		hl := plan.NewHashLookup(j.Right(), expression.NewTuple(right...), expression.NewTuple(left...), op)
		return plan.NewJoin(j.Left(), hl, op, j.Filter).WithScopeLen(j.ScopeLen), transform.NewTree, nil
	})
	return out, err
}

// schemaIndex is the place of f's column in sch (by table and name), or -1.
func schemaIndex(sch sql.Schema, f *expression.GetField) int {
	for i := range sch {
		if strings.EqualFold(sch[i].Name, f.Name()) && strings.EqualFold(sch[i].Source, f.Table()) {
			return i
		}
	}
	return -1
}

// safeHashKeys keeps the engine's hash joins from losing rows. A hash
// lookup hashes its keys' values as they are, byte for byte, but an
// equality under a collation other than utf8mb4_0900_bin (the tables'; NO
// PAD) or binary holds for other bytes too: `x.uid = u.id COLLATE
// utf8mb4_0900_ai_ci` found 1 of 50 matching rows. Such a key pair is
// replaced by a constant on both sides: the lookup then narrows by the other
// keys only (or not at all), and the join's condition, still whole, decides.
func safeHashKeys(n sql.Node) (sql.Node, error) {
	out, _, err := transform.NodeWithOpaque(n, func(n sql.Node) (sql.Node, transform.TreeIdentity, error) {
		n, same, err := inSubqueries(n, safeHashKeys)
		if err != nil {
			return nil, transform.SameTree, err
		}
		hl, ok := n.(*plan.HashLookup)
		if !ok {
			return n, same, nil
		}
		l, lok := hl.LeftProbeKey.(expression.Tuple)
		r, rok := hl.RightEntryKey.(expression.Tuple)
		if !lok || !rok || len(l) != len(r) {
			return n, same, nil
		}
		var nl, nr expression.Tuple
		changed := false
		for i := range l {
			if byteExact(l[i].Type()) && byteExact(r[i].Type()) {
				nl, nr = append(nl, l[i]), append(nr, r[i])
				continue
			}
			changed = true
			c := expression.NewLiteral(int8(0), types.Int8)
			nl, nr = append(nl, c), append(nr, c)
		}
		if !changed {
			return n, same, nil
		}
		nn := *hl
		nn.LeftProbeKey, nn.RightEntryKey = nl, nr
		return &nn, transform.NewTree, nil
	})
	return out, err
}

// byteExact: equal values of type t are equal bytes (not a string of a
// collation that equates others: case- or accent-insensitive, or PAD SPACE).
func byteExact(t sql.Type) bool {
	st, ok := t.(sql.StringType)
	if !ok || !types.IsText(t) {
		return true
	}
	c := st.Collation()
	return c == sql.Collation_utf8mb4_0900_bin || c == sql.Collation_binary
}

// collationUnsupported says why the engine would answer e wrong, or nil.
// The plan check asks it of statements over our tables, not of catalog
// queries: information_schema's names are case-insensitive columns by
// design, and BI tools' metadata queries must keep running.
func collationUnsupported(e sql.Expression) error {
	switch x := e.(type) {
	case *plan.InSubquery:
		// The engine looks each value up in a hash of the subquery rows'
		// bytes: under a case- or accent-insensitive collation, `u.id
		// COLLATE utf8mb4_0900_ai_ci IN (SELECT UPPER(id) …)` found none of
		// 20 matches. The same question as a join is answered right
		// (safeHashKeys).
		if !byteExact(x.LeftChild.Type()) || !byteExact(x.RightChild.Type()) {
			return apperr.New(apperr.Invalid, "IN (SELECT …) under a case- or accent-insensitive collation is not supported "+
				"(the engine would compare bytes and miss matches): write it as a JOIN on the same equality")
		}
	case *expression.InTuple, *expression.HashInTuple:
		// So is a list whose items carry such a collation (`id IN
		// ('AUTH0|…' COLLATE utf8mb4_0900_ai_ci)` found none); with the
		// collation on the left it is right.
		if items, ok := x.(expression.Comparer).Right().(expression.Tuple); ok {
			for _, it := range items {
				if !byteExact(it.Type()) {
					return apperr.New(apperr.Invalid, "IN (…) with a case- or accent-insensitive collation on its items is not supported "+
						"(the engine would miss matches): put the COLLATE on the left, as in x COLLATE … IN (…)")
				}
			}
		}
	}
	return nil
}
