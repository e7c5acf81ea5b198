package store

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/authgraph/authgraph/schema"
)

// SyncRecord is what a (:Sync) node holds: one run of the ingester.
type SyncRecord struct {
	ID       string
	Tenant   string
	Tag      int64
	Started  time.Time
	Finished time.Time
	// Status is running, ok, partial or failed.
	Status string
	// Counts holds assets (by kind name) and relations (by relation name)
	// written in this run.
	Counts map[string]int
	// Skipped maps a resource to why it was not collected.
	Skipped map[string]string
	// Incomplete says, per resource not (fully) collected, which kinds and
	// relations it would have written and why: what the graph's answers
	// that depend on them can't be trusted for.
	Incomplete []Incompleteness
	APICalls   int
	Retries    int
	Seen429    int
	Error      string
	// Mode is how the tenant was collected: full, incremental, reconcile
	// or stream (pushed events, one rolling record per tenant and hour).
	// Records made before modes were are full collections.
	Mode string
	// Reason says why a pass collected in full, or where pushed events
	// came from.
	Reason string
	// Touched counts the assets an incremental pass or pushed events asked
	// to refresh; LogEvents the tenant's log events a pass read.
	Touched   int
	LogEvents int
	// Drift counts the differences a reconcile found that the incremental
	// passes before it missed.
	Drift int
	// Applies counts the pushed batches a stream record sums up (1 for
	// any other record).
	Applies int
}

// Sync modes (SyncRecord.Mode).
const (
	SyncFull        = "full"
	SyncIncremental = "incremental"
	SyncReconcile   = "reconcile"
	SyncStream      = "stream"
)

// SyncRetention is how long incremental and stream records are kept: a
// pass every interval makes many (96 a day at 15 min), each one small. Full
// collections and reconciles are kept.
const SyncRetention = 30 * 24 * time.Hour

func (r SyncRecord) mode() string {
	if r.Mode == "" {
		return SyncFull
	}
	return r.Mode
}

// StartSync records a running sync and links it to its tenant.
func (s *Store) StartSync(ctx context.Context, r SyncRecord) error {
	_, err := s.write(ctx, fmt.Sprintf(`MATCH (t:%s {id: $tenantKey})
CREATE (s:%s {id: $id, tenant: $tenant, tag: $tag, started: $started, status: 'running', mode: $mode})
CREATE (t)-[:%s]->(s)`, schema.Tenant.Label, schema.SyncLabel, schema.SyncedRel), map[string]any{
		"tenantKey": TenantKey(r.Tenant), "id": r.ID, "tenant": r.Tenant, "tag": r.Tag, "started": r.Started.UTC(),
		"mode": r.mode(),
	})
	return err
}

// FinishSync records the outcome of a sync on its node and on the tenant.
func (s *Store) FinishSync(ctx context.Context, r SyncRecord) error {
	_, err := s.write(ctx, fmt.Sprintf(`MATCH (s:%s {id: $id})
SET s += $props
WITH s
MATCH (t:%s {id: $tenantKey})
SET t.last_sync_status = $status, t.last_sync_at = $finishedMs`, schema.SyncLabel, schema.Tenant.Label), map[string]any{
		"id": r.ID, "props": r.outcomeProps(), "status": r.Status,
		"tenantKey": TenantKey(r.Tenant), "finishedMs": r.Finished.UnixMilli(),
	})
	return err
}

// outcomeProps are what a finished record holds besides its id, tenant,
// tag and start.
func (r SyncRecord) outcomeProps() map[string]any {
	counts, _ := json.Marshal(r.Counts)
	skipped, _ := json.Marshal(r.Skipped)
	incomplete, _ := json.Marshal(r.Incomplete)
	applies := r.Applies
	if applies <= 0 {
		applies = 1
	}
	return map[string]any{
		"finished": r.Finished.UTC(), "status": r.Status, "counts": string(counts), "skipped": string(skipped),
		"incomplete": string(incomplete), "api_calls": r.APICalls, "retries": r.Retries, "seen_429": r.Seen429,
		"error": r.Error, "mode": r.mode(), "reason": r.Reason, "touched": r.Touched, "log_events": r.LogEvents,
		"drift": r.Drift, "applies": applies,
	}
}

// RecordSync writes a finished sync in one statement (an incremental pass:
// nothing to show while it runs, a few seconds at most), links it to its
// tenant and, unless it is a stream record, sets the tenant's last sync.
// Writing the same id again replaces the record. It then prunes the
// tenant's incremental and stream records older than SyncRetention.
func (s *Store) RecordSync(ctx context.Context, r SyncRecord) error {
	setTenant := ""
	if r.mode() != SyncStream {
		setTenant = `WITH t WHERE coalesce(t.last_sync_at, 0) <= $finishedMs
SET t.last_sync_status = $status, t.last_sync_at = $finishedMs`
	}
	_, err := s.write(ctx, fmt.Sprintf(`MATCH (t:%s {id: $tenantKey})
MERGE (s:%s {id: $id})
ON CREATE SET s.tenant = $tenant, s.tag = $tag, s.started = $started
SET s += $props
MERGE (t)-[:%s]->(s)
%s`, schema.Tenant.Label, schema.SyncLabel, schema.SyncedRel, setTenant), map[string]any{
		"tenantKey": TenantKey(r.Tenant), "id": r.ID, "tenant": r.Tenant, "tag": r.Tag, "started": r.Started.UTC(),
		"props": r.outcomeProps(), "status": r.Status, "finishedMs": r.Finished.UnixMilli(),
	})
	if err != nil {
		return err
	}
	return s.PruneSyncs(ctx, r.Tenant, r.Finished.Add(-SyncRetention))
}

