package web

import (
	"context"
	"crypto/subtle"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/labstack/echo/v4"
	"golang.org/x/oauth2"

	"github.com/authgraph/authgraph/internal/access"
	"github.com/authgraph/authgraph/internal/apperr"
)

// OIDCConfig configures sign-in with an OpenID Connect issuer (Auth0, Okta,
// Google, Keycloak, …): authorization code with PKCE, state and nonce.
type OIDCConfig struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	// RedirectURL is this server's /auth/callback as the issuer knows it.
	RedirectURL string
	// RoleClaim names the ID token claim (a string or a list of strings,
	// e.g. groups) whose values map to roles through RoleMap.
	RoleClaim string
	RoleMap   map[string]access.Role
	// Scopes besides openid (default profile, email).
	Scopes []string
	// HTTPClient talks to the issuer (default: 10s timeout).
	HTTPClient *http.Client
}

// OIDC runs the sign-in flow. Logins in flight are kept in memory
// (state → PKCE verifier and nonce) for ten minutes, and the browser holds
// the state in a cookie too, so a callback must come from the browser that
// started it.
type OIDC struct {
	cfg      OIDCConfig
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
	client   *http.Client

	mu      sync.Mutex
	pending map[string]pendingLogin
}

type pendingLogin struct {
	verifier string // PKCE
	nonce    string
	until    time.Time
}

const (
	oidcStateCookie = "authgraph_oidc_state"
	loginTTL        = 10 * time.Minute
	maxPending      = 10000
)

// NewOIDC discovers the issuer and returns the flow.
func NewOIDC(ctx context.Context, cfg OIDCConfig) (*OIDC, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" || cfg.RedirectURL == "" {
		return nil, apperr.New(apperr.Invalid, "OIDC needs an issuer, a client id and a redirect URL")
	}
	if len(cfg.RoleMap) == 0 {
		return nil, apperr.New(apperr.Invalid, "OIDC needs a role mapping (e.g. --oidc-role-map authgraph-admins=admin)")
	}
	if cfg.RoleClaim == "" {
		cfg.RoleClaim = "groups"
	}
	if cfg.Scopes == nil {
		cfg.Scopes = []string{"profile", "email"}
	}
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	pctx := oidc.ClientContext(ctx, client)
	dctx, cancel := context.WithTimeout(pctx, 15*time.Second)
	defer cancel()
	provider, err := oidc.NewProvider(dctx, cfg.Issuer)
	if err != nil {
		return nil, apperr.Wrap(apperr.Unavailable, err, "OIDC discovery at "+cfg.Issuer+" failed")
	}
	return &OIDC{
		cfg: cfg,
		oauth: oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: cfg.RedirectURL,
			Endpoint: provider.Endpoint(), Scopes: append([]string{oidc.ScopeOpenID}, cfg.Scopes...)},
		// The provider's verifier keeps the JWKS fetched through client
		// (the context of NewProvider carries it).
		verifier: provider.VerifierContext(pctx, &oidc.Config{ClientID: cfg.ClientID}),
		client:   client,
		pending:  map[string]pendingLogin{},
	}, nil
}

// login sends the browser to the issuer.
func (s *Server) oidcStart(c echo.Context) error {
	o := s.oidc
	if o == nil {
		return echo.ErrNotFound
	}
	state, nonce, verifier := access.NewSecret(), access.NewSecret(), oauth2.GenerateVerifier()
	now := time.Now()
	o.mu.Lock()
	for k, v := range o.pending {
		if now.After(v.until) {
			delete(o.pending, k)
		}
	}
	for k := range o.pending {
		if len(o.pending) < maxPending {
			break
		}
		// Full (a flood of /auth/login): make room rather than refuse
		// everyone for ten minutes; a flooder can only cut others' sign-ins
		// in flight short, and they start again.
		delete(o.pending, k)
	}
	o.pending[state] = pendingLogin{verifier: verifier, nonce: nonce, until: now.Add(loginTTL)}
	o.mu.Unlock()
	r := c.Request()
	http.SetCookie(c.Response(), &http.Cookie{Name: oidcStateCookie, Value: state, Path: "/auth/", HttpOnly: true,
		Secure: s.secure(r), SameSite: http.SameSiteLaxMode, MaxAge: int(loginTTL.Seconds())})
	return c.Redirect(http.StatusFound, o.oauth.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)))
}

