package sqlgraph_test

import (
	"context"
	"strings"
	"testing"

	"github.com/authgraph/authgraph/internal/apperr"
)

// Hostile are statements SQL over the graph refuses: writes, DDL, LOAD
// DATA, SELECT … INTO, variables, file and lock functions, the engine's own
// databases, administration, in many spellings and nestings.
var Hostile = []string{
	// Writes.
	"INSERT INTO users (tenant, id) VALUES ('x', 'y')",
	"insert into users (tenant, id) values ('x', 'y')",
	"InSeRt/**/INTO users (id) VALUES ('y')",
	"REPLACE INTO roles (id) VALUES ('r')",
	"INSERT INTO users (id) SELECT id FROM roles",
	"UPDATE users SET name = 'pwned'",
	"update users u join user_roles ur on ur.user_id = u.id set u.name = 'x'",
	"DELETE FROM users",
	"delete u from users u join roles r on r.id = u.id",
	"TRUNCATE TABLE users",
	// DDL.
	"DROP TABLE users",
	"CREATE TABLE x (a INT)",
	"CREATE TABLE x AS SELECT * FROM users",
	"ALTER TABLE users ADD COLUMN x INT",
	"RENAME TABLE users TO u2",
	"CREATE INDEX i ON users (email)",
	"CREATE VIEW v AS SELECT * FROM users",
	"CREATE DATABASE x",
	"DROP DATABASE authgraph",
	"CREATE PROCEDURE p() SELECT 1",
	"CREATE TRIGGER tr BEFORE INSERT ON users FOR EACH ROW SET NEW.name = 'x'",
	"CREATE EVENT e ON SCHEDULE EVERY 1 SECOND DO DELETE FROM users",
	// Files.
	"LOAD DATA INFILE '/etc/passwd' INTO TABLE users",
	"load data local infile '/etc/passwd' into table users",
	"SELECT * FROM users INTO OUTFILE '/tmp/authgraph-sql-test'",
	"SELECT name FROM users LIMIT 1 INTO DUMPFILE '/tmp/authgraph-sql-test'",
	"SELECT LOAD_FILE('/etc/passwd')",
	"select load_file('/etc/passwd')",
	"SELECT LoAd_FiLe ( '/etc/passwd' )",
	"SELECT name FROM users WHERE name = LOAD_FILE('/etc/passwd')",
	"SELECT * FROM users WHERE id IN (SELECT id FROM (SELECT LOAD_FILE('/etc/passwd') AS id) x)",
	"SELECT (SELECT (SELECT load_file('/etc/passwd')))",
	"WITH x AS (SELECT LOAD_FILE('/etc/passwd') AS f) SELECT * FROM x",
	"SELECT EXISTS (SELECT 1 FROM users WHERE LOAD_FILE(CONCAT('/etc/', 'passwd')) IS NOT NULL)",
	"SELECT uncompress(x'FFFFFFFF00')",
	// Variables and settings.
	"SET @a = 1",
	"SET GLOBAL max_connections = 1",
	"SET SESSION sql_mode = ''",
	"SET NAMES latin1",
	"SELECT @a",
	"SELECT @a := 1",
	"SELECT name INTO @v FROM users LIMIT 1",
	"SELECT @@version",
	"SELECT @@hostname",
	"SELECT @@GLOBAL.secure_file_priv",
	"SELECT (SELECT @@datadir)",
	"SELECT * FROM users WHERE name = @@hostname",
	// Several statements, comments, executable comments.
	"SELECT 1; DROP TABLE users",
	"SELECT 1;DELETE FROM users",
	"SELECT 1 ; SELECT 2",
	"/* hi */ DELETE FROM users",
	"-- hi\nDELETE FROM users",
	"# hi\nDELETE FROM users",
	"/*!50000 DELETE FROM users */",
	"SELECT 1 /*!; DELETE FROM users */",
	// The engine's own databases and administration.
	"SELECT * FROM information_schema.tables",
	"SELECT * FROM INFORMATION_SCHEMA.PROCESSLIST",
	"select info from information_schema.processlist",
	"SELECT * FROM users WHERE id IN (SELECT table_name FROM information_schema.columns)",
	"SELECT * FROM mysql.user",
	"USE mysql",
	"USE information_schema",
	"SHOW PROCESSLIST",
	"SHOW VARIABLES",
	"SHOW DATABASES",
	"SHOW GRANTS",
	"KILL 1",
	"CREATE USER x IDENTIFIED BY 'y'",
	"GRANT ALL ON *.* TO root",
	"FLUSH PRIVILEGES",
	"LOCK TABLES users READ",
	"BEGIN",
	"START TRANSACTION",
	"COMMIT",
	"PREPARE s FROM 'DELETE FROM users'",
	"EXECUTE s",
	"CALL p()",
	"DO SLEEP(1)",
	"SELECT SLEEP(1)",
	"SELECT GET_LOCK('x', 1)",
	"SELECT RELEASE_ALL_LOCKS()",
	"EXPLAIN DELETE FROM users",
	// Work the engine does without looking at the deadline.
	"SELECT LENGTH(SPACE(100000000))",
	"SELECT REPEAT('a', 1000000000)",
	"SELECT LPAD('a', 2000000000, 'b')",
	"SELECT RPAD(name, logins_count, 'x') FROM users",
	"SELECT COUNT(DISTINCT REPEAT(name, 100000)) FROM users",
	"SELECT REGEXP_LIKE(CONCAT(REPEAT('a', 40), 'c'), '(a+)+b')",
	"SELECT name FROM users WHERE name REGEXP '(a+)+b'",
	"SELECT name FROM users WHERE name RLIKE '^x'",
	"WITH RECURSIVE x(s, n) AS (SELECT 'a', 1 UNION ALL SELECT CONCAT(s, s), n + 1 FROM x WHERE n < 40) SELECT LENGTH(s) FROM x",
	"ANALYZE TABLE users",
}

