// Package ingest turns an Auth0 tenant into graph rows: one file per Auth0
// resource (fetch through the narrow API interface → pure transform into
// rows → load through a batching loader), and the sync driver in this file
// that orders them in stages, records the Sync node and runs stale cleanup
// only for what was fetched completely.
package ingest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/auth0/go-auth0/management"

	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/internal/redact"
	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

// Config is one sync run.
type Config struct {
	Credentials
	// Tenant names the tenant in the graph; default the domain's host.
	Tenant string
	// UserPermissionsBudget bounds the calls spent on direct user
	// permissions in one sync (Auth0 has no tenant-wide list: one call per
	// user): the walk reads that many users and the next sync goes on where
	// it stopped. 0 means: from UserPermissionsLimit; BudgetUnlimited reads
	// every user in every sync, BudgetNone none.
	UserPermissionsBudget int
	// UserPermissionsLimit is the budget's former name (kept for
	// compatibility): a tenant of up to this many users is read whole in
	// every sync, as before; above it, this many users per sync instead of
	// none. 0 means the default (1000); -1 no limit; -2 none.
	UserPermissionsLimit int
	// AllowMissingScopes skips resources whose read scope is missing instead
	// of failing the sync before it writes anything.
	AllowMissingScopes bool
	// Concurrency of fetchers within a stage (default 4).
	Concurrency int
	// Progress receives progress events (may be nil).
	Progress func(Event)
	// ExportPoll is the first poll interval of the users export job.
	ExportPoll time.Duration
	// MaxRetries bounds the retries of one request on 429, 5xx and network
	// errors (default 6, with backoff up to 10 s).
	MaxRetries int
	// Logger (default slog.Default()).
	Logger *slog.Logger
	// Changes, when set, receives what this sync created, updated and
	// deleted (the DB must implement DiffWriter). Unset, the writers skip
	// the comparison.
	Changes ChangeSink
	// Limits bound the HTTP client against a slow or hostile endpoint
	// (zero fields: DefaultLimits).
	Limits Limits

	// record is what a pass adds to the Sync record of a full collection
	// (its mode, why, a reconcile's drift so far).
	record passRecord
}

// passRecord: what Pass tells RunWith to write on its Sync record.
type passRecord struct {
	mode, reason string
	drift        *atomic.Int64
}

// Event reports progress of one resource.
type Event struct {
	Resource string
	// Phase is "start", "progress", "done", "skipped" or "failed".
	Phase string
	Count int    // items fetched so far
	Total int    // expected total when known, else 0
	Note  string // skip reason or error
}

// Summary is what a sync reports.
type Summary struct {
	Tenant   string            `json:"tenant"`
	SyncID   string            `json:"sync_id"`
	Status   string            `json:"status"` // ok, partial, failed
	Started  time.Time         `json:"started"`
	Finished time.Time         `json:"finished"`
	Duration time.Duration     `json:"duration_ns"`
	Counts   map[string]int    `json:"counts"`
	Skipped  map[string]string `json:"skipped,omitempty"`
	Failed   map[string]string `json:"failed,omitempty"`
	// Incomplete lists what was not (fully) collected, with the kinds and
	// relations that lack data and why (skipped and failed resources).
	Incomplete []store.Incompleteness `json:"incomplete,omitempty"`
	Deleted    map[string]int         `json:"deleted,omitempty"`
	APICalls   int                    `json:"api_calls"`
	Retries    int                    `json:"retries"`
	Seen429    int                    `json:"seen_429"`
	Load       LoadStats              `json:"load"`
	UsersVia   string                 `json:"users_via,omitempty"`
	// Spooled counts the rows that resources started while the users were
	// still loading parked on disk until then.
	Spooled int `json:"spooled,omitempty"`
	// UserPermissions says how far the walk of direct user permissions got
	// (nil when it did not run).
	UserPermissions *UserPermissionsReport `json:"user_permissions,omitempty"`
	// Mode is how the tenant was collected: full (also a reconcile) or
	// incremental (a pass over the tenant's log; see Pass).
	Mode string `json:"mode,omitempty"`
	// Reason says why a pass collected in full ("no checkpoint", …).
	Reason string `json:"reason,omitempty"`
	// LogEvents read and assets they touched (incremental passes).
	LogEvents int `json:"log_events,omitempty"`
	Touched   int `json:"touched,omitempty"`
	// Drift counts the differences a reconcile found that the incremental
	// passes before it missed (0 is the expected value).
	Drift int `json:"drift,omitempty"`
	// Events are the log events an incremental pass applied (for actors).
	Events []*management.Log `json:"-"`
	// Phases is where an incremental pass's time went: "log" (reading the
	// tenant's log), "prepare" (the tenant's node, name → id maps from the
	// graph), "users" (the users updated_at search and re-reads by id),
	// "fetch" (the other re-reads, written stage by stage), "write" (the
	// last writes), "cleanup" (scoped stale cleanup and fix-ups).
	Phases map[string]time.Duration `json:"phases_ns,omitempty"`
}

