package store

import (
	"context"
	"fmt"

	"github.com/authgraph/authgraph/schema"
)

// DeleteTenant removes every node of a tenant (assets, its root, its
// syncs, findings and rule results), in batches. It returns the number of nodes deleted.
func (s *Store) DeleteTenant(ctx context.Context, tenant string) (int, error) {
	total := 0
	// Per kind label, so each delete uses that label's tenant index.
	// Findings and rule results too (Rule nodes are shared by tenants).
	labels := []string{schema.SyncLabel, schema.FindingLabel, RuleResultLabel, CheckpointLabel}
	for i := len(schema.Kinds) - 1; i >= 0; i-- {
		labels = append(labels, schema.Kinds[i].Label)
	}
	for _, label := range labels {
		q := fmt.Sprintf(`MATCH (n:%s {tenant: $tenant}) WITH n LIMIT $batch DETACH DELETE n`, label)
		for {
			c, err := s.write(ctx, q, map[string]any{"tenant": tenant, "batch": cleanupBatch})
			if err != nil {
				return total, fmt.Errorf("delete tenant %s: %w", tenant, err)
			}
			total += c.NodesDeleted()
			if c.NodesDeleted() < cleanupBatch {
				break
			}
		}
	}
	return total, nil
}
