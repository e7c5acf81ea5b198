package sqlgraph

import "strings"

// Question is one question asked in SQL and in hand-written Cypher (with
// $t the tenant): the tests check both answer the same, the benchmark
// times both.
type Question struct {
	Name, SQL, Cypher string
}

// Questions are the test questions on tenant t: a join (users
// holding a role by name), an aggregate (members per organization), a
// subquery (clients with a Management API write grant), and a filtered
// scan.
func Questions(t string) []Question {
	q := func(s string) string { return strings.ReplaceAll(s, "$T", "'"+strings.ReplaceAll(t, "'", "''")+"'") }
	return []Question{
		{Name: "join",
			SQL: q(`SELECT u.id, u.email FROM users u
  JOIN user_roles ur ON ur.user_id = u.id AND ur.tenant = u.tenant
  JOIN roles r ON r.id = ur.role_id AND r.tenant = ur.tenant
  WHERE r.name = 'admin' AND u.tenant = $T`),
			Cypher: `MATCH (u:Auth0User {tenant: $t})-[:HAS_ROLE]->(r:Auth0Role {name: 'admin'}) RETURN u.native_id, u.email`},
		{Name: "aggregate",
			SQL: q(`SELECT o.name, COUNT(m.user_id) FROM organizations o
  JOIN organization_members m ON m.organization_id = o.id AND m.tenant = o.tenant
  WHERE o.tenant = $T GROUP BY o.name`),
			// Anchored on the organizations: the same rows as anchoring on the
			// users, which Neo4j plans from the tenant's every user (7x slower
			// at 100k users); a benchmark must compare with the fast form.
			Cypher: `MATCH (o:Auth0Organization {tenant: $t})<-[:MEMBER_OF]-(u:Auth0User) RETURN o.name, count(u)`},
		{Name: "subquery",
			SQL: q(`SELECT c.id, c.name FROM clients c WHERE c.tenant = $T AND c.id IN (
  SELECT cgc.client_id FROM client_grant_clients cgc
    JOIN client_grant_permissions cgp ON cgp.client_grant_id = cgc.client_grant_id AND cgp.tenant = cgc.tenant
    JOIN permissions p ON p.id = cgp.permission_id AND p.tenant = cgp.tenant
  WHERE cgc.tenant = $T AND p.is_management_api AND (p.value LIKE 'create:%' OR p.value LIKE 'update:%' OR p.value LIKE 'delete:%'))`),
			Cypher: `MATCH (c:Auth0Client {tenant: $t})
WHERE EXISTS { MATCH (c)<-[:FOR_CLIENT]-(:Auth0ClientGrant)-[:GRANTS]->(p:Auth0Permission)
  WHERE p.is_management_api AND (p.value STARTS WITH 'create:' OR p.value STARTS WITH 'update:' OR p.value STARTS WITH 'delete:') }
RETURN c.native_id, c.name`},
	}
}
