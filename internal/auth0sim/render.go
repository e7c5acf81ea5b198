package auth0sim

import (
	"time"
)

// Wire shapes. Field order and presence follow recorded Auth0 responses:
// optional fields are absent rather than null or false.

const (
	msLayout   = "2006-01-02T15:04:05.000Z07:00"
	nanoLayout = "2006-01-02T15:04:05.000000000Z07:00"
	secLayout  = "2006-01-02T15:04:05Z07:00"
)

func fmtMs(t time.Time) string { return t.UTC().Format(msLayout) }

type wireIdentity struct {
	Connection string `json:"connection"`
	UserID     string `json:"user_id"`
	Provider   string `json:"provider"`
	IsSocial   bool   `json:"isSocial"`
}

type wireUser struct {
	Blocked       *bool          `json:"blocked,omitempty"`
	CreatedAt     string         `json:"created_at"`
	Email         string         `json:"email,omitempty"`
	EmailVerified bool           `json:"email_verified"`
	FamilyName    string         `json:"family_name,omitempty"`
	GivenName     string         `json:"given_name,omitempty"`
	Identities    []wireIdentity `json:"identities"`
	Name          string         `json:"name,omitempty"`
	Nickname      string         `json:"nickname,omitempty"`
	Picture       string         `json:"picture,omitempty"`
	UpdatedAt     string         `json:"updated_at"`
	UserID        string         `json:"user_id"`
	UserMetadata  map[string]any `json:"user_metadata,omitempty"`
	AppMetadata   map[string]any `json:"app_metadata,omitempty"`
	LastIP        string         `json:"last_ip,omitempty"`
	LastLogin     string         `json:"last_login,omitempty"`
	LoginsCount   int64          `json:"logins_count,omitempty"`
	Multifactor   []string       `json:"multifactor,omitempty"`
}

func renderUser(u *User) wireUser {
	w := wireUser{CreatedAt: fmtMs(u.CreatedAt), Email: u.Email, EmailVerified: u.EmailVerified,
		FamilyName: u.FamilyName, GivenName: u.GivenName, Name: u.Name, Nickname: u.Nickname, Picture: u.Picture,
		UpdatedAt: fmtMs(u.UpdatedAt), UserID: u.UserID, UserMetadata: u.UserMetadata, AppMetadata: u.AppMetadata,
		LastIP: u.LastIP, LoginsCount: u.LoginsCount, Multifactor: u.Multifactor}
	if u.Blocked {
		w.Blocked = ptrBool(true)
	}
	if !u.LastLogin.IsZero() {
		w.LastLogin = fmtMs(u.LastLogin)
	}
	w.Identities = make([]wireIdentity, len(u.Identities))
	for k, id := range u.Identities {
		w.Identities[k] = wireIdentity{Connection: id.Connection, UserID: id.UserID, Provider: id.Provider, IsSocial: id.IsSocial}
	}
	return w
}

type wireRole struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

func renderRole(r *Role) wireRole {
	return wireRole{ID: r.ID, Name: r.Name, Description: r.Description}
}

type wirePermission struct {
	PermissionName           string       `json:"permission_name"`
	Description              string       `json:"description,omitempty"`
	ResourceServerName       string       `json:"resource_server_name"`
	ResourceServerIdentifier string       `json:"resource_server_identifier"`
	Sources                  []wireSource `json:"sources,omitempty"`
}

type wireSource struct {
	SourceID   string `json:"source_id"`
	SourceName string `json:"source_name"`
	SourceType string `json:"source_type"`
}

func renderPermission(p Permission) wirePermission {
	return wirePermission{PermissionName: p.PermissionName, Description: p.Description,
		ResourceServerName: p.ResourceServerName, ResourceServerIdentifier: p.ResourceServerIdentifier}
}

type wireRoleMember struct {
	UserID  string `json:"user_id"`
	Email   string `json:"email,omitempty"`
	Picture string `json:"picture,omitempty"`
	Name    string `json:"name,omitempty"`
}

type wireOrgMember struct {
	UserID  string          `json:"user_id"`
	Email   string          `json:"email,omitempty"`
	Picture string          `json:"picture,omitempty"`
	Name    string          `json:"name,omitempty"`
	Roles   *[]wireRoleName `json:"roles,omitempty"`
}

