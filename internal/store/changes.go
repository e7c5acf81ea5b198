package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/schema"
)

// Change is one (:Change) record: what a sync saw created, updated or
// deleted for one asset, with the asset's key, kind and name copied in so
// the history outlives the asset. A tenant's first collection records one
// Change of op "baseline" on the tenant instead of one per asset.
type Change struct {
	ID        string
	Tenant    string
	SyncID    string
	At        time.Time
	Op        string // created, updated, deleted, baseline
	AssetID   string // the asset's key
	AssetKind string // the kind's short name (User, Client, …)
	NativeID  string
	Name      string
	Fields    []FieldChange
	// Actor names who made the change when the tenant's logs say so.
	Actor string
}

// WriteChanges stores change records in batches.
func (s *Store) WriteChanges(ctx context.Context, changes []Change) error {
	const batch = 2000
	for i := 0; i < len(changes); i += batch {
		end := min(i+batch, len(changes))
		rows := make([]map[string]any, 0, end-i)
		for _, c := range changes[i:end] {
			fields, err := json.Marshal(c.Fields)
			if err != nil {
				return fmt.Errorf("change %s: %w", c.ID, err)
			}
			rows = append(rows, map[string]any{
				"id": c.ID, "tenant": c.Tenant, "sync_id": c.SyncID, "at": c.At.UTC(), "at_ms": c.At.UnixMilli(),
				"op": c.Op, "asset_id": c.AssetID, "asset_kind": c.AssetKind, "native_id": c.NativeID,
				"name": c.Name, "fields": string(fields), "actor": c.Actor,
			})
		}
		// kind is the contract's name for the operation (created, updated, deleted).
		if _, err := s.write(ctx, fmt.Sprintf(`UNWIND $rows AS row
CREATE (c:%s {id: row.id, tenant: row.tenant, sync_id: row.sync_id, at: row.at, at_ms: row.at_ms, kind: row.op,
  asset_id: row.asset_id, asset_kind: row.asset_kind, native_id: row.native_id, name: row.name, fields: row.fields})
SET c.actor = CASE WHEN row.actor = '' THEN null ELSE row.actor END`, schema.ChangeLabel), map[string]any{"rows": rows}); err != nil {
			return fmt.Errorf("write changes: %w", err)
		}
	}
	return nil
}

// ChangeQuery selects change records, newest first.
type ChangeQuery struct {
	Tenant string
	// Asset is an asset key; empty means every asset.
	Asset string
	// Kinds are asset kinds (short names); empty means all.
	Kinds []string
	// Ops are operations (created, updated, deleted, baseline); empty means all.
	Ops   []string
	Since time.Time
	First int
	// After is a cursor from a previous page.
	After string
}

// ChangePage is one page of changes.
type ChangePage struct {
	Changes   []Change
	HasNext   bool
	EndCursor string
}

// ChangeCursor encodes a change's position in the newest-first order.
func ChangeCursor(c Change) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.At.UnixMilli(), 10) + "|" + c.ID))
}

func parseChangeCursor(s string) (int64, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0, "", apperr.New(apperr.Invalid, "bad cursor")
	}
	ms, id, ok := strings.Cut(string(b), "|")
	n, err := strconv.ParseInt(ms, 10, 64)
	if !ok || err != nil {
		return 0, "", apperr.New(apperr.Invalid, "bad cursor")
	}
	return n, id, nil
}

// Changes returns a page of change records, newest first.
func (s *Store) Changes(ctx context.Context, q ChangeQuery) (ChangePage, error) {
	if q.First <= 0 {
		q.First = 50
	}
	if q.First > 1000 {
		return ChangePage{}, apperr.New(apperr.Invalid, "first must be at most 1000")
	}
	if q.Tenant == "" && q.Asset == "" {
		return ChangePage{}, apperr.New(apperr.Invalid, "changes need a tenant or an asset")
	}
	kinds := make([]string, 0, len(q.Kinds))
	for _, k := range q.Kinds {
		kd, ok := schema.KindByName(k)
		if !ok {
			return ChangePage{}, apperr.New(apperr.Invalid, "unknown kind %q", k)
		}
		kinds = append(kinds, kd.Name)
	}
	for _, op := range q.Ops {
		switch op {
		case OpCreated, OpUpdated, OpDeleted, OpBaseline:
		default:
			return ChangePage{}, apperr.New(apperr.Invalid, "unknown change kind %q (created, updated, deleted or baseline)", op)
		}
	}
	ops := append([]string{}, q.Ops...)
	params := map[string]any{"kinds": kinds, "ops": ops, "limit": q.First + 1, "since": int64(0),
		"afterMs": int64(-1), "afterID": ""}
	if !q.Since.IsZero() {
		params["since"] = q.Since.UnixMilli()
	}
	if q.After != "" {
		ms, id, err := parseChangeCursor(q.After)
		if err != nil {
			return ChangePage{}, err
		}
		params["afterMs"], params["afterID"] = ms, id
	}
	match := fmt.Sprintf("MATCH (c:%s) WHERE c.tenant = $tenant", schema.ChangeLabel)
	params["tenant"] = q.Tenant
	if q.Asset != "" {
		match = fmt.Sprintf("MATCH (c:%s) WHERE c.asset_id = $asset", schema.ChangeLabel)
		params["asset"] = q.Asset
		if q.Tenant != "" {
			match += " AND c.tenant = $tenant"
		}
	}
	rows, err := s.readRows(ctx, match+`
  AND c.at_ms >= $since
  AND (size($kinds) = 0 OR c.asset_kind IN $kinds)
  AND (size($ops) = 0 OR c.kind IN $ops)
  AND ($afterMs < 0 OR c.at_ms < $afterMs OR (c.at_ms = $afterMs AND c.id < $afterID))
RETURN c ORDER BY c.at_ms DESC, c.id DESC LIMIT $limit`, params)
	if err != nil {
		return ChangePage{}, err
	}
	var p ChangePage
	for _, r := range rows {
		p.Changes = append(p.Changes, changeFromProps(nodeProps(r["c"])))
	}
	if len(p.Changes) > q.First {
		p.Changes, p.HasNext = p.Changes[:q.First], true
	}
	if n := len(p.Changes); n > 0 {
		p.EndCursor = ChangeCursor(p.Changes[n-1])
	}
	return p, nil
}

func changeFromProps(p map[string]any) Change {
	c := Change{ID: str(p["id"]), Tenant: str(p["tenant"]), SyncID: str(p["sync_id"]), Op: str(p["kind"]),
		AssetID: str(p["asset_id"]), AssetKind: str(p["asset_kind"]), NativeID: str(p["native_id"]),
		Name: str(p["name"]), Actor: str(p["actor"]), At: msTime(p["at_ms"])}
	if f := str(p["fields"]); f != "" {
		_ = json.Unmarshal([]byte(f), &c.Fields)
	}
	return c
}
