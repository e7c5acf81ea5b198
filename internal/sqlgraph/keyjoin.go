package sqlgraph

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/expression"
	"github.com/dolthub/go-mysql-server/sql/plan"
	"github.com/dolthub/go-mysql-server/sql/transform"
	"github.com/dolthub/go-mysql-server/sql/types"

	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

// The batched key (semi-join) filter. The engine plans hash joins over
// whole table scans: it has no index to look rows up by, and a lookup per
// row would be a Neo4j round trip each. After analysis and pushdown, each
// hash join whose condition equates columns of both sides is wrapped in a
// keyJoin. When it runs, it reads one side first (the one that looks
// smaller), collects that side's distinct join-key values, and gives the
// other side's table scan an extra pushed condition `… IN $keys` (one
// Cypher read, a seek of the keys); then the engine's own join runs on the
// rows read and the reduced side, and judges every row as before.
//
// It is exact because a row the extra condition drops has a join-key value
// no row of the read side has, so the join's condition (a conjunction
// holding that equality) is not true for it with any of them: an inner or a
// semi join would drop it anyway. Only those joins are reduced, and a left
// outer join only on its right side (a right row no left row matches never
// shows); a left join's preserved side, anti joins (NOT IN, NOT EXISTS) and
// full outer joins are run as planned. Keys are only pushed between columns
// of the same type where SQL's equality is Cypher's: strings of the binary
// collation (utf8mb4_0900_bin, NO PAD; the tables' strings are declared so)
// or 64-bit integers. NULL keys are skipped (NULL = x is never true). Above
// maxKeys distinct values, or maxBuffered rows read, the join runs as
// planned, on the rows already read and the rest.

const (
	// maxKeys bounds the values of one pushed IN list.
	maxKeys = 5000
	// maxBuffered bounds the rows of the side read first held in memory.
	maxBuffered = 20000
)

// keyCaps are the caps in force (tests lower them).
type keyCaps struct{ keys, rows int }

func (g *Graph) caps() keyCaps {
	c := g.keyCaps
	if c.keys <= 0 {
		c.keys = maxKeys
	}
	if c.rows <= 0 {
		c.rows = maxBuffered
	}
	return c
}

// keyPair is one equality of the join's condition: the field of each side.
type keyPair struct {
	left, right *expression.GetField
	eq          *expression.Equals // the conjunct of the join's condition
}

// keyJoin wraps one of the engine's hash joins (see above).
type keyJoin struct {
	join  *plan.JoinNode
	pairs []keyPair
	g     *Graph
}

var (
	_ sql.Node            = (*keyJoin)(nil)
	_ sql.Expressioner    = (*keyJoin)(nil)
	_ sql.DebugStringer   = (*keyJoin)(nil)
	_ sql.NodeExecBuilder = (*execBuilder)(nil)
)

func (k *keyJoin) Resolved() bool                { return k.join.Resolved() }
func (k *keyJoin) IsReadOnly() bool              { return k.join.IsReadOnly() }
func (k *keyJoin) Schema() sql.Schema            { return k.join.Schema() }
func (k *keyJoin) Children() []sql.Node          { return k.join.Children() }
func (k *keyJoin) Expressions() []sql.Expression { return k.join.Expressions() }

func (k *keyJoin) WithChildren(children ...sql.Node) (sql.Node, error) {
	j, err := k.join.WithChildren(children...)
	if err != nil {
		return nil, err
	}
	nk := *k
	nk.join = j.(*plan.JoinNode)
	return &nk, nil
}

func (k *keyJoin) WithExpressions(exprs ...sql.Expression) (sql.Node, error) {
	j, err := k.join.WithExpressions(exprs...)
	if err != nil {
		return nil, err
	}
	nk := *k
	nk.join = j.(*plan.JoinNode)
	return &nk, nil
}

