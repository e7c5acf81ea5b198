package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/authgraph/authgraph/internal/apperr"
)

// requireAssets fails with apperr.NotFound naming the first id that names
// no asset, so that a mistyped id never reads as an empty answer ("no
// access", "no path"). Malformed ids fail as KindOfID says. One round trip,
// one constrained lookup per id.
func (s *Store) requireAssets(ctx context.Context, ids ...string) error {
	parts := make([]string, len(ids))
	params := make(map[string]any, len(ids))
	for i, id := range ids {
		k, err := KindOfID(id)
		if err != nil {
			return err
		}
		p := fmt.Sprintf("id%d", i)
		params[p] = id
		parts[i] = fmt.Sprintf("EXISTS { MATCH (:%s {id: $%s}) } AS e%d", k.Label, p, i)
	}
	rows, err := s.query(ctx, "RETURN "+strings.Join(parts, ", "), params)
	if err != nil {
		return err
	}
	for i, id := range ids {
		if len(rows) == 0 || rows[0][fmt.Sprintf("e%d", i)] != true {
			return apperr.New(apperr.NotFound, "no asset with id %q", id)
		}
	}
	return nil
}
