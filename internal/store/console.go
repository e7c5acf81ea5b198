package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j/dbtype"

	"github.com/authgraph/authgraph/internal/apperr"
)

// ConsoleProcedures are the only procedures the console may CALL: schema
// introspection and the full-text index. Names compare case-insensitively.
var ConsoleProcedures = []string{
	"db.labels",
	"db.relationshipTypes",
	"db.propertyKeys",
	"db.schema.visualization",
	"db.schema.nodeTypeProperties",
	"db.schema.relTypeProperties",
	"db.index.fulltext.queryNodes",
	"db.index.fulltext.queryRelationships",
}

// Words that make CREATE/DROP/SHOW an administration command.
var adminNouns = map[string]bool{
	"USER": true, "USERS": true, "ROLE": true, "ROLES": true, "DATABASE": true, "DATABASES": true,
	"ALIAS": true, "ALIASES": true, "SERVER": true, "SERVERS": true, "PRIVILEGE": true, "PRIVILEGES": true,
	"COMPOSITE": true, "TRANSACTION": true, "TRANSACTIONS": true, "SETTING": true, "SETTINGS": true,
	"CURRENT": true, "HOME": true, "DEFAULT": true, "PRIVILEGED": true,
}

// Words that start an administration command on their own.
var adminStarts = map[string]bool{
	"GRANT": true, "DENY": true, "REVOKE": true, "START": true, "STOP": true, "TERMINATE": true,
	"ALTER": true, "RENAME": true, "ENABLE": true, "DEALLOCATE": true, "REALLOCATE": true, "DRYRUN": true,
}

// Clauses that write; the plan check is what decides, these give the
// clearer message first.
var writeClauses = map[string]bool{
	"CREATE": true, "MERGE": true, "SET": true, "DELETE": true, "DETACH": true, "REMOVE": true,
	"FOREACH": true, "DROP": true,
}

// Words that follow a variable, so `WITH 1 AS show RETURN show` keeps show
// a name.
var afterName = map[string]bool{
	"RETURN": true, "WITH": true, "WHERE": true, "AS": true, "ORDER": true, "LIMIT": true, "SKIP": true,
	"UNION": true, "MATCH": true, "OPTIONAL": true, "UNWIND": true, "AND": true, "OR": true, "XOR": true,
	"IS": true, "IN": true, "CONTAINS": true, "STARTS": true, "ENDS": true, "ASC": true, "DESC": true,
}

func forbid(format string, args ...any) error {
	return apperr.New(apperr.Forbidden, format, args...)
}

// procName reads a possibly dotted, possibly `quoted` name at toks[i:].
func procName(toks []token, i int) string {
	var parts []string
	for i < len(toks) && (toks[i].kind == tWord || toks[i].kind == tQuoted) {
		t := toks[i].text
		if toks[i].kind == tWord {
			// Words are upper-cased by the lexer; the allowlist compares
			// case-insensitively, and messages show the name as typed.
			t = strings.ToLower(t)
		}
		parts = append(parts, t)
		if i+1 < len(toks) && toks[i+1].punct(".") {
			i += 2
			continue
		}
		break
	}
	return strings.Join(parts, ".")
}

func allowedProcedure(name string) bool {
	for _, p := range ConsoleProcedures {
		if strings.EqualFold(p, name) {
			return true
		}
	}
	return false
}

