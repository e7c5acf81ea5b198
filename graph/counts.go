package graph

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/authgraph/authgraph/internal/store"
)

// countCache keeps list totals for a short while. Counting a broad filter
// (every user of a big connection that is not blocked) reads most of a
// tenant, and a client asks for the same total with every page it reads;
// the graph changes only when a sync runs, so a total a few seconds old is
// as good as a fresh one.
type countCache struct {
	ttl time.Duration
	mu  sync.Mutex
	m   map[string]*countEntry
}

type countEntry struct {
	n    int
	err  error
	at   time.Time
	done chan struct{} // closed when n and err are set
}

const maxCountEntries = 10000

func newCountCache(ttl time.Duration) *countCache {
	if ttl <= 0 {
		return nil
	}
	return &countCache{ttl: ttl, m: map[string]*countEntry{}}
}

// count returns q's total from the cache or the store. Concurrent requests
// for the same total wait for one count instead of each running it.
func (c *countCache) count(ctx context.Context, st *store.Store, q store.ListQuery) (int, error) {
	if c == nil {
		return st.Count(ctx, q)
	}
	key := countKey(q)
	c.mu.Lock()
	e, ok := c.m[key]
	if ok {
		select {
		case <-e.done:
			if e.err != nil || time.Since(e.at) >= c.ttl {
				ok = false
			}
		default: // being counted
		}
	}
	if !ok {
		if len(c.m) >= maxCountEntries {
			c.m = map[string]*countEntry{}
		}
		e = &countEntry{done: make(chan struct{})}
		c.m[key] = e
		c.mu.Unlock()
		// Counted for every waiter: not cancelled with this request.
		e.n, e.err = st.Count(context.WithoutCancel(ctx), q)
		e.at = time.Now()
		close(e.done)
		return e.n, e.err
	}
	c.mu.Unlock()
	select {
	case <-e.done:
		return e.n, e.err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// countKey names a list's total: its kind, tenant and conditions.
func countKey(q store.ListQuery) string {
	return fmt.Sprintf("%s|%s|%v|%v", q.Kind.Name, q.Tenant, q.Conds, q.Rels)
}

// cached returns q's total when a fresh one is known.
func (c *countCache) cached(q store.ListQuery) (int, bool) {
	if c == nil {
		return 0, false
	}
	c.mu.Lock()
	e, ok := c.m[countKey(q)]
	c.mu.Unlock()
	if !ok {
		return 0, false
	}
	select {
	case <-e.done:
		return e.n, e.err == nil && time.Since(e.at) < c.ttl
	default:
		return 0, false
	}
}

// put stores a total counted elsewhere (with a list page), unless a count
// of it is under way.
func (c *countCache) put(q store.ListQuery, n int) {
	if c == nil {
		return
	}
	e := &countEntry{n: n, at: time.Now(), done: make(chan struct{})}
	close(e.done)
	key := countKey(q)
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.m[key]; ok {
		select {
		case <-old.done:
		default:
			return
		}
	}
	if len(c.m) >= maxCountEntries {
		c.m = map[string]*countEntry{}
	}
	c.m[key] = e
}