// oidcCallback finishes a sign-in: the state must be the one this browser
// started with, the code is exchanged with the PKCE verifier, the ID token
// must verify (issuer, audience, expiry, signature) and carry the nonce,
// and its role claim must map to a role.
func (s *Server) oidcCallback(c echo.Context) error {
	o := s.oidc
	if o == nil {
		return echo.ErrNotFound
	}
	r := c.Request()
	clear := &http.Cookie{Name: oidcStateCookie, Value: "", Path: "/auth/", HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode, MaxAge: -1}
	http.SetCookie(c.Response(), clear)
	fail := func(status int, reason, msg string) error {
		s.auditFailure(r.Context(), "oidc: "+reason)
		return c.JSON(status, map[string]string{"error": msg})
	}
	q := r.URL.Query()
	state := q.Get("state")
	ck, err := r.Cookie(oidcStateCookie)
	if err != nil || state == "" || subtle.ConstantTimeCompare([]byte(ck.Value), []byte(state)) != 1 {
		return fail(http.StatusBadRequest, "state", "sign-in state does not match this browser's: start again at /auth/login")
	}
	o.mu.Lock()
	pl, ok := o.pending[state]
	delete(o.pending, state)
	o.mu.Unlock()
	if !ok || time.Now().After(pl.until) {
		return fail(http.StatusBadRequest, "state", "sign-in expired or unknown: start again at /auth/login")
	}
	if e := q.Get("error"); e != "" {
		return fail(http.StatusUnauthorized, "issuer error", "the identity provider refused the sign-in")
	}
	ctx, cancel := context.WithTimeout(oidc.ClientContext(r.Context(), o.client), 15*time.Second)
	defer cancel()
	tok, err := o.oauth.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(pl.verifier))
	if err != nil {
		s.cfg.Logger.Warn("oidc: code exchange failed", "err", err)
		return fail(http.StatusUnauthorized, "exchange", "the identity provider did not accept the sign-in code")
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return fail(http.StatusUnauthorized, "no id_token", "the identity provider sent no ID token")
	}
	idt, err := o.verifier.Verify(ctx, raw)
	if err != nil {
		s.cfg.Logger.Warn("oidc: ID token refused", "err", err)
		return fail(http.StatusUnauthorized, "id_token", "the ID token did not verify")
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(pl.nonce)) != 1 {
		return fail(http.StatusUnauthorized, "nonce", "the ID token's nonce does not match this sign-in")
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return fail(http.StatusUnauthorized, "claims", "the ID token's claims do not decode")
	}
	role := o.roleOf(claims)
	name := firstString(claims, "email", "name", "preferred_username")
	if name == "" {
		name = idt.Subject
	}
	p := &access.Principal{Subject: "oidc:" + idt.Subject, Name: name, Role: role, Via: "oidc"}
	if role == access.None || role == access.Ingest {
		s.auditFailure(access.WithPrincipal(r.Context(), p), "oidc: no role")
		return c.JSON(http.StatusForbidden, map[string]string{"error": fmt.Sprintf("signed in, but your %q claim maps to no authgraph role", o.cfg.RoleClaim)})
	}
	if err := s.startSession(c, p, ""); err != nil {
		return err
	}
	return c.Redirect(http.StatusFound, "/")
}

// roleOf maps the role claim's values (a string or a list) to the highest
// role they name.
func (o *OIDC) roleOf(claims map[string]any) access.Role {
	var vals []string
	switch v := claims[o.cfg.RoleClaim].(type) {
	case string:
		vals = strings.Fields(strings.ReplaceAll(v, ",", " "))
	case []any:
		for _, x := range v {
			if s, ok := x.(string); ok {
				vals = append(vals, s)
			}
		}
	}
	role := access.None
	for _, v := range vals {
		if r, ok := o.cfg.RoleMap[v]; ok {
			role = access.Higher(role, r)
		}
	}
	return role
}

func firstString(claims map[string]any, keys ...string) string {
	for _, k := range keys {
		if s, ok := claims[k].(string); ok && s != "" {
			return s
		}
	}
	return ""
}

// ParseRoleMap parses "group=role" pairs (from --oidc-role-map).
func ParseRoleMap(pairs []string) (map[string]access.Role, error) {
	out := map[string]access.Role{}
	for _, p := range pairs {
		for _, item := range strings.Split(p, ",") {
			item = strings.TrimSpace(item)
			if item == "" {
				continue
			}
			k, v, ok := strings.Cut(item, "=")
			if !ok || strings.TrimSpace(k) == "" {
				return nil, apperr.New(apperr.Invalid, "role map entry %q: want CLAIM_VALUE=ROLE", item)
			}
			r, err := access.ParseRole(v)
			if err != nil {
				return nil, apperr.Wrap(apperr.Invalid, err, "role map entry "+item)
			}
			out[strings.TrimSpace(k)] = r
		}
	}
	return out, nil
}
