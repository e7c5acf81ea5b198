package monitor

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/authgraph/authgraph/ingest"
	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/internal/store"
)

// Incremental passes: each scheduled sync of a connected tenant is a pass
// (ingest.Pass): the tenant's log since its checkpoint applied to the graph,
// a full collection when the checkpoint is unknown or too old, a reconcile
// on a schedule. Pushed events (log streams, event streams) are applied by
// ApplyTouches, serialised with the tenant's syncs by its lease.

// Metrics count passes and what reconciles found.
type Metrics struct {
	Passes *prometheus.CounterVec
	Drift  *prometheus.CounterVec
}

// NewMetrics makes the monitor's collectors (register them with
// Collectors).
func NewMetrics() *Metrics {
	return &Metrics{
		Passes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "authgraph_sync_passes_total", Help: "Collections of connected tenants by mode (full, incremental, reconcile, push) and status.",
		}, []string{"mode", "status"}),
		Drift: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "authgraph_reconcile_drift_total",
			Help: "Differences a reconcile found that the incremental passes before it missed (each one is a bug), by tenant.",
		}, []string{"tenant"}),
	}
}

// Collectors returns what to register.
func (x *Metrics) Collectors() []prometheus.Collector {
	return []prometheus.Collector{x.Passes, x.Drift}
}

func (x *Metrics) observe(sum *ingest.Summary) {
	if x == nil || sum == nil {
		return
	}
	mode := sum.Mode
	if mode == "" {
		mode = ingest.ModeFull
	}
	x.Passes.WithLabelValues(mode, sum.Status).Inc()
	if sum.Drift > 0 {
		x.Drift.WithLabelValues(sum.Tenant).Add(float64(sum.Drift))
	}
}

// collect runs one pass (or, with FullOnly, a full collection; a tenant's
// baseline is always one).
func (m *Monitor) collect(ctx context.Context, cfg ingest.Config, baseline bool) (*ingest.Summary, error) {
	if m.FullOnly {
		sum, err := ingest.Run(ctx, m.Store, cfg)
		m.Metrics.observe(sum)
		return sum, err
	}
	api, err := ingest.NewAuth0(ctx, cfg.Credentials, cfg.Limits)
	if err != nil {
		return nil, err
	}
	opt := m.Passes
	if baseline {
		opt.Mode = ingest.ModeFull
	}
	sum, err := ingest.Pass(ctx, m.db(), api, cfg, opt)
	m.Metrics.observe(sum)
	if sum != nil && sum.Drift > 0 {
		m.Logger.Warn("a reconcile found differences the incremental passes missed", "tenant", cfg.Tenant, "drift", sum.Drift)
	}
	return sum, err
}

