package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os/user"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/authgraph/authgraph/internal/access"
	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/internal/store"
)

// tokens: API tokens for serve, managed straight in Neo4j (so the first
// admin token comes from whoever runs the machine).
func init() {
	cmd := &cobra.Command{
		Use:   "tokens",
		Short: "Create, list and revoke API tokens for serve",
		Long: `API tokens let programs (Authorization: Bearer agt_…) and people (the web
app's sign-in page) call serve. A token is shown once, when created; only
a hash of its secret is stored. Roles: viewer (read everything, the
console), analyst (viewer + run rules, suppress findings), admin
(everything), ingest (only the endpoints that receive events from Auth0).`,
	}
	var (
		name, role, expires string
		asJSON              bool
	)
	create := &cobra.Command{
		Use:   "create --name NAME --role ROLE [--expires 90d]",
		Short: "Create a token and print it (once)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if strings.TrimSpace(name) == "" {
				return apperr.New(apperr.Invalid, "--name is required")
			}
			r, err := access.ParseRole(role)
			if err != nil {
				return apperr.Wrap(apperr.Invalid, err, "--role")
			}
			var exp *time.Time
			if expires != "" && expires != "never" {
				d, err := parseDays(expires)
				if err != nil {
					return err
				}
				t := time.Now().Add(d).UTC()
				exp = &t
			}
			ctx := cmd.Context()
			st, err := openAccessStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close(ctx)
			id, tok := access.NewToken()
			t := store.Token{ID: id, Name: strings.TrimSpace(name), Role: string(r), Hash: tokenHash(tok), Created: time.Now().UTC(), Expires: exp}
			if err := st.CreateToken(ctx, t); err != nil {
				return err
			}
			cliAudit(ctx, st, "token.create", id+" ("+string(r)+")")
			out := cmd.OutOrStdout()
			if asJSON {
				return json.NewEncoder(out).Encode(map[string]any{"id": id, "token": tok, "name": t.Name, "role": t.Role,
					"created": t.Created.Format(time.RFC3339), "expires": timeOrNil(exp)})
			}
			fmt.Fprintf(out, "%s\n", tok)
			fmt.Fprintf(cmd.ErrOrStderr(), "token %s (%s, %s) created; it is shown only now: keep it secret\n", id, t.Name, r)
			return nil
		},
	}
	create.Flags().StringVar(&name, "name", "", "what the token is for (shown in lists and the audit log)")
	create.Flags().StringVar(&role, "role", "", "viewer, analyst, admin or ingest")
	create.Flags().StringVar(&expires, "expires", "90d", "lifetime: Nd (days), a Go duration (12h), or never")
	create.Flags().BoolVar(&asJSON, "json", false, "print {id, token, name, role, created, expires}")

	var listJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List tokens (never their secrets)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			st, err := openAccessStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close(ctx)
			ts, err := st.Tokens(ctx)
			if err != nil {
				return err
			}
			return printTokens(cmd.OutOrStdout(), ts, listJSON, time.Now())
		},
	}
	list.Flags().BoolVar(&listJSON, "json", false, "print JSON")

	revoke := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke a token (by its public id) and end the sessions it opened",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			id := strings.TrimPrefix(args[0], access.TokenPrefix)
			if i := strings.IndexByte(id, '_'); i >= 0 {
				id = id[:i] // a whole token was pasted: revoke it, never echo it
			}
			st, err := openAccessStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close(ctx)
			if err := st.RevokeToken(ctx, id, time.Now()); err != nil {
				return err
			}
			cliAudit(ctx, st, "token.revoke", id)
			fmt.Fprintf(cmd.OutOrStdout(), "token %s revoked\n", id)
			return nil
		},
	}
	cmd.AddCommand(create, list, revoke)
	rootCmd.AddCommand(cmd)
}

func tokenHash(tok string) string {
	_, secret, _ := access.ParseToken(tok)
	return access.Hash(secret)
}

// openAccessStore opens the store with the access records' constraints in
// place (a fresh database may not have them yet).
func openAccessStore(ctx context.Context) (*store.Store, error) {
	st, err := openStore(ctx)
	if err != nil {
		return nil, err
	}
	if err := st.EnsureAccessSchema(ctx); err != nil {
		st.Close(ctx)
		return nil, err
	}
	return st, nil
}

// parseDays parses "90d" or a Go duration.
func parseDays(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		d, err := strconv.Atoi(n)
		if err != nil || d <= 0 || d > 3650 {
			return 0, apperr.New(apperr.Invalid, "--expires %q: want 1d–3650d, a duration such as 12h, or never", s)
		}
		return time.Duration(d) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, apperr.New(apperr.Invalid, "--expires %q: want Nd (days), a duration such as 12h, or never", s)
	}
	return d, nil
}

func cliAudit(ctx context.Context, st *store.Store, action, target string) {
	who := "cli"
	if u, err := user.Current(); err == nil {
		who = "cli:" + u.Username
	}
	_ = st.Audit(ctx, store.AuditEntry{ID: access.NewSecret()[:32], At: time.Now(), Actor: who, Action: action, Target: target, From: "local", Outcome: "ok"})
}

func timeOrNil(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}

func printTokens(w io.Writer, ts []store.Token, asJSON bool, now time.Time) error {
	if asJSON {
		out := make([]map[string]any, 0, len(ts))
		for _, t := range ts {
			out = append(out, map[string]any{"id": t.ID, "name": t.Name, "role": t.Role, "created": t.Created.UTC().Format(time.RFC3339),
				"expires": timeOrNil(t.Expires), "last_used": timeOrNil(t.LastUsed), "revoked": timeOrNil(t.Revoked), "status": tokenStatus(t, now)})
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tROLE\tCREATED\tEXPIRES\tLAST USED\tSTATUS")
	for _, t := range ts {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Role, t.Created.UTC().Format(time.DateTime),
			optTime(t.Expires, "never"), optTime(t.LastUsed, "-"), tokenStatus(t, now))
	}
	return tw.Flush()
}

func optTime(t *time.Time, none string) string {
	if t == nil {
		return none
	}
	return t.UTC().Format(time.DateTime)
}

func tokenStatus(t store.Token, now time.Time) string {
	switch {
	case t.Revoked != nil:
		return "revoked"
	case t.Expires != nil && !now.Before(*t.Expires):
		return "expired"
	}
	return "active"
}
