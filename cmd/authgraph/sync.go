package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"github.com/authgraph/authgraph/ingest"
	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/internal/findings"
	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

type syncFlags struct {
	domain, clientID, clientSecret, secretFile, audience, tenant string
	rulesDir                                                     string
	jsonOut, allowMissingScopes, noRules, incremental            bool
	userPermLimit, userPermBudget                                int
	userPermBudgetSet, userPermLimitSet                          bool
}

// budget turns --user-permissions-budget (0 none, -1 unlimited) or, when
// only it is given, the older --user-permissions-limit into the sync's
// budget of calls for direct user permissions.
func (f syncFlags) budget() int {
	switch {
	case f.userPermBudgetSet || !f.userPermLimitSet:
		switch {
		case f.userPermBudget == 0:
			return ingest.BudgetNone
		case f.userPermBudget < 0:
			return ingest.BudgetUnlimited
		}
		return f.userPermBudget
	case f.userPermLimit == 0:
		return ingest.BudgetNone
	case f.userPermLimit < 0:
		return ingest.BudgetUnlimited
	}
	return f.userPermLimit
}

func init() {
	var f syncFlags
	cmd := &cobra.Command{
		Use:   "sync",
		Short: "Collect an Auth0 tenant into the graph",
		Long: `Collect every asset of an Auth0 tenant and its relations into Neo4j.

Credentials are those of a machine-to-machine application authorised for the
Management API with read scopes. They come from flags, a secret file (mode
0600; "-" reads stdin), or the environment: AUTH0_DOMAIN, AUTH0_CLIENT_ID,
AUTH0_CLIENT_SECRET, AUTH0_AUDIENCE. --client-secret works but warns: command
lines are visible to other users (ps) and kept in shell history.
Plain http:// domains are accepted only for loopback addresses (the simulator).

Nothing is written when the tenant can't be reached, the credentials are
rejected or read scopes are missing. A resource that fails mid-way keeps its
old data in the graph and the sync reports partial.`,
		Example: `  authgraph sync --domain https://acme.eu.auth0.com --client-id ID --client-secret-file ./secret
  printf %s "$SECRET" | authgraph sync --domain https://acme.eu.auth0.com --client-id ID --client-secret-file -
  AUTH0_CLIENT_SECRET=sim-secret authgraph sync --domain http://127.0.0.1:4010 --client-id sim-client --json
  authgraph sync --tenant acme.eu.auth0.com   # a connected tenant (authgraph tenants add)`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runSync(cmd, f) },
		// PreRun (below) records which of the budget flags were given.
	}
	fl := cmd.Flags()
	fl.StringVar(&f.domain, "domain", os.Getenv("AUTH0_DOMAIN"), "tenant URL, e.g. https://TENANT.auth0.com (env AUTH0_DOMAIN)")
	fl.StringVar(&f.clientID, "client-id", os.Getenv("AUTH0_CLIENT_ID"), "client id (env AUTH0_CLIENT_ID)")
	fl.StringVar(&f.clientSecret, "client-secret", "", "client secret: visible to `ps` and shell history, so it warns (prefer --client-secret-file or env AUTH0_CLIENT_SECRET)")
	fl.StringVar(&f.secretFile, "client-secret-file", "", "file holding the client secret (mode 0600, or it warns); - reads it from stdin")
	fl.StringVar(&f.audience, "audience", os.Getenv("AUTH0_AUDIENCE"), "Management API audience when it differs from the domain (env AUTH0_AUDIENCE)")
	fl.StringVar(&f.tenant, "tenant", "", "name of the tenant in the graph (default: the domain's host); alone, a connected tenant synced with its stored credentials")
	fl.BoolVar(&f.jsonOut, "json", false, "print the summary as JSON")
	fl.BoolVar(&f.allowMissingScopes, "allow-missing-scopes", false, "skip resources whose read scope is missing instead of failing")
	fl.StringVar(&f.rulesDir, "rules-dir", "", "folder of custom rules (*.yaml) run after the sync beside the built-in pack")
	fl.BoolVar(&f.noRules, "no-rules", false, "do not evaluate the rules after the sync")
	fl.BoolVar(&f.incremental, "incremental", false, "one incremental pass: apply the tenant's log since the last pass (in full when there is no usable checkpoint)")
	fl.IntVar(&f.userPermBudget, "user-permissions-budget", ingest.DefaultUserPermissionsBudget, "API calls per sync for direct user permissions (one per user); the next sync goes on where this one stopped; -1 reads every user each sync, 0 none")
	fl.IntVar(&f.userPermLimit, "user-permissions-limit", ingest.DefaultUserPermissionsBudget, "former name of --user-permissions-budget (kept): read direct user permissions of up to this many users per sync; -1 for no limit")
	cmd.PreRun = func(cmd *cobra.Command, _ []string) {
		f.userPermBudgetSet = cmd.Flags().Changed("user-permissions-budget")
		f.userPermLimitSet = cmd.Flags().Changed("user-permissions-limit")
	}
	rootCmd.AddCommand(cmd)
}

