package store

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j/db"
)

// The console decides by what Neo4j will do: it reads the EXPLAIN plan of
// the query and accepts only plans made of the read operators below, the
// procedures of ConsoleProcedures and built-in functions, all on the
// authgraph database. The word guard (CheckConsoleQuery) only gives
// friendlier messages earlier; this check stands on its own, so escapes,
// odd whitespace or clauses the guard misreads change nothing: Neo4j has
// already parsed them when it plans.
//
// Operator names were read from Neo4j 5.26's plan descriptions
// (LogicalPlan2PlanDescription) and checked on the real server; an operator
// not listed here, known or not, is refused.

// consoleReadOperators are the operators a console plan may use: scans and
// seeks, expands and path finders, joins and applies, and row operators.
var consoleReadOperators = setOf(
	// Leaves.
	"AllNodesScan", "Argument", "ArgumentTracker",
	"NodeByLabelScan", "NodeByIdSeek", "NodeByElementIdSeek",
	"NodeIndexSeek", "NodeUniqueIndexSeek", "NodeIndexSeekByRange", "NodeUniqueIndexSeekByRange",
	"NodeIndexScan", "NodeIndexContainsScan", "NodeIndexEndsWithScan", "MultiNodeIndexSeek",
	"IntersectionNodeByLabelsScan", "UnionNodeByLabelsScan", "SubtractionNodeByLabelsScan",
	"NodeCountFromCountStore", "RelationshipCountFromCountStore",
	"DirectedRelationshipTypeScan", "UndirectedRelationshipTypeScan",
	"DirectedAllRelationshipsScan", "UndirectedAllRelationshipsScan",
	"DirectedUnionRelationshipTypesScan", "UndirectedUnionRelationshipTypesScan",
	"DirectedRelationshipByIdSeek", "UndirectedRelationshipByIdSeek",
	"DirectedRelationshipByElementIdSeek", "UndirectedRelationshipByElementIdSeek",
	"DirectedRelationshipIndexSeek", "UndirectedRelationshipIndexSeek",
	"DirectedRelationshipUniqueIndexSeek", "UndirectedRelationshipUniqueIndexSeek",
	"DirectedRelationshipIndexSeekByRange", "UndirectedRelationshipIndexSeekByRange",
	"DirectedRelationshipUniqueIndexSeekByRange", "UndirectedRelationshipUniqueIndexSeekByRange",
	"DirectedRelationshipIndexScan", "UndirectedRelationshipIndexScan",
	"DirectedRelationshipIndexContainsScan", "UndirectedRelationshipIndexContainsScan",
	"DirectedRelationshipIndexEndsWithScan", "UndirectedRelationshipIndexEndsWithScan",
	// The parallel runtime's (Enterprise) partitioned leaves.
	"PartitionedAllNodesScan", "PartitionedNodeByLabelScan", "PartitionedNodeIndexScan",
	"PartitionedIntersectionNodeByLabelsScan", "PartitionedUnionNodeByLabelsScan", "PartitionedSubtractionNodeByLabelsScan",
	"PartitionedDirectedAllRelationshipsScan", "PartitionedUndirectedAllRelationshipsScan",
	"PartitionedDirectedRelationshipTypeScan", "PartitionedUndirectedRelationshipTypeScan",
	"PartitionedDirectedUnionRelationshipTypesScan", "PartitionedUndirectedUnionRelationshipTypesScan",
	"PartitionedDirectedRelationshipIndexScan", "PartitionedUndirectedRelationshipIndexScan",
	"PartitionedUnwind",
	// Expands and paths.
	"Expand(All)", "Expand(Into)", "OptionalExpand(All)", "OptionalExpand(Into)",
	"VarLengthExpand(All)", "VarLengthExpand(Into)", "VarLengthExpand(Pruning)",
	"VarLengthExpand(Pruning,BFS,All)", "VarLengthExpand(Pruning,BFS,Into)",
	"Repeat(Trail)", "Repeat(Walk)", "BidirectionalRepeat(Trail)", "NullifyMetadata",
	"StatefulShortestPath(All)", "StatefulShortestPath(Into)", "ShortestPath", "PathPropagatingBFS",
	"ProjectEndpoints", "TriadicSelection", "TriadicBuild", "TriadicFilter",
	// Joins, applies, unions.
	"Apply", "SemiApply", "AntiSemiApply", "LetSemiApply", "LetAntiSemiApply",
	"SelectOrSemiApply", "SelectOrAntiSemiApply", "LetSelectOrSemiApply", "LetSelectOrAntiSemiApply",
	"ConditionalApply", "AntiConditionalApply", "RollUpApply", "CartesianProduct",
	"NodeHashJoin", "ValueHashJoin", "NodeLeftOuterHashJoin", "NodeRightOuterHashJoin",
	"Union", "OrderedUnion", "Optional", "Anti",
	// Rows.
	"ProduceResults", "Projection", "Filter", "Limit", "ExhaustiveLimit", "Skip",
	"Sort", "PartialSort", "Top", "Top1WithTies", "PartialTop", "Distinct", "OrderedDistinct",
	"Aggregation", "EagerAggregation", "OrderedAggregation", "Unwind", "CacheProperties",
	"Eager", "EmptyResult", "NonFuseable", "PreserveOrder",
	// Checked further: the procedure must be on ConsoleProcedures.
	"ProcedureCall",
)

