package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"github.com/authgraph/authgraph/ingest"
	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/internal/monitor"
	"github.com/authgraph/authgraph/internal/secretbox"
	"github.com/authgraph/authgraph/internal/store"
)

// minInterval keeps polling from hammering a tenant's rate limit.
const minInterval = monitor.MinInterval

func init() {
	cmd := &cobra.Command{
		Use:   "tenants",
		Short: "Connect Auth0 tenants for continuous monitoring (add, list, show, set, disable, enable, remove)",
		Long: `Connected tenants are synced by ` + "`authgraph serve`" + ` every interval, with their
client secret stored encrypted in the graph (AES-GCM). The key comes from
AUTHGRAPH_SECRET_KEY (base64 of 32 bytes) or the key file ` + secretbox.DefaultKeyFile + `
(AUTHGRAPH_SECRET_KEY_FILE), which ` + "`tenants add`" + ` creates with mode 0600 on first use.
Every process that syncs (serve, sync --tenant) needs the same key.`,
	}
	cmd.AddCommand(tenantsAddCmd(), tenantsListCmd(), tenantsShowCmd(), tenantsSetCmd(),
		tenantsToggleCmd("disable", false), tenantsToggleCmd("enable", true), tenantsRemoveCmd(), tenantsStreamCmd())
	rootCmd.AddCommand(cmd)
}

// readSecretFile reads a one-line secret from a file.
func readSecretFile(path, what string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", apperr.Wrap(apperr.Invalid, err, "cannot read the "+what+" file")
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "", apperr.New(apperr.Invalid, "the %s file %s is empty", what, path)
	}
	return s, nil
}

// checkCredentials tests a token and the read scopes, printing what each
// missing scope would cost. Missing scopes fail unless allowed.
func checkCredentials(ctx context.Context, w io.Writer, c ingest.Credentials, allowMissing bool) error {
	fmt.Fprintf(w, "checking %s ... ", c.Domain)
	checks, err := ingest.Check(ctx, c)
	if err != nil {
		fmt.Fprintln(w, "failed")
		return err
	}
	fmt.Fprintln(w, "token ok")
	var missing []string
	for _, sc := range checks {
		if sc.OK {
			continue
		}
		fmt.Fprintf(w, "  %-26s %s: %s\n", sc.Resource, sc.Scope, sc.Reason)
		if len(sc.Costs) > 0 {
			fmt.Fprintf(w, "  %-26s without it the graph lacks: %s\n", "", strings.Join(sc.Costs, ", "))
		}
		if strings.HasPrefix(sc.Reason, "missing scope") {
			missing = append(missing, sc.Scope)
		}
	}
	if len(missing) > 0 && !allowMissing {
		return apperr.New(apperr.Forbidden, "the client lacks read scopes: %s; grant them to the application in Auth0 (or pass --allow-missing-scopes)", strings.Join(missing, ", "))
	}
	if len(missing) == 0 {
		fmt.Fprintln(w, "  every read scope granted")
	}
	return nil
}

