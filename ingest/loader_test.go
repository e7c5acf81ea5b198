package ingest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

// fakeWriter records which nodes are committed and fails the test if a
// relation batch arrives before the nodes emitted ahead of it.
type fakeWriter struct {
	t         *testing.T
	mu        sync.Mutex
	committed map[string]bool
	rels      int
}

func (f *fakeWriter) UpsertNodes(_ context.Context, _ string, k *schema.Kind, _ int64, nodes []store.Node) (store.WriteStats, error) {
	time.Sleep(time.Duration(rand.IntN(3)) * time.Millisecond) // let writers overlap
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, n := range nodes {
		f.committed[k.Name+n.NativeID] = true
	}
	return store.WriteStats{}, nil
}

func (f *fakeWriter) EnsureNodes(ctx context.Context, tenant string, k *schema.Kind, tag int64, nodes []store.Node) (store.WriteStats, error) {
	return f.UpsertNodes(ctx, tenant, k, tag, nodes)
}

func (f *fakeWriter) UpsertRels(_ context.Context, _ string, r *schema.Relation, _ int64, rels []store.Rel) (store.WriteStats, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, x := range rels {
		if !f.committed[r.From.Name+x.From] || !f.committed[r.To.Name+x.To] {
			f.t.Errorf("relation %s %s->%s written before its ends", r.Name(), x.From, x.To)
		}
	}
	f.rels += len(rels)
	return store.WriteStats{}, nil
}

func TestLoaderWritesNodesBeforeTheirRelations(t *testing.T) {
	ctx := context.Background()
	f := &fakeWriter{t: t, committed: map[string]bool{}}
	l := newLoader(ctx, f, "t", 1)
	l.nodeBatch, l.relBatch = 7, 5 // small batches: many interleavings
	if err := l.Node(ctx, schema.Role, store.Node{NativeID: "r"}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 500; i++ {
		u := fmt.Sprint("u", i)
		if err := l.Node(ctx, schema.User, store.Node{NativeID: u}); err != nil {
			t.Fatal(err)
		}
		if err := l.Rel(ctx, schema.RelHasRole, store.Rel{From: u, To: "r"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if f.rels != 500 || l.Counts()["User"] != 500 || l.Counts()[schema.RelHasRole.Name()] != 500 {
		t.Errorf("rels %d, counts %v", f.rels, l.Counts())
	}
	if st := l.Stats(); st.Nodes != 501 || st.Rels != 500 || st.WriteTime <= 0 {
		t.Errorf("stats %+v", st)
	}
}

// slowWriter takes its time over every batch while slow is set.
type slowWriter struct {
	fakeWriter
	slow atomic.Bool
}

func (w *slowWriter) UpsertNodes(ctx context.Context, tenant string, k *schema.Kind, tag int64, nodes []store.Node) (store.WriteStats, error) {
	if w.slow.Load() {
		time.Sleep(200 * time.Millisecond)
	}
	return w.fakeWriter.UpsertNodes(ctx, tenant, k, tag, nodes)
}

// The rows of a rate-bound fetcher do not wait behind a bulk producer (the
// users export) that keeps the writers busy: they have a lane of their own
// that the loader serves first. A fetcher sends a row, then calls the API
// again; with one lane every row waited for the loop's next intake, which
// comes only when a writer is free.
func TestLoaderServesSmallListsBeforeTheBulkLane(t *testing.T) {
	ctx := context.Background()
	w := &slowWriter{fakeWriter: fakeWriter{t: t, committed: map[string]bool{}}}
	w.slow.Store(true)
	l := newLoader(ctx, w, "t", 1)
	l.nodeBatch = 200
	bctx, stopBulk := context.WithCancel(withBulkLane(ctx))
	bulkDone := make(chan int)
	go func() {
		n := 0
		for ; n < 1_000_000; n++ {
			if l.Node(bctx, schema.User, store.Node{NativeID: fmt.Sprint("u", n)}) != nil {
				break
			}
		}
		bulkDone <- n
	}()
	time.Sleep(200 * time.Millisecond) // the bulk lane is full, the writers busy
	start := time.Now()
	for i := 0; i < 40; i++ {
		if err := l.Node(ctx, schema.Role, store.Node{NativeID: fmt.Sprint("r", i)}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond) // the next call
	}
	took := time.Since(start)
	// One lane: a row per intake of the loop, which waits for a writer
	// (4.6 s here); two lanes: about the calls' 0.4 s.
	if took > 1200*time.Millisecond {
		t.Errorf("40 rows of a small list took %s behind the bulk lane", took)
	}
	stopBulk()
	sent := <-bulkDone
	w.slow.Store(false)
	if err := l.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	// The flush wrote what both lanes held.
	if got := l.Counts(); got["Role"] != 40 || got["User"] != sent {
		t.Errorf("written %v, want 40 roles and the %d users sent", got, sent)
	}
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
}
