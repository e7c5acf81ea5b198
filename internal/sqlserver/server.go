// Package sqlserver is serve's MySQL-protocol listener (serve --sql-addr):
// BI tools and the mysql client connect with an API token as the password
// and run read-only SQL over the asset graph. Every statement that reads
// the graph runs through sqlgraph.Graph.Query, the path of GraphQL's sql
// field and the console's SQL tab (its plan check, pushdown, limits and
// concurrency slots); what clients send on connect and to browse tables
// (SET NAMES, SELECT @@version_comment, SHOW TABLES, SHOW FULL COLUMNS,
// USE, information_schema about authgraph's tables) is answered from an
// explicit allowlist and the tables' declarations (session.go), never by
// loosening the check. The wire protocol is dolthub/vitess's, the one
// go-mysql-server's own server uses.
package sqlserver

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dolthub/vitess/go/mysql"
	querypb "github.com/dolthub/vitess/go/vt/proto/query"

	"github.com/authgraph/authgraph/internal/access"
	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/internal/sqlgraph"
)

// Authenticator checks an API token: the caller it names, or nil when it
// is unknown, revoked or expired (web.Server.CheckToken).
type Authenticator interface {
	CheckToken(ctx context.Context, token string) (*access.Principal, error)
}

// Auditor records sign-ins in authgraph's audit log (web.Server).
type Auditor interface {
	AuditSignIn(ctx context.Context, p *access.Principal, via string)
	AuditSignInFailure(ctx context.Context, via string)
}

// Config configures the listener.
type Config struct {
	Addr  string
	Graph *sqlgraph.Graph
	// Auth checks the password as an API token. Nil (serve --auth none)
	// lets anyone who reaches the listener in as "local", and is allowed
	// only on a loopback address.
	Auth  Authenticator
	Audit Auditor // optional
	// TLS, when set, is required of every connection (loopback ones too).
	// Without it the listener must be on a loopback address: the password
	// is a token sent in clear (mysql_clear_password).
	TLS *tls.Config
	// MaxConns bounds open connections (default 16); one more is refused
	// with MySQL's error 1040 (Too many connections).
	MaxConns int
	// IdleTimeout closes a connection that sends nothing for that long
	// (default 30 min).
	IdleTimeout time.Duration
	// HandshakeTimeout closes a connection not signed in by then (default
	// 10 s), so unauthenticated sockets cannot hold the connection slots.
	HandshakeTimeout time.Duration
	// WriteTimeout bounds writing one packet to a client (default 1 min).
	WriteTimeout time.Duration
	// RecheckEvery is how often the tokens of idle connections are checked
	// again (default 30 s): a revoked or expired one's connection is closed
	// without waiting for its next statement.
	RecheckEvery time.Duration
	Logger       *slog.Logger
}

// Defaults of Config.
const (
	DefaultMaxConns         = 16
	DefaultIdleTimeout      = 30 * time.Minute
	DefaultHandshakeTimeout = 10 * time.Second
	DefaultWriteTimeout     = time.Minute
	DefaultRecheckEvery     = 30 * time.Second
	// ServerVersion is what clients see as the server's version: MySQL
	// 8.0's protocol and dialect (go-mysql-server's), served by authgraph.
	ServerVersion = "8.0.33-authgraph"
)

// Server is a running listener.
type Server struct {
	cfg      Config
	ln       *capListener
	listener *mysql.Listener
	loopback bool
	log      *slog.Logger
	h        *handler

	mu       sync.Mutex
	sessions map[uint32]*session
	closed   atomic.Bool
	done     chan struct{}
}

