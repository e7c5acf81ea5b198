package schema

// The kinds of asset. Labels are a contract (docs/graph-model.md); property
// names are ours and documented in docs/data-model.md (generated from here).

var Tenant = &Kind{
	Name: "Tenant", Label: "Auth0Tenant", Slug: "tenant",
	Doc:      "An Auth0 tenant: the root every asset of it hangs from by RESOURCE.",
	NativeID: "the tenant domain",
	Props: []Property{
		{Name: "domain", Type: String, Search: true, Doc: "tenant domain as connected"},
		{Name: "last_sync_status", Type: String, Doc: "status of the newest sync"},
		{Name: "last_sync_at", Type: Int, Doc: "epoch ms when the newest sync finished"},
	},
	API: API{File: "tenants", Doc: "A collected Auth0 tenant: the root of its assets."},
	UI:  UI{Label: "Tenant", Plural: "Tenants", Color: "#111827"},
}

// DirectPermissionsAt is the User property that says the user's direct
// permissions are known (the coverage marker rules and the UI query).
const DirectPermissionsAt = "direct_permissions_at"

var User = &Kind{
	Name: "User", Label: "Auth0User", Slug: "user",
	Doc:      "A user of the tenant (any connection).",
	NativeID: "user_id, e.g. auth0|123",
	Props: []Property{
		{Name: "email", Type: String, Search: true, Index: true},
		{Name: "email_verified", Type: Bool},
		{Name: "username", Type: String, Search: true},
		{Name: "nickname", Type: String, Search: true},
		{Name: "given_name", Type: String},
		{Name: "family_name", Type: String},
		{Name: "phone_number", Type: String},
		{Name: "phone_verified", Type: Bool},
		{Name: "connection", Type: String, Index: true, Doc: "name of the primary identity's connection"},
		{Name: "provider", Type: String, Doc: "provider of the primary identity"},
		{Name: "blocked", Type: Bool},
		{Name: "multifactor", Type: StringList, Doc: "enrolled MFA providers"},
		{Name: "mfa_enrolled", Type: Bool, Doc: "true when multifactor is not empty"},
		{Name: "created_at", Type: Time},
		{Name: "updated_at", Type: Time},
		{Name: "last_login", Type: Time, Index: true},
		{Name: "last_ip", Type: String},
		{Name: "logins_count", Type: Int},
		{Name: DirectPermissionsAt, Type: Time, Kept: true, Doc: "when the user's direct permissions (HAS_PERMISSION) were last read completely; " +
			"absent: not yet known (a large tenant's users are read a budget per sync), and rules that depend on them say unknown"},
	},
	API: API{File: "users", List: "users", Filters: []Filter{
		NameFilter,
		{Field: "email", Prop: "email", Op: Text},
		{Field: "connection", Prop: "connection", Op: Equals, Doc: "Name of the primary identity's connection."},
		{Field: "blocked", Prop: "blocked", Op: Flag},
		{Field: "emailVerified", Prop: "email_verified", Op: Flag},
		{Field: "mfaEnrolled", Prop: "mfa_enrolled", Op: Flag},
		{Field: "lastLogin", Prop: "last_login", Op: During},
		{Field: "createdAt", Prop: "created_at", Op: During},
		{Field: "directPermissionsAt", Prop: DirectPermissionsAt, Op: During, Doc: "When the user's direct permissions were last read; isNull: true lists the users whose direct permissions are not yet known."},
	}},
	UI: UI{Label: "User", Plural: "Users", Color: "#2563eb", Columns: []Column{
		NameCol,
		{Field: "email", Label: "Email", Sort: true},
		{Field: "connection", Label: "Connection", Sort: true, Wide: true},
		{Field: "mfaEnrolled", Label: "MFA", Format: FormatBool, Sort: true},
		{Field: "blocked", Label: "Blocked", Format: FormatBool, Sort: true, Wide: true},
		{Field: "lastLogin", Label: "Last login", Format: FormatTime, Sort: true, Wide: true},
		{Field: "loginsCount", Label: "Logins", Format: FormatNumber, Sort: true, Wide: true},
		TenantCol,
	}},
}

