package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/authgraph/authgraph/internal/access"
	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/internal/store"
)

// Auth modes of serve --auth.
const (
	AuthNone  = "none"  // everyone is admin: loopback only (serve checks)
	AuthToken = "token" // API tokens (Bearer, or a cookie session opened with one)
	AuthOIDC  = "oidc"  // OpenID Connect sign-in, and API tokens
)

// AuthConfig configures authentication.
type AuthConfig struct {
	Mode string // AuthNone (default), AuthToken or AuthOIDC
	// SessionTTL is a cookie session's lifetime (default 12h).
	SessionTTL time.Duration
	// SecureCookies marks cookies Secure (serve sets it behind an https
	// public URL; requests over TLS get it anyway).
	SecureCookies bool
	// CacheTTL is how long a checked credential is trusted before it is
	// read again (default 5s): revoking a token or ending a session takes
	// effect on other servers within it.
	CacheTTL time.Duration
	OIDC     *OIDC // for AuthOIDC (NewOIDC)
}

// sessionCookie names the session cookie; the __Host- prefix (Secure,
// path /, no Domain) keeps other hosts of the domain from setting it.
func (s *Server) sessionCookie(r *http.Request) string {
	if s.secure(r) {
		return "__Host-authgraph_session"
	}
	return "authgraph_session"
}

func (s *Server) secure(r *http.Request) bool { return s.cfg.Auth.SecureCookies || r.TLS != nil }

// noneCaller is everyone when --auth none (loopback only).
var noneCaller = &access.Principal{Subject: "local", Name: "local (no sign-in)", Role: access.Admin, Via: AuthNone}

// authenticator checks credentials against the store, with a short cache
// keyed by the credential's hash (never the credential).
type authenticator struct {
	st  *store.Store
	ttl time.Duration
	log *slog.Logger
	now func() time.Time

	mu      sync.Mutex
	cache   map[string]cachedCaller
	touched map[string]time.Time // token id → when last_used was written
}

type cachedCaller struct {
	p     *access.Principal // nil: not valid
	until time.Time
}

const maxCached = 10000

func newAuthenticator(st *store.Store, ttl time.Duration, log *slog.Logger) *authenticator {
	if ttl <= 0 {
		ttl = 5 * time.Second
	}
	return &authenticator{st: st, ttl: ttl, log: log, now: time.Now, cache: map[string]cachedCaller{}, touched: map[string]time.Time{}}
}

func (a *authenticator) cached(key string) (*access.Principal, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	c, ok := a.cache[key]
	if !ok || a.now().After(c.until) {
		return nil, false
	}
	if c.p != nil && !c.p.SessionExpires.IsZero() && !a.now().Before(c.p.SessionExpires) {
		return nil, false
	}
	return c.p, true
}

func (a *authenticator) remember(key string, p *access.Principal) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.cache) >= maxCached {
		clear(a.cache) // bounded: a flood of bad tokens cannot grow it
	}
	a.cache[key] = cachedCaller{p: p, until: a.now().Add(a.ttl)}
}

func (a *authenticator) forget(key string) {
	a.mu.Lock()
	delete(a.cache, key)
	a.mu.Unlock()
}

// token returns the caller an API token names, or nil when it is unknown,
// revoked or expired.
func (a *authenticator) token(ctx context.Context, tok string) (*access.Principal, error) {
	id, secret, ok := access.ParseToken(tok)
	if !ok {
		return nil, nil
	}
	h := access.Hash(secret)
	key := "t:" + id + ":" + h
	if p, ok := a.cached(key); ok {
		return p, nil
	}
	t, err := a.st.TokenByID(ctx, id)
	if apperr.KindOf(err) == apperr.NotFound {
		a.remember(key, nil)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	now := a.now()
	role, rerr := access.ParseRole(t.Role)
	if !access.HashEqual(t.Hash, h) || t.Revoked != nil || (t.Expires != nil && !now.Before(*t.Expires)) || rerr != nil {
		a.remember(key, nil)
		return nil, nil
	}
	p := &access.Principal{Subject: "token:" + t.ID, Name: t.Name, Role: role, Via: "token"}
	if t.Expires != nil {
		p.SessionExpires = *t.Expires // the cache ends with the token
	}
	a.remember(key, p)
	a.touch(t.ID, now)
	return p, nil
}

// touch writes a token's last use at most once a minute, off the request.
func (a *authenticator) touch(id string, now time.Time) {
	a.mu.Lock()
	last := a.touched[id]
	if now.Sub(last) < time.Minute {
		a.mu.Unlock()
		return
	}
	if len(a.touched) >= maxCached {
		clear(a.touched)
	}
	a.touched[id] = now
	a.mu.Unlock()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := a.st.TouchToken(ctx, id, now); err != nil {
			a.log.Warn("auth: record token use", "token", id, "err", err)
		}
	}()
}