type wireRoleName struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type wireBranding struct {
	LogoURL string            `json:"logo_url,omitempty"`
	Colors  map[string]string `json:"colors,omitempty"`
}

type wireOrg struct {
	ID          string                  `json:"id"`
	Name        string                  `json:"name"`
	DisplayName string                  `json:"display_name,omitempty"`
	Branding    *wireBranding           `json:"branding,omitempty"`
	Metadata    map[string]string       `json:"metadata,omitempty"`
	Enabled     []wireOrgConnectionFull `json:"enabled_connections,omitempty"`
}

func renderOrg(o *Organization) wireOrg {
	w := wireOrg{ID: o.ID, Name: o.Name, DisplayName: o.DisplayName, Metadata: o.Metadata}
	if o.LogoURL != "" || o.PrimaryColor != "" {
		w.Branding = &wireBranding{LogoURL: o.LogoURL}
		if o.PrimaryColor != "" {
			w.Branding.Colors = map[string]string{"primary": o.PrimaryColor, "page_background": "#FFFFFF"}
		}
	}
	return w
}

type wireConnRef struct {
	Name     string `json:"name"`
	Strategy string `json:"strategy"`
}

type wireOrgConnectionFull struct {
	ConnectionID            string       `json:"connection_id"`
	AssignMembershipOnLogin bool         `json:"assign_membership_on_login"`
	ShowAsButton            bool         `json:"show_as_button"`
	IsSignupEnabled         *bool        `json:"is_signup_enabled,omitempty"`
	Connection              *wireConnRef `json:"connection,omitempty"`
}

func (s *Sim) renderOrgConnection(oc OrgConnection) wireOrgConnectionFull {
	w := wireOrgConnectionFull{ConnectionID: oc.ConnectionID, AssignMembershipOnLogin: oc.AssignMembershipOnLogin,
		ShowAsButton: oc.ShowAsButton}
	if c := s.findConnection(oc.ConnectionID); c != nil {
		w.Connection = &wireConnRef{Name: c.Name, Strategy: c.Strategy}
		if c.Strategy == "auth0" {
			// Only database connections have a signup switch.
			w.IsSignupEnabled = ptrBool(oc.IsSignupEnabled)
		}
	}
	return w
}

type wireInvitation struct {
	ID             string            `json:"id"`
	ClientID       string            `json:"client_id"`
	Inviter        map[string]string `json:"inviter"`
	Invitee        map[string]string `json:"invitee"`
	InvitationURL  string            `json:"invitation_url"`
	TicketID       string            `json:"ticket_id"`
	CreatedAt      string            `json:"created_at"`
	ExpiresAt      string            `json:"expires_at"`
	OrganizationID string            `json:"organization_id"`
	ConnectionID   string            `json:"connection_id,omitempty"`
	Roles          []string          `json:"roles,omitempty"`
}

func renderInvitation(i Invitation) wireInvitation {
	return wireInvitation{ID: i.ID, ClientID: i.ClientID, Inviter: map[string]string{"name": i.InviterName},
		Invitee: map[string]string{"email": i.InviteeEmail}, InvitationURL: i.InvitationURL, TicketID: i.TicketID,
		CreatedAt: fmtMs(i.CreatedAt), ExpiresAt: fmtMs(i.ExpiresAt), OrganizationID: i.OrganizationID,
		ConnectionID: i.ConnectionID, Roles: i.Roles}
}

type wireJWT struct {
	Alg           string `json:"alg,omitempty"`
	Lifetime      int    `json:"lifetime_in_seconds,omitempty"`
	SecretEncoded bool   `json:"secret_encoded"`
}

type wireRefresh struct {
	RotationType              string `json:"rotation_type"`
	ExpirationType            string `json:"expiration_type"`
	Leeway                    int    `json:"leeway"`
	TokenLifetime             int    `json:"token_lifetime"`
	InfiniteTokenLifetime     bool   `json:"infinite_token_lifetime"`
	InfiniteIdleTokenLifetime bool   `json:"infinite_idle_token_lifetime"`
	IdleTokenLifetime         int    `json:"idle_token_lifetime"`
}

