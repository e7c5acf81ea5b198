package ingest

import (
	"context"

	"github.com/auth0/go-auth0/management"

	"github.com/authgraph/authgraph/schema"
)

// Legacy hooks (GET /hooks, read:hooks): name, enabled and trigger. The
// declaration of schema.Hook is the allowlist: the script and the hook's
// dependencies are never copied (its secrets are another endpoint, never
// read).

func init() {
	register(&resource{
		name: "hooks", stage: 1, scope: "read:hooks",
		kinds: []*schema.Kind{schema.Hook},
		probe: func(ctx context.Context, api API) error {
			_, err := fetch[map[string]any](ctx, api, "hooks", management.PerPage(1), management.IncludeTotals(true))
			return err
		},
		run: func(ctx context.Context, r *run) (int, error) {
			return fetchAll(ctx, r.api, "hooks", "hooks", func(obj map[string]any) error {
				id := str(obj, "id")
				if id == "" {
					return nil
				}
				return r.load.Node(ctx, schema.Hook, declaredNode(schema.Hook, obj, id, str(obj, "name")))
			})
		},
	})
}
