package sqlserver

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dolthub/vitess/go/mysql"
	"github.com/dolthub/vitess/go/sqltypes"
	querypb "github.com/dolthub/vitess/go/vt/proto/query"
	"github.com/dolthub/vitess/go/vt/sqlparser"

	"github.com/authgraph/authgraph/internal/access"
	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/internal/redact"
	"github.com/authgraph/authgraph/internal/sqlgraph"
)

// handler answers the protocol's commands of signed-in connections.
type handler struct{ s *Server }

var _ mysql.Handler = (*handler)(nil)

func (h *handler) NewConnection(*mysql.Conn) {}

func (h *handler) ConnectionClosed(c *mysql.Conn) {
	h.s.mu.Lock()
	delete(h.s.sessions, c.ConnectionID)
	h.s.mu.Unlock()
}

func (h *handler) ConnectionAborted(*mysql.Conn, string) error { return nil }

// ComInitDB: the database named on connect (or COM_INIT_DB) must be ours.
func (h *handler) ComInitDB(_ *mysql.Conn, db string) error {
	if db != "" && !strings.EqualFold(db, sqlgraph.DBName) {
		return badDB(db)
	}
	return nil
}

func (h *handler) ComQuery(ctx context.Context, c *mysql.Conn, query string, callback mysql.ResultSpoolFn) error {
	res, err := h.run(ctx, c, query)
	if err != nil {
		return err
	}
	return callback(res, false)
}

// ComMultiQuery: the whole text is one statement to us; several statements
// are refused (by sqlgraph, as everywhere).
func (h *handler) ComMultiQuery(ctx context.Context, c *mysql.Conn, query string, callback mysql.ResultSpoolFn) (string, error) {
	return "", h.ComQuery(ctx, c, query, callback)
}

// Server-side prepared statements are not supported: drivers that
// interpolate on the client (go-sql-driver's interpolateParams=true, JDBC's
// default) work.
func (h *handler) ComPrepare(context.Context, *mysql.Conn, string, *mysql.PrepareData) ([]*querypb.Field, error) {
	return nil, mysql.NewSQLError(mysql.ERNotSupportedYet, "42000", "server-side prepared statements are not supported: let the driver interpolate parameters (go-sql-driver: interpolateParams=true)")
}

func (h *handler) ComStmtExecute(context.Context, *mysql.Conn, *mysql.PrepareData, func(*sqltypes.Result) error) error {
	return mysql.NewSQLError(mysql.ERNotSupportedYet, "42000", "server-side prepared statements are not supported")
}

func (h *handler) WarningCount(c *mysql.Conn) uint16 {
	if sess := h.s.session(c); sess != nil {
		return uint16(min(len(sess.warnings), 65535))
	}
	return 0
}

func (h *handler) ComResetConnection(c *mysql.Conn) error {
	if sess := h.s.session(c); sess != nil {
		sess.warnings = nil
	}
	return nil
}

func (h *handler) ParserOptionsForConnection(*mysql.Conn) (sqlparser.ParserOptions, error) {
	return sqlparser.ParserOptions{}, nil
}

// maxLogged bounds the statement text in the log line.
const maxLogged = 300

// run answers one statement: the allowlist of session and catalogue
// statements, else sqlgraph (information_schema statements through
// QueryCatalog, the rest through Query), and logs a line for it.
func (h *handler) run(ctx context.Context, c *mysql.Conn, query string) (*sqltypes.Result, error) {
	start := time.Now()
	sess := h.s.session(c)
	if sess == nil {
		return nil, denied("not signed in")
	}
	if err := h.recheck(ctx, c, sess); err != nil {
		h.logStatement(sess, query, "refused", 0, false, time.Since(start), err)
		return nil, err
	}
	ctx = access.WithRemote(access.WithPrincipal(ctx, sess.p), sess.remote)
	text := strings.TrimSpace(query)
	if !isShowWarnings(text) {
		sess.warnings = nil
	}
	stmt, perr := sqlparser.Parse(text)
	var res *sqltypes.Result
	var err error
	handled, truncated := false, false
	if perr == nil {
		res, handled, err = h.answer(c, sess, stmt)
	}
	if !handled {
		var r *sqlgraph.Result
		if perr == nil && readsInformationSchema(stmt) {
			r, err = h.s.cfg.Graph.QueryCatalog(ctx, text)
		} else {
			r, err = h.s.cfg.Graph.Query(ctx, text)
		}
		if err == nil {
			res = toResult(r)
			if r.Truncated {
				truncated = true
				sess.warnings = append(sess.warnings, warning{code: mysql.ERUnknownError, msg: "result truncated: " + r.TruncatedReason + " (the server's limit)"})
			}
		}
	}
	if err != nil {
		err = h.sqlError(err)
		outcome := "error"
		var se *mysql.SQLError
		if errors.As(err, &se) && (se.Num == mysql.ERSpecifiedAccessDenied || se.Num == mysql.ERAccessDeniedError) {
			outcome = "refused"
		}
		h.logStatement(sess, query, outcome, 0, false, time.Since(start), err)
		return nil, err
	}
	h.logStatement(sess, query, "ok", len(res.Rows), truncated, time.Since(start), nil)
	return res, nil
}

