package store

import (
	"context"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"strings"
	"sync/atomic"
	"time"
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
