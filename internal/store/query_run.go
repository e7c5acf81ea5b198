package store

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// QueryCounter counts the database round trips made by the read queries of
// this package (query_*.go and the console) under a context. The GraphQL
// layer's N+1 test and the request metrics use it.
type QueryCounter struct{ n atomic.Int64 }

// Count returns the number of round trips counted so far.
func (c *QueryCounter) Count() int64 { return c.n.Load() }

type counterKey struct{}

// WithQueryCounter returns a context under which every read round trip of
// this package adds one to c.
func WithQueryCounter(ctx context.Context, c *QueryCounter) context.Context {
	return context.WithValue(ctx, counterKey{}, c)
}

func countQuery(ctx context.Context) {
	if c, ok := ctx.Value(counterKey{}).(*QueryCounter); ok && c != nil {
		c.n.Add(1)
	}
}

// Statement is one read statement with its parameters.
type Statement struct {
	Cypher string
	Params map[string]any
}

// StatementLog records the read statements of this package run under a
// context, in the order they started: bench graphql replays a request's
// statements straight through the driver (Replay) to measure what GraphQL
// and HTTP add to the reads.
type StatementLog struct {
	mu   sync.Mutex
	list []Statement
}

// Statements returns what was recorded.
func (l *StatementLog) Statements() []Statement {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Statement(nil), l.list...)
}

type statementLogKey struct{}

// WithStatementLog returns a context under which every read statement of
// this package is recorded in l.
func WithStatementLog(ctx context.Context, l *StatementLog) context.Context {
	return context.WithValue(ctx, statementLogKey{}, l)
}

func logStatement(ctx context.Context, cypher string, params map[string]any) {
	if l, ok := ctx.Value(statementLogKey{}).(*StatementLog); ok && l != nil {
		l.mu.Lock()
		l.list = append(l.list, Statement{Cypher: cypher, Params: params})
		l.mu.Unlock()
	}
}

// Replay runs statements one after the other as this package's reads run
// them (auto-commit READ transactions, every record decoded) and discards
// the rows.
func (s *Store) Replay(ctx context.Context, stmts []Statement) error {
	for _, st := range stmts {
		if _, err := s.autoRead(ctx, st.Cypher, st.Params); err != nil {
			return err
		}
	}
	return nil
}

// QueryObserver, when set (once, at start-up), is told the duration and
// outcome of every read round trip (metrics).
var QueryObserver func(d time.Duration, err error)

// query runs one read statement and returns its rows. It is an auto-commit
// transaction in a READ session: RUN and PULL go out together, one network
// round trip, where a managed transaction adds BEGIN and COMMIT. The API's
// reads are single statements, so nothing is lost; a connectivity failure
// is classified like every store error.
func (s *Store) query(ctx context.Context, cypher string, params map[string]any) ([]map[string]any, error) {
	countQuery(ctx)
	logStatement(ctx, cypher, params)
	start := time.Now()
	rows, err := s.autoRead(ctx, cypher, params)
	if QueryObserver != nil {
		QueryObserver(time.Since(start), err)
	}
	return rows, err
}

func (s *Store) autoRead(ctx context.Context, cypher string, params map[string]any) ([]map[string]any, error) {
	ctx, cancel, timeout := s.boundRead(ctx)
	defer cancel()
	sess := s.driver.NewSession(ctx, neo4j.SessionConfig{AccessMode: neo4j.AccessModeRead, DatabaseName: s.db})
	defer sess.Close(ctx)
	res, err := sess.Run(ctx, cypher, params, timeout)
	if err != nil {
		return nil, wrapReadErr(ctx, err)
	}
	var rows []map[string]any
	for res.Next(ctx) {
		rows = append(rows, res.Record().AsMap())
	}
	if err := res.Err(); err != nil {
		return nil, wrapReadErr(ctx, err)
	}
	return rows, nil
}

// queryRows runs a read statement whose rows have the columns cols and
// returns them as query does, but sent by Neo4j as one record holding the
// list of rows: Bolt's cost per record dominates small rows (a hundred
// records cost Neo4j about twice the CPU of one record with a hundred
// entries), and the hot reads return tens to hundreds of them. The
// statement becomes a subquery, so it keeps its own order.
func (s *Store) queryRows(ctx context.Context, cypher string, params map[string]any, cols ...string) ([]map[string]any, error) {
	recs, err := s.query(ctx, "CALL () {\n"+cypher+"\n}\nRETURN collect(["+strings.Join(cols, ", ")+"]) AS rows", params)
	if err != nil || len(recs) == 0 {
		return nil, err
	}
	list, _ := recs[0]["rows"].([]any)
	out := make([]map[string]any, 0, len(list))
	for _, x := range list {
		vals, _ := x.([]any)
		if len(vals) != len(cols) {
			continue
		}
		row := make(map[string]any, len(cols))
		for i, c := range cols {
			row[c] = vals[i]
		}
		out = append(out, row)
	}
	return out, nil
}
