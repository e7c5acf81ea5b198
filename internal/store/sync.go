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
}

// StartSync records a running sync and links it to its tenant.
func (s *Store) StartSync(ctx context.Context, r SyncRecord) error {
	_, err := s.write(ctx, fmt.Sprintf(`MATCH (t:%s {id: $tenantKey})
CREATE (s:%s {id: $id, tenant: $tenant, tag: $tag, started: $started, status: 'running'})
CREATE (t)-[:%s]->(s)`, schema.Tenant.Label, schema.SyncLabel, schema.SyncedRel), map[string]any{
		"tenantKey": TenantKey(r.Tenant), "id": r.ID, "tenant": r.Tenant, "tag": r.Tag, "started": r.Started.UTC(),
	})
	return err
}

// FinishSync records the outcome of a sync on its node and on the tenant.
func (s *Store) FinishSync(ctx context.Context, r SyncRecord) error {
	counts, _ := json.Marshal(r.Counts)
	skipped, _ := json.Marshal(r.Skipped)
	incomplete, _ := json.Marshal(r.Incomplete)
	_, err := s.write(ctx, fmt.Sprintf(`MATCH (s:%s {id: $id})
SET s.finished = $finished, s.status = $status, s.counts = $counts, s.skipped = $skipped, s.incomplete = $incomplete,
    s.api_calls = $calls, s.retries = $retries, s.seen_429 = $seen429, s.error = $error
WITH s
MATCH (t:%s {id: $tenantKey})
SET t.last_sync_status = $status, t.last_sync_at = $finishedMs`, schema.SyncLabel, schema.Tenant.Label), map[string]any{
		"id": r.ID, "finished": r.Finished.UTC(), "status": r.Status, "counts": string(counts),
		"skipped": string(skipped), "incomplete": string(incomplete), "calls": r.APICalls, "retries": r.Retries, "seen429": r.Seen429,
		"error": r.Error, "tenantKey": TenantKey(r.Tenant), "finishedMs": r.Finished.UnixMilli(),
	})
	return err
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
		Seen429: int(i64(p["seen_429"])),
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