// Listen checks the configuration against the address it binds and starts
// listening; Serve then accepts connections.
func Listen(cfg Config) (*Server, error) {
	if cfg.Graph == nil {
		return nil, errors.New("sqlserver: no graph")
	}
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = DefaultMaxConns
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.HandshakeTimeout <= 0 {
		cfg.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = DefaultWriteTimeout
	}
	if cfg.RecheckEvery <= 0 {
		cfg.RecheckEvery = DefaultRecheckEvery
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Auth == nil && !LoopbackAddr(cfg.Addr) {
		return nil, apperr.New(apperr.Invalid, "--sql-addr %s is not a loopback address, and --auth none would let anyone who reaches it read the graph: use --auth token (or oidc) and API tokens, or listen on 127.0.0.1", cfg.Addr)
	}
	if cfg.TLS == nil && !LoopbackAddr(cfg.Addr) {
		return nil, apperr.New(apperr.Invalid, "--sql-addr %s is not a loopback address: the MySQL password is an API token sent in clear (mysql_clear_password), so a listener off loopback needs TLS: --sql-tls-cert FILE --sql-tls-key FILE", cfg.Addr)
	}
	routeProtocolLog(cfg.Logger)
	inner, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: cfg.Logger, sessions: map[uint32]*session{}, done: make(chan struct{})}
	// Decide by the address actually bound, not the words of the flag.
	s.loopback = isLoopback(inner.Addr())
	if cfg.TLS == nil && !s.loopback || cfg.Auth == nil && !s.loopback {
		inner.Close()
		return nil, apperr.New(apperr.Invalid, "--sql-addr %s bound %s, which is not loopback: it needs --auth token|oidc and TLS", cfg.Addr, inner.Addr())
	}
	s.ln = newCapListener(inner, cfg.MaxConns, cfg.HandshakeTimeout, s.log)
	s.h = &handler{s: s}
	l, err := mysql.NewListenerWithConfig(mysql.ListenerConfig{
		Listener:           s.ln,
		AuthServer:         &authServer{s: s},
		Handler:            s.h,
		ConnReadTimeout:    cfg.IdleTimeout,
		ConnWriteTimeout:   cfg.WriteTimeout,
		ConnReadBufferSize: mysql.DefaultConnBufferSize,
	})
	if err != nil {
		inner.Close()
		return nil, err
	}
	l.ServerVersion = ServerVersion
	if cfg.TLS != nil {
		// Clear text needs TLS then: a plain connection is told so before
		// the client is asked for its password (RequireSecureTransport),
		// vitess refuses the switch to clear text on it, and clearToken
		// refuses a clear password on it whatever the client sent first.
		l.TLSConfig = cfg.TLS
		l.RequireSecureTransport = true
	}
	s.listener = l
	return s, nil
}

// Addr is the address the listener is bound to.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Serve accepts connections until ctx ends or Close is called, then closes
// the listener and every open connection.
func (s *Server) Serve(ctx context.Context) error {
	go func() {
		select {
		case <-ctx.Done():
			s.Close()
		case <-s.done:
		}
	}()
	if s.cfg.Auth != nil {
		go s.sweep()
	}
	s.listener.Accept()
	s.Close()
	return nil
}

// Close stops accepting and closes the open connections (a statement
// running on one finishes at its time limit at the latest).
func (s *Server) Close() {
	if s.closed.Swap(true) {
		return
	}
	close(s.done)
	s.ln.closeAll() // marks the listener shut first: Accept then ends
	s.listener.Close()
}

// sweep checks the tokens of open connections every RecheckEvery and
// closes those whose token was revoked or has expired (a statement checks
// its connection's token too; this reaches idle connections).
func (s *Server) sweep() {
	t := time.NewTicker(s.cfg.RecheckEvery)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
		}
		s.mu.Lock()
		open := make([]*session, 0, len(s.sessions))
		for _, sess := range s.sessions {
			open = append(open, sess)
		}
		s.mu.Unlock()
		for _, sess := range open {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			p, err := s.cfg.Auth.CheckToken(ctx, sess.token)
			cancel()
			if err != nil {
				continue // the store is unreachable: the next statement checks again
			}
			if p == nil || access.Allow(p, access.ListenerNeed("sql")) != access.Allowed {
				s.log.Info("sql: connection closed: its token was revoked or has expired", "who", sess.subject, "from", sess.remote)
				sess.conn.Close()
			}
		}
	}
}

// OpenConns is how many connections are open (signed in or not).
func (s *Server) OpenConns() int { return s.ln.open() }

// isLoopback says whether a bound address accepts loopback connections
// only.
func isLoopback(a net.Addr) bool {
	t, ok := a.(*net.TCPAddr)
	return ok && t.IP.IsLoopback()
}

// LoopbackAddr says whether a listen address names a loopback host.
func LoopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// session is one signed-in connection.
type session struct {
	id       uint32
	conn     *mysql.Conn
	subject  string            // p's subject when signed in (the sweep reads it)
	p        *access.Principal // refreshed by each statement's check
	token    string            // the password: re-checked before each statement (cached 5 s)
	remote   string
	warnings []warning
}

type warning struct {
	code int
	msg  string
}

func (s *Server) session(c *mysql.Conn) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions[c.ConnectionID]
}