func (k *keyJoin) describe(child string) string {
	pr := sql.NewTreePrinter()
	keys := make([]string, len(k.pairs))
	for i, p := range k.pairs {
		keys[i] = fmt.Sprintf("%s.%s = %s.%s", p.left.Table(), p.left.Name(), p.right.Table(), p.right.Name())
	}
	sides := "the smaller-looking side is read first; its keys go into the other side's scan as IN $keys"
	if k.join.Op.IsLeftOuter() {
		sides = "the left side is read first; its keys go into the right side's scan as IN $keys"
	}
	_ = pr.WriteNode("KeyFilterJoin (batched key filter: %s; up to %d keys, else as planned)", sides, maxKeys)
	_ = pr.WriteChildren("keys: "+strings.Join(keys, ", "), child)
	return pr.String()
}

func (k *keyJoin) String() string      { return k.describe(k.join.String()) }
func (k *keyJoin) DebugString() string { return k.describe(sql.DebugString(k.join)) }

// reduceJoins wraps the joins a key filter can reduce (not inside
// subquery expressions, which run once per outer row).
func (g *Graph) reduceJoins(n sql.Node) (sql.Node, error) {
	out, _, err := transform.NodeWithOpaque(n, func(n sql.Node) (sql.Node, transform.TreeIdentity, error) {
		j, ok := n.(*plan.JoinNode)
		if !ok {
			return n, transform.SameTree, nil
		}
		switch j.Op {
		case plan.JoinTypeHash, plan.JoinTypeSemiHash, plan.JoinTypeLeftOuterHash:
		default:
			return n, transform.SameTree, nil
		}
		if _, ok := j.Right().(*plan.HashLookup); !ok {
			return n, transform.SameTree, nil
		}
		pairs := joinPairs(j)
		if len(pairs) == 0 {
			return n, transform.SameTree, nil
		}
		return &keyJoin{join: j, pairs: pairs, g: g}, transform.NewTree, nil
	})
	return out, err
}

// joinPairs are the equalities of the join's condition (top-level
// conjuncts) between a field of each side whose comparison is the same in
// SQL and Cypher.
func joinPairs(j *plan.JoinNode) []keyPair {
	if j.Filter == nil {
		return nil
	}
	left, right := tableIDs(j.Left()), tableIDs(j.Right())
	var out []keyPair
	for _, e := range expression.SplitConjunction(j.Filter) {
		eq, ok := e.(*expression.Equals)
		if !ok {
			continue
		}
		a, aok := eq.Left().(*expression.GetField)
		b, bok := eq.Right().(*expression.GetField)
		if !aok || !bok || !sameKeyType(a.Type(), b.Type()) {
			continue
		}
		switch {
		case left[a.TableId()] && right[b.TableId()]:
			out = append(out, keyPair{left: a, right: b, eq: eq})
		case left[b.TableId()] && right[a.TableId()]:
			out = append(out, keyPair{left: b, right: a, eq: eq})
		}
	}
	return out
}

func tableIDs(n sql.Node) map[sql.TableId]bool {
	ids := map[sql.TableId]bool{}
	transform.Inspect(n, func(n sql.Node) bool {
		if t, ok := n.(plan.TableIdNode); ok {
			ids[t.Id()] = true
		}
		return true
	})
	return ids
}

// sameKeyType: both strings of the binary collation (what the tables
// declare: '=' compares bytes, as Cypher does, and without padding), or
// both 64-bit integers.
func sameKeyType(a, b sql.Type) bool {
	binText := func(t sql.Type) bool {
		st, ok := t.(sql.StringType)
		return ok && types.IsText(t) && st.Collation() == sql.Collation_utf8mb4_0900_bin
	}
	if binText(a) && binText(b) {
		return true
	}
	return a.Equals(types.Int64) && b.Equals(types.Int64)
}

// execBuilder builds the iterators of the nodes of this file; the engine's
// builder does the rest (it asks this one first).
type execBuilder struct {
	full sql.NodeExecBuilder
}

func newExecBuilder() sql.NodeExecBuilder {
	eb := &execBuilder{}
	eb.full = rowexecOverride(eb)
	return eb.full
}

