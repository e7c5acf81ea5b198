package ingest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/auth0/go-auth0/management"

	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

// Direct user permissions. Auth0 has no tenant-wide list of them: each user
// costs a call. They are read for every user, a budget of calls per sync
// (Config.UserPermissionsBudget) so the rest of the sync is never starved:
// the walk goes through the users in the graph in id order from a cursor
// kept on the tenant's node, and the next sync goes on where it stopped
// (round again after the last user). Each user read completely gets
// User.direct_permissions_at; the others' direct permissions are not yet
// known, and rules that depend on them say so. Stale cleanup of
// HAS_PERMISSION touches only the users read completely.
//
// It runs in the last stage, alone, after everything else was collected.

func init() {
	register(&resource{
		name: "user_permissions", stage: 4, scope: "read:users",
		kinds: []*schema.Kind{schema.Permission},
		rels:  []*schema.Relation{schema.RelHasPermission},
		run:   runUserPermissions,
	})
}

// Budget values besides a positive number of calls.
const (
	// BudgetUnlimited reads every user's direct permissions in every sync.
	BudgetUnlimited = -1
	// BudgetNone reads none (every user's direct permissions stay as they
	// were, unknown for new users).
	BudgetNone = -2
	// DefaultUserPermissionsBudget is the budget when none is set: the
	// calls the old --user-permissions-limit default allowed.
	DefaultUserPermissionsBudget = 1000
)

// UserPermissionsDB is what the per-user walk needs from the store.
type UserPermissionsDB interface {
	UserIDsAfter(ctx context.Context, tenant, after, upTo string, limit int) ([]string, error)
	UserPermissionsCursor(ctx context.Context, tenant string) (string, error)
	SetUserPermissionsCursor(ctx context.Context, tenant, cursor string) error
	MarkDirectPermissions(ctx context.Context, tenant string, tag int64, users []string, at time.Time) ([]store.RelChange, error)
	TouchDirectPermissionTargets(ctx context.Context, tenant string, tag int64) error
	DirectPermissionsCoverage(ctx context.Context, tenant string) (users, unknown int, err error)
}

// UserPermissionsReport is what one sync's walk did.
type UserPermissionsReport struct {
	Budget int `json:"budget"` // calls allowed (-1: unlimited)
	Calls  int `json:"calls"`  // calls spent
	Users  int `json:"users"`  // users read completely in this sync
	// Unknown is the number of users whose direct permissions are not yet
	// known after this sync, of Total users.
	Unknown int `json:"unknown"`
	Total   int `json:"total"`
	// Cursor is where the next sync goes on ("" = from the first user).
	Cursor string `json:"cursor,omitempty"`
	// Wrapped says the walk passed the last user in this sync.
	Wrapped bool `json:"wrapped,omitempty"`
}

// chunk of users read between two marks (and cursor saves).
const userPermChunk = 200

