package store

import (
	"context"
	"fmt"
	"sort"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j/dbtype"

	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/schema"
)

// How a principal reaches a permission or an API.
const (
	ViaRole        = "ROLE"         // user -HAS_ROLE-> role -GRANTS-> permission
	ViaOrgRole     = "ORG_ROLE"     // user -HAS_MEMBERSHIP-> membership -WITH_ROLE-> role -GRANTS-> permission
	ViaDirect      = "DIRECT"       // user -HAS_PERMISSION-> permission
	ViaClientGrant = "CLIENT_GRANT" // client <-FOR_CLIENT- client grant -GRANTS-> permission
	ViaCanAccess   = "CAN_ACCESS"   // client -CAN_ACCESS-> API
	ViaConsent     = "CONSENT"      // user -CONSENTED-> grant -FOR_API-> API
)

// AccessPath is one way a principal reaches a permission (or an API): the
// walk from the principal to it, and the assets that matter on the way.
type AccessPath struct {
	Via          string
	Path         Path
	Role         *Asset // ROLE, ORG_ROLE
	Organization *Asset // ORG_ROLE: the organization of the membership
	Grant        *Asset // CLIENT_GRANT (client grant), CONSENT (user grant)
}

// PermissionAccess is one permission a principal has, with every path that
// gives it. API is the resource server that defines it (nil when none does).
type PermissionAccess struct {
	Permission Asset
	API        *Asset
	Paths      []AccessPath
}

// Reacher is a principal (user or client) that reaches a target.
type Reacher struct {
	Asset Asset
	Paths []AccessPath
}

// Reach answers "who can reach this permission or API".
type Reach struct {
	Target      Asset
	Users       []Reacher
	UserCount   int
	Clients     []Reacher
	ClientCount int
}

// userPathsCypher finds, for the users $users, every path to a permission
// (restricted to $perms unless null) and, when $api is set, consent grants
// for that API.
var userPathsCypher = fmt.Sprintf(`UNWIND $users AS uid
MATCH (u:%[1]s {id: uid})
CALL (u) {
  MATCH p = (u)-[:%[2]s]->(r:%[3]s)-[:%[4]s]->(perm:%[5]s)
  RETURN perm, p, '%[6]s' AS via, r AS role, null AS org, null AS grant
  UNION ALL
  MATCH p = (u)-[:%[7]s]->(m:%[8]s)-[:%[9]s]->(r:%[3]s)-[:%[4]s]->(perm:%[5]s)
  OPTIONAL MATCH (m)-[:%[10]s]->(o:%[11]s)
  RETURN perm, p, '%[12]s' AS via, r AS role, o AS org, null AS grant
  UNION ALL
  MATCH p = (u)-[:%[13]s]->(perm:%[5]s)
  RETURN perm, p, '%[14]s' AS via, null AS role, null AS org, null AS grant
  UNION ALL
  MATCH p = (u)-[:%[15]s]->(g:%[16]s)-[:%[17]s]->(perm:%[18]s {id: $api})
  RETURN perm, p, '%[19]s' AS via, null AS role, null AS org, g AS grant
}
WITH uid, perm, p, via, role, org, grant
WHERE $perms IS NULL OR perm.id IN $perms OR perm.id = $api
OPTIONAL MATCH (api:%[18]s)-[:%[20]s]->(perm)
RETURN uid, perm, api, collect({p: p, via: via, role: role, org: org, grant: grant}) AS paths
ORDER BY uid, perm.id`,
	schema.User.Label, schema.RelHasRole.Type, schema.Role.Label, schema.RelRoleGrants.Type, schema.Permission.Label,
	ViaRole, schema.RelHasMembership.Type, schema.OrgMembership.Label, schema.RelWithRole.Type,
	schema.RelIn.Type, schema.Organization.Label, ViaOrgRole, schema.RelHasPermission.Type, ViaDirect,
	schema.RelConsented.Type, schema.Grant.Label, schema.RelGrantForAPI.Type, schema.ResourceServer.Label, ViaConsent,
	schema.RelDefines.Type)