var Role = &Kind{
	Name: "Role", Label: "Auth0Role", Slug: "role",
	Doc:      "A tenant-wide role (RBAC).",
	NativeID: "role id, e.g. rol_…",
	Props: []Property{
		{Name: "description", Type: String},
	},
	API: API{File: "rbac", Doc: "A tenant-wide role.", List: "roles", Filters: []Filter{NameFilter}},
	UI: UI{Label: "Role", Plural: "Roles", Color: "#db2777", Columns: []Column{
		NameCol, {Field: "description", Label: "Description"}, TenantCol,
	}},
}

var Permission = &Kind{
	Name: "Permission", Label: "Auth0Permission", Slug: "permission",
	Doc:      "One scope value of a resource server (API), e.g. read:users on the Management API.",
	NativeID: "<resource server identifier>|<scope value>",
	Props: []Property{
		{Name: "value", Type: String, Index: true, Doc: "the scope value (also the name, which is searched)"},
		{Name: "resource_server_identifier", Type: String, Index: true, Doc: "identifier (audience) of the API"},
		{Name: "description", Type: String},
		{Name: "defined", Type: Bool, Doc: "false when only referenced (by a role or grant) but not defined by an existing API"},
		{Name: "is_management_api", Type: Bool},
	},
	API: API{File: "rbac", Doc: "One scope value of an API.", List: "permissions", Filters: []Filter{
		NameFilter,
		{Field: "value", Prop: "value", Op: Text},
		{Field: "audience", Prop: "resource_server_identifier", Op: Equals, Doc: "Identifier (audience) of the API."},
		{Field: "defined", Prop: "defined", Op: Flag},
	}},
	UI: UI{Label: "Permission", Plural: "Permissions", Color: "#d97706", DefaultSort: "value", Columns: []Column{
		{Field: "value", Label: "Scope", Sort: true, Format: FormatMono},
		{Field: "resourceServerIdentifier", Label: "API", Sort: true, Format: FormatMono},
		{Field: "description", Label: "Description", Wide: true},
		{Field: "defined", Label: "Defined", Format: FormatBool, Sort: true, Wide: true},
		TenantCol,
	}},
}

var Organization = &Kind{
	Name: "Organization", Label: "Auth0Organization", Slug: "org",
	Doc:      "An organization (B2B).",
	NativeID: "organization id, e.g. org_…",
	Props: []Property{
		{Name: "display_name", Type: String, Search: true},
	},
	API: API{File: "organizations", List: "organizations", Filters: []Filter{
		NameFilter,
		{Field: "displayName", Prop: "display_name", Op: Text},
	}},
	UI: UI{Label: "Organization", Plural: "Organizations", Color: "#16a34a", Columns: []Column{
		NameCol, {Field: "displayName", Label: "Display name", Sort: true}, TenantCol,
	}},
}

var OrgMembership = &Kind{
	Name: "OrgMembership", Label: "Auth0OrgMembership", Slug: "membership",
	Doc:      "A user's membership of an organization; carries the organization-scoped roles (WITH_ROLE).",
	NativeID: "<organization id>|<user id>",
	// Found through its user and organization.
	Unsearched: true,
	Props: []Property{
		{Name: "organization_id", Type: String},
		{Name: "user_id", Type: String},
	},
	API: API{File: "organizations", Doc: "A user's membership of an organization, with the roles it carries."},
	UI:  UI{Label: "Membership", Plural: "Memberships", Color: "#65a30d"},
}

