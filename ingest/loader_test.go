package ingest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
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
