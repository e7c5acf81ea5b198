package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/authgraph/authgraph/internal/neo4jlocal"
)

// neo4jFlags are shared by the neo4j subcommands.
type neo4jFlags struct {
	dir             string
	port            int
	password        string
	heap, pageCache string
}

func (f *neo4jFlags) options(cmd *cobra.Command) neo4jlocal.Options {
	if f.password != "" {
		warnf(cmd, "--password on the command line is visible to other local users (ps) and kept in shell history; without it the password is kept in %s", neo4jlocal.PasswordPath(f.dir))
	}
	o := neo4jlocal.Options{Dir: f.dir, Password: f.password, HeapInitial: f.heap, HeapMax: f.heap, PageCache: f.pageCache, Out: cmd.OutOrStdout()}
	if cmd.Flags().Changed("port") {
		o.Port = f.port
	}
	return o
}

func (f *neo4jFlags) register(cmd *cobra.Command, withStartFlags bool) {
	cmd.Flags().StringVar(&f.dir, "dir", neo4jlocal.DefaultDir(),
		"directory of the local Neo4j (jars, config, data, logs); env "+neo4jlocal.EnvDir)
	if withStartFlags {
		cmd.Flags().IntVar(&f.port, "port", neo4jlocal.DefaultPort,
			"Bolt port on 127.0.0.1 (when omitted: the port of the last start)")
		cmd.Flags().StringVar(&f.password, "password", "",
			"password of user neo4j, set when the data directory is created (default $"+neo4jlocal.EnvPassword+", else a random one kept in DIR/password; visible to `ps`, prefer the file)")
		cmd.Flags().StringVar(&f.heap, "heap", "",
			"maximum JVM heap, e.g. 2g (default "+neo4jlocal.DefaultHeapMax+")")
		cmd.Flags().StringVar(&f.pageCache, "page-cache", "",
			"page cache size, e.g. 4g: the store and its indexes should fit for steady figures (default "+neo4jlocal.DefaultPageCache+")")
	}
}

var neo4jCmd = &cobra.Command{
	Use:   "neo4j",
	Short: "Run a local Neo4j Community server (no Docker needed)",
	Long: `Run a local Neo4j ` + neo4jlocal.Version + ` Community server for authgraph.

The server's jars are fetched from Maven Central with Maven (mvn) on the first
start, and it runs with java in the background. Everything lives under --dir
(mode 0700). The first start gives user neo4j a random password, kept in
DIR/password (mode 0600). Other authgraph commands connect to
bolt://127.0.0.1:7687 as neo4j with that password unless NEO4J_URI, NEO4J_USER
or NEO4J_PASSWORD say otherwise; with NEO4J_URI set these commands only check
that server. The server refuses LOAD CSV from any address or file, and bounds
transactions (60 s, a quarter of the heap) that set no limits of their own.`,
	Args: cobra.NoArgs,
}

func init() {
	var startF, stopF, statusF neo4jFlags

	start := &cobra.Command{
		Use:   "start",
		Short: "Fetch (first time), configure and start Neo4j, and wait until Bolt answers",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, err := neo4jlocal.Start(cmd.Context(), startF.options(cmd))
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), t.URI)
			return nil
		},
	}
	startF.register(start, true)

	stop := &cobra.Command{
		Use:   "stop",
		Short: "Stop the local Neo4j",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return neo4jlocal.Stop(cmd.Context(), stopF.options(cmd))
		},
	}
	stopF.register(stop, false)

	status := &cobra.Command{
		Use:   "status",
		Short: "Say whether Neo4j runs and answers (exit 0 running, 3 stopped, 4 running but not answering)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st := neo4jlocal.Status(cmd.Context(), statusF.options(cmd))
			fmt.Fprintln(cmd.OutOrStdout(), st.Describe())
			return statusExit(st)
		},
	}
	statusF.register(status, false)

	var rotateF neo4jFlags
	rotate := &cobra.Command{
		Use:   "rotate-password",
		Short: "Give user neo4j a new random password and keep it in DIR/password",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return neo4jlocal.RotatePassword(cmd.Context(), rotateF.options(cmd))
		},
	}
	rotateF.register(rotate, false)

	neo4jCmd.AddCommand(start, stop, status, rotate)
	rootCmd.AddCommand(neo4jCmd)
}

// statusExit is neo4j status's answer to scripts, as systemctl status and
// pg_ctl status give it: exit 0 when Neo4j runs and answers, 3 when it is
// stopped (or, for an external server, does not answer), 4 when the
// managed process runs but Bolt does not answer (starting, or stuck).
func statusExit(st neo4jlocal.State) error {
	switch {
	case st.Reachable:
		return nil
	case st.Running:
		return exitStatus(4)
	default:
		return exitStatus(3)
	}
}
