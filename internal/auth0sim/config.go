package auth0sim

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Dev credentials accepted by /oauth/token when Config leaves them empty. They
// are a simulator's own constants, safe to print and to commit.
const (
	DefaultClientID     = "sim-client"
	DefaultClientSecret = "sim-secret"
	// DefaultBurst is the bucket size used when RPS > 0 and Burst is 0.
	DefaultBurst = 50
	// DefaultEpochString is the simulated "now" of a generated tenant when
	// Config.Epoch is zero: fixed, so that equal seeds give equal tenants.
	DefaultEpochString = "2026-01-01T00:00:00Z"
)

// Plans understood by Config.Plan and SetPlan.
const (
	PlanPaid = "paid"
	PlanFree = "free"
)

// Endpoint kinds, used by PageFault.Kind and Stats.Kinds.
const (
	KindToken             = "token"
	KindUsers             = "users"
	KindUsersSearch       = "users_search"
	KindJobs              = "jobs"
	KindRoles             = "roles"
	KindRolePermissions   = "role_permissions"
	KindRoleUsers         = "role_users"
	KindOrganizations     = "organizations"
	KindOrgMembers        = "org_members"
	KindOrgMemberRoles    = "org_member_roles"
	KindOrgConnections    = "org_connections"
	KindOrgInvitations    = "org_invitations"
	KindClients           = "clients"
	KindClientGrants      = "client_grants"
	KindGrants            = "grants"
	KindResourceServers   = "resource_servers"
	KindCustomDomains     = "custom_domains"
	KindConnections       = "connections"
	KindLogStreams        = "log_streams"
	KindActions           = "actions"
	KindSigningKeys       = "signing_keys"
	KindLegacyRules       = "rules"
	KindHooks             = "hooks"
	KindEmailProvider     = "email_provider"
	KindGuardianFactors   = "guardian_factors"
	KindMfaPolicies       = "mfa_policies"
	KindAttackProtection  = "attack_protection"
	KindLogs              = "logs"
	KindTenantSettings    = "tenant_settings"
	KindUserRoles         = "user_roles"
	KindUserPermissions   = "user_permissions"
	KindUserOrganizations = "user_organizations"
)

// Kinds lists every endpoint kind the simulator serves.
func Kinds() []string {
	return []string{KindToken, KindUsers, KindUsersSearch, KindJobs, KindRoles, KindRolePermissions,
		KindRoleUsers, KindOrganizations, KindOrgMembers, KindOrgMemberRoles, KindOrgConnections,
		KindOrgInvitations, KindClients, KindClientGrants, KindGrants, KindResourceServers,
		KindCustomDomains, KindConnections, KindLogStreams, KindActions, KindLogs, KindTenantSettings,
		KindUserRoles, KindUserPermissions, KindUserOrganizations, KindSigningKeys, KindLegacyRules, KindHooks, KindEmailProvider, KindGuardianFactors,
		KindMfaPolicies, KindAttackProtection}
}

// Config describes the simulated tenant and how it behaves. The zero value of
// every size field means "derived from Users".
type Config struct {
	Seed  int64 // deterministic generator seed
	Users int   // number of generated users

	Roles         int // default max(8, Users/200): the 8 named roles always exist
	Orgs          int // default max(3, Users/100)
	Clients       int // default 12 + Users/2000: the 12 named clients always exist
	APIs          int // custom resource servers besides the Management API; default 2..4 from the seed
	Grants        int // user consent grants; default clamp(Users/50, 5, 20000)
	Logs          int // log events present at start; default clamp(Users/4, 50, 2000)
	Invitations   int // organization invitations in total; default clamp(Orgs*2, 6, 5000)
	CustomDomains int // default 2

	// Hardened fixes the tenant-wide misconfigurations the generator plants
	// (tenant flags and settings, the database and passwordless connections):
	// the clean counterpart of the rules whose asset is one per tenant. The
	// per-application, per-API and per-user misconfigurations stay, each
	// beside clean assets of its kind.
	Hardened bool

	// KeyAge is how long before the process started (wall clock, not
	// Epoch: a signing key's age is read against today) the current
	// signing key became current. Zero means 400 days on the planted
	// tenant (never rotated for over a year: signing-key-not-rotated) and
	// 30 days when Hardened. The planted tenant's current key is also
	// revoked (signing-key-revoked-but-current); the Hardened one's is not.
	KeyAge time.Duration
	// SMSFactor enables the sms MFA factor; PhoneProvider is the selected
	// phone provider (GET /guardian/factors/phone/selected-provider: auth0,
	// twilio or phone-message-hook). Empty means auth0 (Auth0's own,
	// test-grade provider, the tenant default), twilio when Hardened.
	SMSFactor     bool
	PhoneProvider string

	// Domain is the tenant domain shown in data; default "sim-{seed}.auth0.local".
	Domain string
	// Epoch is the simulated "now" of the generated data: every generated
	// timestamp falls before it. Zero means DefaultEpochString.
	Epoch time.Time

	ClientID, ClientSecret string // dev credentials; defaults DefaultClientID / DefaultClientSecret
	// Scopes, when set, are the scopes granted to the dev client's tokens, and
	// every endpoint (reads and writes) checks them. When nil, tokens carry
	// every read scope and writes are not checked (a convenience for tests
	// that mutate the tenant; Auth0 would require create:/update:/delete:).
	Scopes []string

	RPS   float64 // sustained requests per second; 0 turns rate limiting off
	Burst int     // bucket size; default DefaultBurst
	Plan  string  // PlanPaid (default) or PlanFree

	// ExportDelay is how long a users export job takes to complete. Zero
	// means 50ms + 1µs per user; negative means complete at once.
	ExportDelay time.Duration

	Faults Faults
}

