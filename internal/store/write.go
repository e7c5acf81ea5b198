package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/authgraph/authgraph/schema"
)

// Node is one asset to upsert: its native id, display name and properties.
// Props keys must be declared on the kind (schema's allowlist); nil values
// are dropped, so an absent optional field stays absent.
type Node struct {
	NativeID string
	Name     string
	Props    map[string]any
}

// Rel is one relation to upsert between two assets given by native ids.
type Rel struct {
	From, To string
	Props    map[string]any
}

// WriteStats counts what a write did.
type WriteStats struct {
	Rows                 int
	NodesCreated         int
	RelationshipsCreated int
	NodesDeleted         int
	RelationshipsDeleted int
	PropertiesSet        int
}

func (w *WriteStats) add(c interface {
	NodesCreated() int
	RelationshipsCreated() int
	NodesDeleted() int
	RelationshipsDeleted() int
	PropertiesSet() int
}) {
	w.NodesCreated += c.NodesCreated()
	w.RelationshipsCreated += c.RelationshipsCreated()
	w.NodesDeleted += c.NodesDeleted()
	w.RelationshipsDeleted += c.RelationshipsDeleted()
	w.PropertiesSet += c.PropertiesSet()
}

// cleanProps checks props against the allowlist and converts values to what
// the driver stores. An undeclared property is a programming error: it is
// reported, never written, so nothing outside the allowlist reaches the graph.
func cleanProps(owner string, lookup func(string) (schema.Property, bool), props map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(props)+6)
	for k, v := range props {
		p, ok := lookup(k)
		if !ok {
			return nil, fmt.Errorf("%s: property %q is not declared in schema", owner, k)
		}
		if v == nil {
			continue
		}
		cv, keep, err := convert(p, v)
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", owner, k, err)
		}
		if keep {
			out[k] = cv
		}
	}
	return out, nil
}

func convert(p schema.Property, v any) (any, bool, error) {
	switch p.Type {
	case schema.String:
		s, ok := v.(string)
		if !ok {
			return nil, false, fmt.Errorf("want string, got %T", v)
		}
		return s, s != "", nil
	case schema.Int:
		switch n := v.(type) {
		case int:
			return int64(n), true, nil
		case int64:
			return n, true, nil
		case int32:
			return int64(n), true, nil
		case float64:
			return int64(n), true, nil
		}
		return nil, false, fmt.Errorf("want int, got %T", v)
	case schema.Float:
		switch n := v.(type) {
		case float64:
			return n, true, nil
		case int:
			return float64(n), true, nil
		case int64:
			return float64(n), true, nil
		}
		return nil, false, fmt.Errorf("want float, got %T", v)
	case schema.Bool:
		b, ok := v.(bool)
		if !ok {
			return nil, false, fmt.Errorf("want bool, got %T", v)
		}
		return b, true, nil
	case schema.StringList:
		l, ok := v.([]string)
		if !ok {
			return nil, false, fmt.Errorf("want []string, got %T", v)
		}
		return l, true, nil
	case schema.Time:
		t, ok := v.(time.Time)
		if !ok {
			return nil, false, fmt.Errorf("want time.Time, got %T", v)
		}
		if t.IsZero() {
			return nil, false, nil
		}
		return t.UTC(), true, nil
	}
	return nil, false, fmt.Errorf("unknown type %v", p.Type)
}

// nodeRows builds the UNWIND rows for nodes of one kind, one row per node:
// of rows naming the same node, the last one (keepFirst: the first) is
// kept, as row-by-row writes would leave it. A repeated row is not harmless
// in one statement: Neo4j may plan the MERGE of every row before the rest
// (an Eager barrier), so each copy of a new node would see it new and
// create its RESOURCE edge again — a permission that no API defines,
// referenced by a role and by a client grant in one batch, had two.
func nodeRows(tenant string, k *schema.Kind, nodes []Node, keepFirst bool) ([]map[string]any, error) {
	rows := make([]map[string]any, 0, len(nodes))
	at := make(map[string]int, len(nodes)) // row index by native id
	for _, n := range nodes {
		if n.NativeID == "" {
			return nil, fmt.Errorf("%s: empty native id", k.Name)
		}
		props, err := cleanProps(k.Name, k.Prop, n.Props)
		if err != nil {
			return nil, err
		}
		props[schema.PropID] = schema.Key(tenant, k, n.NativeID)
		props[schema.PropNativeID] = n.NativeID
		props[schema.PropTenant] = tenant
		props[schema.PropKind] = k.Name
		name := n.Name
		if name == "" {
			name = n.NativeID
		}
		props[schema.PropName] = name
		row := map[string]any{"id": props[schema.PropID], "props": props}
		if i, seen := at[n.NativeID]; seen {
			if !keepFirst {
				rows[i] = row
			}
			continue
		}
		at[n.NativeID] = len(rows)
		rows = append(rows, row)
	}
	return rows, nil
}

