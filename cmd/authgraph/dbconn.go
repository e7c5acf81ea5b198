package main

import (
	"context"

	"github.com/authgraph/authgraph/internal/neo4jlocal"
	"github.com/authgraph/authgraph/internal/store"
)

// openStore connects to the Neo4j every command uses: NEO4J_URI (and
// NEO4J_USER / NEO4J_PASSWORD) when set, else the managed local server.
func openStore(ctx context.Context) (*store.Store, error) {
	t := neo4jlocal.ResolveTarget(neo4jlocal.DefaultDir())
	return store.Open(ctx, t.URI, t.User, t.Password)
}
