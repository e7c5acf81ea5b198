package auth0sim

import "strings"

// Invented vocabulary for generated data. Nothing here comes from a real
// tenant; domains use the reserved .example / .local names.

var companies = []struct{ Name, Slug string }{
	{"Acme", "acme"}, {"Globex", "globex"}, {"Initech", "initech"}, {"Umbrella", "umbrella"},
	{"Hooli", "hooli"}, {"Stark Industries", "stark"}, {"Wayne Enterprises", "wayne"},
	{"Wonka", "wonka"}, {"Tyrell", "tyrell"}, {"Cyberdyne", "cyberdyne"},
}

var firstNames = []string{"Ada", "Alan", "Grace", "Linus", "Margaret", "Dennis", "Barbara", "Ken",
	"Frances", "Edsger", "Radia", "Tim", "Katherine", "John", "Hedy", "Donald", "Sophie", "Niklaus",
	"Karen", "Bjarne", "Anita", "Guido", "Shafi", "Leslie", "Mary", "James", "Lin", "Yukihiro",
	"Jean", "Robert", "Carol", "Whitfield", "Adele", "Butler", "Evelyn", "Ivan", "Joan", "Marvin",
	"Ruth", "Peter", "Susan", "Vint", "Elena", "Omar", "Priya", "Mateo", "Chen", "Amara", "Noah", "Zoe"}

var lastNames = []string{"Lovelace", "Turing", "Hopper", "Torvalds", "Hamilton", "Ritchie",
	"Liskov", "Thompson", "Allen", "Dijkstra", "Perlman", "Berners", "Johnson", "McCarthy", "Lamarr",
	"Knuth", "Wilson", "Wirth", "Jones", "Stroustrup", "Borg", "Rossum", "Goldwasser", "Lamport",
	"Jackson", "Gosling", "Yu", "Matsumoto", "Sammet", "Kahn", "Shaw", "Diffie", "Goldberg",
	"Lampson", "Berezin", "Sutherland", "Clarke", "Minsky", "Teitelman", "Norvig", "Kare", "Cerf",
	"Garcia", "Haddad", "Patel", "Rossi", "Wang", "Okafor", "Smith", "Nguyen"}

var orgWords = []string{"northwind", "contoso", "fabrikam", "tailspin", "adventure", "litware",
	"proseware", "wingtip", "woodgrove", "fourth-coffee", "alpine", "blue-yonder", "coho",
	"margies", "lucerne", "trey", "humongous", "graphic", "wide-world", "southridge"}

var orgSuffixes = []string{"traders", "labs", "logistics", "health", "bank", "media", "foods",
	"energy", "travel", "retail", "studios", "systems"}

var teamWords = []string{"warehouse", "finance", "marketing", "sales", "engineering", "support",
	"legal", "hr", "operations", "research", "design", "security", "data", "platform", "mobile",
	"partner", "field", "quality", "procurement", "analytics"}

var teamSuffixes = []string{"staff", "lead", "viewer", "editor", "operator", "analyst", "manager"}

var appWords = []string{"Atlas", "Beacon", "Comet", "Delta", "Ember", "Falcon", "Granite",
	"Harbor", "Iris", "Juniper", "Kestrel", "Lumen", "Meridian", "Nimbus", "Orbit", "Pioneer"}

// mgmtScopes are the Management API scopes the simulated tenant lists.
var mgmtScopes = strings.Fields(`
read:client_grants create:client_grants delete:client_grants update:client_grants
read:users update:users delete:users create:users
read:users_app_metadata update:users_app_metadata delete:users_app_metadata create:users_app_metadata
read:user_custom_blocks create:user_custom_blocks delete:user_custom_blocks create:user_tickets
read:clients update:clients delete:clients create:clients
read:client_keys update:client_keys delete:client_keys create:client_keys
read:connections update:connections delete:connections create:connections
read:resource_servers update:resource_servers delete:resource_servers create:resource_servers
read:device_credentials update:device_credentials delete:device_credentials create:device_credentials
read:rules update:rules delete:rules create:rules read:rules_configs update:rules_configs delete:rules_configs
read:hooks update:hooks delete:hooks create:hooks
read:actions update:actions delete:actions create:actions
read:email_provider update:email_provider delete:email_provider create:email_provider
blacklist:tokens read:stats read:insights read:tenant_settings update:tenant_settings
read:logs read:logs_users read:shields create:shields update:shields delete:shields
read:anomaly_blocks delete:anomaly_blocks update:triggers read:triggers read:grants delete:grants
read:guardian_factors update:guardian_factors read:guardian_enrollments delete:guardian_enrollments
create:guardian_enrollment_tickets read:user_idp_tokens
create:passwords_checking_job delete:passwords_checking_job
read:custom_domains delete:custom_domains create:custom_domains update:custom_domains
read:email_templates create:email_templates update:email_templates
read:mfa_policies update:mfa_policies
read:roles create:roles delete:roles update:roles
read:prompts update:prompts read:branding update:branding delete:branding
read:log_streams create:log_streams delete:log_streams update:log_streams
create:signing_keys read:signing_keys update:signing_keys
read:limits update:limits create:role_members read:role_members delete:role_members
read:entitlements read:attack_protection update:attack_protection
read:organizations_summary read:organizations update:organizations create:organizations delete:organizations
create:organization_members read:organization_members delete:organization_members
create:organization_connections read:organization_connections update:organization_connections delete:organization_connections
create:organization_member_roles read:organization_member_roles delete:organization_member_roles
create:organization_invitations read:organization_invitations delete:organization_invitations
read:authentication_methods update:authentication_methods delete:authentication_methods create:authentication_methods
read:sessions delete:sessions read:refresh_tokens delete:refresh_tokens
`)

// readScopes are the read:* Management API scopes: the default grant of the
// dev client.
func readScopes() []string {
	var out []string
	for _, s := range mgmtScopes {
		if strings.HasPrefix(s, "read:") {
			out = append(out, s)
		}
	}
	return out
}

// scopeDescription turns "read:client_grants" into "Read Client Grants".
func scopeDescription(v string) string {
	action, res, _ := strings.Cut(v, ":")
	words := append([]string{action}, strings.Split(res, "_")...)
	for i, w := range words {
		if w != "" {
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return strings.Join(words, " ")
}
