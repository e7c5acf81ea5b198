package ingest

import (
	"context"

	"github.com/auth0/go-auth0/management"

	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

func init() {
	register(&resource{
		name: "tenant_settings", stage: 1, scope: "read:tenant_settings",
		kinds: []*schema.Kind{schema.TenantSettings},
		rels:  []*schema.Relation{schema.RelHasSettings},
		run: func(ctx context.Context, r *run) (int, error) {
			t, err := r.api.TenantSettings(ctx)
			if err != nil {
				return 0, err
			}
			if err := r.load.Node(ctx, schema.TenantSettings, tenantSettingsNode(r.tenant, t)); err != nil {
				return 0, err
			}
			return 1, r.load.Rel(ctx, schema.RelHasSettings, store.Rel{From: r.tenant, To: r.tenant})
		},
	})
}

// tenantSettingsNode keys the settings by tenant domain (they have no id)
// and flattens the security-relevant flags.
func tenantSettingsNode(tenant string, t *management.Tenant) store.Node {
	p := props{}.
		str("friendly_name", t.FriendlyName).str("support_email", t.SupportEmail).str("support_url", t.SupportURL).
		str("default_audience", t.DefaultAudience).str("default_directory", t.DefaultDirectory).
		float("session_lifetime", t.SessionLifetime).float("idle_session_lifetime", t.IdleSessionLifetime).
		str("sandbox_version", t.SandboxVersion).list("enabled_locales", t.EnabledLocales).
		list("allowed_logout_urls", t.AllowedLogoutURLs)
	if t.SessionCookie != nil {
		p.str("session_cookie_mode", t.SessionCookie.Mode)
	}
	if f := t.Flags; f != nil {
		p.bool("flag_allow_legacy_ro_grant_types", f.AllowLegacyROGrantTypes).
			bool("flag_allow_legacy_delegation_grant_types", f.AllowLegacyDelegationGrantTypes).
			bool("flag_allow_legacy_tokeninfo_endpoint", f.AllowLegacyTokenInfoEndpoint).
			bool("flag_enable_idtoken_api2", f.EnableIDTokenAPI2).
			bool("flag_enable_dynamic_client_registration", f.EnableDynamicClientRegistration).
			bool("flag_enable_client_connections", f.EnableClientConnections).
			bool("flag_enable_public_signup_user_exists_error", f.EnablePublicSignupUserExistsError).
			bool("flag_disable_clickjack_protection_headers", f.DisableClickjackProtectionHeaders).
			bool("flag_enable_apis_section", f.EnableAPIsSection).
			bool("flag_enable_pipeline2", f.EnablePipeline2).
			bool("flag_enable_legacy_profile", f.EnableLegacyProfile).
			bool("flag_revoke_refresh_token_grant", f.RevokeRefreshTokenGrant).
			bool("flag_no_disclose_enterprise_connections", f.NoDisclosureEnterpriseConnections).
			bool("flag_disable_management_api_sms_obfuscation", f.DisableManagementAPISMSObfuscation)
	}
	name := t.GetFriendlyName()
	if name == "" {
		name = tenant + " settings"
	}
	return store.Node{NativeID: tenant, Name: name, Props: p}
}
