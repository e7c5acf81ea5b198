package sqlserver

import (
	"crypto/tls"
	"errors"
	"strings"
	"testing"

	"github.com/dolthub/vitess/go/mysql"
	"github.com/dolthub/vitess/go/sqltypes"
	"github.com/dolthub/vitess/go/vt/sqlparser"

	"github.com/authgraph/authgraph/internal/sqlgraph"
	"github.com/authgraph/authgraph/internal/store"
)

func TestLike(t *testing.T) {
	for _, c := range []struct {
		s, p string
		want bool
	}{
		{"users", "user%", true}, {"users", "USER%", true}, {"user_roles", "user\\_r%", true}, {"userxroles", "user\\_r%", false},
		{"roles", "r_les", true}, {"roles", "r_le", false}, {"roles", "%", true}, {"", "%", true}, {"", "_", false},
		{"lower_case_table_names", "lower_case%", true}, {"a", "%%%a%%%", true}, {"abc", "a%c", true}, {"abd", "a%c", false},
		// Many %: linear in the pattern, not exponential.
		{strings.Repeat("a", 200), strings.Repeat("%a", 150) + "%b", false},
	} {
		if got := like(c.s, c.p); got != c.want {
			t.Errorf("like(%q, %q) = %v", c.s, c.p, got)
		}
	}
}

func TestFieldTypeAndValue(t *testing.T) {
	for _, c := range []struct {
		typ  string
		v    any
		want string
		qt   string
	}{
		{"bigint", int64(42), "42", "INT64"},
		{"tinyint(1)", int64(1), "1", "INT8"},
		{"bigint unsigned", int64(7), "7", "UINT64"},
		{"double", 1.5, "1.5", "FLOAT64"},
		{"decimal(10,2)", 12.5, "12.5", "DECIMAL"},
		{"longtext", "a'b", "a'b", "TEXT"},
		{"varchar(255)", "x", "x", "VARCHAR"},
		{"json", []any{"guardian", "sms"}, `["guardian","sms"]`, "JSON"},
		{"json", "s", `"s"`, "JSON"},
		{"datetime(6)", "2026-01-02T03:04:05.123456Z", "2026-01-02 03:04:05.123456", "DATETIME"},
		{"datetime", "2026-01-02T03:04:05Z", "2026-01-02 03:04:05", "DATETIME"},
		{"date", "2026-01-02T00:00:00Z", "2026-01-02", "DATE"},
		{"tinyint", true, "1", "INT8"},
	} {
		qt := fieldType(c.typ)
		if qt.String() != c.qt {
			t.Errorf("%s: type %s, want %s", c.typ, qt, c.qt)
		}
		if got := value(c.v, qt, c.typ).ToString(); got != c.want {
			t.Errorf("%s %v: %q, want %q", c.typ, c.v, got, c.want)
		}
	}
	if !value(nil, sqltypes.Int64, "bigint").IsNull() {
		t.Error("nil is NULL")
	}
	r := toResult(&sqlgraph.Result{Columns: []string{"n", "s"}, Types: []string{"bigint", "longtext"}, Rows: [][]any{{int64(1), nil}}})
	if len(r.Fields) != 2 || r.Fields[0].Type != sqltypes.Int64 || r.Fields[1].Charset != charsetUTF8 || !r.Rows[0][1].IsNull() {
		t.Errorf("toResult: %+v", r)
	}
}

// TestClearTokenNeedsTLS: with a certificate, a password sent on a plain
// connection is refused even when the client chose clear text itself (the
// protocol layer checks only when it asks for the switch).
func TestClearTokenNeedsTLS(t *testing.T) {
	s := &Server{cfg: Config{TLS: &tls.Config{}}, loopback: true, sessions: map[uint32]*session{}}
	m := &clearToken{s: s}
	_, err := m.HandleAuthPluginData(&mysql.Conn{}, "u", nil, []byte("agt_x\x00"), nil)
	var se *mysql.SQLError
	if !errors.As(err, &se) || se.Num != mysql.ERAccessDeniedError || !strings.Contains(se.Message, "TLS") {
		t.Errorf("plain connection with TLS configured: %v", err)
	}
	if m.AllowClearTextWithoutTLS() {
		t.Error("clear text allowed without TLS although a certificate is set")
	}
	s.cfg.TLS, s.loopback = nil, false
	if m.AllowClearTextWithoutTLS() {
		t.Error("clear text allowed off loopback")
	}
}

// TestSessionAllowlist: the statements answered without sqlgraph, and
// those that go on to it (and its check).
func TestSessionAllowlist(t *testing.T) {
	s := &Server{cfg: Config{Graph: sqlgraph.New((*store.Store)(nil), store.ConsoleOptions{})}, sessions: map[uint32]*session{}}
	h := &handler{s: s}
	sess := &session{remote: "127.0.0.1"}
	for _, c := range []struct {
		q       string
		handled bool
		refused bool
	}{
		{"SET NAMES utf8mb4", true, false},
		{"SET autocommit = 0", true, false},
		{"SET sql_mode = 'ANSI', @@session.time_zone = '+00:00'", true, false},
		{"SET @x = 1", true, true},
		{"SET GLOBAL sql_mode = ''", true, true},
		{"SET autocommit = (SELECT 1)", true, true},
		{"SET autocommit = LOAD_FILE('/etc/passwd')", true, true},
		{"SET datadir = '/tmp'", true, true},
		{"SELECT @@version_comment LIMIT 1", true, false},
		{"SELECT @@datadir", true, true},
		{"SELECT @@hostname, @@version", true, true},
		{"SELECT @@version FROM users", false, false},            // to sqlgraph, which refuses variables
		{"SELECT @@version WHERE LOAD_FILE('/x')", false, false}, // idem
		{"SELECT 1 INTO @x", false, false},
		{"SELECT @x", false, false},
		{"SELECT DATABASE(), USER()", true, false},
		{"SELECT 1", false, false},
		{"SHOW TABLES", true, false},
		{"SHOW TABLES FROM mysql", true, true},
		{"SHOW PROCESSLIST", true, true},
		{"SHOW VARIABLES WHERE Variable_name = LOAD_FILE('/etc/passwd')", true, true},
		{"USE mysql", true, true},
		{"COMMIT", true, false},
		{"DELETE FROM users", false, false},
	} {
		stmt, err := sqlparser.Parse(c.q)
		if err != nil {
			t.Fatalf("%s: %v", c.q, err)
		}
		_, handled, err := h.answer(&mysql.Conn{}, sess, stmt)
		if handled != c.handled || (err != nil) != c.refused {
			t.Errorf("%s: handled %v err %v; want handled %v refused %v", c.q, handled, err, c.handled, c.refused)
		}
	}
}
