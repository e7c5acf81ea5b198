// Package web is authgraph's HTTP server: GraphQL at /graphql (GraphiQL in
// a browser), /healthz, /metrics, and the web app's static assets at /
// (embedded from web/dist, see static.go).
package web

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/time/rate"

	"github.com/authgraph/authgraph/internal/access"
	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/internal/store"
)

// Config configures a Server.
type Config struct {
	Store *store.Store
	// GraphQL serves POST /graphql.
	GraphQL http.Handler
	// GraphiQL serves the GraphiQL explorer on GET /graphql to browsers.
	GraphiQL bool
	// BodyLimit caps request bodies (default "1M").
	BodyLimit string
	Logger    *slog.Logger
	// Auth says who callers are (default: AuthNone, everyone is admin).
	Auth AuthConfig
	// PublicURL is the address people use (https://authgraph.example.com);
	// its host, and loopback names, are the Host headers served (against
	// DNS rebinding). Empty: loopback names only.
	PublicURL *url.URL
	// MetricsElsewhere leaves /metrics off this server (serve mounts
	// MetricsHandler on --metrics-addr instead).
	MetricsElsewhere bool
	// Hooks, when set, receives POST /hooks/* (events from Auth0; the
	// ingest role only).
	Hooks http.Handler
}

// Server is the echo application.
type Server struct {
	e      *echo.Echo
	cfg    Config
	static fs.FS
	auth   *authenticator
	oidc   *OIDC
	hosts  map[string]bool
	cop    *http.CrossOriginProtection
	// failures paces the audit of failed sign-ins.
	failures *rate.Limiter

	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	queries  *prometheus.HistogramVec
}

// New builds the server and its routes.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.BodyLimit == "" {
		cfg.BodyLimit = "1M"
	}
	s := &Server{e: echo.New(), cfg: cfg, reg: prometheus.NewRegistry(), cop: http.NewCrossOriginProtection()}
	s.e.HideBanner, s.e.HidePort = true, true
	s.e.HTTPErrorHandler = s.errorHandler
	// The audit log's "from" is the peer's address: X-Forwarded-For is
	// anyone's to write.
	s.e.IPExtractor = echo.ExtractIPDirect()
	s.failures = rate.NewLimiter(5, 20)
	s.auth = newAuthenticator(cfg.Store, cfg.Auth.CacheTTL, cfg.Logger)
	s.oidc = cfg.Auth.OIDC
	s.hosts = allowedHosts(cfg.PublicURL)
	s.initMetrics()

	s.e.Use(middleware.Recover())
	s.e.Use(s.measure)
	s.e.Use(s.headers)
	s.e.Use(s.checkHost)
	s.e.Use(s.checkOrigin)
	s.e.Use(middleware.BodyLimit(cfg.BodyLimit))
	s.e.Use(s.authenticate)
	s.e.Use(s.authorize)

	gql := echo.WrapHandler(cfg.GraphQL)
	s.e.POST("/graphql", gql)
	s.e.GET("/graphql", func(c echo.Context) error {
		// GraphQL over GET is off: a query in a URL lands in logs and
		// histories, and a GET is easy to forge from another site.
		if !cfg.GraphiQL || c.Request().URL.RawQuery != "" {
			return c.JSON(http.StatusMethodNotAllowed, map[string]string{"error": "GraphQL over GET is off: POST /graphql"})
		}
		return s.graphiql(c)
	})
	s.e.GET("/healthz", s.healthz)
	if cfg.MetricsElsewhere {
		s.e.GET("/metrics", func(c echo.Context) error {
			return c.JSON(http.StatusNotFound, map[string]string{"error": "metrics are served on --metrics-addr"})
		})
	} else {
		s.e.GET("/metrics", echo.WrapHandler(s.MetricsHandler()))
	}
	s.e.GET("/auth/login", s.oidcStart)
	s.e.GET("/auth/callback", s.oidcCallback)
	s.e.POST("/auth/token", s.tokenSignIn)
	s.e.POST("/auth/logout", s.logout)
	s.e.GET("/auth/me", s.whoami)
	s.e.GET("/auth/providers", s.providers)
	if cfg.Hooks != nil {
		s.e.POST("/hooks/*", echo.WrapHandler(cfg.Hooks))
	}
	s.e.GET("/", s.root)
	s.e.GET("/*", s.root)
	if a := Assets(); a != nil {
		s.MountStatic(a)
	}
	return s
}

// MountStatic serves fsys at / (the web app's seam): files by path, and
// index.html for paths that are not files (client-side routes). New mounts
// the embedded web app (Assets) when the build has one; without it, /
// redirects to /graphql.
func (s *Server) MountStatic(fsys fs.FS) { s.static = fsys }

