package store

import (
	"context"
	"sort"

	"github.com/authgraph/authgraph/internal/apperr"
)

// TenantCount is how many nodes and relationships a tenant has in the graph
// (a relationship belongs to the tenant of its start node).
type TenantCount struct {
	Tenant string
	Nodes  int64
	Rels   int64
}

// TenantCounts counts the nodes and relationships of every tenant (nodes
// without a tenant under ""), ordered by tenant: what CI compares before and
// after `make test` to show the tests left the user's graph as it was.
func (s *Store) TenantCounts(ctx context.Context) ([]TenantCount, error) {
	rows, err := s.readRows(ctx, `MATCH (n)
WITH coalesce(n.tenant, '') AS tenant, n
RETURN tenant, count(n) AS nodes, sum(COUNT { (n)-->() }) AS rels`, nil)
	if err != nil {
		return nil, err
	}
	out := make([]TenantCount, 0, len(rows))
	for _, r := range rows {
		out = append(out, TenantCount{Tenant: str(r["tenant"]), Nodes: i64(r["nodes"]), Rels: i64(r["rels"])})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Tenant < out[j].Tenant })
	return out, nil
}

// DeleteTenantsWithPrefix deletes every node (with its relationships) whose
// tenant starts with prefix, in batches: the browser tests' sweep of the
// e2e-… tenants an interrupted run left in the tests' own server.
func (s *Store) DeleteTenantsWithPrefix(ctx context.Context, prefix string) (int, error) {
	if prefix == "" {
		return 0, apperr.New(apperr.Invalid, "refusing to delete every tenant: empty prefix")
	}
	sess := s.writeSession(ctx)
	defer sess.Close(ctx)
	res, err := sess.Run(ctx, `MATCH (n) WHERE n.tenant STARTS WITH $prefix
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS`, map[string]any{"prefix": prefix})
	if err != nil {
		return 0, wrapDBErr(err)
	}
	sum, err := res.Consume(ctx)
	if err != nil {
		return 0, wrapDBErr(err)
	}
	return sum.Counters().NodesDeleted(), nil
}
