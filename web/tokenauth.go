package web

import (
	"context"

	"github.com/authgraph/authgraph/internal/access"
)

// CheckToken returns the caller an API token names, or nil when it is
// unknown, malformed, revoked or expired: the same check, store, hash and
// cache (a checked token is trusted for Auth.CacheTTL, 5 s) as a Bearer
// token on HTTP. Other listeners of serve (the SQL listener) use it, so a
// token means the same everywhere.
func (s *Server) CheckToken(ctx context.Context, token string) (*access.Principal, error) {
	return s.auth.token(ctx, token)
}

// AuditSignIn records a sign-in by p (ctx carries the caller's address,
// access.WithRemote) on another listener, as the HTTP sign-in does.
func (s *Server) AuditSignIn(ctx context.Context, p *access.Principal, via string) {
	s.Audit(access.WithPrincipal(ctx, p), "signin", via, "ok")
}

// AuditSignInFailure records a failed sign-in on another listener, paced
// like the HTTP ones (a flood of failures is not a flood of writes).
func (s *Server) AuditSignInFailure(ctx context.Context, via string) {
	s.auditFailure(ctx, via)
}