func runUserPermissions(ctx context.Context, r *run) (int, error) {
	// The walk reads the users this sync wrote: without them (skipped, or
	// failed mid-way) it would mark users it cannot know are current.
	if r.isSkipped("users") || !r.state.usersOK {
		return 0, errIncompleteInput("users")
	}
	// Relations of users the walk does not reach in this sync are not
	// stale: the tenant-wide cleanup never runs for HAS_PERMISSION, the
	// walk cleans per user.
	r.markIncomplete(schema.RelHasPermission.Name())
	budget := r.cfg.UserPermissionsBudget
	if budget == BudgetNone {
		r.skip("user_permissions", "--user-permissions-budget 0: direct user permissions are not read")
		return 0, errSkipped
	}
	db, ok := r.db.(UserPermissionsDB)
	if !ok {
		return 0, errors.New("the store cannot walk users for direct permissions")
	}
	rep := &UserPermissionsReport{Budget: budget}
	r.userPerms = rep
	start, err := db.UserPermissionsCursor(ctx, r.tenant)
	if err != nil {
		return 0, err
	}
	total := r.state.userCount
	goal := total
	if budget > 0 {
		goal = min(total, budget)
	}
	// Two legs: the users after the cursor, then (round again) those up to
	// it, so no user is read twice in one sync.
	type leg struct{ after, upTo string }
	legs := []leg{{after: start}}
	if start != "" {
		legs = append(legs, leg{upTo: start})
	}
	cursor := start
	perms := 0
	for li, lg := range legs {
		after := lg.after
		for {
			left := userPermChunk
			if budget > 0 {
				left = min(left, budget-rep.Calls)
			}
			if left <= 0 {
				break
			}
			ids, err := db.UserIDsAfter(ctx, r.tenant, after, lg.upTo, left)
			if err != nil {
				return perms, err
			}
			if len(ids) == 0 {
				if li == 0 {
					rep.Wrapped = true
					cursor = ""
				}
				break
			}
			if err := r.noteFirstReads(ctx, ids); err != nil {
				return perms, err
			}
			done, calls, n, err := r.readUserPermissions(ctx, ids)
			rep.Calls += calls
			perms += n
			// Mark whoever was read completely, even when the chunk failed.
			if merr := r.markUsers(ctx, db, done); merr != nil && err == nil {
				err = merr
			}
			rep.Users += len(done)
			if err != nil {
				return perms, err
			}
			after = ids[len(ids)-1]
			cursor = after
			if err := db.SetUserPermissionsCursor(ctx, r.tenant, cursor); err != nil {
				return perms, err
			}
			r.progress(Event{Resource: "user_permissions", Phase: "progress", Count: rep.Users, Total: goal})
			if len(ids) < left {
				if li == 0 {
					rep.Wrapped = true
					cursor = ""
				}
				break
			}
		}
		if budget > 0 && rep.Calls >= budget {
			break
		}
	}
	if rep.Wrapped && cursor == "" {
		if err := db.SetUserPermissionsCursor(ctx, r.tenant, ""); err != nil {
			return perms, err
		}
	}
	rep.Cursor = cursor
	if err := r.load.Flush(ctx); err != nil {
		return perms, err
	}
	if err := db.TouchDirectPermissionTargets(ctx, r.tenant, r.tag); err != nil {
		return perms, err
	}
	rep.Total, rep.Unknown, err = db.DirectPermissionsCoverage(ctx, r.tenant)
	return perms, err
}

// readUserPermissions reads the direct permissions of ids with 4 workers
// and returns the users read completely (a user gone meanwhile is not), the
// calls spent and the permissions seen.
func (r *run) readUserPermissions(ctx context.Context, ids []string) (done []string, calls, perms int, err error) {
	ch := make(chan string)
	var (
		mu    sync.Mutex
		first error
		wg    sync.WaitGroup
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range ch {
				c, n, err := r.readOneUser(ctx, id)
				mu.Lock()
				calls += c
				perms += n
				switch {
				case err == nil:
					done = append(done, id)
				case apiStatus(err) == 404:
					// Deleted since the users were read: the next sync's
					// users cleanup removes it.
				case first == nil:
					first = fmt.Errorf("user %s: %w", id, err)
					cancel()
				}
				mu.Unlock()
			}
		}()
	}
feed:
	for _, id := range ids {
		select {
		case ch <- id:
		case <-ctx.Done():
			break feed
		}
	}
	close(ch)
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		first = ctx.Err()
	}
	return done, calls, perms, first
}

