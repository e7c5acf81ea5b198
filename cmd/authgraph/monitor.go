package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"github.com/authgraph/authgraph/ingest"
	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/internal/findings"
	"github.com/authgraph/authgraph/internal/monitor"
	"github.com/authgraph/authgraph/internal/secretbox"
	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/rules"
)

// rulesAfterSync is the after-sync hook of monitored syncs: it runs the
// rules engine on the tenant and reports the findings that opened or
// resolved, by comparing the tenant's findings before and after the run.
func rulesAfterSync(st *store.Store, rs []*rules.Rule) monitor.AfterSync {
	return monitor.AfterSyncFunc(func(ctx context.Context, tenant string, _ *ingest.Summary) ([]monitor.FindingAlert, error) {
		before, err := findingsOf(ctx, st, tenant, store.StatusOpen)
		if err != nil {
			return nil, err
		}
		if _, err := findings.New(st, rs).Run(ctx, tenant); err != nil {
			return nil, err
		}
		after, err := findingsOf(ctx, st, tenant, store.StatusOpen, store.StatusResolved)
		if err != nil {
			return nil, err
		}
		var out []monitor.FindingAlert
		for id, f := range after {
			_, wasOpen := before[id]
			switch {
			case f.Status == store.StatusOpen && !wasOpen:
				out = append(out, alertOf(f, "opened"))
			case f.Status == store.StatusResolved && wasOpen:
				out = append(out, alertOf(f, "resolved"))
			}
		}
		sort.Slice(out, func(i, j int) bool { return out[i].RuleID+out[i].AssetKey < out[j].RuleID+out[j].AssetKey })
		return out, nil
	})
}

func alertOf(f store.Finding, status string) monitor.FindingAlert {
	return monitor.FindingAlert{RuleID: f.Rule, Title: f.Title, Tenant: f.Tenant, Severity: f.Severity, Status: status,
		AssetKind: f.Kind, AssetID: f.NativeID, AssetKey: f.AssetID, AssetName: f.Name}
}

// findingsOf reads a tenant's findings with the given statuses, by id.
func findingsOf(ctx context.Context, st *store.Store, tenant string, statuses ...string) (map[string]store.Finding, error) {
	out := map[string]store.Finding{}
	after := ""
	for {
		p, err := st.Findings(ctx, store.FindingFilter{Tenant: tenant, Statuses: statuses}, 1000, after)
		if err != nil {
			return nil, err
		}
		for _, f := range p.Findings {
			out[f.ID] = f
		}
		if !p.HasNext || p.EndCursor == "" {
			return out, nil
		}
		after = p.EndCursor
	}
}

// schedulerFlags tune the scheduler `authgraph serve` runs.
type schedulerFlags struct {
	enabled  bool
	maxSyncs int
	holder   string
	tick     time.Duration
	// incremental passes
	fullOnly       bool
	reconcileEvery time.Duration
	logRetention   time.Duration
}

func addSchedulerFlags(cmd *cobra.Command, f *schedulerFlags) {
	fl := cmd.Flags()
	fl.BoolVar(&f.enabled, "scheduler", true, "sync connected tenants every interval (see `authgraph tenants`)")
	fl.IntVar(&f.maxSyncs, "max-syncs", 2, "tenants this process syncs at once")
	fl.StringVar(&f.holder, "holder", "", "this process's name in tenant leases (default host-pid-random)")
	fl.DurationVar(&f.tick, "scheduler-tick", 5*time.Second, "how often the scheduler looks for due tenants")
	fl.BoolVar(&f.fullOnly, "full-sync-only", false, "collect connected tenants in full every interval instead of incremental passes over their logs")
	fl.DurationVar(&f.reconcileEvery, "reconcile-every", 24*time.Hour, "how often an incremental tenant is collected in full to reconcile (what it finds is counted as drift)")
	fl.DurationVar(&f.logRetention, "log-retention", 24*time.Hour, "the tenants' log retention (their plan's: 1 day on the smallest): a checkpoint older than this means a full collection")
}

func newMonitor(st *store.Store, box *secretbox.Box, baseURL string, hook monitor.AfterSync, log *slog.Logger) *monitor.Monitor {
	return &monitor.Monitor{
		Store: st, Box: box, AfterSync: hook, Logger: log,
		Notifier: &monitor.Notifier{Store: st, Box: box, BaseURL: baseURL, Logger: log},
	}
}