var Client = &Kind{
	Name: "Client", Label: "Auth0Client", Slug: "client",
	Doc:      "An application (client). Secrets, signing keys and encryption keys are never stored.",
	NativeID: "client_id",
	Props: []Property{
		{Name: "description", Type: String},
		{Name: "app_type", Type: String, Index: true, Doc: "spa, native, regular_web, non_interactive, …; absent on some system clients"},
		{Name: "is_first_party", Type: Bool},
		{Name: "is_global", Type: Bool},
		{Name: "oidc_conformant", Type: Bool},
		{Name: "callbacks", Type: StringList},
		{Name: "allowed_origins", Type: StringList},
		{Name: "web_origins", Type: StringList},
		{Name: "allowed_logout_urls", Type: StringList},
		{Name: "allowed_clients", Type: StringList},
		{Name: "grant_types", Type: StringList},
		{Name: "token_endpoint_auth_method", Type: String},
		{Name: "cross_origin_authentication", Type: Bool},
		{Name: "sso", Type: Bool},
		{Name: "sso_disabled", Type: Bool},
		{Name: "jwt_alg", Type: String, Doc: "jwt_configuration.alg"},
		{Name: "jwt_lifetime_in_seconds", Type: Int},
		{Name: "refresh_token_rotation_type", Type: String},
		{Name: "refresh_token_expiration_type", Type: String},
		{Name: "refresh_token_infinite_lifetime", Type: Bool},
		{Name: "refresh_token_infinite_idle_lifetime", Type: Bool},
		{Name: "refresh_token_lifetime", Type: Int},
		{Name: "refresh_token_idle_lifetime", Type: Int},
		{Name: "backchannel_logout_urls", Type: StringList, Doc: "oidc_logout.backchannel_logout_urls"},
		{Name: "require_pushed_authorization_requests", Type: Bool},
		{Name: "require_proof_of_possession", Type: Bool},
		{Name: "organization_usage", Type: String},
		{Name: "organization_require_behavior", Type: String},
		{Name: "initiate_login_uri", Type: String},
		{Name: "confidential", Type: Bool, Doc: "the client authenticates with a secret or key (the secret itself is never stored)"},
	},
	API: API{File: "clients", Doc: "An application.", List: "clients", Filters: []Filter{
		NameFilter,
		{Field: "appType", Prop: "app_type", Op: AnyOf, Doc: "spa, native, regular_web, non_interactive, …"},
		{Field: "grantType", Prop: "grant_types", Op: Has, Doc: "Clients allowed this grant type (e.g. client_credentials)."},
		{Field: "isFirstParty", Prop: "is_first_party", Op: Flag},
		{Field: "confidential", Prop: "confidential", Op: Flag},
	}},
	UI: UI{Label: "Application", Plural: "Applications", Color: "#7c3aed", Columns: []Column{
		NameCol,
		{Field: "appType", Label: "Type", Sort: true},
		{Field: "grantTypes", Label: "Grant types", Format: FormatList, Wide: true},
		{Field: "confidential", Label: "Confidential", Format: FormatBool, Sort: true},
		{Field: "isFirstParty", Label: "First party", Format: FormatBool, Sort: true, Wide: true},
		{Field: "tokenEndpointAuthMethod", Label: "Auth method", Sort: true, Wide: true},
		TenantCol,
	}},
}

var ClientGrant = &Kind{
	Name: "ClientGrant", Label: "Auth0ClientGrant", Slug: "client-grant",
	Doc:      "A client grant: a client authorised for an API with scopes (client credentials).",
	NativeID: "client grant id, e.g. cgr_…",
	Props: []Property{
		{Name: "client_id", Type: String, Index: true},
		{Name: "audience", Type: String, Index: true},
		{Name: "scope", Type: StringList},
		{Name: "is_system", Type: Bool},
		{Name: "subject_type", Type: String},
		{Name: "organization_usage", Type: String},
		{Name: "allow_any_organization", Type: Bool},
	},
	API: API{File: "clients", Doc: "A client grant: a client authorised for an API with scopes.", List: "clientGrants", Filters: []Filter{
		{Field: "audience", Prop: "audience", Op: Equals, Doc: "Identifier (audience) of the API."},
		{Field: "isSystem", Prop: "is_system", Op: Flag, Doc: "System grants (the Management API's own)."},
		{Field: "scope", Prop: "scope", Op: Has, Doc: "Grants that give this scope value."},
	}},
	UI: UI{Label: "Client grant", Plural: "Client grants", Color: "#a855f7", Columns: []Column{
		NameCol,
		{Field: "audience", Label: "Audience", Sort: true, Format: FormatMono},
		{Field: "scope", Label: "Scopes", Format: FormatList},
		{Field: "isSystem", Label: "System", Format: FormatBool, Sort: true, Wide: true},
		TenantCol,
	}},
}

