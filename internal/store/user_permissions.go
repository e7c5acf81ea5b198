package store

import (
	"context"
	"fmt"
	"time"

	"github.com/authgraph/authgraph/schema"
)

// Direct user permissions are read one call per user, a budget of calls
// per sync: the walk goes through the tenant's users in id order from a
// cursor kept on the tenant's node, and marks each user whose permissions
// it read completely (User.direct_permissions_at). Users without the mark
// have unknown direct permissions.

// userPermCursorProp is the tenant node's property holding the native id
// of the last user whose direct permissions were read ("" or absent: the
// next walk starts at the first user).
const userPermCursorProp = "user_permissions_cursor"

// UserIDsAfter returns up to limit native ids of the tenant's users whose
// id follows after's (after "" = from the first), in id order; upTo, when
// not "", bounds them (inclusive). It reads the unique constraint's index
// in order, so a page costs a page whatever the tenant's size.
func (s *Store) UserIDsAfter(ctx context.Context, tenant, after, upTo string, limit int) ([]string, error) {
	prefix := tenant + "/" + schema.User.Slug + "/"
	p := map[string]any{"prefix": prefix, "after": prefix + after, "limit": limit}
	cond := ""
	if after == "" {
		cond = "n.id STARTS WITH $prefix"
	} else {
		cond = "n.id STARTS WITH $prefix AND n.id > $after"
	}
	if upTo != "" {
		p["upTo"] = prefix + upTo
		cond += " AND n.id <= $upTo"
	}
	rows, err := s.query(ctx, fmt.Sprintf(`MATCH (n:%s) USING INDEX n:%s(id)
WHERE %s
RETURN n.native_id AS id ORDER BY n.id LIMIT $limit`, schema.User.Label, schema.User.Label, cond), p)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(rows))
	for _, r := range rows {
		out = append(out, str(r["id"]))
	}
	return out, nil
}

// UserPermissionsCursor returns where the tenant's walk of direct user
// permissions stopped ("" when it has not started or went round).
func (s *Store) UserPermissionsCursor(ctx context.Context, tenant string) (string, error) {
	rows, err := s.query(ctx, fmt.Sprintf("MATCH (t:%s {id: $key}) RETURN t.%s AS c", schema.Tenant.Label, userPermCursorProp),
		map[string]any{"key": TenantKey(tenant)})
	if err != nil || len(rows) == 0 {
		return "", err
	}
	return str(rows[0]["c"]), nil
}

// SetUserPermissionsCursor records where the walk stopped.
func (s *Store) SetUserPermissionsCursor(ctx context.Context, tenant, cursor string) error {
	_, err := s.write(ctx, fmt.Sprintf("MATCH (t:%s {id: $key}) SET t.%s = $c", schema.Tenant.Label, userPermCursorProp),
		map[string]any{"key": TenantKey(tenant), "c": cursor})
	return err
}

// MarkDirectPermissions records that the direct permissions of users (native
// ids) were read completely in the sync tagged tag (their HAS_PERMISSION
// relations were written with that tag before): in one transaction it
// removes their HAS_PERMISSION relations the read did not return and sets
// their direct_permissions_at. Only these users' relations are touched: the
// others' are not known to be stale. It returns the relations removed.
func (s *Store) MarkDirectPermissions(ctx context.Context, tenant string, tag int64, users []string, at time.Time) ([]RelChange, error) {
	if len(users) == 0 {
		return nil, nil
	}
	keys := make([]string, len(users))
	for i, u := range users {
		keys[i] = schema.Key(tenant, schema.User, u)
	}
	r := schema.RelHasPermission
	rows, _, err := s.writeRows(ctx, fmt.Sprintf(`UNWIND $keys AS key
MATCH (a:%[1]s {id: key})
SET a.%[4]s = $at
WITH a
MATCH (a)-[r:%[2]s]->(b:%[3]s) WHERE r.lastupdated <> $tag
`+deleteRelsReturning, r.From.Label, r.Type, r.To.Label, schema.DirectPermissionsAt),
		map[string]any{"keys": keys, "tag": tag, "at": at.UTC()})
	if err != nil {
		return nil, fmt.Errorf("mark direct permissions: %w", err)
	}
	return deletedRels(r, rows), nil
}

// TouchDirectPermissionTargets tags the permissions users still hold
// directly with tag, so that stale cleanup keeps the targets of relations
// whose users the walk has not reached in this sync.
func (s *Store) TouchDirectPermissionTargets(ctx context.Context, tenant string, tag int64) error {
	r := schema.RelHasPermission
	_, err := s.write(ctx, fmt.Sprintf(`MATCH (p:%s {tenant: $tenant}) WHERE p.lastupdated <> $tag AND EXISTS { (p)<-[:%s]-(:%s) }
SET p.lastupdated = $tag`, r.To.Label, r.Type, r.From.Label), map[string]any{"tenant": tenant, "tag": tag})
	return err
}

// DirectPermissionsCoverage counts the tenant's users and those whose
// direct permissions are not yet known.
func (s *Store) DirectPermissionsCoverage(ctx context.Context, tenant string) (users, unknown int, err error) {
	rows, err := s.query(ctx, fmt.Sprintf(`MATCH (u:%s {tenant: $tenant})
RETURN count(u) AS users, count(CASE WHEN u.%s IS NULL THEN 1 END) AS unknown`, schema.User.Label, schema.DirectPermissionsAt),
		map[string]any{"tenant": tenant})
	if err != nil || len(rows) == 0 {
		return 0, 0, err
	}
	return int(toInt(rows[0]["users"])), int(toInt(rows[0]["unknown"])), nil
}

// Coverage is data the graph may hold for only some assets of a kind yet:
// a rule that requires it reports the assets without it as unknown rather
// than passing.
type Coverage struct {
	Kind *schema.Kind
	// missing is the Cypher condition on asset a that the data is missing.
	missing string
	// Reason says, for a rule result, what is not known.
	Reason string
}

// Coverages are the names a rule's `requires` may use.
var Coverages = map[string]Coverage{
	"direct_permissions": {Kind: schema.User, missing: "a." + schema.DirectPermissionsAt + " IS NULL",
		Reason: "direct permissions not yet known (read a budget of users per sync)"},
}

// DirectPermissionsKnown returns which of users (native ids) have their
// direct permissions marked known.
func (s *Store) DirectPermissionsKnown(ctx context.Context, tenant string, users []string) (map[string]bool, error) {
	keys := make([]string, len(users))
	for i, u := range users {
		keys[i] = schema.Key(tenant, schema.User, u)
	}
	rows, err := s.query(ctx, fmt.Sprintf(`UNWIND $keys AS key MATCH (u:%s {id: key}) WHERE u.%s IS NOT NULL RETURN u.native_id AS id`,
		schema.User.Label, schema.DirectPermissionsAt), map[string]any{"keys": keys})
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(rows))
	for _, r := range rows {
		out[str(r["id"])] = true
	}
	return out, nil
}
