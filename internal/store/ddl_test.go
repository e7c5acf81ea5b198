package store_test

import (
	"context"
	"testing"
)

// A (property) index of an earlier version is replaced by the (property, id)
// one when the schema is ensured.
func TestEnsureSchemaReplacesSinglePropertyIndexes(t *testing.T) {
	st, d, _ := setup(t)
	ctx := context.Background()
	query(t, d, "DROP INDEX auth0client_app_type_id IF EXISTS", nil)
	query(t, d, "CREATE INDEX auth0client_app_type IF NOT EXISTS FOR (n:Auth0Client) ON (n.app_type)", nil)
	if err := st.EnsureSchema(ctx); err != nil {
		t.Fatal(err)
	}
	recs := query(t, d, "SHOW RANGE INDEXES YIELD name WHERE name STARTS WITH 'auth0client_app_type' RETURN collect(name) AS names", nil)
	names, _ := recs[0].Get("names")
	if l, _ := names.([]any); len(l) != 1 || l[0] != "auth0client_app_type_id" {
		t.Errorf("indexes after EnsureSchema: %v", names)
	}
}
