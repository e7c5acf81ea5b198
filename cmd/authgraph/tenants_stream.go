package main

import (
	"encoding/json"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/internal/stream"
)

// publicURLEnv is read when --public-url is not given (serve's flag has
// the same meaning: where people, and Auth0, reach authgraph).
const publicURLEnv = "AUTHGRAPH_PUBLIC_URL"

func tenantsStreamCmd() *cobra.Command {
	var publicURL string
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "stream NAME",
		Short: "Create the stream token of a connected tenant and print what to configure in Auth0",
		Long: `Create a new ingest-role API token bound to the tenant's stream endpoints
(POST /hooks/auth0/NAME/logs for a log stream of type "http", /events for
Event Streams) and print the stream's settings for Auth0: URL, authorization
header, content type and format, categories. The token is shown once; a
previous stream token of the tenant is revoked.`,
		Example: `  authgraph tenants stream acme --public-url https://authgraph.example.com`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := openMonitorStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close(ctx)
			return printStreamSetup(cmd, st, args[0], publicURL, jsonOut)
		},
	}
	cmd.Flags().StringVar(&publicURL, "public-url", os.Getenv(publicURLEnv), "the address Auth0 reaches authgraph at (env "+publicURLEnv+")")
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print JSON")
	return cmd
}

// printStreamSetup sets up a tenant's stream and prints the instructions.
func printStreamSetup(cmd *cobra.Command, st *store.Store, tenant, publicURL string, jsonOut bool) error {
	in, err := stream.Setup(cmd.Context(), st, tenant, publicURL)
	if err != nil {
		return err
	}
	return writeStreamSetup(cmd.OutOrStdout(), in, jsonOut)
}

func writeStreamSetup(w io.Writer, in stream.Instructions, jsonOut bool) error {
	if jsonOut {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(in)
	}
	in.Print(w)
	return nil
}