type wireOIDCLogout struct {
	URLs       []string       `json:"backchannel_logout_urls"`
	Initiators map[string]any `json:"backchannel_logout_initiators,omitempty"`
}

type wireClient struct {
	Tenant                         string              `json:"tenant"`
	Global                         bool                `json:"global"`
	IsTokenEndpointIPHeaderTrusted bool                `json:"is_token_endpoint_ip_header_trusted"`
	Name                           string              `json:"name"`
	Description                    string              `json:"description,omitempty"`
	IsFirstParty                   bool                `json:"is_first_party"`
	OIDCConformant                 bool                `json:"oidc_conformant"`
	SSODisabled                    bool                `json:"sso_disabled"`
	CrossOriginAuth                bool                `json:"cross_origin_authentication"`
	CrossOriginLoc                 string              `json:"cross_origin_loc,omitempty"`
	RefreshToken                   *wireRefresh        `json:"refresh_token,omitempty"`
	OIDCLogout                     *wireOIDCLogout     `json:"oidc_logout,omitempty"`
	AllowedClients                 []string            `json:"allowed_clients,omitempty"`
	AllowedLogoutURLs              []string            `json:"allowed_logout_urls,omitempty"`
	Callbacks                      []string            `json:"callbacks,omitempty"`
	WebOrigins                     []string            `json:"web_origins,omitempty"`
	AllowedOrigins                 []string            `json:"allowed_origins,omitempty"`
	LogoURI                        string              `json:"logo_uri,omitempty"`
	InitiateLoginURI               string              `json:"initiate_login_uri,omitempty"`
	ClientMetadata                 map[string]string   `json:"client_metadata,omitempty"`
	RequirePAR                     bool                `json:"require_pushed_authorization_requests,omitempty"`
	RequirePoP                     bool                `json:"require_proof_of_possession,omitempty"`
	JWTConfiguration               wireJWT             `json:"jwt_configuration"`
	SigningKeys                    []map[string]string `json:"signing_keys,omitempty"`
	EncryptionKey                  map[string]string   `json:"encryption_key,omitempty"`
	ClientID                       string              `json:"client_id"`
	ClientSecret                   string              `json:"client_secret,omitempty"`
	CallbackURLTemplate            bool                `json:"callback_url_template"`
	AppType                        string              `json:"app_type,omitempty"`
	TokenEndpointAuthMethod        string              `json:"token_endpoint_auth_method,omitempty"`
	GrantTypes                     *[]string           `json:"grant_types,omitempty"`
	CustomLoginPageOn              bool                `json:"custom_login_page_on"`
	OrganizationUsage              string              `json:"organization_usage,omitempty"`
	OrganizationRequireBehavior    string              `json:"organization_require_behavior,omitempty"`
}

