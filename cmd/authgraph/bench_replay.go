package main

import (
	"context"
	"sync"
	"time"

	"github.com/authgraph/authgraph/ingest"
	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

// recorder is an ingest.DB that keeps the loader's batches instead of
// writing them, so `bench sync` can replay the load phase on its own.
// The sync's own bookkeeping (tenant, Sync node) still goes to Neo4j.
type recorder struct {
	*store.Store
	mu      sync.Mutex
	primary []nodeBatch
	refs    []nodeBatch
	rels    []relBatch
}

type nodeBatch struct {
	k     *schema.Kind
	nodes []store.Node
}

type relBatch struct {
	r    *schema.Relation
	rels []store.Rel
}

func (r *recorder) UpsertNodes(_ context.Context, _ string, k *schema.Kind, _ int64, nodes []store.Node) (store.WriteStats, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.primary = append(r.primary, nodeBatch{k, nodes})
	return store.WriteStats{Rows: len(nodes)}, nil
}

func (r *recorder) EnsureNodes(_ context.Context, _ string, k *schema.Kind, _ int64, nodes []store.Node) (store.WriteStats, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.refs = append(r.refs, nodeBatch{k, nodes})
	return store.WriteStats{Rows: len(nodes)}, nil
}

func (r *recorder) UpsertRels(_ context.Context, _ string, rel *schema.Relation, _ int64, rels []store.Rel) (store.WriteStats, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rels = append(r.rels, relBatch{rel, rels})
	return store.WriteStats{Rows: len(rels)}, nil
}

// Nothing was written, so nothing is stale.
func (r *recorder) DeleteStaleNodes(context.Context, string, *schema.Kind, int64) (int, error) {
	return 0, nil
}
func (r *recorder) DeleteStaleRels(context.Context, string, *schema.Relation, int64) (int, error) {
	return 0, nil
}

func (r *recorder) nodeRows() int {
	n := 0
	for _, phase := range [][]nodeBatch{r.primary, r.refs} {
		for _, b := range phase {
			n += len(b.nodes)
		}
	}
	return n
}

func (r *recorder) relRows() int {
	n := 0
	for _, b := range r.rels {
		n += len(b.rels)
	}
	return n
}

func (r *recorder) batches() int { return len(r.primary) + len(r.refs) + len(r.rels) }

// replayStats are the rows and wall time of one replay.
type replayStats struct {
	nodes, rels       int
	nodeTime, relTime time.Duration
}

func (s *replayStats) add(o replayStats) {
	s.nodes += o.nodes
	s.rels += o.rels
	s.nodeTime += o.nodeTime
	s.relTime += o.relTime
}

func (s replayStats) nodeRate() float64 { return float64(s.nodes) / s.nodeTime.Seconds() }
func (s replayStats) relRate() float64  { return float64(s.rels) / s.relTime.Seconds() }

// replayInto writes the recorded batches through w into a fresh tenant, as
// the loader does (primary nodes, then referenced nodes, then relations,
// each phase on two writers), and deletes the tenant again.
func replayInto(ctx context.Context, st *store.Store, w ingest.Writer, rec *recorder, tenant string) (replayStats, error) {
	var rs replayStats
	if err := deleteTenant(ctx, st, tenant); err != nil {
		return rs, err
	}
	const tag = 1
	if err := st.EnsureTenant(ctx, tenant, tag); err != nil {
		return rs, err
	}
	start := time.Now()
	for pi, phase := range [][]nodeBatch{rec.primary, rec.refs} {
		ensure := pi == 1
		if err := onWriters(ctx, len(phase), func(i int) error {
			b := phase[i]
			var err error
			if ensure {
				_, err = w.EnsureNodes(ctx, tenant, b.k, tag, b.nodes)
			} else {
				_, err = w.UpsertNodes(ctx, tenant, b.k, tag, b.nodes)
			}
			return err
		}); err != nil {
			return rs, err
		}
	}
	rs.nodeTime = time.Since(start)
	rs.nodes = rec.nodeRows()
	start = time.Now()
	if err := onWriters(ctx, len(rec.rels), func(i int) error {
		_, err := w.UpsertRels(ctx, tenant, rec.rels[i].r, tag, rec.rels[i].rels)
		return err
	}); err != nil {
		return rs, err
	}
	rs.relTime = time.Since(start)
	rs.rels = rec.relRows()
	return rs, deleteTenant(ctx, st, tenant)
}

// onWriters runs job(0..n-1) on two goroutines, like the loader's writers,
// and returns the first error.
func onWriters(ctx context.Context, n int, job func(i int) error) error {
	const writers = 2
	next := make(chan int)
	errc := make(chan error, writers)
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := job(i); err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	var err error
loop:
	for i := 0; i < n; i++ {
		select {
		case next <- i:
		case err = <-errc:
			break loop
		case <-ctx.Done():
			err = ctx.Err()
			break loop
		}
	}
	close(next)
	wg.Wait()
	if err == nil {
		select {
		case err = <-errc:
		default:
		}
	}
	return err
}
