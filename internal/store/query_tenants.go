package store

import (
	"context"
	"fmt"

	"github.com/authgraph/authgraph/schema"
)

// Tenants returns every tenant's root node, ordered by tenant.
func (s *Store) Tenants(ctx context.Context) ([]Asset, error) {
	rows, err := s.query(ctx, fmt.Sprintf("MATCH (t:%s) RETURN t ORDER BY t.tenant", schema.Tenant.Label), nil)
	if err != nil {
		return nil, err
	}
	out := make([]Asset, 0, len(rows))
	for _, row := range rows {
		if a, ok := assetOf(row["t"]); ok {
			out = append(out, a)
		}
	}
	return out, nil
}

// LastSyncs returns the newest sync of each of tenants (a full
// collection, a reconcile or an incremental pass; not the rolling record of
// pushed events), in one round trip. Tenants never synced are absent.
func (s *Store) LastSyncs(ctx context.Context, tenants []string) (map[string]SyncRecord, error) {
	return s.lastSyncs(ctx, tenants, []string{SyncFull, SyncReconcile, SyncIncremental})
}

// LastFullSyncs returns the newest full collection (or reconcile) of each
// of tenants: what the tenant's counts and completeness come from.
func (s *Store) LastFullSyncs(ctx context.Context, tenants []string) (map[string]SyncRecord, error) {
	return s.lastSyncs(ctx, tenants, []string{SyncFull, SyncReconcile})
}

func (s *Store) lastSyncs(ctx context.Context, tenants, modes []string) (map[string]SyncRecord, error) {
	rows, err := s.query(ctx, fmt.Sprintf(`UNWIND $tenants AS t
CALL (t) { MATCH (s:%s {tenant: t}) WHERE coalesce(s.mode, 'full') IN $modes RETURN s ORDER BY s.started DESC LIMIT 1 }
RETURN t, s`, schema.SyncLabel), map[string]any{"tenants": tenants, "modes": modes})
	if err != nil {
		return nil, err
	}
	out := make(map[string]SyncRecord, len(rows))
	for _, row := range rows {
		out[str(row["t"])] = syncFromProps(nodeProps(row["s"]))
	}
	return out, nil
}