var Grant = &Kind{
	Name: "Grant", Label: "Auth0Grant", Slug: "grant",
	Doc:      "A user's consent grant to a client for an audience.",
	NativeID: "grant id",
	// Found through its user and client.
	Unsearched: true,
	Props: []Property{
		{Name: "user_id", Type: String, Index: true},
		{Name: "client_id", Type: String},
		{Name: "audience", Type: String},
		{Name: "scope", Type: StringList},
	},
	API: API{File: "clients", Doc: "A user's consent grant to a client for an API.", List: "grants", Filters: []Filter{
		{Field: "audience", Prop: "audience", Op: Equals},
	}},
	UI: UI{Label: "User grant", Plural: "User grants", Color: "#c026d3", Columns: []Column{
		NameCol,
		{Field: "audience", Label: "Audience", Sort: true, Format: FormatMono},
		{Field: "scope", Label: "Scopes", Format: FormatList, Wide: true},
		TenantCol,
	}},
}

var ResourceServer = &Kind{
	Name: "ResourceServer", Label: "Auth0ResourceServer", Slug: "api",
	Doc:      "An API (resource server), including the Management API itself (is_system).",
	NativeID: "resource server id",
	Props: []Property{
		{Name: "identifier", Type: String, Search: true, Index: true, Doc: "the audience"},
		{Name: "is_system", Type: Bool},
		{Name: "is_management_api", Type: Bool},
		{Name: "signing_alg", Type: String},
		{Name: "token_lifetime", Type: Int},
		{Name: "token_lifetime_for_web", Type: Int},
		{Name: "allow_offline_access", Type: Bool},
		{Name: "skip_consent_for_verifiable_first_party_clients", Type: Bool},
		{Name: "enforce_policies", Type: Bool},
		{Name: "token_dialect", Type: String},
		{Name: "scope_count", Type: Int},
	},
	API: API{File: "apis", Doc: "An API (resource server), the Management API included (isSystem).", List: "resourceServers", Filters: []Filter{
		NameFilter,
		{Field: "identifier", Prop: "identifier", Op: Text},
		{Field: "isSystem", Prop: "is_system", Op: Flag},
	}},
	UI: UI{Label: "API", Plural: "APIs", Color: "#ea580c", Columns: []Column{
		NameCol,
		{Field: "identifier", Label: "Identifier", Sort: true, Format: FormatMono},
		{Field: "isSystem", Label: "System", Format: FormatBool, Sort: true},
		{Field: "signingAlg", Label: "Signing", Sort: true, Wide: true},
		{Field: "scopeCount", Label: "Scopes", Format: FormatNumber, Sort: true, Wide: true},
		TenantCol,
	}},
}

var CustomDomain = &Kind{
	Name: "CustomDomain", Label: "Auth0CustomDomain", Slug: "custom-domain",
	Doc:      "A custom domain.",
	NativeID: "custom_domain_id",
	Props: []Property{
		{Name: "domain", Type: String, Search: true},
		{Name: "primary", Type: Bool},
		{Name: "status", Type: String},
		{Name: "type", Type: String},
		{Name: "tls_policy", Type: String},
		{Name: "custom_client_ip_header", Type: String},
	},
	API: API{File: "tenant_assets", List: "customDomains", FilterInput: "StatusFilter", Filters: statusFilters},
	UI: UI{Label: "Custom domain", Plural: "Custom domains", Color: "#475569", Columns: []Column{
		NameCol,
		{Field: "domain", Label: "Domain", Format: FormatMono},
		{Field: "primary", Label: "Primary", Format: FormatBool},
		{Field: "status", Label: "Status", Sort: true},
		{Field: "type", Label: "Type", Wide: true},
		TenantCol,
	}},
}

