package ingest

import (
	"context"

	"github.com/authgraph/authgraph/schema"
)

// The tenant's signing keys (GET /keys/signing): which key signs tokens,
// which comes next, which are revoked. The declaration of schema.SigningKey
// is the allowlist: the certificates (cert, pkcs7) and fingerprints are
// never copied.

func init() {
	register(&resource{
		name: "signing_keys", stage: 1, scope: "read:signing_keys",
		kinds: []*schema.Kind{schema.SigningKey},
		probe: func(ctx context.Context, api API) error {
			_, err := fetch[[]map[string]any](ctx, api, "keys/signing")
			return err
		},
		run: func(ctx context.Context, r *run) (int, error) {
			keys, err := fetch[[]map[string]any](ctx, r.api, "keys/signing")
			if err != nil {
				return 0, err
			}
			for _, k := range keys {
				kid := str(k, "kid")
				if kid == "" {
					continue // no key id, nothing to key it by
				}
				if err := r.load.Node(ctx, schema.SigningKey, declaredNode(schema.SigningKey, k, kid, kid)); err != nil {
					return 0, err
				}
			}
			return len(keys), nil
		},
	})
}
