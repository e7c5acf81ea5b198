// Package consoletest holds the hostile and the legitimate queries the Cypher
// console's tests run, through the store and through GraphQL: one list, so
// both layers face the same attacks.
package consoletest

import (
	"fmt"
	"strings"
)

// Case is one hostile query.
type Case struct {
	Class  string // what it tries, e.g. "ssrf", "escape", "whitespace", "param", "show", "procedure", "use", "write"
	Name   string
	Query  string
	Params map[string]any
}

// CypherWhitespace is every character Neo4j 5.26 reads as whitespace
// between tokens (measured on the server: each of U+0000–U+3100 and the
// Unicode space and format characters between RETURN and 1).
var CypherWhitespace = []rune{
	0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x1F, 0x20, 0xA0, 0x1680,
	0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200A,
	0x2028, 0x2029, 0x202F, 0x205F, 0x3000,
}

// Hostile returns the attacks, aimed at url (an HTTP listener the test
// watches: it must receive nothing). Every one must be refused as Forbidden
// or Invalid, and none may change the graph.
func Hostile(url string) []Case {
	p := map[string]any{"p": "x"}
	c := []Case{
		// Server-side request forgery and file reads through LOAD CSV.
		{Class: "ssrf", Name: "load csv", Query: "LOAD CSV FROM '" + url + "/plain' AS r RETURN r"},
		{Class: "ssrf", Name: "load csv with headers", Query: "LOAD CSV WITH HEADERS FROM '" + url + "/headers' AS r RETURN r"},
		{Class: "ssrf", Name: "lower case", Query: "load csv with headers from '" + url + "/lower' as r return r"},
		{Class: "ssrf", Name: "mixed case", Query: "LoAd CsV FrOm '" + url + "/mixed' As r ReTuRn r"},
		{Class: "ssrf", Name: "block comment inside", Query: "LOAD /* x */ CSV FROM '" + url + "/block' AS r RETURN r"},
		{Class: "ssrf", Name: "line comment inside", Query: "LOAD // x\nCSV FROM '" + url + "/line' AS r RETURN r"},
		{Class: "ssrf", Name: "url parameter", Query: "LOAD CSV FROM $url AS r RETURN r", Params: map[string]any{"url": url + "/param"}},
		{Class: "ssrf", Name: "url expression", Query: "UNWIND [$u + '/unwind'] AS u LOAD CSV FROM u AS r RETURN r", Params: map[string]any{"u": url}},
		{Class: "ssrf", Name: "field terminator", Query: "LOAD CSV FROM '" + url + "/ft' AS r FIELDTERMINATOR ';' RETURN r"},
		{Class: "ssrf", Name: "file url", Query: "LOAD CSV FROM 'file:///etc/passwd' AS r RETURN r"},
		{Class: "ssrf", Name: "file url built", Query: "LOAD CSV FROM 'fi' + 'le:///etc/hostname' AS r RETURN r"},
		{Class: "ssrf", Name: "in a subquery", Query: "CALL { LOAD CSV FROM '" + url + "/subquery' AS r RETURN r } RETURN r"},
		{Class: "ssrf", Name: "in a scoped subquery", Query: "MATCH (n) WITH n LIMIT 1 CALL (n) { LOAD CSV FROM '" + url + "/scoped' AS r RETURN r } RETURN r"},
		{Class: "ssrf", Name: "left of a union", Query: "LOAD CSV FROM '" + url + "/union-left' AS r RETURN r[0] AS x UNION ALL RETURN 'a' AS x"},
		{Class: "ssrf", Name: "right of a union", Query: "RETURN 'a' AS x UNION ALL LOAD CSV FROM '" + url + "/union-right' AS r RETURN r[0] AS x"},
		{Class: "ssrf", Name: "behind a cypher option", Query: "CYPHER runtime=slotted LOAD CSV FROM '" + url + "/option' AS r RETURN r"},
		{Class: "ssrf", Name: "soft hyphen in keyword", Query: "LO\u00adAD CSV FROM '" + url + "/shy' AS r RETURN r"},

		// \uXXXX escapes, which Neo4j decodes before it reads keywords,
		// comments and strings.
		{Class: "escape", Name: "escaped keyword", Query: `WITH 1 AS a \u004cOAD CSV FROM '` + url + `/esc-keyword' AS r RETURN r`},
		{Class: "escape", Name: "escapes inside keywords", Query: `WITH 1 AS a LO\u0041D C\u0053V FROM '` + url + `/esc-inside' AS r RETURN r`},
		{Class: "escape", Name: "lower-case escapes", Query: `with 1 as a lo\u0061d csv from '` + url + `/esc-lower' as r return r`},
		{Class: "escape", Name: "escaped quote ends the string", Query: `WITH 'x\u0027 AS s LOAD CSV FROM \u0027` + url + `/esc-quote\u0027 AS r RETURN r //' AS y RETURN y`},
		{Class: "escape", Name: "escaped star ends the comment", Query: `MATCH (n) /* \u002a/ LOAD CSV FROM '` + url + `/esc-comment' AS r RETURN r // */ RETURN n`},
		{Class: "escape", Name: "escaped newline ends the line comment", Query: `WITH 1 AS a // \u000a LOAD CSV FROM '` + url + `/esc-newline' AS r RETURN r`},
		{Class: "escape", Name: "escaped whitespace", Query: `WITH 1 AS a LOAD\u001cCSV FROM '` + url + `/esc-ws' AS r RETURN r`},
		{Class: "escape", Name: "escaped show", Query: `USE neo4j \u0053HOW SETTINGS`},
		{Class: "escape", Name: "escaped procedure name", Query: `CALL dbms.\u006cistConfig()`},
		{Class: "escape", Name: "escaped create", Query: `WITH 1 AS a \u0043REATE (:Pwned {pwned: true})`},
		{Class: "escape", Name: "escaped set", Query: `MATCH (n:Auth0User) \u0053ET n.pwned = true`},

		// A clause right after a $parameter.
		{Class: "param", Name: "load csv after a parameter", Query: "MATCH (n) WHERE n.name = $p LOAD CSV FROM '" + url + "/after-param' AS r RETURN r", Params: p},
		{Class: "param", Name: "call after a parameter", Query: "MATCH (n) WHERE n.name = $p CALL dbms.listConfig() YIELD name RETURN name", Params: p},
		{Class: "param", Name: "set after a parameter", Query: "MATCH (n:Auth0User) WHERE n.name <> $p SET n.pwned = true", Params: p},
		{Class: "param", Name: "create after a parameter", Query: "WITH $p AS x CREATE (:Pwned {pwned: true, x: x})", Params: p},
		{Class: "param", Name: "delete after a parameter", Query: "MATCH (n:Auth0Role) WHERE n.name <> $p DETACH DELETE n", Params: p},
		{Class: "param", Name: "foreach after a parameter", Query: "WITH $p AS x FOREACH (i IN [1] | CREATE (:Pwned {pwned: true}))", Params: p},
		{Class: "param", Name: "show with a parameter", Query: "SHOW FUNCTIONS YIELD name WHERE name = $p RETURN name", Params: p},

		// SHOW, TERMINATE and administration, first or not.
		{Class: "show", Name: "show settings", Query: "SHOW SETTINGS"},
		{Class: "show", Name: "show settings lower case", Query: "show settings yield name, value return name, value"},
		{Class: "show", Name: "show transactions", Query: "SHOW TRANSACTIONS"},
		{Class: "show", Name: "show transactions query text", Query: "SHOW TRANSACTIONS YIELD currentQuery, parameters RETURN currentQuery, parameters"},
		{Class: "show", Name: "terminate transactions", Query: "TERMINATE TRANSACTIONS 'neo4j-transaction-1'"},
		{Class: "show", Name: "show after use", Query: "USE neo4j SHOW SETTINGS"},
		{Class: "show", Name: "terminate after use", Query: "USE neo4j TERMINATE TRANSACTIONS 'neo4j-transaction-1'"},
		{Class: "show", Name: "show then terminate", Query: "SHOW TRANSACTIONS YIELD transactionId AS t TERMINATE TRANSACTIONS t YIELD message RETURN message"},
		{Class: "show", Name: "show with a comment", Query: "SHOW /* x */ FUNCTIONS"},
		{Class: "show", Name: "show with file separator", Query: "SHOW\u001cSETTINGS"},
		{Class: "show", Name: "show procedures", Query: "SHOW PROCEDURES YIELD name RETURN name"},
		{Class: "show", Name: "show indexes", Query: "SHOW INDEXES"},
		{Class: "show", Name: "show databases", Query: "SHOW DATABASES"},
		{Class: "show", Name: "show users", Query: "SHOW USERS"},
		{Class: "show", Name: "create user", Query: "CREATE USER pwned SET PASSWORD 'pwned-secret-1'"},
		{Class: "show", Name: "grant", Query: "GRANT ROLE admin TO pwned"},
		{Class: "show", Name: "stop database", Query: "STOP DATABASE neo4j"},

		// Procedures off the list.
		{Class: "procedure", Name: "dbms.listConfig", Query: "CALL dbms.listConfig()"},
		{Class: "procedure", Name: "dbms.showCurrentUser", Query: "CALL dbms.showCurrentUser()"},
		{Class: "procedure", Name: "dbms.listConnections", Query: "CALL dbms.listConnections()"},
		{Class: "procedure", Name: "dbms.killConnection", Query: "CALL dbms.killConnection('bolt-1')"},
		{Class: "procedure", Name: "routing table", Query: "CALL dbms.cluster.routing.getRoutingTable({})"},
		{Class: "procedure", Name: "db.createLabel", Query: "CALL db.createLabel('Pwned')"},
		{Class: "procedure", Name: "db.stats.collect (read mode, has effects)", Query: "CALL db.stats.collect('QUERIES')"},
		{Class: "procedure", Name: "tx.setMetaData", Query: "CALL tx.setMetaData({pwned: true})"},
		{Class: "procedure", Name: "db.clearQueryCaches", Query: "CALL db.clearQueryCaches()"},
		{Class: "procedure", Name: "after a comment", Query: "CALL /* x */ dbms.components()"},
		{Class: "procedure", Name: "backticks", Query: "CALL `dbms`.`listConfig`()"},
		{Class: "procedure", Name: "after an allowed one", Query: "CALL db.labels() YIELD label CALL dbms.listConfig() YIELD name RETURN label, name"},
		{Class: "procedure", Name: "in a subquery", Query: "CALL { CALL db.createLabel('Pwned') } RETURN 1"},
		{Class: "procedure", Name: "apoc.load.json", Query: "CALL apoc.load.json('" + url + "/apoc')"},
		{Class: "procedure", Name: "apoc.cypher.runWrite", Query: "CALL apoc.cypher.runWrite('CREATE (:Pwned {pwned: true})', {})"},
		{Class: "procedure", Name: "apoc function", Query: "RETURN apoc.text.join(['a'], ',') AS x"},

		// Other databases.
		{Class: "use", Name: "use system show", Query: "USE system SHOW USERS"},
		{Class: "use", Name: "use system procedure", Query: "USE system CALL dbms.showCurrentUser()"},
		{Class: "use", Name: "use quoted system", Query: "USE `system` SHOW SETTINGS"},
		{Class: "use", Name: "use with file separator", Query: "use\u001csystem CALL dbms.showCurrentUser()"},
		{Class: "use", Name: "use system match", Query: "USE system MATCH (n) RETURN n"},
		{Class: "use", Name: "use in a subquery", Query: "CALL { USE system MATCH (n) RETURN n } RETURN n"},
		{Class: "use", Name: "dynamic graph", Query: "USE graph.byName('system') MATCH (n) RETURN n"},

		// Writes, however spelled.
		{Class: "write", Name: "create", Query: "CREATE (n:Pwned {pwned: true}) RETURN n"},
		{Class: "write", Name: "merge mixed case", Query: "mErGe (n:Pwned {pwned: true})"},
		{Class: "write", Name: "set", Query: "MATCH (n:Auth0User) SET n.pwned = true"},
		{Class: "write", Name: "set label", Query: "MATCH (n:Auth0User) WITH n LIMIT 1 SET n:Pwned"},
		{Class: "write", Name: "detach delete", Query: "MATCH (n:Auth0Role) WITH n LIMIT 1 DETACH DELETE n"},
		{Class: "write", Name: "remove", Query: "MATCH (n:Auth0User) REMOVE n.email"},
		{Class: "write", Name: "foreach", Query: "FOREACH (i IN [1] | CREATE (:Pwned {pwned: true}))"},
		{Class: "write", Name: "set in a subquery", Query: "MATCH (u:Auth0User) CALL (u) { SET u.pwned = true } RETURN count(*)"},
		{Class: "write", Name: "in transactions", Query: "UNWIND range(1, 3) AS i CALL (i) { CREATE (:Pwned {pwned: true}) } IN TRANSACTIONS"},
		{Class: "write", Name: "read in transactions", Query: "UNWIND range(1, 3) AS i CALL (i) { RETURN i AS j } IN TRANSACTIONS RETURN j"},
		{Class: "write", Name: "two statements", Query: "MATCH (n) RETURN count(n); CREATE (:Pwned {pwned: true})"},
		{Class: "write", Name: "two statements, comment between", Query: "MATCH (n) RETURN count(n) /* ; */ ; MATCH (m) SET m.pwned = true"},
		{Class: "write", Name: "set with file separators", Query: "MATCH (n:Auth0User)\u001cSET\u001cn.pwned = true"},
		{Class: "write", Name: "create index", Query: "CREATE INDEX pwned FOR (n:Pwned) ON (n.x)"},
		{Class: "write", Name: "drop index", Query: "DROP INDEX asset_search"},
		{Class: "write", Name: "explain", Query: "EXPLAIN CREATE (:Pwned {pwned: true})"},
		{Class: "write", Name: "profile", Query: "PROFILE MATCH (n) SET n.pwned = true"},
	}
	// Every Cypher whitespace character between the words of LOAD CSV.
	for _, ws := range CypherWhitespace {
		s := string(ws)
		q := strings.Join([]string{"WITH", "1", "AS", "a", "LOAD", "CSV", "FROM", fmt.Sprintf("'%s/ws-%04X'", url, ws), "AS", "r", "RETURN", "r"}, s)
		c = append(c, Case{Class: "whitespace", Name: fmt.Sprintf("U+%04X", ws), Query: q})
	}
	return c
}

