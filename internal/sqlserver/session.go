package sqlserver

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/dolthub/vitess/go/mysql"
	"github.com/dolthub/vitess/go/sqltypes"
	querypb "github.com/dolthub/vitess/go/vt/proto/query"
	"github.com/dolthub/vitess/go/vt/sqlparser"

	"github.com/authgraph/authgraph/internal/sqlgraph"
)

// What clients send on connect and to browse is answered here, from an
// explicit allowlist and the tables' declarations: session settings are
// accepted and ignored (every statement runs with the engine's defaults,
// UTC, read-only), a few system variables have fixed harmless values, and
// SHOW describes authgraph's tables. Nothing here reads the graph or the
// host, and nothing here loosens sqlgraph's check: a statement that is not
// exactly one of these goes to sqlgraph, which refuses all but reads.

// settable are the session variables a SET may name (values are accepted
// and ignored). Drivers and BI tools set these on connect.
var settable = map[string]bool{
	"names": true, "character set": true, "charset": true, "character_set_client": true, "character_set_connection": true,
	"character_set_results": true, "collation_connection": true, "autocommit": true, "sql_mode": true,
	"time_zone": true, "transaction": true, "transaction_isolation": true, "tx_isolation": true,
	"transaction_read_only": true, "tx_read_only": true, "session_track_schema": true,
	"session_track_state_change": true, "session_track_system_variables": true, "session_track_transaction_info": true,
	"net_write_timeout": true, "net_read_timeout": true, "wait_timeout": true, "interactive_timeout": true,
	"sql_select_limit": true, "sql_safe_updates": true, "sql_quote_show_create": true, "sql_auto_is_null": true,
	"sql_notes": true, "sql_warnings": true, "max_execution_time": true, "group_concat_max_len": true,
	"sql_big_selects": true, "div_precision_increment": true, "lc_time_names": true, "default_week_format": true,
}

// sysvars are the system variables a client may read (SELECT @@x, SHOW
// VARIABLES), with fixed values: nothing about the host (no datadir,
// hostname, basedir, pid_file, port, version_compile_*).
func (s *Server) sysvars() map[string]any {
	idle := int64(s.cfg.IdleTimeout.Seconds())
	return map[string]any{
		"auto_increment_increment": int64(1), "auto_increment_offset": int64(1), "autocommit": int64(1),
		"character_set_client": "utf8mb4", "character_set_connection": "utf8mb4", "character_set_database": "utf8mb4",
		"character_set_results": "utf8mb4", "character_set_server": "utf8mb4", "character_set_system": "utf8mb3",
		"collation_connection": "utf8mb4_0900_bin", "collation_database": "utf8mb4_0900_bin", "collation_server": "utf8mb4_0900_bin",
		"default_week_format": int64(0), "div_precision_increment": int64(4), "group_concat_max_len": int64(1024),
		"init_connect": "", "interactive_timeout": idle, "wait_timeout": idle, "license": "Apache-2.0",
		"lower_case_table_names": int64(0), "max_allowed_packet": int64(64 << 20), "net_buffer_length": int64(16384),
		"net_read_timeout": int64(30), "net_write_timeout": int64(int(s.cfg.WriteTimeout.Seconds())),
		"performance_schema": int64(0), "protocol_version": int64(10), "query_cache_size": int64(0), "query_cache_type": "OFF",
		"read_only": int64(1), "transaction_read_only": int64(1), "tx_read_only": int64(1),
		"transaction_isolation": "READ-COMMITTED", "tx_isolation": "READ-COMMITTED",
		"sql_auto_is_null": int64(0), "sql_mode": "NO_ENGINE_SUBSTITUTION,ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES",
		"sql_select_limit": "18446744073709551615", "sql_safe_updates": int64(0), "sql_quote_show_create": int64(1),
		"system_time_zone": "UTC", "time_zone": "+00:00", "lc_time_names": "en_US",
		"version": ServerVersion, "version_comment": "authgraph: read-only SQL over the asset graph",
		"session_track_schema": "ON", "session_track_state_change": "OFF", "session_track_system_variables": "",
		"session_track_transaction_info": "OFF", "have_ssl": s.haveSSL(), "require_secure_transport": s.haveSSLFlag(),
	}
}

func (s *Server) haveSSL() string {
	if s.cfg.TLS != nil {
		return "YES"
	}
	return "DISABLED"
}

func (s *Server) haveSSLFlag() int64 {
	if s.cfg.TLS != nil {
		return 1
	}
	return 0
}