func (e *execBuilder) Build(ctx *sql.Context, n sql.Node, row sql.Row) (sql.RowIter, error) {
	switch x := n.(type) {
	case *keyJoin:
		return x.rowIter(ctx, e.full, row)
	case *drained:
		return x.rowIter(ctx, e.full, row)
	case *countPushdown:
		return x.rowIter(ctx, e.full, row)
	case *plan.HashLookup, *plan.CachedResults:
		return e.deadlined(ctx, n, row)
	}
	return nil, nil
}

// keyStats counts, per statement, the joins reduced by a key filter and
// those run as planned because a side was too big.
type keyStats struct{ reduced, fallbacks, constants int }

func (g *Graph) keyStat(ctx *sql.Context, reduced bool) {
	if c, ok := ctx.Value(scanKey{}).(*scanCounter); ok {
		if reduced {
			c.keys.reduced++
		} else {
			c.keys.fallbacks++
		}
	}
}

// rowIter runs the join: one side first, then the other reduced by its
// keys, then the engine's join over both.
func (k *keyJoin) rowIter(ctx *sql.Context, b sql.NodeExecBuilder, row sql.Row) (sql.RowIter, error) {
	j := k.join
	hl := j.Right().(*plan.HashLookup)
	lsch, rsch := j.Left().Schema(), hl.Child.Schema()
	// Where each side's fields sit in the rows the join evaluates its
	// condition on: after the outer row, the left row, then the right.
	loff, roff := len(row), len(row)+len(lsch)
	type direction struct {
		drainLeft bool
		score     int
	}
	var dirs []direction
	lscore, rscore := sizeScore(j.Left()), sizeScore(hl.Child)
	if j.Op.IsLeftOuter() {
		dirs = []direction{{drainLeft: true, score: lscore}}
	} else if rscore < lscore {
		dirs = []direction{{false, rscore}, {true, lscore}}
	} else {
		dirs = []direction{{true, lscore}, {false, rscore}}
	}
	for _, d := range dirs {
		// The fields of the side read first (where in its rows) and of
		// the side reduced (which scan).
		var small []*expression.GetField
		var big []*expression.GetField
		var pos []int
		ok := true
		for _, p := range k.pairs {
			s, bg, off, sch := p.left, p.right, loff, lsch
			if !d.drainLeft {
				s, bg, off, sch = p.right, p.left, roff, rsch
			}
			i := s.Index() - off
			if i < 0 || i >= len(sch) || !strings.EqualFold(sch[i].Name, s.Name()) || !strings.EqualFold(sch[i].Source, s.Table()) {
				ok = false
				break
			}
			small, big, pos = append(small, s), append(big, bg), append(pos, i)
		}
		if !ok {
			continue
		}
		bigSide := hl.Child
		if !d.drainLeft {
			bigSide = j.Left()
		}
		targets := keyTargets(bigSide, big)
		if len(targets) == 0 {
			continue
		}
		return k.run(ctx, b, row, d.drainLeft, pos, targets)
	}
	return b.Build(ctx, j, row)
}

// keyTarget is one scan of the side reduced and the pairs that reach it.
type keyTarget struct {
	id    sql.TableId
	t     *table
	cols  []Column // the scan's columns, one per pair index in pairs
	pairs []int    // indexes into the keyJoin's pairs
}

// keyTargets finds, for the fields of the side to reduce, the scans they
// are columns of, reachable from that side's root through nodes a filter
// on the scan's rows commutes with.
func keyTargets(side sql.Node, fields []*expression.GetField) []*keyTarget {
	byID := map[sql.TableId]*keyTarget{}
	var order []sql.TableId
	for i, f := range fields {
		t, ok := findScan(side, f)
		if !ok || t.limit > 0 {
			continue
		}
		c, ok := t.def.Column(f.Name())
		if !ok {
			continue
		}
		kt := byID[f.TableId()]
		if kt == nil {
			kt = &keyTarget{id: f.TableId(), t: t}
			byID[f.TableId()] = kt
			order = append(order, f.TableId())
		}
		kt.cols = append(kt.cols, c)
		kt.pairs = append(kt.pairs, i)
	}
	out := make([]*keyTarget, 0, len(order))
	for _, id := range order {
		out = append(out, byID[id])
	}
	return out
}

