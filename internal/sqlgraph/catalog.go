package sqlgraph

import (
	"context"
	"reflect"
	"strings"
	"time"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/plan"
	"github.com/dolthub/go-mysql-server/sql/planbuilder"

	"github.com/authgraph/authgraph/internal/apperr"
)

// CatalogTables are the information_schema tables a catalogue statement
// may read: what BI tools and drivers ask to browse a database. The engine
// fills them from its catalog, which holds authgraph's tables only (and
// information_schema's own); none holds data of the graph, a session, a
// host setting or a privilege. processlist, user_privileges,
// *_variables, innodb_* and the rest stay refused.
var CatalogTables = map[string]bool{
	"schemata": true, "tables": true, "columns": true, "views": true, "statistics": true,
	"key_column_usage": true, "table_constraints": true, "referential_constraints": true,
	"check_constraints": true, "routines": true, "parameters": true, "triggers": true,
	"character_sets": true, "collations": true, "engines": true,
}

const informationSchemaPkg = "github.com/dolthub/go-mysql-server/sql/information_schema"

// catalogTable allows the CatalogTables of the engine's information_schema
// (by the table's Go type as well as its names), and the dual table; not
// authgraph's own tables: a catalogue statement reads no asset.
func catalogTable(x *plan.ResolvedTable) error {
	if plan.IsDualTable(x.UnderlyingTable()) {
		return nil
	}
	t := reflect.TypeOf(x.UnderlyingTable())
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	db := ""
	if x.SqlDatabase != nil {
		db = x.SqlDatabase.Name()
	}
	if t == nil || t.PkgPath() != informationSchemaPkg || !strings.EqualFold(db, sql.InformationSchemaDatabaseName) ||
		!CatalogTables[strings.ToLower(x.Name())] {
		return forbid("table %s is not allowed in a catalogue statement: only information_schema's %s describe authgraph's tables (and a catalogue statement reads no asset table)", x.Name(), catalogNames())
	}
	return nil
}

func catalogNames() string {
	return "schemata, tables, columns, views, statistics, key_column_usage, table_constraints, referential_constraints, check_constraints, routines, parameters, triggers, character_sets, collations and engines"
}

// QueryCatalog runs one read-only statement over information_schema's
// description of authgraph's tables (the MySQL listener's clients browse
// with it). It is Query with one difference: the tables it may read are
// CatalogTables rather than authgraph's; every other check (read-only
// nodes, no variables, no refused functions, one statement), the time,
// row and byte limits and the console's concurrency slots are Query's.
func (g *Graph) QueryCatalog(ctx context.Context, query string) (*Result, error) {
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

	sctx := sql.NewContext(ctx, sql.WithSession(sql.NewBaseSession()))
	sctx.SetCurrentDatabase(DBName)
	b := planbuilder.New(sctx, g.engine.Analyzer.Catalog, g.engine.EventScheduler, g.engine.Parser)
	bound, _, rest, flags, err := b.Parse(query, nil, true)
	if err != nil {
		return nil, invalid(err)
	}
	if strings.TrimSpace(strings.Trim(strings.TrimSpace(rest), ";")) != "" {
		return nil, apperr.New(apperr.Forbidden, "one statement at a time: statements separated by ';' are not run")
	}
	if err := checkPlanTables(bound, catalogTable, nil); err != nil {
		return nil, err
	}
	node, err := g.engine.Analyzer.Analyze(sctx, bound, nil, flags)
	if err != nil {
		return nil, invalid(err)
	}
	if err := checkPlanTables(node, catalogTable, nil); err != nil {
		return nil, err
	}
	out, err := g.execute(ctx, sctx, node, flags)
	if err != nil {
		return nil, err
	}
	out.Elapsed = time.Since(start)
	return out, nil
}
