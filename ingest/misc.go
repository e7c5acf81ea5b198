package ingest

import (
	"context"
	"sort"
	"time"

	"github.com/auth0/go-auth0/management"

	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

// Small tenant-level resources: custom domains, log streams and actions.

func init() {
	register(&resource{
		name: "custom_domains", stage: 1, scope: "read:custom_domains",
		kinds: []*schema.Kind{schema.CustomDomain},
		probe: func(ctx context.Context, api API) error {
			_, err := api.CustomDomains(ctx)
			return err
		},
		run: func(ctx context.Context, r *run) (int, error) {
			l, err := r.api.CustomDomains(ctx)
			if err != nil {
				return 0, err
			}
			for _, d := range l {
				if err := r.load.Node(ctx, schema.CustomDomain, customDomainNode(d)); err != nil {
					return 0, err
				}
			}
			return len(l), nil
		},
	})
	register(&resource{
		name: "log_streams", stage: 1, scope: "read:log_streams",
		kinds: []*schema.Kind{schema.LogStream},
		probe: func(ctx context.Context, api API) error {
			_, err := api.LogStreams(ctx)
			return err
		},
		run: func(ctx context.Context, r *run) (int, error) {
			l, err := r.api.LogStreams(ctx)
			if err != nil {
				return 0, err
			}
			for _, s := range l {
				// The sink holds tokens and keys: never read it.
				node := store.Node{NativeID: s.GetID(), Name: s.GetName(), Props: props{}.str("type", s.Type).str("status", s.Status)}
				if err := r.load.Node(ctx, schema.LogStream, node); err != nil {
					return 0, err
				}
			}
			return len(l), nil
		},
	})
	register(&resource{
		name: "actions", stage: 1, scope: "read:actions",
		kinds: []*schema.Kind{schema.Action},
		probe: func(ctx context.Context, api API) error {
			_, err := api.Actions(ctx, management.PerPage(1))
			return err
		},
		run: func(ctx context.Context, r *run) (int, error) {
			return eachOffsetPage(ctx, 100, func(opts ...management.RequestOption) (int, int, error) {
				l, err := r.api.Actions(ctx, opts...)
				if err != nil {
					return 0, 0, err
				}
				for _, a := range l.Actions {
					if err := r.load.Node(ctx, schema.Action, actionNode(a)); err != nil {
						return 0, 0, err
					}
				}
				return len(l.Actions), l.Total, nil
			})
		},
	})
}

func customDomainNode(d *management.CustomDomain) store.Node {
	return store.Node{NativeID: d.GetID(), Name: d.GetDomain(), Props: props{}.str("domain", d.Domain).
		bool("primary", d.Primary).str("status", d.Status).str("type", d.Type).str("tls_policy", d.TLSPolicy).
		str("custom_client_ip_header", d.CustomClientIPHeader)}
}

// actionNode keeps the runtime, triggers and the names of secrets; never the
// code or secret values.
func actionNode(a *management.Action) store.Node {
	p := props{}.str("runtime", a.Runtime).str("status", a.Status)
	var triggers []string
	for _, t := range a.SupportedTriggers {
		triggers = append(triggers, t.GetID())
	}
	sort.Strings(triggers)
	if len(triggers) > 0 {
		p["triggers"] = triggers
	}
	p["deployed"] = a.DeployedVersion != nil || a.AllChangesDeployed
	if a.Secrets != nil {
		names := make([]string, 0, len(*a.Secrets))
		for _, s := range *a.Secrets {
			names = append(names, s.GetName())
		}
		p["secret_names"] = names
	}
	if a.CreatedAt != nil {
		p["created_at"] = *a.CreatedAt
	}
	if a.UpdatedAt != nil {
		p["updated_at"] = *a.UpdatedAt
	}
	return store.Node{NativeID: a.GetID(), Name: a.GetName(), Props: p}
}

func timeProp(p props, k string, t *time.Time) {
	if t != nil && !t.IsZero() {
		p[k] = *t
	}
}
