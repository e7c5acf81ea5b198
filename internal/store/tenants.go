package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/schema"
)

// Labels of the monitor's own records. They are not assets: no Asset label,
// no RESOURCE edge, nothing the asset queries list.
const (
	// ConnectedTenantLabel is a tenant authgraph polls: its credentials
	// (the client secret sealed by secretbox), schedule and lease.
	ConnectedTenantLabel = "ConnectedTenant"
	// ChannelLabel is a notification channel (URL and secret sealed).
	ChannelLabel = "Channel"
	// DeliveryLabel is one attempt log entry of a channel.
	DeliveryLabel = "Delivery"
	// DeliveredRel links a channel to its deliveries.
	DeliveredRel = "DELIVERED"
)

// MonitorSchemaStatements are the constraints and indexes of the monitor's
// records (idempotent).
func MonitorSchemaStatements() []string {
	return []string{
		fmt.Sprintf("CREATE CONSTRAINT connectedtenant_name IF NOT EXISTS FOR (c:%s) REQUIRE c.name IS UNIQUE", ConnectedTenantLabel),
		fmt.Sprintf("CREATE CONSTRAINT change_id IF NOT EXISTS FOR (c:%s) REQUIRE c.id IS UNIQUE", schema.ChangeLabel),
		fmt.Sprintf("CREATE INDEX change_tenant_at IF NOT EXISTS FOR (c:%s) ON (c.tenant, c.at_ms)", schema.ChangeLabel),
		fmt.Sprintf("CREATE INDEX change_asset_at IF NOT EXISTS FOR (c:%s) ON (c.asset_id, c.at_ms)", schema.ChangeLabel),
		fmt.Sprintf("CREATE CONSTRAINT channel_name IF NOT EXISTS FOR (c:%s) REQUIRE c.name IS UNIQUE", ChannelLabel),
		fmt.Sprintf("CREATE INDEX delivery_channel_at IF NOT EXISTS FOR (d:%s) ON (d.channel, d.at_ms)", DeliveryLabel),
	}
}

// EnsureMonitorSchema creates the monitor's constraints and indexes.
func (s *Store) EnsureMonitorSchema(ctx context.Context) error {
	for _, stmt := range MonitorSchemaStatements() {
		if _, err := s.write(ctx, stmt, nil); err != nil {
			return fmt.Errorf("ensure monitor schema (%s): %w", stmt, err)
		}
	}
	return nil
}

// ConnectedTenant is a tenant authgraph polls with stored credentials.
type ConnectedTenant struct {
	// Name is the tenant's name in the graph (every asset's tenant).
	Name     string
	Domain   string
	ClientID string
	Audience string
	// SecretSealed is the client secret sealed by secretbox: never printed,
	// never returned by an API.
	SecretSealed string
	Interval     time.Duration
	Enabled      bool
	// AllowMissingScopes makes its syncs skip resources whose read scope
	// the client lacks (saved with --allow-missing-scopes).
	AllowMissingScopes bool
	Created            time.Time
	// NextSyncAt is when the next scheduled sync is due (zero: now).
	NextSyncAt   time.Time
	LastSyncAt   time.Time
	LastStatus   string // ok, partial, failed ("" before the first)
	LastError    string
	LastSyncID   string
	LastDuration time.Duration
	// Failures counts consecutive failed syncs (backoff).
	Failures int
	// Baselined is set once a first collection recorded the baseline.
	Baselined bool
	// LogCheckpoint is the newest log event read for change actors.
	LogCheckpoint string
	LeaseHolder   string
	LeaseUntil    time.Time
}

