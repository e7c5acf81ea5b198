package store

import (
	"context"
	"fmt"
	"time"

	"github.com/authgraph/authgraph/schema"
)

// Writes of an incremental pass (ingest.RunIncremental): it re-fetches only
// the assets a tenant's log names, so stale cleanup is scoped to them (the
// relations of the users, roles and organizations it refreshed) instead of
// a whole kind, and the invariants a full sync gets from seeing everything
// (no membership without its organization, no permission nothing defines
// or references) are restored by the fix-ups below.

// KeepNodes writes referenced nodes without replacing an existing node's
// properties: an incremental pass references a permission (a role's) whose
// defining API it did not re-read, and must not take "defined" away from it.
// A missing node is created from the reference.
func (s *Store) KeepNodes(ctx context.Context, tenant string, k *schema.Kind, tag int64, nodes []Node) (WriteStats, error) {
	q := fmt.Sprintf(`MATCH (t:%[1]s {id: $tenantKey})
UNWIND $rows AS row
MERGE (n:%[2]s {id: row.id})
WITH t, n, row, n.firstseen IS NULL AS isNew
FOREACH (_ IN CASE WHEN isNew THEN [1] ELSE [] END |
  SET n = row.props, n:%[3]s, n.firstseen = $tag, n.lastupdated = $tag
  CREATE (t)-[:%[4]s]->(n))`, schema.Tenant.Label, k.Label, schema.AssetLabel, schema.ResourceRel)
	return s.upsertNodes(ctx, tenant, k, tag, nodes, q, true)
}

func keys(tenant string, k *schema.Kind, ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = schema.Key(tenant, k, id)
	}
	return out
}

func nodeChanges(k *schema.Kind, rows []map[string]any) []NodeChange {
	out := make([]NodeChange, 0, len(rows))
	for _, r := range rows {
		out = append(out, NodeChange{Op: OpDeleted, Key: str(r["id"]), NativeID: str(r["nid"]), Name: str(r["name"]),
			Fields: propsFields(k.Prop, r["props"], true)})
	}
	return out
}

// DeleteNodes removes tenant's nodes of kind k by native id (and their
// relations) and returns what it deleted.
func (s *Store) DeleteNodes(ctx context.Context, tenant string, k *schema.Kind, ids []string) ([]NodeChange, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	q := fmt.Sprintf(`UNWIND $keys AS key
MATCH (n:%s {id: key}) WHERE n.tenant = $tenant
WITH n, n.id AS id, n.native_id AS nid, n.name AS name, properties(n) AS props
DETACH DELETE n
RETURN id, nid, name, props`, k.Label)
	rows, _, err := s.writeRows(ctx, q, map[string]any{"keys": keys(tenant, k, ids), "tenant": tenant})
	if err != nil {
		return nil, fmt.Errorf("delete %s: %w", k.Name, err)
	}
	return nodeChanges(k, rows), nil
}

// DeleteNodesByProp removes tenant's nodes of kind k whose property prop is
// one of values and that the write tagged tag did not touch (tag 0: any),
// e.g. the memberships of an organization that are no longer listed.
func (s *Store) DeleteNodesByProp(ctx context.Context, tenant string, k *schema.Kind, prop string, values []string, tag int64) ([]NodeChange, error) {
	if len(values) == 0 {
		return nil, nil
	}
	if _, ok := k.Prop(prop); !ok {
		return nil, fmt.Errorf("%s has no property %q", k.Name, prop)
	}
	q := fmt.Sprintf(`MATCH (n:%s {tenant: $tenant}) WHERE n.%s IN $values AND ($tag = 0 OR n.lastupdated <> $tag)
WITH n, n.id AS id, n.native_id AS nid, n.name AS name, properties(n) AS props
DETACH DELETE n
RETURN id, nid, name, props`, k.Label, prop)
	rows, _, err := s.writeRows(ctx, q, map[string]any{"tenant": tenant, "values": values, "tag": tag})
	if err != nil {
		return nil, fmt.Errorf("delete %s by %s: %w", k.Name, prop, err)
	}
	return nodeChanges(k, rows), nil
}

// DeleteStaleRelsOf removes relations of declaration r that the write tagged
// tag did not touch, among those leaving the assets from (native ids of
// r.From) or, with toSide, reaching the assets given (native ids of r.To).
func (s *Store) DeleteStaleRelsOf(ctx context.Context, tenant string, r *schema.Relation, ids []string, toSide bool, tag int64) ([]RelChange, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	anchor, k := "a", r.From
	if toSide {
		anchor, k = "b", r.To
	}
	q := fmt.Sprintf(`UNWIND $keys AS key
MATCH (%s:%s {id: key})
MATCH (a:%s)-[r:%s]->(b:%s) WHERE r.lastupdated <> $tag
`+deleteRelsReturning, anchor, k.Label, r.From.Label, r.Type, r.To.Label)
	rows, _, err := s.writeRows(ctx, q, map[string]any{"keys": keys(tenant, k, ids), "tag": tag})
	if err != nil {
		return nil, fmt.Errorf("cleanup %s: %w", r.Name(), err)
	}
	return deletedRels(r, rows), nil
}