// answer handles the statements of the allowlist; handled is false for
// everything else (which goes to sqlgraph).
func (h *handler) answer(c *mysql.Conn, sess *session, stmt sqlparser.Statement) (res *sqltypes.Result, handled bool, err error) {
	switch x := stmt.(type) {
	case *sqlparser.Set:
		return h.set(x)
	case *sqlparser.Use:
		if !strings.EqualFold(x.DBName.String(), sqlgraph.DBName) {
			return nil, true, badDB(x.DBName.String())
		}
		return ok(), true, nil
	case *sqlparser.Begin, *sqlparser.Commit, *sqlparser.Rollback:
		// Nothing is ever written: each statement reads in a transaction
		// of its own, so these have nothing to do.
		return ok(), true, nil
	case *sqlparser.Show:
		res, err := h.show(sess, x)
		return res, true, err
	case *sqlparser.Select:
		return h.sessionSelect(c, sess, x)
	}
	return nil, false, nil
}

func ok() *sqltypes.Result { return &sqltypes.Result{} }

func badDB(name string) error {
	return mysql.NewSQLError(mysql.ERBadDb, "42000", "Unknown database '%s': the only database is %s", name, sqlgraph.DBName)
}

func forbidden(format string, args ...any) error {
	return mysql.NewSQLError(mysql.ERSpecifiedAccessDenied, "42000", format, args...)
}

// set accepts SET of the settable session variables to literal values,
// and ignores them. User variables, GLOBAL/PERSIST and values that are
// expressions (a subquery, a function) are refused.
func (h *handler) set(x *sqlparser.Set) (*sqltypes.Result, bool, error) {
	for _, e := range x.Exprs {
		switch e.Scope {
		case sqlparser.SetScope_None, sqlparser.SetScope_Session:
		case sqlparser.SetScope_User:
			return nil, true, forbidden("user variables (@%s) are not allowed: SQL over the graph is read-only", sqlparser.String(e.Name))
		default:
			return nil, true, forbidden("SET %s is not allowed: only session settings a client sends on connect are accepted (and ignored)", strings.ToUpper(string(e.Scope)))
		}
		name := varName(sqlparser.String(e.Name))
		if !settable[name] {
			return nil, true, forbidden("SET %s is not allowed: only session settings a client sends on connect are accepted (and ignored)", name)
		}
		switch v := e.Expr.(type) {
		case *sqlparser.SQLVal, *sqlparser.NullVal, sqlparser.BoolVal, *sqlparser.Default:
		case *sqlparser.ColName:
			if !v.Qualifier.IsEmpty() || strings.HasPrefix(v.Name.String(), "@") {
				return nil, true, forbidden("SET %s: the value must be a literal", name)
			}
		default:
			return nil, true, forbidden("SET %s: the value must be a literal", name)
		}
	}
	return ok(), true, nil
}

// varName normalises a variable's name: @@SESSION.`x` → x.
func varName(s string) string {
	s = strings.ToLower(strings.ReplaceAll(s, "`", ""))
	s = strings.TrimPrefix(s, "@@")
	for _, p := range []string{"session.", "local.", "global."} {
		s = strings.TrimPrefix(s, p)
	}
	return s
}

