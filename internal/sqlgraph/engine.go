// Package sqlgraph is read-only SQL over the asset graph: go-mysql-server
// (a MySQL-compatible engine) plans and runs the statements, joins and
// aggregates; its tables are authgraph's, built from the declarations in
// package schema (one per kind, one per relation), and each table scan is
// one Cypher read in package store with the filters, projection and limit
// the plan allows pushed into it. Statements are judged by their analysed
// plan: only the node and expression types of a read run (check.go).
package sqlgraph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	sqle "github.com/dolthub/go-mysql-server"
	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/analyzer"
	"github.com/dolthub/go-mysql-server/sql/planbuilder"
	"github.com/dolthub/go-mysql-server/sql/rowexec"
	"github.com/dolthub/go-mysql-server/sql/types"
	"github.com/shopspring/decimal"

	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/internal/store"
)

// Graph runs SQL over one store's graph. It is safe for concurrent use.
type Graph struct {
	store  *store.Store
	opts   store.ConsoleOptions
	engine *sqle.Engine
	tables []*Table
	// noKeyFilter turns the batched key filter off (keyjoin.go): the
	// engine's joins run as planned. Tests compare both.
	noKeyFilter bool
	keyCaps     keyCaps
	// noCountPushdown leaves the aggregates of joins to the engine
	// (countpush.go). Tests compare both.
	noCountPushdown bool
	// noTenantInference leaves each scan with the tenants its own
	// conditions name (tenants.go).
	noTenantInference bool
	// noHashJoins leaves the nested-loop joins the engine plans for
	// conditions with more than equalities (hashjoin.go).
	noHashJoins bool
}

// New builds the engine over st's graph. o bounds every statement as it
// bounds the Cypher console (timeout, rows, bytes, and the same
// concurrency slots unless o.Limiter says otherwise).
func New(st *store.Store, o store.ConsoleOptions) *Graph {
	g := &Graph{store: st, opts: o.WithDefaults(), tables: Tables()}
	db := &database{g: g, tables: map[string]*Table{}}
	for _, t := range g.tables {
		db.tables[t.Name] = t
		db.names = append(db.names, t.Name)
	}
	a := analyzer.NewBuilder(&provider{db: db}).Build()
	a.ExecBuilder = newExecBuilder()
	g.engine = sqle.New(a, &sqle.Config{IsReadOnly: true})
	return g
}

// Tables lists the tables with their columns.
func (g *Graph) Tables() []*Table { return g.tables }

// Result is what a statement returned.
type Result struct {
	Columns []string
	// Types are the columns' SQL types (lower case, as MySQL prints them).
	Types []string
	// Rows hold JSON values: strings, numbers (int64, float64), booleans
	// as 0/1, JSON columns decoded, DATETIME as RFC 3339 strings.
	Rows            [][]any
	Truncated       bool
	TruncatedReason string
	Elapsed         time.Duration
	// Scans counts the store reads the statement made.
	Scans int
	// KeyFilters counts the joins whose other side a batched key filter
	// reduced; KeyFallbacks those run as planned because the side read
	// first was over the caps (keyjoin.go).
	KeyFilters, KeyFallbacks int
	// KeyConstants counts the equalities a key filter found true for
	// every two rows its join sees (the tenant of a one-tenant join) and
	// left out of the join's condition and hash key (keyjoin.go).
	KeyConstants int
	// CountPushdowns counts the joins whose COUNTs a kind table's scan
	// computed instead (countpush.go).
	CountPushdowns int
}

type scanCounter struct {
	n      int
	keys   keyStats
	counts int
}

type scanKey struct{}

func (g *Graph) scanned(ctx context.Context) {
	if c, ok := ctx.Value(scanKey{}).(*scanCounter); ok {
		c.n++
	}
}

