package ingest

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

// Writer is what the loader needs from the store (the store itself, or a
// wrapper in benchmarks).
type Writer interface {
	UpsertNodes(ctx context.Context, tenant string, k *schema.Kind, tag int64, nodes []store.Node) (store.WriteStats, error)
	EnsureNodes(ctx context.Context, tenant string, k *schema.Kind, tag int64, nodes []store.Node) (store.WriteStats, error)
	UpsertRels(ctx context.Context, tenant string, r *schema.Relation, tag int64, rels []store.Rel) (store.WriteStats, error)
}

// RefKeeper writes referenced nodes without replacing existing ones (the
// store).
type RefKeeper interface {
	KeepNodes(ctx context.Context, tenant string, k *schema.Kind, tag int64, nodes []store.Node) (store.WriteStats, error)
}

// LoadStats measure the load phase. Times are wall-clock time during which
// at least one write of that class was in progress (writers overlap).
type LoadStats struct {
	Nodes     int           `json:"nodes"`
	Rels      int           `json:"relations"`
	NodeTime  time.Duration `json:"node_write_ns"`
	RelTime   time.Duration `json:"relation_write_ns"`
	Batches   int           `json:"batches"`
	WriteTime time.Duration `json:"write_ns"`
}

type loadItem struct {
	kind    *schema.Kind
	ensure  bool
	node    store.Node
	rel     *schema.Relation
	r       store.Rel
	barrier chan struct{}
}

type nodeKey struct {
	k      *schema.Kind
	ensure bool
}

// loader batches rows and hands full batches to a few writer goroutines, so
// fetchers keep fetching while Neo4j writes (and Neo4j uses more than one
// core). Four writers, not one per core: a write spends much of its time in
// the round trip and the commit, and on the 2-core machine a 20k-user
// collection with the rate off wrote in 34 s with four against 47 s with two
// (six: 41 s; docs/benchmarks.md, the 1M-user collection). Before a
// relation batch is written, every node batch emitted before it is
// committed, so a relation never misses an end emitted before it.
type loader struct {
	w Writer
	// diff and sink, when set, make primary upserts report their changes.
	diff DiffWriter
	sink ChangeSink
	// keep, when set, writes references without replacing existing nodes
	// (an incremental pass: see store.KeepNodes).
	keep      RefKeeper
	tenant    string
	tag       int64
	nodeBatch int
	relBatch  int

	// in carries every producer's rows but a bulk one's (the users
	// export), which go to bulk: the loop serves in first, so the fetchers
	// of small lists, bound by the rate limit, do not wait behind a million
	// users for Neo4j (their rows are few; the users take what the writers
	// have left).
	in   chan loadItem
	bulk chan loadItem
	done chan struct{}

	jobs    chan func()
	nodeWG  sync.WaitGroup // node batches handed out and not yet written
	allWG   sync.WaitGroup // every batch handed out and not yet written
	writers int

	nodes map[nodeKey][]store.Node
	rels  map[*schema.Relation][]store.Rel

	mu     sync.Mutex
	err    error
	counts map[string]int
	stats  LoadStats
	ctx    context.Context
	// active writes per class (0 nodes, 1 relations, 2 any) and since when.
	active [3]int
	since  [3]time.Time
}

// busy marks a write of class c (0 nodes, 1 relations) starting (+1) or
// ending (-1), accumulating wall time per class and overall. Holds l.mu.
func (l *loader) busy(c, delta int) {
	now := time.Now()
	for _, i := range []int{c, 2} {
		if delta > 0 && l.active[i] == 0 {
			l.since[i] = now
		}
		l.active[i] += delta
		if delta < 0 && l.active[i] == 0 {
			d := now.Sub(l.since[i])
			switch i {
			case 0:
				l.stats.NodeTime += d
			case 1:
				l.stats.RelTime += d
			case 2:
				l.stats.WriteTime += d
			}
		}
	}
}