// CheckConsoleQuery rejects, before anything runs, what the console never
// runs: several statements, EXPLAIN/PROFILE, LOAD CSV, procedures off the
// allowlist, CALL … IN TRANSACTIONS, USE, administration commands and
// writing clauses. Rejections are Forbidden (Invalid for malformed text),
// with a message that says why.
func CheckConsoleQuery(q string) error {
	toks, err := lexCypher(q)
	if err != nil {
		return err
	}
	// A trailing semicolon is harmless; anything after one is a second
	// statement.
	for len(toks) > 0 && toks[len(toks)-1].punct(";") {
		toks = toks[:len(toks)-1]
	}
	if len(toks) == 0 {
		return apperr.New(apperr.Invalid, "empty query")
	}
	for _, t := range toks {
		if t.punct(";") {
			return forbid("one statement at a time: the console does not run statements separated by ';'")
		}
	}
	first := 0
	if toks[0].is("EXPLAIN") || toks[0].is("PROFILE") {
		return apperr.New(apperr.Invalid, "%s is not supported in the console: every query is planned before it runs", toks[0].text)
	}
	if adminStarts[toks[first].text] && toks[first].kind == tWord {
		return forbid("administration commands (%s …) are not allowed in the console", toks[first].text)
	}
	for i, t := range toks {
		if t.kind != tWord {
			continue
		}
		var prev, next token
		if i > 0 {
			prev = toks[i-1]
		}
		if i+1 < len(toks) {
			next = toks[i+1]
		}
		// n.set, :Set and {set: 1} are names, not clauses ($set is one
		// token). A word right after a $parameter is a clause like any
		// other: `WHERE n.x = $p LOAD CSV …`.
		isName := prev.punct(".") || prev.punct(":") || next.punct(":") && !t.is("CALL")
		if isName {
			continue
		}
		switch {
		case t.is("LOAD") && next.is("CSV"):
			return forbid("LOAD CSV is not allowed: the console reads the graph only")
		case t.is("CALL") && (next.kind == tWord || next.kind == tQuoted):
			name := procName(toks, i+1)
			if !allowedProcedure(name) {
				return forbid("procedure %s is not allowed in the console; allowed: %s", name, strings.Join(ConsoleProcedures, ", "))
			}
		case (t.is("SHOW") || t.is("TERMINATE")) && next.text != "" && (next.kind == tWord && !afterName[next.text] || next.kind == tQuoted):
			// Anywhere, not only first: USE … SHOW, SHOW … YIELD …
			// TERMINATE …; the plan check refuses every Show* and
			// Terminate* operator too.
			return forbid("administration commands (%s %s …) are not allowed in the console", t.text, next.text)
		case t.is("TRANSACTIONS") || t.is("TRANSACTION"):
			for j := i - 1; j >= 0 && j >= i-3; j-- {
				if toks[j].is("IN") {
					return forbid("CALL { … } IN TRANSACTIONS is not allowed: it commits on its own")
				}
			}
		case t.is("USE") && (next.kind == tWord || next.kind == tQuoted) &&
			(i == 0 || prev.punct("{") || prev.is("UNION") || prev.is("ALL")):
			return forbid("USE is not allowed: the console reads the authgraph database only")
		case t.is("CREATE") || t.is("DROP"):
			for j := i + 1; j < len(toks) && j <= i+3 && toks[j].kind == tWord; j++ {
				if adminNouns[toks[j].text] {
					return forbid("administration commands (%s %s …) are not allowed in the console", t.text, toks[j].text)
				}
			}
			return forbid("the console is read-only: %s writes to the graph", t.text)
		case writeClauses[t.text] && !prev.punct("(") && !prev.punct(",") && !next.punct(")") && !next.punct(","):
			return forbid("the console is read-only: %s writes to the graph", t.text)
		}
	}
	return nil
}

// ConsoleOptions bound console queries.
type ConsoleOptions struct {
	Timeout  time.Duration // statement timeout, default 10s
	MaxRows  int           // default 1000
	MaxBytes int           // default 4 MiB of JSON rows
	// MaxConcurrent is how many console statements run at once (default
	// 2); one more waits up to QueueWait (default 2s) for a slot, then is
	// refused as Unavailable. The slots are Limiter's: NewConsoleLimiter
	// builds one from these two, and a nil Limiter means the store's own.
	MaxConcurrent int
	QueueWait     time.Duration
	Limiter       *ConsoleLimiter
}

