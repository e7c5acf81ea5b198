package ingest

import (
	"context"
	"net/http"

	"github.com/authgraph/authgraph/schema"
)

// The tenant's email provider (GET /emails/provider, read:email_provider):
// name, enabled and the default From address. The declaration of
// schema.EmailProvider is the allowlist: credentials and settings are never
// copied. A tenant without a provider answers 404: that is a complete
// answer (none), recorded as a node with configured=false named "none", so
// a rule can tell "none configured" from "not collected" (no node: the
// scope is missing or the read failed).

func init() {
	register(&resource{
		name: "email_provider", stage: 1, scope: "read:email_provider",
		kinds: []*schema.Kind{schema.EmailProvider},
		probe: func(ctx context.Context, api API) error {
			_, err := emailProvider(ctx, api)
			return err
		},
		run: func(ctx context.Context, r *run) (int, error) {
			p, err := emailProvider(ctx, r.api)
			if err != nil {
				return 0, err
			}
			if p == nil {
				p = map[string]any{"name": "none", "enabled": false, "configured": false}
			} else {
				p["configured"] = true
			}
			return 1, r.load.Node(ctx, schema.EmailProvider, declaredNode(schema.EmailProvider, p, r.tenant, str(p, "name")))
		},
	})
}

// emailProvider returns the provider, or nil when none is configured.
func emailProvider(ctx context.Context, api API) (map[string]any, error) {
	p, err := fetch[map[string]any](ctx, api, "emails/provider")
	if apiStatus(err) == http.StatusNotFound {
		return nil, nil
	}
	return p, err
}
