package store

import (
	"context"
	"fmt"

	"github.com/authgraph/authgraph/schema"
)

// Baseline writers: the bare UNWIND … MERGE loader (no Asset label, no
// tenant edge, no firstseen bookkeeping) that `authgraph bench sync` measures
// the real write path against, in the same run and on the same rows. It
// writes the same kind labels, so the database maintains the same
// constraints and indexes (the full-text one included) for both: the ratio
// is the loader's own overhead.

// BaselineUpsertNodes merges nodes on their key and replaces their properties.
func (s *Store) BaselineUpsertNodes(ctx context.Context, tenant string, k *schema.Kind, nodes []Node) error {
	rows, err := nodeRows(tenant, k, nodes, false)
	if err != nil {
		return err
	}
	_, err = s.write(ctx, fmt.Sprintf(`UNWIND $rows AS row MERGE (n:%s {id: row.id}) SET n = row.props`, k.Label),
		map[string]any{"rows": rows})
	return err
}

// BaselineUpsertRels matches both ends by key and merges the relation.
func (s *Store) BaselineUpsertRels(ctx context.Context, tenant string, r *schema.Relation, rels []Rel) error {
	rows, err := relRows(tenant, r, rels)
	if err != nil {
		return err
	}
	_, err = s.write(ctx, fmt.Sprintf(`UNWIND $rows AS row MATCH (a:%s {id: row.from}) MATCH (b:%s {id: row.to}) MERGE (a)-[r:%s]->(b) SET r = row.props`,
		r.From.Label, r.To.Label, r.Type), map[string]any{"rows": rows})
	return err
}
