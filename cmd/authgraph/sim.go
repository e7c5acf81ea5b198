package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/internal/auth0sim"
)

type simFlags struct {
	addr, plan, clientID, clientSecret, domain, epoch string
	seed                                              int64
	users, burst                                      int
	rps, errorRate                                    float64
	latency, exportDelay                              time.Duration
	scopes                                            []string
}

func init() {
	var f simFlags
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Serve a simulated Auth0 tenant (Management API v2) for demos and tests",
		Long: `Serve a generated Auth0 tenant over HTTP: POST /oauth/token (client
credentials) and the Management API v2 under /api/v2, shaped as Auth0 answers,
with Auth0's paging, the 1,000-user search cap, users export jobs, logs and a
per-tenant rate limit. The same seed and sizes always give the same tenant.

The tenant deliberately contains misconfigurations for the rule pack (see the
auth0sim package documentation). The client id and secret printed at start are
the simulator's own development constants.`,
		Example: `  authgraph sim
  authgraph sim --addr 127.0.0.1:4010 --seed 1 --users 2000
  authgraph sim --users 1000000 --rps 0          # benchmarks: no rate limit
  authgraph sim --plan free                      # custom domains answer 403`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runSim(cmd, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.addr, "addr", "127.0.0.1:4010", "host:port to listen on")
	fl.Int64Var(&f.seed, "seed", 1, "generator seed")
	fl.IntVar(&f.users, "users", 2000, "number of users (other sizes follow)")
	fl.Float64Var(&f.rps, "rps", 16, "sustained requests per second (Auth0 paid plans: 16; 0 turns rate limiting off)")
	fl.IntVar(&f.burst, "burst", auth0sim.DefaultBurst, "rate limit bucket size")
	fl.StringVar(&f.plan, "plan", auth0sim.PlanPaid, "tenant plan: paid or free (free: custom domains answer 403)")
	fl.StringVar(&f.clientID, "client-id", auth0sim.DefaultClientID, "client id accepted by /oauth/token")
	fl.StringVar(&f.clientSecret, "client-secret", auth0sim.DefaultClientSecret, "client secret accepted by /oauth/token")
	fl.StringVar(&f.domain, "domain", "", "tenant domain shown in the data (default sim-SEED.auth0.local)")
	fl.StringVar(&f.epoch, "epoch", "today", `simulated "now" of the generated data: YYYY-MM-DD, RFC 3339, "today" (UTC midnight) or "fixed" (`+auth0sim.DefaultEpochString+`)`)
	fl.DurationVar(&f.exportDelay, "export-delay", 0, "time a users export job takes (default 50ms + 1µs per user; negative: immediate)")
	fl.Float64Var(&f.errorRate, "error-rate", 0, "fraction of /api/v2 requests answered with an injected 500/503")
	fl.DurationVar(&f.latency, "latency", 0, "latency added to every request")
	fl.StringSliceVar(&f.scopes, "scopes", nil, "scopes granted to the client's tokens, comma-separated (default: every read scope); every endpoint then checks them (try missing scopes)")
	rootCmd.AddCommand(cmd)
}

func (f simFlags) config() (auth0sim.Config, error) {
	invalid := func(format string, a ...any) (auth0sim.Config, error) {
		return auth0sim.Config{}, apperr.New(apperr.Invalid, format, a...)
	}
	switch {
	case f.users < 0:
		return invalid("--users must be >= 0, got %d", f.users)
	case f.rps < 0:
		return invalid("--rps must be >= 0, got %v", f.rps)
	case f.burst < 1:
		return invalid("--burst must be >= 1, got %d", f.burst)
	case f.plan != auth0sim.PlanPaid && f.plan != auth0sim.PlanFree:
		return invalid("--plan must be %q or %q, got %q", auth0sim.PlanPaid, auth0sim.PlanFree, f.plan)
	case f.errorRate < 0 || f.errorRate > 1:
		return invalid("--error-rate must be between 0 and 1, got %v", f.errorRate)
	case f.latency < 0:
		return invalid("--latency must be >= 0, got %v", f.latency)
	case f.clientID == "" || f.clientSecret == "":
		return invalid("--client-id and --client-secret must not be empty")
	}
	host, port, err := net.SplitHostPort(f.addr)
	if err != nil {
		return invalid("--addr %q is not host:port: %v", f.addr, err)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return invalid("--addr %q: bad port %q", f.addr, port)
	}
	if host != "" && host != "localhost" && net.ParseIP(host) == nil {
		if _, err := net.LookupHost(host); err != nil {
			return invalid("--addr %q: unknown host %q", f.addr, host)
		}
	}
	var epoch time.Time
	switch f.epoch {
	case "today", "":
		epoch = time.Now().UTC().Truncate(24 * time.Hour)
	case "fixed":
	default:
		for _, layout := range []string{time.RFC3339, "2006-01-02"} {
			if t, err := time.Parse(layout, f.epoch); err == nil {
				epoch = t
				break
			}
		}
		if epoch.IsZero() {
			return invalid("--epoch %q: want YYYY-MM-DD, RFC 3339, today or fixed", f.epoch)
		}
	}
	return auth0sim.Config{Seed: f.seed, Users: f.users, Domain: f.domain, Epoch: epoch,
		ClientID: f.clientID, ClientSecret: f.clientSecret, RPS: f.rps, Burst: f.burst, Plan: f.plan,
		ExportDelay: f.exportDelay, Faults: auth0sim.Faults{ErrorRate: f.errorRate, Latency: f.latency}, Scopes: f.scopes}, nil
}

func runSim(cmd *cobra.Command, f simFlags) error {
	cfg, err := f.config()
	if err != nil {
		return err
	}
	sim, err := auth0sim.New(cfg)
	if err != nil {
		return apperr.Wrap(apperr.Invalid, err, "simulator configuration")
	}
	l, err := net.Listen("tcp", f.addr)
	if err != nil {
		if e := listenError(err, f.addr, "sim"); e != err {
			return e
		}
		return apperr.Wrap(apperr.Unavailable, err, "cannot listen on "+f.addr+" (is another simulator running?)")
	}
	// Show a reachable URL even when listening on every interface or port 0.
	host, port, _ := net.SplitHostPort(l.Addr().String())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	url := "http://" + net.JoinHostPort(host, port)

	out := cmd.OutOrStdout()
	limit := "off"
	if cfg.RPS > 0 {
		limit = fmt.Sprintf("%v req/s, burst %d", cfg.RPS, cfg.Burst)
	}
	fmt.Fprintf(out, "auth0 simulator listening on %s\n", url)
	fmt.Fprintf(out, "  tenant domain:  %s (Management API %s)\n", sim.Domain(), sim.ManagementAPIIdentifier())
	fmt.Fprintf(out, "  users:          %d (seed %d, plan %s, rate limit %s)\n", cfg.Users, cfg.Seed, cfg.Plan, limit)
	fmt.Fprintf(out, "  client id:      %s\n", sim.ClientID())
	fmt.Fprintf(out, "  client secret:  %s\n", sim.ClientSecret())
	fmt.Fprintf(out, "collect it with:\n  authgraph sync --domain %s --client-id %s --client-secret %s\n", url, sim.ClientID(), sim.ClientSecret())

	srv := &http.Server{Handler: sim.Handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		return apperr.Wrap(apperr.Unavailable, err, "simulator stopped")
	case <-cmd.Context().Done():
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return apperr.Wrap(apperr.Internal, err, "stopping the simulator")
	}
	fmt.Fprintln(out, "simulator stopped")
	return nil
}
