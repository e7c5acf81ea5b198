package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/internal/monitor"
	"github.com/authgraph/authgraph/internal/secretbox"
	"github.com/authgraph/authgraph/internal/store"
)

func init() {
	cmd := &cobra.Command{
		Use:   "channels",
		Short: "Notification channels for findings and changes (add, list, test, remove)",
		Long: `Channels receive alerts from ` + "`authgraph serve`" + `: a new finding at or above a
severity, a resolved finding, and changes matching a filter.

A webhook gets a JSON body with the headers X-Authgraph-Timestamp (Unix
seconds) and, with --secret-file, X-Authgraph-Signature: sha256=<hex of
HMAC-SHA256("<timestamp>.<body>", secret)>. A receiver recomputes it, compares
in constant time and refuses old timestamps (replays). A Slack channel posts
blocks to an incoming webhook (https://hooks.slack.com/services/…).

Webhook URLs: http or https, a host, no user:password@, no #fragment; private
and loopback hosts are allowed (receivers often live inside the network).
Redirects are not followed. URLs and secrets are stored encrypted.

Change filters (--changes, repeatable): KIND[/OP[/FIELD]], * for any part, e.g.
Client/created, User/updated/HAS_ROLE, Connection/deleted, */deleted,
Client/updated/callbacks.`,
	}
	cmd.AddCommand(channelsAddCmd(), channelsListCmd(), channelsTestCmd(), channelsRemoveCmd())
	rootCmd.AddCommand(cmd)
}

