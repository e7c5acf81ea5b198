package sqlgraph

import (
	"strings"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/expression"
	"github.com/dolthub/go-mysql-server/sql/plan"
	"github.com/dolthub/go-mysql-server/sql/transform"

	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

// inferTenants carries the tenants a scan's pushed conditions name across
// the tenant equalities of inner joins, into the scans on the other side
// that name none: from `u.tenant = 'T'` and `ur.tenant = u.tenant` and
// `r.tenant = ur.tenant`, the scans of ur and r get `tenant = 'T'` too.
// The engine does not carry a literal across join equalities, so without
// this the join question read every tenant's `admin` roles, their edges
// and their users. It is exact: every row an inner join keeps satisfies its
// condition's top-level conjuncts, the columns compare bytes (binary
// collation) in SQL as in Cypher, and a row of the other side with another
// tenant (or NULL) cannot be equal; findScan reaches only scans whose rows
// get to the join through nodes a row filter commutes with. Scans with a
// pushed LIMIT are left alone. The engine's own filters and join
// conditions still judge every row.
func inferTenants(n sql.Node) (sql.Node, error) {
	// One pass carries a tenant up and across a join tree, bottom-up; a
	// tenant named at the top reaches the bottom in a pass per level.
	for range 8 {
		changed := false
		out, _, err := transform.NodeWithOpaque(n, func(n sql.Node) (sql.Node, transform.TreeIdentity, error) {
			j, ok := n.(*plan.JoinNode)
			if !ok || !(j.Op.IsInner() || j.Op == plan.JoinTypeHash || j.Op == plan.JoinTypeCrossHash) {
				return n, transform.SameTree, nil
			}
			add := map[sql.TableId][]store.SQLCond{}
			for _, p := range joinPairs(j) {
				lt, lok := findScan(j.Left(), p.left)
				rt, rok := findScan(j.Right(), p.right)
				if !lok || !rok || !tenantColumn(lt, p.left) || !tenantColumn(rt, p.right) {
					continue
				}
				ls, lhas := scanTenants(lt)
				rs, rhas := scanTenants(rt)
				switch {
				case lhas && !rhas && rt.limit == 0:
					add[p.right.TableId()] = tenantConds(ls)
				case rhas && !lhas && lt.limit == 0:
					add[p.left.TableId()] = tenantConds(rs)
				}
			}
			if len(add) == 0 {
				return n, transform.SameTree, nil
			}
			nn, err := withConds(j, add)
			if err != nil {
				return nil, transform.SameTree, err
			}
			changed = true
			return nn, transform.NewTree, nil
		})
		if err != nil {
			return nil, err
		}
		n = out
		if !changed {
			break
		}
	}
	return n, nil
}

// tenantColumn: f is t's tenant column.
func tenantColumn(t *table, f *expression.GetField) bool {
	for _, c := range t.cols {
		if strings.EqualFold(c.Name, f.Name()) {
			return c.Field == schema.PropTenant
		}
	}
	return false
}

// tenantConds is the pushed condition of a scan allowing these tenants.
func tenantConds(ts []string) []store.SQLCond {
	if len(ts) == 1 {
		return []store.SQLCond{{Field: schema.PropTenant, Op: store.SQLEq, Value: ts[0]}}
	}
	return []store.SQLCond{{Field: schema.PropTenant, Op: store.SQLIn, Value: sortedAny(ts)}}
}
