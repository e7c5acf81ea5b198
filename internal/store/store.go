// Package store is authgraph's only door to Neo4j: the driver, sessions, and
// the Cypher that writes and reads the asset graph. Cypher lives here, one
// file per concern, always parameterised; labels and relation types come
// from package schema, never from user input.
package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j/config"

	"github.com/authgraph/authgraph/internal/apperr"
)

// Store wraps a Neo4j driver.
type Store struct {
	driver neo4j.DriverWithContext
	db     string
	uri    string
	// readTimeout is the statement timeout of every read (DefaultReadTimeout
	// when zero).
	readTimeout time.Duration
	// The console's concurrency limit when its options bring none.
	consoleOnce sync.Once
	consoleLim  *ConsoleLimiter
}

// DefaultReadTimeout is the statement timeout of the API's reads: Neo4j
// stops a read that runs longer, and the context a little later is a
// backstop should the server not answer.
const DefaultReadTimeout = 20 * time.Second

// SetReadTimeout sets the statement timeout of every read (call it before
// the store is shared; zero or less keeps DefaultReadTimeout).
func (s *Store) SetReadTimeout(d time.Duration) { s.readTimeout = d }

// ReadTimeout is the statement timeout of every read.
func (s *Store) ReadTimeout() time.Duration {
	if s.readTimeout <= 0 {
		return DefaultReadTimeout
	}
	return s.readTimeout
}

// boundRead gives a read its statement timeout (for the transaction) and a
// deadline a little after it, never later than the caller's.
func (s *Store) boundRead(ctx context.Context) (context.Context, context.CancelFunc, func(*neo4j.TransactionConfig)) {
	t := within(ctx, s.ReadTimeout())
	ctx, cancel := context.WithTimeout(ctx, t+2*time.Second)
	return ctx, cancel, neo4j.WithTxTimeout(t)
}

// Options tune a Store. Zero values mean defaults.
type Options struct {
	Database       string // default "neo4j"
	MaxConnections int
}

// Open connects to Neo4j and verifies it answers. An unreachable server or
// bad credentials give an apperr.Unavailable error naming the URI.
func Open(ctx context.Context, uri, user, password string, opts ...Options) (*Store, error) {
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	if o.Database == "" {
		o.Database = "neo4j"
	}
	d, err := neo4j.NewDriverWithContext(uri, neo4j.BasicAuth(user, password, ""), func(c *config.Config) {
		if o.MaxConnections > 0 {
			c.MaxConnectionPoolSize = o.MaxConnections
		}
		c.ConnectionAcquisitionTimeout = 30 * time.Second
		c.SocketConnectTimeout = 5 * time.Second
	})
	if err != nil {
		return nil, apperr.Wrap(apperr.Invalid, err, fmt.Sprintf("bad Neo4j URI %q", uri))
	}
	vctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := d.VerifyConnectivity(vctx); err != nil {
		_ = d.Close(ctx)
		if neo4j.IsNeo4jError(err) {
			return nil, apperr.Wrap(apperr.Unavailable, err, fmt.Sprintf("Neo4j at %s refused the credentials", uri))
		}
		return nil, apperr.Wrap(apperr.Unavailable, err, fmt.Sprintf("Neo4j not reachable at %s (start it with `authgraph neo4j start` or set NEO4J_URI)", uri))
	}
	return &Store{driver: d, db: o.Database, uri: uri}, nil
}

// FromDriver wraps an existing driver (tests share one).
func FromDriver(d neo4j.DriverWithContext) *Store {
	return &Store{driver: d, db: "neo4j"}
}

// Close closes the driver.
func (s *Store) Close(ctx context.Context) error { return s.driver.Close(ctx) }

// Driver exposes the driver for packages that need raw sessions (the
// read-only console).
func (s *Store) Driver() neo4j.DriverWithContext { return s.driver }

// Database is the database name used for sessions.
func (s *Store) Database() string { return s.db }