// upsertNodesCypher merges nodes of one kind on their constrained key and
// links each to its tenant. SET n = props replaces the property set, so a
// field Auth0 no longer returns disappears; firstseen survives it.
func upsertNodesCypher(k *schema.Kind) string {
	// A new node (no firstseen yet) gets its RESOURCE edge by CREATE: a MERGE
	// would have to check the tenant's (dense) relationships for every row.
	return fmt.Sprintf(`MATCH (t:%[1]s {id: $tenantKey})
UNWIND $rows AS row
MERGE (n:%[2]s {id: row.id})
WITH t, n, row, n.firstseen IS NULL AS isNew, coalesce(n.firstseen, $tag) AS fs%[5]s
SET n = row.props
SET n:%[3]s, n.firstseen = fs, n.lastupdated = $tag%[6]s
FOREACH (_ IN CASE WHEN isNew THEN [1] ELSE [] END | CREATE (t)-[:%[4]s]->(n))`, schema.Tenant.Label, k.Label, schema.AssetLabel, schema.ResourceRel,
		keptRead(k), keptWrite(k))
}

// keptRead and keptWrite carry a kind's Kept properties (written by another
// producer) over the SET n = props that replaces the property set.
func keptRead(k *schema.Kind) string {
	names := k.KeptProps()
	if len(names) == 0 {
		return ""
	}
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = "." + n
	}
	return ", n{" + strings.Join(parts, ", ") + "} AS kept"
}

func keptWrite(k *schema.Kind) string {
	if len(k.KeptProps()) == 0 {
		return ""
	}
	return "\nSET n += kept"
}

// ensureNodesCypher is for producers that only reference a node (a role
// granting a permission): a node already written in this sync by its primary
// producer (which runs in an earlier stage) is only touched; otherwise the
// reference's properties replace the old ones.
func ensureNodesCypher(k *schema.Kind) string {
	return fmt.Sprintf(`MATCH (t:%[1]s {id: $tenantKey})
UNWIND $rows AS row
MERGE (n:%[2]s {id: row.id})
WITH t, n, row, n.firstseen IS NULL AS isNew, coalesce(n.firstseen, $tag) AS fs, coalesce(n.lastupdated = $tag, false) AS fresh%[5]s
FOREACH (_ IN CASE WHEN fresh THEN [] ELSE [1] END | SET n = row.props)
SET n:%[3]s, n.firstseen = fs, n.lastupdated = $tag%[6]s
FOREACH (_ IN CASE WHEN isNew THEN [1] ELSE [] END | CREATE (t)-[:%[4]s]->(n))`, schema.Tenant.Label, k.Label, schema.AssetLabel, schema.ResourceRel,
		keptRead(k), keptWrite(k))
}

// EnsureNodes writes referenced nodes (see ensureNodesCypher).
func (s *Store) EnsureNodes(ctx context.Context, tenant string, k *schema.Kind, tag int64, nodes []Node) (WriteStats, error) {
	return s.upsertNodes(ctx, tenant, k, tag, nodes, ensureNodesCypher(k), true)
}

// UpsertNodes writes nodes of kind k for tenant in one batched statement.
// The tenant node must exist (EnsureTenant).
func (s *Store) UpsertNodes(ctx context.Context, tenant string, k *schema.Kind, tag int64, nodes []Node) (WriteStats, error) {
	return s.upsertNodes(ctx, tenant, k, tag, nodes, upsertNodesCypher(k), false)
}

func (s *Store) upsertNodes(ctx context.Context, tenant string, k *schema.Kind, tag int64, nodes []Node, cypher string, keepFirst bool) (WriteStats, error) {
	var st WriteStats
	if len(nodes) == 0 {
		return st, nil
	}
	rows, err := nodeRows(tenant, k, nodes, keepFirst)
	if err != nil {
		return st, err
	}
	c, err := s.write(ctx, cypher, map[string]any{
		"tenantKey": TenantKey(tenant), "rows": rows, "tag": tag,
	})
	if err != nil {
		return st, fmt.Errorf("upsert %s: %w", k.Name, err)
	}
	st.Rows = len(rows)
	st.add(c)
	return st, nil
}