// clientPathsCypher finds clients' paths to permissions through client
// grants ($clients restricts the clients unless null, $perms the
// permissions), and to the API $api through CAN_ACCESS.
var clientPathsCypher = fmt.Sprintf(`CALL () {
  MATCH p = (c:%[1]s)<-[:%[2]s]-(g:%[3]s)-[:%[4]s]->(perm:%[5]s)
  WHERE ($clients IS NULL OR c.id IN $clients) AND ($perms IS NULL OR perm.id IN $perms)
  RETURN c, perm, p, '%[6]s' AS via, g AS grant
  UNION ALL
  MATCH p = (c:%[1]s)-[:%[7]s]->(perm:%[8]s {id: $api})
  WHERE $clients IS NULL OR c.id IN $clients
  RETURN c, perm, p, '%[9]s' AS via, null AS grant
}
OPTIONAL MATCH (api:%[8]s)-[:%[10]s]->(perm)
RETURN c, perm, api, collect({p: p, via: via, grant: grant}) AS paths
ORDER BY c.id, perm.id`,
	schema.Client.Label, schema.RelClientGrantForClient.Type, schema.ClientGrant.Label, schema.RelClientGrantGrants.Type,
	schema.Permission.Label, ViaClientGrant, schema.RelCanAccess.Type, schema.ResourceServer.Label, ViaCanAccess,
	schema.RelDefines.Type)

func optAsset(v any) *Asset {
	if a, ok := assetOf(v); ok {
		return &a
	}
	return nil
}

func accessPaths(v any) []AccessPath {
	list, _ := v.([]any)
	out := make([]AccessPath, 0, len(list))
	for _, item := range list {
		m, _ := item.(map[string]any)
		p, ok := m["p"].(dbtype.Path)
		if !ok {
			continue
		}
		out = append(out, AccessPath{
			Via: str(m["via"]), Path: pathOf(p),
			Role: optAsset(m["role"]), Organization: optAsset(m["org"]), Grant: optAsset(m["grant"]),
		})
	}
	return out
}

// principalAccess is one (principal, permission) row of the path queries.
type principalAccess struct {
	principal string
	access    PermissionAccess
}

func (s *Store) userPaths(ctx context.Context, users, perms []string, api string) ([]principalAccess, error) {
	params := map[string]any{"users": users, "perms": nil, "api": nil}
	if perms != nil {
		params["perms"] = perms
	}
	if api != "" {
		params["api"] = api
	}
	rows, err := s.queryRows(ctx, userPathsCypher, params, "uid", "perm", "api", "paths")
	if err != nil {
		return nil, err
	}
	out := make([]principalAccess, 0, len(rows))
	for _, row := range rows {
		perm, ok := assetOf(row["perm"])
		if !ok {
			continue
		}
		out = append(out, principalAccess{principal: str(row["uid"]), access: PermissionAccess{
			Permission: perm, API: optAsset(row["api"]), Paths: accessPaths(row["paths"]),
		}})
	}
	return out, nil
}

// UserEffectivePermissions returns every permission a user has, through
// tenant roles, organization roles and direct assignment, each with the
// paths that give it, ordered by permission id.
func (s *Store) UserEffectivePermissions(ctx context.Context, userID string) ([]PermissionAccess, error) {
	if err := s.expectKind(userID, schema.User); err != nil {
		return nil, err
	}
	rows, err := s.userPaths(ctx, []string{userID}, nil, "")
	if err != nil {
		return nil, err
	}
	out := make([]PermissionAccess, len(rows))
	for i, r := range rows {
		out[i] = r.access
	}
	return out, nil
}

// ClientEffectivePermissions returns every permission a client has through
// its client grants, each with the grants that give it.
func (s *Store) ClientEffectivePermissions(ctx context.Context, clientID string) ([]PermissionAccess, error) {
	if err := s.expectKind(clientID, schema.Client); err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, clientPathsCypher, map[string]any{"clients": []string{clientID}, "perms": nil, "api": nil})
	if err != nil {
		return nil, err
	}
	out := make([]PermissionAccess, 0, len(rows))
	for _, row := range rows {
		perm, ok := assetOf(row["perm"])
		if !ok {
			continue
		}
		out = append(out, PermissionAccess{Permission: perm, API: optAsset(row["api"]), Paths: accessPaths(row["paths"])})
	}
	return out, nil
}

func (s *Store) expectKind(id string, want *schema.Kind) error {
	k, err := KindOfID(id)
	if err != nil {
		return err
	}
	if k != want {
		return apperr.New(apperr.Invalid, "%q is a %s, not a %s", id, k.Name, want.Name)
	}
	return nil
}

