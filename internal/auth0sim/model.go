package auth0sim

import "time"

// Tenant is the ground truth of a simulated tenant: what a complete and
// correct collection must find. Snapshot returns a deep copy; changing it does
// not change the simulator.
type Tenant struct {
	Domain          string
	Settings        TenantSettings
	Users           []User
	Roles           []Role
	Organizations   []Organization
	Clients         []Client
	ClientGrants    []ClientGrant
	Grants          []Grant
	ResourceServers []ResourceServer
	CustomDomains   []CustomDomain
	Connections     []Connection
	LogStreams      []LogStream
	Actions         []Action
	SigningKeys     []TenantSigningKey
	LegacyRules     []LegacyRule
	Hooks           []Hook
	// EmailProvider is nil when none is configured.
	EmailProvider   *EmailProvider
	GuardianFactors []GuardianFactor
	// PhoneProvider is the selected phone (SMS) provider.
	PhoneProvider string
	// MfaPolicies is what GET /guardian/policies answers ([]: never).
	MfaPolicies      []string
	AttackProtection AttackProtection
	// UserPermissions are permissions assigned to users directly (not
	// through a role).
	UserPermissions []UserPermission
	Logs            []LogEvent
}

// User is one user. Roles and organizations are filled in by Snapshot and
// EachUser from the role and organization side.
type User struct {
	UserID        string
	Email         string
	EmailVerified bool
	Name          string
	GivenName     string
	FamilyName    string
	Nickname      string
	Picture       string
	// Connection is the name of the user's (only) connection and
	// ConnectionID its id; Identities[0] points at the same connection.
	Connection   string
	ConnectionID string
	Identities   []Identity
	Blocked      bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
	LastLogin    time.Time // zero: never logged in (absent in JSON)
	LastIP       string
	LoginsCount  int64
	// Multifactor lists enrolled MFA providers (e.g. "guardian"); empty
	// means no MFA.
	Multifactor  []string
	AppMetadata  map[string]any
	UserMetadata map[string]any
	// RoleIDs are the tenant-wide roles of the user; OrgIDs the
	// organizations the user is a member of.
	RoleIDs []string
	OrgIDs  []string
}

// Identity is one entry of a user's identities.
type Identity struct {
	Connection string
	Provider   string
	UserID     string // without the provider prefix, as Auth0 shows it
	IsSocial   bool
}

// Permission is an API permission (a resource server scope) granted through
// a role.
type Permission struct {
	ResourceServerIdentifier string
	PermissionName           string
	ResourceServerName       string
	Description              string
}

// Role is a tenant role.
type Role struct {
	ID          string
	Name        string
	Description string
	Permissions []Permission
	UserIDs     []string // users holding the role tenant-wide
}

// Organization is an Auth0 organization.
type Organization struct {
	ID                 string
	Name               string
	DisplayName        string
	LogoURL            string
	PrimaryColor       string
	Metadata           map[string]string
	Members            []Member
	EnabledConnections []OrgConnection
	Invitations        []Invitation
}

// Member is an organization membership; Roles are role ids scoped to the
// organization.
type Member struct {
	UserID string
	Roles  []string
}

// OrgConnection is a connection enabled on an organization.
type OrgConnection struct {
	ConnectionID            string
	AssignMembershipOnLogin bool
	ShowAsButton            bool
	IsSignupEnabled         bool
}

// Invitation is a pending organization invitation.
type Invitation struct {
	ID             string
	OrganizationID string
	ClientID       string
	ConnectionID   string
	InviterName    string
	InviteeEmail   string
	TicketID       string
	InvitationURL  string
	Roles          []string
	CreatedAt      time.Time
	ExpiresAt      time.Time
}

// Client is an application.
type Client struct {
	ClientID    string
	Name        string
	Description string
	// AppType is "spa", "native", "regular_web", "non_interactive" or ""
	// (absent, e.g. the global "All Applications" client).
	AppType                        string
	Global                         bool
	IsFirstParty                   bool
	OIDCConformant                 bool
	IsTokenEndpointIPHeaderTrusted bool
	Callbacks                      []string
	WebOrigins                     []string
	AllowedOrigins                 []string
	AllowedLogoutURLs              []string
	AllowedClients                 []string
	GrantTypes                     []string
	JWTConfiguration               JWTConfiguration
	RefreshToken                   *RefreshToken
	CrossOriginAuth                bool
	CrossOriginLoc                 string
	SSODisabled                    bool
	CustomLoginPageOn              bool
	TokenEndpointAuthMethod        string // "" = absent
	OIDCLogout                     *OIDCLogout
	RequirePushedAuthorizationReqs bool
	RequireProofOfPossession       bool
	OrganizationUsage              string
	OrganizationRequireBehavior    string
	LogoURI                        string
	InitiateLoginURI               string
	ClientMetadata                 map[string]string
	// Secrets: the API shows them only to tokens holding read:client_keys.
	ClientSecret  string
	SigningKeys   []SigningKey
	EncryptionKey *EncryptionKey
}