// readOneUser reads one user's permissions, every page, and queues the
// direct ones.
func (r *run) readOneUser(ctx context.Context, id string) (calls, n int, err error) {
	_, err = eachOffsetPage(ctx, 100, func(opts ...management.RequestOption) (int, int, error) {
		calls++
		l, err := r.api.UserPermissions(ctx, id, opts...)
		if err != nil {
			return 0, 0, err
		}
		for _, p := range l.Permissions {
			if !p.Direct() {
				continue // role permissions come from the roles
			}
			n++
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
	return calls, n, err
}

// markUsers writes what was queued for users (their relations, tagged with
// this sync), then removes their relations the read did not return and
// marks them known.
func (r *run) markUsers(ctx context.Context, db UserPermissionsDB, users []string) error {
	if len(users) == 0 {
		return nil
	}
	if err := r.load.Flush(ctx); err != nil {
		return err
	}
	gone, err := db.MarkDirectPermissions(ctx, r.tenant, r.tag, users, time.Now())
	if err != nil {
		return err
	}
	if len(gone) > 0 && r.cfg.Changes != nil {
		r.cfg.Changes.Rels(schema.RelHasPermission, gone)
	}
	r.mu.Lock()
	r.permsDeleted += len(gone)
	r.mu.Unlock()
	return nil
}

// userPermsIncompleteness says how many users' direct permissions are not
// yet known after a sync that read a budget of them.
func userPermsIncompleteness(up *UserPermissionsReport) store.Incompleteness {
	budget := "every user"
	if up.Budget > 0 {
		budget = fmt.Sprintf("%d calls", up.Budget)
	}
	return store.Incompleteness{
		Resource: "user_permissions", Kinds: []string{schema.Permission.Name}, Relations: []string{schema.RelHasPermission.Name()},
		Reason: fmt.Sprintf("direct permissions of %d of %d users are not yet known: Auth0 needs a call per user, and a sync spends %s on them "+
			"(--user-permissions-budget, formerly --user-permissions-limit); the next syncs go on where this one stopped", up.Unknown, up.Total, budget),
	}
}

// A user whose direct permissions were never read (no
// direct_permissions_at: the walk has not reached it yet) has them read for
// the first time by the walk, or by a pass that re-read the user. What that
// read writes is what the user had all along, not what changed: like a
// tenant's first collection, it is not reported as changes (no history, no
// alert) nor counted as a reconcile's drift. A read asked for by an event
// naming the user's permissions is still reported: something did change.

// firstReads forwards a run's changes except the HAS_PERMISSION changes of
// users whose direct permissions are read for the first time in this run.
type firstReads struct {
	next  ChangeSink
	mu    sync.Mutex
	users map[string]bool // user keys
}

func newFirstReads(next ChangeSink) *firstReads {
	return &firstReads{next: next, users: map[string]bool{}}
}

// add notes users (keys) read for the first time.
func (f *firstReads) add(keys []string) {
	f.mu.Lock()
	for _, k := range keys {
		f.users[k] = true
	}
	f.mu.Unlock()
}

func (f *firstReads) Nodes(k *schema.Kind, ch []store.NodeChange) { f.next.Nodes(k, ch) }

func (f *firstReads) Rels(r *schema.Relation, ch []store.RelChange) {
	if r == schema.RelHasPermission {
		f.mu.Lock()
		kept := make([]store.RelChange, 0, len(ch))
		for _, c := range ch {
			if f.users[c.From] {
				continue
			}
			kept = append(kept, c)
		}
		f.mu.Unlock()
		ch = kept
	}
	if len(ch) > 0 {
		f.next.Rels(r, ch)
	}
}

// knownDB says which users' direct permissions were read before.
type knownDB interface {
	DirectPermissionsKnown(ctx context.Context, tenant string, users []string) (map[string]bool, error)
}

// noteFirstReads notes which of users (native ids) have never had their
// direct permissions read, before they are read. Only with change detection
// on (nothing is reported otherwise).
func (r *run) noteFirstReads(ctx context.Context, users []string) error {
	f, ok := r.cfg.Changes.(*firstReads)
	if !ok || len(users) == 0 {
		return nil
	}
	kdb, ok := r.db.(knownDB)
	if !ok {
		return nil
	}
	known, err := kdb.DirectPermissionsKnown(ctx, r.tenant, users)
	if err != nil {
		return err
	}
	var first []string
	for _, id := range users {
		if !known[id] {
			first = append(first, schema.Key(r.tenant, schema.User, id))
		}
	}
	f.add(first)
	return nil
}
