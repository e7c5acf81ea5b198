package access

import "strings"

// The policy: every route and every GraphQL field a caller can reach is
// decided here, and only here. To add an operation, add a line.
//
// GraphQL fields are named "Type.field". Fields of Query not listed need
// Viewer (a viewer reads everything); fields of Mutation and Subscription
// not listed are refused to everyone (default deny), as is any listed with
// NeedNobody. Other types' fields are checked only when listed (e.g. an
// admin-only field on an object).
var graphQL = map[string]Need{
	// Admin-only reads.
	"Query.auditLog": NeedAdmin,

	// The consoles: read-only queries of the whole graph, as any viewer
	// (authgraph's own records are out of their reach).
	"Query.cypher":    NeedViewer,
	"Query.sql":       NeedViewer,
	"Query.sqlTables": NeedViewer,

	// Findings (rules): analysts act on them.
	"Mutation.runRules":          NeedAnalyst,
	"Query.ruleRun":              NeedAnalyst,
	"Mutation.suppressFinding":   NeedAnalyst,
	"Mutation.unsuppressFinding": NeedAnalyst,

	// Administration (tenants, notification channels, tokens) goes here
	// as NeedAdmin, one line per mutation.

	// Connected tenants: anyone reads their status; admins see the client
	// id, removals, and change them.
	"ConnectedTenant.clientId":       NeedAdmin,
	"Query.tenantRemovals":           NeedAdmin,
	"Mutation.testTenantConnection":  NeedAdmin,
	"Mutation.connectTenant":         NeedAdmin,
	"Mutation.updateConnectedTenant": NeedAdmin,
	"Mutation.setTenantEnabled":      NeedAdmin,
	"Mutation.removeTenant":          NeedAdmin,
}

// listeners: what a connection to a listener other than HTTP needs, for
// every statement it sends. The SQL listener (serve --sql-addr) runs the
// same read-only SQL as Query.sql, so it needs what that field needs.
var listeners = map[string]Need{
	"sql": NeedViewer,
}

// ListenerNeed returns what a connection to the listener name needs; a
// listener missing from the table is refused to everyone.
func ListenerNeed(name string) Need {
	if n, ok := listeners[name]; ok {
		return n
	}
	return NeedNobody
}

// GraphQLField returns what the field typeName.field needs.
func GraphQLField(typeName, field string) Need {
	if n, ok := graphQL[typeName+"."+field]; ok {
		return n
	}
	switch typeName {
	case "Query":
		return NeedViewer
	case "Mutation", "Subscription":
		return NeedNobody
	}
	return Public // checked by its root field
}

// GraphQLListed says whether typeName.field has its own line in the table
// (fields of other types than the roots are checked only then).
func GraphQLListed(typeName, field string) bool {
	_, ok := graphQL[typeName+"."+field]
	return ok
}

// Route is an HTTP route as the server registers it.
type Route struct {
	Method string
	Path   string // a path or a prefix ending in "/*"
}

// routes: what each HTTP route needs. The GraphQL endpoint needs a viewer
// and then each operation's fields are checked (GraphQLField).
var routes = map[Route]Need{
	{"POST", "/graphql"}: NeedViewer,
	{"GET", "/graphql"}:  NeedViewer, // the GraphiQL page (queries over GET are off)
	{"GET", "/metrics"}:  NeedAdmin,  // unless served on --metrics-addr
	{"GET", "/healthz"}:  Public,     // up or down, nothing more

	// Signing in and out.
	{"GET", "/auth/login"}:     Public, // OIDC: to the issuer
	{"GET", "/auth/callback"}:  Public, // OIDC: back from the issuer
	{"POST", "/auth/token"}:    Public, // an API token for a cookie session
	{"POST", "/auth/logout"}:   Public, // ends the caller's session, if any
	{"GET", "/auth/me"}:        NeedViewer,
	{"GET", "/auth/providers"}: Public, // which sign-in methods the page offers

	// Events from Auth0 (log streams, hooks).
	{"POST", "/hooks/*"}: NeedIngest,

	// The web app's files (the shell, scripts, styles: no data).
	{"GET", "/"}:  Public,
	{"GET", "/*"}: Public,
}

// RouteNeed returns what a route needs; a route missing from the table is
// refused to everyone.
func RouteNeed(method, path string) Need {
	if n, ok := routes[Route{method, path}]; ok {
		return n
	}
	if method == "HEAD" {
		return RouteNeed("GET", path)
	}
	return NeedNobody
}

// Routes lists the table's routes (tests walk them).
func Routes() []Route {
	out := make([]Route, 0, len(routes))
	for r := range routes {
		out = append(out, r)
	}
	return out
}

// IsPrefix says whether a route is a prefix ("/hooks/*").
func (r Route) IsPrefix() bool { return strings.HasSuffix(r.Path, "/*") }
