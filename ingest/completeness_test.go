package ingest_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/authgraph/authgraph/ingest"
	"github.com/authgraph/authgraph/internal/auth0sim"
	"github.com/authgraph/authgraph/schema"
)

// TestIncompletenessIsRecorded: a sync that reads the direct permissions of
// only some users (the budget, set through the old limit) and skips custom
// domains (plan) says so in its summary and on its Sync record, naming the
// relations and kinds that lack data and why.
func TestIncompletenessIsRecorded(t *testing.T) {
	e := newEnv(t, auth0sim.Config{Seed: 52, Users: 120, Plan: auth0sim.PlanFree})
	sum := e.sync(func(c *ingest.Config) { c.UserPermissionsLimit = 50 })
	if sum.Status != "ok" {
		t.Fatalf("status %s, failed %v", sum.Status, sum.Failed)
	}
	byRes := map[string]int{}
	for i, inc := range sum.Incomplete {
		byRes[inc.Resource] = i
	}
	up, ok := byRes["user_permissions"]
	if !ok {
		t.Fatalf("summary incomplete %+v lacks user_permissions", sum.Incomplete)
	}
	if inc := sum.Incomplete[up]; !slices.Contains(inc.Relations, schema.RelHasPermission.Name()) || !strings.Contains(inc.Reason, "user-permissions-budget") || !strings.Contains(inc.Reason, "70 of 120 users") {
		t.Errorf("user_permissions incompleteness %+v", inc)
	}
	cd, ok := byRes["custom_domains"]
	if !ok || !slices.Contains(sum.Incomplete[cd].Kinds, schema.CustomDomain.Name) || !strings.Contains(sum.Incomplete[cd].Reason, "plan") {
		t.Errorf("custom domains incompleteness missing or wrong: %+v", sum.Incomplete)
	}
	syncs, err := e.st.Syncs(context.Background(), e.tenant, 1)
	if err != nil || len(syncs) != 1 {
		t.Fatalf("syncs %+v, %v", syncs, err)
	}
	if got := syncs[0].Incomplete; len(got) != len(sum.Incomplete) || got[up].Reason != sum.Incomplete[up].Reason ||
		!slices.Equal(got[up].Relations, sum.Incomplete[up].Relations) {
		t.Errorf("Sync record incomplete %+v, summary %+v", got, sum.Incomplete)
	}

	// A complete sync says nothing is missing.
	full := newEnv(t, auth0sim.Config{Seed: 53, Users: 60})
	if s := full.sync(); len(s.Incomplete) != 0 {
		t.Errorf("complete sync reports incomplete %+v", s.Incomplete)
	}
}
