package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/internal/findings"
	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/rules"
)

// loadRules loads the built-in pack and the custom rules of dir, printing
// every invalid custom rule (file and reason) to w; those are left out and
// the others load.
func loadRules(w io.Writer, dir string) ([]*rules.Rule, []rules.LoadError, error) {
	rs, lerrs, err := rules.Load(dir)
	if err != nil {
		return nil, nil, apperr.Wrap(apperr.Invalid, err, "cannot load rules")
	}
	for _, e := range lerrs {
		fmt.Fprintf(w, "authgraph: rule %s not loaded: %s\n", e.File, e.Reason)
	}
	return rs, lerrs, nil
}

func init() {
	rulesCmd := &cobra.Command{Use: "rules", Short: "List and run the security rules"}

	var listJSON bool
	var listDir string
	list := &cobra.Command{
		Use:   "list",
		Short: "List the rules (built-in pack and --rules-dir)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rs, lerrs, err := loadRules(cmd.ErrOrStderr(), listDir)
			if err != nil {
				return err
			}
			if listJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(map[string]any{"rules": rs, "invalid": nonNilErrs(lerrs)})
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSEVERITY\tKIND\tCATEGORY\tTITLE")
			for _, r := range rs {
				id := r.ID
				if !r.Builtin() {
					id += " (custom)"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", id, r.Severity, r.Kind, r.Category, r.Title)
			}
			return tw.Flush()
		},
	}
	list.Flags().BoolVar(&listJSON, "json", false, "print the rules as JSON")
	list.Flags().StringVar(&listDir, "rules-dir", "", "folder of custom rules (*.yaml) loaded beside the built-in pack")

	var runTenant, runDir string
	var runJSON bool
	run := &cobra.Command{
		Use:   "run",
		Short: "Evaluate the rules on a tenant (every synced tenant by default) and update its findings",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			rs, lerrs, err := loadRules(cmd.ErrOrStderr(), runDir)
			if err != nil {
				return err
			}
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close(ctx)
			if err := st.EnsureSchema(ctx); err != nil {
				return err
			}
			tenants, err := runTenants(ctx, st, runTenant)
			if err != nil {
				return err
			}
			eng := findings.New(st, rs)
			var sums []*findings.Summary
			failed := 0
			for _, t := range tenants {
				sum, err := eng.Run(ctx, t)
				if err != nil {
					return err
				}
				failed += len(sum.Failed)
				sums = append(sums, sum)
				if !runJSON {
					printRulesSummary(cmd.OutOrStdout(), sum)
				}
			}
			if runJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				if err := enc.Encode(map[string]any{"runs": sums, "invalid": nonNilErrs(lerrs)}); err != nil {
					return err
				}
			}
			if failed > 0 || len(lerrs) > 0 {
				return apperr.New(apperr.Invalid, "%d rule(s) failed to evaluate, %d custom rule(s) invalid; the others ran", failed, len(lerrs))
			}
			return nil
		},
	}
	run.Flags().StringVar(&runTenant, "tenant", "", "tenant to evaluate (default: every synced tenant)")
	run.Flags().StringVar(&runDir, "rules-dir", "", "folder of custom rules (*.yaml) run beside the built-in pack")
	run.Flags().BoolVar(&runJSON, "json", false, "print the summary as JSON")
	rulesCmd.AddCommand(list, run)
	rootCmd.AddCommand(rulesCmd)

	findingsCmd := &cobra.Command{Use: "findings", Short: "List, export and suppress findings"}
	var ff findingFlags
	flist := &cobra.Command{
		Use:   "list",
		Short: "List findings, most severe first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fs, err := readFindings(cmd.Context(), ff)
			if err != nil {
				return err
			}
			if ff.json {
				return findings.Export(cmd.OutOrStdout(), "json", fs, nil, version)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "SEVERITY\tSTATUS\tRULE\tKIND\tNAME\tTENANT\tLAST SEEN")
			for _, f := range fs {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", f.Severity, f.Status, f.Rule, f.Kind, trunc(f.Name, 40), f.Tenant, f.LastSeen.Format(time.RFC3339))
			}
			return tw.Flush()
		},
	}
	ff.register(flist)
	flist.Flags().BoolVar(&ff.json, "json", false, "print the findings as JSON")

	var ef findingFlags
	var format, out, exportDir string
	export := &cobra.Command{
		Use:   "export",
		Short: "Export findings as json, csv, sarif (SARIF 2.1.0) or ocsf (OCSF Detection Finding records)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !contains(findings.Formats, format) {
				return apperr.New(apperr.Invalid, "unknown --format %q: want one of %s", format, strings.Join(findings.Formats, ", "))
			}
			fs, err := readFindings(cmd.Context(), ef)
			if err != nil {
				return err
			}
			rs, _, err := loadRules(cmd.ErrOrStderr(), exportDir)
			if err != nil {
				return err
			}
			byID := map[string]*rules.Rule{}
			for _, r := range rs {
				byID[r.ID] = r
			}
			w := cmd.OutOrStdout()
			if out != "" && out != "-" {
				f, err := os.Create(out)
				if err != nil {
					return apperr.Wrap(apperr.Invalid, err, "cannot write the export")
				}
				defer f.Close()
				w = f
			}
			return findings.Export(w, format, fs, byID, version)
		},
	}
	ef.register(export)
	export.Flags().StringVar(&format, "format", "json", "json, csv, sarif or ocsf")
	export.Flags().StringVarP(&out, "output", "o", "", "file to write (default: standard output)")
	export.Flags().StringVar(&exportDir, "rules-dir", "", "folder of custom rules, for their descriptions")

	var by, reason, until string
	suppress := &cobra.Command{
		Use:   "suppress FINDING-ID --reason TEXT [--until 2026-06-30|30d]",
		Short: "Suppress a finding (accepted risk) with a reason, optionally until a date",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			u, err := findings.ParseUntil(until, time.Now())
			if err != nil {
				return err
			}
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close(ctx)
			f, err := st.SuppressFinding(ctx, args[0], by, reason, u, time.Now())
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %s\n", f.ID, f.Status)
			return nil
		},
	}
	suppress.Flags().StringVar(&reason, "reason", "", "why the finding is accepted (required)")
	suppress.Flags().StringVar(&until, "until", "", "end of the suppression: RFC 3339, a date, or a duration (720h, 30d); default none")
	suppress.Flags().StringVar(&by, "by", os.Getenv("USER"), "who suppresses it (default $USER)")
	unsuppress := &cobra.Command{
		Use:   "unsuppress FINDING-ID",
		Short: "Lift a finding's suppression",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close(ctx)
			f, err := st.UnsuppressFinding(ctx, args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %s\n", f.ID, f.Status)
			return nil
		},
	}
	findingsCmd.AddCommand(flist, export, suppress, unsuppress)
	rootCmd.AddCommand(findingsCmd)
}