// Console defaults.
const (
	DefaultConsoleTimeout       = 10 * time.Second
	DefaultConsoleMaxRows       = 1000
	DefaultConsoleMaxBytes      = 4 << 20
	DefaultConsoleMaxConcurrent = 2
	DefaultConsoleQueueWait     = 2 * time.Second
	// consoleFetchSize is how many records the driver asks for at a time:
	// few enough that little is decoded past the caps.
	consoleFetchSize = 100
)

func (o ConsoleOptions) withDefaults() ConsoleOptions {
	if o.Timeout <= 0 {
		o.Timeout = DefaultConsoleTimeout
	}
	if o.MaxRows <= 0 {
		o.MaxRows = DefaultConsoleMaxRows
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultConsoleMaxBytes
	}
	if o.MaxConcurrent <= 0 {
		o.MaxConcurrent = DefaultConsoleMaxConcurrent
	}
	if o.QueueWait <= 0 {
		o.QueueWait = DefaultConsoleQueueWait
	}
	return o
}

// ConsoleLimiter bounds the console statements running at once, so a few
// slow queries cannot take every connection and Neo4j's CPU from the rest
// of the API.
type ConsoleLimiter struct {
	slots chan struct{}
	wait  time.Duration
}

// NewConsoleLimiter allows o.MaxConcurrent statements at once, each further
// one waiting up to o.QueueWait (defaults as ConsoleOptions).
func NewConsoleLimiter(o ConsoleOptions) *ConsoleLimiter {
	o = o.withDefaults()
	return &ConsoleLimiter{slots: make(chan struct{}, o.MaxConcurrent), wait: o.QueueWait}
}