// findScan: the table scan f is a column of, reached through Filter,
// Project (passing f through), Distinct, HashLookup, an alias, the inner
// side of an inner join or the left side of a semi, anti or left outer join.
func findScan(n sql.Node, f *expression.GetField) (*table, bool) {
	var found *table
	var walk func(n sql.Node) bool
	walk = func(n sql.Node) bool {
		switch x := n.(type) {
		case *plan.TableAlias, *plan.ResolvedTable:
			t, id, _ := scanOf(x)
			if t != nil && id.Id() == f.TableId() {
				found = t
				return true
			}
			return false
		case *plan.Filter, *plan.Distinct, *plan.HashLookup:
			return walk(x.Children()[0])
		case *plan.Project:
			for _, e := range x.Projections {
				if gf, ok := e.(*expression.GetField); ok && gf.TableId() == f.TableId() && strings.EqualFold(gf.Name(), f.Name()) {
					return walk(x.Child)
				}
			}
			return false
		case *keyJoin:
			return walk(x.join)
		case *plan.JoinNode:
			switch {
			case x.Op.IsInner(), x.Op == plan.JoinTypeHash, x.Op == plan.JoinTypeCrossHash:
				return walk(x.Left()) || walk(x.Right())
			case x.Op.IsSemi(), x.Op.IsAnti(), x.Op.IsLeftOuter():
				return walk(x.Left())
			}
			return false
		}
		return false
	}
	if walk(n) {
		return found, true
	}
	return nil, false
}

// withConds rebuilds the side with the target scans' extra conditions.
func withConds(n sql.Node, add map[sql.TableId][]store.SQLCond) (sql.Node, error) {
	out, _, err := transform.Node(n, func(n sql.Node) (sql.Node, transform.TreeIdentity, error) {
		// The table node itself (an alias above it has the same id).
		if _, ok := n.(*plan.ResolvedTable); !ok {
			return n, transform.SameTree, nil
		}
		t, id, rebuild := scanOf(n)
		if t == nil {
			return n, transform.SameTree, nil
		}
		conds, ok := add[id.Id()]
		if !ok {
			return n, transform.SameTree, nil
		}
		nt := *t
		nt.conds = append(append([]store.SQLCond{}, t.conds...), conds...)
		nn, err := rebuild(&nt)
		if err != nil {
			return nil, transform.SameTree, err
		}
		return nn, transform.NewTree, nil
	})
	return out, err
}

// errTooBig: the side read first is over the caps.
var errTooBig = errors.New("too many keys")