// Faults are injected failures. They can be changed at runtime with SetFaults.
type Faults struct {
	// ErrorRate is the fraction of /api/v2 requests answered with a 503 or
	// 500. Which requests fail is a pure function of the seed and the
	// request's sequence number, so a run is reproducible.
	ErrorRate float64
	// Latency is added to every request, /oauth/token included.
	Latency time.Duration
	// FailAt fails chosen pages of chosen endpoint kinds.
	FailAt []PageFault
}

// PageFault fails the Page-th page (0-based) of endpoint kind Kind.
//
// What a page is depends on the request:
//   - offset lists: the `page` query parameter;
//   - checkpoint lists: the position in the sequence (0 = first page, sent
//     without `from`); the simulator carries the position in its cursor;
//   - logs with `from`: the k-th such request since the last logs request
//     without `from` (or since SetFaults);
//   - anything else (single reads, mutations, token, tenant settings, jobs,
//     log streams, bare custom domain lists): the k-th request of that kind
//     since SetFaults.
//
// Kind "users" also matches user searches (kind "users_search").
type PageFault struct {
	Kind   string
	Page   int
	Status int // default 500
	Times  int // how many times to fire; 0 = always
}

func (c Config) normalized() (Config, error) {
	if c.Users < 0 {
		return c, fmt.Errorf("auth0sim: Users must be >= 0, got %d", c.Users)
	}
	if c.RPS < 0 {
		return c, fmt.Errorf("auth0sim: RPS must be >= 0, got %v", c.RPS)
	}
	if c.Burst < 0 {
		return c, fmt.Errorf("auth0sim: Burst must be >= 0, got %d", c.Burst)
	}
	for _, n := range []int{c.Roles, c.Orgs, c.Clients, c.APIs, c.Grants, c.Logs, c.Invitations, c.CustomDomains} {
		if n < 0 {
			return c, fmt.Errorf("auth0sim: sizes must be >= 0")
		}
	}
	if c.Domain == "" {
		c.Domain = fmt.Sprintf("sim-%d.auth0.local", c.Seed)
	}
	if strings.ContainsAny(c.Domain, "/ ") {
		return c, fmt.Errorf("auth0sim: Domain must be a host name, got %q", c.Domain)
	}
	if _, err := url.Parse("https://" + c.Domain + "/"); err != nil {
		return c, fmt.Errorf("auth0sim: bad Domain: %w", err)
	}
	if c.Epoch.IsZero() {
		c.Epoch, _ = time.Parse(time.RFC3339, DefaultEpochString)
	}
	c.Epoch = c.Epoch.UTC().Truncate(time.Millisecond)
	if c.ClientID == "" {
		c.ClientID = DefaultClientID
	}
	if c.ClientSecret == "" {
		c.ClientSecret = DefaultClientSecret
	}
	if c.Burst == 0 {
		c.Burst = DefaultBurst
	}
	switch c.Plan {
	case "":
		c.Plan = PlanPaid
	case PlanPaid, PlanFree:
	default:
		return c, fmt.Errorf("auth0sim: Plan must be %q or %q, got %q", PlanPaid, PlanFree, c.Plan)
	}
	if c.Roles == 0 {
		c.Roles = max(len(specialRoles), c.Users/200)
	}
	c.Roles = max(c.Roles, len(specialRoles))
	if c.Orgs == 0 {
		c.Orgs = max(3, c.Users/100)
	}
	if c.Clients == 0 {
		c.Clients = len(namedClients) + c.Users/2000
	}
	c.Clients = max(c.Clients, len(namedClients))
	if c.APIs == 0 {
		c.APIs = 2 + int(mix64(uint64(c.Seed)^0xa91)%3)
	}
	c.APIs = max(c.APIs, 2)
	if c.Grants == 0 {
		c.Grants = clamp(c.Users/50, 5, 20000)
	}
	if c.Logs == 0 {
		c.Logs = clamp(c.Users/4, 50, 2000)
	}
	if c.Invitations == 0 {
		c.Invitations = clamp(c.Orgs*2, 6, 5000)
	}
	if c.CustomDomains == 0 {
		c.CustomDomains = 2
	}
	if c.ExportDelay == 0 {
		c.ExportDelay = 50*time.Millisecond + time.Duration(c.Users)*time.Microsecond
	}
	return c, nil
}

func clamp(v, lo, hi int) int {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}