func msTime(v any) time.Time {
	ms := i64(v)
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

func connectedFromProps(p map[string]any) ConnectedTenant {
	return ConnectedTenant{
		Name: str(p["name"]), Domain: str(p["domain"]), ClientID: str(p["client_id"]), Audience: str(p["audience"]),
		SecretSealed: str(p["client_secret_sealed"]), Interval: time.Duration(i64(p["interval_ms"])) * time.Millisecond,
		Enabled: p["enabled"] == true, AllowMissingScopes: p["allow_missing_scopes"] == true, Created: msTime(p["created_ms"]), NextSyncAt: msTime(p["next_sync_ms"]),
		LastSyncAt: msTime(p["last_sync_ms"]), LastStatus: str(p["last_status"]), LastError: str(p["last_error"]),
		LastSyncID: str(p["last_sync_id"]), LastDuration: time.Duration(i64(p["last_duration_ms"])) * time.Millisecond,
		Failures: int(i64(p["failures"])), Baselined: p["baselined"] == true, LogCheckpoint: str(p["log_checkpoint"]),
		LeaseHolder: str(p["lease_holder"]), LeaseUntil: msTime(p["lease_until_ms"]),
	}
}

// AddConnectedTenant saves a new connected tenant, due for its first sync
// now. A tenant of that name already connected is a Conflict.
func (s *Store) AddConnectedTenant(ctx context.Context, t ConnectedTenant) error {
	if t.Name == "" || t.Domain == "" || t.ClientID == "" || t.SecretSealed == "" {
		return apperr.New(apperr.Invalid, "a connected tenant needs a name, domain, client id and sealed secret")
	}
	_, err := s.write(ctx, fmt.Sprintf(`CREATE (c:%s {name: $name, tenant: $name, domain: $domain, client_id: $clientID,
  audience: $audience, client_secret_sealed: $sealed, interval_ms: $interval, enabled: $enabled, allow_missing_scopes: $allowMissing,
  created_ms: timestamp(), next_sync_ms: 0, failures: 0, baselined: false})`, ConnectedTenantLabel), map[string]any{
		"name": t.Name, "domain": t.Domain, "clientID": t.ClientID, "audience": t.Audience, "sealed": t.SecretSealed,
		"interval": t.Interval.Milliseconds(), "enabled": t.Enabled, "allowMissing": t.AllowMissingScopes,
	})
	var ne *neo4j.Neo4jError
	if errors.As(err, &ne) && ne.Code == "Neo.ClientError.Schema.ConstraintValidationFailed" {
		return apperr.New(apperr.Conflict, "tenant %q is already connected (use `authgraph tenants set`)", t.Name)
	}
	return err
}

// ConnectedTenants returns every connected tenant, by name.
func (s *Store) ConnectedTenants(ctx context.Context) ([]ConnectedTenant, error) {
	rows, err := s.readRows(ctx, fmt.Sprintf("MATCH (c:%s) RETURN c ORDER BY c.name", ConnectedTenantLabel), nil)
	if err != nil {
		return nil, err
	}
	out := make([]ConnectedTenant, 0, len(rows))
	for _, r := range rows {
		out = append(out, connectedFromProps(nodeProps(r["c"])))
	}
	return out, nil
}

// GetConnectedTenant returns one connected tenant, or a NotFound error.
func (s *Store) GetConnectedTenant(ctx context.Context, name string) (ConnectedTenant, error) {
	rows, err := s.readRows(ctx, fmt.Sprintf("MATCH (c:%s {name: $name}) RETURN c", ConnectedTenantLabel), map[string]any{"name": name})
	if err != nil {
		return ConnectedTenant{}, err
	}
	if len(rows) == 0 {
		return ConnectedTenant{}, apperr.New(apperr.NotFound, "no connected tenant %q (see `authgraph tenants list`)", name)
	}
	return connectedFromProps(nodeProps(rows[0]["c"])), nil
}

// TenantPatch changes a connected tenant's settings; nil fields stay.
type TenantPatch struct {
	Domain, ClientID, Audience, SecretSealed *string
	Interval                                 *time.Duration
	Enabled, AllowMissingScopes              *bool
}

// UpdateConnectedTenant applies a patch. Enabling a tenant makes it due now.
func (s *Store) UpdateConnectedTenant(ctx context.Context, name string, p TenantPatch) error {
	set := map[string]any{}
	if p.Domain != nil {
		set["domain"] = *p.Domain
	}
	if p.ClientID != nil {
		set["client_id"] = *p.ClientID
	}
	if p.Audience != nil {
		set["audience"] = *p.Audience
	}
	if p.SecretSealed != nil {
		set["client_secret_sealed"] = *p.SecretSealed
	}
	if p.AllowMissingScopes != nil {
		set["allow_missing_scopes"] = *p.AllowMissingScopes
	}
	if p.Interval != nil {
		set["interval_ms"] = p.Interval.Milliseconds()
	}
	if p.Enabled != nil {
		set["enabled"] = *p.Enabled
		if *p.Enabled {
			set["next_sync_ms"] = int64(0)
			set["failures"] = int64(0)
		}
	}
	c, err := s.write(ctx, fmt.Sprintf("MATCH (c:%s {name: $name}) SET c += $set", ConnectedTenantLabel),
		map[string]any{"name": name, "set": set})
	if err != nil {
		return err
	}
	if c.PropertiesSet() == 0 && len(set) > 0 {
		if _, err := s.GetConnectedTenant(ctx, name); err != nil {
			return err
		}
	}
	return nil
}

// lockThenCheck takes the connected tenant's write lock before reading its
// lease: Neo4j reads committed data, so two processes checking the lease
// without the lock could both see it free and both take it. Writing a
// property takes the node's exclusive lock; the reads after it see whatever
// the previous holder committed.
const lockThenCheck = `MATCH (c:%s {name: $name})
SET c._lock = true
REMOVE c._lock
WITH c, timestamp() AS now
`

// AcquireLease gives holder the right to sync tenant name for ttl, when no
// other holder's lease is live. With due, the tenant must also be enabled
// and its next sync due (the scheduler); without, it is a manual sync. It
// reports whether holder has the lease.
func (s *Store) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration, due bool) (bool, error) {
	rows, _, err := s.writeRows(ctx, fmt.Sprintf(lockThenCheck+`WHERE (NOT $due OR (c.enabled AND coalesce(c.next_sync_ms, 0) <= now))
  AND (c.lease_holder IS NULL OR coalesce(c.lease_until_ms, 0) < now OR c.lease_holder = $holder)
SET c.lease_holder = $holder, c.lease_until_ms = now + $ttl
RETURN c.name AS name`, ConnectedTenantLabel), map[string]any{"name": name, "holder": holder, "ttl": ttl.Milliseconds(), "due": due})
	if err != nil {
		return false, fmt.Errorf("lease %s: %w", name, err)
	}
	return len(rows) == 1, nil
}