// run reads the small side, then builds the engine's join with it and the
// other side reduced, or as planned when the small side is too big.
func (k *keyJoin) run(ctx *sql.Context, b sql.NodeExecBuilder, row sql.Row, drainLeft bool, pos []int, targets []*keyTarget) (sql.RowIter, error) {
	j := k.join
	hl := j.Right().(*plan.HashLookup)
	smallNode, srow := j.Left(), row
	if !drainLeft {
		// The engine builds the right side after the first left row; a
		// hash join's right side does not depend on it.
		smallNode = hl.Child
		srow = append(append(sql.Row{}, row...), make(sql.Row, len(j.Left().Schema()))...)
	}
	it, err := b.Build(ctx, smallNode, srow)
	if err != nil {
		return nil, err
	}
	caps := k.g.caps()
	keys := newKeySets(targets, caps.keys)
	var buf []sql.Row
	tooBig := false
	for {
		r, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			_ = it.Close(ctx)
			return nil, err
		}
		buf = append(buf, r)
		if err := keys.add(r, pos); err != nil || len(buf) > caps.rows {
			tooBig = true
			break
		}
	}
	d := &drained{sch: smallNode.Schema(), rows: buf, orig: smallNode}
	var bigNode sql.Node
	add := map[sql.TableId][]store.SQLCond{}
	if tooBig {
		// As planned: the rows read, then the rest of the side.
		d.live = it
		k.g.keyStat(ctx, false)
	} else {
		if err := it.Close(ctx); err != nil {
			return nil, err
		}
		if len(buf) == 0 {
			// An inner or semi join with an empty side is empty; so is a
			// left join with an empty left side.
			k.g.keyStat(ctx, true)
			return sql.RowsToRowIter(), nil
		}
		for _, kt := range targets {
			add[kt.id] = keys.conds(kt)
		}
		big := j.Left()
		if drainLeft {
			big = hl.Child
		}
		if bigNode, err = withConds(big, add); err != nil {
			return nil, err
		}
		k.g.keyStat(ctx, true)
	}
	var nj sql.Node
	switch {
	case drainLeft && bigNode != nil:
		nhl, err := hl.WithChildren(bigNode)
		if err != nil {
			return nil, err
		}
		nj, err = j.WithChildren(d, nhl)
		if err != nil {
			return nil, err
		}
	case drainLeft:
		nhl, err := hl.WithChildren(hl.Child)
		if err != nil {
			return nil, err
		}
		if nj, err = j.WithChildren(d, nhl); err != nil {
			return nil, err
		}
	case bigNode != nil:
		nhl, err := hl.WithChildren(d)
		if err != nil {
			return nil, err
		}
		if nj, err = j.WithChildren(bigNode, nhl); err != nil {
			return nil, err
		}
	default:
		nhl, err := hl.WithChildren(d)
		if err != nil {
			return nil, err
		}
		if nj, err = j.WithChildren(j.Left(), nhl); err != nil {
			return nil, err
		}
	}
	if bigNode != nil {
		if drop := k.constPairs(buf, pos, targets, add); len(drop) > 0 {
			if sj, ok := k.withoutPairs(nj.(*plan.JoinNode), drop); ok {
				nj = sj
				if c, ok := ctx.Value(scanKey{}).(*scanCounter); ok {
					c.keys.constants += len(drop)
				}
			}
		}
	}
	jt, err := b.Build(ctx, nj, row)
	if err != nil {
		d.close(ctx)
		return nil, err
	}
	return &keyJoinIter{RowIter: jt, d: d}, nil
}

// constPairs are the pairs whose equality is true for every two rows the
// join will see, so that the join's condition and hash key need not hold
// them: the side read first has one value there in every row (none NULL),
// and the other side's column is the tenant of a scan given that very
// value as an equality — a scan fills that column in with it (db.go), and
// Neo4j returns only nodes whose tenant is that string. As a rule, the
// tenant of `a.tenant = b.tenant` when both sides are one tenant's.
func (k *keyJoin) constPairs(buf []sql.Row, pos []int, targets []*keyTarget, add map[sql.TableId][]store.SQLCond) map[int]bool {
	drop := map[int]bool{}
	for _, kt := range targets {
		for j, pi := range kt.pairs {
			if kt.cols[j].Field != schema.PropTenant {
				continue
			}
			var v string
			pushed := false
			for _, c := range add[kt.id] {
				if s, ok := c.Value.(string); ok && c.Field == schema.PropTenant && c.Op == store.SQLEq {
					v, pushed = s, true
				}
			}
			if !pushed {
				continue
			}
			same := len(buf) > 0
			for _, r := range buf {
				if s, ok := r[pos[pi]].(string); !ok || s != v {
					same = false
					break
				}
			}
			if same {
				drop[pi] = true
			}
		}
	}
	if len(drop) == len(k.pairs) {
		// Keep one equality: the hash join needs a key.
		return nil
	}
	return drop
}