func runSync(cmd *cobra.Command, f syncFlags) error {
	ctx := cmd.Context()
	if connected, err := connectedTenantFor(cmd, f); err != nil {
		return err
	} else if connected {
		return runConnectedSync(cmd, f.tenant, f)
	}
	secret, err := resolveSecret(cmd, f.clientSecret, f.secretFile)
	if err != nil {
		return err
	}
	cfg := ingest.Config{
		Credentials:           ingest.Credentials{Domain: f.domain, ClientID: f.clientID, ClientSecret: secret, Audience: f.audience},
		Tenant:                f.tenant,
		UserPermissionsBudget: f.budget(),
		AllowMissingScopes:    f.allowMissingScopes,
	}
	if _, err := ingest.ParseDomain(f.domain); err != nil {
		return err
	}
	if cfg.ClientID == "" || cfg.ClientSecret == "" {
		return apperr.New(apperr.Invalid, "missing client credentials: pass --client-id and --client-secret-file (or AUTH0_CLIENT_ID / AUTH0_CLIENT_SECRET)")
	}
	st, err := openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close(ctx)

	errOut := cmd.ErrOrStderr()
	tty := false
	if fh, ok := errOut.(*os.File); ok {
		tty = isatty.IsTerminal(fh.Fd())
	}
	// Say what happens before the first API answer (the token, then a
	// read-access check of every resource) so the first seconds aren't silent.
	fmt.Fprintf(errOut, "sync: connecting to %s: getting a token and checking read access to each resource…\n", f.domain)
	prog := newSyncProgress(errOut, tty)
	cfg.Progress = prog.Event
	sum, err := runPass(ctx, st, cfg, f.incremental)
	prog.Close()
	if sum != nil {
		if f.jsonOut {
			enc := json.NewEncoder(cmd.OutOrStdout())
			enc.SetIndent("", "  ")
			if e := enc.Encode(sum); e != nil {
				return e
			}
		} else {
			printSummary(cmd.OutOrStdout(), sum)
		}
	}
	if err != nil {
		return err
	}
	if !f.noRules {
		// The findings follow every sync that wrote data (ok or partial); the
		// line goes to stderr under --json so stdout stays one JSON document.
		w := cmd.OutOrStdout()
		if f.jsonOut {
			w = cmd.ErrOrStderr()
		}
		if err := runRulesAfterSync(ctx, cmd.ErrOrStderr(), w, st, sum.Tenant, f.rulesDir); err != nil {
			return err
		}
	}
	if sum.Status == "partial" {
		return apperr.New(apperr.Unavailable, "sync partial: %d resource(s) failed; their kinds keep the previous data", len(sum.Failed))
	}
	return nil
}

// runRulesAfterSync evaluates the rules on the tenant just synced and prints
// a one-line summary.
func runRulesAfterSync(ctx context.Context, errOut, w io.Writer, st *store.Store, tenant, dir string) error {
	rs, _, err := loadRules(errOut, dir)
	if err != nil {
		return err
	}
	rsum, err := findings.New(st, rs).Run(ctx, tenant)
	if err != nil {
		return fmt.Errorf("rules after sync: %w", err)
	}
	fmt.Fprintln(w, rsum.OneLine())
	return nil
}