type findingFlags struct {
	tenant, severity, status, rule string
	json                           bool
}

func (f *findingFlags) register(c *cobra.Command) {
	c.Flags().StringVar(&f.tenant, "tenant", "", "only this tenant")
	c.Flags().StringVar(&f.severity, "severity", "", "only these severities (comma-separated: critical,high,medium,low,info)")
	c.Flags().StringVar(&f.status, "status", "", "only these statuses (comma-separated: open,resolved,suppressed)")
	c.Flags().StringVar(&f.rule, "rule", "", "only this rule id")
}

func readFindings(ctx context.Context, f findingFlags) ([]store.Finding, error) {
	sev, err := findings.ParseSeverities(f.severity)
	if err != nil {
		return nil, err
	}
	sts, err := findings.ParseStatuses(f.status)
	if err != nil {
		return nil, err
	}
	st, err := openStore(ctx)
	if err != nil {
		return nil, err
	}
	defer st.Close(ctx)
	page, err := st.Findings(ctx, store.FindingFilter{Tenant: f.tenant, Severities: sev, Statuses: sts, Rule: f.rule}, 0, "")
	if err != nil {
		return nil, err
	}
	return page.Findings, nil
}

// runTenants is the tenant named, or every synced tenant.
func runTenants(ctx context.Context, st *store.Store, tenant string) ([]string, error) {
	if tenant != "" {
		return []string{tenant}, nil
	}
	ts, err := st.Tenants(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, t := range ts {
		if n, _ := t.Props["tenant"].(string); n != "" {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	if len(out) == 0 {
		return nil, apperr.New(apperr.NotFound, "no tenant in the graph: run `authgraph sync` first")
	}
	return out, nil
}

func printRulesSummary(w io.Writer, s *findings.Summary) {
	fmt.Fprintf(w, "rules on %s: %d run in %s, posture %.1f%%\n", s.Tenant, s.RulesRun, s.Duration.Round(time.Millisecond), s.Score)
	fmt.Fprintf(w, "  findings: %d opened, %d reopened, %d resolved, %d still open, %d suppressed\n", s.Opened, s.Reopened, s.Resolved, s.StillOpen, s.Suppressed)
	fmt.Fprint(w, "  open by severity:")
	for _, sev := range rules.Severities {
		fmt.Fprintf(w, " %s %d", sev, s.Open[sev])
	}
	fmt.Fprintln(w)
	for _, o := range s.Outcomes {
		if o.Unknown > 0 {
			fmt.Fprintf(w, "  %s: %d unknown (%s), not counted as passing\n", o.Rule, o.Unknown, o.UnknownReason)
		}
	}
	if len(s.Failed) > 0 {
		fmt.Fprintln(w, "  failed rules (findings kept as they were):")
		ids := make([]string, 0, len(s.Failed))
		for id := range s.Failed {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			fmt.Fprintf(w, "    %s: %s\n", id, s.Failed[id])
		}
	}
}

func nonNilErrs(e []rules.LoadError) []rules.LoadError {
	if e == nil {
		return []rules.LoadError{}
	}
	return e
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func trunc(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