func newLoader(ctx context.Context, w Writer, tenant string, tag int64) *loader {
	l := &loader{
		w: w, tenant: tenant, tag: tag, nodeBatch: 2000, relBatch: 5000, writers: 4,
		in: make(chan loadItem, 4096), bulk: make(chan loadItem, 4096), done: make(chan struct{}), jobs: make(chan func()),
		nodes: map[nodeKey][]store.Node{}, rels: map[*schema.Relation][]store.Rel{},
		counts: map[string]int{}, ctx: ctx,
	}
	for i := 0; i < l.writers; i++ {
		go func() {
			for job := range l.jobs {
				job()
			}
		}()
	}
	go l.loop()
	return l
}

var errLoaderClosed = errors.New("loader closed")

func (l *loader) send(ctx context.Context, it loadItem) error {
	if sp := spoolFrom(ctx); sp != nil {
		return sp.add(ctx, l, it)
	}
	return l.sendDirect(ctx, it)
}

// sendDirect queues it for the loop (send without a spool).
func (l *loader) sendDirect(ctx context.Context, it loadItem) error {
	if err := l.failed(); err != nil {
		return err
	}
	ch := l.in
	if bulkLane(ctx) && it.barrier == nil {
		ch = l.bulk
	}
	select {
	case ch <- it:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-l.done:
		if err := l.failed(); err != nil {
			return err
		}
		return errLoaderClosed
	}
}

// Node queues an asset node from its primary producer.
func (l *loader) Node(ctx context.Context, k *schema.Kind, n store.Node) error {
	return l.send(ctx, loadItem{kind: k, node: n})
}

// Ref queues a node that is only referenced (see store.EnsureNodes).
func (l *loader) Ref(ctx context.Context, k *schema.Kind, n store.Node) error {
	return l.send(ctx, loadItem{kind: k, ensure: true, node: n})
}

// Rel queues a relation.
func (l *loader) Rel(ctx context.Context, r *schema.Relation, rel store.Rel) error {
	return l.send(ctx, loadItem{rel: r, r: rel})
}

// Flush writes everything queued so far and waits for it.
func (l *loader) Flush(ctx context.Context) error {
	b := make(chan struct{})
	if err := l.send(ctx, loadItem{barrier: b}); err != nil {
		return err
	}
	select {
	case <-b:
		return l.failed()
	case <-ctx.Done():
		return ctx.Err()
	case <-l.done:
		return l.failed()
	}
}

// Close flushes and stops the loader.
func (l *loader) Close(ctx context.Context) error {
	err := l.Flush(ctx)
	close(l.in)
	<-l.done
	if err != nil {
		return err
	}
	return l.failed()
}

func (l *loader) failed() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

// failLocked records the first write error. Holds l.mu.
func (l *loader) failLocked(err error) {
	if l.err == nil {
		l.err = err
	}
}

// Counts returns rows written per kind name and relation name.
func (l *loader) Counts() map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]int, len(l.counts))
	for k, v := range l.counts {
		out[k] = v
	}
	return out
}

// Stats returns the load-phase measurements.
func (l *loader) Stats() LoadStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.stats
}

func (l *loader) loop() {
	defer close(l.done)
	defer close(l.jobs)
	for {
		var it loadItem
		var ok bool
		select {
		case it, ok = <-l.in:
		default:
			select {
			case it, ok = <-l.in:
			case it = <-l.bulk:
				ok = true
			}
		}
		if !ok {
			return
		}
		if it.barrier != nil {
			// What the bulk lane held when the barrier came was sent before
			// it: it goes first.
			for n := len(l.bulk); n > 0; n-- {
				l.handle(<-l.bulk)
			}
		}
		l.handle(it)
	}
}

