package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

// A statement log holds each read a context ran, with its parameters, and
// Replay runs them again (bench graphql's direct reads).
func TestStatementLogReplays(t *testing.T) {
	st, _, tenant := setup(t)
	ctx := context.Background()
	if err := st.EnsureTenant(ctx, tenant, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := st.UpsertNodes(ctx, tenant, schema.User, 1, []store.Node{{NativeID: "auth0|1"}, {NativeID: "auth0|2"}}); err != nil {
		t.Fatal(err)
	}
	var log store.StatementLog
	lctx := store.WithStatementLog(ctx, &log)
	q := store.ListQuery{Kind: schema.User, Tenant: tenant, Limit: 1}
	if _, err := st.ListPage(lctx, q, nil, true); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AssetsByID(lctx, []string{schema.Key(tenant, schema.User, "auth0|2")}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ListPage(ctx, q, nil, false); err != nil { // not logged
		t.Fatal(err)
	}
	got := log.Statements()
	if len(got) != 2 || !strings.Contains(got[0].Cypher, "total") || got[0].Params["limit"] != 2 || !strings.Contains(got[1].Cypher, "UNWIND $ids0") {
		t.Fatalf("logged statements: %+v", got)
	}
	if err := st.Replay(ctx, got); err != nil {
		t.Fatal(err)
	}
	if err := st.Replay(ctx, []store.Statement{{Cypher: "MATCH (n) RETURN n LIMIT $x"}}); err == nil {
		t.Error("a statement missing its parameter replayed without error")
	}
}
