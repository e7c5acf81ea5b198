package sqlgraph

import (
	"reflect"
	"strings"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/expression"
	"github.com/dolthub/go-mysql-server/sql/plan"
	"github.com/dolthub/go-mysql-server/sql/transform"

	"github.com/authgraph/authgraph/internal/apperr"
)

// readNodes are the plan nodes of a read: the only ones a statement's plan
// may hold, before and after analysis. Everything else (writes, DDL, SET,
// SHOW, LOAD DATA, SELECT … INTO, transactions, locks, prepared
// statements, procedures, KILL, grants) is refused by not being here.
var readNodes = map[reflect.Type]bool{}

func init() {
	for _, n := range []sql.Node{
		(*plan.Project)(nil), (*plan.Filter)(nil), (*plan.Limit)(nil), (*plan.Offset)(nil),
		(*plan.Sort)(nil), (*plan.TopN)(nil), (*plan.GroupBy)(nil), (*plan.Having)(nil),
		(*plan.Distinct)(nil), (*plan.OrderedDistinct)(nil), (*plan.JoinNode)(nil),
		(*plan.TableAlias)(nil), (*plan.ResolvedTable)(nil), (*plan.SubqueryAlias)(nil),
		(*plan.SetOp)(nil), (*plan.Window)(nil), (*plan.RecursiveCte)(nil), (*plan.RecursiveTable)(nil),
		(*plan.With)(nil), (*plan.CachedResults)(nil), (*plan.HashLookup)(nil), (*plan.EmptyTable)(nil),
		(*plan.StripRowNode)(nil), (*plan.Values)(nil), (*plan.ValueDerivedTable)(nil),
		(*plan.Max1Row)(nil), (*plan.TransformedNamedNode)(nil), (*plan.NamedWindows)(nil),
		(*plan.Releaser)(nil), (*plan.Concat)(nil),
		plan.Nothing{},
	} {
		readNodes[reflect.TypeOf(n)] = true
	}
}

// refusedFunctions read files (LOAD_FILE), hold server-wide locks, stall a
// console slot (SLEEP) or can expand a small input into a huge value
// (UNCOMPRESS). They are expression nodes of the plan, refused by type.
var refusedFunctions = map[string]string{
	"load_file":         "reads a file of the server",
	"sleep":             "only waits",
	"get_lock":          "takes a server-wide lock",
	"release_lock":      "releases a server-wide lock",
	"release_all_locks": "releases server-wide locks",
	"is_free_lock":      "inspects server-wide locks",
	"is_used_lock":      "inspects server-wide locks",
	"uncompress":        "can expand a small value into a huge one",
}

func forbid(format string, args ...any) error {
	return apperr.New(apperr.Forbidden, format, args...)
}

// checkPlan refuses a plan holding anything but reads of authgraph's
// tables: a node type off readNodes, a table of another database
// (information_schema, mysql), a variable (user, system, procedure), an
// assignment, or a refused function; subqueries are checked the same way,
// however deeply nested.
func checkPlan(n sql.Node) error {
	var err error
	var visit func(n sql.Node) bool
	checkExprs := func(node sql.Node) {
		ex, ok := node.(sql.Expressioner)
		if !ok {
			return
		}
		for _, e := range ex.Expressions() {
			sql.Inspect(e, func(e sql.Expression) bool {
				if err != nil || e == nil {
					return false
				}
				err = checkExpr(e)
				if sq, ok := e.(*plan.Subquery); ok && err == nil && sq.Query != nil {
					transform.Inspect(sq.Query, visit)
				}
				return err == nil
			})
		}
	}
	visit = func(node sql.Node) bool {
		if err != nil || node == nil {
			return false
		}
		if !readNodes[reflect.TypeOf(node)] {
			err = forbid("SQL is read-only: %s is not allowed (only SELECT over authgraph's tables runs)", nodeName(node))
			return false
		}
		switch x := node.(type) {
		case *plan.ResolvedTable:
			// Ours, or the dual table of a SELECT without FROM.
			if _, ok := x.UnderlyingTable().(*table); !ok && !plan.IsDualTable(x.UnderlyingTable()) {
				err = forbid("table %s is not one of authgraph's: only the tables of the %s database can be read", x.Name(), DBName)
				return false
			}
		case *plan.SubqueryAlias:
			if x.Child != nil {
				transform.Inspect(x.Child, visit)
			}
		case *plan.RecursiveCte:
			if x.Union() != nil {
				transform.Inspect(x.Union(), visit)
			}
		}
		checkExprs(node)
		return err == nil
	}
	transform.Inspect(n, visit)
	return err
}

func checkExpr(e sql.Expression) error {
	switch x := e.(type) {
	case *expression.UserVar:
		return forbid("user variables (@%s) are not allowed in SQL over the graph", x.Name)
	case *expression.SystemVar:
		return forbid("system variables (@@%s) are not allowed in SQL over the graph", x.Name)
	case *expression.ProcedureParam:
		return forbid("procedure parameters are not allowed in SQL over the graph")
	case *expression.SetField:
		return forbid("assignments are not allowed: SQL over the graph is read-only")
	case sql.FunctionExpression:
		name := strings.ToLower(x.FunctionName())
		if why, ok := refusedFunctions[name]; ok {
			return forbid("function %s is not allowed: it %s", strings.ToUpper(name), why)
		}
	}
	return nil
}

func nodeName(n sql.Node) string {
	t := reflect.TypeOf(n)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}
