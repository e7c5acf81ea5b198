package ingest

import (
	"context"

	"github.com/authgraph/authgraph/schema"
)

// The tenant's MFA factors (GET /guardian/factors, read:guardian_factors):
// each factor's name and whether it is enabled. Factor providers'
// credentials (Twilio, SNS, Duo) live on other endpoints, never read.

func init() {
	register(&resource{
		name: "guardian_factors", stage: 1, scope: "read:guardian_factors",
		kinds: []*schema.Kind{schema.GuardianFactor},
		probe: func(ctx context.Context, api API) error {
			_, err := fetch[[]map[string]any](ctx, api, "guardian/factors")
			return err
		},
		run: func(ctx context.Context, r *run) (int, error) {
			factors, err := fetch[[]map[string]any](ctx, r.api, "guardian/factors")
			if err != nil {
				return 0, err
			}
			n := 0
			for _, f := range factors {
				name := str(f, "name")
				if name == "" {
					continue
				}
				if err := r.load.Node(ctx, schema.GuardianFactor, declaredNode(schema.GuardianFactor, f, name, name)); err != nil {
					return n, err
				}
				n++
			}
			return n, nil
		},
	})
}
