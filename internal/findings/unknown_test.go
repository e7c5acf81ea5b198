package findings_test

import (
	"context"
	"testing"
	"time"

	"github.com/authgraph/authgraph/ingest"
	"github.com/authgraph/authgraph/internal/auth0sim"
	"github.com/authgraph/authgraph/internal/findings"
)

// TestRulesSayUnknownWithoutDirectPermissions: while a tenant's direct user
// permissions are known for only some users (a budget per sync), the rules
// that require them report the other users they did not flag as unknown —
// not passing — with the reason; once every user is read, nothing is
// unknown. Rules that require nothing never report unknown.
func TestRulesSayUnknownWithoutDirectPermissions(t *testing.T) {
	e := newEnv(t, auth0sim.Config{Seed: 81, Users: 300})
	ctx := context.Background()
	sync := func(budget int) {
		t.Helper()
		if _, err := ingest.Run(ctx, e.st, ingest.Config{
			Credentials: ingest.Credentials{Domain: e.srv.URL, ClientID: e.sim.ClientID(), ClientSecret: e.sim.ClientSecret()},
			Tenant:      e.tenant, UserPermissionsBudget: budget, ExportPoll: 20 * time.Millisecond,
		}); err != nil {
			t.Fatal(err)
		}
	}
	requiring := map[string]bool{}
	for _, r := range builtin(t) {
		if len(r.Requires) > 0 {
			requiring[r.ID] = true
		}
	}
	for _, id := range []string{"user-can-delete-users", "user-direct-management-permission", "user-admin-without-mfa"} {
		if !requiring[id] {
			t.Errorf("rule %s does not require direct_permissions", id)
		}
	}

	sync(50)
	_, unknownUsers, err := e.st.DirectPermissionsCoverage(ctx, e.tenant)
	if err != nil || unknownUsers != 250 {
		t.Fatalf("coverage: %d unknown (%v), want 250", unknownUsers, err)
	}
	eng := findings.New(e.st, builtin(t))
	sum, err := eng.Run(ctx, e.tenant)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Unknown == 0 {
		t.Errorf("summary reports no unknown results: %s", sum.OneLine())
	}
	fs, err := e.st.FindingsSummary(ctx, e.tenant)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range sum.Outcomes {
		switch {
		case requiring[o.Rule]:
			// Every unknown user is either flagged (by a role route) or unknown.
			if o.Unknown <= 0 || o.Unknown > unknownUsers || o.Unknown+o.Failing+o.Suppressed > o.Evaluated {
				t.Errorf("%s: unknown %d, failing %d of %d evaluated (%d users unknown)", o.Rule, o.Unknown, o.Failing, o.Evaluated, unknownUsers)
			}
		case o.Unknown != 0:
			t.Errorf("%s requires nothing but reports %d unknown", o.Rule, o.Unknown)
		}
	}
	for _, rr := range fs.Rules {
		if !requiring[rr.Rule] {
			continue
		}
		want := float64(rr.Evaluated-rr.Failing-rr.Unknown) / float64(rr.Evaluated)
		if rr.Unknown == 0 || rr.UnknownReason == "" || rr.PassRatio() != want {
			t.Errorf("%s stored: unknown %d (%q), pass ratio %.3f, want %.3f", rr.Rule, rr.Unknown, rr.UnknownReason, rr.PassRatio(), want)
		}
	}

	sync(ingest.BudgetUnlimited)
	sum, err = eng.Run(ctx, e.tenant)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Unknown != 0 {
		t.Errorf("every user read, yet %d unknown", sum.Unknown)
	}
}
