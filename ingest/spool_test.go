package ingest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

// recordingWriter keeps every row written, in write order.
type recordingWriter struct {
	fakeWriter
	nodes []store.Node
	refs  []store.Node
	rels  []store.Rel
}

func (w *recordingWriter) UpsertNodes(ctx context.Context, tenant string, k *schema.Kind, tag int64, nodes []store.Node) (store.WriteStats, error) {
	w.fakeWriter.UpsertNodes(ctx, tenant, k, tag, nodes)
	w.mu.Lock()
	w.nodes = append(w.nodes, nodes...)
	w.mu.Unlock()
	return store.WriteStats{}, nil
}

func (w *recordingWriter) EnsureNodes(ctx context.Context, tenant string, k *schema.Kind, tag int64, nodes []store.Node) (store.WriteStats, error) {
	w.fakeWriter.UpsertNodes(ctx, tenant, k, tag, nodes)
	w.mu.Lock()
	w.refs = append(w.refs, nodes...)
	w.mu.Unlock()
	return store.WriteStats{}, nil
}

func (w *recordingWriter) UpsertRels(ctx context.Context, tenant string, r *schema.Relation, tag int64, rels []store.Rel) (store.WriteStats, error) {
	w.fakeWriter.UpsertRels(ctx, tenant, r, tag, rels)
	w.mu.Lock()
	w.rels = append(w.rels, rels...)
	w.mu.Unlock()
	return store.WriteStats{}, nil
}

// Rows parked in a spool reach the writer whole (every property type the
// transforms produce), in order, only when replayed; afterwards sends go
// straight to the loader.
func TestSpoolParksRowsUntilReplayed(t *testing.T) {
	ctx := context.Background()
	w := &recordingWriter{fakeWriter: fakeWriter{t: t, committed: map[string]bool{}}}
	l := newLoader(ctx, w, "t", 1)
	l.nodeBatch, l.relBatch = 7, 5
	sp, err := newSpool()
	if err != nil {
		t.Fatal(err)
	}
	path := sp.f.Name()
	sctx := withSpool(ctx, sp)
	at := time.Date(2026, 12, 2, 14, 0, 0, 0, time.UTC)
	var want []store.Node
	for i := 0; i < 40; i++ {
		n := store.Node{NativeID: fmt.Sprint("m", i), Name: fmt.Sprint("member ", i), Props: map[string]any{
			"organization_id": "o", "user_id": fmt.Sprint("u", i), "n": i, "ok": i%2 == 0, "f": 0.5,
			"scope": []string{"a", "b"}, "at": at, "big": int64(1) << 40,
		}}
		want = append(want, n)
		if err := l.Node(sctx, schema.OrgMembership, n); err != nil {
			t.Fatal(err)
		}
		if err := l.Rel(sctx, schema.RelIn, store.Rel{From: n.NativeID, To: "o", Props: map[string]any{"x": "y"}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Ref(sctx, schema.Permission, store.Node{NativeID: "p"}); err != nil {
		t.Fatal(err)
	}
	if err := l.Flush(sctx); !errors.Is(err, errSpoolBarrier) {
		t.Fatalf("a flush from a spooled resource: %v, want errSpoolBarrier", err)
	}
	// The organization the relations need, written directly, then a flush:
	// nothing spooled may have been written yet.
	if err := l.Node(ctx, schema.Organization, store.Node{NativeID: "o"}); err != nil {
		t.Fatal(err)
	}
	if err := l.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if len(w.nodes) != 1 || len(w.rels) != 0 || len(w.refs) != 0 {
		t.Fatalf("before the replay the writer saw %d nodes, %d refs, %d relations; want only the organization", len(w.nodes), len(w.refs), len(w.rels))
	}
	n, err := sp.replay(ctx, l)
	if err != nil || n != 81 {
		t.Fatalf("replay: %d rows, %v; want 81", n, err)
	}
	// After the replay a spooled context sends directly, and flushes work.
	if err := l.Rel(sctx, schema.RelIn, store.Rel{From: "m0", To: "o"}); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(sctx); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(w.nodes[1:], want) {
		t.Errorf("replayed nodes differ:\n got %+v\nwant %+v", w.nodes[1:3], want[:2])
	}
	if len(w.rels) != 41 || len(w.refs) != 1 || w.rels[0].Props["x"] != "y" {
		t.Errorf("relations %d (first %+v), refs %d; want 41, x=y, 1", len(w.rels), w.rels[0], len(w.refs))
	}
	if _, err := os.Stat(path); err == nil {
		t.Errorf("the spool file %s is still there after the replay", path)
	}
}

// A spool dropped before its replay removes its file and fails later sends,
// so a resource still running stops instead of losing rows quietly.
func TestSpoolDiscardFailsLaterSends(t *testing.T) {
	ctx := context.Background()
	l := newLoader(ctx, &fakeWriter{t: t, committed: map[string]bool{}}, "t", 1)
	defer l.Close(ctx)
	sp, err := newSpool()
	if err != nil {
		t.Fatal(err)
	}
	path := sp.f.Name()
	sctx := withSpool(ctx, sp)
	if err := l.Node(sctx, schema.User, store.Node{NativeID: "u"}); err != nil {
		t.Fatal(err)
	}
	sp.discard()
	if err := l.Node(sctx, schema.User, store.Node{NativeID: "v"}); !errors.Is(err, errSpoolClosed) {
		t.Errorf("send after discard: %v, want errSpoolClosed", err)
	}
	if _, err := os.Stat(path); err == nil {
		t.Errorf("the spool file %s is still there", path)
	}
}