var TenantSettings = &Kind{
	Name: "TenantSettings", Label: "Auth0TenantSettings", Slug: "settings",
	Doc:      "The tenant's settings (one per tenant; keyed by tenant domain).",
	NativeID: "the tenant domain",
	Props: []Property{
		{Name: "friendly_name", Type: String},
		{Name: "support_email", Type: String},
		{Name: "support_url", Type: String},
		{Name: "default_audience", Type: String},
		{Name: "default_directory", Type: String},
		{Name: "session_lifetime", Type: Float, Doc: "hours"},
		{Name: "idle_session_lifetime", Type: Float, Doc: "hours"},
		{Name: "sandbox_version", Type: String},
		{Name: "enabled_locales", Type: StringList},
		{Name: "allowed_logout_urls", Type: StringList},
		{Name: "session_cookie_mode", Type: String},
		{Name: "flag_allow_legacy_ro_grant_types", Type: Bool},
		{Name: "flag_allow_legacy_delegation_grant_types", Type: Bool},
		{Name: "flag_allow_legacy_tokeninfo_endpoint", Type: Bool},
		{Name: "flag_enable_idtoken_api2", Type: Bool},
		{Name: "flag_enable_dynamic_client_registration", Type: Bool},
		{Name: "flag_enable_client_connections", Type: Bool},
		{Name: "flag_enable_public_signup_user_exists_error", Type: Bool},
		{Name: "flag_disable_clickjack_protection_headers", Type: Bool},
		{Name: "flag_enable_apis_section", Type: Bool},
		{Name: "flag_enable_pipeline2", Type: Bool},
		{Name: "flag_enable_legacy_profile", Type: Bool},
		{Name: "flag_revoke_refresh_token_grant", Type: Bool},
		{Name: "flag_no_disclose_enterprise_connections", Type: Bool},
		{Name: "flag_disable_management_api_sms_obfuscation", Type: Bool},
	},
	API: API{File: "tenants", Doc: "The tenant's settings.", List: "tenantSettings", FilterInput: "NameFilter", Filters: []Filter{NameFilter}},
	UI: UI{Label: "Tenant settings", Plural: "Tenant settings", Color: "#6b7280", Columns: []Column{
		NameCol,
		{Field: "friendlyName", Label: "Friendly name"},
		{Field: "supportEmail", Label: "Support email", Wide: true},
		{Field: "sessionLifetime", Label: "Session (h)", Format: FormatNumber, Wide: true},
		TenantCol,
	}},
}

var Connection = &Kind{
	Name: "Connection", Label: "Auth0Connection", Slug: "connection",
	Doc:      "An identity connection (database, social, enterprise, passwordless). Only allowlisted, non-secret options are stored.",
	NativeID: "connection id, e.g. con_…",
	Props: []Property{
		{Name: "strategy", Type: String, Index: true},
		{Name: "display_name", Type: String, Search: true},
		{Name: "is_domain_connection", Type: Bool},
		{Name: "show_as_button", Type: Bool},
		{Name: "realms", Type: StringList},
		{Name: "password_policy", Type: String},
		{Name: "password_min_length", Type: Int},
		{Name: "password_history_enabled", Type: Bool},
		{Name: "password_no_personal_info", Type: Bool},
		{Name: "password_dictionary_enabled", Type: Bool},
		{Name: "brute_force_protection", Type: Bool},
		{Name: "disable_signup", Type: Bool},
		{Name: "requires_username", Type: Bool},
		{Name: "mfa_active", Type: Bool},
		{Name: "uses_dev_keys", Type: Bool, Doc: "social connection without its own client id (Auth0 developer keys)"},
	},
	API: API{File: "connections", Doc: "An identity connection (database, social, enterprise, passwordless).", List: "connections", Filters: []Filter{
		NameFilter,
		{Field: "strategy", Prop: "strategy", Op: AnyOf},
	}},
	UI: UI{Label: "Connection", Plural: "Connections", Color: "#0891b2", Columns: []Column{
		NameCol,
		{Field: "strategy", Label: "Strategy", Sort: true},
		{Field: "mfaActive", Label: "MFA", Format: FormatBool, Sort: true, Wide: true},
		{Field: "bruteForceProtection", Label: "Brute-force protection", Format: FormatBool, Wide: true},
		{Field: "disableSignup", Label: "Sign-up disabled", Format: FormatBool, Wide: true},
		TenantCol,
	}},
}