// ApplyTouches refetches what touches name in connected tenant `tenant`,
// writes it (and its relations) and records the changes like a sync does,
// serialised with the tenant's syncs by its lease (waiting for a running
// sync to finish), then asks for the after-sync hook, which runs beside the
// next applies (coalesced: see evaluate.go). source says where the events came
// from ("poll", "log-stream", "event-stream"). It does not move the log
// checkpoint: the next poll still reads every event (streams deliver at
// least once and may lose some), and re-applying one is harmless.
func (m *Monitor) ApplyTouches(ctx context.Context, tenant string, touches []ingest.Touch, source string) error {
	m.init()
	if len(touches) == 0 {
		return nil
	}
	for {
		ok, err := m.Store.AcquireLease(ctx, tenant, m.Holder, m.LeaseTTL, false)
		if err != nil {
			return err
		}
		if ok {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
	applyCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stopRenew := m.renew(applyCtx, tenant, cancel)
	err := m.applyLeased(applyCtx, ctx, tenant, touches, source)
	stopRenew()
	// Give the lease back without touching the schedule.
	if rerr := m.Store.ReleaseLease(context.WithoutCancel(ctx), tenant, m.Holder); rerr != nil && err == nil {
		err = rerr
	}
	if cause := context.Cause(applyCtx); err != nil && errors.Is(cause, errLeaseLost) {
		err = fmt.Errorf("%w: %w", errLeaseLost, err)
	}
	return err
}

// applyLeased applies touches under the lease (ctx ends with it); the rule
// evaluation it asks for runs on with evalCtx.
func (m *Monitor) applyLeased(ctx, evalCtx context.Context, tenant string, touches []ingest.Touch, source string) error {
	ct, err := m.Store.GetConnectedTenant(ctx, tenant)
	if err != nil {
		return err
	}
	if !ct.Baselined {
		// Nothing to apply changes to yet: the first collection will read it.
		return nil
	}
	box, err := m.box()
	if err != nil {
		return err
	}
	secret, err := box.Open(ct.SecretSealed, TenantSecretAD(tenant))
	if err != nil {
		return err
	}
	cfg := ingest.Config{
		Credentials: ingest.Credentials{Domain: ct.Domain, ClientID: ct.ClientID, ClientSecret: secret, Audience: ct.Audience},
		Tenant:      tenant, Logger: m.Logger, AllowMissingScopes: ct.AllowMissingScopes,
	}
	if m.Configure != nil {
		m.Configure(&cfg)
	}
	col := newCollector()
	cfg.Changes = col
	api, err := m.pushClient(ctx, cfg)
	if err != nil {
		return err
	}
	sum, err := ingest.RunIncremental(ctx, m.db(), api, cfg, touches, time.Time{})
	if err != nil {
		// A rejected or expired token, a changed tenant: the next apply
		// starts with a new client.
		m.dropPushClient(tenant)
	}
	if sum != nil {
		sum.Reason = source
		// One rolling record per tenant and hour, not one per batch (they
		// come many times a minute): the activity feed shows it.
		rec := ingest.IncrementalRecord(sum, err)
		rec.Started = sum.Started
		written, rerr := m.Store.RecordStreamApply(context.WithoutCancel(ctx), rec)
		if rerr != nil {
			m.Logger.Warn("cannot record pushed changes applied", "tenant", tenant, "err", rerr)
		} else {
			sum.SyncID = written.ID
		}
		m.Logger.Debug("pushed changes applied", "tenant", tenant, "source", source, "touches", len(touches),
			"touched", sum.Touched, "api_calls", sum.APICalls, "took", sum.Duration, "status", sum.Status)
		m.Metrics.observe(&ingest.Summary{Tenant: tenant, Mode: "push", Status: sum.Status})
	}
	at := time.Now().UTC()
	res := &Result{Tenant: tenant, Summary: sum}
	if sum != nil {
		res.Changes = col.changes(tenant, sum.SyncID, at)
	}
	if len(res.Changes) > 0 {
		if werr := m.Store.WriteChanges(context.WithoutCancel(ctx), res.Changes); werr != nil && err == nil {
			err = werr
		}
	}
	if err != nil {
		return apperr.Wrap(apperr.Unavailable, err, fmt.Sprintf("apply %d pushed changes (%s) to %s", len(touches), source, tenant))
	}
	// The rules run beside the next applies, not before them (evaluate.go).
	if len(res.Changes) > 0 {
		m.evaluateSoon(evalCtx, tenant, sum)
	}
	var alerts []Alert
	for i := range res.Changes {
		alerts = append(alerts, Alert{Change: &res.Changes[i]})
	}
	m.Notifier.Dispatch(ctx, alerts)
	return nil
}

// Pushed batches arrive every few hundred milliseconds, so what an apply
// costs before re-reading anything is most of its time. Two of those costs
// are paid once here instead of per apply: the schema (EnsureSchema runs its
// DDL once per Store in this process) and the tenant's Management API client
// with its token (kept between applies; oauth2 renews the token when it
// expires).

// schemaOnceDB is the store with EnsureSchema done once per Monitor.
type schemaOnceDB struct {
	*store.Store
	m *Monitor
}

func (d schemaOnceDB) EnsureSchema(ctx context.Context) error { return d.m.ensureSchema(ctx) }

func (m *Monitor) db() schemaOnceDB { return schemaOnceDB{Store: m.Store, m: m} }

func (m *Monitor) ensureSchema(ctx context.Context) error {
	m.schemaMu.Lock()
	defer m.schemaMu.Unlock()
	if m.schemaDone == m.Store {
		return nil
	}
	if err := m.Store.EnsureSchema(ctx); err != nil {
		return err
	}
	m.schemaDone = m.Store
	return nil
}

type pushClient struct {
	key string // what the client was built from (credentials, limits)
	api *ingest.Auth0
}

// pushClient returns the tenant's kept API client, or a new one when there
// is none or the tenant's credentials or limits changed since.
func (m *Monitor) pushClient(ctx context.Context, cfg ingest.Config) (*ingest.Auth0, error) {
	c := cfg.Credentials
	h := sha256.Sum256([]byte(c.ClientSecret))
	key := fmt.Sprintf("%s\x00%s\x00%x\x00%s\x00%+v", c.Domain, c.ClientID, h, c.Audience, cfg.Limits)
	m.mu.Lock()
	pc, ok := m.clients[cfg.Tenant]
	m.mu.Unlock()
	if ok && pc.key == key {
		return pc.api, nil
	}
	// The client outlives this apply: its token is fetched (and renewed)
	// with a context that is not cancelled with it (the token request has
	// its own timeout).
	api, err := ingest.NewAuth0(context.WithoutCancel(ctx), c, cfg.Limits)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	if m.clients == nil {
		m.clients = map[string]pushClient{}
	}
	m.clients[cfg.Tenant] = pushClient{key: key, api: api}
	m.mu.Unlock()
	return api, nil
}

func (m *Monitor) dropPushClient(tenant string) {
	m.mu.Lock()
	delete(m.clients, tenant)
	m.mu.Unlock()
}
