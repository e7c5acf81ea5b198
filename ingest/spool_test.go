package ingest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
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
	tmp := isolatedTmp(t)
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
	if runtime.GOOS != "windows" { // unlinked, yet written and read below
		assertNoSpoolFiles(t, tmp, "while rows are parked")
	}
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
	tmp := isolatedTmp(t)
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
	assertNoSpoolFiles(t, tmp, "after the discard")
}

// isolatedTmp points TMPDIR (where newSpool creates its file) at a directory
// of the test's own.
func isolatedTmp(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	if os.TempDir() != dir {
		t.Fatalf("os.TempDir() is %s, not the test's %s", os.TempDir(), dir)
	}
	return dir
}

// assertNoSpoolFiles fails when dir has a spool file. (Where an open file
// cannot be removed, Windows, the name stays while the spool is in use.)
func assertNoSpoolFiles(t *testing.T, dir, when string) {
	t.Helper()
	left, err := filepath.Glob(filepath.Join(dir, "authgraph-spool-*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(left) > 0 {
		t.Errorf("%s: spool files in the temp dir: %v", when, left)
	}
}

const spoolChildEnv = "AUTHGRAPH_TEST_SPOOL_CHILD"

// A process killed while its spool holds rows leaves no file behind: the
// spool's file has no name from the start, so SIGKILL (no deferred removal
// runs) frees it with the process. The child is this test binary.
func TestSpoolFileGoesWithAKilledProcess(t *testing.T) {
	if os.Getenv(spoolChildEnv) == "1" {
		spoolChild()
		return
	}
	if runtime.GOOS == "windows" {
		t.Skip("an open file cannot be unlinked on Windows")
	}
	tmp := isolatedTmp(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestSpoolFileGoesWithAKilledProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), spoolChildEnv+"=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "spooled ") {
				ready <- sc.Text()
				break
			}
		}
		close(ready)
	}()
	select {
	case line, ok := <-ready:
		if !ok {
			t.Fatal("the child ended before spooling")
		}
		t.Logf("child: %s", line)
	case <-time.After(30 * time.Second):
		t.Fatal("the child did not spool within 30 s")
	}
	if runtime.GOOS == "linux" {
		// The child really holds a spool file, with rows in it.
		if f := openSpoolOf(t, cmd.Process.Pid); f == "" {
			t.Fatal("the child has no spool file open")
		} else if fi, err := os.Stat(f); err != nil || fi.Size() == 0 {
			t.Fatalf("the child's spool file: %v, %v; want rows in it", fi, err)
		}
	}
	assertNoSpoolFiles(t, tmp, "while the child spools")
	if err := cmd.Process.Signal(os.Kill); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	assertNoSpoolFiles(t, tmp, "after the child was killed")
}

// spoolChild parks rows in a spool, says so, and waits to be killed.
func spoolChild() {
	sp, err := newSpool()
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	l := newLoader(context.Background(), &fakeWriter{committed: map[string]bool{}}, "t", 1)
	sctx := withSpool(context.Background(), sp)
	for i := 0; i < 1000; i++ {
		if err := l.Node(sctx, schema.User, store.Node{NativeID: fmt.Sprint("u", i), Props: map[string]any{"email": "x@example.com"}}); err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
	}
	sp.mu.Lock()
	err = sp.w.Flush()
	sp.mu.Unlock()
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	fmt.Println("spooled", sp.n, "rows")
	time.Sleep(time.Minute)
	os.Exit(2)
}

// openSpoolOf is the /proc path of an open spool file of process pid, or "".
func openSpoolOf(t *testing.T, pid int) string {
	t.Helper()
	fds, err := filepath.Glob(fmt.Sprintf("/proc/%d/fd/*", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range fds {
		if target, err := os.Readlink(fd); err == nil && strings.Contains(target, "authgraph-spool-") {
			return fd
		}
	}
	return ""
}