func tenantsAddCmd() *cobra.Command {
	var domain, clientID, secretFile, audience, name string
	var interval time.Duration
	var allowMissing, disabled, withStream bool
	var publicURL string
	cmd := &cobra.Command{
		Use:   "add",
		Short: "Check credentials and connect a tenant",
		Example: `  authgraph tenants add --domain https://acme.eu.auth0.com --client-id ID --client-secret-file ./secret
  authgraph tenants add --domain http://127.0.0.1:4010 --client-id sim-client --client-secret-file ./sim.secret --name sim --interval 1m`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			u, err := ingest.ParseDomain(domain)
			if err != nil {
				return err
			}
			if clientID == "" || secretFile == "" {
				return apperr.New(apperr.Invalid, "pass --client-id and --client-secret-file")
			}
			if interval < minInterval {
				return apperr.New(apperr.Invalid, "--interval must be at least %s", minInterval)
			}
			if name == "" {
				name = u.Host
			}
			if err := checkTenantName(name); err != nil {
				return err
			}
			if withStream && publicURL == "" {
				return apperr.New(apperr.Invalid, "--stream needs --public-url (or %s): the address Auth0 reaches authgraph at", publicURLEnv)
			}
			secret, err := readSecretFile(secretFile, "client secret")
			if err != nil {
				return err
			}
			creds := ingest.Credentials{Domain: u.String(), ClientID: clientID, ClientSecret: secret, Audience: audience}
			if err := checkCredentials(ctx, cmd.ErrOrStderr(), creds, allowMissing); err != nil {
				return err
			}
			box, err := secretbox.Load(true)
			if err != nil {
				return err
			}
			sealed, err := box.Seal(secret, monitor.TenantSecretAD(name))
			if err != nil {
				return err
			}
			st, err := openMonitorStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close(ctx)
			if err := st.AddConnectedTenant(ctx, store.ConnectedTenant{Name: name, Domain: u.String(), ClientID: clientID,
				Audience: audience, SecretSealed: sealed, Interval: interval, Enabled: !disabled, AllowMissingScopes: allowMissing}); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "connected tenant %s (%s), every %s; `authgraph serve` runs its first collection now (or run `authgraph sync --tenant %s`)\n", name, u, interval, name)
			if withStream {
				fmt.Fprintln(cmd.OutOrStdout())
				return printStreamSetup(cmd, st, name, publicURL, false)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&domain, "domain", "", "tenant URL, e.g. https://TENANT.auth0.com")
	f.StringVar(&clientID, "client-id", "", "client id of a machine-to-machine application with read scopes")
	f.StringVar(&secretFile, "client-secret-file", "", "file holding the client secret")
	f.StringVar(&audience, "audience", "", "Management API audience when it differs from the domain")
	f.StringVar(&name, "name", "", "name of the tenant in the graph (default: the domain's host)")
	f.DurationVar(&interval, "interval", monitor.DefaultInterval, "how often to sync it (at least 10s)")
	f.BoolVar(&allowMissing, "allow-missing-scopes", false, "save even when read scopes are missing (those resources are skipped)")
	f.BoolVar(&disabled, "disabled", false, "save it disabled (no polling until `tenants enable`)")
	f.BoolVar(&withStream, "stream", false, "also create the tenant's stream token and print what to configure in Auth0 (see `tenants stream`)")
	f.StringVar(&publicURL, "public-url", os.Getenv(publicURLEnv), "with --stream: the address Auth0 reaches authgraph at (env "+publicURLEnv+")")
	return cmd
}

// checkTenantName refuses names that would not make a clean key prefix.
func checkTenantName(name string) error { return monitor.CheckTenantName(name) }

// openMonitorStore opens the store and makes sure the monitor's
// constraints exist.
func openMonitorStore(ctx context.Context) (*store.Store, error) {
	st, err := openStore(ctx)
	if err != nil {
		return nil, err
	}
	if err := st.EnsureMonitorSchema(ctx); err != nil {
		st.Close(ctx)
		return nil, err
	}
	return st, nil
}

// tenantView is a connected tenant as the CLI shows it: never the secret.
type tenantView struct {
	Name          string     `json:"name"`
	Domain        string     `json:"domain"`
	ClientID      string     `json:"client_id"`
	Audience      string     `json:"audience,omitempty"`
	Enabled       bool       `json:"enabled"`
	Interval      string     `json:"interval"`
	LastSync      *time.Time `json:"last_sync,omitempty"`
	LastStatus    string     `json:"last_status,omitempty"`
	LastError     string     `json:"last_error,omitempty"`
	LastDuration  string     `json:"last_duration,omitempty"`
	NextSync      *time.Time `json:"next_sync,omitempty"`
	Failures      int        `json:"consecutive_failures"`
	FindingsOpen  int        `json:"findings_open"`
	SyncingBy     string     `json:"syncing_by,omitempty"`
	AllowsMissing bool       `json:"allow_missing_scopes,omitempty"`
}