// sessionSelect answers a SELECT without FROM whose every column is an
// allowed system variable, one of the session functions or a literal,
// with at least one variable or function (SELECT @@version_comment
// LIMIT 1, SELECT DATABASE(), the JDBC driver's list of @@variables).
// Anything else goes to sqlgraph.
func (h *handler) sessionSelect(c *mysql.Conn, sess *session, x *sqlparser.Select) (*sqltypes.Result, bool, error) {
	if len(x.From) > 1 || x.Where != nil || x.GroupBy != nil || x.Having != nil || x.OrderBy != nil || x.Into != nil ||
		x.With != nil || x.Lock != "" || len(x.Window) > 0 {
		return nil, false, nil
	}
	if len(x.From) == 1 {
		t, ok := x.From[0].(*sqlparser.AliasedTableExpr)
		if !ok {
			return nil, false, nil
		}
		tn, ok := t.Expr.(sqlparser.TableName)
		if !ok || !strings.EqualFold(tn.Name.String(), "dual") || !tn.DbQualifier.IsEmpty() {
			return nil, false, nil
		}
	}
	vars := h.s.sysvars()
	var fields []*querypb.Field
	var row []sqltypes.Value
	special := false
	for _, se := range x.SelectExprs {
		ae, ok := se.(*sqlparser.AliasedExpr)
		if !ok {
			return nil, false, nil
		}
		name := ae.As.String()
		if name == "" {
			name = ae.InputExpression
		}
		if name == "" {
			name = sqlparser.String(ae.Expr)
		}
		var v any
		switch e := ae.Expr.(type) {
		case *sqlparser.ColName:
			raw := e.Name.String()
			if !e.Qualifier.IsEmpty() || !strings.HasPrefix(raw, "@@") {
				return nil, false, nil
			}
			n := varName(raw)
			val, known := vars[n]
			if !known {
				return nil, true, forbidden("system variable @@%s is not available: this server answers only the session variables clients read on connect", n)
			}
			v, special = val, true
		case *sqlparser.FuncExpr:
			if len(e.Exprs) > 0 || !e.Qualifier.IsEmpty() {
				return nil, false, nil
			}
			switch strings.ToLower(e.Name.String()) {
			case "database", "schema":
				v = sqlgraph.DBName
			case "user", "current_user", "session_user", "system_user":
				v = c.User + "@" + sess.remote
			case "version":
				v = ServerVersion
			case "connection_id":
				v = int64(c.ConnectionID)
			default:
				return nil, false, nil
			}
			special = true
		case *sqlparser.SQLVal:
			switch e.Type {
			case sqlparser.IntVal:
				n, err := strconv.ParseInt(string(e.Val), 10, 64)
				if err != nil {
					return nil, false, nil
				}
				v = n
			case sqlparser.StrVal:
				v = string(e.Val)
			default:
				return nil, false, nil
			}
		case *sqlparser.NullVal:
			v = nil
		default:
			return nil, false, nil
		}
		f, val := cell(name, v)
		fields = append(fields, f)
		row = append(row, val)
	}
	if !special {
		return nil, false, nil
	}
	res := &sqltypes.Result{Fields: fields, Rows: [][]sqltypes.Value{row}}
	if x.Limit != nil {
		// One row: LIMIT 0, or an OFFSET past it, leaves none.
		if n, ok := x.Limit.Rowcount.(*sqlparser.SQLVal); ok && string(n.Val) == "0" {
			res.Rows = nil
		}
		if n, ok := x.Limit.Offset.(*sqlparser.SQLVal); ok && string(n.Val) != "0" {
			res.Rows = nil
		}
	}
	return res, true, nil
}

// cell is one column and value of an answer of ours.
func cell(name string, v any) (*querypb.Field, sqltypes.Value) {
	switch x := v.(type) {
	case int64:
		return &querypb.Field{Name: name, Type: sqltypes.Int64, Charset: charsetBinary, ColumnLength: 21, Flags: uint32(querypb.MySqlFlag_NUM_FLAG)},
			sqltypes.MakeTrusted(sqltypes.Int64, strconv.AppendInt(nil, x, 10))
	case nil:
		return &querypb.Field{Name: name, Type: sqltypes.Null, Charset: charsetBinary}, sqltypes.NULL
	}
	return textField(name), sqltypes.MakeTrusted(sqltypes.VarChar, []byte(fmt.Sprint(v)))
}

func textField(name string) *querypb.Field {
	return &querypb.Field{Name: name, Type: sqltypes.VarChar, Charset: charsetUTF8, ColumnLength: 1024}
}

// table builds a result of text columns (nil values are NULL).
func table(cols []string, rows [][]any) *sqltypes.Result {
	res := &sqltypes.Result{}
	for _, c := range cols {
		res.Fields = append(res.Fields, textField(c))
	}
	for _, r := range rows {
		out := make([]sqltypes.Value, len(r))
		for i, v := range r {
			if v == nil {
				out[i] = sqltypes.NULL
				continue
			}
			out[i] = sqltypes.MakeTrusted(sqltypes.VarChar, []byte(fmt.Sprint(v)))
		}
		res.Rows = append(res.Rows, out)
	}
	return res
}

