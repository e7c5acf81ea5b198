package ingest

import (
	"context"
	"encoding/json"

	"github.com/auth0/go-auth0/management"

	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

func init() {
	register(&resource{
		name: "connections", stage: 1, scope: "read:connections",
		kinds: []*schema.Kind{schema.Connection},
		probe: func(ctx context.Context, api API) error {
			_, err := api.Connections(ctx, management.PerPage(1))
			return err
		},
		run: runConnections,
	})
	// Which clients use a connection is known from the connections list,
	// but the clients are loaded in stage 1 too: link them after the barrier.
	register(&resource{
		name: "connection_clients", stage: 2, scope: "read:connections",
		rels: []*schema.Relation{schema.RelUsesConnection},
		run: func(ctx context.Context, r *run) (int, error) {
			if !r.state.connectionsOK {
				return 0, errIncompleteInput("connections")
			}
			n := 0
			for conn, clients := range r.state.connClients {
				for _, c := range clients {
					if err := r.load.Rel(ctx, schema.RelUsesConnection, store.Rel{From: c, To: conn}); err != nil {
						return n, err
					}
					n++
				}
			}
			return n, nil
		},
	})
}

func runConnections(ctx context.Context, r *run) (int, error) {
	byName := map[string]string{}
	clients := map[string][]string{}
	n, err := eachOffsetPage(ctx, 100, func(opts ...management.RequestOption) (int, int, error) {
		l, err := r.api.Connections(ctx, opts...)
		if err != nil {
			return 0, 0, err
		}
		for _, c := range l.Connections {
			if err := r.load.Node(ctx, schema.Connection, connectionNode(c)); err != nil {
				return 0, 0, err
			}
			byName[c.GetName()] = c.GetID()
			clients[c.GetID()] = strs(c.EnabledClients)
		}
		return len(l.Connections), l.Total, nil
	})
	if err != nil {
		return n, err
	}
	r.state.mu.Lock()
	r.state.connByName, r.state.connClients, r.state.connectionsOK = byName, clients, true
	r.state.mu.Unlock()
	return n, nil
}

// connectionNode stores only allowlisted, non-secret options. Options are
// decoded by strategy in go-auth0 (and vary in shape), so they are read back
// as a generic map.
func connectionNode(c *management.Connection) store.Node {
	p := props{}.str("strategy", c.Strategy).str("display_name", c.DisplayName).
		bool("is_domain_connection", c.IsDomainConnection).bool("show_as_button", c.ShowAsButton).
		list("realms", c.Realms)
	opts := map[string]any{}
	if c.Options != nil {
		if b, err := json.Marshal(c.Options); err == nil {
			_ = json.Unmarshal(b, &opts)
		}
	}
	if v, ok := opts["passwordPolicy"].(string); ok && v != "" {
		p["password_policy"] = v
	}
	if m, ok := opts["password_complexity_options"].(map[string]any); ok {
		if v, ok := m["min_length"].(float64); ok {
			p["password_min_length"] = int(v)
		}
	}
	if m, ok := opts["password_history"].(map[string]any); ok {
		if v, ok := m["enable"].(bool); ok {
			p["password_history_enabled"] = v
		}
	}
	if m, ok := opts["password_no_personal_info"].(map[string]any); ok {
		if v, ok := m["enable"].(bool); ok {
			p["password_no_personal_info"] = v
		}
	}
	if m, ok := opts["password_dictionary"].(map[string]any); ok {
		if v, ok := m["enable"].(bool); ok {
			p["password_dictionary_enabled"] = v
		}
	}
	for _, f := range []struct{ opt, prop string }{
		{"brute_force_protection", "brute_force_protection"},
		{"disable_signup", "disable_signup"},
		{"requires_username", "requires_username"},
	} {
		if v, ok := opts[f.opt].(bool); ok {
			p[f.prop] = v
		}
	}
	if m, ok := opts["mfa"].(map[string]any); ok {
		if v, ok := m["active"].(bool); ok {
			p["mfa_active"] = v
		}
	}
	if socialStrategy(c.GetStrategy()) {
		id, _ := opts["client_id"].(string)
		p["uses_dev_keys"] = id == ""
	}
	return store.Node{NativeID: c.GetID(), Name: c.GetName(), Props: p}
}

func socialStrategy(s string) bool {
	switch s {
	case "google-oauth2", "facebook", "github", "twitter", "linkedin", "apple", "windowslive", "amazon", "bitbucket", "dropbox", "paypal", "salesforce", "shopify", "slack", "box", "discord", "line":
		return true
	}
	return false
}