// session returns the caller of a session id, or nil.
func (a *authenticator) session(ctx context.Context, sid string) (*access.Principal, error) {
	if len(sid) != 64 {
		return nil, nil
	}
	h := access.Hash(sid)
	key := "s:" + h
	if p, ok := a.cached(key); ok {
		return p, nil
	}
	x, ok, err := a.st.SessionByHash(ctx, h, a.now())
	if err != nil {
		return nil, err
	}
	if !ok {
		a.remember(key, nil)
		return nil, nil
	}
	role, err := access.ParseRole(x.Role)
	if err != nil {
		a.remember(key, nil)
		return nil, nil
	}
	p := &access.Principal{Subject: x.Subject, Name: x.Name, Role: role, Via: "session", SessionExpires: x.Expires}
	a.remember(key, p)
	return p, nil
}

// authenticate puts the caller in the request's context: a Bearer token
// first (a bad one is refused outright, whatever cookie comes with it),
// else the session cookie, else anonymous.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		var p *access.Principal
		switch {
		case (s.cfg.Auth.Mode == AuthNone || s.cfg.Auth.Mode == "") && !strings.HasPrefix(r.URL.Path, "/hooks/"):
			// Auth0's pushes carry their stream's token whatever the
			// people's sign-in mode: /hooks/ falls through to it.
			p = noneCaller
		case r.Header.Get("Authorization") != "":
			scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
			if !strings.EqualFold(scheme, "Bearer") {
				return unauthenticated(c, "use Authorization: Bearer <API token>")
			}
			var err error
			if p, err = s.auth.token(r.Context(), strings.TrimSpace(tok)); err != nil {
				return err
			}
			if p == nil {
				return unauthenticated(c, "the API token is unknown, revoked or expired")
			}
		default:
			if ck, err := r.Cookie(s.sessionCookie(r)); err == nil {
				if p, err = s.auth.session(r.Context(), ck.Value); err != nil {
					return err
				}
			}
		}
		ctx := access.WithPrincipal(r.Context(), p)
		ctx = access.WithRemote(ctx, c.RealIP())
		c.SetRequest(r.WithContext(ctx))
		return next(c)
	}
}

// authorize checks the route's line of the access table.
func (s *Server) authorize(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		path := c.Path()
		if path == "" {
			return next(c) // no route: echo answers 404/405
		}
		switch access.Allow(access.FromContext(c.Request().Context()), access.RouteNeed(c.Request().Method, path)) {
		case access.Unauthenticated:
			return unauthenticated(c, "sign in first")
		case access.Forbidden:
			return c.JSON(http.StatusForbidden, map[string]string{"error": "your role may not do this"})
		}
		return next(c)
	}
}

func unauthenticated(c echo.Context, msg string) error {
	c.Response().Header().Set("WWW-Authenticate", `Bearer realm="authgraph"`)
	return c.JSON(http.StatusUnauthorized, map[string]string{"error": msg})
}

// Audit records an action by the request's caller.
func (s *Server) Audit(ctx context.Context, action, target, outcome string) {
	e := store.AuditEntry{ID: access.NewSecret()[:32], At: time.Now(), Actor: "anonymous", Action: action, Target: target,
		From: access.Remote(ctx), Outcome: outcome}
	if p := access.FromContext(ctx); p != nil {
		e.Actor, e.Name, e.Role = p.Subject, p.Name, string(p.Role)
	}
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := s.cfg.Store.Audit(actx, e); err != nil {
		s.cfg.Logger.Error("audit: not recorded", "action", action, "err", err)
	}
}

// auditFailure records a failed sign-in, at most a few a second: anyone
// may fail, and a flood must not become a flood of writes.
func (s *Server) auditFailure(ctx context.Context, target string) {
	if !s.failures.Allow() {
		s.cfg.Logger.Warn("auth: failed sign-in not audited (too many)", "target", target, "from", access.Remote(ctx))
		return
	}
	s.Audit(ctx, "signin.failed", target, "denied")
}

