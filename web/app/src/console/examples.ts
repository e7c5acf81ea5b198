// Example queries for the console. $tenant is the tenant scope picked in
// the header (null: every tenant).

export interface Example {
  title: string;
  query: string;
}

export const EXAMPLES: Example[] = [
  {
    title: 'Admin users without MFA',
    query: `// Users holding a role named like "admin" who have no MFA enrolled
MATCH p = (u:Auth0User)-[:HAS_ROLE]->(r:Auth0Role)
WHERE toLower(r.name) CONTAINS 'admin'
  AND coalesce(u.mfa_enrolled, false) = false
  AND ($tenant IS NULL OR u.tenant = $tenant)
RETURN u.name AS user, u.email AS email, r.name AS role, u.tenant AS tenant, p
ORDER BY tenant, user
LIMIT 200`,
  },
  {
    title: 'M2M clients with Management API write scopes',
    query: `// Machine-to-machine clients whose client grants give create/update/delete
// scopes on the Auth0 Management API
MATCH path = (c:Auth0Client)<-[:FOR_CLIENT]-(:Auth0ClientGrant)-[:GRANTS]->(p:Auth0Permission {is_management_api: true})
WHERE 'client_credentials' IN coalesce(c.grant_types, [])
  AND p.value =~ '(create|update|delete):.*'
  AND ($tenant IS NULL OR c.tenant = $tenant)
RETURN c.name AS client, c.tenant AS tenant, collect(p.value) AS writeScopes, collect(path) AS paths
ORDER BY size(writeScopes) DESC
LIMIT 100`,
  },
  {
    title: 'Who can reach delete:users',
    query: `// Users (through roles, organization roles or direct assignment) and
// clients (through client grants) that reach the Management API's delete:users
MATCH (perm:Auth0Permission {value: 'delete:users', is_management_api: true})
WHERE $tenant IS NULL OR perm.tenant = $tenant
MATCH p = (:Auth0User)-[:HAS_ROLE|HAS_MEMBERSHIP|WITH_ROLE|HAS_PERMISSION|GRANTS*1..3]->(perm)
RETURN p LIMIT 200
UNION
MATCH (perm:Auth0Permission {value: 'delete:users', is_management_api: true})
WHERE $tenant IS NULL OR perm.tenant = $tenant
MATCH p = (:Auth0Client)<-[:FOR_CLIENT]-(:Auth0ClientGrant)-[:GRANTS]->(perm)
RETURN p LIMIT 200`,
  },
  {
    title: 'Roles by number of users',
    query: `MATCH (r:Auth0Role)
WHERE $tenant IS NULL OR r.tenant = $tenant
OPTIONAL MATCH (u:Auth0User)-[:HAS_ROLE]->(r)
RETURN r.name AS role, r.tenant AS tenant, count(u) AS users
ORDER BY users DESC
LIMIT 50`,
  },
  {
    title: 'Blocked users still in organizations',
    query: `MATCH p = (u:Auth0User {blocked: true})-[:MEMBER_OF]->(o:Auth0Organization)
WHERE $tenant IS NULL OR u.tenant = $tenant
RETURN p
LIMIT 100`,
  },
];