func channelsAddCmd() *cobra.Command {
	var name, webhook, slack, secretFile, minSeverity string
	var changes []string
	cmd := &cobra.Command{
		Use:   "add",
		Short: "Add a webhook or Slack channel",
		Example: `  authgraph channels add --name soc --webhook https://siem.example.com/hooks/authgraph --secret-file ./hook.secret --min-severity high
  authgraph channels add --name slack-sec --slack https://hooks.slack.com/services/T0/B0/XYZ --changes Client/created --changes '*/deleted'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if name == "" || len(name) > 100 {
				return apperr.New(apperr.Invalid, "pass --name (at most 100 characters)")
			}
			if (webhook == "") == (slack == "") {
				return apperr.New(apperr.Invalid, "pass either --webhook URL or --slack URL")
			}
			typ, raw := "webhook", webhook
			if slack != "" {
				typ, raw = "slack", slack
				if secretFile != "" {
					return apperr.New(apperr.Invalid, "--secret-file is for webhooks (Slack URLs carry their own secret)")
				}
			}
			u, err := monitor.ValidateWebhookURL(raw, typ == "slack")
			if err != nil {
				return err
			}
			if _, ok := monitor.SeverityRank(minSeverity); !ok {
				return apperr.New(apperr.Invalid, "bad --min-severity %q: info, low, moderate (medium), high, critical or none", minSeverity)
			}
			for _, c := range changes {
				if _, err := monitor.ParseChangeFilter(c); err != nil {
					return err
				}
			}
			secret := ""
			if secretFile != "" {
				if secret, err = readSecretFile(secretFile, "webhook secret"); err != nil {
					return err
				}
				if len(secret) < 16 {
					return apperr.New(apperr.Invalid, "the webhook secret must be at least 16 characters")
				}
			}
			box, err := secretbox.Load(true)
			if err != nil {
				return err
			}
			ch := store.Channel{Name: name, Type: typ, URLHost: u.Scheme + "://" + u.Host, MinSeverity: minSeverity, Changes: changes}
			if ch.URLSealed, err = box.Seal(u.String(), monitor.ChannelAD(name, "url")); err != nil {
				return err
			}
			if secret != "" {
				if ch.SecretSealed, err = box.Seal(secret, monitor.ChannelAD(name, "secret")); err != nil {
					return err
				}
			}
			st, err := openMonitorStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close(ctx)
			if err := st.AddChannel(ctx, ch); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "added %s channel %s (%s); send a test with `authgraph channels test %s`\n", typ, name, ch.URLHost, name)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&name, "name", "", "channel name")
	f.StringVar(&webhook, "webhook", "", "webhook URL (http or https)")
	f.StringVar(&slack, "slack", "", "Slack incoming-webhook URL")
	f.StringVar(&secretFile, "secret-file", "", "file holding the webhook's signing secret (at least 16 characters)")
	f.StringVar(&minSeverity, "min-severity", "moderate", "send new and resolved findings at or above: info, low, moderate, high, critical, none")
	f.StringArrayVar(&changes, "changes", nil, "send changes matching KIND[/OP[/FIELD]] (repeatable)")
	return cmd
}

func channelsListCmd() *cobra.Command {
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List channels with their last delivery and last error",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			st, err := openMonitorStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close(ctx)
			chans, err := st.Channels(ctx)
			if err != nil {
				return err
			}
			type view struct {
				Name        string     `json:"name"`
				Type        string     `json:"type"`
				Host        string     `json:"host"`
				Signed      bool       `json:"signed"`
				MinSeverity string     `json:"min_severity"`
				Changes     []string   `json:"changes"`
				LastOK      *time.Time `json:"last_ok,omitempty"`
				LastErrorAt *time.Time `json:"last_error_at,omitempty"`
				LastError   string     `json:"last_error,omitempty"`
			}
			views := make([]view, 0, len(chans))
			for _, c := range chans {
				v := view{Name: c.Name, Type: c.Type, Host: c.URLHost, Signed: c.SecretSealed != "", MinSeverity: c.MinSeverity, Changes: c.Changes}
				if !c.LastOK.IsZero() {
					t := c.LastOK
					v.LastOK = &t
				}
				if !c.LastErrorAt.IsZero() {
					t := c.LastErrorAt
					v.LastErrorAt, v.LastError = &t, c.LastError
				}
				views = append(views, v)
			}
			if jsonOut {
				return writeJSON(cmd.OutOrStdout(), views)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tTYPE\tHOST\tMIN SEVERITY\tCHANGES\tLAST OK\tLAST ERROR")
			for _, v := range views {
				lastErr := "-"
				if v.LastError != "" && (v.LastOK == nil || v.LastErrorAt.After(*v.LastOK)) {
					lastErr = ago(v.LastErrorAt) + ": " + v.LastError
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%v\t%s\t%s\n", v.Name, v.Type, v.Host, v.MinSeverity, v.Changes, ago(v.LastOK), lastErr)
			}
			if len(views) == 0 {
				fmt.Fprintln(tw, "(none: add one with `authgraph channels add`)")
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print JSON")
	return cmd
}

func channelsTestCmd() *cobra.Command {
	var deliveries int
	cmd := &cobra.Command{
		Use:   "test NAME",
		Short: "Send a test alert to a channel and show its delivery log",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
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
			n := &monitor.Notifier{Store: st, Box: box, Attempts: 1}
			d, terr := n.Test(ctx, args[0])
			if terr == nil {
				fmt.Fprintf(cmd.OutOrStdout(), "delivered (HTTP %d)\n", d.HTTPStatus)
			}
			if deliveries > 0 {
				printDeliveries(ctx, cmd, st, args[0], deliveries)
			}
			return terr
		},
	}
	cmd.Flags().IntVar(&deliveries, "log", 10, "show this many entries of the delivery log")
	return cmd
}

func printDeliveries(ctx context.Context, cmd *cobra.Command, st *store.Store, name string, n int) {
	dl, err := st.Deliveries(ctx, name, n)
	if err != nil || len(dl) == 0 {
		return
	}
	w := cmd.ErrOrStderr()
	fmt.Fprintln(w, "delivery log:")
	for _, d := range dl {
		fmt.Fprintf(w, "  %s  %-18s %-6s attempts %d  HTTP %d  %s\n", d.At.Local().Format(time.DateTime), d.Event, d.Status, d.Attempts, d.HTTPStatus, d.Error)
	}
}

func channelsRemoveCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "remove NAME",
		Short: "Remove a channel and its delivery log",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := openMonitorStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close(ctx)
			if err := st.RemoveChannel(ctx, args[0]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "removed channel %s\n", args[0])
			return nil
		},
	}
}
