package sqlserver

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/dolthub/vitess/go/sqltypes"
	querypb "github.com/dolthub/vitess/go/vt/proto/query"

	"github.com/authgraph/authgraph/internal/sqlgraph"
)

// MySQL's collation ids as the protocol sends them in a column definition.
const (
	charsetBinary = 63  // binary: numbers, dates, JSON
	charsetUTF8   = 309 // utf8mb4_0900_bin: authgraph's comparisons are binary
)

// fieldType maps a column's SQL type as sqlgraph prints it ("bigint",
// "tinyint(1)", "datetime(6)", "varchar(255)", "bigint unsigned", …) to the
// protocol's type.
func fieldType(t string) querypb.Type {
	base := t
	if i := strings.IndexAny(base, "( "); i >= 0 {
		base = base[:i]
	}
	unsigned := strings.Contains(t, "unsigned")
	pick := func(signed, uns querypb.Type) querypb.Type {
		if unsigned {
			return uns
		}
		return signed
	}
	switch base {
	case "tinyint", "bool", "boolean":
		return pick(sqltypes.Int8, sqltypes.Uint8)
	case "smallint":
		return pick(sqltypes.Int16, sqltypes.Uint16)
	case "mediumint":
		return pick(sqltypes.Int24, sqltypes.Uint24)
	case "int", "integer":
		return pick(sqltypes.Int32, sqltypes.Uint32)
	case "bigint":
		return pick(sqltypes.Int64, sqltypes.Uint64)
	case "float":
		return sqltypes.Float32
	case "double", "real":
		return sqltypes.Float64
	case "decimal", "numeric":
		return sqltypes.Decimal
	case "date":
		return sqltypes.Date
	case "datetime":
		return sqltypes.Datetime
	case "timestamp":
		return sqltypes.Timestamp
	case "time":
		return sqltypes.Time
	case "year":
		return sqltypes.Year
	case "json":
		return sqltypes.TypeJSON
	case "bit":
		return sqltypes.Bit
	case "enum":
		return sqltypes.Enum
	case "set":
		return sqltypes.Set
	case "blob", "tinyblob", "mediumblob", "longblob":
		return sqltypes.Blob
	case "binary":
		return sqltypes.Binary
	case "varbinary":
		return sqltypes.VarBinary
	case "text", "tinytext", "mediumtext", "longtext":
		return sqltypes.Text
	case "char":
		return sqltypes.Char
	case "null":
		return sqltypes.Null
	}
	return sqltypes.VarChar
}

// fractional is the fractional digits of a datetime type: datetime(6) → 6.
func fractional(t string) int {
	i := strings.IndexByte(t, '(')
	j := strings.IndexByte(t, ')')
	if i < 0 || j < i {
		return 0
	}
	n, _ := strconv.Atoi(t[i+1 : j])
	return n
}

// toResult turns sqlgraph's result (JSON values) into the protocol's.
func toResult(r *sqlgraph.Result) *sqltypes.Result {
	out := &sqltypes.Result{Fields: make([]*querypb.Field, len(r.Columns))}
	types := make([]querypb.Type, len(r.Columns))
	for i, name := range r.Columns {
		ts := ""
		if i < len(r.Types) {
			ts = r.Types[i]
		}
		typ := fieldType(ts)
		types[i] = typ
		f := &querypb.Field{Name: name, OrgName: name, Type: typ, Charset: charsetBinary}
		switch {
		case sqltypes.IsIntegral(typ):
			f.ColumnLength, f.Flags = 21, uint32(querypb.MySqlFlag_NUM_FLAG)
			if sqltypes.IsUnsigned(typ) {
				f.Flags |= uint32(querypb.MySqlFlag_UNSIGNED_FLAG)
			}
		case sqltypes.IsFloat(typ) || typ == sqltypes.Decimal:
			f.ColumnLength, f.Flags, f.Decimals = 22, uint32(querypb.MySqlFlag_NUM_FLAG), 31
		case typ == sqltypes.Datetime || typ == sqltypes.Timestamp:
			f.Decimals = uint32(fractional(ts))
			f.ColumnLength = 19 + f.Decimals
			if f.Decimals > 0 {
				f.ColumnLength++
			}
		case typ == sqltypes.Date:
			f.ColumnLength = 10
		case typ == sqltypes.TypeJSON, typ == sqltypes.Blob:
			f.ColumnLength, f.Flags = 4294967295, uint32(querypb.MySqlFlag_BLOB_FLAG|querypb.MySqlFlag_BINARY_FLAG)
		case typ == sqltypes.Text:
			f.Charset, f.ColumnLength, f.Flags = charsetUTF8, 4294967295, uint32(querypb.MySqlFlag_BLOB_FLAG)
		case sqltypes.IsBinary(typ):
			f.ColumnLength, f.Flags = 65535, uint32(querypb.MySqlFlag_BINARY_FLAG)
		case typ == sqltypes.Null:
		default:
			f.Charset, f.ColumnLength = charsetUTF8, 65535
		}
		out.Fields[i] = f
	}
	out.Rows = make([][]sqltypes.Value, len(r.Rows))
	for i, row := range r.Rows {
		vals := make([]sqltypes.Value, len(row))
		for j, v := range row {
			typ := sqltypes.VarChar
			if j < len(types) {
				typ = types[j]
			}
			ts := ""
			if j < len(r.Types) {
				ts = r.Types[j]
			}
			vals[j] = value(v, typ, ts)
		}
		out.Rows[i] = vals
	}
	return out
}

// value is one cell in the text protocol.
func value(v any, typ querypb.Type, ts string) sqltypes.Value {
	if v == nil {
		return sqltypes.NULL
	}
	if typ == sqltypes.Null {
		typ = sqltypes.VarChar
	}
	if typ == sqltypes.TypeJSON {
		b, err := json.Marshal(v)
		if err != nil {
			b = []byte(fmt.Sprint(v))
		}
		return sqltypes.MakeTrusted(typ, b)
	}
	var b []byte
	switch x := v.(type) {
	case bool:
		b = []byte("0")
		if x {
			b = []byte("1")
		}
	case int64:
		b = strconv.AppendInt(nil, x, 10)
	case float64:
		if typ == sqltypes.Decimal {
			b = strconv.AppendFloat(nil, x, 'f', -1, 64)
		} else {
			b = strconv.AppendFloat(nil, x, 'g', -1, 64)
		}
	case string:
		b = []byte(x)
		switch typ {
		case sqltypes.Datetime, sqltypes.Timestamp, sqltypes.Date:
			if t, err := time.Parse(time.RFC3339Nano, x); err == nil {
				b = []byte(mysqlTime(t.UTC(), typ, fractional(ts)))
			}
		}
	case []any, map[string]any:
		b, _ = json.Marshal(x)
	default:
		b = []byte(fmt.Sprint(x))
	}
	return sqltypes.MakeTrusted(typ, b)
}

// mysqlTime prints a time as MySQL does: 2006-01-02 15:04:05[.ffffff].
func mysqlTime(t time.Time, typ querypb.Type, frac int) string {
	if typ == sqltypes.Date {
		return t.Format("2006-01-02")
	}
	layout := "2006-01-02 15:04:05"
	if frac > 0 {
		layout += "." + strings.Repeat("0", min(frac, 6))
	}
	return t.Format(layout)
}