// Collection modes.
const (
	ModeFull        = "full"
	ModeIncremental = "incremental"
	ModeReconcile   = "reconcile"
)

// DB is what a sync needs from the store.
type DB interface {
	Writer
	EnsureSchema(ctx context.Context) error
	EnsureTenant(ctx context.Context, tenant string, tag int64) error
	StartSync(ctx context.Context, r store.SyncRecord) error
	FinishSync(ctx context.Context, r store.SyncRecord) error
	DeleteStaleNodes(ctx context.Context, tenant string, k *schema.Kind, tag int64) (int, error)
	DeleteStaleRels(ctx context.Context, tenant string, r *schema.Relation, tag int64) (int, error)
}

// Run syncs one tenant into the graph. Bad credentials, an unreachable
// domain or missing scopes fail before anything is written. A resource that
// fails leaves its kinds' old data in place and the sync reports partial.
func Run(ctx context.Context, db DB, cfg Config) (*Summary, error) {
	api, err := NewAuth0(ctx, cfg.Credentials, cfg.Limits)
	if err != nil {
		return nil, err
	}
	if cfg.Tenant == "" {
		u, _ := ParseDomain(cfg.Domain)
		cfg.Tenant = u.Host
	}
	return RunWith(ctx, db, api, cfg)
}

// statsAPI is implemented by APIs that count their calls.
type statsAPI interface {
	Stats() (calls, retries, seen429 int)
}

