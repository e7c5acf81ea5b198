package ingest

import (
	"context"

	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

// ChangeSink receives what a sync changed in the graph, as the writers saw
// it while writing (Config.Changes): created and updated assets from the
// upserts, deleted ones from the stale cleanup, and the same for relations.
// Calls come from the loader's writer goroutines concurrently.
type ChangeSink interface {
	Nodes(k *schema.Kind, changes []store.NodeChange)
	Rels(r *schema.Relation, changes []store.RelChange)
}

// DiffWriter is a writer that reports what each write changed (the store).
type DiffWriter interface {
	UpsertNodesDiff(ctx context.Context, tenant string, k *schema.Kind, tag int64, nodes []store.Node) (store.WriteStats, []store.NodeChange, error)
	UpsertRelsDiff(ctx context.Context, tenant string, r *schema.Relation, tag int64, rels []store.Rel) (store.WriteStats, []store.RelChange, error)
	DeleteStaleNodesDiff(ctx context.Context, tenant string, k *schema.Kind, tag int64) ([]store.NodeChange, error)
	DeleteStaleRelsDiff(ctx context.Context, tenant string, r *schema.Relation, tag int64) ([]store.RelChange, error)
}