func (s *Sim) renderClient(c *Client, withKeys bool) wireClient {
	w := wireClient{Tenant: s.tenantName(), Global: c.Global, IsTokenEndpointIPHeaderTrusted: c.IsTokenEndpointIPHeaderTrusted,
		Name: c.Name, Description: c.Description, IsFirstParty: c.IsFirstParty, OIDCConformant: c.OIDCConformant,
		SSODisabled: c.SSODisabled, CrossOriginAuth: c.CrossOriginAuth, CrossOriginLoc: c.CrossOriginLoc,
		AllowedClients: c.AllowedClients, AllowedLogoutURLs: c.AllowedLogoutURLs, Callbacks: c.Callbacks,
		WebOrigins: c.WebOrigins, AllowedOrigins: c.AllowedOrigins, LogoURI: c.LogoURI, InitiateLoginURI: c.InitiateLoginURI,
		ClientMetadata: c.ClientMetadata, RequirePAR: c.RequirePushedAuthorizationReqs, RequirePoP: c.RequireProofOfPossession,
		JWTConfiguration: wireJWT{Alg: c.JWTConfiguration.Alg, Lifetime: c.JWTConfiguration.LifetimeInSeconds,
			SecretEncoded: c.JWTConfiguration.SecretEncoded},
		ClientID: c.ClientID, AppType: c.AppType, TokenEndpointAuthMethod: c.TokenEndpointAuthMethod,
		CustomLoginPageOn: c.CustomLoginPageOn, OrganizationUsage: c.OrganizationUsage,
		OrganizationRequireBehavior: c.OrganizationRequireBehavior}
	if c.GrantTypes != nil {
		gt := c.GrantTypes
		w.GrantTypes = &gt
	}
	if rt := c.RefreshToken; rt != nil {
		w.RefreshToken = &wireRefresh{RotationType: rt.RotationType, ExpirationType: rt.ExpirationType, Leeway: rt.Leeway,
			TokenLifetime: rt.TokenLifetime, InfiniteTokenLifetime: rt.InfiniteTokenLifetime,
			InfiniteIdleTokenLifetime: rt.InfiniteIdleTokenLifetime, IdleTokenLifetime: rt.IdleTokenLifetime}
	}
	if l := c.OIDCLogout; l != nil {
		w.OIDCLogout = &wireOIDCLogout{URLs: l.BackchannelLogoutURLs}
		if l.InitiatorsMode != "" {
			w.OIDCLogout.Initiators = map[string]any{"mode": l.InitiatorsMode}
			if l.SelectedInitiators != nil {
				w.OIDCLogout.Initiators["selected_initiators"] = l.SelectedInitiators
			}
		}
	}
	if withKeys {
		// Secrets show only to tokens holding read:client_keys.
		w.ClientSecret = c.ClientSecret
		for _, k := range c.SigningKeys {
			w.SigningKeys = append(w.SigningKeys, map[string]string{"cert": k.Cert, "pkcs7": k.Pkcs7, "subject": k.Subject})
		}
		if e := c.EncryptionKey; e != nil {
			w.EncryptionKey = map[string]string{"pub": e.Pub, "cert": e.Cert, "subject": e.Subject}
		}
	}
	return w
}

type wireClientGrant struct {
	ID          string   `json:"id"`
	ClientID    string   `json:"client_id"`
	Audience    string   `json:"audience"`
	Scope       []string `json:"scope"`
	IsSystem    bool     `json:"is_system,omitempty"`
	SubjectType string   `json:"subject_type,omitempty"`
}

func renderClientGrant(g *ClientGrant) wireClientGrant {
	scope := g.Scope
	if scope == nil {
		scope = []string{}
	}
	return wireClientGrant{ID: g.ID, ClientID: g.ClientID, Audience: g.Audience, Scope: scope, IsSystem: g.IsSystem,
		SubjectType: g.SubjectType}
}

type wireGrant struct {
	UserID   string   `json:"user_id"`
	Audience string   `json:"audience"`
	Scope    []string `json:"scope"`
	ClientID string   `json:"clientID"`
	ID       string   `json:"id"`
}

func renderGrant(g *Grant) wireGrant {
	scope := g.Scope
	if scope == nil {
		scope = []string{}
	}
	return wireGrant{UserID: g.UserID, Audience: g.Audience, Scope: scope, ClientID: g.ClientID, ID: g.ID}
}

type wireScope struct {
	Value       string `json:"value"`
	Description string `json:"description,omitempty"`
}

type wireRS struct {
	ID                       string                       `json:"id"`
	Name                     string                       `json:"name"`
	Identifier               string                       `json:"identifier"`
	Scopes                   []wireScope                  `json:"scopes,omitempty"`
	SigningAlg               string                       `json:"signing_alg"`
	SigningSecret            string                       `json:"signing_secret,omitempty"`
	AllowOfflineAccess       bool                         `json:"allow_offline_access"`
	TokenLifetime            int                          `json:"token_lifetime"`
	TokenLifetimeForWeb      int                          `json:"token_lifetime_for_web"`
	SkipConsent              bool                         `json:"skip_consent_for_verifiable_first_party_clients"`
	EnforcePolicies          bool                         `json:"enforce_policies"`
	TokenDialect             string                       `json:"token_dialect,omitempty"`
	SubjectTypeAuthorization map[string]map[string]string `json:"subject_type_authorization,omitempty"`
	IsSystem                 bool                         `json:"is_system,omitempty"`
}