// RenewLease extends holder's lease; false when another holder took it (a
// late renewal still succeeds while nobody else has).
func (s *Store) RenewLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	rows, _, err := s.writeRows(ctx, fmt.Sprintf(lockThenCheck+`WHERE c.lease_holder = $holder
SET c.lease_until_ms = now + $ttl
RETURN c.name AS name`, ConnectedTenantLabel), map[string]any{"name": name, "holder": holder, "ttl": ttl.Milliseconds()})
	if err != nil {
		return false, fmt.Errorf("renew lease %s: %w", name, err)
	}
	return len(rows) == 1, nil
}

// SyncOutcome is what a finished sync records on its connected tenant.
type SyncOutcome struct {
	SyncID   string
	Status   string // ok, partial, failed
	Error    string
	Duration time.Duration
	// NextIn is the delay until the next sync is due (interval + jitter,
	// or the backoff after a failure), measured on the database's clock.
	NextIn time.Duration
	Failed bool
	// Baselined marks the first collection done.
	Baselined bool
}

// FinishLease records a sync's outcome, schedules the next one and releases
// holder's lease, in one transaction (so no other process sees the tenant
// free and due at once). It does nothing when holder lost the lease.
func (s *Store) FinishLease(ctx context.Context, name, holder string, o SyncOutcome) error {
	_, err := s.write(ctx, fmt.Sprintf(lockThenCheck+`WHERE c.lease_holder = $holder
SET c.last_sync_ms = now, c.last_status = $status, c.last_error = $error, c.last_sync_id = $syncID,
    c.last_duration_ms = $duration, c.next_sync_ms = now + $nextIn,
    c.failures = CASE WHEN $failed THEN coalesce(c.failures, 0) + 1 ELSE 0 END,
    c.baselined = coalesce(c.baselined, false) OR $baselined
REMOVE c.lease_holder, c.lease_until_ms`, ConnectedTenantLabel), map[string]any{
		"name": name, "holder": holder, "status": o.Status, "error": o.Error, "syncID": o.SyncID,
		"duration": o.Duration.Milliseconds(), "nextIn": o.NextIn.Milliseconds(), "failed": o.Failed, "baselined": o.Baselined,
	})
	return err
}

// SetLogCheckpoint records the newest log event read (by holder, under its
// lease).
func (s *Store) SetLogCheckpoint(ctx context.Context, name, holder, logID string) error {
	_, err := s.write(ctx, fmt.Sprintf(`MATCH (c:%s {name: $name}) WHERE c.lease_holder = $holder
SET c.log_checkpoint = $id`, ConnectedTenantLabel), map[string]any{"name": name, "holder": holder, "id": logID})
	return err
}

// ReleaseLease drops holder's lease without recording a sync (shutdown).
func (s *Store) ReleaseLease(ctx context.Context, name, holder string) error {
	_, err := s.write(ctx, fmt.Sprintf(`MATCH (c:%s {name: $name}) WHERE c.lease_holder = $holder
REMOVE c.lease_holder, c.lease_until_ms`, ConnectedTenantLabel), map[string]any{"name": name, "holder": holder})
	return err
}

// DueTenants returns the names of enabled tenants whose next sync is due and
// whose lease is free (a hint: AcquireLease decides), most overdue first.
// A non-empty only restricts it to those names.
func (s *Store) DueTenants(ctx context.Context, limit int, only []string) ([]string, error) {
	rows, err := s.readRows(ctx, fmt.Sprintf(`WITH timestamp() AS now
MATCH (c:%s) WHERE c.enabled AND coalesce(c.next_sync_ms, 0) <= now AND (size($only) = 0 OR c.name IN $only)
  AND (c.lease_holder IS NULL OR coalesce(c.lease_until_ms, 0) < now)
RETURN c.name AS name ORDER BY c.next_sync_ms, c.name LIMIT $limit`, ConnectedTenantLabel), map[string]any{"limit": limit, "only": append([]string{}, only...)})
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(rows))
	for _, r := range rows {
		out = append(out, str(r["name"]))
	}
	return out, nil
}