// startSession opens a cookie session for p and sets the cookie.
func (s *Server) startSession(c echo.Context, p *access.Principal, tokenID string) error {
	r := c.Request()
	ttl := s.cfg.Auth.SessionTTL
	if ttl <= 0 {
		ttl = 12 * time.Hour
	}
	sid := access.NewSecret()
	now := time.Now()
	if err := s.cfg.Store.CreateSession(r.Context(), store.Session{Hash: access.Hash(sid), Subject: p.Subject, Name: p.Name,
		Role: string(p.Role), TokenID: tokenID, Created: now, Expires: now.Add(ttl), From: c.RealIP()}); err != nil {
		return err
	}
	http.SetCookie(c.Response(), &http.Cookie{Name: s.sessionCookie(r), Value: sid, Path: "/", HttpOnly: true,
		Secure: s.secure(r), SameSite: http.SameSiteLaxMode, Expires: now.Add(ttl), MaxAge: int(ttl.Seconds())})
	s.Audit(access.WithPrincipal(r.Context(), p), "signin", p.Via, "ok")
	return nil
}

// tokenSignIn opens a cookie session with an API token (the sign-in page's
// form: people without an identity provider, and the browser tests).
func (s *Server) tokenSignIn(c echo.Context) error {
	if s.cfg.Auth.Mode == AuthNone || s.cfg.Auth.Mode == "" {
		return c.JSON(http.StatusOK, me(noneCaller, s.cfg.Auth.Mode))
	}
	var body struct {
		Token string `json:"token" form:"token"`
	}
	if err := c.Bind(&body); err != nil {
		return apperr.New(apperr.Invalid, "send {\"token\": \"agt_…\"}")
	}
	p, err := s.auth.token(c.Request().Context(), strings.TrimSpace(body.Token))
	if err != nil {
		return err
	}
	if p == nil || p.Role == access.Ingest {
		// Ingest tokens deliver events; they do not open the web app.
		s.auditFailure(c.Request().Context(), "token")
		return unauthenticated(c, "the API token is unknown, revoked, expired or not for people")
	}
	p = &access.Principal{Subject: p.Subject, Name: p.Name, Role: p.Role, Via: "token"}
	if err := s.startSession(c, p, strings.TrimPrefix(p.Subject, "token:")); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, me(p, s.cfg.Auth.Mode))
}

// logout ends the caller's session (server-side too) and clears the cookie.
func (s *Server) logout(c echo.Context) error {
	r := c.Request()
	name := s.sessionCookie(r)
	if ck, err := r.Cookie(name); err == nil && len(ck.Value) == 64 {
		h := access.Hash(ck.Value)
		if err := s.cfg.Store.DeleteSession(r.Context(), h); err != nil {
			return err
		}
		s.auth.forget("s:" + h)
		s.Audit(r.Context(), "signout", "", "ok")
	}
	http.SetCookie(c.Response(), &http.Cookie{Name: name, Value: "", Path: "/", HttpOnly: true, Secure: s.secure(r),
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
	return c.NoContent(http.StatusNoContent)
}

type meJSON struct {
	Subject string `json:"subject"`
	Name    string `json:"name"`
	Role    string `json:"role"`
	Via     string `json:"via"`
	Auth    string `json:"auth"`
	Expires string `json:"expires,omitempty"`
}

func me(p *access.Principal, mode string) meJSON {
	if mode == "" {
		mode = AuthNone
	}
	m := meJSON{Subject: p.Subject, Name: p.Name, Role: string(p.Role), Via: p.Via, Auth: mode}
	if !p.SessionExpires.IsZero() {
		m.Expires = p.SessionExpires.UTC().Format(time.RFC3339)
	}
	return m
}

func (s *Server) whoami(c echo.Context) error {
	return c.JSON(http.StatusOK, me(access.FromContext(c.Request().Context()), s.cfg.Auth.Mode))
}

// providers tells the sign-in page what to offer.
func (s *Server) providers(c echo.Context) error {
	mode := s.cfg.Auth.Mode
	if mode == "" {
		mode = AuthNone
	}
	return c.JSON(http.StatusOK, map[string]any{"auth": mode, "oidc": s.oidc != nil, "token": mode != AuthNone})
}

// sweepSessions deletes expired sessions now and then until ctx ends.
func (s *Server) sweepSessions(ctx context.Context) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		if n, err := s.cfg.Store.DeleteExpiredSessions(ctx, time.Now()); err != nil && !errors.Is(err, context.Canceled) {
			s.cfg.Logger.Warn("auth: sweep sessions", "err", err)
		} else if n > 0 {
			s.cfg.Logger.Info("auth: expired sessions removed", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