func viewOf(ct store.ConnectedTenant, findings map[string]int) tenantView {
	v := tenantView{Name: ct.Name, Domain: ct.Domain, ClientID: ct.ClientID, Audience: ct.Audience, Enabled: ct.Enabled,
		Interval: ct.Interval.String(), LastStatus: ct.LastStatus, LastError: ct.LastError, Failures: ct.Failures,
		FindingsOpen: findings[ct.Name], AllowsMissing: ct.AllowMissingScopes}
	if !ct.LastSyncAt.IsZero() {
		t := ct.LastSyncAt
		v.LastSync = &t
		v.LastDuration = ct.LastDuration.Round(time.Millisecond).String()
	}
	if ct.Enabled {
		t := ct.NextSyncAt
		if t.IsZero() {
			t = time.Now().UTC()
		}
		v.NextSync = &t
	}
	if ct.LeaseHolder != "" && ct.LeaseUntil.After(time.Now()) {
		v.SyncingBy = ct.LeaseHolder
	}
	return v
}

func loadViews(ctx context.Context, st *store.Store, only string) ([]tenantView, error) {
	var cts []store.ConnectedTenant
	if only != "" {
		ct, err := st.GetConnectedTenant(ctx, only)
		if err != nil {
			return nil, err
		}
		cts = []store.ConnectedTenant{ct}
	} else {
		var err error
		if cts, err = st.ConnectedTenants(ctx); err != nil {
			return nil, err
		}
	}
	names := make([]string, len(cts))
	for i, ct := range cts {
		names[i] = ct.Name
	}
	findings, err := st.OpenFindings(ctx, names)
	if err != nil {
		return nil, err
	}
	out := make([]tenantView, len(cts))
	for i, ct := range cts {
		out[i] = viewOf(ct, findings)
	}
	return out, nil
}

func ago(t *time.Time) string {
	if t == nil {
		return "-"
	}
	d := time.Until(*t).Round(time.Second)
	if d <= 0 {
		if d > -time.Second {
			return "now"
		}
		return (-d).String() + " ago"
	}
	return "in " + d.String()
}