func renderRS(rs *ResourceServer) wireRS {
	w := wireRS{ID: rs.ID, Name: rs.Name, Identifier: rs.Identifier, SigningAlg: rs.SigningAlg, SigningSecret: rs.SigningSecret,
		AllowOfflineAccess: rs.AllowOfflineAccess, TokenLifetime: rs.TokenLifetime, TokenLifetimeForWeb: rs.TokenLifetimeForWeb,
		SkipConsent: rs.SkipConsentForVerifiableFirstPartyClients, EnforcePolicies: rs.EnforcePolicies,
		TokenDialect: rs.TokenDialect, IsSystem: rs.IsSystem, Scopes: make([]wireScope, len(rs.Scopes))}
	for k, sc := range rs.Scopes {
		w.Scopes[k] = wireScope{Value: sc.Value, Description: sc.Description}
	}
	if rs.UserPolicy != "" || rs.ClientPolicy != "" {
		w.SubjectTypeAuthorization = map[string]map[string]string{}
		if rs.UserPolicy != "" {
			w.SubjectTypeAuthorization["user"] = map[string]string{"policy": rs.UserPolicy}
		}
		if rs.ClientPolicy != "" {
			w.SubjectTypeAuthorization["client"] = map[string]string{"policy": rs.ClientPolicy}
		}
	}
	return w
}

func renderCustomDomain(cd *CustomDomain) map[string]any {
	m := map[string]any{
		"custom_domain_id": cd.ID,
		"domain":           cd.Domain,
		"primary":          cd.Primary,
		"is_default":       cd.IsDefault,
		"status":           cd.Status,
		"type":             cd.Type,
		"tls_policy":       cd.TLSPolicy,
		"created_at":       fmtMs(cd.CreatedAt),
	}
	if cd.VerificationMethod != "" {
		v := map[string]any{"methods": []map[string]any{{"name": cd.VerificationMethod, "record": cd.VerificationRecord, "domain": cd.Domain}}}
		switch cd.Status {
		case "ready":
			v["status"] = "verified"
			v["last_verified_at"] = cd.CreatedAt.Add(time.Hour).UTC().Format(secLayout)
		case "failed":
			v["status"] = "failed"
			v["error_msg"] = "DNS Verification record issue."
		default:
			v["status"] = "pending"
		}
		m["verification"] = v
	}
	if cd.OriginDomainName != "" {
		m["origin_domain_name"] = cd.OriginDomainName
	}
	if cd.CustomClientIPHeader != "" {
		m["custom_client_ip_header"] = cd.CustomClientIPHeader
	}
	if cd.Type == "auth0_managed_certs" {
		cert := map[string]any{"certificate_authority": "letsencrypt"}
		if cd.Status == "ready" {
			cert["status"] = "provisioned"
			cert["renews_before"] = cd.CreatedAt.AddDate(0, 3, 0).UTC().Format(secLayout)
		}
		m["certificate"] = cert
	}
	return m
}

func renderConnection(c *Connection) map[string]any {
	m := map[string]any{
		"id":                   c.ID,
		"options":              cloneAnyMap(c.Options),
		"strategy":             c.Strategy,
		"name":                 c.Name,
		"is_domain_connection": c.IsDomainConnection,
		"enabled_clients":      nonNil(c.EnabledClients),
		"realms":               nonNil(c.Realms),
	}
	if c.Options == nil {
		m["options"] = map[string]any{}
	}
	if c.DisplayName != "" {
		m["display_name"] = c.DisplayName
	}
	if c.ShowAsButton != nil {
		m["show_as_button"] = *c.ShowAsButton
	}
	if len(c.Metadata) > 0 {
		m["metadata"] = c.Metadata
	}
	if c.ProvisioningTicketURL != "" {
		m["provisioning_ticket_url"] = c.ProvisioningTicketURL
	}
	return m
}

func nonNil(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}

