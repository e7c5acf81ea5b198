package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/internal/sqlgraph"
	"github.com/authgraph/authgraph/internal/store"
)

func init() {
	var (
		sqlText, format string
		timeout         time.Duration
		maxRows         int
		tables, explain bool
	)
	cmd := &cobra.Command{
		Use:   "query --sql \"SELECT …\" [--format table|json|csv]",
		Short: "Run a read-only SQL query over the asset graph",
		Long: `Run one read-only SQL statement (MySQL dialect: joins, aggregates, GROUP BY/HAVING,
subqueries, ORDER BY/LIMIT, LIKE, IN, COUNT(DISTINCT …)) over the graph's tables: one per kind
(users, roles, clients, …) and one per relation (user_roles, organization_members, …), each with
a tenant column. --tables lists them with their columns. Anything but a read is refused. The
limits are the Cypher console's (--timeout, --max-rows; 4 MiB of rows). See docs/sql.md.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch format {
			case "table", "json", "csv":
			default:
				return apperr.New(apperr.Invalid, "--format must be table, json or csv, not %q", format)
			}
			if !tables && strings.TrimSpace(sqlText) == "" {
				return apperr.New(apperr.Invalid, "--sql is required (or --tables)")
			}
			ctx := cmd.Context()
			out := cmd.OutOrStdout()
			if tables {
				return printTables(out, sqlgraph.Tables(), format)
			}
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close(ctx)
			g := sqlgraph.New(st, store.ConsoleOptions{Timeout: timeout, MaxRows: maxRows})
			if explain {
				plan, err := g.Explain(ctx, sqlText)
				if err != nil {
					return err
				}
				_, err = fmt.Fprintln(out, plan)
				return err
			}
			res, err := g.Query(ctx, sqlText)
			if err != nil {
				return err
			}
			if err := printResult(out, res, format); err != nil {
				return err
			}
			if res.Truncated {
				fmt.Fprintf(cmd.ErrOrStderr(), "truncated: %s\n", res.TruncatedReason)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&sqlText, "sql", "", "the SELECT statement")
	f.StringVar(&format, "format", "table", "output: table, json or csv")
	f.DurationVar(&timeout, "timeout", store.DefaultConsoleTimeout, "time limit of the statement")
	f.IntVar(&maxRows, "max-rows", store.DefaultConsoleMaxRows, "rows returned at most")
	f.BoolVar(&tables, "tables", false, "list the tables and their columns instead")
	f.BoolVar(&explain, "explain", false, "print the engine's plan (after pushdown) instead of running the statement")
	rootCmd.AddCommand(cmd)
}

func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case string:
		return x
	case []any, map[string]any:
		b, _ := json.Marshal(x)
		return string(b)
	}
	return fmt.Sprint(v)
}

func printResult(w io.Writer, res *sqlgraph.Result, format string) error {
	switch format {
	case "json":
		rows := make([]map[string]any, len(res.Rows))
		for i, r := range res.Rows {
			m := make(map[string]any, len(r))
			for j, v := range r {
				m[res.Columns[j]] = v
			}
			rows[i] = m
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"columns": res.Columns, "rows": rows, "truncated": res.Truncated})
	case "csv":
		cw := csv.NewWriter(w)
		if err := cw.Write(res.Columns); err != nil {
			return err
		}
		for _, r := range res.Rows {
			rec := make([]string, len(r))
			for i, v := range r {
				rec[i] = cell(v)
				if v == nil {
					rec[i] = ""
				}
			}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(res.Columns, "\t"))
	for _, r := range res.Rows {
		cells := make([]string, len(r))
		for i, v := range r {
			cells[i] = strings.NewReplacer("\t", " ", "\n", " ").Replace(cell(v))
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "(%d rows, %s)\n", len(res.Rows), res.Elapsed.Round(time.Millisecond))
	return err
}

func printTables(w io.Writer, ts []*sqlgraph.Table, format string) error {
	res := &sqlgraph.Result{Columns: []string{"table", "column", "type"}}
	for _, t := range ts {
		for _, c := range t.Columns {
			res.Rows = append(res.Rows, []any{t.Name, c.Name, c.TypeName()})
		}
	}
	return printResult(w, res, format)
}