// NextSyncIn is how long until the soonest enabled tenant with a free lease
// falls due (zero or less: one is due now); ok is false when there is none.
// The scheduler sleeps until then rather than a whole tick, so a change is
// not held back by the tick. A non-empty only restricts it to those names.
func (s *Store) NextSyncIn(ctx context.Context, only []string) (time.Duration, bool, error) {
	rows, err := s.readRows(ctx, fmt.Sprintf(`WITH timestamp() AS now
MATCH (c:%s) WHERE c.enabled AND (size($only) = 0 OR c.name IN $only)
  AND (c.lease_holder IS NULL OR coalesce(c.lease_until_ms, 0) < now)
WITH now, min(coalesce(c.next_sync_ms, 0)) AS next
RETURN next - now AS wait`, ConnectedTenantLabel), map[string]any{"only": append([]string{}, only...)})
	if err != nil || len(rows) == 0 || rows[0]["wait"] == nil {
		return 0, false, err
	}
	return time.Duration(i64(rows[0]["wait"])) * time.Millisecond, true, nil
}

// OpenFindings counts open findings per tenant (absent: none).
func (s *Store) OpenFindings(ctx context.Context, tenants []string) (map[string]int, error) {
	rows, err := s.readRows(ctx, fmt.Sprintf(`UNWIND $tenants AS t
OPTIONAL MATCH (f:%s {tenant: t}) WHERE f.status = 'open'
RETURN t, count(f) AS n`, schema.FindingLabel), map[string]any{"tenants": tenants})
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, r := range rows {
		out[str(r["t"])] = int(i64(r["n"]))
	}
	return out, nil
}

// RemoveProgress reports a tenant removal's progress: a label and the nodes
// of it deleted so far.
type RemoveProgress func(label string, deleted int)

// RemoveTenant deletes everything of one tenant: its assets and root, its
// syncs, findings, rule results and change history, its log checkpoint and
// its connection record, in bounded batches; progress may be nil. Nodes of
// other tenants are never matched (every statement is scoped by the tenant
// property), nor shared ones (rules, channels, tokens, the audit log).
func (s *Store) RemoveTenant(ctx context.Context, tenant string, progress RemoveProgress) (int, error) {
	total := 0
	for _, label := range tenantLabels() {
		q := fmt.Sprintf(`MATCH (n:%s {tenant: $tenant}) WITH n LIMIT $batch DETACH DELETE n`, label)
		n := 0
		for {
			c, err := s.write(ctx, q, map[string]any{"tenant": tenant, "batch": cleanupBatch})
			if err != nil {
				return total, fmt.Errorf("remove tenant %s: %w", tenant, err)
			}
			n += c.NodesDeleted()
			total += c.NodesDeleted()
			if n > 0 && progress != nil {
				progress(label, n)
			}
			if c.NodesDeleted() < cleanupBatch {
				break
			}
		}
	}
	return total, nil
}

// writeRows runs one write statement and returns its records and counters.
func (s *Store) writeRows(ctx context.Context, cypher string, params map[string]any) ([]map[string]any, neo4j.Counters, error) {
	sess := s.writeSession(ctx)
	defer sess.Close(ctx)
	type result struct {
		rows []map[string]any
		c    neo4j.Counters
	}
	out, err := sess.ExecuteWrite(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		res, err := tx.Run(ctx, cypher, params)
		if err != nil {
			return nil, err
		}
		var rows []map[string]any
		for res.Next(ctx) {
			rows = append(rows, res.Record().AsMap())
		}
		if err := res.Err(); err != nil {
			return nil, err
		}
		sum, err := res.Consume(ctx)
		if err != nil {
			return nil, err
		}
		return result{rows, sum.Counters()}, nil
	})
	if err != nil {
		return nil, nil, wrapDBErr(err)
	}
	r := out.(result)
	return r.rows, r.c, nil
}

// tenantLabels are the labels of nodes that belong to one tenant (each has
// a tenant property, indexed but on the few connection records), in the
// order RemoveTenant deletes them: its history first, the connection record
// last, so an interrupted removal can be run again.
func tenantLabels() []string {
	labels := []string{schema.ChangeLabel, schema.FindingLabel, RuleResultLabel, schema.SyncLabel}
	for i := len(schema.Kinds) - 1; i >= 0; i-- {
		labels = append(labels, schema.Kinds[i].Label)
	}
	return append(labels, CheckpointLabel, ConnectedTenantLabel)
}