// authServer: the password is an API token, so the server needs it in
// clear (only a hash is stored): mysql_clear_password, over TLS or on a
// loopback listener only.
type authServer struct{ s *Server }

func (a *authServer) AuthMethods() []mysql.AuthMethod { return []mysql.AuthMethod{&clearToken{s: a.s}} }

// DefaultAuthMethodDescription: the handshake must name a hashing method;
// the client is then switched to mysql_clear_password.
func (a *authServer) DefaultAuthMethodDescription() mysql.AuthMethodDescription {
	return mysql.MysqlNativePassword
}

type clearToken struct{ s *Server }

func (m *clearToken) Name() mysql.AuthMethodDescription   { return mysql.MysqlClearPassword }
func (m *clearToken) HandleUser(*mysql.Conn, string) bool { return true }
func (m *clearToken) AuthPluginData() ([]byte, error)     { return nil, nil }

// AllowClearTextWithoutTLS: only on a loopback listener without TLS.
func (m *clearToken) AllowClearTextWithoutTLS() bool { return m.s.cfg.TLS == nil && m.s.loopback }

func denied(format string, args ...any) *mysql.SQLError {
	return mysql.NewSQLError(mysql.ERAccessDeniedError, mysql.SSAccessDeniedError, format, args...)
}

func remoteHost(a net.Addr) string {
	h, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return h
}

type getter struct{ user string }

func (g getter) Get() *querypb.VTGateCallerID { return &querypb.VTGateCallerID{Username: g.user} }

// localCaller is everyone when serve runs with --auth none (loopback only).
var localCaller = &access.Principal{Subject: "local", Name: "local (no sign-in)", Role: access.Viewer, Via: "none"}

func (m *clearToken) HandleAuthPluginData(c *mysql.Conn, user string, _ []byte, clientData []byte, remote net.Addr) (mysql.Getter, error) {
	s := m.s
	if !c.TLSEnabled() && !m.AllowClearTextWithoutTLS() {
		// The listener refuses this whatever the client chose to send.
		return nil, denied("this server requires TLS: connect with SSL (the password is an API token)")
	}
	password := string(clientData)
	if n := len(password); n > 0 && password[n-1] == 0 {
		password = password[:n-1]
	}
	ctx, cancel := context.WithTimeout(access.WithRemote(context.Background(), remoteHost(remote)), s.cfg.HandshakeTimeout)
	defer cancel()
	var p *access.Principal
	if s.cfg.Auth == nil {
		p = localCaller
	} else {
		if _, _, ok := access.ParseToken(password); !ok {
			s.failed(ctx, remote, "not an API token")
			return nil, denied("Access denied for user '%s': the password must be an API token (agt_…) of role viewer or above", user)
		}
		var err error
		p, err = s.cfg.Auth.CheckToken(ctx, password)
		if err != nil {
			s.log.Error("sql: check token", "err", err, "from", remoteHost(remote))
			return nil, mysql.NewSQLError(mysql.ERUnknownError, mysql.SSUnknownSQLState, "cannot check the token now; try again")
		}
		if p == nil {
			s.failed(ctx, remote, "unknown, revoked or expired token")
			return nil, denied("Access denied for user '%s': the API token is unknown, revoked or expired", user)
		}
		if access.Allow(p, access.ListenerNeed("sql")) != access.Allowed {
			s.failed(access.WithPrincipal(ctx, p), remote, "role "+string(p.Role))
			return nil, denied("Access denied for user '%s': a token of role %s may not read the graph (viewer, analyst or admin)", user, p.Role)
		}
	}
	sess := &session{id: c.ConnectionID, conn: c, subject: p.Subject, p: p, token: password, remote: remoteHost(remote)}
	s.mu.Lock()
	s.sessions[sess.id] = sess
	s.mu.Unlock()
	s.ln.authed(remote.String())
	if s.cfg.Audit != nil && s.cfg.Auth != nil {
		s.cfg.Audit.AuditSignIn(ctx, p, "sql")
	}
	s.log.Info("sql: signed in", "who", p.Subject, "name", p.Name, "role", p.Role, "user", user, "from", sess.remote, "tls", c.TLSEnabled())
	return getter{user: user}, nil
}

func (s *Server) failed(ctx context.Context, remote net.Addr, why string) {
	s.log.Warn("sql: sign-in refused", "why", why, "from", remoteHost(remote))
	if s.cfg.Audit != nil {
		s.cfg.Audit.AuditSignInFailure(ctx, "sql")
	}
}
