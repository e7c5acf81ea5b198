package store

import (
	"context"
	"fmt"
	"sort"

	"github.com/authgraph/authgraph/schema"
)

// Change detection at write time: the diff writers below write exactly what
// UpsertNodes, UpsertRels, DeleteStaleNodes and DeleteStaleRels write, and
// in the same statement compare each row with what the graph held before,
// returning only the rows that differ (a new asset, changed fields, a
// removed one). An unchanged tenant costs a comparison per row and returns
// nothing. Only declared properties are ever stored, so only declared
// properties can appear in a diff; bookkeeping properties never do.

// FieldChange is one changed field of an asset: a property (old → new) or,
// for relations, the relation type with the asset at its other end.
type FieldChange struct {
	Field string `json:"field"`
	Old   any    `json:"old,omitempty"`
	New   any    `json:"new,omitempty"`
	// Target is the key of the asset at the other end, for relation fields.
	Target string `json:"target,omitempty"`
}

// Change operations.
const (
	OpCreated  = "created"
	OpUpdated  = "updated"
	OpDeleted  = "deleted"
	OpBaseline = "baseline"
)

// NodeChange is an asset a write created, updated or deleted.
type NodeChange struct {
	Op       string
	Key      string
	NativeID string
	Name     string
	Fields   []FieldChange
}

// RelChange is a relation a write created, changed or deleted.
type RelChange struct {
	Op               string
	From, To         string // keys
	FromName, ToName string
	FromID, ToID     string // native ids
	Fields           []FieldChange
}

// diffSkip are the properties never reported: the key parts and sync
// bookkeeping (they change with every sync or never).
var diffSkip = []string{schema.PropID, schema.PropNativeID, schema.PropTenant, schema.PropKind, schema.PropFirstSeen, schema.PropLastUpdated}

// changedKeys is the Cypher list of property names whose values differ
// between map old and map new (a property on one side only counts).
const changedKeys = `[k IN keys(new) WHERE NOT k IN $skip AND (old[k] IS NULL OR old[k] <> new[k])] +
  [k IN keys(old) WHERE NOT k IN $skip AND new[k] IS NULL]`

// upsertNodesDiffCypher compares each row with its node before writing and
// rewrites only new or changed nodes; an unchanged node gets its sync tag
// alone (the stale cleanup needs it), one property instead of all of them,
// which is what keeps change detection cheap on a tenant that did not move.
func upsertNodesDiffCypher(k *schema.Kind) string {
	return fmt.Sprintf(`MATCH (t:%[1]s {id: $tenantKey})
UNWIND $rows AS row
MERGE (n:%[2]s {id: row.id})
WITH t, n, row, n.firstseen IS NULL AS isNew, coalesce(n.firstseen, $tag) AS fs, properties(n) AS old%[6]s
WITH *, row.props AS new
WITH *, CASE WHEN isNew THEN [k IN keys(new) WHERE NOT k IN $skip] ELSE %[5]s END AS changed
FOREACH (_ IN CASE WHEN isNew OR size(changed) > 0 THEN [1] ELSE [] END |
  SET n = row.props
  SET n:%[3]s, n.firstseen = fs%[7]s)
SET n.lastupdated = $tag
FOREACH (_ IN CASE WHEN isNew THEN [1] ELSE [] END | CREATE (t)-[:%[4]s]->(n))
WITH row, isNew, old, new, changed
WHERE size(changed) > 0 OR isNew
RETURN row.id AS id, new.native_id AS nid, new.name AS name, isNew,
  [k IN changed | [k, CASE WHEN isNew THEN null ELSE old[k] END, new[k]]] AS fields`,
		schema.Tenant.Label, k.Label, schema.AssetLabel, schema.ResourceRel, changedKeys, keptRead(k), keptWrite(k))
}