// startScheduler runs the scheduler in the background until ctx ends; the
// returned function waits for it (and its deliveries) to stop.
func startScheduler(ctx context.Context, st *store.Store, f schedulerFlags, addr, publicURL string, rs []*rules.Rule, metrics *monitor.Metrics, log *slog.Logger) (wait func(), err error) {
	if !f.enabled {
		return func() {}, nil
	}
	box, err := secretbox.Load(false)
	if err != nil && !errors.Is(err, secretbox.ErrNoKey) {
		return nil, err
	}
	if box == nil {
		// No key yet: nothing can be connected either; tenants added later
		// by `tenants add` create the key file, which is read on first use.
		log.Info("scheduler: no secret key yet; connected tenants will need " + secretbox.EnvKey + " or " + secretbox.DefaultKeyFile)
	}
	// Links in alerts point at --public-url (the one the access checks use).
	base := publicURL
	if base == "" {
		base = "http://" + addr
	}
	m := newMonitor(st, box, base, rulesAfterSync(st, rs), log)
	m.Holder, m.MaxConcurrent, m.Tick = f.holder, f.maxSyncs, f.tick
	m.FullOnly, m.Metrics = f.fullOnly, metrics
	m.Passes = ingest.PassOptions{ReconcileEvery: f.reconcileEvery, Retention: f.logRetention}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := m.Run(ctx); err != nil {
			log.Error("scheduler stopped", "err", err)
		}
		m.Notifier.Wait()
	}()
	return func() { <-done }, nil
}

// runConnectedSync is `authgraph sync --tenant NAME` for a connected
// tenant: its stored credentials, under its lease, with change history and
// alerts like a scheduled sync.
func runConnectedSync(cmd *cobra.Command, name string, f syncFlags) error {
	ctx := cmd.Context()
	st, err := openMonitorStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close(ctx)
	box, err := secretbox.Load(false)
	if err != nil {
		return err
	}
	var hook monitor.AfterSync
	if !f.noRules {
		rs, _, err := loadRules(cmd.ErrOrStderr(), f.rulesDir)
		if err != nil {
			return err
		}
		hook = rulesAfterSync(st, rs)
	}
	m := newMonitor(st, box, "", hook, slog.Default())
	// A sync by hand collects in full; --incremental runs one pass.
	m.Passes.Mode = ingest.ModeFull
	if f.incremental {
		m.Passes.Mode = ingest.ModeIncremental
	}
	errOut := cmd.ErrOrStderr()
	tty := false
	if fh, ok := errOut.(*os.File); ok {
		tty = isatty.IsTerminal(fh.Fd())
	}
	prog := newSyncProgress(errOut, tty)
	m.Configure = func(c *ingest.Config) {
		c.Progress = prog.Event
		c.UserPermissionsBudget = f.budget()
		c.AllowMissingScopes = c.AllowMissingScopes || f.allowMissingScopes
	}
	res, err := m.SyncTenant(ctx, name, false)
	prog.Close()
	m.Notifier.Wait()
	if res != nil && res.Summary != nil {
		if f.jsonOut {
			if e := writeJSON(cmd.OutOrStdout(), res.Summary); e != nil {
				return e
			}
		} else {
			printSummary(cmd.OutOrStdout(), res.Summary)
			if !f.noRules {
				fmt.Fprintf(cmd.OutOrStdout(), "  findings: %d opened or resolved\n", len(res.Findings))
			}
			switch {
			case res.Baseline:
				fmt.Fprintln(cmd.OutOrStdout(), "  changes: first collection recorded as the baseline")
			default:
				fmt.Fprintf(cmd.OutOrStdout(), "  changes: %d recorded\n", len(res.Changes))
			}
		}
	}
	if err != nil {
		return err
	}
	if res.Summary.Status == "partial" {
		return apperr.New(apperr.Unavailable, "sync partial: %d resource(s) failed; their kinds keep the previous data", len(res.Summary.Failed))
	}
	return nil
}

// connectedTenantFor reports whether `sync --tenant NAME` without explicit
// credentials names a connected tenant.
func connectedTenantFor(cmd *cobra.Command, f syncFlags) (bool, error) {
	fl := cmd.Flags()
	if f.tenant == "" || fl.Changed("domain") || fl.Changed("client-id") || fl.Changed("client-secret") || fl.Changed("client-secret-file") {
		return false, nil
	}
	st, err := openStore(cmd.Context())
	if err != nil {
		return false, err
	}
	defer st.Close(cmd.Context())
	_, err = st.GetConnectedTenant(cmd.Context(), f.tenant)
	switch {
	case err == nil:
		return true, nil
	case apperr.KindOf(err) == apperr.NotFound:
		return false, nil
	}
	return false, err
}