// JWTConfiguration is a client's ID token configuration.
type JWTConfiguration struct {
	Alg               string
	LifetimeInSeconds int
	SecretEncoded     bool
}

// RefreshToken is a client's refresh token policy.
type RefreshToken struct {
	RotationType              string // "rotating" | "non-rotating"
	ExpirationType            string // "expiring" | "non-expiring"
	Leeway                    int
	TokenLifetime             int
	IdleTokenLifetime         int
	InfiniteTokenLifetime     bool
	InfiniteIdleTokenLifetime bool
}

// OIDCLogout is a client's back-channel logout configuration.
type OIDCLogout struct {
	BackchannelLogoutURLs []string
	InitiatorsMode        string // "all" | "custom" | ""
	SelectedInitiators    []string
}

// SigningKey is a client signing key (secret material).
type SigningKey struct {
	Cert    string
	Pkcs7   string
	Subject string
}

// EncryptionKey is a client encryption key (secret material).
type EncryptionKey struct {
	Pub     string
	Cert    string
	Subject string
}

// ClientGrant authorizes a client to call an API.
type ClientGrant struct {
	ID          string
	ClientID    string
	Audience    string // a resource server identifier
	Scope       []string
	IsSystem    bool   // JSON shows is_system only when true
	SubjectType string // "client", "user" or "" (absent)
}

// Grant is a user's consent for a client.
type Grant struct {
	ID       string
	UserID   string
	ClientID string
	Audience string // a resource server identifier or https://{domain}/userinfo
	Scope    []string
}

// Scope is one scope of a resource server.
type Scope struct {
	Value       string
	Description string
}

// ResourceServer is an API.
type ResourceServer struct {
	ID                                        string
	Name                                      string
	Identifier                                string
	IsSystem                                  bool
	Scopes                                    []Scope
	SigningAlg                                string
	SigningSecret                             string // HS256 only; secret
	TokenLifetime                             int
	TokenLifetimeForWeb                       int
	AllowOfflineAccess                        bool
	SkipConsentForVerifiableFirstPartyClients bool
	EnforcePolicies                           bool
	TokenDialect                              string
	UserPolicy                                string // subject_type_authorization.user.policy
	ClientPolicy                              string // subject_type_authorization.client.policy
}

// CustomDomain is a tenant custom domain.
type CustomDomain struct {
	ID                   string // custom_domain_id
	Domain               string
	Type                 string // auth0_managed_certs | self_managed_certs
	Primary              bool
	IsDefault            bool
	Status               string // ready | pending_verification | failed ...
	TLSPolicy            string
	OriginDomainName     string
	CustomClientIPHeader string
	VerificationMethod   string
	VerificationRecord   string
	CreatedAt            time.Time
}

// TenantSettings is the tenant's settings object. Flags holds the `flags`
// object as shown by the API.
type TenantSettings struct {
	FriendlyName             string
	PictureURL               string
	SupportEmail             string
	SupportURL               string
	DefaultAudience          string
	DefaultDirectory         string
	DefaultRedirectionURI    string
	SessionLifetime          float64 // hours
	IdleSessionLifetime      float64 // hours
	SandboxVersion           string
	SandboxVersionsAvailable []string
	EnabledLocales           []string
	AllowedLogoutURLs        []string
	SessionCookieMode        string
	Flags                    map[string]bool
}

// Connection is an identity provider connection.
type Connection struct {
	ID                 string
	Name               string
	DisplayName        string
	Strategy           string
	IsDomainConnection bool
	ShowAsButton       *bool // absent for strategies that have no button
	EnabledClients     []string
	Realms             []string
	// Options is the strategy-specific options object, secrets included
	// (e.g. client_secret of social and enterprise connections).
	Options               map[string]any
	Metadata              map[string]string
	ProvisioningTicketURL string
}

// LogStream is a log stream; Sink holds its (secret-bearing) settings.
type LogStream struct {
	ID         string
	Name       string
	Type       string
	Status     string
	IsPriority bool
	Filters    []map[string]string
	Sink       map[string]any
}

// Action is an Auth0 Action.
type Action struct {
	ID                 string
	Name               string
	Triggers           []ActionTrigger
	Code               string
	Runtime            string
	Status             string
	Dependencies       []ActionDependency
	SecretNames        []string // the API shows secret names only
	AllChangesDeployed bool
	Deployed           bool
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// ActionTrigger is a trigger an action supports.
type ActionTrigger struct {
	ID      string
	Version string
}

// ActionDependency is an npm dependency of an action.
type ActionDependency struct {
	Name    string
	Version string
}

// UserPermission is a permission assigned to a user directly.
type UserPermission struct {
	UserID                   string
	ResourceServerIdentifier string
	PermissionName           string
}

// LogEvent is one tenant log event.
type LogEvent struct {
	LogID        string
	Date         time.Time
	Type         string
	Description  string
	ClientID     string
	ClientName   string
	IP           string
	UserID       string
	UserName     string
	Connection   string
	ConnectionID string
	Strategy     string
	StrategyType string
	Audience     string
	Scope        string
	Details      map[string]any
}
