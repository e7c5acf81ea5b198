package graph

import (
	"context"

	"github.com/authgraph/authgraph/graph/model"
	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/internal/sqlgraph"
)

// SQL is the resolver for the sql field.
func (r *queryResolver) SQL(ctx context.Context, query string) (*model.SQLResult, error) {
	if r.Resolver.SQL == nil {
		return nil, apperr.New(apperr.Unavailable, "SQL is not configured")
	}
	res, err := r.Resolver.SQL.Query(ctx, query)
	if err != nil {
		return nil, err
	}
	out := &model.SQLResult{
		Columns: res.Columns, Types: res.Types, Rows: res.Rows, RowCount: len(res.Rows),
		Truncated: res.Truncated, ElapsedMs: int(res.Elapsed.Milliseconds()),
	}
	if res.TruncatedReason != "" {
		reason := res.TruncatedReason
		out.TruncatedReason = &reason
	}
	return out, nil
}

// SQLTables is the resolver for the sqlTables field.
func (r *queryResolver) SQLTables(ctx context.Context) ([]*model.SQLTable, error) {
	var out []*model.SQLTable
	for _, t := range sqlgraph.Tables() {
		mt := &model.SQLTable{Name: t.Name}
		if t.Kind != nil {
			k := t.Kind.Name
			mt.Kind = &k
		}
		if t.Rel != nil {
			n := t.Rel.Name()
			mt.Relation = &n
		}
		for _, c := range t.Columns {
			mc := &model.SQLColumn{Name: c.Name, Type: c.TypeName()}
			if c.Doc != "" {
				d := c.Doc
				mc.Doc = &d
			}
			mt.Columns = append(mt.Columns, mc)
		}
		out = append(out, mt)
	}
	return out, nil
}