var LogStream = &Kind{
	Name: "LogStream", Label: "Auth0LogStream", Slug: "log-stream",
	Doc:      "A log stream. The sink (with its tokens) is never stored.",
	NativeID: "log stream id",
	Props: []Property{
		{Name: "type", Type: String},
		{Name: "status", Type: String},
	},
	API: API{File: "tenant_assets", List: "logStreams", FilterInput: "StatusFilter", Filters: statusFilters},
	UI: UI{Label: "Log stream", Plural: "Log streams", Color: "#78716c", Columns: []Column{
		NameCol, {Field: "type", Label: "Type", Sort: true}, {Field: "status", Label: "Status", Sort: true}, TenantCol,
	}},
}

var Action = &Kind{
	Name: "Action", Label: "Auth0Action", Slug: "action",
	Doc:      "An action. Code and secret values are never stored; secret names are.",
	NativeID: "action id",
	Props: []Property{
		{Name: "runtime", Type: String},
		{Name: "status", Type: String},
		{Name: "triggers", Type: StringList},
		{Name: "deployed", Type: Bool},
		{Name: "secret_names", Type: StringList, NotSecret: true, Doc: "names of the action's secrets; values are never stored"},
		{Name: "created_at", Type: Time},
		{Name: "updated_at", Type: Time},
	},
	API: API{File: "tenant_assets", List: "actions", FilterInput: "StatusFilter", Filters: statusFilters},
	UI: UI{Label: "Action", Plural: "Actions", Color: "#0d9488", Columns: []Column{
		NameCol,
		{Field: "runtime", Label: "Runtime", Sort: true},
		{Field: "status", Label: "Status", Sort: true},
		{Field: "triggers", Label: "Triggers", Format: FormatList, Wide: true},
		{Field: "deployed", Label: "Deployed", Format: FormatBool},
		TenantCol,
	}},
}

var SigningKey = &Kind{
	Name: "SigningKey", Label: "Auth0SigningKey", Slug: "signing-key",
	Doc:      "A key the tenant signs tokens with. Certificates and key material are never stored.",
	NativeID: "kid",
	Props: []Property{
		{Name: "kid", Type: String, Search: true, Doc: "key id (the JWT header's kid)"},
		{Name: "current", Type: Bool, Doc: "signs tokens now"},
		{Name: "next", Type: Bool, Doc: "becomes current at the next rotation"},
		{Name: "previous", Type: Bool, Doc: "was current before the last rotation"},
		{Name: "revoked", Type: Bool},
		{Name: "current_since", Type: Time},
		{Name: "current_until", Type: Time},
		{Name: "revoked_at", Type: Time},
	},
	API: API{File: "tenant_assets", Doc: "A key the tenant signs tokens with (no key material).", List: "signingKeys", Filters: []Filter{
		NameFilter,
		{Field: "current", Prop: "current", Op: Flag},
		{Field: "revoked", Prop: "revoked", Op: Flag},
	}},
	UI: UI{Label: "Signing key", Plural: "Signing keys", Color: "#b45309", Columns: []Column{
		{Field: "kid", Label: "Key id", Format: FormatMono, Sort: true},
		{Field: "current", Label: "Current", Format: FormatBool, Sort: true},
		{Field: "next", Label: "Next", Format: FormatBool},
		{Field: "revoked", Label: "Revoked", Format: FormatBool, Sort: true},
		{Field: "currentSince", Label: "Current since", Format: FormatTime, Sort: true, Wide: true},
		TenantCol,
	}},
}

var LegacyRule = &Kind{
	Name: "LegacyRule", Label: "Auth0Rule", Slug: "legacy-rule",
	Doc:      "A legacy rule (Auth0's extensibility before Actions). The script is never stored.",
	NativeID: "rule id, e.g. rul_…",
	Props: []Property{
		{Name: "enabled", Type: Bool},
		{Name: "order", Type: Int, Doc: "position in the rules pipeline"},
		{Name: "trigger", Type: String, From: "stage", Doc: "the stage it runs at (login_success)"},
	},
	API: API{File: "extensibility", Doc: "A legacy rule (no script).", List: "legacyRules", Filters: []Filter{
		NameFilter,
		{Field: "enabled", Prop: "enabled", Op: Flag},
	}},
	UI: UI{Label: "Legacy rule", Plural: "Legacy rules", Color: "#9f1239", Columns: []Column{
		NameCol,
		{Field: "enabled", Label: "Enabled", Format: FormatBool, Sort: true},
		{Field: "order", Label: "Order", Format: FormatNumber, Sort: true},
		{Field: "trigger", Label: "Stage", Wide: true},
		TenantCol,
	}},
}