// URI is the server URI the store was opened with.
func (s *Store) URI() string { return s.uri }

func (s *Store) writeSession(ctx context.Context) neo4j.SessionWithContext {
	return s.driver.NewSession(ctx, neo4j.SessionConfig{AccessMode: neo4j.AccessModeWrite, DatabaseName: s.db})
}

func (s *Store) readSession(ctx context.Context) neo4j.SessionWithContext {
	return s.driver.NewSession(ctx, neo4j.SessionConfig{AccessMode: neo4j.AccessModeRead, DatabaseName: s.db})
}

// write runs one parameterised statement in a managed write transaction and
// returns its counters.
func (s *Store) write(ctx context.Context, cypher string, params map[string]any) (neo4j.Counters, error) {
	sess := s.writeSession(ctx)
	defer sess.Close(ctx)
	out, err := sess.ExecuteWrite(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		res, err := tx.Run(ctx, cypher, params)
		if err != nil {
			return nil, err
		}
		sum, err := res.Consume(ctx)
		if err != nil {
			return nil, err
		}
		return sum.Counters(), nil
	})
	if err != nil {
		return nil, wrapDBErr(err)
	}
	return out.(neo4j.Counters), nil
}

// readRows runs a read statement and returns every record as a map.
func (s *Store) readRows(ctx context.Context, cypher string, params map[string]any) ([]map[string]any, error) {
	ctx, cancel, timeout := s.boundRead(ctx)
	defer cancel()
	sess := s.readSession(ctx)
	defer sess.Close(ctx)
	out, err := sess.ExecuteRead(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		res, err := tx.Run(ctx, cypher, params)
		if err != nil {
			return nil, err
		}
		var rows []map[string]any
		for res.Next(ctx) {
			rows = append(rows, res.Record().AsMap())
		}
		return rows, res.Err()
	}, timeout)
	if err != nil {
		return nil, wrapReadErr(ctx, err)
	}
	rows, _ := out.([]map[string]any)
	return rows, nil
}

// wrapDBErr classifies driver errors: connectivity problems are Unavailable,
// everything else Internal (the message is logged, not shown).
func wrapDBErr(err error) error { return wrapReadErr(nil, err) }

// wrapReadErr is wrapDBErr for a read under ctx: a read its deadline cut
// short (which the driver reports as a connectivity error) says so.
func wrapReadErr(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	var ctxErr error
	if ctx != nil {
		ctxErr = ctx.Err()
	}
	if timedOut(err) || ctxErr != nil && errors.Is(ctxErr, context.DeadlineExceeded) {
		return apperr.Wrap(apperr.Unavailable, err, "the database read ran longer than its time limit")
	}
	if neo4j.IsConnectivityError(err) {
		return apperr.Wrap(apperr.Unavailable, err, "Neo4j unavailable")
	}
	return fmt.Errorf("neo4j: %w", err)
}

// within shortens a statement timeout to what is left of ctx's deadline,
// less a margin, so that Neo4j itself stops the statement (a clear
// "timed out") before the context cuts the connection.
func within(ctx context.Context, t time.Duration) time.Duration {
	if dl, ok := ctx.Deadline(); ok {
		left := time.Until(dl)
		margin := min(time.Second, left/4)
		if left-margin < t {
			t = max((left - margin).Truncate(time.Millisecond), time.Millisecond)
		}
	}
	return t
}

// timedOut tells a statement stopped by its timeout (Neo4j's or the
// context's) from other failures.
func timedOut(err error) bool {
	var ne *neo4j.Neo4jError
	if errors.As(err, &ne) {
		return strings.HasPrefix(ne.Code, "Neo.ClientError.Transaction.TransactionTimedOut") ||
			ne.Code == "Neo.TransientError.Transaction.Terminated" || ne.Code == "Neo.ClientError.Transaction.Terminated"
	}
	return errors.Is(err, context.DeadlineExceeded)
}