// Query runs one read-only SQL statement.
func (g *Graph) Query(ctx context.Context, query string) (*Result, error) {
	if strings.TrimSpace(strings.Trim(strings.TrimSpace(query), ";")) == "" {
		return nil, apperr.New(apperr.Invalid, "empty query")
	}
	release, err := g.store.AcquireConsole(ctx, g.opts)
	if err != nil {
		return nil, err
	}
	defer release()
	start := time.Now()
	timeout := g.opts.Timeout
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < timeout {
		timeout = time.Until(dl)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	counter := &scanCounter{}
	ctx = context.WithValue(ctx, scanKey{}, counter)

	sctx := sql.NewContext(ctx, sql.WithSession(sql.NewBaseSession()))
	sctx.SetCurrentDatabase(DBName)
	node, flags, err := g.plan(sctx, query)
	if err != nil {
		return nil, g.queryErr(ctx, err)
	}
	out, err := g.execute(ctx, sctx, node, flags)
	if err != nil {
		return nil, err
	}
	out.Elapsed = time.Since(start)
	out.Scans = counter.n
	out.KeyFilters, out.KeyFallbacks, out.KeyConstants = counter.keys.reduced, counter.keys.fallbacks, counter.keys.constants
	out.CountPushdowns = counter.counts
	return out, nil
}

// execute runs an analysed, checked plan and collects its rows under the
// console's caps (Query and QueryCatalog share it).
func (g *Graph) execute(ctx context.Context, sctx *sql.Context, node sql.Node, flags *sql.QueryFlags) (*Result, error) {
	iter, err := g.engine.Analyzer.ExecBuilder.Build(sctx, node, nil)
	if err != nil {
		return nil, g.queryErr(ctx, err)
	}
	iter, sch, err := rowexec.FinalizeIters(sctx, node, flags, iter)
	if err != nil {
		return nil, g.queryErr(ctx, err)
	}
	if sch == nil {
		sch = node.Schema()
	}
	out := &Result{Rows: [][]any{}}
	for _, c := range sch {
		out.Columns = append(out.Columns, c.Name)
		out.Types = append(out.Types, strings.ToLower(c.Type.String()))
	}
	err = g.collect(sctx, iter, sch, out)
	if cerr := iter.Close(sctx); err == nil && cerr != nil && ctx.Err() == nil {
		err = cerr
	}
	if err != nil {
		return nil, g.queryErr(ctx, err)
	}
	return out, nil
}

func rowexecOverride(b sql.NodeExecBuilder) sql.NodeExecBuilder { return rowexec.NewOverrideBuilder(b) }

// plan parses, checks, analyses, checks again and pushes down: nothing of
// the statement runs before its analysed plan has passed the check.
func (g *Graph) plan(ctx *sql.Context, query string) (sql.Node, *sql.QueryFlags, error) {
	b := planbuilder.New(ctx, g.engine.Analyzer.Catalog, g.engine.EventScheduler, g.engine.Parser)
	bound, _, rest, flags, err := b.Parse(query, nil, true)
	if err != nil {
		return nil, nil, invalid(err)
	}
	if strings.TrimSpace(strings.Trim(strings.TrimSpace(rest), ";")) != "" {
		return nil, nil, apperr.New(apperr.Forbidden, "one statement at a time: statements separated by ';' are not run")
	}
	if err := checkPlan(bound); err != nil {
		return nil, nil, err
	}
	analyzed, err := g.engine.Analyzer.Analyze(ctx, bound, nil, flags)
	if err != nil {
		return nil, nil, invalid(err)
	}
	if err := checkPlan(analyzed); err != nil {
		return nil, nil, err
	}
	pushed, err := pushdown(analyzed)
	if err != nil {
		return nil, nil, err
	}
	// Counts first (a join they replace is no join left to reduce), then
	// the tenants carried across joins, which the key filter then uses, as
	// it does the hash joins made of nested loops.
	if !g.noCountPushdown {
		if pushed, err = g.pushCounts(pushed); err != nil {
			return nil, nil, err
		}
	}
	if !g.noTenantInference {
		if pushed, err = inferTenants(pushed); err != nil {
			return nil, nil, err
		}
	}
	// Not a speed-up: without it the engine's hash joins lose rows.
	if pushed, err = safeHashKeys(pushed); err != nil {
		return nil, nil, err
	}
	if !g.noHashJoins {
		if pushed, err = hashJoins(pushed); err != nil {
			return nil, nil, err
		}
	}
	if !g.noKeyFilter {
		if pushed, err = g.reduceJoins(pushed); err != nil {
			return nil, nil, err
		}
	}
	return pushed, flags, nil
}

// Explain returns the analysed plan of a statement after pushdown, as the
// engine prints it, without running it.
func (g *Graph) Explain(ctx context.Context, query string) (string, error) {
	sctx := sql.NewContext(ctx, sql.WithSession(sql.NewBaseSession()))
	sctx.SetCurrentDatabase(DBName)
	node, _, err := g.plan(sctx, query)
	if err != nil {
		return "", err
	}
	return sql.DebugString(node), nil
}

func (g *Graph) collect(ctx *sql.Context, iter sql.RowIter, sch sql.Schema, out *Result) error {
	size := 2
	for {
		row, err := iter.Next(ctx)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if len(out.Rows) >= g.opts.MaxRows {
			out.Truncated, out.TruncatedReason = true, fmt.Sprintf("more than %d rows", g.opts.MaxRows)
			return nil
		}
		vals := make([]any, len(row))
		n := 2
		for i, v := range row {
			var t sql.Type
			if i < len(sch) {
				t = sch[i].Type
			}
			vals[i] = jsonValue(v, t)
			b, _ := json.Marshal(vals[i])
			n += len(b) + 1
			if size+n > g.opts.MaxBytes {
				out.Truncated, out.TruncatedReason = true, fmt.Sprintf("more than %d bytes", g.opts.MaxBytes)
				return nil
			}
		}
		size += n
		out.Rows = append(out.Rows, vals)
	}
}

// jsonValue turns an engine value into a JSON one.
func jsonValue(v any, t sql.Type) any {
	switch x := v.(type) {
	case nil, string, bool, int64:
		return x
	case int8:
		return int64(x)
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	case int:
		return int64(x)
	case uint8:
		return int64(x)
	case uint16:
		return int64(x)
	case uint32:
		return int64(x)
	case uint64:
		if x > math.MaxInt64 {
			return fmt.Sprint(x)
		}
		return int64(x)
	case float32:
		return jsonFloat(float64(x))
	case float64:
		return jsonFloat(x)
	case decimal.Decimal:
		if f, exact := x.Float64(); exact {
			return f
		}
		return x.String()
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case []byte:
		return string(x)
	case types.JSONDocument:
		return x.Val
	case sql.JSONWrapper:
		if val, err := x.ToInterface(); err == nil {
			return val
		}
		return nil
	}
	return fmt.Sprint(v)
}

func jsonFloat(f float64) any {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return fmt.Sprint(f)
	}
	return f
}

// queryErr maps an engine or store error to the error vocabulary.
func (g *Graph) queryErr(ctx context.Context, err error) error {
	// The statement's deadline first: a scan stopped by it names the time
	// that was left when it started, not the statement's limit.
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return apperr.Wrap(apperr.Invalid, err, fmt.Sprintf("query stopped: it ran longer than the %s limit", g.opts.Timeout))
	}
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return err
	}
	if sql.ErrReadOnly.Is(err) {
		return apperr.New(apperr.Forbidden, "SQL is read-only: %s", cleanErr(err))
	}
	return invalid(err)
}

// invalid: the engine's own message (a syntax error, an unknown column)
// is what the person needs to see.
func invalid(err error) error {
	return apperr.New(apperr.Invalid, "SQL: %s", cleanErr(err))
}

func cleanErr(err error) string {
	return strings.TrimSpace(err.Error())
}
