package graph

import (
	"context"
	"sync"
	"time"

	"github.com/vikstrous/dataloadgen"

	"github.com/authgraph/authgraph/internal/store"
)

// loaderWait is how long a loader gathers keys before it queries: long
// enough for the resolvers of one list (run concurrently by gqlgen) to all
// ask, short enough not to show in latency.
const loaderWait = 2 * time.Millisecond

// Loaders are the request-scoped dataloaders: a page of 50 users asking for
// their roles makes one query for all 50, not 50 queries.
type Loaders struct {
	st *store.Store
	// proj is what the request's assets are read with (nil: whole), decided
	// from the operation's selections (projectionOf).
	proj *store.Projection

	mu      sync.Mutex
	related map[store.RelSpec]*dataloadgen.Loader[string, []store.Related]

	assets                 *dataloadgen.Loader[string, *store.Asset]
	lastSync, lastFullSync *dataloadgen.Loader[string, *store.SyncRecord]
}

// NewLoaders returns fresh loaders for one request whose assets are read
// with proj (nil: whole assets).
func NewLoaders(st *store.Store, proj *store.Projection) *Loaders {
	l := &Loaders{st: st, proj: proj, related: map[store.RelSpec]*dataloadgen.Loader[string, []store.Related]{}}
	l.assets = dataloadgen.NewMappedLoader(func(ctx context.Context, ids []string) (map[string]*store.Asset, error) {
		found, err := st.AssetsByID(ctx, ids, proj)
		if err != nil {
			return nil, err
		}
		out := make(map[string]*store.Asset, len(ids))
		for _, id := range ids {
			if a, ok := found[id]; ok {
				out[id] = &a
			} else {
				out[id] = nil
			}
		}
		return out, nil
	}, dataloadgen.WithWait(loaderWait))
	syncs := func(read func(context.Context, []string) (map[string]store.SyncRecord, error)) *dataloadgen.Loader[string, *store.SyncRecord] {
		return dataloadgen.NewMappedLoader(func(ctx context.Context, tenants []string) (map[string]*store.SyncRecord, error) {
			found, err := read(ctx, tenants)
			if err != nil {
				return nil, err
			}
			out := make(map[string]*store.SyncRecord, len(tenants))
			for _, t := range tenants {
				if s, ok := found[t]; ok {
					out[t] = &s
				} else {
					out[t] = nil
				}
			}
			return out, nil
		}, dataloadgen.WithWait(loaderWait))
	}
	l.lastSync = syncs(st.LastSyncs)
	l.lastFullSync = syncs(st.LastFullSyncs)
	return l
}

type loadersKey struct{}

// WithLoaders puts request-scoped loaders into ctx.
func WithLoaders(ctx context.Context, l *Loaders) context.Context {
	return context.WithValue(ctx, loadersKey{}, l)
}

// loaders returns the request's loaders (fresh ones when the context has
// none, e.g. a resolver called outside a request).
func (r *Resolver) loaders(ctx context.Context) *Loaders {
	if l, ok := ctx.Value(loadersKey{}).(*Loaders); ok {
		return l
	}
	return NewLoaders(r.Store, nil)
}

// Related loads the neighbours of id across spec, batched with the other
// ids asked for in the same request.
func (l *Loaders) Related(ctx context.Context, spec store.RelSpec, id string) ([]store.Related, error) {
	return l.relatedLoader(spec).Load(ctx, id)
}

// RelatedAll loads the neighbours of many ids across spec in one batch.
func (l *Loaders) RelatedAll(ctx context.Context, spec store.RelSpec, ids []string) ([][]store.Related, error) {
	return l.relatedLoader(spec).LoadAll(ctx, ids)
}

// PrimeAsset stores an asset read elsewhere in the asset loader's cache.
func (l *Loaders) PrimeAsset(a store.Asset) { l.assets.Prime(a.ID(), &a) }

func (l *Loaders) relatedLoader(spec store.RelSpec) *dataloadgen.Loader[string, []store.Related] {
	l.mu.Lock()
	ld, ok := l.related[spec]
	if !ok {
		ld = dataloadgen.NewMappedLoader(func(ctx context.Context, ids []string) (map[string][]store.Related, error) {
			found, err := l.st.Related(ctx, spec, ids, l.proj)
			if err != nil {
				return nil, err
			}
			for _, id := range ids {
				if _, ok := found[id]; !ok {
					found[id] = nil
				}
			}
			return found, nil
		}, dataloadgen.WithWait(loaderWait))
		l.related[spec] = ld
	}
	l.mu.Unlock()
	return ld
}

// Asset loads one asset by id (nil when there is none), batched.
func (l *Loaders) Asset(ctx context.Context, id string) (*store.Asset, error) {
	return l.assets.Load(ctx, id)
}

// LastSync loads a tenant's newest sync (nil when never synced), batched.
func (l *Loaders) LastSync(ctx context.Context, tenant string) (*store.SyncRecord, error) {
	return l.lastSync.Load(ctx, tenant)
}

// LastFullSync loads a tenant's newest full collection or reconcile (nil
// when none), batched.
func (l *Loaders) LastFullSync(ctx context.Context, tenant string) (*store.SyncRecord, error) {
	return l.lastFullSync.Load(ctx, tenant)
}