func tenantsListCmd() *cobra.Command {
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List connected tenants with their last and next sync",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			st, err := openMonitorStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close(ctx)
			views, err := loadViews(ctx, st, "")
			if err != nil {
				return err
			}
			if jsonOut {
				return writeJSON(cmd.OutOrStdout(), views)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tDOMAIN\tENABLED\tINTERVAL\tLAST SYNC\tSTATUS\tNEXT SYNC\tFINDINGS OPEN")
			for _, v := range views {
				status := v.LastStatus
				if v.SyncingBy != "" {
					status = "syncing"
				}
				if status == "" {
					status = "-"
				}
				next := ago(v.NextSync)
				if !v.Enabled {
					next = "disabled"
				}
				fmt.Fprintf(tw, "%s\t%s\t%v\t%s\t%s\t%s\t%s\t%d\n", v.Name, v.Domain, v.Enabled, v.Interval, ago(v.LastSync), status, next, v.FindingsOpen)
			}
			if len(views) == 0 {
				fmt.Fprintln(tw, "(none: connect one with `authgraph tenants add`)")
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print JSON")
	return cmd
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func tenantsShowCmd() *cobra.Command {
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "show NAME",
		Short: "Show a connected tenant, its recent syncs and changes",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := openMonitorStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close(ctx)
			views, err := loadViews(ctx, st, args[0])
			if err != nil {
				return err
			}
			syncs, err := st.Syncs(ctx, args[0], 5)
			if err != nil {
				return err
			}
			changes, err := st.Changes(ctx, store.ChangeQuery{Tenant: args[0], First: 10})
			if err != nil {
				return err
			}
			if jsonOut {
				type syncView struct {
					ID       string    `json:"id"`
					Status   string    `json:"status"`
					Started  time.Time `json:"started"`
					Duration string    `json:"duration"`
					APICalls int       `json:"api_calls"`
					Seen429  int       `json:"seen_429"`
					Error    string    `json:"error,omitempty"`
				}
				out := struct {
					tenantView
					Syncs   []syncView     `json:"recent_syncs"`
					Changes []store.Change `json:"recent_changes"`
				}{tenantView: views[0], Changes: changes.Changes}
				for _, s := range syncs {
					out.Syncs = append(out.Syncs, syncView{s.ID, s.Status, s.Started, s.Finished.Sub(s.Started).Round(time.Millisecond).String(), s.APICalls, s.Seen429, s.Error})
				}
				return writeJSON(cmd.OutOrStdout(), out)
			}
			v := views[0]
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "tenant      %s\ndomain      %s\nclient id   %s\n", v.Name, v.Domain, v.ClientID)
			if v.Audience != "" {
				fmt.Fprintf(w, "audience    %s\n", v.Audience)
			}
			fmt.Fprintf(w, "enabled     %v, every %s\nlast sync   %s %s (%s)\nnext sync   %s\nfindings    %d open\n",
				v.Enabled, v.Interval, ago(v.LastSync), v.LastStatus, v.LastDuration, ago(v.NextSync), v.FindingsOpen)
			if v.LastError != "" {
				fmt.Fprintf(w, "last error  %s\n", v.LastError)
			}
			if v.SyncingBy != "" {
				fmt.Fprintf(w, "syncing     by %s\n", v.SyncingBy)
			}
			if len(syncs) > 0 {
				fmt.Fprintln(w, "recent syncs:")
				for _, s := range syncs {
					fmt.Fprintf(w, "  %s  %-8s %8s  %d calls, %d×429\n", s.Started.Local().Format(time.DateTime), s.Status,
						s.Finished.Sub(s.Started).Round(time.Millisecond), s.APICalls, s.Seen429)
				}
			}
			if len(changes.Changes) > 0 {
				fmt.Fprintln(w, "recent changes:")
				for _, c := range changes.Changes {
					fmt.Fprintf(w, "  %s  %-8s %s %s %s\n", c.At.Local().Format(time.DateTime), c.Op, c.AssetKind, c.Name, fieldNames(c))
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print JSON")
	return cmd
}

func fieldNames(c store.Change) string {
	var out []string
	for _, f := range c.Fields {
		out = append(out, f.Field)
	}
	if len(out) == 0 {
		return ""
	}
	return "(" + strings.Join(out, ", ") + ")"
}

func tenantsSetCmd() *cobra.Command {
	var domain, clientID, secretFile, audience string
	var interval time.Duration
	var allowMissing bool
	cmd := &cobra.Command{
		Use:   "set NAME",
		Short: "Change a connected tenant's domain, credentials, audience or interval",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			name := args[0]
			fl := cmd.Flags()
			st, err := openMonitorStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close(ctx)
			ct, err := st.GetConnectedTenant(ctx, name)
			if err != nil {
				return err
			}
			var p store.TenantPatch
			if fl.Changed("interval") {
				if interval < minInterval {
					return apperr.New(apperr.Invalid, "--interval must be at least %s", minInterval)
				}
				p.Interval = &interval
			}
			if fl.Changed("allow-missing-scopes") {
				p.AllowMissingScopes = &allowMissing
			}
			credsChanged := fl.Changed("domain") || fl.Changed("client-id") || fl.Changed("client-secret-file") || fl.Changed("audience")
			if credsChanged {
				creds := ingest.Credentials{Domain: ct.Domain, ClientID: ct.ClientID, Audience: ct.Audience}
				if fl.Changed("domain") {
					u, err := ingest.ParseDomain(domain)
					if err != nil {
						return err
					}
					creds.Domain = u.String()
					p.Domain = &creds.Domain
				}
				if fl.Changed("client-id") {
					creds.ClientID = clientID
					p.ClientID = &clientID
				}
				if fl.Changed("audience") {
					creds.Audience = audience
					p.Audience = &audience
				}
				box, err := secretbox.Load(fl.Changed("client-secret-file"))
				if err != nil {
					return err
				}
				if fl.Changed("client-secret-file") {
					if creds.ClientSecret, err = readSecretFile(secretFile, "client secret"); err != nil {
						return err
					}
					sealed, err := box.Seal(creds.ClientSecret, monitor.TenantSecretAD(name))
					if err != nil {
						return err
					}
					p.SecretSealed = &sealed
				} else if creds.ClientSecret, err = box.Open(ct.SecretSealed, monitor.TenantSecretAD(name)); err != nil {
					return err
				}
				am := ct.AllowMissingScopes
				if p.AllowMissingScopes != nil {
					am = *p.AllowMissingScopes
				}
				if err := checkCredentials(ctx, cmd.ErrOrStderr(), creds, am); err != nil {
					return err
				}
			}
			if err := st.UpdateConnectedTenant(ctx, name, p); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "updated tenant %s\n", name)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&domain, "domain", "", "tenant URL")
	f.StringVar(&clientID, "client-id", "", "client id")
	f.StringVar(&secretFile, "client-secret-file", "", "file holding the new client secret")
	f.StringVar(&audience, "audience", "", "Management API audience")
	f.DurationVar(&interval, "interval", monitor.DefaultInterval, "how often to sync it")
	f.BoolVar(&allowMissing, "allow-missing-scopes", false, "skip resources whose read scope is missing")
	return cmd
}

func tenantsToggleCmd(verb string, enabled bool) *cobra.Command {
	short := "Stop polling a tenant (its data stays)"
	if enabled {
		short = "Resume polling a tenant (a sync is due at once)"
	}
	return &cobra.Command{
		Use:   verb + " NAME",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := openMonitorStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close(ctx)
			if err := st.UpdateConnectedTenant(ctx, args[0], store.TenantPatch{Enabled: &enabled}); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "tenant %s %sd\n", args[0], verb)
			return nil
		},
	}
}

func tenantsRemoveCmd() *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "remove NAME",
		Short: "Disconnect a tenant and delete its assets, findings and history",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			name := args[0]
			st, err := openMonitorStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close(ctx)
			_, err = st.GetConnectedTenant(ctx, name)
			connected := err == nil
			if err != nil && apperr.KindOf(err) != apperr.NotFound {
				return err
			}
			if !connected {
				// A tenant synced one-off (never connected) can be removed too.
				ts, err := st.Tenants(ctx)
				if err != nil {
					return err
				}
				found := false
				for _, t := range ts {
					found = found || t.Props["tenant"] == name
				}
				if !found {
					return apperr.New(apperr.NotFound, "no tenant %q in the graph", name)
				}
			}
			if !yes {
				ok, err := confirm(cmd, fmt.Sprintf("Remove tenant %s and delete all its assets, findings and change history? [y/N] ", name))
				if err != nil {
					return err
				}
				if !ok {
					return apperr.New(apperr.Invalid, "not removed")
				}
			}
			if connected {
				// Stop polling and hold the lease, so no sync writes while we
				// delete (a running one must finish first).
				off := false
				if err := st.UpdateConnectedTenant(ctx, name, store.TenantPatch{Enabled: &off}); err != nil {
					return err
				}
				ok, err := st.AcquireLease(ctx, name, "remove-"+monitor.NewHolderID(), time.Hour, false)
				if err != nil {
					return err
				}
				if !ok {
					return apperr.New(apperr.Conflict, "tenant %s is being synced now (it is disabled); run remove again when that sync ends", name)
				}
			}
			errOut := cmd.ErrOrStderr()
			n, err := st.RemoveTenant(ctx, name, func(label string, deleted int) {
				fmt.Fprintf(errOut, "  deleted %d %s\n", deleted, label)
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "removed tenant %s (%d nodes)\n", name, n)
			return nil
		},
	}
	cmd.Flags().BoolVar(&yes, "yes", false, "do not ask")
	return cmd
}

// confirm asks a yes/no question on a terminal; without one it refuses.
func confirm(cmd *cobra.Command, question string) (bool, error) {
	in := cmd.InOrStdin()
	if f, ok := in.(*os.File); !ok || !isatty.IsTerminal(f.Fd()) {
		return false, apperr.New(apperr.Invalid, "refusing to remove without a terminal to ask on: pass --yes")
	}
	fmt.Fprint(cmd.ErrOrStderr(), question)
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && line == "" {
		return false, nil
	}
	a := strings.ToLower(strings.TrimSpace(line))
	return a == "y" || a == "yes", nil
}
