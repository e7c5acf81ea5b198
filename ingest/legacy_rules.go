package ingest

import (
	"context"

	"github.com/auth0/go-auth0/management"

	"github.com/authgraph/authgraph/schema"
)

// Legacy rules (GET /rules, read:rules): name, enabled, order and stage.
// The declaration of schema.LegacyRule is the allowlist: the script (which
// may hold hard-coded credentials) is never copied.

func init() {
	register(&resource{
		name: "legacy_rules", stage: 1, scope: "read:rules",
		kinds: []*schema.Kind{schema.LegacyRule},
		probe: func(ctx context.Context, api API) error {
			_, err := fetch[map[string]any](ctx, api, "rules", management.PerPage(1), management.IncludeTotals(true))
			return err
		},
		run: func(ctx context.Context, r *run) (int, error) {
			return fetchAll(ctx, r.api, "rules", "rules", func(obj map[string]any) error {
				id := str(obj, "id")
				if id == "" {
					return nil
				}
				return r.load.Node(ctx, schema.LegacyRule, declaredNode(schema.LegacyRule, obj, id, str(obj, "name")))
			})
		},
	})
}
