package sqlgraph

import (
	"cmp"
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
		(*plan.SetOp)(nil), (*plan.Window)(nil),
		(*plan.With)(nil), (*plan.CachedResults)(nil), (*plan.HashLookup)(nil), (*plan.EmptyTable)(nil),
		(*plan.StripRowNode)(nil), (*plan.Values)(nil), (*plan.ValueDerivedTable)(nil),
		(*plan.Max1Row)(nil), (*plan.TransformedNamedNode)(nil), (*plan.NamedWindows)(nil),
		(*plan.Releaser)(nil), (*plan.Concat)(nil),
		plan.Nothing{},
	} {
		readNodes[reflect.TypeOf(n)] = true
	}
}

// maxBuilt bounds the strings REPEAT, LPAD, RPAD and SPACE may build: the
// engine evaluates them without looking at the statement's deadline, so a
// count of a billion would hold a console slot and gigabytes of memory
// past the timeout. Their count must be a literal up to this.
const maxBuilt = 1024

// builders are the functions that build a string of a length they are
// given, and which argument that is.
var builders = map[string]int{"repeat": 1, "lpad": 1, "rpad": 1, "space": 0}

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
	// ICU's matcher backtracks without looking at the deadline: a
	// pattern like (a+)+b runs on past the timeout. LIKE stays.
	"regexp_like":    "can run past the time limit (use LIKE)",
	"regexp_instr":   "can run past the time limit (use LOCATE or LIKE)",
	"regexp_replace": "can run past the time limit (use REPLACE)",
	"regexp_substr":  "can run past the time limit (use SUBSTRING)",
}

func forbid(format string, args ...any) error {
	return apperr.New(apperr.Forbidden, format, args...)
}

// checkPlan refuses a plan holding anything but reads of authgraph's
// tables: a node type off readNodes, a table of another database
// (information_schema, mysql), a variable (user, system, procedure), an
// assignment, or a refused function; subqueries are checked the same way,
// however deeply nested.
func checkPlan(n sql.Node) error { return checkPlanTables(n, ourTable, collationUnsupported) }

// ourTable allows authgraph's tables and the dual table of a SELECT
// without FROM.
func ourTable(x *plan.ResolvedTable) error {
	if _, ok := x.UnderlyingTable().(*table); !ok && !plan.IsDualTable(x.UnderlyingTable()) {
		return forbid("table %s is not one of authgraph's: only the tables of the %s database can be read", x.Name(), DBName)
	}
	return nil
}

// checkPlanTables is checkPlan with allowTable deciding which tables may
// be read (catalog.go allows information_schema's description of ours).
func checkPlanTables(n sql.Node, allowTable func(*plan.ResolvedTable) error, unsupportedExpr func(sql.Expression) error) error {
	// err is a refusal, which ends the walk; unsupported is the first
	// expression unsupportedExpr (if any) says the engine would answer
	// wrong, said only when nothing is refused.
	var err, unsupported error
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
				if err == nil && unsupportedExpr != nil {
					unsupported = cmp.Or(unsupported, unsupportedExpr(e))
				}
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
			if err = allowTable(x); err != nil {
				return false
			}
		case *plan.SubqueryAlias:
			if x.Child != nil {
				transform.Inspect(x.Child, visit)
			}
		}
		checkExprs(node)
		return err == nil
	}
	transform.Inspect(n, visit)
	return cmp.Or(err, unsupported)
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
		if arg, ok := builders[name]; ok {
			kids := e.Children()
			if arg >= len(kids) {
				return nil
			}
			lit, isLit := kids[arg].(*expression.Literal)
			n, isInt := int64(0), false
			if isLit {
				n, isInt = intOf(lit.Value())
			}
			if !isInt || n > maxBuilt {
				return forbid("%s's length must be a number up to %d written in the query", strings.ToUpper(name), maxBuilt)
			}
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