var Hook = &Kind{
	Name: "Hook", Label: "Auth0Hook", Slug: "hook",
	Doc:      "A legacy hook (Auth0's extensibility before Actions). The script and its secrets are never stored.",
	NativeID: "hook id",
	Props: []Property{
		{Name: "enabled", Type: Bool},
		{Name: "trigger", Type: String, From: "triggerId", Doc: "the extensibility point it runs at (pre-user-registration, …)"},
	},
	API: API{File: "extensibility", Doc: "A legacy hook (no script).", List: "hooks", Filters: []Filter{
		NameFilter,
		{Field: "enabled", Prop: "enabled", Op: Flag},
		{Field: "trigger", Prop: "trigger", Op: Equals},
	}},
	UI: UI{Label: "Hook", Plural: "Hooks", Color: "#be185d", Columns: []Column{
		NameCol,
		{Field: "enabled", Label: "Enabled", Format: FormatBool, Sort: true},
		{Field: "trigger", Label: "Trigger", Sort: true},
		TenantCol,
	}},
}

var EmailProvider = &Kind{
	Name: "EmailProvider", Label: "Auth0EmailProvider", Slug: "email-provider",
	Doc:      "The tenant's email provider (one per tenant, keyed by tenant domain; `configured: false`, named none, when the tenant has none). Credentials and settings are never stored.",
	NativeID: "the tenant domain",
	Props: []Property{
		{Name: "enabled", Type: Bool},
		{Name: "default_from_address", Type: String, Doc: "the From address of the tenant's emails"},
		{Name: "configured", Type: Bool, Doc: "true: the tenant's provider; false: the tenant has none (Auth0 answered 404; the node is named none). No node at all: not collected (a missing read:email_provider scope or a failure), which is not the same"},
	},
	API: API{File: "tenant_assets", Doc: "The tenant's email provider (no credentials); its name is the provider's (smtp, sendgrid, …).",
		List: "emailProviders", Filters: []Filter{NameFilter, {Field: "enabled", Prop: "enabled", Op: Flag}}},
	UI: UI{Label: "Email provider", Plural: "Email providers", Color: "#0369a1", Columns: []Column{
		NameCol,
		{Field: "configured", Label: "Configured", Format: FormatBool, Sort: true},
		{Field: "enabled", Label: "Enabled", Format: FormatBool, Sort: true},
		{Field: "defaultFromAddress", Label: "From", Format: FormatMono},
		TenantCol,
	}},
}

var GuardianFactor = &Kind{
	Name: "GuardianFactor", Label: "Auth0GuardianFactor", Slug: "guardian-factor",
	Doc:      "A multi-factor authentication factor of the tenant (Guardian: otp, sms, push-notification, webauthn-roaming, …) and whether it is enabled.",
	NativeID: "the factor's name",
	Props: []Property{
		{Name: "enabled", Type: Bool},
		{Name: "trial_expired", Type: Bool},
		{Name: "provider", Type: String, Doc: "sms: the selected phone provider (auth0: Auth0's own, test-grade; twilio; phone-message-hook), from /guardian/factors/phone/selected-provider; absent where it could not be read"},
	},
	API: API{File: "tenant_assets", Doc: "An MFA factor of the tenant.", List: "guardianFactors",
		Filters: []Filter{NameFilter, {Field: "enabled", Prop: "enabled", Op: Flag}}},
	UI: UI{Label: "MFA factor", Plural: "MFA factors", Color: "#15803d", Columns: []Column{
		NameCol,
		{Field: "enabled", Label: "Enabled", Format: FormatBool, Sort: true},
		{Field: "provider", Label: "Provider", Format: FormatMono},
		TenantCol,
	}},
}