// Legit are queries the console must keep running: the README's, the web
// console's examples (with $tenant) and the common read shapes.
var Legit = []string{
	// README.
	"// admin-role users without MFA\nMATCH (u:Auth0User)-[:HAS_ROLE]->(r:Auth0Role {name: 'admin'})\nWHERE NOT u.mfa_enrolled\nRETURN u.email, u.blocked, r.name",
	// web/app/src/console/examples.ts.
	`// Users holding a role named like "admin" who have no MFA enrolled
MATCH p = (u:Auth0User)-[:HAS_ROLE]->(r:Auth0Role)
WHERE toLower(r.name) CONTAINS 'admin'
  AND coalesce(u.mfa_enrolled, false) = false
  AND ($tenant IS NULL OR u.tenant = $tenant)
RETURN u.name AS user, u.email AS email, r.name AS role, u.tenant AS tenant, p
ORDER BY tenant, user
LIMIT 200`,
	`// Machine-to-machine clients whose client grants give create/update/delete
// scopes on the Auth0 Management API
MATCH path = (c:Auth0Client)<-[:FOR_CLIENT]-(:Auth0ClientGrant)-[:GRANTS]->(p:Auth0Permission {is_management_api: true})
WHERE 'client_credentials' IN coalesce(c.grant_types, [])
  AND p.value =~ '(create|update|delete):.*'
  AND ($tenant IS NULL OR c.tenant = $tenant)
RETURN c.name AS client, c.tenant AS tenant, collect(p.value) AS writeScopes, collect(path) AS paths
ORDER BY size(writeScopes) DESC
LIMIT 100`,
	`// Users (through roles, organization roles or direct assignment) and
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
	`MATCH (r:Auth0Role)
WHERE $tenant IS NULL OR r.tenant = $tenant
OPTIONAL MATCH (u:Auth0User)-[:HAS_ROLE]->(r)
RETURN r.name AS role, r.tenant AS tenant, count(u) AS users
ORDER BY users DESC
LIMIT 50`,
	`MATCH p = (u:Auth0User {blocked: true})-[:MEMBER_OF]->(o:Auth0Organization)
WHERE $tenant IS NULL OR u.tenant = $tenant
RETURN p
LIMIT 100`,
	// The documented procedures.
	"CALL db.labels() YIELD label RETURN label",
	"CALL db.relationshipTypes()",
	"CALL db.propertyKeys()",
	"CALL db.schema.visualization()",
	"CALL db.schema.nodeTypeProperties()",
	"CALL db.schema.relTypeProperties()",
	"CALL db.index.fulltext.queryNodes('asset_search', 'admin') YIELD node, score RETURN node.id, score LIMIT 3",
	"CALL `db`.`labels`()",
	// Read shapes.
	"MATCH (n) RETURN count(n)",
	"MATCH ()-[r:HAS_ROLE]->() RETURN count(r)",
	"MATCH (u:Auth0User) WHERE u.tenant = $tenant OR $tenant IS NULL RETURN u.email ORDER BY u.email SKIP 1 LIMIT 5",
	"MATCH (u:Auth0User|Auth0Role) RETURN labels(u)[0] AS kind, count(*) AS n",
	"MATCH (u:Auth0User) WHERE u.email ENDS WITH '.com' AND u.name STARTS WITH 'a' RETURN u.name LIMIT 5",
	"MATCH (u:Auth0User) OPTIONAL MATCH (u)-[:HAS_ROLE]->(r) RETURN u.name, collect(r.name) AS roles LIMIT 5",
	"MATCH (u:Auth0User) WHERE EXISTS { (u)-[:HAS_ROLE]->() } RETURN u.name, COUNT { (u)-->() } AS out, COLLECT { MATCH (u)-->(x) RETURN x.name } AS names LIMIT 5",
	"MATCH (u:Auth0User) CALL (u) { MATCH (u)-[:HAS_ROLE]->(r) RETURN count(r) AS roles } RETURN u.name, roles LIMIT 5",
	"MATCH (u:Auth0User) OPTIONAL CALL (u) { MATCH (u)-->(x) RETURN x LIMIT 1 } RETURN u.name, x LIMIT 5",
	"MATCH (u:Auth0User) WITH u LIMIT 1 MATCH p = shortestPath((u)-[*..4]-(r:Auth0Role)) RETURN p",
	"MATCH (u:Auth0User) WITH u LIMIT 1 MATCH p = SHORTEST 1 (u)-[*..4]-(r:Auth0Role) RETURN p",
	"MATCH (u:Auth0User) WITH u LIMIT 1 MATCH p = (u) ((a)-->(b)){1,3} (x) RETURN count(p)",
	"MATCH (u:Auth0User)-[:HAS_ROLE]->(r)<-[:HAS_ROLE]-(v:Auth0User) WHERE u <> v RETURN u.name, v.name LIMIT 5",
	"MATCH (a:Auth0User), (b:Auth0Role) WHERE a.name = b.name RETURN a, b LIMIT 1",
	"MATCH (n) WHERE elementId(n) = $id RETURN n",
	"MATCH (n) RETURN DISTINCT n.tenant AS tenant",
	"MATCH (n:Auth0User) RETURN n {.name, .email, roles: [(n)-[:HAS_ROLE]->(r) | r.name]} AS user LIMIT 3",
	"UNWIND range(1, 5) AS i RETURN i, i * 2 AS twice, CASE WHEN i > 2 THEN 'big' ELSE 'small' END AS size",
	"RETURN datetime.truncate('day', datetime()) AS d, date.realtime() AS t, duration.between(date('2024-01-01'), date()) AS age, point.distance(point({x: 1, y: 1}), point({x: 2, y: 2})) AS dist, vector.similarity.cosine([1.0, 0.0], [1.0, 0.0]) AS sim, toUpper('x') AS up, size([1, 2]) AS n",
	"MATCH (u:Auth0User) RETURN u.name AS x LIMIT 2 UNION ALL MATCH (r:Auth0Role) RETURN r.name AS x LIMIT 2",
	"MATCH (n) FINISH",
	"WITH 1 AS show RETURN show",
	"UNWIND $xs AS use RETURN use",
	"MATCH (n) RETURN n.set, n.`create`, 'LOAD CSV FROM x' AS s LIMIT 1",
}
