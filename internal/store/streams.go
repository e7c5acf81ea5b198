package store

import (
	"context"
	"fmt"

	"github.com/authgraph/authgraph/internal/apperr"
)

// SetStreamToken records tokenID as the API token of tenant's stream (the
// only token its /hooks endpoints accept) and returns the one it replaces
// ("" when none), which the caller revokes.
func (s *Store) SetStreamToken(ctx context.Context, tenant, tokenID string) (string, error) {
	rows, _, err := s.writeRows(ctx, fmt.Sprintf(`MATCH (c:%s {name: $name})
WITH c, c.stream_token_id AS prev
SET c.stream_token_id = $id
RETURN coalesce(prev, '') AS prev`, ConnectedTenantLabel), map[string]any{"name": tenant, "id": tokenID})
	if err != nil {
		return "", err
	}
	if len(rows) == 0 {
		return "", apperr.New(apperr.NotFound, "no connected tenant %q (see `authgraph tenants list`)", tenant)
	}
	return str(rows[0]["prev"]), nil
}

// StreamTokenID returns the public id of the token of tenant's stream (""
// when no stream is configured), or NotFound for a tenant not connected.
func (s *Store) StreamTokenID(ctx context.Context, tenant string) (string, error) {
	rows, err := s.readRows(ctx, fmt.Sprintf(`MATCH (c:%s {name: $name}) RETURN coalesce(c.stream_token_id, '') AS id`, ConnectedTenantLabel),
		map[string]any{"name": tenant})
	if err != nil {
		return "", err
	}
	if len(rows) == 0 {
		return "", apperr.New(apperr.NotFound, "no connected tenant %q", tenant)
	}
	return str(rows[0]["id"]), nil
}