// usersReachingCypher counts the users reaching any of $perms (or, by
// consent, the API $api) and returns the first $limit ids.
var usersReachingCypher = fmt.Sprintf(`CALL () {
  MATCH (perm:%[5]s) WHERE perm.id IN $perms
  MATCH (u:%[1]s)-[:%[2]s]->(:%[3]s)-[:%[4]s]->(perm) RETURN u
  UNION
  MATCH (perm:%[5]s) WHERE perm.id IN $perms
  MATCH (u:%[1]s)-[:%[6]s]->(:%[7]s)-[:%[8]s]->(:%[3]s)-[:%[4]s]->(perm) RETURN u
  UNION
  MATCH (perm:%[5]s) WHERE perm.id IN $perms
  MATCH (u:%[1]s)-[:%[9]s]->(perm) RETURN u
  UNION
  MATCH (u:%[1]s)-[:%[10]s]->(:%[11]s)-[:%[12]s]->(:%[13]s {id: $api}) RETURN u
}
WITH u.id AS uid ORDER BY uid
WITH collect(uid) AS reached
RETURN size(reached) AS total, reached[..$limit] AS page`,
	schema.User.Label, schema.RelHasRole.Type, schema.Role.Label, schema.RelRoleGrants.Type, schema.Permission.Label,
	schema.RelHasMembership.Type, schema.OrgMembership.Label, schema.RelWithRole.Type, schema.RelHasPermission.Type,
	schema.RelConsented.Type, schema.Grant.Label, schema.RelGrantForAPI.Type, schema.ResourceServer.Label)

// WhoCanReach returns the users and clients that can reach a permission or
// an API (any permission it defines; consent grants and CAN_ACCESS for it),
// with their paths: the first limit of each, ordered by id, and the counts.
func (s *Store) WhoCanReach(ctx context.Context, targetID string, limit int) (*Reach, error) {
	k, err := KindOfID(targetID)
	if err != nil {
		return nil, err
	}
	if k != schema.Permission && k != schema.ResourceServer {
		return nil, apperr.New(apperr.Invalid, "whoCanReach takes a permission or an API (resource server), not a %s", k.Name)
	}
	rows, err := s.query(ctx, fmt.Sprintf(`MATCH (t:%s {id: $id})
OPTIONAL MATCH (t)-[:%s]->(p:%s)
RETURN t, collect(p.id) AS perms`, k.Label, schema.RelDefines.Type, schema.Permission.Label), map[string]any{"id": targetID})
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, apperr.New(apperr.NotFound, "no asset with id %q", targetID)
	}
	target, _ := assetOf(rows[0]["t"])
	perms := []string{targetID}
	var api any
	if k == schema.ResourceServer {
		perms = []string{}
		for _, p := range rows[0]["perms"].([]any) {
			perms = append(perms, str(p))
		}
		api = targetID
	}
	out := &Reach{Target: target}

	rows, err = s.query(ctx, usersReachingCypher, map[string]any{"perms": perms, "api": api, "limit": limit})
	if err != nil {
		return nil, err
	}
	var page []string
	if len(rows) > 0 {
		out.UserCount = int(i64(rows[0]["total"]))
		for _, id := range rows[0]["page"].([]any) {
			page = append(page, str(id))
		}
	}
	if len(page) > 0 {
		apiID, _ := api.(string)
		ups, err := s.userPaths(ctx, page, perms, apiID)
		if err != nil {
			return nil, err
		}
		ids, _ := s.AssetsByID(ctx, page, nil)
		byUser := map[string][]AccessPath{}
		for _, r := range ups {
			byUser[r.principal] = append(byUser[r.principal], r.access.Paths...)
		}
		for _, id := range page {
			out.Users = append(out.Users, Reacher{Asset: ids[id], Paths: byUser[id]})
		}
	}

	rows, err = s.query(ctx, clientPathsCypher, map[string]any{"clients": nil, "perms": perms, "api": api})
	if err != nil {
		return nil, err
	}
	byClient := map[string]*Reacher{}
	var order []string
	for _, row := range rows {
		c, ok := assetOf(row["c"])
		if !ok {
			continue
		}
		r := byClient[c.ID()]
		if r == nil {
			r = &Reacher{Asset: c}
			byClient[c.ID()] = r
			order = append(order, c.ID())
		}
		r.Paths = append(r.Paths, accessPaths(row["paths"])...)
	}
	sort.Strings(order)
	out.ClientCount = len(order)
	for i, id := range order {
		if i >= limit {
			break
		}
		out.Clients = append(out.Clients, *byClient[id])
	}
	return out, nil
}
