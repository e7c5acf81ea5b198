package ingest

import (
	"context"
	"strings"

	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

// The tenant's MFA policy (GET /guardian/policies, read:mfa_policies): when
// Auth0 asks for a second factor. Auth0 answers a list: [] means never,
// ["all-applications"] always, ["confidence-score"] when the login looks
// risky. One node per tenant, keyed by the tenant like its settings.

func init() {
	register(&resource{
		name: "mfa_policy", stage: 1, scope: "read:mfa_policies",
		kinds: []*schema.Kind{schema.MfaPolicy},
		probe: func(ctx context.Context, api API) error {
			_, err := fetch[[]string](ctx, api, "guardian/policies")
			return err
		},
		run: func(ctx context.Context, r *run) (int, error) {
			policies, err := fetch[[]string](ctx, r.api, "guardian/policies")
			if err != nil {
				return 0, err
			}
			return 1, r.load.Node(ctx, schema.MfaPolicy, store.Node{NativeID: r.tenant, Name: "MFA policy",
				Props: props{"policy": mfaPolicy(policies)}})
		},
	})
}

// mfaPolicy names what a policy list means ("never" for none).
func mfaPolicy(policies []string) string {
	var out []string
	for _, p := range policies {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return "never"
	}
	return strings.Join(out, ",")
}