// consoleFunctionNamespaces are the namespaces of the built-in functions the
// console allows (Neo4j 5.26's SHOW FUNCTIONS: temporal, duration, spatial,
// vector). Functions without a namespace are Cypher's own: user-defined
// functions always have one. graph.* (composite databases) and anything
// else (apoc.*, plugins) is refused.
var consoleFunctionNamespaces = []string{
	"date", "datetime", "localdatetime", "localtime", "time", "duration", "point", "vector.similarity",
}

func setOf(xs ...string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

// planOp is one operator of a plan as the console checks it.
type planOp struct {
	Operator string // e.g. "Expand(All)"
	Database string // the database the operator runs on, when Neo4j says
	Details  string
	ID       int64 // -1 when the plan carries no id
	Children []planOp
}

// readPlan copies the driver's plan tree. neo4j-go-driver 5.28's
// Plan.Children() returns every child as the last one (it takes the address
// of its loop variable, and the module builds with Go 1.18 loop semantics),
// which would hide all but the last branch of a join, union or apply. So the
// tree is read from the driver's own db.Plan values; should that field ever
// change shape, the public API is used and a tree whose operator ids repeat
// is refused (see checkConsolePlan).
func readPlan(p neo4j.Plan) planOp {
	if dp, ok := driverPlan(p); ok {
		return fromDBPlan(dp)
	}
	op := newPlanOp(p.Operator(), p.Arguments())
	for _, c := range p.Children() {
		op.Children = append(op.Children, readPlan(c))
	}
	return op
}

var dbPlanType = reflect.TypeOf(db.Plan{})

// driverPlan finds the *db.Plan inside the driver's Plan wrapper. The field
// is unexported, so it is read, never written, through reflection.
func driverPlan(p neo4j.Plan) (reflect.Value, bool) {
	v := reflect.ValueOf(p)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return reflect.Value{}, false
	}
	f := v.Elem().FieldByName("plan")
	if !f.IsValid() || f.Kind() != reflect.Pointer || f.Type().Elem() != dbPlanType || f.IsNil() {
		return reflect.Value{}, false
	}
	return f.Elem(), true
}

// fromDBPlan reads a db.Plan value (reached through an unexported field, so
// only its kinds are read, never Interface()).
func fromDBPlan(v reflect.Value) planOp {
	args := map[string]any{}
	if m := v.FieldByName("Arguments"); m.Kind() == reflect.Map {
		for _, key := range []string{"Details", "Id"} {
			e := m.MapIndex(reflect.ValueOf(key))
			if !e.IsValid() {
				continue
			}
			if e.Kind() == reflect.Interface {
				e = e.Elem()
			}
			switch e.Kind() {
			case reflect.String:
				args[key] = e.String()
			case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
				args[key] = e.Int()
			}
		}
	}
	op := newPlanOp(v.FieldByName("Operator").String(), args)
	if cs := v.FieldByName("Children"); cs.Kind() == reflect.Slice {
		for i := 0; i < cs.Len(); i++ {
			op.Children = append(op.Children, fromDBPlan(cs.Index(i)))
		}
	}
	return op
}

func newPlanOp(operator string, args map[string]any) planOp {
	op := planOp{Operator: operator, ID: -1}
	// Neo4j 5 names the database after the operator: "Expand(All)@neo4j".
	if i := strings.LastIndexByte(operator, '@'); i >= 0 {
		op.Operator, op.Database = operator[:i], operator[i+1:]
	}
	op.Details, _ = args["Details"].(string)
	if id, ok := args["Id"].(int64); ok {
		op.ID = id
	}
	return op
}

// checkConsolePlan accepts a plan made only of read operators, allowed
// procedures and built-in functions, all on database dbName, and planned
// read-only. Anything else is Forbidden, with a message naming it.
func checkConsolePlan(root planOp, stmt neo4j.StatementType, dbName string) error {
	seen := map[int64]bool{}
	var walk func(op planOp) error
	walk = func(op planOp) error {
		if op.ID >= 0 {
			if seen[op.ID] {
				return forbid("the console could not read this query's plan (operator %d repeats), so it does not run it", op.ID)
			}
			seen[op.ID] = true
		}
		if err := checkPlanOp(op, dbName); err != nil {
			return err
		}
		for _, c := range op.Children {
			if err := walk(c); err != nil {
				return err
			}
		}
		return nil
	}
	if root.Operator == "" {
		return forbid("the console could not read this query's plan, so it does not run it")
	}
	if err := walk(root); err != nil {
		return err
	}
	if stmt != neo4j.StatementTypeReadOnly {
		return forbid("the console is read-only: Neo4j plans this query as %s", stmt)
	}
	return nil
}

