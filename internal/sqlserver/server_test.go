package sqlserver_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/authgraph/authgraph/internal/access"
	"github.com/authgraph/authgraph/internal/neo4jtest/simtenant"
	"github.com/authgraph/authgraph/internal/sqlgraph"
	"github.com/authgraph/authgraph/internal/sqlserver"
	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/web"
)

// The tests share one simulated tenant, synced once into the real Neo4j by
// the real ingester, and connect with a real MySQL driver.

type testEnv struct {
	st     *store.Store
	driver neo4j.DriverWithContext
	tenant string
	g      *sqlgraph.Graph
	web    *web.Server
	tokens map[string]string // role or state → token
	ids    []string
}

var (
	env    testEnv
	shared = &simtenant.Shared{Users: 200, AccessSchema: true,
		Init: func(s *simtenant.Env) error { return env.init(s) },
		Close: func(ctx context.Context, _ *simtenant.Env) {
			for _, id := range env.ids {
				env.st.RevokeToken(ctx, id, time.Now())
			}
		}}
)

func TestMain(m *testing.M) { shared.Main(m) }

func setup(t testing.TB) *testEnv {
	t.Helper()
	shared.Setup(t)
	return &env
}

// init adds to the synced tenant the SQL graph, the HTTP server's token
// check and a token per role or state.
func (e *testEnv) init(s *simtenant.Env) error {
	ctx := context.Background()
	e.st, e.driver, e.tenant = s.Store, s.Driver, s.Tenant
	e.g = sqlgraph.New(e.st, store.ConsoleOptions{Timeout: 5 * time.Second, MaxRows: 5000})
	// The HTTP server's token check, with a short cache so revocations
	// show at once.
	e.web = web.New(web.Config{Store: e.st, Auth: web.AuthConfig{Mode: web.AuthToken, CacheTTL: 50 * time.Millisecond}, Logger: slog.Default()})
	e.tokens = map[string]string{}
	for _, who := range []string{"viewer", "analyst", "admin", "ingest", "revoked", "expired", "revoke-later", "revoke-idle"} {
		role, exp := who, (*time.Time)(nil)
		switch who {
		case "revoked", "revoke-later", "revoke-idle":
			role = "viewer"
		case "expired":
			role = "viewer"
			past := time.Now().Add(-time.Minute)
			exp = &past
		}
		id, tok := access.NewToken()
		_, secret, _ := access.ParseToken(tok)
		if err := e.st.CreateToken(ctx, store.Token{ID: id, Name: "sqltest-" + who, Role: role, Hash: access.Hash(secret), Created: time.Now(), Expires: exp}); err != nil {
			return err
		}
		e.ids = append(e.ids, id)
		if who == "revoked" {
			if err := e.st.RevokeToken(ctx, id, time.Now()); err != nil {
				return err
			}
		}
		e.tokens[who] = tok
	}
	return nil
}

// listen starts a listener for a test; it stops at the test's end.
func (e *testEnv) listen(t *testing.T, cfg sqlserver.Config) *sqlserver.Server {
	t.Helper()
	if cfg.Auth == nil {
		cfg.Auth, cfg.Audit = e.web, e.web
	}
	return e.listenAs(t, cfg)
}