// acquire takes a slot, waiting briefly; the caller must release it.
func (l *ConsoleLimiter) acquire(ctx context.Context) (func(), error) {
	release := func() { <-l.slots }
	select {
	case l.slots <- struct{}{}:
		return release, nil
	default:
	}
	t := time.NewTimer(l.wait)
	defer t.Stop()
	select {
	case l.slots <- struct{}{}:
		return release, nil
	case <-t.C:
		return nil, apperr.New(apperr.Unavailable, "the console is busy: %d queries are running; try again in a moment", cap(l.slots))
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// ConsoleResult is what a console query returned.
type ConsoleResult struct {
	Columns []string
	Rows    [][]any // JSON values (JSONValue)
	// Graph holds the nodes and relationships found in the rows (and the
	// ends of those relationships), for a graph rendering.
	Graph Subgraph
	// Truncated says rows were left out; TruncatedReason says which cap.
	Truncated       bool
	TruncatedReason string
	Elapsed         time.Duration
}

// maxGraphEnds bounds the extra lookup of relationship ends.
const maxGraphEnds = 2000

// Console runs a user's read-only query: checked by CheckConsoleQuery (words,
// for early, friendly messages), then planned with EXPLAIN and run only when
// every operator of the plan is an allowed read (checkConsolePlan), in a
// READ transaction with a statement timeout, a deadline, a concurrency
// limit, and rows and bytes capped as they stream.
func (s *Store) Console(ctx context.Context, query string, params map[string]any, o ConsoleOptions) (*ConsoleResult, error) {
	if err := CheckConsoleQuery(query); err != nil {
		return nil, err
	}
	return s.runConsole(ctx, query, params, o)
}

func (s *Store) consoleLimiter(o ConsoleOptions) *ConsoleLimiter {
	if o.Limiter != nil {
		return o.Limiter
	}
	s.consoleOnce.Do(func() { s.consoleLim = NewConsoleLimiter(ConsoleOptions{}) })
	return s.consoleLim
}

// runConsole is Console after the word guard: the plan check, the READ
// transaction and the caps. It stands on its own: every hostile query is
// refused here too.
func (s *Store) runConsole(ctx context.Context, query string, params map[string]any, o ConsoleOptions) (*ConsoleResult, error) {
	o = o.withDefaults()
	release, err := s.consoleLimiter(o).acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	query = strings.TrimRight(strings.TrimSpace(query), "; \t\r\n")
	params = normalizeParams(params)
	start := time.Now()
	// The server's transaction timeout stops the query, at the statement
	// timeout or the request's deadline if that comes first; the context
	// is a backstop should the server not answer in time.
	o.Timeout = within(ctx, o.Timeout)
	ctx, cancel := context.WithTimeout(ctx, o.Timeout+2*time.Second)
	defer cancel()

	sess := s.driver.NewSession(ctx, neo4j.SessionConfig{AccessMode: neo4j.AccessModeRead, DatabaseName: s.db, FetchSize: consoleFetchSize})
	defer sess.Close(context.WithoutCancel(ctx))
	tx, err := sess.BeginTransaction(ctx, neo4j.WithTxTimeout(o.Timeout))
	if err != nil {
		return nil, consoleErrIn(ctx, err, o.Timeout)
	}
	defer tx.Close(context.WithoutCancel(ctx))

	countQuery(ctx)
	// EXPLAIN on a line of its own: Neo4j's error positions then point one
	// line down from the user's, which explainErr shifts back.
	plan, err := tx.Run(ctx, explainPrefix+query, params)
	if err != nil {
		return nil, consoleErrIn(ctx, explainErr(err), o.Timeout)
	}
	sum, err := plan.Consume(ctx)
	if err != nil {
		return nil, consoleErrIn(ctx, explainErr(err), o.Timeout)
	}
	if sum.Plan() == nil {
		return nil, forbid("the console could not read this query's plan, so it does not run it")
	}
	if d := sum.Database(); d != nil && d.Name() != s.db {
		return nil, forbid("USE is not allowed: the console reads the %s database only", s.db)
	}
	if err := checkConsolePlan(readPlan(sum.Plan()), sum.StatementType(), s.db); err != nil {
		return nil, err
	}

	countQuery(ctx)
	res, err := tx.Run(ctx, query, params)
	if err != nil {
		return nil, consoleErrIn(ctx, err, o.Timeout)
	}
	keys, err := res.Keys()
	if err != nil {
		return nil, consoleErrIn(ctx, err, o.Timeout)
	}
	out := &ConsoleResult{Columns: keys, Rows: [][]any{}}
	b := newGraphBuilder()
	size := 0
	for res.Next(ctx) {
		if len(out.Rows) >= o.MaxRows {
			out.Truncated, out.TruncatedReason = true, fmt.Sprintf("more than %d rows", o.MaxRows)
			break
		}
		rec := res.Record()
		// Measure the row before converting it, and stop inside a large
		// value as soon as the budget is spent.
		n := rowSize(rec.Values, o.MaxBytes-size)
		if size+n > o.MaxBytes {
			out.Truncated, out.TruncatedReason = true, fmt.Sprintf("more than %d bytes", o.MaxBytes)
			break
		}
		size += n
		// The plan check keeps the query away from authgraph's own
		// records; should one reach a row all the same, the query fails.
		if err := refuseInternal(rec.Values); err != nil {
			return nil, err
		}
		row := make([]any, len(rec.Values))
		rb := newGraphBuilder()
		for i, v := range rec.Values {
			row[i] = jsonValue(v, rb)
		}
		out.Rows = append(out.Rows, row)
		for _, n := range rb.nodes {
			if !b.has(n.ElementID) {
				b.seen[n.ElementID] = n.ID
				b.nodes = append(b.nodes, n)
			}
		}
		for _, r := range rb.rels {
			b.addRel(r)
		}
	}
	if err := res.Err(); err != nil {
		return nil, consoleErrIn(ctx, err, o.Timeout)
	}
	// Relationships whose ends the rows did not return: fetch the ends so
	// the graph has no loose edges.
	if miss := b.missing(); len(miss) > 0 {
		if len(miss) > maxGraphEnds {
			miss = miss[:maxGraphEnds]
		}
		countQuery(ctx)
		ends, err := tx.Run(ctx, "MATCH (n) WHERE elementId(n) IN $ids RETURN n", map[string]any{"ids": miss})
		if err == nil {
			for ends.Next(ctx) {
				if n, ok := ends.Record().Values[0].(dbtype.Node); ok {
					if err := refuseInternal([]any{n}); err != nil {
						return nil, err
					}
					b.addNode(n)
				}
			}
		}
	}
	out.Graph = Subgraph{Nodes: b.nodes, Edges: b.edges()}
	out.Elapsed = time.Since(start)
	return out, nil
}

// refuseInternal fails when vals hold a node of authgraph's own records (an
// InternalLabels label) or a relationship of InternalRelTypes, anywhere in
// lists, maps and paths. Properties read by name are plain values and
// cannot be told apart here: checkConsolePlan keeps queries from reaching
// those nodes at all.
func refuseInternal(vals []any) error {
	for _, v := range vals {
		if what := internalIn(v); what != "" {
			return forbid("the query returned one of authgraph's own records (%s), which the console does not read", what)
		}
	}
	return nil
}

func internalIn(v any) string {
	switch x := v.(type) {
	case dbtype.Node:
		// db.schema.visualization's nodes are virtual (negative ids):
		// they carry a label's name, not a record.
		if x.Id < 0 {
			return ""
		}
		for _, l := range x.Labels {
			if isInternalLabel(l) {
				return l
			}
		}
	case dbtype.Relationship:
		if isInternalRelType(x.Type) {
			return x.Type
		}
	case dbtype.Path:
		for _, n := range x.Nodes {
			if w := internalIn(n); w != "" {
				return w
			}
		}
		for _, r := range x.Relationships {
			if w := internalIn(r); w != "" {
				return w
			}
		}
	case []any:
		for _, e := range x {
			if w := internalIn(e); w != "" {
				return w
			}
		}
	case map[string]any:
		for _, e := range x {
			if w := internalIn(e); w != "" {
				return w
			}
		}
	}
	return ""
}

// rowSize is about the size of a row's values as JSON, counted no further
// than budget+1: a row of one huge list stops counting once over.
func rowSize(vals []any, budget int) int {
	n := 2
	for _, v := range vals {
		if n > budget {
			return n
		}
		n += valueSize(v, budget-n) + 1
	}
	return n
}

func valueSize(v any, budget int) int {
	switch x := v.(type) {
	case nil:
		return 4
	case bool:
		return 5
	case int64, int, float64:
		return 20
	case string:
		return len(x) + 2
	case []byte:
		return len(x)*4/3 + 4
	case []any:
		n := 2
		for _, e := range x {
			if n > budget {
				return n
			}
			n += valueSize(e, budget-n) + 1
		}
		return n
	case []string:
		n := 2
		for _, e := range x {
			if n > budget {
				return n
			}
			n += len(e) + 3
		}
		return n
	case map[string]any:
		n := 2
		for k, e := range x {
			if n > budget {
				return n
			}
			n += len(k) + 4 + valueSize(e, budget-n)
		}
		return n
	case dbtype.Node:
		n := 64 + len(x.ElementId)
		for _, l := range x.Labels {
			n += len(l) + 3
		}
		return n + valueSize(x.Props, budget-n)
	case dbtype.Relationship:
		n := 96 + len(x.ElementId) + len(x.StartElementId) + len(x.EndElementId) + len(x.Type)
		return n + valueSize(x.Props, budget-n)
	case dbtype.Path:
		n := 32
		for _, e := range x.Nodes {
			if n > budget {
				return n
			}
			n += valueSize(e, budget-n) + 1
		}
		for _, e := range x.Relationships {
			if n > budget {
				return n
			}
			n += valueSize(e, budget-n) + 1
		}
		return n
	}
	// Temporal values, durations, points: short.
	return 48
}

// normalizeParams turns JSON numbers (json.Number from the GraphQL layer,
// float64 from encoding/json) into integers where they are whole, so
// `LIMIT $n` works.
func normalizeParams(p map[string]any) map[string]any {
	if p == nil {
		return map[string]any{}
	}
	out := make(map[string]any, len(p))
	for k, v := range p {
		out[k] = normalizeParam(v)
	}
	return out
}

func normalizeParam(v any) any {
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
		f, _ := x.Float64()
		return f
	case float64:
		if x == float64(int64(x)) {
			return int64(x)
		}
		return x
	case int:
		return int64(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalizeParam(e)
		}
		return out
	case map[string]any:
		return normalizeParams(x)
	}
	return v
}

// consoleErr classifies a console failure: the user's query errors are
// Invalid with Neo4j's message, a timeout says so, a write refused by the
// READ transaction is Forbidden.
func consoleErr(err error, timeout time.Duration) error {
	var ne *neo4j.Neo4jError
	if errors.As(err, &ne) {
		switch {
		case strings.HasPrefix(ne.Code, "Neo.ClientError.Transaction.TransactionTimedOut"),
			ne.Code == "Neo.TransientError.Transaction.Terminated",
			ne.Code == "Neo.ClientError.Transaction.Terminated",
			ne.Code == "Neo.TransientError.Transaction.LockClientStopped":
			return apperr.New(apperr.Invalid, "query stopped: it ran longer than the %s limit", timeout)
		case ne.Code == "Neo.ClientError.Statement.AccessMode",
			strings.HasPrefix(ne.Code, "Neo.ClientError.Security."):
			return forbid("the console is read-only: %s", ne.Msg)
		case strings.HasPrefix(ne.Code, "Neo.ClientError."):
			return apperr.Wrap(apperr.Invalid, err, ne.Msg)
		}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return apperr.New(apperr.Invalid, "query stopped: it ran longer than the %s limit", timeout)
	}
	return wrapDBErr(err)
}

// consoleErrIn is consoleErr for a failure under ctx: when ctx's deadline
// has passed, the driver's connectivity error is the timeout.
func consoleErrIn(ctx context.Context, err error, timeout time.Duration) error {
	if ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return apperr.Wrap(apperr.Invalid, err, fmt.Sprintf("query stopped: it ran longer than the %s limit", timeout))
	}
	return consoleErr(err, timeout)
}

