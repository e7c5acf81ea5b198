package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/spf13/pflag"

	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/internal/sqlgraph"
	"github.com/authgraph/authgraph/internal/sqlserver"
	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/web"
)

// sqlListenerFlags are serve's flags of the MySQL-protocol listener.
type sqlListenerFlags struct {
	addr        string
	tlsCert     string
	tlsKey      string
	maxConns    int
	idleTimeout time.Duration
}

func (f *sqlListenerFlags) flags(fs *pflag.FlagSet) {
	fs.StringVar(&f.addr, "sql-addr", "", "serve a MySQL-protocol listener on this address (e.g. 127.0.0.1:3306) for BI tools and the mysql client: user any name, password an API token of role viewer or above; off by default")
	fs.StringVar(&f.tlsCert, "sql-tls-cert", "", "PEM certificate of the SQL listener: with --sql-tls-key, every connection must use TLS (required off loopback)")
	fs.StringVar(&f.tlsKey, "sql-tls-key", "", "PEM private key of --sql-tls-cert")
	fs.IntVar(&f.maxConns, "sql-max-conns", sqlserver.DefaultMaxConns, "open connections the SQL listener accepts at most (one more gets MySQL error 1040)")
	fs.DurationVar(&f.idleTimeout, "sql-idle-timeout", sqlserver.DefaultIdleTimeout, "close a SQL connection that sends nothing for this long")
}

// start starts the listener when --sql-addr is set; stop closes it and its
// connections.
func (f *sqlListenerFlags) start(ctx context.Context, st *store.Store, console store.ConsoleOptions, srv *web.Server, authMode string, log *slog.Logger, out io.Writer) (stop func(), err error) {
	if f.addr == "" {
		if f.tlsCert != "" || f.tlsKey != "" {
			return nil, apperr.New(apperr.Invalid, "--sql-tls-cert/--sql-tls-key without --sql-addr")
		}
		return func() {}, nil
	}
	cfg := sqlserver.Config{Addr: f.addr, Graph: sqlgraph.New(st, console), MaxConns: f.maxConns, IdleTimeout: f.idleTimeout, Logger: log}
	if authMode != web.AuthNone {
		cfg.Auth, cfg.Audit = srv, srv
	}
	switch {
	case f.tlsCert != "" && f.tlsKey != "":
		cert, err := tls.LoadX509KeyPair(f.tlsCert, f.tlsKey)
		if err != nil {
			return nil, apperr.Wrap(apperr.Invalid, err, "--sql-tls-cert/--sql-tls-key")
		}
		cfg.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	case f.tlsCert != "" || f.tlsKey != "":
		return nil, apperr.New(apperr.Invalid, "--sql-tls-cert and --sql-tls-key go together")
	}
	s, err := sqlserver.Listen(cfg)
	if err != nil {
		return nil, listenError(err, f.addr, "serve --sql-addr")
	}
	mode := "a token as the password, mysql_clear_password"
	if cfg.Auth == nil {
		mode = "no sign-in (--auth none): any password"
	}
	tlsNote := "loopback, no TLS"
	if cfg.TLS != nil {
		tlsNote = "TLS required"
	}
	fmt.Fprintf(out, "authgraph serving read-only SQL (MySQL protocol) at %s, database %s (%s; %s)\n", s.Addr(), sqlgraph.DBName, mode, tlsNote)
	go s.Serve(ctx)
	return s.Close, nil
}
