package ingest

import (
	"context"
	"fmt"
	"sync"

	"github.com/auth0/go-auth0/management"

	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

// Direct user permissions. Auth0 has no tenant-wide list of them: each user
// costs a call, so above Config.UserPermissionsLimit users the resource is
// skipped (and reported) rather than spending hours of rate limit.

func init() {
	register(&resource{
		name: "user_permissions", stage: 3, scope: "read:users",
		kinds: []*schema.Kind{schema.Permission},
		rels:  []*schema.Relation{schema.RelHasPermission},
		run:   runUserPermissions,
	})
}

func runUserPermissions(ctx context.Context, r *run) (int, error) {
	// Without every user (skipped, or failed mid-way) the walk would see
	// none or some, and stale cleanup would then delete the direct
	// permissions of the others.
	if r.isSkipped("users") || !r.state.usersOK {
		return 0, errIncompleteInput("users")
	}
	if r.state.userIDs == nil && r.state.userCount > 0 {
		r.skip("user_permissions", fmt.Sprintf("%d users need one call each; above --user-permissions-limit %d", r.state.userCount, r.cfg.UserPermissionsLimit))
		return 0, errSkipped
	}
	ids := make(chan string)
	var (
		mu    sync.Mutex
		total int
		first error
	)
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range ids {
				n, err := eachOffsetPage(ctx, 100, func(opts ...management.RequestOption) (int, int, error) {
					l, err := r.api.UserPermissions(ctx, id, opts...)
					if err != nil {
						return 0, 0, err
					}
					for _, p := range l.Permissions {
						if !p.Direct() {
							continue // role permissions come from the roles
						}
						ref := permissionRef(p.ResourceServerIdentifier, p.Name)
						if err := r.load.Ref(ctx, schema.Permission, ref); err != nil {
							return 0, 0, err
						}
						if err := r.load.Rel(ctx, schema.RelHasPermission, store.Rel{From: id, To: ref.NativeID}); err != nil {
							return 0, 0, err
						}
					}
					return len(l.Permissions), l.Total, nil
				})
				mu.Lock()
				total += n
				if err != nil && first == nil {
					first = fmt.Errorf("user %s: %w", id, err)
					cancel()
				}
				mu.Unlock()
			}
		}()
	}
	for i, id := range r.state.userIDs {
		select {
		case ids <- id:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		if i%200 == 0 {
			r.progress(Event{Resource: "user_permissions", Phase: "progress", Count: i, Total: len(r.state.userIDs)})
		}
	}
	close(ids)
	wg.Wait()
	return total, first
}