// runPass collects a tenant given by credentials: in full (and its log
// checkpoint noted), or with incremental one pass from that checkpoint.
func runPass(ctx context.Context, st *store.Store, cfg ingest.Config, incremental bool) (*ingest.Summary, error) {
	if cfg.Tenant == "" {
		u, err := ingest.ParseDomain(cfg.Domain)
		if err != nil {
			return nil, err
		}
		cfg.Tenant = u.Host
	}
	if err := st.EnsureMonitorSchema(ctx); err != nil {
		return nil, err
	}
	api, err := ingest.NewAuth0(ctx, cfg.Credentials, cfg.Limits)
	if err != nil {
		return nil, err
	}
	opt := ingest.PassOptions{Mode: ingest.ModeFull, ReconcileEvery: -1}
	if incremental {
		opt.Mode = ingest.ModeIncremental
	}
	return ingest.Pass(ctx, st, api, cfg, opt)
}

func printSummary(w io.Writer, s *ingest.Summary) {
	fmt.Fprintf(w, "\nsync %s of %s: %s in %s\n", s.SyncID, s.Tenant, strings.ToUpper(s.Status), s.Duration.Round(time.Millisecond))
	if s.Mode != "" {
		line := "  mode: " + s.Mode
		if s.Reason != "" {
			line += " (" + s.Reason + ")"
		}
		if s.Mode == ingest.ModeIncremental {
			line += fmt.Sprintf("; %d log events, %d assets re-read", s.LogEvents, s.Touched)
		}
		if s.Mode == ingest.ModeReconcile {
			line += fmt.Sprintf("; drift %d", s.Drift)
		}
		fmt.Fprintln(w, line)
	}
	fmt.Fprintf(w, "  API calls %d, retries %d, 429s %d; users via %s\n", s.APICalls, s.Retries, s.Seen429, s.UsersVia)
	fmt.Fprintln(w, "  assets:")
	for _, k := range schema.Kinds {
		if n, ok := s.Counts[k.Name]; ok {
			fmt.Fprintf(w, "    %-22s %8d\n", k.Label, n)
		}
	}
	fmt.Fprintln(w, "  relations:")
	// One column wide enough for the longest pattern, so counts line up.
	var pats []string
	var counts []int
	width := 0
	for _, r := range schema.Relations {
		if n, ok := s.Counts[r.Name()]; ok {
			p := fmt.Sprintf("(%s)-[:%s]->(%s)", r.From.Label, r.Type, r.To.Label)
			pats, counts, width = append(pats, p), append(counts, n), max(width, len(p))
		}
	}
	for i, p := range pats {
		fmt.Fprintf(w, "    %-*s %8d\n", width, p, counts[i])
	}
	if up := s.UserPermissions; up != nil {
		budget := fmt.Sprint(up.Budget)
		if up.Budget < 0 {
			budget = "unlimited"
		}
		fmt.Fprintf(w, "  direct user permissions: %d users read in %d calls (budget %s); not yet known for %d of %d users\n",
			up.Users, up.Calls, budget, up.Unknown, up.Total)
	}
	printMap(w, "  skipped:", s.Skipped)
	printMap(w, "  failed (old data kept):", s.Failed)
	if len(s.Deleted) > 0 {
		m := map[string]string{}
		for k, v := range s.Deleted {
			m[k] = fmt.Sprint(v)
		}
		printMap(w, "  stale removed:", m)
	}
	if s.Load.WriteTime > 0 {
		fmt.Fprintf(w, "  load: %d nodes, %d relations in %s of writes\n", s.Load.Nodes, s.Load.Rels, s.Load.WriteTime.Round(time.Millisecond))
	}
}

func printMap(w io.Writer, title string, m map[string]string) {
	if len(m) == 0 {
		return
	}
	fmt.Fprintln(w, title)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "    %-26s %s\n", k, m[k])
	}
}
