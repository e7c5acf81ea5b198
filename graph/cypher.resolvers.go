package graph

import (
	"context"

	"github.com/authgraph/authgraph/graph/model"
)

// Cypher is the resolver for the cypher field.
func (r *queryResolver) Cypher(ctx context.Context, query string, params map[string]any) (*model.CypherResult, error) {
	res, err := r.Store.Console(ctx, query, params, r.Console)
	if err != nil {
		return nil, err
	}
	out := &model.CypherResult{
		Columns: res.Columns, Rows: res.Rows, RowCount: len(res.Rows),
		Graph: model.SubgraphFrom(res.Graph), Truncated: res.Truncated,
		ElapsedMs: int(res.Elapsed.Milliseconds()),
	}
	if res.TruncatedReason != "" {
		reason := res.TruncatedReason
		out.TruncatedReason = &reason
	}
	return out, nil
}