func (s *Server) root(c echo.Context) error {
	if s.static == nil {
		if c.Request().URL.Path == "/" {
			return c.Redirect(http.StatusFound, "/graphql")
		}
		return echo.ErrNotFound
	}
	p := strings.TrimPrefix(c.Request().URL.Path, "/")
	if p == "" {
		p = "index.html"
	}
	if st, err := fs.Stat(s.static, p); err != nil || st.IsDir() {
		if strings.HasPrefix(p, "assets/") {
			return echo.ErrNotFound // a build's file that is gone: not the app
		}
		p = "index.html"
	}
	c.Response().Header().Set("Cache-Control", cacheControl(p))
	return echo.StaticFileHandler(p, s.static)(c)
}

// Handler returns the server as an http.Handler (tests use it directly).
func (s *Server) Handler() http.Handler { return s.e }

// MetricsHandler serves the Prometheus metrics.
// Register adds collectors to /metrics (the monitor's passes and drift).
func (s *Server) Register(cs ...prometheus.Collector) {
	s.reg.MustRegister(cs...)
}

func (s *Server) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{})
}

// healthz says up or down, nothing about where the database is.
func (s *Server) healthz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 3*time.Second)
	defer cancel()
	if err := s.cfg.Store.Driver().VerifyConnectivity(ctx); err != nil {
		s.cfg.Logger.Warn("healthz: Neo4j does not answer", "err", err)
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "down"})
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "up"})
}

// StatusOf maps an error's apperr kind to an HTTP status.
func StatusOf(err error) int {
	switch apperr.KindOf(err) {
	case apperr.Invalid:
		return http.StatusBadRequest
	case apperr.NotFound:
		return http.StatusNotFound
	case apperr.Forbidden:
		return http.StatusForbidden
	case apperr.Unauthenticated:
		return http.StatusUnauthorized
	case apperr.Conflict:
		return http.StatusConflict
	case apperr.Unavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

func (s *Server) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	var he *echo.HTTPError
	status, msg := StatusOf(err), "internal error"
	if errors.As(err, &he) {
		status, msg = he.Code, http.StatusText(he.Code)
		if m, ok := he.Message.(string); ok {
			msg = m
		}
	} else if status != http.StatusInternalServerError {
		var ae *apperr.Error
		if errors.As(err, &ae) && ae.Msg != "" {
			msg = ae.Msg
		}
	} else {
		s.cfg.Logger.Error("web: internal error", "path", c.Request().URL.Path, "err", err)
	}
	_ = c.JSON(status, map[string]string{"error": msg})
}

func (s *Server) initMetrics() {
	s.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "authgraph_http_requests_total", Help: "HTTP requests by route, method and status.",
	}, []string{"route", "method", "code"})
	s.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "authgraph_http_request_duration_seconds", Help: "HTTP request latency by route and method.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"route", "method"})
	s.queries = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "authgraph_neo4j_query_duration_seconds", Help: "Read round trips to Neo4j by outcome.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 5},
	}, []string{"outcome"})
	s.reg.MustRegister(s.requests, s.latency, s.queries,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
}

// ObserveQuery records one Neo4j round trip; serve installs it as
// store.QueryObserver.
func (s *Server) ObserveQuery(d time.Duration, err error) {
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	s.queries.WithLabelValues(outcome).Observe(d.Seconds())
}

func (s *Server) measure(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		route := c.Path()
		if route == "" || route == "/*" {
			route = "other"
		}
		m := c.Request().Method
		s.requests.WithLabelValues(route, m, strconv.Itoa(c.Response().Status)).Inc()
		s.latency.WithLabelValues(route, m).Observe(time.Since(start).Seconds())
		return nil
	}
}

// Serve listens on addr and serves until ctx ends, then shuts down
// gracefully. ready, when not nil, is called with the bound address.
func (s *Server) Serve(ctx context.Context, addr string, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return apperr.Wrap(apperr.Invalid, err, "cannot listen on "+addr)
	}
	hs := NewHTTPServer(s.e)
	if ready != nil {
		ready(ln.Addr())
	}
	if s.cfg.Auth.Mode == AuthToken || s.cfg.Auth.Mode == AuthOIDC {
		sctx, stop := context.WithCancel(ctx)
		defer stop()
		go s.sweepSessions(sctx)
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := hs.Shutdown(sctx); err != nil {
			return err
		}
		<-errc
		return nil
	}
}

// NewHTTPServer returns an http.Server for h with every timeout set: a slow
// client cannot hold a connection (headers 10s, body 30s), a response may
// take two minutes (the console's own limit is shorter), idle connections
// close after two.
func NewHTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
}

// Routes lists the routes the server registered (tests hold them against
// the access table).
func (s *Server) Routes() []access.Route {
	var out []access.Route
	for _, r := range s.e.Routes() {
		if strings.HasPrefix(r.Name, "github.com/labstack/echo") {
			continue // echo's own (method-not-allowed) entries
		}
		out = append(out, access.Route{Method: r.Method, Path: r.Path})
	}
	return out
}
