package ingest

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/authgraph/authgraph/schema"
	"github.com/authgraph/authgraph/store"
)

// Writer is what the loader needs from the store (the store itself, or a
// wrapper in benchmarks).
type Writer interface {
	UpsertNodes(ctx context.Context, tenant string, k *schema.Kind, tag int64, nodes []store.Node) (store.WriteStats, error)
	EnsureNodes(ctx context.Context, tenant string, k *schema.Kind, tag int64, nodes []store.Node) (store.WriteStats, error)
	UpsertRels(ctx context.Context, tenant string, r *schema.Relation, tag int64, rels []store.Rel) (store.WriteStats, error)
}

// LoadStats measure the load phase.
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

// loader batches rows and writes them from one goroutine, so fetchers keep
// fetching while Neo4j writes. Before a relation batch is written, every
// pending node batch is flushed, so a relation never misses an end that was
// emitted before it.
type loader struct {
	w         Writer
	tenant    string
	tag       int64
	nodeBatch int
	relBatch  int

	in   chan loadItem
	done chan struct{}

	nodes map[nodeKey][]store.Node
	rels  map[*schema.Relation][]store.Rel

	mu     sync.Mutex
	err    error
	counts map[string]int
	stats  LoadStats
	ctx    context.Context
}

func newLoader(ctx context.Context, w Writer, tenant string, tag int64) *loader {
	l := &loader{
		w: w, tenant: tenant, tag: tag, nodeBatch: 2000, relBatch: 5000,
		in: make(chan loadItem, 4096), done: make(chan struct{}),
		nodes: map[nodeKey][]store.Node{}, rels: map[*schema.Relation][]store.Rel{},
		counts: map[string]int{}, ctx: ctx,
	}
	go l.loop()
	return l
}

var errLoaderClosed = errors.New("loader closed")

func (l *loader) send(ctx context.Context, it loadItem) error {
	if err := l.failed(); err != nil {
		return err
	}
	select {
	case l.in <- it:
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

func (l *loader) fail(err error) {
	l.mu.Lock()
	if l.err == nil {
		l.err = err
	}
	l.mu.Unlock()
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
	for it := range l.in {
		if l.failed() != nil {
			// Drain without writing; senders see the error.
			if it.barrier != nil {
				close(it.barrier)
			}
			continue
		}
		switch {
		case it.barrier != nil:
			l.flushNodes()
			l.flushRels()
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
				l.writeRels(it.rel)
			}
		}
	}
}

func (l *loader) flushNodes() {
	// Primary producers first, so references see fresh nodes.
	for _, ensure := range []bool{false, true} {
		for _, k := range schema.Kinds {
			if len(l.nodes[nodeKey{k, ensure}]) > 0 {
				l.writeNodes(nodeKey{k, ensure})
			}
		}
	}
}

func (l *loader) flushRels() {
	for _, r := range schema.Relations {
		if len(l.rels[r]) > 0 {
			l.writeRels(r)
		}
	}
}

func (l *loader) writeNodes(key nodeKey) {
	batch := l.nodes[key]
	l.nodes[key] = nil
	start := time.Now()
	var err error
	if key.ensure {
		_, err = l.w.EnsureNodes(l.ctx, l.tenant, key.k, l.tag, batch)
	} else {
		_, err = l.w.UpsertNodes(l.ctx, l.tenant, key.k, l.tag, batch)
	}
	d := time.Since(start)
	if err != nil {
		l.fail(err)
		return
	}
	l.mu.Lock()
	if !key.ensure {
		l.counts[key.k.Name] += len(batch)
	}
	l.stats.Nodes += len(batch)
	l.stats.NodeTime += d
	l.stats.WriteTime += d
	l.stats.Batches++
	l.mu.Unlock()
}

func (l *loader) writeRels(r *schema.Relation) {
	batch := l.rels[r]
	l.rels[r] = nil
	start := time.Now()
	_, err := l.w.UpsertRels(l.ctx, l.tenant, r, l.tag, batch)
	d := time.Since(start)
	if err != nil {
		l.fail(err)
		return
	}
	l.mu.Lock()
	l.counts[r.Name()] += len(batch)
	l.stats.Rels += len(batch)
	l.stats.RelTime += d
	l.stats.WriteTime += d
	l.stats.Batches++
	l.mu.Unlock()
}