func (s *Sim) renderSettings() map[string]any {
	t := s.settings
	flags := map[string]bool{}
	for k, v := range t.Flags {
		flags[k] = v
	}
	m := map[string]any{
		"allowed_logout_urls":        nonNil(t.AllowedLogoutURLs),
		"default_directory":          t.DefaultDirectory,
		"default_redirection_uri":    t.DefaultRedirectionURI,
		"enabled_locales":            nonNil(t.EnabledLocales),
		"flags":                      flags,
		"friendly_name":              t.FriendlyName,
		"picture_url":                t.PictureURL,
		"support_email":              t.SupportEmail,
		"support_url":                t.SupportURL,
		"session_lifetime":           t.SessionLifetime,
		"idle_session_lifetime":      t.IdleSessionLifetime,
		"sandbox_version":            t.SandboxVersion,
		"sandbox_versions_available": nonNil(t.SandboxVersionsAvailable),
		"session_cookie":             map[string]string{"mode": t.SessionCookieMode},
		"universal_login":            map[string]any{"colors": map[string]string{"primary": "#635DFF", "page_background": "#000000"}},
		"acr_values_supported":       []string{},
	}
	if t.DefaultAudience != "" {
		m["default_audience"] = t.DefaultAudience
	}
	return m
}

func renderLogStream(ls *LogStream) map[string]any {
	m := map[string]any{"id": ls.ID, "name": ls.Name, "type": ls.Type, "status": ls.Status,
		"sink": cloneAnyMap(ls.Sink), "isPriority": ls.IsPriority}
	if ls.Filters != nil {
		fs := make([]map[string]string, len(ls.Filters))
		for k, f := range ls.Filters {
			fs[k] = map[string]string{"type": f["type"], "name": f["name"]}
		}
		m["filters"] = fs
	}
	return m
}

func renderAction(a *Action) map[string]any {
	trig := make([]map[string]string, len(a.Triggers))
	for k, t := range a.Triggers {
		trig[k] = map[string]string{"id": t.ID, "version": t.Version}
	}
	deps := make([]map[string]string, len(a.Dependencies))
	for k, d := range a.Dependencies {
		deps[k] = map[string]string{"name": d.Name, "version": d.Version}
	}
	secrets := make([]map[string]string, len(a.SecretNames))
	for k, n := range a.SecretNames {
		secrets[k] = map[string]string{"name": n, "updated_at": a.UpdatedAt.UTC().Format(nanoLayout)}
	}
	m := map[string]any{
		"id": a.ID, "name": a.Name, "supported_triggers": trig,
		"created_at": a.CreatedAt.UTC().Format(nanoLayout), "updated_at": a.UpdatedAt.UTC().Format(nanoLayout),
		"code": a.Code, "dependencies": deps, "runtime": a.Runtime, "status": a.Status, "secrets": secrets,
		"all_changes_deployed": a.AllChangesDeployed,
	}
	if a.Deployed {
		m["deployed_version"] = map[string]any{
			"id": a.ID[:8] + "-0000-4000-a000-000000000001", "code": a.Code, "dependencies": deps, "deployed": true,
			"number": 1, "status": "built", "runtime": a.Runtime, "secrets": secrets, "supported_triggers": trig,
			"built_at":   a.UpdatedAt.UTC().Format(nanoLayout),
			"created_at": a.UpdatedAt.UTC().Format(nanoLayout), "updated_at": a.UpdatedAt.UTC().Format(nanoLayout),
		}
	}
	return m
}

func renderLog(e *LogEvent) map[string]any {
	null := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	m := map[string]any{
		"_id": e.LogID, "log_id": e.LogID, "date": fmtMs(e.Date), "type": e.Type, "description": e.Description,
		"connection": null(e.Connection), "connection_id": null(e.ConnectionID), "organization_id": nil,
		"organization_name": nil, "client_id": null(e.ClientID), "client_name": null(e.ClientName), "ip": null(e.IP),
		"hostname": nil, "details": nil, "user_id": null(e.UserID), "user_name": null(e.UserName),
		"user_agent": "Other 0.0.0 / Other 0.0.0", "audience": null(e.Audience), "strategy": null(e.Strategy),
		"strategy_type": null(e.StrategyType), "isMobile": false, "location_info": nil,
	}
	if e.Details != nil {
		m["details"] = cloneAnyMap(e.Details)
	}
	if e.Scope != "" {
		m["scope"] = e.Scope
	}
	return m
}