// withoutPairs is the join j (built from k's) without the dropped pairs'
// equalities in its condition and its hash lookup's keys, or false when
// the keys are not the tuples of fields expected.
func (k *keyJoin) withoutPairs(j *plan.JoinNode, drop map[int]bool) (sql.Node, bool) {
	hl, ok := j.Right().(*plan.HashLookup)
	if !ok || j.Filter == nil {
		return nil, false
	}
	gone := map[*expression.Equals]bool{}
	for pi := range drop {
		gone[k.pairs[pi].eq] = true
	}
	var keep []sql.Expression
	for _, e := range expression.SplitConjunction(j.Filter) {
		if eq, ok := e.(*expression.Equals); ok && gone[eq] {
			delete(gone, eq)
			continue
		}
		keep = append(keep, e)
	}
	if len(gone) > 0 || len(keep) == 0 {
		return nil, false
	}
	narrow := func(key sql.Expression, field func(keyPair) *expression.GetField) (sql.Expression, bool) {
		tup, ok := key.(expression.Tuple)
		if !ok {
			return nil, false
		}
		var rest []sql.Expression
		removed := 0
		for _, e := range tup {
			gf, ok := e.(*expression.GetField)
			hit := false
			for pi := range drop {
				f := field(k.pairs[pi])
				if ok && gf.TableId() == f.TableId() && strings.EqualFold(gf.Name(), f.Name()) {
					hit = true
				}
			}
			if hit {
				removed++
				continue
			}
			rest = append(rest, e)
		}
		if removed != len(drop) || len(rest) == 0 {
			return nil, false
		}
		return expression.NewTuple(rest...), true
	}
	lk, ok := narrow(hl.LeftProbeKey, func(p keyPair) *expression.GetField { return p.left })
	if !ok {
		return nil, false
	}
	rk, ok := narrow(hl.RightEntryKey, func(p keyPair) *expression.GetField { return p.right })
	if !ok {
		return nil, false
	}
	nj, err := j.WithExpressions(expression.JoinAnd(keep...))
	if err != nil {
		return nil, false
	}
	nj, err = nj.WithChildren(j.Left(), plan.NewHashLookup(hl.Child, rk, lk, hl.JoinType))
	if err != nil {
		return nil, false
	}
	return nj, true
}

type keyJoinIter struct {
	sql.RowIter
	d *drained
}

func (it *keyJoinIter) Close(ctx *sql.Context) error {
	err := it.RowIter.Close(ctx)
	it.d.close(ctx)
	return err
}

// keySets collects the distinct key values of the side read first, per
// target scan and column.
type keySets struct {
	targets []*keyTarget
	// per target: per pair of the target, the values; and the
	// (tenant, native id) keys of each id column given with the tenant.
	vals [][]map[any]bool
	max  int
}

func newKeySets(targets []*keyTarget, max int) *keySets {
	ks := &keySets{targets: targets, max: max}
	for _, kt := range targets {
		m := make([]map[any]bool, len(kt.pairs))
		for i := range m {
			m[i] = map[any]bool{}
		}
		ks.vals = append(ks.vals, m)
	}
	return ks
}

// add records one row's keys. A row with a NULL key can match nothing and
// adds none. Values must be strings or integers, per the key types.
func (ks *keySets) add(r sql.Row, pos []int) error {
	for ti, kt := range ks.targets {
		vals := make([]any, len(kt.pairs))
		null := false
		for i, p := range kt.pairs {
			v := r[pos[p]]
			switch x := v.(type) {
			case nil:
				null = true
			case string, int64:
			case []byte:
				v = string(x)
			default:
				return fmt.Errorf("key of type %T: %w", v, errTooBig)
			}
			vals[i] = v
		}
		if null {
			continue
		}
		tenant := -1
		for i, c := range kt.cols {
			if c.Field == schema.PropTenant {
				tenant = i
			}
		}
		for i := range kt.pairs {
			key := vals[i]
			if tenant >= 0 && i != tenant && endKind(kt.t.def, kt.cols[i].Field) != nil {
				// The id with its tenant: the asset's unique key.
				key = [2]any{vals[tenant], vals[i]}
			}
			ks.vals[ti][i][key] = true
			if len(ks.vals[ti][i]) > ks.max {
				return errTooBig
			}
		}
	}
	return nil
}

