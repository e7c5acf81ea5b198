package ingest

import (
	"context"
	"net/http"

	"github.com/authgraph/authgraph/schema"
)

// The tenant's MFA factors (GET /guardian/factors, read:guardian_factors):
// each factor's name and whether it is enabled, and on the sms factor the
// selected phone provider (GET /guardian/factors/phone/selected-provider:
// auth0, twilio or phone-message-hook; a tenant where it is not available
// answers 403/404 and the factor has no provider). Factor providers'
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
				if name == "sms" {
					p, err := phoneProvider(ctx, r.api)
					if err != nil {
						return n, err
					}
					if p != "" {
						f["provider"] = p
					}
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

// phoneProvider returns the selected phone (SMS) provider, "" where the
// tenant does not say (403, 404).
func phoneProvider(ctx context.Context, api API) (string, error) {
	p, err := fetch[map[string]any](ctx, api, "guardian/factors/phone/selected-provider")
	if s := apiStatus(err); s == http.StatusNotFound || s == http.StatusForbidden {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return str(p, "provider"), nil
}