func checkPlanOp(op planOp, dbName string) error {
	name := op.Operator
	if op.Database != "" && op.Database != dbName {
		return forbid("USE is not allowed: the console reads the %s database only (this query runs on %s)", dbName, op.Database)
	}
	switch {
	case name == "LoadCSV":
		return forbid("LOAD CSV is not allowed: the console reads the graph only")
	case strings.HasPrefix(name, "Show"), strings.HasPrefix(name, "Terminate"), name == "AdministrationCommand":
		return forbid("administration commands (%s) are not allowed in the console", name)
	case name == "TransactionApply", name == "TransactionForeach":
		return forbid("CALL { … } IN TRANSACTIONS is not allowed: it commits on its own")
	case name == "ProcedureCall":
		proc, rest := procedureOf(op.Details)
		if proc == "" || !allowedProcedure(proc) {
			if proc == "" {
				proc = "(unnamed)"
			}
			return forbid("procedure %s is not allowed in the console; allowed: %s", proc, strings.Join(ConsoleProcedures, ", "))
		}
		return checkFunctions(rest)
	case !consoleReadOperators[name]:
		if writeOperator(name) {
			return forbid("the console is read-only: the plan writes to the graph (%s)", name)
		}
		return forbid("the console does not run plans with the %s operator", name)
	}
	return checkFunctions(op.Details)
}

// writeOperator tells write operators apart, for a clearer message only:
// every operator off the list is refused either way.
func writeOperator(name string) bool {
	for _, p := range []string{"Create", "Merge", "LockingMerge", "Delete", "DetachDelete", "Set", "Remove", "Foreach", "SubqueryForeach", "Drop", "DoNothingIfExists", "Assert"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// procedureOf splits a ProcedureCall's details, "db.labels() :: (label ::
// STRING)", into the procedure's name and the rest (its arguments).
func procedureOf(details string) (string, string) {
	i := strings.IndexByte(details, '(')
	if i <= 0 {
		return "", details
	}
	return strings.TrimSpace(details[:i]), details[i:]
}

// checkFunctions refuses a call of a namespaced function outside
// consoleFunctionNamespaces in a plan's details. Quoted names (column
// names repeat the query's text in backticks) and string literals are
// skipped.
func checkFunctions(details string) error {
	for _, fn := range namespacedCalls(details) {
		if !allowedFunction(fn) {
			return forbid("function %s is not allowed in the console; allowed: Cypher's built-in functions (%s.*)", fn, strings.Join(consoleFunctionNamespaces, ".*, "))
		}
	}
	return nil
}

func allowedFunction(name string) bool {
	lower := strings.ToLower(name)
	for _, ns := range consoleFunctionNamespaces {
		if strings.HasPrefix(lower, ns+".") && !strings.Contains(lower[len(ns)+1:], ".") {
			return true
		}
	}
	return false
}

// namespacedCalls lists the dotted names followed by "(" in s.
func namespacedCalls(s string) []string {
	var out []string
	rs := []rune(s)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case r == '`' || r == '\'' || r == '"':
			i = skipQuoted(rs, i)
		case isIdentStart(r):
			j := i
			dotted := false
			for j < len(rs) {
				for j < len(rs) && isIdentPart(rs[j]) {
					j++
				}
				if j+1 < len(rs) && rs[j] == '.' && isIdentStart(rs[j+1]) {
					dotted = true
					j++
					continue
				}
				break
			}
			k := j
			for k < len(rs) && rs[k] == ' ' {
				k++
			}
			if dotted && k < len(rs) && rs[k] == '(' {
				out = append(out, string(rs[i:j]))
			}
			i = j
		default:
			i++
		}
	}
	sort.Strings(out)
	return out
}

// skipQuoted returns the index after the quoted text starting at rs[i].
func skipQuoted(rs []rune, i int) int {
	q := rs[i]
	for j := i + 1; j < len(rs); j++ {
		switch {
		case rs[j] == '\\' && q != '`':
			j++
		case rs[j] == q:
			if q == '`' && j+1 < len(rs) && rs[j+1] == '`' {
				j++
				continue
			}
			return j + 1
		}
	}
	return len(rs)
}

// describePlan renders a plan tree, one operator a line (tests and logs).
func describePlan(op planOp) string {
	var b strings.Builder
	var walk func(op planOp, depth int)
	walk = func(op planOp, depth int) {
		fmt.Fprintf(&b, "%s%s %s\n", strings.Repeat("  ", depth), op.Operator, op.Details)
		for _, c := range op.Children {
			walk(c, depth+1)
		}
	}
	walk(op, 0)
	return b.String()
}
