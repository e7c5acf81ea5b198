package sqlgraph

import (
	"strings"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/expression"
	"github.com/dolthub/go-mysql-server/sql/plan"
	"github.com/dolthub/go-mysql-server/sql/transform"
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