// UpsertNodesDiff is UpsertNodes that also returns the assets it created and
// the fields it changed.
func (s *Store) UpsertNodesDiff(ctx context.Context, tenant string, k *schema.Kind, tag int64, nodes []Node) (WriteStats, []NodeChange, error) {
	var st WriteStats
	if len(nodes) == 0 {
		return st, nil, nil
	}
	rows, err := nodeRows(tenant, k, nodes, false)
	if err != nil {
		return st, nil, err
	}
	out, c, err := s.writeRows(ctx, upsertNodesDiffCypher(k), map[string]any{
		"tenantKey": TenantKey(tenant), "rows": rows, "tag": tag, "skip": append(k.KeptProps(), diffSkip...),
	})
	if err != nil {
		return st, nil, fmt.Errorf("upsert %s: %w", k.Name, err)
	}
	st.Rows = len(rows)
	st.add(c)
	changes := make([]NodeChange, 0, len(out))
	for _, r := range out {
		ch := NodeChange{Op: OpUpdated, Key: str(r["id"]), NativeID: str(r["nid"]), Name: str(r["name"]), Fields: fieldsOf(k.Prop, r["fields"])}
		if r["isNew"] == true {
			ch.Op = OpCreated
		}
		changes = append(changes, ch)
	}
	return st, changes, nil
}