// endKind is the kind whose native id a field holds (a kind table's id
// column, or a relation's end), or nil.
func endKind(t *Table, field string) *schema.Kind {
	switch {
	case t.Kind != nil && field == schema.PropNativeID:
		return t.Kind
	case t.Rel != nil && field == store.SQLFromEnd:
		return t.Rel.From
	case t.Rel != nil && field == store.SQLToEnd:
		return t.Rel.To
	}
	return nil
}

// keyField is the field of an end's unique key.
func keyField(t *Table, field string) string {
	switch field {
	case store.SQLFromEnd:
		return store.SQLFromKey
	case store.SQLToEnd:
		return store.SQLToKey
	}
	return schema.PropID
}

// scanTenants are the tenants a scan's pushed conditions allow, if they
// name them.
func scanTenants(t *table) ([]string, bool) {
	for _, c := range t.conds {
		if c.Field != schema.PropTenant {
			continue
		}
		switch c.Op {
		case store.SQLEq:
			if s, ok := c.Value.(string); ok {
				return []string{s}, true
			}
		case store.SQLIn:
			if vs, ok := c.Value.([]any); ok {
				var out []string
				for _, v := range vs {
					s, ok := v.(string)
					if !ok {
						return nil, false
					}
					out = append(out, s)
				}
				return out, true
			}
		}
	}
	return nil, false
}

// conds are the conditions pushed into a target scan: an id with its
// tenant (joined on, or named by the scan's own conditions) as the unique
// key IN the keys (a seek); any other column IN its values. Every row the
// join can keep satisfies them; the join still judges every row.
func (ks *keySets) conds(kt *keyTarget) []store.SQLCond {
	ti := 0
	for i, x := range ks.targets {
		if x == kt {
			ti = i
		}
	}
	def := kt.t.def
	hasTenant := false
	for _, c := range kt.cols {
		if c.Field == schema.PropTenant {
			hasTenant = true
		}
	}
	tenants, scanTenant := scanTenants(kt.t)
	var out []store.SQLCond
	for i, c := range kt.cols {
		set := ks.vals[ti][i]
		k := endKind(def, c.Field)
		switch {
		case k != nil && hasTenant:
			var keys []string
			for v := range set {
				p := v.([2]any)
				t, tok := p[0].(string)
				id, iok := p[1].(string)
				if tok && iok {
					keys = append(keys, schema.Key(t, k, id))
				}
			}
			out = append(out, store.SQLCond{Field: keyField(def, c.Field), Op: store.SQLIn, Value: sortedAny(keys)})
		case k != nil && scanTenant && len(tenants)*len(set) <= ks.max:
			var keys []string
			for _, t := range tenants {
				for v := range set {
					if id, ok := v.(string); ok {
						keys = append(keys, schema.Key(t, k, id))
					}
				}
			}
			out = append(out, store.SQLCond{Field: keyField(def, c.Field), Op: store.SQLIn, Value: sortedAny(keys)})
		case c.Field == schema.PropTenant && len(set) == 1:
			// One tenant (as a rule): an equality, which also spares
			// reading the column row by row (db.go).
			for v := range set {
				out = append(out, store.SQLCond{Field: c.Field, Op: store.SQLEq, Value: v})
			}
		default:
			var vals []string
			var ints []int64
			for v := range set {
				switch x := v.(type) {
				case string:
					vals = append(vals, x)
				case int64:
					ints = append(ints, x)
				}
			}
			list := sortedAny(vals)
			sort.Slice(ints, func(a, b int) bool { return ints[a] < ints[b] })
			for _, n := range ints {
				list = append(list, n)
			}
			out = append(out, store.SQLCond{Field: c.Field, Op: store.SQLIn, Value: list})
		}
	}
	return out
}

