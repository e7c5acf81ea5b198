package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/web"
)

// serveSecurity holds serve's access flags.
type serveSecurity struct {
	auth        string
	publicURL   string
	public      *url.URL
	metricsAddr string
	sessionTTL  time.Duration

	oidcIssuer, oidcClientID, oidcSecretFile, oidcRedirect, oidcRoleClaim string
	oidcRoleMap, oidcScopes                                               []string
}

func (s *serveSecurity) flags(f *pflag.FlagSet) {
	f.StringVar(&s.auth, "auth", web.AuthNone, "who may call: oidc (people sign in with an OpenID Connect issuer; API tokens too), token (API tokens only), none (everyone is admin; loopback addresses only)")
	f.StringVar(&s.publicURL, "public-url", "", "the URL people use to reach this server (e.g. https://authgraph.example.com); its host is allowed besides loopback names, https makes cookies Secure")
	f.StringVar(&s.metricsAddr, "metrics-addr", "", "serve /metrics on this address without a token (default: on --addr, admin token required)")
	f.DurationVar(&s.sessionTTL, "session-ttl", 12*time.Hour, "lifetime of a browser session")
	f.StringVar(&s.oidcIssuer, "oidc-issuer", "", "OIDC issuer URL (e.g. https://TENANT.eu.auth0.com/)")
	f.StringVar(&s.oidcClientID, "oidc-client-id", "", "OIDC client id")
	f.StringVar(&s.oidcSecretFile, "oidc-client-secret-file", "", "file holding the OIDC client secret (or AUTHGRAPH_OIDC_CLIENT_SECRET)")
	f.StringVar(&s.oidcRedirect, "oidc-redirect-url", "", "this server's callback as registered at the issuer (default: --public-url + /auth/callback)")
	f.StringVar(&s.oidcRoleClaim, "oidc-role-claim", "groups", "ID token claim whose values map to roles")
	f.StringSliceVar(&s.oidcRoleMap, "oidc-role-map", nil, "claim value=role pairs, e.g. sec-team=admin,analysts=analyst,everyone=viewer")
	f.StringSliceVar(&s.oidcScopes, "oidc-scopes", []string{"profile", "email"}, "scopes to ask for besides openid")
}

// check refuses an open server off loopback and bad flag combinations,
// before anything starts.
func (s *serveSecurity) check(addr string) error {
	switch s.auth {
	case web.AuthNone, web.AuthToken, web.AuthOIDC:
	default:
		return apperr.New(apperr.Invalid, "--auth %q: one of oidc, token, none", s.auth)
	}
	if s.publicURL != "" {
		u, err := url.Parse(s.publicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return apperr.New(apperr.Invalid, "--public-url %q: want http(s)://host[:port]", s.publicURL)
		}
		s.public = u
	}
	if s.auth == web.AuthNone && !loopbackAddr(addr) {
		return apperr.New(apperr.Invalid, "serve --addr %s is not a loopback address, and --auth none would let anyone who reaches it in as admin.\n"+
			"Choose an auth method:\n"+
			"  --auth token   API tokens: create the first with `authgraph tokens create --name me --role admin`\n"+
			"  --auth oidc    people sign in with your identity provider: --oidc-issuer URL --oidc-client-id ID --oidc-client-secret-file F --oidc-role-map GROUP=admin --public-url URL\n"+
			"or listen on 127.0.0.1 only.", addr)
	}
	if s.auth == web.AuthOIDC && s.oidcRedirect == "" && s.public == nil {
		return apperr.New(apperr.Invalid, "--auth oidc needs --public-url (or --oidc-redirect-url) so the issuer can send people back")
	}
	return nil
}

// loopbackAddr says whether a listen address accepts loopback connections
// only.
func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// authConfig builds the server's auth configuration (OIDC discovery
// included, so a wrong issuer fails here).
func (s *serveSecurity) authConfig(ctx context.Context) (web.AuthConfig, error) {
	cfg := web.AuthConfig{Mode: s.auth, SessionTTL: s.sessionTTL, SecureCookies: s.public != nil && s.public.Scheme == "https"}
	if s.auth != web.AuthOIDC {
		return cfg, nil
	}
	secret := os.Getenv("AUTHGRAPH_OIDC_CLIENT_SECRET")
	if s.oidcSecretFile != "" {
		b, err := os.ReadFile(s.oidcSecretFile)
		if err != nil {
			return cfg, apperr.Wrap(apperr.Invalid, err, "read --oidc-client-secret-file")
		}
		secret = strings.TrimSpace(string(b))
	}
	roles, err := web.ParseRoleMap(s.oidcRoleMap)
	if err != nil {
		return cfg, err
	}
	redirect := s.oidcRedirect
	if redirect == "" {
		redirect = strings.TrimSuffix(s.public.String(), "/") + "/auth/callback"
	}
	o, err := web.NewOIDC(ctx, web.OIDCConfig{Issuer: s.oidcIssuer, ClientID: s.oidcClientID, ClientSecret: secret,
		RedirectURL: redirect, RoleClaim: s.oidcRoleClaim, RoleMap: roles, Scopes: s.oidcScopes})
	if err != nil {
		return cfg, err
	}
	cfg.OIDC = o
	return cfg, nil
}

// serveMetrics serves /metrics alone on addr until ctx ends.
func serveMetrics(ctx context.Context, addr string, h http.Handler, out io.Writer) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return apperr.Wrap(apperr.Invalid, err, "cannot listen on --metrics-addr "+addr)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	hs := web.NewHTTPServer(mux)
	go hs.Serve(ln)
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(sctx)
	}()
	fmt.Fprintf(out, "authgraph metrics at http://%s/metrics\n", ln.Addr())
	return nil
}
