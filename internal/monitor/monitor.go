// Package monitor keeps connected tenants collected: the scheduler (due
// tenants, intervals with jitter, backoff after failures, a bound on
// concurrent syncs), the lease in the graph that lets several `authgraph
// serve` processes share one Neo4j with each tenant synced by one process at
// a time, the change history each sync records, and the notifier that sends
// findings and changes to channels. It drives ingest (and, through the
// AfterSync hook, the rules); ingest never imports it.
package monitor

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"os"
	"sync"
	"time"

	"github.com/auth0/go-auth0/management"

	"github.com/authgraph/authgraph/ingest"
	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/internal/secretbox"
	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

// DefaultInterval is a connected tenant's polling interval unless set.
const DefaultInterval = 15 * time.Minute

// AfterSync runs after each sync of a connected tenant (the rules engine is
// wired here by cmd) and returns the findings that opened or resolved, which
// the notifier then sends. It runs under the tenant's lease.
type AfterSync interface {
	AfterSync(ctx context.Context, tenant string, sum *ingest.Summary) ([]FindingAlert, error)
}

// AfterSyncFunc adapts a function to AfterSync.
type AfterSyncFunc func(ctx context.Context, tenant string, sum *ingest.Summary) ([]FindingAlert, error)

// AfterSync calls f.
func (f AfterSyncFunc) AfterSync(ctx context.Context, tenant string, sum *ingest.Summary) ([]FindingAlert, error) {
	return f(ctx, tenant, sum)
}

// Monitor syncs connected tenants. The zero values of the tuning fields
// mean the defaults noted on each.
type Monitor struct {
	Store *store.Store
	// Box opens stored client secrets; nil means secretbox.Load(false) on
	// first use.
	Box *secretbox.Box
	// Holder identifies this process in leases (default host-pid-random).
	Holder string
	// LeaseTTL is how long a lease lasts unless renewed (default 2 min; it is
	// renewed every third of it while a sync runs).
	LeaseTTL time.Duration
	// MaxConcurrent bounds tenants syncing at once in this process (default 2).
	MaxConcurrent int
	// Tick is how often the scheduler looks for due tenants (default 5 s).
	Tick time.Duration
	// Backoff is the first retry delay after a failed sync, doubling per
	// consecutive failure up to MaxBackoff (defaults 1 min and 1 h).
	Backoff, MaxBackoff time.Duration
	// Jitter is the largest fraction of the interval added at random to each
	// next sync (default 0.1), so tenants added together spread out.
	Jitter float64
	// Tenants, when set, limits the scheduler to these connected tenants
	// (tests sharing a database; a process per group of tenants).
	Tenants []string
	// AfterSync runs after each sync (rules); may be nil.
	AfterSync AfterSync
	// Notifier sends alerts; may be nil.
	Notifier *Notifier
	// Configure adjusts each sync's ingest configuration (tests, limits).
	Configure func(*ingest.Config)
	Logger    *slog.Logger
	// Passes tunes the incremental passes (log retention, reconcile
	// schedule); FullOnly makes every sync a full collection.
	Passes   ingest.PassOptions
	FullOnly bool
	// Metrics, when set, counts passes and reconcile drift (serve's
	// /metrics).
	Metrics *Metrics

	once sync.Once
	mu   sync.Mutex
	busy map[string]bool
	// clients keeps each tenant's API client between pushed applies.
	clients map[string]pushClient
	// schemaDone is the store whose schema this process has ensured.
	schemaMu   sync.Mutex
	schemaDone *store.Store
	// evals are the tenants' rule evaluations (evaluate.go).
	evalMu sync.Mutex
	evals  map[string]*evalState
}

func (m *Monitor) init() {
	m.once.Do(func() {
		if m.Holder == "" {
			m.Holder = NewHolderID()
		}
		if m.LeaseTTL <= 0 {
			m.LeaseTTL = 2 * time.Minute
		}
		if m.MaxConcurrent <= 0 {
			m.MaxConcurrent = 2
		}
		if m.Tick <= 0 {
			m.Tick = 5 * time.Second
		}
		if m.Backoff <= 0 {
			m.Backoff = time.Minute
		}
		if m.MaxBackoff <= 0 {
			m.MaxBackoff = time.Hour
		}
		if m.Jitter == 0 {
			m.Jitter = 0.1
		}
		if m.Logger == nil {
			m.Logger = slog.Default()
		}
		m.busy = map[string]bool{}
	})
}