// handle takes one row (or a barrier) into the batches.
func (l *loader) handle(it loadItem) {
	if l.failed() != nil {
		// Drain without writing; senders see the error.
		if it.barrier != nil {
			close(it.barrier)
		}
		return
	}
	switch {
	case it.barrier != nil:
		l.flushNodes()
		l.nodeWG.Wait()
		l.flushRels()
		l.allWG.Wait()
		close(it.barrier)
	case it.kind != nil:
		key := nodeKey{it.kind, it.ensure}
		l.nodes[key] = append(l.nodes[key], it.node)
		if len(l.nodes[key]) >= l.nodeBatch {
			l.writeNodes(key)
		}
	case it.rel != nil:
		l.rels[it.rel] = append(l.rels[it.rel], it.r)
		if len(l.rels[it.rel]) >= l.relBatch {
			l.flushNodes()
			l.nodeWG.Wait()
			l.writeRels(it.rel)
		}
	}
}

func (l *loader) flushNodes() {
	// Primary producers first, committed, so references see fresh nodes.
	for _, ensure := range []bool{false, true} {
		for _, k := range schema.Kinds {
			if len(l.nodes[nodeKey{k, ensure}]) > 0 {
				l.writeNodes(nodeKey{k, ensure})
			}
		}
		l.nodeWG.Wait()
	}
}

func (l *loader) flushRels() {
	for _, r := range schema.Relations {
		if len(l.rels[r]) > 0 {
			l.writeRels(r)
		}
	}
}

// dispatch hands a write to the writer goroutines.
func (l *loader) dispatch(wg *sync.WaitGroup, job func()) {
	wg.Add(1)
	l.allWG.Add(1)
	l.jobs <- func() {
		defer l.allWG.Done()
		defer wg.Done()
		job()
	}
}

func (l *loader) writeNodes(key nodeKey) {
	batch := l.nodes[key]
	l.nodes[key] = nil
	l.dispatch(&l.nodeWG, func() {
		l.mu.Lock()
		l.busy(0, +1)
		l.mu.Unlock()
		var err error
		switch {
		case key.ensure && l.keep != nil:
			_, err = l.keep.KeepNodes(l.ctx, l.tenant, key.k, l.tag, batch)
		case key.ensure:
			_, err = l.w.EnsureNodes(l.ctx, l.tenant, key.k, l.tag, batch)
		case l.diff != nil:
			var ch []store.NodeChange
			_, ch, err = l.diff.UpsertNodesDiff(l.ctx, l.tenant, key.k, l.tag, batch)
			if err == nil && len(ch) > 0 {
				l.sink.Nodes(key.k, ch)
			}
		default:
			_, err = l.w.UpsertNodes(l.ctx, l.tenant, key.k, l.tag, batch)
		}
		l.mu.Lock()
		defer l.mu.Unlock()
		l.busy(0, -1)
		if err != nil {
			l.failLocked(err)
			return
		}
		if !key.ensure {
			l.counts[key.k.Name] += len(batch)
		}
		l.stats.Nodes += len(batch)
		l.stats.Batches++
	})
}

func (l *loader) writeRels(r *schema.Relation) {
	batch := l.rels[r]
	l.rels[r] = nil
	var none sync.WaitGroup
	l.dispatch(&none, func() {
		l.mu.Lock()
		l.busy(1, +1)
		l.mu.Unlock()
		var err error
		if l.diff != nil {
			var ch []store.RelChange
			_, ch, err = l.diff.UpsertRelsDiff(l.ctx, l.tenant, r, l.tag, batch)
			if err == nil && len(ch) > 0 {
				l.sink.Rels(r, ch)
			}
		} else {
			_, err = l.w.UpsertRels(l.ctx, l.tenant, r, l.tag, batch)
		}
		l.mu.Lock()
		defer l.mu.Unlock()
		l.busy(1, -1)
		if err != nil {
			l.failLocked(err)
			return
		}
		l.counts[r.Name()] += len(batch)
		l.stats.Rels += len(batch)
		l.stats.Batches++
	})
}
