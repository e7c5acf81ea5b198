// Command authgraph collects Auth0 tenants into a Neo4j asset graph and lets
// people explore it. Each subcommand lives in its own file and registers
// itself on rootCmd from an init function.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/authgraph/authgraph/internal/apperr"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

var rootCmd = &cobra.Command{
	Use:           "authgraph",
	Short:         "Auth0 tenant asset explorer on a Neo4j graph",
	SilenceUsage:  true,
	SilenceErrors: true,
}

var versionCmd = &cobra.Command{
	Use:   "version",
	Short: "Print the authgraph version",
	Args:  cobra.NoArgs,
	RunE: func(cmd *cobra.Command, _ []string) error {
		fmt.Fprintf(cmd.OutOrStdout(), "authgraph %s\n", version)
		return nil
	},
}

func init() {
	rootCmd.AddCommand(versionCmd)
	// Bad flags are user errors: classify them so the exit code says so.
	rootCmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return apperr.Wrap(apperr.Invalid, err, "bad flag")
	})
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := rootCmd.ExecuteContext(ctx)
	stop()
	if err != nil {
		var code exitStatus
		if errors.As(err, &code) {
			os.Exit(int(code)) // the command has said what there was to say
		}
		if errors.Is(err, context.Canceled) {
			fmt.Fprintln(os.Stderr, "authgraph: interrupted")
			os.Exit(130)
		}
		fmt.Fprintf(os.Stderr, "authgraph: %v\n", err)
		os.Exit(apperr.ExitCode(err))
	}
}

// exitStatus is an exit code a command answers with, not an error: main
// exits with it and prints nothing more (neo4j status).
type exitStatus int

func (e exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(e)) }
