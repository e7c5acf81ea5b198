// Package access says who a caller is and what they may do: the roles, the
// principal a request carries in its context, and the one table that every
// route and every GraphQL field is checked against ("may this caller do
// this"). The web server authenticates and puts a Principal in the context;
// the GraphQL layer and the routes ask Allow. Nothing here talks to Neo4j.
package access

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Role is what a caller may do. viewer < analyst < admin each include the
// one before; ingest stands apart (it may only deliver events).
type Role string

const (
	// None is an anonymous caller.
	None Role = ""
	// Viewer reads everything, the console included.
	Viewer Role = "viewer"
	// Analyst is a viewer who may also run rules and suppress findings.
	Analyst Role = "analyst"
	// Admin may do everything: tenants, notification channels, tokens, the
	// audit log.
	Admin Role = "admin"
	// Ingest may only call the endpoints that receive events from Auth0.
	Ingest Role = "ingest"
)

// Roles lists every role a token or a session may hold.
var Roles = []Role{Viewer, Analyst, Admin, Ingest}

// ParseRole parses a role name (case-insensitive).
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	for _, k := range Roles {
		if r == k {
			return r, nil
		}
	}
	return None, fmt.Errorf("unknown role %q (one of viewer, analyst, admin, ingest)", s)
}

// rank orders the reading roles; ingest and none rank 0 (they read nothing).
func rank(r Role) int {
	switch r {
	case Viewer:
		return 1
	case Analyst:
		return 2
	case Admin:
		return 3
	}
	return 0
}

// Higher returns the role that may do more of a and b (people mapped to
// several groups get the highest reading role; ingest only when nothing
// else).
func Higher(a, b Role) Role {
	if rank(b) > rank(a) || (a == None && b == Ingest) {
		return b
	}
	return a
}

// Need is what an action requires.
type Need struct {
	// Min is the least reading role (Viewer, Analyst, Admin); None with
	// Ingest false means anyone, signed in or not.
	Min Role
	// IngestOnly actions are for the ingest role alone (admins neither:
	// an event endpoint is not a place for people).
	IngestOnly bool
	// Deny refuses everyone (an action missing from the table).
	Deny bool
}

// Public needs nothing; the others name their least role.
var (
	Public      = Need{}
	NeedViewer  = Need{Min: Viewer}
	NeedAnalyst = Need{Min: Analyst}
	NeedAdmin   = Need{Min: Admin}
	NeedIngest  = Need{IngestOnly: true}
	NeedNobody  = Need{Deny: true}
)

// Principal is an authenticated caller.
type Principal struct {
	// Subject names the caller for the audit log: "token:<public id>" or
	// "oidc:<issuer sub>".
	Subject string
	// Name is a display name (the token's name, a person's name or email).
	Name string
	Role Role
	// Via says how the caller signed in: "token", "session".
	Via string
	// SessionExpires is when a cookie session ends (zero for tokens).
	SessionExpires time.Time
}

// Decision is Allow's answer.
type Decision int

const (
	Allowed Decision = iota
	// Unauthenticated: the action needs a caller and there is none (401).
	Unauthenticated
	// Forbidden: the caller's role does not allow it (403).
	Forbidden
)

// Allow decides whether p (nil for anonymous) may do what n needs.
func Allow(p *Principal, n Need) Decision {
	if n.Deny {
		if p == nil {
			return Unauthenticated
		}
		return Forbidden
	}
	if !n.IngestOnly && n.Min == None {
		return Allowed
	}
	if p == nil || p.Role == None {
		return Unauthenticated
	}
	if n.IngestOnly {
		if p.Role == Ingest {
			return Allowed
		}
		return Forbidden
	}
	if rank(p.Role) >= rank(n.Min) {
		return Allowed
	}
	return Forbidden
}

type ctxKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// FromContext returns the caller of ctx, or nil when anonymous.
func FromContext(ctx context.Context) *Principal {
	p, _ := ctx.Value(ctxKey{}).(*Principal)
	return p
}

type remoteKey struct{}

// WithRemote returns ctx carrying the caller's address (for the audit log).
func WithRemote(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, remoteKey{}, addr)
}

// Remote returns the caller's address of ctx, or "".
func Remote(ctx context.Context) string {
	a, _ := ctx.Value(remoteKey{}).(string)
	return a
}