func (e *testEnv) graphCounts(t *testing.T) (int64, int64) {
	t.Helper()
	n := e.cypher(t, "MATCH (n) RETURN count(n)", nil)[0].Values[0].(int64)
	r := e.cypher(t, "MATCH ()-[r]->() RETURN count(r)", nil)[0].Values[0].(int64)
	return n, r
}

func TestHostile(t *testing.T) {
	e := setup(t)
	nodes, rels := e.graphCounts(t)
	names := e.cypher(t, "MATCH (u:Auth0User {tenant: $t}) RETURN collect(u.name)", map[string]any{"t": e.tenant})[0].Values[0]
	for _, q := range Hostile {
		r, err := e.g.Query(context.Background(), q)
		if err == nil {
			t.Errorf("%q ran: %v %v", q, r.Columns, r.Rows)
			continue
		}
		t.Logf("%q: %v", q, err)
		if k := apperr.KindOf(err); k != apperr.Forbidden && k != apperr.Invalid {
			t.Errorf("%q: %v (%s), want FORBIDDEN or INVALID", q, err, k)
		}
	}
	n2, r2 := e.graphCounts(t)
	if n2 != nodes || r2 != rels {
		t.Errorf("the graph changed: nodes %d → %d, relationships %d → %d", nodes, n2, rels, r2)
	}
	after := e.cypher(t, "MATCH (u:Auth0User {tenant: $t}) RETURN collect(u.name)", map[string]any{"t": e.tenant})[0].Values[0]
	if len(after.([]any)) != len(names.([]any)) {
		t.Error("users changed")
	}
	for _, v := range after.([]any) {
		if v == "pwned" || v == "x" {
			t.Error("a user was renamed")
		}
	}
}

// TestLegit: reads in the same spellings run (the refusals are not
// keyword matches).
func TestLegit(t *testing.T) {
	e := setup(t)
	for _, q := range []string{
		"select name from users where name = 'delete from users' limit 1",
		"SELECT /* DROP TABLE users */ COUNT(*) FROM users",
		"-- load_file\nSELECT COUNT(*) FROM roles",
		"SELECT COUNT(DISTINCT u.connection) FROM users u",
		"SELECT o.name, COUNT(*) AS n FROM organizations o JOIN organization_members m ON m.organization_id = o.id GROUP BY o.name HAVING n > 1 ORDER BY n DESC",
		"SELECT name FROM roles WHERE id IN (SELECT role_id FROM user_roles) ORDER BY name LIMIT 3",
		"WITH admins AS (SELECT user_id FROM user_roles) SELECT COUNT(*) FROM admins",
		"SELECT email FROM users WHERE email LIKE 'a%' UNION SELECT name FROM roles",
		"SELECT JSON_LENGTH(multifactor) FROM users WHERE multifactor IS NOT NULL LIMIT 1",
		"SELECT name, ROW_NUMBER() OVER (ORDER BY name) FROM roles",
		"SELECT database(), version(), 'a' = 'A'",
		"SELECT * FROM (SELECT name FROM users) x LIMIT 2",
		"SELECT 1;",
	} {
		if _, err := e.g.Query(context.Background(), q); err != nil {
			t.Errorf("%q: %v", q, err)
		}
	}
	r, err := e.g.Query(context.Background(), "SELECT 'a' = 'A', 'a' LIKE 'A%'")
	if err != nil || r.Rows[0][0] != false || r.Rows[0][1] != false {
		t.Errorf("comparisons are case-sensitive as in Cypher: %v %v", r, err)
	}
	_, err = e.g.Query(context.Background(), "SELECT nope FROM users")
	if err == nil || apperr.KindOf(err) != apperr.Invalid || !strings.Contains(err.Error(), "nope") {
		t.Errorf("unknown column: %v", err)
	}
}