// listenAs starts cfg as it is (Auth nil: serve --auth none).
func (e *testEnv) listenAs(t *testing.T, cfg sqlserver.Config) *sqlserver.Server {
	t.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.Graph == nil {
		cfg.Graph = e.g
	}
	if cfg.Logger == nil && !testing.Verbose() {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s, err := sqlserver.Listen(cfg)
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(context.Background())
	t.Cleanup(s.Close)
	return s
}

func dsn(addr, user, password string, opts ...func(*gomysql.Config)) string {
	c := gomysql.NewConfig()
	c.User, c.Passwd, c.Net, c.Addr, c.DBName = user, password, "tcp", addr, "authgraph"
	c.AllowCleartextPasswords, c.InterpolateParams = true, true
	c.Timeout = 5 * time.Second
	for _, o := range opts {
		o(c)
	}
	return c.FormatDSN()
}

func open(t *testing.T, addr, password string, opts ...func(*gomysql.Config)) *sql.DB {
	t.Helper()
	db, err := sql.Open("mysql", dsn(addr, "bi-tool", password, opts...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// rows reads every row as strings (NULL as "NULL").
func rows(t *testing.T, q interface {
	Query(string, ...any) (*sql.Rows, error)
}, query string) ([]string, [][]string) {
	t.Helper()
	r, err := q.Query(query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer r.Close()
	cols, _ := r.Columns()
	var out [][]string
	for r.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := r.Scan(ptrs...); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			row[i] = "NULL"
			if v.Valid {
				row[i] = v.String
			}
		}
		out = append(out, row)
	}
	if err := r.Err(); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return cols, out
}

func mysqlErr(err error) (uint16, string) {
	var me *gomysql.MySQLError
	if errors.As(err, &me) {
		return me.Number, me.Message
	}
	return 0, fmt.Sprint(err)
}

// TestQuestions: a viewer's connection answers the questions with
// the rows sqlgraph gives directly.
func TestQuestions(t *testing.T) {
	e := setup(t)
	s := e.listen(t, sqlserver.Config{})
	db := open(t, s.Addr().String(), e.tokens["viewer"])
	for _, q := range sqlgraph.Questions(e.tenant) {
		_, got := rows(t, db, q.SQL)
		want, err := e.g.Query(context.Background(), q.SQL)
		if err != nil {
			t.Fatal(err)
		}
		var ws, gs []string
		for _, r := range want.Rows {
			ws = append(ws, fmt.Sprint(r...))
		}
		for _, r := range got {
			var vals []any
			for _, v := range r {
				vals = append(vals, v)
			}
			gs = append(gs, fmt.Sprint(vals...))
		}
		sort.Strings(ws)
		sort.Strings(gs)
		if len(ws) == 0 {
			t.Errorf("%s: no rows from sqlgraph: the tenant should answer", q.Name)
		}
		if strings.Join(ws, "\n") != strings.Join(gs, "\n") {
			t.Errorf("%s: over the wire\n%v\nsqlgraph\n%v", q.Name, gs, ws)
		}
	}
	// Every table's every column crosses the wire, and as many rows.
	for _, tb := range e.g.Tables() {
		q := fmt.Sprintf("SELECT * FROM %s WHERE tenant = '%s' LIMIT 20", tb.Name, e.tenant)
		cols, got := rows(t, db, q)
		want, err := e.g.Query(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		if len(cols) != len(tb.Columns) || len(got) != len(want.Rows) {
			t.Errorf("%s: %d columns, %d rows over the wire; %d and %d direct", tb.Name, len(cols), len(got), len(tb.Columns), len(want.Rows))
		}
	}
	// Types survive the wire: a count is an integer, a flag 0/1, a JSON
	// column JSON, a datetime MySQL's text.
	var n int64
	var blocked sql.NullInt64
	var multifactor, seen sql.NullString
	err := db.QueryRow("SELECT COUNT(*) OVER (), blocked, multifactor, lastupdated FROM users WHERE tenant = ? LIMIT 1", e.tenant).
		Scan(&n, &blocked, &multifactor, &seen)
	if err != nil {
		t.Fatal(err)
	}
	if n <= 0 || !seen.Valid || len(seen.String) < 19 || seen.String[10] != ' ' {
		t.Errorf("count %d, lastupdated %q (want 2006-01-02 15:04:05…)", n, seen.String)
	}
	if multifactor.Valid && !strings.HasPrefix(multifactor.String, "[") {
		t.Errorf("multifactor %q: want a JSON array", multifactor.String)
	}
}

// TestSignIn: only a valid token of a reading role opens a connection.
func TestSignIn(t *testing.T) {
	e := setup(t)
	s := e.listen(t, sqlserver.Config{})
	addr := s.Addr().String()
	_, other := access.NewToken()
	v := e.tokens["viewer"]
	flip := "0"
	if v[len(v)-1] == '0' {
		flip = "1"
	}
	wrongSecret := v[:len(v)-1] + flip
	for _, c := range []struct {
		name, password string
		ok             bool
	}{
		{"viewer", e.tokens["viewer"], true},
		{"analyst", e.tokens["analyst"], true},
		{"admin", e.tokens["admin"], true},
		{"ingest", e.tokens["ingest"], false},
		{"revoked", e.tokens["revoked"], false},
		{"expired", e.tokens["expired"], false},
		{"unknown token", other, false},
		{"wrong secret", wrongSecret, false},
		{"not a token", "hunter2", false},
		{"empty", "", false},
	} {
		db := open(t, addr, c.password)
		err := db.Ping()
		if c.ok && err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
		if !c.ok {
			if n, _ := mysqlErr(err); n != 1045 {
				t.Errorf("%s: %v, want error 1045 (access denied)", c.name, err)
			}
		}
	}
	// Sign-ins and refusals reach authgraph's audit log, as HTTP's do.
	log, err := e.st.AuditLog(context.Background(), 500, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	viewerID, _, _ := access.ParseToken(e.tokens["viewer"])
	var signin, failed bool
	for _, a := range log {
		signin = signin || a.Action == "signin" && a.Target == "sql" && a.Actor == "token:"+viewerID && a.Outcome == "ok"
		failed = failed || a.Action == "signin.failed" && a.Target == "sql" && a.Outcome == "denied"
	}
	if !signin || !failed {
		t.Errorf("audit log: sign-in recorded %v, failure recorded %v", signin, failed)
	}
	// Without allowCleartextPasswords the driver will not send the token:
	// the server asks for nothing else.
	db := open(t, addr, e.tokens["viewer"], func(c *gomysql.Config) { c.AllowCleartextPasswords = false })
	if err := db.Ping(); err == nil {
		t.Error("connected without the clear-text method")
	}
	// The database named on connect must be ours.
	db = open(t, addr, e.tokens["viewer"], func(c *gomysql.Config) { c.DBName = "mysql" })
	if n, _ := mysqlErr(db.Ping()); n != 1049 {
		t.Errorf("database mysql: want 1049, got %d", n)
	}
}

// TestRevokedWhileOpen: a token revoked while its connection is open stops
// working at the next statement, and the connection is closed.
func TestRevokedWhileOpen(t *testing.T) {
	e := setup(t)
	s := e.listen(t, sqlserver.Config{})
	db := open(t, s.Addr().String(), e.tokens["revoke-later"])
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var one int
	if err := conn.QueryRowContext(context.Background(), "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("before revocation: %v", err)
	}
	id, _, _ := access.ParseToken(e.tokens["revoke-later"])
	if err := e.st.RevokeToken(context.Background(), id, time.Now()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // the test's token cache
	err = conn.QueryRowContext(context.Background(), "SELECT 1").Scan(&one)
	if n, _ := mysqlErr(err); n != 1045 {
		t.Fatalf("after revocation: %v, want 1045", err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for s.OpenConns() > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if s.OpenConns() != 0 {
		t.Errorf("%d connections still open after revocation", s.OpenConns())
	}
}

// TestRevokedWhileIdle: an idle connection whose token is revoked is
// closed by the periodic check, without a statement.
func TestRevokedWhileIdle(t *testing.T) {
	e := setup(t)
	s := e.listen(t, sqlserver.Config{RecheckEvery: 100 * time.Millisecond})
	db := open(t, s.Addr().String(), e.tokens["revoke-idle"])
	if err := db.Ping(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if s.OpenConns() != 1 {
		t.Fatalf("%d open before revocation, want 1 (a valid token's connection stays)", s.OpenConns())
	}
	id, _, _ := access.ParseToken(e.tokens["revoke-idle"])
	if err := e.st.RevokeToken(context.Background(), id, time.Now()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for s.OpenConns() > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if s.OpenConns() != 0 {
		t.Errorf("the idle connection of a revoked token is still open")
	}
}

// counts is the tenant's nodes and relationships.
func (e *testEnv) counts(t *testing.T) (int64, int64) {
	t.Helper()
	res, err := neo4j.ExecuteQuery(context.Background(), e.driver,
		"MATCH (n {tenant: $t}) OPTIONAL MATCH (n)-[r]->() RETURN count(DISTINCT n), count(r)", map[string]any{"t": e.tenant}, neo4j.EagerResultTransformer)
	if err != nil {
		t.Fatal(err)
	}
	return res.Records[0].Values[0].(int64), res.Records[0].Values[1].(int64)
}

// TestRefused: writes, DDL, files, variables that leak the host, other
// databases, administration: each is refused over the wire, and the graph
// is unchanged.
func TestRefused(t *testing.T) {
	e := setup(t)
	s := e.listen(t, sqlserver.Config{})
	db := open(t, s.Addr().String(), e.tokens["admin"])
	nodes, rels := e.counts(t)
	out := filepath.Join(t.TempDir(), "out.txt")
	tn := "'" + e.tenant + "'"
	for _, q := range []string{
		"INSERT INTO users (tenant, id) VALUES (" + tn + ", 'x')",
		"UPDATE users SET name = 'x' WHERE tenant = " + tn,
		"DELETE FROM users WHERE tenant = " + tn,
		"REPLACE INTO roles (tenant, id) VALUES (" + tn + ", 'x')",
		"DROP TABLE users", "CREATE TABLE x (a int)", "ALTER TABLE users ADD COLUMN x int", "TRUNCATE TABLE users",
		"CREATE DATABASE x", "DROP DATABASE authgraph",
		"SELECT LOAD_FILE('/etc/passwd')",
		"SELECT id FROM users WHERE tenant = " + tn + " AND name = LOAD_FILE('/etc/hostname')",
		"SELECT id FROM users INTO OUTFILE '" + out + "'",
		"SELECT id FROM users LIMIT 1 INTO DUMPFILE '" + out + "'",
		"LOAD DATA INFILE '/etc/passwd' INTO TABLE users",
		"SELECT @@datadir", "SELECT @@hostname", "SELECT @@basedir", "SELECT @@version_compile_os, @@version",
		"SELECT @@global.secure_file_priv", "SELECT @x", "SELECT 1 INTO @x",
		"SET @x = 1", "SET GLOBAL read_only = 0", "SET autocommit = (SELECT LOAD_FILE('/etc/passwd'))",
		"SET PERSIST sql_mode = ''", "SET datadir = '/tmp'",
		"SHOW PROCESSLIST", "SHOW FULL PROCESSLIST", "SHOW GRANTS", "SHOW STATUS", "SHOW GLOBAL STATUS", "SHOW MASTER STATUS", "SHOW BINARY LOGS",
		"SELECT * FROM information_schema.processlist", "SELECT * FROM information_schema.user_privileges",
		"SELECT * FROM mysql.user", "USE mysql", "USE information_schema", "SHOW TABLES FROM mysql",
		"SELECT table_name FROM information_schema.tables WHERE table_name IN (SELECT id FROM users)",
		"SELECT 1; DELETE FROM users", "/*!50000 DELETE FROM users */",
		"KILL 1", "LOCK TABLES users READ", "FLUSH PRIVILEGES", "GRANT ALL ON *.* TO 'x'",
		"CREATE USER 'x' IDENTIFIED BY 'y'", "PREPARE s FROM 'DELETE FROM users'", "CALL x()",
		"SELECT SLEEP(5)", "SELECT GET_LOCK('x', 1)",
		"SHOW FULL COLUMNS FROM processlist FROM information_schema",
	} {
		_, err := db.Exec(q)
		if err == nil {
			t.Errorf("%s: ran", q)
			continue
		}
		n, msg := mysqlErr(err)
		if n == 0 {
			t.Errorf("%s: not a MySQL error: %v", q, err)
		}
		t.Logf("%-70.70s → %d %s", q, n, msg)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a file was written")
	}
	if n2, r2 := e.counts(t); n2 != nodes || r2 != rels {
		t.Errorf("graph changed: %d/%d nodes, %d/%d relationships", n2, nodes, r2, rels)
	}
	// The connection is still usable after refusals.
	var one int
	if err := db.QueryRow("SELECT 1").Scan(&one); err != nil {
		t.Error(err)
	}
}

// TestConnectStatements: what clients send on connect and to browse.
func TestConnectStatements(t *testing.T) {
	e := setup(t)
	s := e.listen(t, sqlserver.Config{})
	db := open(t, s.Addr().String(), e.tokens["viewer"])
	db.SetMaxOpenConns(1)
	for _, q := range []string{
		"SET NAMES utf8mb4", "SET NAMES 'utf8mb4' COLLATE 'utf8mb4_general_ci'", "SET autocommit=1",
		"SET character_set_results = NULL", "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
		"SET @@session.sql_mode = 'ANSI_QUOTES', time_zone = '+00:00'", "USE authgraph", "USE `AUTHGRAPH`",
		"BEGIN", "COMMIT", "ROLLBACK", "START TRANSACTION READ ONLY",
	} {
		if _, err := db.Exec(q); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
	one := func(q string) string {
		t.Helper()
		_, r := rows(t, db, q)
		if len(r) != 1 {
			t.Fatalf("%s: %d rows", q, len(r))
		}
		return strings.Join(r[0], "|")
	}
	if got := one("SELECT @@version_comment LIMIT 1"); !strings.Contains(got, "authgraph") {
		t.Errorf("version_comment %q", got)
	}
	if got := one("SELECT DATABASE()"); got != "authgraph" {
		t.Errorf("DATABASE() = %q", got)
	}
	if got := one("select @@session.auto_increment_increment AS auto_increment_increment, @@character_set_client AS character_set_client, @@lower_case_table_names AS l, @@max_allowed_packet, @@sql_mode, @@time_zone, @@transaction_isolation, @@wait_timeout, @@license, @@transaction_read_only"); !strings.HasPrefix(got, "1|utf8mb4|0|") || !strings.HasSuffix(got, "|1") {
		t.Errorf("JDBC's variables: %q", got)
	}
	if cols, r := rows(t, db, "SHOW DATABASES"); len(r) != 1 || r[0][0] != "authgraph" || cols[0] != "Database" {
		t.Errorf("SHOW DATABASES: %v %v", cols, r)
	}
	_, tables := rows(t, db, "SHOW TABLES")
	if len(tables) != len(e.g.Tables()) {
		t.Errorf("SHOW TABLES: %d tables, want %d", len(tables), len(e.g.Tables()))
	}
	if cols, r := rows(t, db, "SHOW FULL TABLES FROM `authgraph` LIKE 'user%'"); len(cols) != 2 || len(r) < 3 || r[0][1] != "BASE TABLE" {
		t.Errorf("SHOW FULL TABLES LIKE: %v %v", cols, r)
	}
	if _, r := rows(t, db, "SHOW TABLES WHERE Tables_in_authgraph = 'roles' OR Tables_in_authgraph LIKE 'user_r%'"); len(r) != 2 {
		t.Errorf("SHOW TABLES WHERE: %v", r)
	}
	var users *sqlgraph.Table
	for _, tb := range e.g.Tables() {
		if tb.Name == "users" {
			users = tb
		}
	}
	cols, r := rows(t, db, "SHOW FULL COLUMNS FROM `users` FROM `authgraph` LIKE '%'")
	if len(cols) != 9 || len(r) != len(users.Columns) || r[0][0] != "tenant" || r[0][1] != "longtext" {
		t.Errorf("SHOW FULL COLUMNS: %v %v", cols, r)
	}
	if _, r := rows(t, db, "DESCRIBE users"); len(r) != len(users.Columns) {
		t.Errorf("DESCRIBE: %d rows", len(r))
	}
	if got := one("SHOW CREATE TABLE users"); !strings.Contains(got, "CREATE TABLE `users`") || !strings.Contains(got, "`email` longtext") {
		t.Errorf("SHOW CREATE TABLE: %q", got)
	}
	if _, r := rows(t, db, "SHOW VARIABLES LIKE 'lower_case%'"); len(r) != 1 || r[0][1] != "0" {
		t.Errorf("SHOW VARIABLES LIKE: %v", r)
	}
	if _, r := rows(t, db, "SHOW TABLE STATUS FROM authgraph LIKE 'users'"); len(r) != 1 {
		t.Errorf("SHOW TABLE STATUS: %v", r)
	}
	if _, r := rows(t, db, "SHOW INDEX FROM users"); len(r) != 0 {
		t.Errorf("SHOW INDEX: %v", r)
	}
	// information_schema about our own tables (DBeaver, Metabase, Tableau
	// browse with these).
	if _, r := rows(t, db, "SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'authgraph'"); len(r) != len(e.g.Tables()) {
		t.Errorf("information_schema.tables: %d rows", len(r))
	}
	if _, r := rows(t, db, "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'users' ORDER BY ordinal_position"); len(r) != len(users.Columns) || r[0][0] != "tenant" {
		t.Errorf("information_schema.columns: %v", r)
	}
	if _, r := rows(t, db, "SELECT schema_name FROM information_schema.schemata"); len(r) == 0 {
		t.Error("information_schema.schemata: no rows")
	}
	// Connector/J's first statement (a comment in front) and its
	// DatabaseMetaData.getTables over information_schema.
	if got := one("/* mysql-connector-j-8.4.0 (Revision: x) */SELECT @@session.auto_increment_increment AS auto_increment_increment, @@character_set_client AS character_set_client, @@character_set_connection AS character_set_connection, @@character_set_results AS character_set_results, @@character_set_server AS character_set_server, @@collation_server AS collation_server, @@collation_connection AS collation_connection, @@init_connect AS init_connect, @@interactive_timeout AS interactive_timeout, @@license AS license, @@lower_case_table_names AS lower_case_table_names, @@max_allowed_packet AS max_allowed_packet, @@net_write_timeout AS net_write_timeout, @@performance_schema AS performance_schema, @@query_cache_size AS query_cache_size, @@query_cache_type AS query_cache_type, @@sql_mode AS sql_mode, @@system_time_zone AS system_time_zone, @@time_zone AS time_zone, @@transaction_isolation AS transaction_isolation, @@wait_timeout AS wait_timeout"); !strings.HasPrefix(got, "1|utf8mb4|") {
		t.Errorf("Connector/J's variables: %q", got)
	}
	if _, r := rows(t, db, `SELECT TABLE_SCHEMA AS TABLE_CAT, NULL AS TABLE_SCHEM, TABLE_NAME, CASE WHEN TABLE_TYPE='BASE TABLE' THEN CASE WHEN TABLE_SCHEMA = 'mysql' OR TABLE_SCHEMA = 'performance_schema' THEN 'SYSTEM TABLE' ELSE 'TABLE' END WHEN TABLE_TYPE='TEMPORARY' THEN 'LOCAL_TEMPORARY' ELSE TABLE_TYPE END AS TABLE_TYPE, TABLE_COMMENT AS REMARKS, NULL AS TYPE_CAT, NULL AS TYPE_SCHEM, NULL AS TYPE_NAME, NULL AS SELF_REFERENCING_COL_NAME, NULL AS REF_GENERATION FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = 'authgraph' AND TABLE_NAME LIKE '%' HAVING TABLE_TYPE IN ('TABLE',null,null,null,null) ORDER BY TABLE_TYPE, TABLE_SCHEMA, TABLE_NAME`); len(r) != len(e.g.Tables()) || r[0][3] != "TABLE" {
		t.Errorf("Connector/J getTables: %d rows", len(r))
	}
	if _, r := rows(t, db, "SHOW ENGINES"); len(r) != 1 || r[0][0] != "authgraph" {
		t.Errorf("SHOW ENGINES: %v", r)
	}
	// The truncation of a result shows as a warning.
	small := sqlgraph.New(e.st, store.ConsoleOptions{Timeout: 5 * time.Second, MaxRows: 3})
	s2 := e.listen(t, sqlserver.Config{Graph: small})
	db2 := open(t, s2.Addr().String(), e.tokens["viewer"])
	db2.SetMaxOpenConns(1)
	if _, r := rows(t, db2, "SELECT id FROM users WHERE tenant = '"+e.tenant+"'"); len(r) != 3 {
		t.Errorf("capped at 3 rows: got %d", len(r))
	}
	if _, r := rows(t, db2, "SHOW WARNINGS"); len(r) != 1 || !strings.Contains(r[0][2], "more than 3 rows") {
		t.Errorf("SHOW WARNINGS: %v", r)
	}
}

// TestConnectionCap: one connection past --sql-max-conns gets error 1040;
// a closed one frees its slot; a socket that never signs in is closed.
func TestConnectionCap(t *testing.T) {
	e := setup(t)
	s := e.listen(t, sqlserver.Config{MaxConns: 2, HandshakeTimeout: 300 * time.Millisecond})
	addr := s.Addr().String()
	db := open(t, addr, e.tokens["viewer"])
	ctx := context.Background()
	var conns []*sql.Conn
	for i := 0; i < 2; i++ {
		c, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.PingContext(ctx); err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	third := open(t, addr, e.tokens["viewer"])
	if n, msg := mysqlErr(third.Ping()); n != 1040 {
		t.Errorf("third connection: %d %s, want 1040", n, msg)
	}
	conns[0].Raw(func(dc any) error { return dc.(interface{ Close() error }).Close() })
	conns[0].Close()
	deadline := time.Now().Add(3 * time.Second)
	for s.OpenConns() > 1 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if err := third.Ping(); err != nil {
		t.Errorf("after one closed: %v", err)
	}
	third.Close()
	conns[1].Close()
	db.Close()
	// A raw socket that never answers the handshake is closed.
	deadline = time.Now().Add(3 * time.Second)
	for s.OpenConns() > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	raw, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	time.Sleep(50 * time.Millisecond)
	if s.OpenConns() != 1 {
		t.Errorf("%d open, want the raw socket's 1", s.OpenConns())
	}
	raw.SetReadDeadline(time.Now().Add(3 * time.Second))
	buf := make([]byte, 4096)
	for {
		if _, err := raw.Read(buf); err != nil {
			break
		}
	}
	deadline = time.Now().Add(3 * time.Second)
	for s.OpenConns() > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if s.OpenConns() != 0 {
		t.Errorf("the silent socket is still open")
	}
}

// selfSigned writes a certificate for 127.0.0.1.
func selfSigned(t *testing.T) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "authgraph-test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}
}

// TestTLS: with a certificate every connection must use TLS; off loopback
// a listener needs one (and an auth method).
func TestTLS(t *testing.T) {
	e := setup(t)
	s := e.listen(t, sqlserver.Config{TLS: selfSigned(t)})
	addr := s.Addr().String()
	plain := open(t, addr, e.tokens["viewer"], func(c *gomysql.Config) { c.TLSConfig = "false" })
	// The protocol layer refuses clear text without TLS; our auth method
	// refuses it too, whatever the client sent.
	if err := plain.Ping(); err == nil || !strings.Contains(err.Error(), "SSL") && !strings.Contains(err.Error(), "TLS") {
		t.Errorf("plain connection: %v, want a refusal asking for TLS", err)
	}
	secure := open(t, addr, e.tokens["viewer"], func(c *gomysql.Config) { c.TLSConfig = "skip-verify" })
	var one int
	if err := secure.QueryRow("SELECT 1").Scan(&one); err != nil {
		t.Errorf("over TLS: %v", err)
	}
	for _, c := range []sqlserver.Config{
		{Addr: "0.0.0.0:0", Graph: e.g, Auth: e.web},                // no TLS off loopback
		{Addr: "0.0.0.0:0", Graph: e.g, TLS: selfSigned(t)},         // --auth none off loopback
		{Addr: "example.invalid:0", Graph: e.g, TLS: selfSigned(t)}, // not loopback either
	} {
		if s, err := sqlserver.Listen(c); err == nil {
			s.Close()
			t.Errorf("%s: listening", c.Addr)
		}
	}
}

// TestNoAuth: with serve --auth none (loopback only) any password signs in,
// and the statements are still sqlgraph's.
func TestNoAuth(t *testing.T) {
	e := setup(t)
	s := e.listenAs(t, sqlserver.Config{})
	db := open(t, s.Addr().String(), "anything")
	var one int
	if err := db.QueryRow("SELECT 1").Scan(&one); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("DELETE FROM users"); err == nil {
		t.Error("DELETE ran")
	}
}

// TestConsoleLimits: statements over the wire take the console's
// concurrency slots and stop at its time limit, as sqlgraph's do.
func TestConsoleLimits(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	limiter := store.NewConsoleLimiter(store.ConsoleOptions{MaxConcurrent: 1, QueueWait: 100 * time.Millisecond})
	opts := store.ConsoleOptions{Timeout: 300 * time.Millisecond, Limiter: limiter}
	s := e.listen(t, sqlserver.Config{Graph: sqlgraph.New(e.st, opts)})
	db := open(t, s.Addr().String(), e.tokens["viewer"])
	release, err := e.st.AcquireConsole(ctx, opts) // the Cypher console holds the one slot
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Exec("SELECT id FROM users LIMIT 1")
	release()
	if n, msg := mysqlErr(err); n == 0 || !strings.Contains(strings.ToLower(msg), "busy") && !strings.Contains(strings.ToLower(msg), "console") {
		t.Errorf("with the slot taken: %v, want the console's refusal", err)
	}
	if _, err := db.Exec("SELECT id FROM users LIMIT 1"); err != nil {
		t.Errorf("with the slot free: %v", err)
	}
	start := time.Now()
	_, err = db.Exec("SELECT COUNT(*) FROM users a, users b, users c, permissions d")
	if n, _ := mysqlErr(err); n != 1317 {
		t.Errorf("cross join: %v, want 1317 (query interrupted)", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("cross join stopped after %s", d)
	}
}

// syncBuffer is a log sink for one test.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestStatementLog: a line per statement with who, the statement, outcome
// and rows; no token reaches the log, not even one pasted into a statement.
func TestStatementLog(t *testing.T) {
	e := setup(t)
	var buf syncBuffer
	s := e.listen(t, sqlserver.Config{Logger: slog.New(slog.NewTextHandler(&buf, nil))})
	db := open(t, s.Addr().String(), e.tokens["viewer"])
	_, pasted := access.NewToken()
	var x string
	if err := db.QueryRow("SELECT '" + pasted + "' AS x").Scan(&x); err != nil || x != pasted {
		t.Fatalf("%v %q", err, x)
	}
	db.Exec("DELETE FROM users")
	out := buf.String()
	id, _, _ := access.ParseToken(e.tokens["viewer"])
	for _, want := range []string{
		"sql: signed in", "who=token:" + id, "outcome=ok rows=1", `statement="DELETE FROM users" outcome=refused`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	_, secret, _ := access.ParseToken(e.tokens["viewer"])
	_, pastedSecret, _ := access.ParseToken(pasted)
	if strings.Contains(out, secret) || strings.Contains(out, pastedSecret) {
		t.Errorf("a token's secret reached the log:\n%s", out)
	}
}

// BenchmarkJoin: the join question through sqlgraph directly and over the
// wire (the driver, the protocol, the token re-check), on the test tenant.
func BenchmarkJoin(b *testing.B) {
	e := setup(b)
	q := sqlgraph.Questions(e.tenant)[0].SQL
	b.Run("direct", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := e.g.Query(context.Background(), q); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("wire", func(b *testing.B) {
		s, err := sqlserver.Listen(sqlserver.Config{Addr: "127.0.0.1:0", Graph: e.g, Auth: e.web, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			b.Fatal(err)
		}
		go s.Serve(context.Background())
		defer s.Close()
		db, err := sql.Open("mysql", dsn(s.Addr().String(), "bench", e.tokens["viewer"]))
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			r, err := db.Query(q)
			if err != nil {
				b.Fatal(err)
			}
			for r.Next() {
			}
			r.Close()
		}
	})
}
