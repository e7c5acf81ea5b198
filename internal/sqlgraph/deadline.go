package sqlgraph

import (
	"context"

	"github.com/dolthub/go-mysql-server/sql"
)

// The statement's time limit stops its Neo4j reads, but the engine's own
// work between them never looks at the context: a join pairing every role
// with every user of a tenant ran 5.4 s under a 2 s limit, a bigger one
// for minutes. The
// work that can grow so sits in the loops of joins over rows held in memory
// (a hash join's lookup, a nested loop's cached inner side): each build of
// those, once per outer row, and every 256th row they give look at it.

// checkEvery is how many rows pass between two looks at the context.
const checkEvery = 256

type buildingKey struct{}

// deadlined builds n as the engine does, in an iterator that stops with the
// context's error once it has ended.
func (e *execBuilder) deadlined(ctx *sql.Context, n sql.Node, row sql.Row) (sql.RowIter, error) {
	if ctx.Value(buildingKey{}) == n {
		return nil, nil // the engine's own build, asked of us first
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	it, err := e.full.Build(ctx.WithContext(context.WithValue(ctx.Context, buildingKey{}, n)), n, row)
	if err != nil {
		return nil, err
	}
	return &deadlineIter{RowIter: it}, nil
}

type deadlineIter struct {
	sql.RowIter
	n int
}

func (d *deadlineIter) Next(ctx *sql.Context) (sql.Row, error) {
	if d.n++; d.n%checkEvery == 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	return d.RowIter.Next(ctx)
}
