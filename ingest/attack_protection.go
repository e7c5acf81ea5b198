package ingest

import (
	"context"

	"github.com/authgraph/authgraph/schema"
)

// The tenant's attack protections (GET /attack-protection/…,
// read:attack_protection): brute-force protection, suspicious-IP throttling
// and breached-password detection, one node each, with whether it is on and
// what it does when it triggers. The node's `protection` says which one.

// attackProtections maps each endpoint to the node's native id and name.
var attackProtections = []struct{ path, protection, name string }{
	{"attack-protection/brute-force-protection", "brute_force", "Brute-force protection"},
	{"attack-protection/suspicious-ip-throttling", "suspicious_ip_throttling", "Suspicious IP throttling"},
	{"attack-protection/breached-password-detection", "breached_password_detection", "Breached password detection"},
}

func init() {
	register(&resource{
		name: "attack_protection", stage: 1, scope: "read:attack_protection",
		kinds: []*schema.Kind{schema.AttackProtection},
		probe: func(ctx context.Context, api API) error {
			_, err := fetch[map[string]any](ctx, api, attackProtections[0].path)
			return err
		},
		run: func(ctx context.Context, r *run) (int, error) {
			n := 0
			for _, p := range attackProtections {
				obj, err := fetch[map[string]any](ctx, r.api, p.path)
				if err != nil {
					return n, err
				}
				node := declaredNode(schema.AttackProtection, obj, p.protection, p.name)
				node.Props["protection"] = p.protection
				if p.protection == "suspicious_ip_throttling" {
					// Its attempts are per stage; the login's is the one comparable to brute force's.
					delete(node.Props, "max_attempts")
					if v, ok := convert(schema.Int, lookup(obj, "stage.pre-login.max_attempts")); ok {
						node.Props["max_attempts"] = v
					}
				}
				if err := r.load.Node(ctx, schema.AttackProtection, node); err != nil {
					return n, err
				}
				n++
			}
			return n, nil
		},
	})
}
