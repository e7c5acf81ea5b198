package web

import (
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"
)

// ContentSecurityPolicy: scripts and everything else from this server
// only, no inline script; styles may be inline (the app and GraphiQL set
// style attributes); the graph view's layout worker and PNG export use
// blob: and data: URLs; no framing.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// headers sets the security headers on every response.
func (s *Server) headers(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if s.secure(c.Request()) {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		return next(c)
	}
}

// allowedHosts are the Host names served: loopback names and the public
// URL's host.
func allowedHosts(public *url.URL) map[string]bool {
	m := map[string]bool{"localhost": true, "127.0.0.1": true, "::1": true}
	if public != nil && public.Hostname() != "" {
		m[normHost(public.Hostname())] = true
	}
	return m
}

// normHost lowercases a host name and drops a trailing dot and brackets.
func normHost(h string) string {
	h = strings.TrimSuffix(strings.ToLower(h), ".")
	return strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
}

// hostOf returns the host name of a Host header (without port).
func hostOf(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return normHost(h)
	}
	return normHost(hostport)
}

// checkHost refuses requests for a Host that is not ours: a page of another
// site whose name is made to resolve to this server (DNS rebinding) sends
// its own name. /healthz answers any Host (probes use addresses) and says
// only up or down.
func (s *Server) checkHost(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if !s.hosts[hostOf(r.Host)] && r.URL.Path != "/healthz" {
			return c.JSON(http.StatusMisdirectedRequest, map[string]string{
				"error": "this server does not answer for that host name (serve --public-url names the one it does)"})
		}
		return next(c)
	}
}

// checkOrigin refuses cross-origin state-changing requests from browsers
// (Go's CrossOriginProtection: Sec-Fetch-Site, else Origin against Host).
// Programs sending a Bearer token send neither header and pass.
func (s *Server) checkOrigin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := s.cop.Check(c.Request()); err != nil {
			return c.JSON(http.StatusForbidden, map[string]string{"error": "cross-origin request refused"})
		}
		return next(c)
	}
}

// graphiql serves the GraphiQL explorer, built from npm packages into the
// web app's dist (graphiql.html and its assets), so it works offline and
// under the CSP.
func (s *Server) graphiql(c echo.Context) error {
	if s.static != nil {
		if _, err := fs.Stat(s.static, "graphiql.html"); err == nil {
			c.Response().Header().Set("Cache-Control", "no-cache")
			return echo.StaticFileHandler("graphiql.html", s.static)(c)
		}
	}
	return c.JSON(http.StatusNotFound, map[string]string{"error": "this build has no GraphiQL (make ui)"})
}