// fieldsOf reads [[name, old, new], …] and keeps declared, non-secret
// properties only (a second fence behind the write allowlist).
func fieldsOf(lookup func(string) (schema.Property, bool), v any) []FieldChange {
	l, _ := v.([]any)
	out := make([]FieldChange, 0, len(l))
	for _, e := range l {
		t, _ := e.([]any)
		if len(t) != 3 {
			continue
		}
		name := str(t[0])
		p, ok := lookup(name)
		if !ok || (schema.LooksSecret(name) && !p.NotSecret) {
			continue
		}
		out = append(out, FieldChange{Field: name, Old: t[1], New: t[2]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

func propsFields(lookup func(string) (schema.Property, bool), v any, old bool) []FieldChange {
	m, _ := v.(map[string]any)
	l := make([]any, 0, len(m))
	for k, val := range m {
		if isSkipped(k) {
			continue
		}
		if old {
			l = append(l, []any{k, val, nil})
		} else {
			l = append(l, []any{k, nil, val})
		}
	}
	return fieldsOf(lookup, l)
}

func isSkipped(k string) bool {
	for _, s := range diffSkip {
		if s == k {
			return true
		}
	}
	return false
}

func upsertRelsDiffCypher(r *schema.Relation) string {
	return fmt.Sprintf(`UNWIND $rows AS row
MATCH (a:%s {id: row.from})
MATCH (b:%s {id: row.to})
MERGE (a)-[r:%s]->(b)
WITH a, b, r, row, r.firstseen IS NULL AS isNew, coalesce(r.firstseen, $tag) AS fs, properties(r) AS old
SET r = row.props
SET r.firstseen = fs, r.lastupdated = $tag
WITH a, b, isNew, old, row.props AS new
WITH a, b, isNew, old, new, CASE WHEN isNew THEN [k IN keys(new) WHERE NOT k IN $skip] ELSE %s END AS changed
WHERE size(changed) > 0 OR isNew
RETURN a.id AS from, a.name AS fromName, a.native_id AS fromID, b.id AS to, b.name AS toName, b.native_id AS toID, isNew,
  [k IN changed | [k, CASE WHEN isNew THEN null ELSE old[k] END, new[k]]] AS fields`, r.From.Label, r.To.Label, r.Type, changedKeys)
}

// UpsertRelsDiff is UpsertRels that also returns the relations it created
// and the ones whose properties changed.
func (s *Store) UpsertRelsDiff(ctx context.Context, tenant string, r *schema.Relation, tag int64, rels []Rel) (WriteStats, []RelChange, error) {
	var st WriteStats
	if len(rels) == 0 {
		return st, nil, nil
	}
	rows, err := relRows(tenant, r, rels)
	if err != nil {
		return st, nil, err
	}
	out, c, err := s.writeRows(ctx, upsertRelsDiffCypher(r), map[string]any{"rows": rows, "tag": tag, "skip": diffSkip})
	if err != nil {
		return st, nil, fmt.Errorf("upsert %s: %w", r.Name(), err)
	}
	st.Rows = len(rows)
	st.add(c)
	changes := make([]RelChange, 0, len(out))
	for _, row := range out {
		ch := relChangeOf(row, OpUpdated)
		if row["isNew"] == true {
			ch.Op = OpCreated
		}
		ch.Fields = fieldsOf(r.Prop, row["fields"])
		changes = append(changes, ch)
	}
	return st, changes, nil
}

func relChangeOf(row map[string]any, op string) RelChange {
	return RelChange{Op: op, From: str(row["from"]), FromName: str(row["fromName"]), FromID: str(row["fromID"]),
		To: str(row["to"]), ToName: str(row["toName"]), ToID: str(row["toID"])}
}

// deleteRelsReturning ends a statement that matched (a)-[r]->(b): it
// deletes r and returns what deletedRels reads back.
const deleteRelsReturning = `WITH r, a.id AS from, a.name AS fromName, a.native_id AS fromID, b.id AS to, b.name AS toName, b.native_id AS toID, properties(r) AS props
DELETE r
RETURN from, fromName, fromID, to, toName, toID, props`

// deletedRels are the changes of the relations of declaration r that a
// statement ending in deleteRelsReturning deleted, with their last
// properties.
func deletedRels(r *schema.Relation, rows []map[string]any) []RelChange {
	out := make([]RelChange, 0, len(rows))
	for _, row := range rows {
		ch := relChangeOf(row, OpDeleted)
		ch.Fields = propsFields(r.Prop, row["props"], true)
		out = append(out, ch)
	}
	return out
}

// DeleteStaleNodesDiff is DeleteStaleNodes that returns what it deleted,
// with the last properties the graph held.
func (s *Store) DeleteStaleNodesDiff(ctx context.Context, tenant string, k *schema.Kind, tag int64) ([]NodeChange, error) {
	q := fmt.Sprintf(`MATCH (n:%s {tenant: $tenant}) WHERE n.lastupdated <> $tag
WITH n LIMIT $batch
WITH n, n.id AS id, n.native_id AS nid, n.name AS name, properties(n) AS props
DETACH DELETE n
RETURN id, nid, name, props`, k.Label)
	var out []NodeChange
	for {
		rows, c, err := s.writeRows(ctx, q, map[string]any{"tenant": tenant, "tag": tag, "batch": cleanupBatch})
		if err != nil {
			return out, fmt.Errorf("cleanup %s: %w", k.Name, err)
		}
		for _, r := range rows {
			out = append(out, NodeChange{Op: OpDeleted, Key: str(r["id"]), NativeID: str(r["nid"]), Name: str(r["name"]),
				Fields: propsFields(k.Prop, r["props"], true)})
		}
		if c.NodesDeleted() < cleanupBatch {
			return out, nil
		}
	}
}

// DeleteStaleRelsDiff is DeleteStaleRels that returns what it deleted.
func (s *Store) DeleteStaleRelsDiff(ctx context.Context, tenant string, r *schema.Relation, tag int64) ([]RelChange, error) {
	q := fmt.Sprintf(`MATCH (a:%s {tenant: $tenant})-[r:%s]->(b:%s) WHERE r.lastupdated <> $tag
WITH a, r, b LIMIT $batch
`+deleteRelsReturning, r.From.Label, r.Type, r.To.Label)
	var out []RelChange
	for {
		rows, c, err := s.writeRows(ctx, q, map[string]any{"tenant": tenant, "tag": tag, "batch": cleanupBatch})
		if err != nil {
			return out, fmt.Errorf("cleanup %s: %w", r.Name(), err)
		}
		out = append(out, deletedRels(r, rows)...)
		if c.RelationshipsDeleted() < cleanupBatch {
			return out, nil
		}
	}
}