// DeleteNodesWithout removes tenant's nodes of kind k that have no relation
// of declaration r (k at its From end): a membership whose organization is
// gone. A full sync never writes one.
func (s *Store) DeleteNodesWithout(ctx context.Context, tenant string, k *schema.Kind, r *schema.Relation) ([]NodeChange, error) {
	q := fmt.Sprintf(`MATCH (n:%s {tenant: $tenant}) WHERE NOT (n)-[:%s]->(:%s)
WITH n, n.id AS id, n.native_id AS nid, n.name AS name, properties(n) AS props
DETACH DELETE n
RETURN id, nid, name, props`, k.Label, r.Type, r.To.Label)
	rows, _, err := s.writeRows(ctx, q, map[string]any{"tenant": tenant})
	if err != nil {
		return nil, fmt.Errorf("delete orphan %s: %w", k.Name, err)
	}
	return nodeChanges(k, rows), nil
}

// FixPermissions restores what a full sync's permissions look like after an
// incremental pass: a permission nothing defines or references is deleted,
// and one no API defines any more is marked defined=false (without the
// defining API's description).
func (s *Store) FixPermissions(ctx context.Context, tenant string) ([]NodeChange, error) {
	p := schema.Permission
	q := fmt.Sprintf(`MATCH (n:%s {tenant: $tenant}) WHERE NOT ()-[:%s|%s|%s|%s]->(n)
WITH n, n.id AS id, n.native_id AS nid, n.name AS name, properties(n) AS props
DETACH DELETE n
RETURN id, nid, name, props`, p.Label, schema.RelDefines.Type, schema.RelRoleGrants.Type, schema.RelHasPermission.Type, schema.RelClientGrantGrants.Type)
	rows, _, err := s.writeRows(ctx, q, map[string]any{"tenant": tenant})
	if err != nil {
		return nil, fmt.Errorf("delete orphan permissions: %w", err)
	}
	out := nodeChanges(p, rows)
	q = fmt.Sprintf(`MATCH (n:%s {tenant: $tenant}) WHERE n.defined = true AND NOT (:%s)-[:%s]->(n)
SET n.defined = false REMOVE n.description
RETURN n.id AS id, n.native_id AS nid, n.name AS name`, p.Label, schema.ResourceServer.Label, schema.RelDefines.Type)
	rows, _, err = s.writeRows(ctx, q, map[string]any{"tenant": tenant})
	if err != nil {
		return out, fmt.Errorf("undefine permissions: %w", err)
	}
	for _, r := range rows {
		out = append(out, NodeChange{Op: OpUpdated, Key: str(r["id"]), NativeID: str(r["nid"]), Name: str(r["name"]),
			Fields: []FieldChange{{Field: "defined", Old: true, New: false}}})
	}
	return out, nil
}

// NativeIDsBy maps the value of property prop of tenant's nodes of kind k to
// their native ids (connection name → id, API identifier → id): what an
// incremental pass needs from the graph instead of listing them again.
func (s *Store) NativeIDsBy(ctx context.Context, tenant string, k *schema.Kind, prop string) (map[string]string, error) {
	if prop != schema.PropNativeID && prop != schema.PropName {
		if _, ok := k.Prop(prop); !ok {
			return nil, fmt.Errorf("%s has no property %q", k.Name, prop)
		}
	}
	rows, err := s.readRows(ctx, fmt.Sprintf(`MATCH (n:%s {tenant: $tenant}) RETURN n.%s AS v, n.native_id AS id`, k.Label, prop),
		map[string]any{"tenant": tenant})
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		if v := str(r["v"]); v != "" {
			out[v] = str(r["id"])
		}
	}
	return out, nil
}

// CheckpointLabel is a tenant's log checkpoint: the last log event an
// incremental pass applied, where its users' updated_at window starts, and
// when the last full collection finished.
const CheckpointLabel = "LogCheckpoint"

// Checkpoint is where a tenant's next incremental pass starts.
type Checkpoint struct {
	Tenant string
	// LogID is the last log event applied ("" = unknown: collect in full).
	LogID string
	// Since starts the next users updated_at window.
	Since time.Time
	// FullAt is when the last full collection (or reconcile) started.
	FullAt time.Time
}

// GetCheckpoint returns tenant's checkpoint (zero when there is none).
func (s *Store) GetCheckpoint(ctx context.Context, tenant string) (Checkpoint, error) {
	rows, err := s.readRows(ctx, fmt.Sprintf(`MATCH (c:%s {tenant: $tenant}) RETURN c.log_id AS log_id, c.since_ms AS since, c.full_ms AS full`, CheckpointLabel),
		map[string]any{"tenant": tenant})
	if err != nil || len(rows) == 0 {
		return Checkpoint{Tenant: tenant}, err
	}
	r := rows[0]
	return Checkpoint{Tenant: tenant, LogID: str(r["log_id"]), Since: msTime(r["since"]), FullAt: msTime(r["full"])}, nil
}