// recheck: the token behind an open connection is checked again before
// each statement (the check is cached for 5 s), so a revoked or expired
// token stops working within that; the connection is then closed.
func (h *handler) recheck(ctx context.Context, c *mysql.Conn, sess *session) error {
	if h.s.cfg.Auth == nil {
		return nil
	}
	p, err := h.s.cfg.Auth.CheckToken(ctx, sess.token)
	if err != nil {
		h.s.log.Error("sql: check token", "err", err)
		return mysql.NewSQLError(mysql.ERUnknownError, mysql.SSUnknownSQLState, "cannot check the token now; try again")
	}
	if p == nil || access.Allow(p, access.ListenerNeed("sql")) != access.Allowed {
		// After the error reaches the client, end the connection.
		time.AfterFunc(200*time.Millisecond, c.Close)
		return denied("the API token of this connection was revoked or has expired: reconnect with a valid one")
	}
	sess.p = p
	return nil
}

func isShowWarnings(q string) bool {
	f := strings.Fields(strings.ToLower(strings.TrimRight(q, "; \t\r\n")))
	return len(f) == 2 && f[0] == "show" && f[1] == "warnings"
}

// readsInformationSchema says whether a statement names a table of
// information_schema.
func readsInformationSchema(stmt sqlparser.Statement) bool {
	found := false
	_ = sqlparser.Walk(func(n sqlparser.SQLNode) (bool, error) {
		if t, ok := n.(sqlparser.TableName); ok && strings.EqualFold(t.DbQualifier.String(), "information_schema") {
			found = true
		}
		return !found, nil
	}, stmt)
	return found
}

// sqlError maps an error to a MySQL error: refusals are 1227 (access
// denied; SQLSTATE 42000), syntax errors 1064, the rest 1105 with the
// user-safe message; internal errors are logged and not shown.
func (h *handler) sqlError(err error) error {
	var se *mysql.SQLError
	if errors.As(err, &se) {
		return se
	}
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Kind == apperr.Internal {
		h.s.log.Error("sql: statement failed", "err", err)
		return mysql.NewSQLError(mysql.ERUnknownError, mysql.SSUnknownSQLState, "internal error")
	}
	msg := ae.Msg // the user-safe message, not the wrapped cause
	if msg == "" {
		msg = ae.Error()
	}
	switch ae.Kind {
	case apperr.Forbidden:
		return mysql.NewSQLError(mysql.ERSpecifiedAccessDenied, "42000", "%s", msg)
	case apperr.Unauthenticated:
		return denied("%s", msg)
	case apperr.Invalid:
		if strings.Contains(msg, "syntax error") {
			return mysql.NewSQLError(mysql.ERParseError, "42000", "%s", msg)
		}
		if strings.Contains(msg, "query stopped") {
			return mysql.NewSQLError(mysql.ERQueryInterrupted, "70100", "%s", msg)
		}
	}
	return mysql.NewSQLError(mysql.ERUnknownError, mysql.SSUnknownSQLState, "%s", msg)
}

// logStatement writes the audit line of a statement: who, from where, the
// statement (shortened), the outcome, rows and duration.
func (h *handler) logStatement(sess *session, query, outcome string, rows int, truncated bool, d time.Duration, err error) {
	// A secret pasted into a statement (a token, a bearer header, a URL's
	// userinfo) does not reach the log.
	q := redact.Secrets(strings.Join(strings.Fields(query), " "))
	if len(q) > maxLogged {
		cut := maxLogged
		for cut > 0 && !utf8.RuneStart(q[cut]) {
			cut--
		}
		q = q[:cut] + "…"
	}
	args := []any{"who", sess.p.Subject, "name", sess.p.Name, "from", sess.remote, "statement", q, "outcome", outcome,
		"rows", rows, "truncated", truncated, "ms", d.Milliseconds()}
	if err != nil {
		args = append(args, "error", redact.Secrets(err.Error()))
	}
	h.s.log.Info("sql: statement", args...)
}
