package ingest

import (
	"bufio"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

// A spool parks the rows of resources that start before the stage they
// depend on has been written (the users export, which on a large tenant
// loads for far longer than the rest of its stage calls the API): their
// fetchers spend the rate limit while Neo4j is still writing users, and their
// rows wait on disk, not in memory, until the users are committed. Replay
// then hands them to the loader in the order they came, and later rows go to
// the loader directly.
type spool struct {
	mu     sync.Mutex
	f      *os.File
	named  bool // the file still has its name in the temp dir (see newSpool)
	w      *bufio.Writer
	enc    *gob.Encoder
	n      int
	direct *loader // set by replay: send straight to it
	closed bool
}

// spoolRow is a loadItem on disk: kind and relation by their index in the
// schema.
type spoolRow struct {
	Kind   int // index in schema.Kinds, -1 for a relation
	Ensure bool
	Node   store.Node
	Rel    int // index in schema.Relations, -1 for a node
	R      store.Rel
}

func init() {
	// Property values travel as interfaces; gob knows the basic types and
	// slices of them, not time.Time.
	gob.Register(time.Time{})
	gob.Register([]any{})
}

// newSpool creates the spool's file in the temp dir and at once removes its
// name: the open file keeps working through its descriptor, and the kernel
// frees it when the last descriptor closes, which the process's end does
// too, however it ends (SIGKILL, OOM, a crash). A spool of a large tenant's
// members is large, and a name left behind by a killed sync would stay in
// the temp dir for good. Where an open file cannot be removed (Windows) the
// name stays until remove.
func newSpool() (*spool, error) {
	f, err := os.CreateTemp("", "authgraph-spool-*")
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	named := os.Remove(f.Name()) != nil
	w := bufio.NewWriterSize(f, 1<<20)
	return &spool{f: f, named: named, w: w, enc: gob.NewEncoder(w)}, nil
}

type spoolKey struct{}

// withSpool makes the loader's sends under ctx go to sp.
func withSpool(ctx context.Context, sp *spool) context.Context {
	return context.WithValue(ctx, spoolKey{}, sp)
}

func spoolFrom(ctx context.Context) *spool {
	sp, _ := ctx.Value(spoolKey{}).(*spool)
	return sp
}

var (
	errSpoolBarrier = errors.New("spool: a flush from a spooled resource")
	errSpoolClosed  = errors.New("spool: closed before its rows were written")
)

// add writes it to the spool, or to the loader once replayed.
func (sp *spool) add(ctx context.Context, l *loader, it loadItem) error {
	sp.mu.Lock()
	if sp.direct != nil {
		sp.mu.Unlock()
		return l.sendDirect(ctx, it)
	}
	defer sp.mu.Unlock()
	if it.barrier != nil {
		// Its rows before it are still on disk: a flush cannot promise them.
		return errSpoolBarrier
	}
	if sp.closed {
		return errSpoolClosed
	}
	row := spoolRow{Kind: -1, Rel: -1, Ensure: it.ensure, Node: it.node, R: it.r}
	if it.kind != nil {
		row.Kind = indexOf(schema.Kinds, it.kind)
	}
	if it.rel != nil {
		row.Rel = indexOf(schema.Relations, it.rel)
	}
	if row.Kind < 0 && row.Rel < 0 {
		return fmt.Errorf("spool: a row of no known kind or relation")
	}
	if err := sp.enc.Encode(&row); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	sp.n++
	return nil
}

func indexOf[T comparable](list []T, x T) int {
	for i, y := range list {
		if y == x {
			return i
		}
	}
	return -1
}

// replay sends every parked row to l, in order, and from then on lets sends
// through to l directly. Senders wait while it runs, so a resource's rows
// keep their order. It returns the rows replayed.
func (sp *spool) replay(ctx context.Context, l *loader) (int, error) {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if sp.direct != nil {
		return 0, nil
	}
	defer func() {
		sp.remove()
		if sp.direct == nil {
			sp.closed = true // a failed replay: later sends fail too
		}
	}()
	if err := sp.w.Flush(); err != nil {
		return 0, fmt.Errorf("spool: %w", err)
	}
	if _, err := sp.f.Seek(0, io.SeekStart); err != nil {
		return 0, fmt.Errorf("spool: %w", err)
	}
	dec := gob.NewDecoder(bufio.NewReaderSize(sp.f, 1<<20))
	for i := 0; i < sp.n; i++ {
		var row spoolRow
		if err := dec.Decode(&row); err != nil {
			return i, fmt.Errorf("spool: row %d of %d: %w", i, sp.n, err)
		}
		it := loadItem{ensure: row.Ensure, node: row.Node, r: row.R}
		if row.Kind >= 0 {
			it.kind = schema.Kinds[row.Kind]
		}
		if row.Rel >= 0 {
			it.rel = schema.Relations[row.Rel]
		}
		if err := l.sendDirect(ctx, it); err != nil {
			return i, err
		}
	}
	sp.direct = l
	return sp.n, nil
}

// discard drops the spool (a sync ending before the replay); later sends fail.
func (sp *spool) discard() {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if sp.direct == nil {
		sp.closed = true
		sp.remove()
	}
}

// remove closes the file, which frees it, and deletes its name if it still
// has one (never a name already removed: another file may have it by now).
// Holds sp.mu.
func (sp *spool) remove() {
	if sp.f == nil {
		return
	}
	sp.f.Close()
	if sp.named {
		os.Remove(sp.f.Name())
	}
	sp.f = nil
}

type bulkKey struct{}

// withBulkLane marks the loader's sends under ctx as a bulk producer's
// (see loader.bulk).
func withBulkLane(ctx context.Context) context.Context {
	return context.WithValue(ctx, bulkKey{}, true)
}

func bulkLane(ctx context.Context) bool {
	b, _ := ctx.Value(bulkKey{}).(bool)
	return b
}