func sortedAny(ss []string) []any {
	sort.Strings(ss)
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// sizeScore guesses how many rows a side yields: 0 few (a scan with a
// limit, or an equality, IN or prefix condition on a column other than the
// tenant and not a boolean: names, ids, keys, rows already read), 1 some
// (other conditions: ranges, booleans, IS NULL, which may keep most of a
// tenant, as blocked = false does), 2 a tenant's (a scan bounded by the
// tenant only, or by IS NOT NULL), 3 any. The side with the lower score is read first; a wrong
// guess costs reading up to maxBuffered rows, which the join then uses as
// planned.
func sizeScore(n sql.Node) int {
	switch x := n.(type) {
	case *drained:
		return 0
	case *plan.TableAlias, *plan.ResolvedTable:
		t, _, _ := scanOf(x)
		if t == nil {
			return 3
		}
		if t.limit > 0 {
			return 0
		}
		score := 3
		for _, c := range t.conds {
			switch {
			case c.Field == schema.PropTenant || c.Op == store.SQLNotNull:
				// IS NOT NULL: what the engine says of join keys.
				score = min(score, 2)
			case narrows(c):
				return 0
			default:
				score = 1
			}
		}
		return score
	case *keyJoin:
		return sizeScore(x.join)
	case *plan.JoinNode:
		if x.Op.IsSemi() || x.Op.IsAnti() || x.Op.IsLeftOuter() {
			return sizeScore(x.Left())
		}
	}
	best := 3
	for _, c := range n.Children() {
		best = min(best, sizeScore(c))
	}
	return best
}

// narrows says whether a pushed condition likely keeps few rows: an
// equality, IN or prefix on a value other than a boolean.
func narrows(c store.SQLCond) bool {
	switch c.Op {
	case store.SQLEq:
		_, isBool := c.Value.(bool)
		return !isBool
	case store.SQLIn, store.SQLPrefix:
		return true
	}
	return false
}

// drained holds the rows of the side read first: the join reads them
// again (a hash join's right side is read once; a reread gets the same
// rows), then, when the side was too big, the rest of it.
type drained struct {
	sch  sql.Schema
	rows []sql.Row
	live sql.RowIter // the rest of the side, when it was too big
	orig sql.Node    // the side, to run again after live was handed out
	used bool
}

func (d *drained) Resolved() bool       { return true }
func (d *drained) IsReadOnly() bool     { return true }
func (d *drained) Schema() sql.Schema   { return d.sch }
func (d *drained) Children() []sql.Node { return nil }
func (d *drained) String() string {
	return fmt.Sprintf("KeyFilterRows(%d rows read first)", len(d.rows))
}

func (d *drained) WithChildren(children ...sql.Node) (sql.Node, error) {
	if len(children) != 0 {
		return nil, sql.ErrInvalidChildrenNumber.New(d, len(children), 0)
	}
	return d, nil
}

func (d *drained) rowIter(ctx *sql.Context, b sql.NodeExecBuilder, row sql.Row) (sql.RowIter, error) {
	if d.live == nil {
		return sql.RowsToRowIter(d.rows...), nil
	}
	if d.used {
		return b.Build(ctx, d.orig, row)
	}
	d.used = true
	return &replayIter{rows: d.rows, live: d.live}, nil
}

// close ends the rest of the side if the join never asked for it.
func (d *drained) close(ctx *sql.Context) {
	if d.live != nil && !d.used {
		d.used = true
		_ = d.live.Close(ctx)
	}
}

type replayIter struct {
	rows   []sql.Row
	i      int
	live   sql.RowIter
	closed bool
}

func (r *replayIter) Next(ctx *sql.Context) (sql.Row, error) {
	if r.i < len(r.rows) {
		r.i++
		return r.rows[r.i-1], nil
	}
	return r.live.Next(ctx)
}

func (r *replayIter) Close(ctx *sql.Context) error {
	if r.closed {
		return nil
	}
	r.closed = true
	return r.live.Close(ctx)
}
