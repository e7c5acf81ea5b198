package ingest

import (
	"context"

	"github.com/auth0/go-auth0/management"

	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

func init() {
	register(&resource{
		name: "clients", stage: 1, scope: "read:clients",
		kinds: []*schema.Kind{schema.Client},
		probe: func(ctx context.Context, api API) error {
			_, err := api.Clients(ctx, management.PerPage(1))
			return err
		},
		run: func(ctx context.Context, r *run) (int, error) {
			return eachOffsetPage(ctx, 100, func(opts ...management.RequestOption) (int, int, error) {
				l, err := r.api.Clients(ctx, opts...)
				if err != nil {
					return 0, 0, err
				}
				for _, c := range l.Clients {
					if err := r.load.Node(ctx, schema.Client, clientNode(c)); err != nil {
						return 0, 0, err
					}
				}
				return len(l.Clients), l.Total, nil
			})
		},
	})
}

// clientNode keeps the configuration rules need. client_secret,
// signing_keys, encryption_key and client_metadata are never read into it.
func clientNode(c *management.Client) store.Node {
	p := props{}.str("description", c.Description).str("app_type", c.AppType).
		bool("is_first_party", c.IsFirstParty).bool("oidc_conformant", c.OIDCConformant).
		list("callbacks", c.Callbacks).list("allowed_origins", c.AllowedOrigins).list("web_origins", c.WebOrigins).
		list("allowed_logout_urls", c.AllowedLogoutURLs).list("allowed_clients", c.AllowedClients).
		list("grant_types", c.GrantTypes).str("token_endpoint_auth_method", c.TokenEndpointAuthMethod).
		bool("cross_origin_authentication", c.CrossOriginAuth).bool("sso", c.SSO).bool("sso_disabled", c.SSODisabled).
		bool("require_pushed_authorization_requests", c.RequirePushedAuthorizationRequests).
		bool("require_proof_of_possession", c.RequireProofOfPossession).
		str("organization_usage", c.OrganizationUsage).str("organization_require_behavior", c.OrganizationRequireBehavior).
		str("initiate_login_uri", c.InitiateLoginURI)
	if c.GetName() == "All Applications" || c.GetClientID() == "" {
		p["is_global"] = true
	}
	if j := c.JWTConfiguration; j != nil {
		p.str("jwt_alg", j.Algorithm).int("jwt_lifetime_in_seconds", j.LifetimeInSeconds)
	}
	if rt := c.RefreshToken; rt != nil {
		p.str("refresh_token_rotation_type", rt.RotationType).str("refresh_token_expiration_type", rt.ExpirationType).
			bool("refresh_token_infinite_lifetime", rt.InfiniteTokenLifetime).
			bool("refresh_token_infinite_idle_lifetime", rt.InfiniteIdleTokenLifetime).
			int("refresh_token_lifetime", rt.TokenLifetime).int("refresh_token_idle_lifetime", rt.IdleTokenLifetime)
	}
	if c.OIDCLogout != nil {
		p.list("backchannel_logout_urls", c.OIDCLogout.BackChannelLogoutURLs)
	} else if c.OIDCBackchannelLogout != nil {
		p.list("backchannel_logout_urls", c.OIDCBackchannelLogout.BackChannelLogoutURLs)
	}
	// Whether the client authenticates itself, without keeping the secret.
	method := c.GetTokenEndpointAuthMethod()
	p["confidential"] = method != "none" && (c.GetClientSecret() != "" || method == "private_key_jwt")
	return store.Node{NativeID: c.GetClientID(), Name: c.GetName(), Props: p}
}