// show answers the SHOW statements a client browses with; the others are
// refused.
func (h *handler) show(sess *session, x *sqlparser.Show) (*sqltypes.Result, error) {
	typ := strings.ToLower(x.Type)
	var filter *sqlparser.ShowFilter
	db := x.Database
	if x.ShowTablesOpt != nil {
		filter = x.ShowTablesOpt.Filter
		if x.ShowTablesOpt.DbName != "" {
			db = x.ShowTablesOpt.DbName
		}
	}
	if x.Filter != nil {
		filter = x.Filter
	}
	if db == "" && !x.Table.DbQualifier.IsEmpty() {
		db = x.Table.DbQualifier.String()
	}
	if db != "" && !strings.EqualFold(db, sqlgraph.DBName) {
		return nil, badDB(db)
	}
	var cols []string
	var rows [][]any
	switch typ {
	case "databases", "schemas":
		cols, rows = []string{"Database"}, [][]any{{sqlgraph.DBName}}
	case "tables":
		cols = []string{"Tables_in_" + sqlgraph.DBName}
		if x.Full {
			cols = append(cols, "Table_type")
		}
		for _, t := range h.s.cfg.Graph.Tables() {
			r := []any{t.Name}
			if x.Full {
				r = append(r, "BASE TABLE")
			}
			rows = append(rows, r)
		}
	case "columns", "fields":
		t, err := h.table(x.Table.Name.String())
		if err != nil {
			return nil, err
		}
		cols = []string{"Field", "Type", "Null", "Key", "Default", "Extra"}
		if x.Full {
			cols = []string{"Field", "Type", "Collation", "Null", "Key", "Default", "Extra", "Privileges", "Comment"}
		}
		for _, c := range t.Columns {
			if x.Full {
				rows = append(rows, []any{c.Name, c.TypeName(), collationOf(c), "YES", "", nil, "", "select", c.Doc})
			} else {
				rows = append(rows, []any{c.Name, c.TypeName(), "YES", "", nil, ""})
			}
		}
	case "create table":
		t, err := h.table(x.Table.Name.String())
		if err != nil {
			return nil, err
		}
		return table([]string{"Table", "Create Table"}, [][]any{{t.Name, createTable(t)}}), nil
	case "index":
		if _, err := h.table(x.Table.Name.String()); err != nil {
			return nil, err
		}
		cols = []string{"Table", "Non_unique", "Key_name", "Seq_in_index", "Column_name", "Collation", "Cardinality",
			"Sub_part", "Packed", "Null", "Index_type", "Comment", "Index_comment", "Visible", "Expression"}
	case "table status":
		cols = []string{"Name", "Engine", "Version", "Row_format", "Rows", "Avg_row_length", "Data_length", "Max_data_length",
			"Index_length", "Data_free", "Auto_increment", "Create_time", "Update_time", "Check_time", "Collation", "Checksum",
			"Create_options", "Comment"}
		for _, t := range h.s.cfg.Graph.Tables() {
			rows = append(rows, []any{t.Name, "authgraph", 10, "Dynamic", nil, nil, nil, nil, nil, nil, nil, nil, nil, nil,
				"utf8mb4_0900_bin", nil, "", t.Doc})
		}
	case "variables":
		cols = []string{"Variable_name", "Value"}
		vars := h.s.sysvars()
		names := make([]string, 0, len(vars))
		for n := range vars {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			rows = append(rows, []any{n, vars[n]})
		}
	case "warnings":
		cols = []string{"Level", "Code", "Message"}
		for _, w := range sess.warnings {
			rows = append(rows, []any{"Warning", w.code, w.msg})
		}
	case "collation":
		cols = []string{"Collation", "Charset", "Id", "Default", "Compiled", "Sortlen", "Pad_attribute"}
		rows = [][]any{{"utf8mb4_0900_bin", "utf8mb4", 309, "", "Yes", 1, "NO PAD"}, {"utf8mb4_0900_ai_ci", "utf8mb4", 255, "Yes", "Yes", 0, "NO PAD"}}
		if x.ShowCollationFilterOpt != nil {
			return nil, forbidden("SHOW COLLATION: use LIKE")
		}
	case "engines":
		cols = []string{"Engine", "Support", "Comment", "Transactions", "XA", "Savepoints"}
		rows = [][]any{{"authgraph", "DEFAULT", "read-only SQL over the asset graph", "NO", "NO", "NO"}}
	case "charset":
		cols = []string{"Charset", "Description", "Default collation", "Maxlen"}
		rows = [][]any{{"utf8mb4", "UTF-8 Unicode", "utf8mb4_0900_ai_ci", 4}}
	default:
		return nil, forbidden("SHOW %s is not available: this server answers SHOW DATABASES, TABLES, COLUMNS, CREATE TABLE, INDEX, TABLE STATUS, VARIABLES, WARNINGS, ENGINES, COLLATION and CHARACTER SET about authgraph's tables", strings.ToUpper(x.Type))
	}
	rows, err := filterRows(cols, rows, filter)
	if err != nil {
		return nil, err
	}
	return table(cols, rows), nil
}

func (h *handler) table(name string) (*sqlgraph.Table, error) {
	for _, t := range h.s.cfg.Graph.Tables() {
		if strings.EqualFold(t.Name, name) {
			return t, nil
		}
	}
	return nil, mysql.NewSQLError(mysql.ERNoSuchTable, "42S02", "Table '%s.%s' doesn't exist", sqlgraph.DBName, name)
}

func collationOf(c sqlgraph.Column) any {
	switch t := c.TypeName(); {
	case strings.Contains(t, "text"), strings.Contains(t, "char"):
		return "utf8mb4_0900_bin"
	}
	return nil
}