// TenantKey is the key of a tenant's root node.
func TenantKey(tenant string) string { return schema.Key(tenant, schema.Tenant, tenant) }

// EnsureTenant merges the tenant's root node.
func (s *Store) EnsureTenant(ctx context.Context, tenant string, tag int64) error {
	_, err := s.write(ctx, fmt.Sprintf(`MERGE (t:%s {id: $key})
ON CREATE SET t.firstseen = $tag, t.native_id = $tenant, t.tenant = $tenant, t.name = $tenant,
  t.domain = $tenant, t.kind = $kind
SET t:%s, t.lastupdated = $tag`, schema.Tenant.Label, schema.AssetLabel),
		map[string]any{"key": TenantKey(tenant), "tenant": tenant, "tag": tag, "kind": schema.Tenant.Name})
	return err
}

func relRows(tenant string, r *schema.Relation, rels []Rel) ([]map[string]any, error) {
	rows := make([]map[string]any, 0, len(rels))
	for _, rel := range rels {
		if rel.From == "" || rel.To == "" {
			return nil, fmt.Errorf("%s: empty endpoint", r.Name())
		}
		props, err := cleanProps(r.Name(), r.Prop, rel.Props)
		if err != nil {
			return nil, err
		}
		rows = append(rows, map[string]any{
			"from":  schema.Key(tenant, r.From, rel.From),
			"to":    schema.Key(tenant, r.To, rel.To),
			"props": props,
		})
	}
	return rows, nil
}

// upsertRelsCypher matches both ends by key and merges the relation. Rows
// whose ends are missing (a grant to a deleted API) write nothing.
func upsertRelsCypher(r *schema.Relation) string {
	return fmt.Sprintf(`UNWIND $rows AS row
MATCH (a:%s {id: row.from})
MATCH (b:%s {id: row.to})
MERGE (a)-[r:%s]->(b)
WITH r, row, coalesce(r.firstseen, $tag) AS fs
SET r = row.props
SET r.firstseen = fs, r.lastupdated = $tag`, r.From.Label, r.To.Label, r.Type)
}

// UpsertRels writes relations of one declaration in one batched statement.
func (s *Store) UpsertRels(ctx context.Context, tenant string, r *schema.Relation, tag int64, rels []Rel) (WriteStats, error) {
	var st WriteStats
	if len(rels) == 0 {
		return st, nil
	}
	rows, err := relRows(tenant, r, rels)
	if err != nil {
		return st, err
	}
	c, err := s.write(ctx, upsertRelsCypher(r), map[string]any{"rows": rows, "tag": tag})
	if err != nil {
		return st, fmt.Errorf("upsert %s: %w", r.Name(), err)
	}
	st.Rows = len(rows)
	st.add(c)
	return st, nil
}

// cleanupBatch bounds each delete transaction so a large cleanup does not
// need a huge transaction state.
const cleanupBatch = 10000

// DeleteStaleNodes removes tenant's nodes of kind k not seen by the sync
// tagged tag. Callers run it only for kinds fetched completely.
func (s *Store) DeleteStaleNodes(ctx context.Context, tenant string, k *schema.Kind, tag int64) (int, error) {
	q := fmt.Sprintf(`MATCH (n:%s {tenant: $tenant}) WHERE n.lastupdated <> $tag
WITH n LIMIT $batch DETACH DELETE n`, k.Label)
	total := 0
	for {
		c, err := s.write(ctx, q, map[string]any{"tenant": tenant, "tag": tag, "batch": cleanupBatch})
		if err != nil {
			return total, fmt.Errorf("cleanup %s: %w", k.Name, err)
		}
		total += c.NodesDeleted()
		if c.NodesDeleted() < cleanupBatch {
			return total, nil
		}
	}
}

// DeleteStaleRels removes tenant's relations of declaration r not seen by the
// sync tagged tag.
func (s *Store) DeleteStaleRels(ctx context.Context, tenant string, r *schema.Relation, tag int64) (int, error) {
	q := fmt.Sprintf(`MATCH (a:%s {tenant: $tenant})-[r:%s]->(b:%s) WHERE r.lastupdated <> $tag
WITH r LIMIT $batch DELETE r`, r.From.Label, r.Type, r.To.Label)
	total := 0
	for {
		c, err := s.write(ctx, q, map[string]any{"tenant": tenant, "tag": tag, "batch": cleanupBatch})
		if err != nil {
			return total, fmt.Errorf("cleanup %s: %w", r.Name(), err)
		}
		total += c.RelationshipsDeleted()
		if c.RelationshipsDeleted() < cleanupBatch {
			return total, nil
		}
	}
}