// SetCheckpoint saves tenant's checkpoint; call it only once the graph holds
// everything up to it.
func (s *Store) SetCheckpoint(ctx context.Context, c Checkpoint) error {
	var full any
	if !c.FullAt.IsZero() {
		full = c.FullAt.UnixMilli()
	}
	_, err := s.write(ctx, fmt.Sprintf(`MERGE (c:%s {tenant: $tenant})
SET c.log_id = $log_id, c.since_ms = $since, c.full_ms = coalesce($full, c.full_ms)`, CheckpointLabel),
		map[string]any{"tenant": c.Tenant, "log_id": c.LogID, "since": c.Since.UnixMilli(), "full": full})
	return err
}

// Membership is an organization membership as the graph holds it.
type Membership struct {
	NativeID, OrgID, UserID, Name string
}

// MembershipsOf returns the organization memberships of users (native ids):
// a membership is named after its member, so an incremental pass that
// re-read a user renames them when the user's email or name changed.
func (s *Store) MembershipsOf(ctx context.Context, tenant string, users []string) ([]Membership, error) {
	if len(users) == 0 {
		return nil, nil
	}
	rows, err := s.readRows(ctx, fmt.Sprintf(`UNWIND $keys AS key
MATCH (:%s {id: key})-[:%s]->(m:%s)
RETURN m.native_id AS id, m.organization_id AS org, m.user_id AS user, m.name AS name`,
		schema.User.Label, schema.RelHasMembership.Type, schema.OrgMembership.Label),
		map[string]any{"keys": keys(tenant, schema.User, users)})
	if err != nil {
		return nil, fmt.Errorf("memberships of users: %w", err)
	}
	out := make([]Membership, 0, len(rows))
	for _, r := range rows {
		out = append(out, Membership{NativeID: str(r["id"]), OrgID: str(r["org"]), UserID: str(r["user"]), Name: str(r["name"])})
	}
	return out, nil
}

// DeleteRels removes tenant's relations of declaration r between the given
// pairs (native ids of r.From and r.To) and returns what it deleted: the
// MEMBER_OF of a membership an incremental pass found gone, without
// touching the member's other organizations.
func (s *Store) DeleteRels(ctx context.Context, tenant string, r *schema.Relation, rels []Rel) ([]RelChange, error) {
	if len(rels) == 0 {
		return nil, nil
	}
	rows := make([]map[string]any, len(rels))
	for i, x := range rels {
		rows[i] = map[string]any{"from": schema.Key(tenant, r.From, x.From), "to": schema.Key(tenant, r.To, x.To)}
	}
	q := fmt.Sprintf(`UNWIND $rows AS row
MATCH (a:%s {id: row.from})-[r:%s]->(b:%s {id: row.to})
`+deleteRelsReturning, r.From.Label, r.Type, r.To.Label)
	out, _, err := s.writeRows(ctx, q, map[string]any{"rows": rows})
	if err != nil {
		return nil, fmt.Errorf("delete %s: %w", r.Name(), err)
	}
	return deletedRels(r, out), nil
}

// MemberCounts returns how many memberships the graph holds for each of the
// organizations given (native ids; an organization the graph does not hold
// is left out): what re-reading an organization's member list would cost.
// It reads the organizations' relation counts (only a membership is IN an
// organization), not their memberships.
func (s *Store) MemberCounts(ctx context.Context, tenant string, orgs []string) (map[string]int, error) {
	out := make(map[string]int, len(orgs))
	if len(orgs) == 0 {
		return out, nil
	}
	rows, err := s.readRows(ctx, fmt.Sprintf(`UNWIND $keys AS key
MATCH (o:%s {id: key})
RETURN o.native_id AS id, COUNT { (o)<-[:%s]-() } AS n`, schema.Organization.Label, schema.RelIn.Type),
		map[string]any{"keys": keys(tenant, schema.Organization, orgs)})
	if err != nil {
		return nil, fmt.Errorf("member counts: %w", err)
	}
	for _, r := range rows {
		n, _ := r["n"].(int64)
		out[str(r["id"])] = int(n)
	}
	return out, nil
}

// MemberLabels returns what the graph's users (native ids) are called in
// their memberships' names: the email, else the name, else the id (a user
// node's name is its name, else its email, else its id). A user the graph
// does not hold is left out.
func (s *Store) MemberLabels(ctx context.Context, tenant string, users []string) (map[string]string, error) {
	out := make(map[string]string, len(users))
	if len(users) == 0 {
		return out, nil
	}
	rows, err := s.readRows(ctx, fmt.Sprintf(`UNWIND $keys AS key
MATCH (u:%s {id: key})
RETURN u.native_id AS id, CASE WHEN coalesce(u.email, '') <> '' THEN u.email ELSE u.name END AS label`, schema.User.Label),
		map[string]any{"keys": keys(tenant, schema.User, users)})
	if err != nil {
		return nil, fmt.Errorf("member labels: %w", err)
	}
	for _, r := range rows {
		out[str(r["id"])] = str(r["label"])
	}
	return out, nil
}