// createTable is the table's declaration as MySQL would print it.
func createTable(t *sqlgraph.Table) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE `%s` (\n", t.Name)
	for i, c := range t.Columns {
		fmt.Fprintf(&b, "  `%s` %s", c.Name, c.TypeName())
		if c.Doc != "" {
			fmt.Fprintf(&b, " COMMENT '%s'", strings.ReplaceAll(c.Doc, "'", "''"))
		}
		if i < len(t.Columns)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, ") ENGINE=authgraph DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_bin COMMENT='%s'", strings.ReplaceAll(t.Doc, "'", "''"))
	return b.String()
}

// filterRows applies SHOW's LIKE, or a WHERE of comparisons of a column
// with a string (=, !=, <>, LIKE, NOT LIKE) joined by AND, OR and NOT.
func filterRows(cols []string, rows [][]any, f *sqlparser.ShowFilter) ([][]any, error) {
	if f == nil {
		return rows, nil
	}
	var keep func(r []any) (bool, error)
	if f.Filter == nil {
		keep = func(r []any) (bool, error) { return like(fmt.Sprint(r[0]), f.Like), nil }
	} else {
		keep = func(r []any) (bool, error) { return evalFilter(cols, r, f.Filter) }
	}
	var out [][]any
	for _, r := range rows {
		k, err := keep(r)
		if err != nil {
			return nil, err
		}
		if k {
			out = append(out, r)
		}
	}
	return out, nil
}

func evalFilter(cols []string, r []any, e sqlparser.Expr) (bool, error) {
	switch x := e.(type) {
	case *sqlparser.AndExpr:
		a, err := evalFilter(cols, r, x.Left)
		if err != nil || !a {
			return false, err
		}
		return evalFilter(cols, r, x.Right)
	case *sqlparser.OrExpr:
		a, err := evalFilter(cols, r, x.Left)
		if err != nil || a {
			return a, err
		}
		return evalFilter(cols, r, x.Right)
	case *sqlparser.NotExpr:
		a, err := evalFilter(cols, r, x.Expr)
		return !a, err
	case *sqlparser.ParenExpr:
		return evalFilter(cols, r, x.Expr)
	case *sqlparser.ComparisonExpr:
		col, okc := x.Left.(*sqlparser.ColName)
		val, okv := x.Right.(*sqlparser.SQLVal)
		if okc && okv {
			for i, c := range cols {
				if !strings.EqualFold(c, col.Name.String()) {
					continue
				}
				got, want := "", string(val.Val)
				if r[i] != nil {
					got = fmt.Sprint(r[i])
				}
				switch x.Operator {
				case sqlparser.EqualStr:
					return strings.EqualFold(got, want), nil
				case sqlparser.NotEqualStr, "<>":
					return !strings.EqualFold(got, want), nil
				case sqlparser.LikeStr:
					return like(got, want), nil
				case sqlparser.NotLikeStr:
					return !like(got, want), nil
				}
			}
		}
	}
	return false, forbidden("SHOW … WHERE: only comparisons of a column with a string (=, !=, LIKE) joined by AND, OR, NOT; or use LIKE")
}

// like is SQL's LIKE, case-insensitive as SHOW's is: % any run, _ one
// character, \ escapes. Dynamic programming: time len(s)×len(pattern),
// whatever the pattern.
func like(s, pattern string) bool {
	str := []rune(strings.ToLower(s))
	type tok struct {
		r    rune
		kind byte // 'c' a character, '_' any one, '%' any run
	}
	var p []tok
	pr := []rune(strings.ToLower(pattern))
	for i := 0; i < len(pr); i++ {
		switch {
		case pr[i] == '\\' && i+1 < len(pr):
			i++
			p = append(p, tok{pr[i], 'c'})
		case pr[i] == '%':
			p = append(p, tok{kind: '%'})
		case pr[i] == '_':
			p = append(p, tok{kind: '_'})
		default:
			p = append(p, tok{pr[i], 'c'})
		}
	}
	// m[j]: the pattern's first j tokens match the string read so far.
	m := make([]bool, len(p)+1)
	m[0] = true
	for j := 1; j <= len(p) && p[j-1].kind == '%'; j++ {
		m[j] = true
	}
	for _, r := range str {
		next := make([]bool, len(p)+1)
		for j := 1; j <= len(p); j++ {
			switch t := p[j-1]; t.kind {
			case '%':
				next[j] = next[j-1] || m[j]
			case '_':
				next[j] = m[j-1]
			default:
				next[j] = m[j-1] && t.r == r
			}
		}
		m = next
	}
	return m[len(p)]
}