var AttackProtection = &Kind{
	Name: "AttackProtection", Label: "Auth0AttackProtection", Slug: "attack-protection",
	Doc: "One of the tenant's attack protections (three per tenant) and what it does when it triggers. Which one is " +
		"`protection`, not the graph model's `kind`: every asset already has a `kind` property.",
	NativeID: "the protection: brute_force, suspicious_ip_throttling or breached_password_detection",
	Props: []Property{
		{Name: "protection", Type: String, Doc: "brute_force, suspicious_ip_throttling or breached_password_detection"},
		{Name: "enabled", Type: Bool},
		{Name: "shields", Type: StringList, Doc: "what it does when it triggers: block, user_notification, admin_notification"},
		{Name: "allowlist", Type: StringList, Doc: "IP addresses and ranges it never acts on (brute force, suspicious IP)"},
		{Name: "mode", Type: String, Doc: "brute force: count_per_identifier_and_ip or count_per_identifier"},
		{Name: "max_attempts", Type: Int, Doc: "brute force: failed logins before it triggers; suspicious IP: at login (stage.pre-login)"},
		{Name: "rate", Type: Int, From: "stage.pre-login.rate", Doc: "suspicious IP: the login attempts' refill interval (ms)"},
		{Name: "signup_max_attempts", Type: Int, From: "stage.pre-user-registration.max_attempts", Doc: "suspicious IP: signups before it triggers"},
		{Name: "method", Type: String, Doc: "breached password: standard or enhanced"},
		{Name: "signup_shields", Type: StringList, From: "stage.pre-user-registration.shields", Doc: "breached password: at signup"},
		{Name: "password_change_shields", Type: StringList, From: "stage.pre-change-password.shields", Doc: "breached password: at a password change"},
		{Name: "admin_notification_frequency", Type: StringList, Doc: "breached password: immediately, daily, weekly, monthly"},
	},
	API: API{File: "tenant_assets", Doc: "One of the tenant's attack protections.", List: "attackProtections", Filters: []Filter{
		NameFilter,
		{Field: "protection", Prop: "protection", Op: Equals},
		{Field: "enabled", Prop: "enabled", Op: Flag},
	}},
	UI: UI{Label: "Attack protection", Plural: "Attack protections", Color: "#dc2626", Columns: []Column{
		NameCol,
		{Field: "protection", Label: "Protection", Format: FormatMono, Sort: true},
		{Field: "enabled", Label: "Enabled", Format: FormatBool, Sort: true},
		{Field: "shields", Label: "Shields", Format: FormatList, Wide: true},
		TenantCol,
	}},
}

var MfaPolicy = &Kind{
	Name: "MfaPolicy", Label: "Auth0MfaPolicy", Slug: "mfa-policy",
	Doc: "The tenant's MFA policy (one per tenant; keyed by tenant domain): when Auth0 asks for a second factor. " +
		"Which factors a user can enrol with are the Auth0GuardianFactor nodes.",
	NativeID: "the tenant domain",
	Props: []Property{
		{Name: "policy", Type: String, Doc: "never, all-applications or confidence-score (Auth0 sends [] for never)"},
	},
	API: API{File: "tenant_assets", Doc: "The tenant's MFA policy.", List: "mfaPolicies", Filters: []Filter{
		NameFilter,
		{Field: "policy", Prop: "policy", Op: Equals},
	}},
	UI: UI{Label: "MFA policy", Plural: "MFA policies", Color: "#166534", Columns: []Column{
		NameCol,
		{Field: "policy", Label: "Policy", Format: FormatMono, Sort: true},
		TenantCol,
	}},
}

// statusFilters filter a small kind's list by name and status.
var statusFilters = []Filter{NameFilter, {Field: "status", Prop: "status", Op: Equals}}

// Kinds lists every asset kind, in load order (targets of relations first).
var Kinds = []*Kind{
	Tenant, TenantSettings, Connection, ResourceServer, Permission, Role,
	Organization, Client, ClientGrant, CustomDomain, LogStream, Action, SigningKey, LegacyRule, Hook, EmailProvider, GuardianFactor,
	AttackProtection, MfaPolicy,
	User, Grant, OrgMembership,
}