// RunWith is Run with a given API (tests, other transports).
func RunWith(ctx context.Context, db DB, api API, cfg Config) (*Summary, error) {
	if cfg.Tenant == "" {
		return nil, apperr.New(apperr.Invalid, "missing tenant name")
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 4
	}
	if cfg.UserPermissionsBudget == 0 {
		switch l := cfg.UserPermissionsLimit; {
		case l == 0:
			cfg.UserPermissionsBudget = DefaultUserPermissionsBudget
		case l == -1:
			cfg.UserPermissionsBudget = BudgetUnlimited
		case l < 0:
			cfg.UserPermissionsBudget = BudgetNone
		default:
			cfg.UserPermissionsBudget = l
		}
	} else if cfg.UserPermissionsBudget < 0 && cfg.UserPermissionsBudget != BudgetNone {
		cfg.UserPermissionsBudget = BudgetUnlimited
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if a, ok := api.(*Auth0); ok {
		if cfg.ExportPoll > 0 {
			a.poll = cfg.ExportPoll
		}
		if cfg.MaxRetries > 0 {
			a.pacer.maxRetries = cfg.MaxRetries
		}
	}
	if cfg.Changes != nil {
		cfg.Changes = newFirstReads(cfg.Changes)
	}
	ctx = withMaxPages(ctx, cfg.Limits.withDefaults().MaxPages)
	started := time.Now()
	r := &run{
		api: api, db: db, cfg: cfg, tenant: cfg.Tenant, tag: started.UnixMilli(),
		skipped: map[string]string{}, failed: map[string]string{}, incomplete: map[string]bool{},
		state: newState(),
	}

	// Preflight: reach the tenant and check every resource's access before
	// anything is written, so bad credentials or missing scopes change nothing.
	if err := r.preflight(ctx); err != nil {
		return nil, err
	}
	var diff DiffWriter
	if cfg.Changes != nil {
		dw, ok := db.(DiffWriter)
		if !ok {
			return nil, apperr.New(apperr.Internal, "change detection needs a writer that reports changes")
		}
		diff = dw
	}
	if err := db.EnsureSchema(ctx); err != nil {
		return nil, err
	}
	if err := db.EnsureTenant(ctx, r.tenant, r.tag); err != nil {
		return nil, err
	}
	syncID := fmt.Sprintf("%s@%d", r.tenant, r.tag)
	rec := store.SyncRecord{ID: syncID, Tenant: r.tenant, Tag: r.tag, Started: started, Status: "running",
		Mode: cmp.Or(cfg.record.mode, ModeFull), Reason: cfg.record.reason}
	if err := db.StartSync(ctx, rec); err != nil {
		return nil, err
	}

	r.load = newLoader(ctx, db, r.tenant, r.tag)
	if diff != nil {
		r.load.diff, r.load.sink = diff, cfg.Changes
	}
	runErr := r.stages(ctx)
	closeErr := r.load.Close(context.WithoutCancel(ctx))
	if runErr == nil {
		runErr = closeErr
	}

	sum := &Summary{
		Tenant: r.tenant, SyncID: syncID, Started: started, Counts: r.load.Counts(),
		Skipped: r.skipped, Failed: r.failed, Deleted: map[string]int{}, Load: r.load.Stats(),
		UsersVia: r.state.usersVia, UserPermissions: r.userPerms, Mode: ModeFull, Spooled: r.spooled,
	}
	if r.permsDeleted > 0 {
		sum.Deleted[schema.RelHasPermission.Name()] = r.permsDeleted
	}
	switch {
	case runErr != nil:
		sum.Status = "failed"
	case len(r.failed) > 0:
		sum.Status = "partial"
	default:
		sum.Status = "ok"
	}
	// Cleanup only after a run that wrote everything it fetched, and only for
	// kinds and relations whose producers all completed.
	if runErr == nil {
		if err := r.cleanup(ctx, db, diff, sum.Deleted); err != nil {
			runErr = err
			sum.Status = "failed"
		}
	}
	if s, ok := api.(statsAPI); ok {
		sum.APICalls, sum.Retries, sum.Seen429 = s.Stats()
	}
	sum.Finished = time.Now()
	sum.Duration = sum.Finished.Sub(started)
	rec.Finished, rec.Status, rec.Counts, rec.APICalls, rec.Retries, rec.Seen429 =
		sum.Finished, sum.Status, sum.Counts, sum.APICalls, sum.Retries, sum.Seen429
	rec.Skipped = map[string]string{}
	// What is stored in the graph never holds a pre-signed URL or a token.
	for k, v := range r.skipped {
		rec.Skipped[k] = redact.Secrets(v)
	}
	for k, v := range r.failed {
		rec.Skipped[k] = "failed: " + redact.Secrets(v)
	}
	sum.Incomplete = incompleteness(rec.Skipped)
	if up := r.userPerms; up != nil && up.Unknown > 0 {
		// Read a budget per sync: what rules and readers of HAS_PERMISSION
		// must know until the walk has reached every user.
		sum.Incomplete = append(sum.Incomplete, userPermsIncompleteness(up))
	}
	rec.Incomplete = sum.Incomplete
	if cfg.record.drift != nil {
		rec.Drift = int(cfg.record.drift.Load())
	}
	if runErr != nil {
		rec.Error = redact.Secrets(runErr.Error())
	}
	if err := db.FinishSync(context.WithoutCancel(ctx), rec); err != nil && runErr == nil {
		runErr = err
	}
	if runErr != nil {
		return sum, runErr
	}
	return sum, nil
}

// run is the state of one sync.
type run struct {
	api    API
	db     DB
	cfg    Config
	tenant string
	tag    int64
	load   *loader
	state  *state

	mu         sync.Mutex
	skipped    map[string]string // resource → reason
	failed     map[string]string // resource → error
	incomplete map[string]bool   // kind or relation name → not complete

	userPerms    *UserPermissionsReport
	permsDeleted int // HAS_PERMISSION relations removed by the per-user cleanup
	spooled      int // rows parked on disk by resources started early
}

func (r *run) progress(e Event) {
	if r.cfg.Progress != nil {
		r.cfg.Progress(e)
	}
}

// markIncomplete records that the named kinds/relations were not fully
// fetched in this run (their stale data must not be cleaned).
func (r *run) markIncomplete(names ...string) {
	r.mu.Lock()
	for _, n := range names {
		r.incomplete[n] = true
	}
	r.mu.Unlock()
}

func (r *run) isSkipped(res string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.skipped[res]
	return ok
}

func (r *run) preflight(ctx context.Context) error {
	// The first call fetches the token: credentials and reachability.
	var missing []string
	check := func(name, scope string, err error) error {
		if err == nil {
			return nil
		}
		skip, ok := classify(err)
		if !ok {
			if len(missing) == 0 && name == "tenant_settings" {
				return connectError(r.cfg.Domain, err)
			}
			return apperr.Wrap(apperr.Unavailable, err, fmt.Sprintf("cannot read %s", name))
		}
		if strings.HasPrefix(skip, "missing scope") && !r.cfg.AllowMissingScopes {
			missing = append(missing, fmt.Sprintf("%s (%s)", name, scope))
			return nil
		}
		r.skip(name, skip)
		return nil
	}
	_, err := r.api.TenantSettings(ctx)
	if err := check("tenant_settings", "read:tenant_settings", err); err != nil {
		return err
	}
	for _, res := range resources {
		if res.probe == nil {
			continue
		}
		if err := check(res.name, res.scope, res.probe(ctx, r.api)); err != nil {
			return err
		}
	}
	if len(missing) > 0 {
		return apperr.New(apperr.Forbidden, "the client lacks read scopes for: %s; grant them to the application in Auth0 (or pass --allow-missing-scopes to skip those resources)", strings.Join(missing, ", "))
	}
	return nil
}

// connectError turns a first-call failure into one clear line.
func connectError(domain string, err error) error {
	msg := err.Error()
	switch {
	case errors.Is(err, context.Canceled):
		return err
	case strings.Contains(msg, "oauth2:") || apiStatus(err) == 401:
		for _, s := range []string{"access_denied", "Unauthorized", "invalid_client", "401", "403"} {
			if strings.Contains(msg, s) || apiStatus(err) == 401 {
				// One line, what to check, without the transport's noise.
				return apperr.New(apperr.Forbidden, "Auth0 at %s rejected the client credentials: check that the application is a "+
					"machine-to-machine application authorised for the Management API, that the client id and secret are "+
					"its current ones, and that it was created in this tenant (domain %s)", domain, domain)
			}
		}
		return apperr.Wrap(apperr.Unavailable, err, fmt.Sprintf("cannot get a token from %s", domain))
	}
	return apperr.Wrap(apperr.Unavailable, err, fmt.Sprintf("cannot reach Auth0 at %s", domain))
}

func (r *run) skip(res, reason string) {
	r.mu.Lock()
	r.skipped[res] = reason
	r.mu.Unlock()
	r.progress(Event{Resource: res, Phase: "skipped", Note: reason})
}

// stages runs the resources stage by stage; within a stage they run
// concurrently. A stage's rows are flushed before the next starts, so
// relations always find both ends. One exception keeps the rate limit busy
// on a large tenant: once every resource of a stage but its bulk ones (the
// users export, which loads for as long as Neo4j needs to write the users)
// is done, the next stage's early resources start, their rows parked in a
// spool on disk until the stage is flushed, then replayed.
func (r *run) stages(ctx context.Context) error {
	maxStage := 0
	for _, res := range resources {
		maxStage = max(maxStage, res.stage)
	}
	var early *earlyStart // this stage's resources started during the last
	for stage := 1; stage <= maxStage; stage++ {
		sem := make(chan struct{}, r.cfg.Concurrency)
		var wg, lead sync.WaitGroup
		bulkLeft := 0
		for _, res := range resources {
			if res.stage != stage || early.has(res) {
				continue
			}
			if r.isSkipped(res.name) {
				r.markIncomplete(res.products()...)
				continue
			}
			wg.Add(1)
			if res.bulk {
				bulkLeft++
			} else {
				lead.Add(1)
			}
			go func(res *resource) {
				defer wg.Done()
				if !res.bulk {
					defer lead.Done()
				}
				sem <- struct{}{}
				defer func() { <-sem }()
				rctx := ctx
				if res.bulk {
					rctx = withBulkLane(ctx)
				}
				r.runOne(rctx, res)
			}(res)
		}
		var next *earlyStart
		if bulkLeft > 0 && stage < maxStage {
			stageDone := make(chan struct{})
			go func() { wg.Wait(); close(stageDone) }()
			leadDone := make(chan struct{})
			go func() { lead.Wait(); close(leadDone) }()
			select {
			case <-stageDone:
			case <-leadDone:
				select {
				case <-stageDone:
				default:
					var err error
					if next, err = r.startEarly(ctx, stage+1); err != nil {
						r.cfg.Logger.Warn("cannot park rows on disk; the next stage waits for this one", "err", err)
					}
				}
			}
		}
		wg.Wait()
		early.wait()
		err := ctx.Err()
		if err == nil {
			err = r.load.Flush(ctx)
		}
		if err == nil && next != nil {
			var n int
			n, err = next.sp.replay(ctx, r.load)
			r.spooled += n
		}
		if err != nil {
			next.stop()
			return err
		}
		early = next
	}
	return nil
}

// earlyStart is the resources of a stage started before the stage before it
// was written, with the spool their rows wait in.
type earlyStart struct {
	sp   *spool
	wg   sync.WaitGroup
	runs map[*resource]bool
}

func (e *earlyStart) has(res *resource) bool { return e != nil && e.runs[res] }

func (e *earlyStart) wait() {
	if e != nil {
		e.wg.Wait()
	}
}

// stop drops the parked rows (their sends fail from now on) and waits for
// the resources.
func (e *earlyStart) stop() {
	if e != nil {
		e.sp.discard()
		e.wg.Wait()
	}
}

// startEarly starts stage's early resources with their rows spooled; nil
// when the stage has none.
func (r *run) startEarly(ctx context.Context, stage int) (*earlyStart, error) {
	var list []*resource
	for _, res := range resources {
		if res.stage == stage && res.early && !r.isSkipped(res.name) {
			list = append(list, res)
		}
	}
	if len(list) == 0 {
		return nil, nil
	}
	sp, err := newSpool()
	if err != nil {
		return nil, err
	}
	e := &earlyStart{sp: sp, runs: map[*resource]bool{}}
	sctx := withSpool(ctx, sp)
	sem := make(chan struct{}, r.cfg.Concurrency)
	for _, res := range list {
		e.runs[res] = true
		e.wg.Add(1)
		go func() {
			defer e.wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			r.runOne(sctx, res)
		}()
	}
	return e, nil
}

func (r *run) runOne(ctx context.Context, res *resource) {
	r.progress(Event{Resource: res.name, Phase: "start"})
	n, err := res.run(ctx, r)
	if err == nil {
		r.progress(Event{Resource: res.name, Phase: "done", Count: n})
		return
	}
	r.markIncomplete(res.products()...)
	if skip, ok := classify(err); ok {
		r.skip(res.name, skip)
		return
	}
	if errors.Is(err, errSkipped) {
		return
	}
	msg := redact.Secrets(err.Error())
	r.mu.Lock()
	r.failed[res.name] = msg
	r.mu.Unlock()
	r.cfg.Logger.Warn("resource failed; its kinds keep their old data", "resource", res.name, "err", msg)
	r.progress(Event{Resource: res.name, Phase: "failed", Count: n, Note: msg})
}

// errSkipped is returned by a resource that recorded its own skip.
var errSkipped = errors.New("skipped")

func (r *run) cleanup(ctx context.Context, db DB, diff DiffWriter, deleted map[string]int) error {
	for i := len(schema.Kinds) - 1; i >= 0; i-- {
		k := schema.Kinds[i]
		if k == schema.Tenant || r.incomplete[k.Name] || !producedBySome(k.Name) {
			continue
		}
		var n int
		var err error
		if diff != nil {
			var ch []store.NodeChange
			ch, err = diff.DeleteStaleNodesDiff(ctx, r.tenant, k, r.tag)
			n = len(ch)
			if len(ch) > 0 {
				r.cfg.Changes.Nodes(k, ch)
			}
		} else {
			n, err = db.DeleteStaleNodes(ctx, r.tenant, k, r.tag)
		}
		if err != nil {
			return err
		}
		if n > 0 {
			deleted[k.Name] = n
		}
	}
	for _, rel := range schema.Relations {
		if r.incomplete[rel.Name()] || !producedBySome(rel.Name()) {
			continue
		}
		var n int
		var err error
		if diff != nil {
			var ch []store.RelChange
			ch, err = diff.DeleteStaleRelsDiff(ctx, r.tenant, rel, r.tag)
			n = len(ch)
			if len(ch) > 0 {
				r.cfg.Changes.Rels(rel, ch)
			}
		} else {
			n, err = db.DeleteStaleRels(ctx, r.tenant, rel, r.tag)
		}
		if err != nil {
			return err
		}
		if n > 0 {
			deleted[rel.Name()] = n
		}
	}
	return nil
}

func producedBySome(name string) bool {
	for _, res := range resources {
		for _, p := range res.products() {
			if p == name {
				return true
			}
		}
	}
	return false
}

// resource is one Auth0 resource family: what it needs, what it produces,
// and how to collect it.
type resource struct {
	name  string
	stage int
	// bulk: loads for long after its calls are done (the users export);
	// early: may start once only its previous stage's bulk resources are
	// still running, its rows spooled until that stage is written. An early
	// resource must not read what a bulk one leaves in state.
	bulk, early bool
	scope       string // read scope it needs, for messages
	kinds       []*schema.Kind
	rels        []*schema.Relation
	probe       func(ctx context.Context, api API) error
	run         func(ctx context.Context, r *run) (int, error)
}

func (res *resource) products() []string {
	var out []string
	for _, k := range res.kinds {
		out = append(out, k.Name)
	}
	for _, rel := range res.rels {
		out = append(out, rel.Name())
	}
	return out
}

// resources is filled by each resource file's init, then sorted by stage.
var resources []*resource

func register(res *resource) {
	resources = append(resources, res)
	sort.SliceStable(resources, func(i, j int) bool { return resources[i].stage < resources[j].stage })
}