const explainPrefix = "EXPLAIN\n"

var errPosition = regexp.MustCompile(`line (\d+), column (\d+) \(offset: (\d+)\)`)

// explainErr maps the positions in a Neo4j error about the EXPLAIN-prefixed
// query back to the user's query (one line up, offsets shifted), so the
// console points at what the user typed.
func explainErr(err error) error {
	var ne *neo4j.Neo4jError
	if !errors.As(err, &ne) {
		return err
	}
	shifted := *ne
	shifted.Msg = errPosition.ReplaceAllStringFunc(ne.Msg, func(m string) string {
		p := errPosition.FindStringSubmatch(m)
		line, _ := strconv.Atoi(p[1])
		off, _ := strconv.Atoi(p[3])
		if line < 2 || off < len(explainPrefix) {
			return m
		}
		return fmt.Sprintf("line %d, column %s (offset: %d)", line-1, p[2], off-len(explainPrefix))
	})
	return &shifted
}

// WithDefaults fills the options left zero with the console's defaults.
func (o ConsoleOptions) WithDefaults() ConsoleOptions { return o.withDefaults() }

// AcquireConsole takes one of the console's concurrency slots (o.Limiter's,
// or the store's own) for a statement of another console (SQL), waiting
// briefly as a console query does; the caller must call release.
func (s *Store) AcquireConsole(ctx context.Context, o ConsoleOptions) (release func(), err error) {
	return s.consoleLimiter(o.withDefaults()).acquire(ctx)
}