// NewHolderID names a process for leases: host, pid and a random suffix.
func NewHolderID() string {
	host, _ := os.Hostname()
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// ErrLeaseHeld is returned by SyncTenant when another process holds the
// tenant's lease (or, for a scheduled sync, the tenant is no longer due).
var ErrLeaseHeld = errors.New("tenant is being synced elsewhere or not due")

// Result is what one monitored sync did.
type Result struct {
	Tenant   string
	Summary  *ingest.Summary
	Baseline bool
	Changes  []store.Change
	Findings []FindingAlert
	Err      error
}

// SyncTenant syncs one connected tenant under its lease: it records the
// change history (or the baseline on a first collection), runs AfterSync,
// dispatches alerts, schedules the next sync and releases the lease. With
// scheduled, the tenant must be enabled and due (the scheduler's path);
// without, it is a manual sync (`authgraph sync --tenant`).
func (m *Monitor) SyncTenant(ctx context.Context, name string, scheduled bool) (*Result, error) {
	m.init()
	ok, err := m.Store.AcquireLease(ctx, name, m.Holder, m.LeaseTTL, scheduled)
	if err != nil {
		return nil, err
	}
	if !ok {
		if !scheduled {
			ct, gerr := m.Store.GetConnectedTenant(ctx, name)
			if gerr != nil {
				return nil, gerr
			}
			return nil, apperr.Wrap(apperr.Conflict, ErrLeaseHeld, fmt.Sprintf("tenant %s is being synced by %s (lease until %s)", name, ct.LeaseHolder, ct.LeaseUntil.Format(time.RFC3339)))
		}
		return nil, ErrLeaseHeld
	}
	// From here on the lease is ours: renew it while we work, and always
	// finish (or release) it.
	syncCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stopRenew := m.renew(syncCtx, name, cancel)
	res := m.syncLeased(syncCtx, name)
	stopRenew()
	if cause := context.Cause(syncCtx); res.Err != nil && errors.Is(cause, errLeaseLost) {
		res.Err = fmt.Errorf("%w: %w", errLeaseLost, res.Err)
	}
	return res, res.Err
}

var errLeaseLost = errors.New("lost the tenant's lease")

// renew extends the lease every third of its TTL until stopped; when the
// lease is lost it cancels the sync.
func (m *Monitor) renew(ctx context.Context, name string, cancel context.CancelCauseFunc) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(m.LeaseTTL / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				ok, err := m.Store.RenewLease(ctx, name, m.Holder, m.LeaseTTL)
				if err == nil && !ok {
					m.Logger.Warn("lost a tenant's lease; stopping its sync", "tenant", name)
					cancel(errLeaseLost)
					return
				}
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

func (m *Monitor) box() (*secretbox.Box, error) {
	if m.Box != nil {
		return m.Box, nil
	}
	b, err := secretbox.Load(false)
	if err != nil {
		return nil, err
	}
	m.Box = b
	return b, nil
}

// syncLeased does the work of SyncTenant while holding the lease.
func (m *Monitor) syncLeased(ctx context.Context, name string) *Result {
	res := &Result{Tenant: name}
	started := time.Now()
	ct, err := m.Store.GetConnectedTenant(ctx, name)
	if err != nil {
		res.Err = err
		_ = m.Store.ReleaseLease(context.WithoutCancel(ctx), name, m.Holder)
		return res
	}
	out := store.SyncOutcome{}
	finish := func() {
		if ctx.Err() != nil {
			// Shutting down (or the lease was lost): not a failure of the
			// tenant. Give the lease back so another process can sync it now.
			_ = m.Store.ReleaseLease(context.WithoutCancel(ctx), name, m.Holder)
			return
		}
		out.Duration = time.Since(started)
		if res.Err != nil {
			out.Failed, out.Error = true, res.Err.Error()
			if out.Status == "" {
				out.Status = "failed"
			}
			out.NextIn = m.backoff(ct)
		} else if ct.Baselined {
			// A fixed cadence: the next pass is due one interval after this
			// one started, not after it ended, so a pass's own duration does
			// not add to how long a change waits for the next one. A pass
			// that outran its interval still leaves a tenth of it free.
			iv := ct.Interval
			if iv <= 0 {
				iv = DefaultInterval
			}
			out.NextIn = max(iv/10, iv-time.Since(started))
		} else {
			// The first collection: up to Jitter of the interval spreads
			// tenants added together; the cadence keeps them apart after.
			out.NextIn = m.next(ct.Interval)
		}
		if err := m.Store.FinishLease(context.WithoutCancel(ctx), name, m.Holder, out); err != nil {
			m.Logger.Warn("cannot record a sync's outcome", "tenant", name, "err", err)
		}
	}
	defer finish()

	box, err := m.box()
	if err != nil {
		res.Err = err
		return res
	}
	secret, err := box.Open(ct.SecretSealed, TenantSecretAD(name))
	if err != nil {
		res.Err = err
		return res
	}
	cfg := ingest.Config{
		Credentials: ingest.Credentials{Domain: ct.Domain, ClientID: ct.ClientID, ClientSecret: secret, Audience: ct.Audience},
		Tenant:      name, Logger: m.Logger, AllowMissingScopes: ct.AllowMissingScopes,
	}
	if m.Configure != nil {
		m.Configure(&cfg)
	}
	// The first collection of a tenant is its baseline: nothing to compare
	// with, so the writers skip the comparison and one record marks it.
	baseline := !ct.Baselined
	var col *collector
	if !baseline {
		col = newCollector()
		cfg.Changes = col
	}
	sum, err := m.collect(ctx, cfg, baseline)
	res.Summary = sum
	if sum != nil {
		out.SyncID, out.Status = sum.SyncID, sum.Status
	}
	if err != nil {
		res.Err = err
		// Changes the writers saw before the failure are real: record them.
	}
	at := time.Now().UTC()
	if sum != nil {
		at = sum.Finished.UTC()
	}
	if baseline && err == nil {
		res.Baseline, out.Baselined = true, true
		total := 0
		for _, k := range schema.Kinds {
			total += sum.Counts[k.Name]
		}
		res.Changes = []store.Change{{
			ID: fmt.Sprintf("%s/change/%d/baseline", name, at.UnixMilli()), Tenant: name, SyncID: sum.SyncID, At: at,
			Op: store.OpBaseline, AssetID: store.TenantKey(name), AssetKind: schema.Tenant.Name, NativeID: name, Name: name,
			Fields: []store.FieldChange{{Field: "assets", New: total}},
		}}
	} else if col != nil && sum != nil {
		res.Changes = col.changes(name, sum.SyncID, at)
	}
	if res.Err == nil && sum != nil {
		if sum.Mode == ingest.ModeIncremental {
			attachActorsFrom(name, sum.Events, res)
		} else {
			m.attachActors(ctx, ct, cfg.Credentials, res)
		}
	}
	if len(res.Changes) > 0 {
		if werr := m.Store.WriteChanges(context.WithoutCancel(ctx), res.Changes); werr != nil && res.Err == nil {
			res.Err = werr
		}
	}
	if res.Err == nil {
		res.Findings = m.afterSync(ctx, name, sum)
	}
	// A first collection is the baseline for findings too: what it finds is
	// the starting state (tenants list shows it), not news to alert on.
	var alerts []Alert
	if !res.Baseline {
		for i := range res.Findings {
			alerts = append(alerts, Alert{Finding: &res.Findings[i]})
		}
		for i := range res.Changes {
			alerts = append(alerts, Alert{Change: &res.Changes[i]})
		}
	}
	m.Notifier.Dispatch(ctx, alerts)
	return res
}

// attachActors names who made each change where the tenant's Management
// API log says (see actors.go), and moves the log checkpoint. Failing to
// read the log (no read:logs scope) only leaves changes without actors.
func (m *Monitor) attachActors(ctx context.Context, ct store.ConnectedTenant, creds ingest.Credentials, res *Result) {
	r, err := newLogReader(ctx, creds)
	if err != nil {
		return
	}
	from := ct.LogCheckpoint
	if res.Baseline || from == "" {
		// Nothing to attribute yet: start reading from the newest event.
		id, err := r.newest(ctx)
		if err != nil {
			m.Logger.Debug("no change actors: cannot read the tenant's logs", "tenant", ct.Name, "err", err)
			return
		}
		if id != "" {
			_ = m.Store.SetLogCheckpoint(context.WithoutCancel(ctx), ct.Name, m.Holder, id)
		}
		return
	}
	evs, next, err := r.after(ctx, from)
	if err != nil {
		m.Logger.Debug("change actors: cannot read the tenant's logs", "tenant", ct.Name, "err", err)
	}
	attachActorsFrom(ct.Name, evs, res)
	if next != from {
		_ = m.Store.SetLogCheckpoint(context.WithoutCancel(ctx), ct.Name, m.Holder, next)
	}
}

// attachActorsFrom names who made each change from log events read.
func attachActorsFrom(tenant string, evs []*management.Log, res *Result) {
	actors := actorsFrom(tenant, evs)
	for i := range res.Changes {
		if a := actors[res.Changes[i].AssetID]; a != "" {
			res.Changes[i].Actor = a
		}
	}
}

// NotifyFindings sends finding alerts raised outside a monitored sync (the
// rules engine run by hand) to the channels.
func (m *Monitor) NotifyFindings(ctx context.Context, alerts []FindingAlert) {
	as := make([]Alert, len(alerts))
	for i := range alerts {
		as[i] = Alert{Finding: &alerts[i]}
	}
	m.Notifier.Dispatch(ctx, as)
}

// next is the delay to the next scheduled sync: the interval plus up to
// Jitter of it at random.
func (m *Monitor) next(interval time.Duration) time.Duration {
	if interval <= 0 {
		interval = DefaultInterval
	}
	j := int64(float64(interval) * m.Jitter)
	if j <= 0 {
		return interval
	}
	n, _ := rand.Int(rand.Reader, big.NewInt(j))
	return interval + time.Duration(n.Int64())
}

// backoff is the delay after a failed sync: Backoff doubled per earlier
// consecutive failure, at most MaxBackoff.
func (m *Monitor) backoff(ct store.ConnectedTenant) time.Duration {
	d := m.Backoff
	for i := 0; i < ct.Failures && d < m.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, m.MaxBackoff)
}

// TenantSecretAD is what a tenant's sealed client secret is bound to.
func TenantSecretAD(name string) string { return "tenant/" + name + "/client_secret" }

// Run is the scheduler: until ctx ends it syncs due tenants, at most
// MaxConcurrent at once, each under its lease. It returns when ctx is done
// and running syncs have stopped.
func (m *Monitor) Run(ctx context.Context) error {
	m.init()
	if err := m.Store.EnsureMonitorSchema(ctx); err != nil {
		return err
	}
	slots := make(chan struct{}, m.MaxConcurrent)
	var wg sync.WaitGroup
	defer wg.Wait()
	t := time.NewTimer(m.Tick)
	defer t.Stop()
	// A sync of this process that ends wakes the loop: its tenant's next
	// due time is known only then.
	wake := make(chan struct{}, 1)
	for {
		free := m.MaxConcurrent - len(slots)
		if free > 0 {
			due, err := m.Store.DueTenants(ctx, free+m.MaxConcurrent, m.Tenants)
			if err != nil && ctx.Err() == nil {
				m.Logger.Warn("scheduler: cannot list due tenants", "err", err)
			}
			for _, name := range due {
				if !m.claim(name) {
					continue
				}
				select {
				case slots <- struct{}{}:
				default:
					m.release(name)
					continue
				}
				wg.Add(1)
				go func(name string) {
					defer wg.Done()
					defer func() {
						<-slots
						m.release(name)
						select {
						case wake <- struct{}{}:
						default:
						}
					}()
					res, err := m.SyncTenant(ctx, name, true)
					switch {
					case errors.Is(err, ErrLeaseHeld):
					case err != nil:
						m.Logger.Warn("scheduled sync failed", "tenant", name, "err", err)
					default:
						m.Logger.Info("scheduled sync", "tenant", name, "status", res.Summary.Status, "changes", len(res.Changes), "baseline", res.Baseline)
					}
				}(name)
			}
		}
		// Sleep a tick, or less when a tenant falls due sooner: a change is
		// then held back by the interval alone, not the tick too.
		wait := m.Tick
		if d, ok, err := m.Store.NextSyncIn(ctx, m.Tenants); err != nil && ctx.Err() == nil {
			m.Logger.Warn("scheduler: cannot read the next due time", "err", err)
		} else if ok && d < wait {
			wait = max(d, minWait)
		}
		t.Reset(wait)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-wake:
		}
	}
}

// minWait is the scheduler's shortest sleep (a tenant due now whose slot is
// taken waits at least this long before the next look).
const minWait = 500 * time.Millisecond

// claim marks a tenant as syncing in this process (one at a time here; the
// lease does the same across processes).
func (m *Monitor) claim(name string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.busy[name] {
		return false
	}
	m.busy[name] = true
	return true
}

func (m *Monitor) release(name string) {
	m.mu.Lock()
	delete(m.busy, name)
	m.mu.Unlock()
}