// StreamSyncID names the rolling record of a tenant's pushed applies in
// the hour that holds at.
func StreamSyncID(tenant string, at time.Time) string {
	return fmt.Sprintf("%s@%d/stream", tenant, at.UTC().Truncate(time.Hour).UnixMilli())
}

// RecordStreamApply adds one applied batch of pushed events to the
// tenant's rolling stream record of the hour (StreamSyncID), created by the
// hour's first batch: its API calls, retries, 429s, touched assets and
// counts are summed, its status, error and finish are the newest batch's,
// and applies counts the batches. Callers serialise a tenant's applies (the
// monitor holds its lease), so reading the record and writing the sums is
// safe. It returns the record as written.
func (s *Store) RecordStreamApply(ctx context.Context, r SyncRecord) (SyncRecord, error) {
	r.Mode = SyncStream
	r.ID = StreamSyncID(r.Tenant, r.Started)
	rows, err := s.readRows(ctx, fmt.Sprintf(`MATCH (s:%s {id: $id}) RETURN s`, schema.SyncLabel), map[string]any{"id": r.ID})
	if err != nil {
		return r, err
	}
	if len(rows) > 0 {
		old := syncFromProps(nodeProps(rows[0]["s"]))
		r.Started, r.Tag = old.Started, old.Tag
		r.APICalls += old.APICalls
		r.Retries += old.Retries
		r.Seen429 += old.Seen429
		r.Touched += old.Touched
		r.LogEvents += old.LogEvents
		r.Applies = max(old.Applies, 1) + max(r.Applies, 1)
		if len(old.Counts) > 0 {
			sum := make(map[string]int, len(old.Counts)+len(r.Counts))
			for k, v := range old.Counts {
				sum[k] += v
			}
			for k, v := range r.Counts {
				sum[k] += v
			}
			r.Counts = sum
		}
		if r.Status == "ok" && old.Status != "ok" && old.Status != "" {
			// A failed batch earlier in the hour stays visible.
			r.Status, r.Error = old.Status, old.Error
		}
	}
	return r, s.RecordSync(ctx, r)
}

// PruneSyncs deletes a tenant's incremental and stream records that
// started before `before`, in batches.
func (s *Store) PruneSyncs(ctx context.Context, tenant string, before time.Time) error {
	for {
		c, err := s.write(ctx, fmt.Sprintf(`MATCH (s:%s {tenant: $tenant})
WHERE s.mode IN $modes AND s.started < $before
WITH s LIMIT $batch DETACH DELETE s`, schema.SyncLabel), map[string]any{
			"tenant": tenant, "modes": []string{SyncIncremental, SyncStream}, "before": before.UTC(), "batch": cleanupBatch,
		})
		if err != nil {
			return fmt.Errorf("prune syncs of %s: %w", tenant, err)
		}
		if c.NodesDeleted() < cleanupBatch {
			return nil
		}
	}
}

// Syncs returns the newest syncs of a tenant, newest first.
func (s *Store) Syncs(ctx context.Context, tenant string, limit int) ([]SyncRecord, error) {
	rows, err := s.readRows(ctx, fmt.Sprintf(`MATCH (s:%s {tenant: $tenant})
RETURN s ORDER BY s.started DESC LIMIT $limit`, schema.SyncLabel), map[string]any{"tenant": tenant, "limit": limit})
	if err != nil {
		return nil, err
	}
	out := make([]SyncRecord, 0, len(rows))
	for _, row := range rows {
		out = append(out, syncFromProps(nodeProps(row["s"])))
	}
	return out, nil
}

func syncFromProps(p map[string]any) SyncRecord {
	r := SyncRecord{
		ID: str(p["id"]), Tenant: str(p["tenant"]), Status: str(p["status"]), Error: str(p["error"]),
		Tag: i64(p["tag"]), APICalls: int(i64(p["api_calls"])), Retries: int(i64(p["retries"])),
		Seen429: int(i64(p["seen_429"])), Mode: str(p["mode"]), Reason: str(p["reason"]),
		Touched: int(i64(p["touched"])), LogEvents: int(i64(p["log_events"])), Drift: int(i64(p["drift"])),
		Applies: int(i64(p["applies"])),
	}
	if r.Mode == "" {
		r.Mode = SyncFull
	}
	if r.Applies == 0 {
		r.Applies = 1
	}
	if t, ok := p["started"].(time.Time); ok {
		r.Started = t
	}
	if t, ok := p["finished"].(time.Time); ok {
		r.Finished = t
	}
	if c := str(p["counts"]); c != "" {
		_ = json.Unmarshal([]byte(c), &r.Counts)
	}
	if c := str(p["skipped"]); c != "" {
		_ = json.Unmarshal([]byte(c), &r.Skipped)
	}
	if c := str(p["incomplete"]); c != "" {
		_ = json.Unmarshal([]byte(c), &r.Incomplete)
	} else {
		// Syncs recorded before incompleteness was: the resource and why.
		for res, why := range r.Skipped {
			r.Incomplete = append(r.Incomplete, Incompleteness{Resource: res, Reason: why})
		}
		sort.Slice(r.Incomplete, func(i, j int) bool { return r.Incomplete[i].Resource < r.Incomplete[j].Resource })
	}
	return r
}

// Incompleteness is one resource a sync did not (fully) collect.
type Incompleteness struct {
	// Resource is the Auth0 resource, e.g. user_permissions.
	Resource string `json:"resource"`
	// Kinds and Relations (schema names) it would have written.
	Kinds     []string `json:"kinds,omitempty"`
	Relations []string `json:"relations,omitempty"`
	// Reason says why, e.g. "2000 users need one call each; above …".
	Reason string `json:"reason"`
}
