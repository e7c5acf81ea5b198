package schema

// How the GraphQL API and the web app show a kind. internal/schemagen
// (run by `go generate ./...`) turns these declarations into the SDL, the
// list and relation resolvers, the look-ahead's table of relation fields,
// the web app's table of kinds and docs/data-model.md. Fields no
// declaration can express (effective permissions, a tenant's syncs, the
// wrapper types that carry edge properties) stay hand-written.

// API is how the GraphQL API shows a kind: a type implementing Asset with
// one field per property (camelCase), and, when List is set, a Query field
// listing the kind with a filter input and orderBy.
type API struct {
	// File names the SDL file the kind's types go to:
	// graph/schema/<File>.generated.graphqls (one per domain).
	File string
	// Doc is the GraphQL type's description.
	Doc string
	// List is the Query field that lists the kind, e.g. "users"; empty: no
	// list field.
	List string
	// FilterInput names the list's filter input (default <Name>Filter).
	// Kinds sharing one must declare the same filters.
	FilterInput string
	// Filters are the list's property filters, in the order they are
	// applied. Filters through a relation are declared on the relation
	// (Side.Filter).
	Filters []Filter
}

// FilterOp says how a filter input field matches a property.
type FilterOp int

const (
	// Text is a StringFilter: eq, in, prefix (case-sensitive), contains
	// (case-insensitive).
	Text FilterOp = iota
	// Equals takes the property's own scalar and matches it exactly.
	Equals
	// Flag is a Boolean: true matches true; false matches false or absent.
	Flag
	// AnyOf is a [String!]: the property is one of the values.
	AnyOf
	// Has is a String: the list property contains the value.
	Has
	// During is a TimeFilter: before, after, isNull.
	During
)

// Filter is one property filter of a list field.
type Filter struct {
	// Field is the filter input's field (camelCase).
	Field string
	// Prop is the stored property it matches.
	Prop string
	Op   FilterOp
	Doc  string
}

// Shape is the shape of a relation field.
type Shape int

const (
	// Many is a plain list of the neighbours: [Kind!]!.
	Many Shape = iota
	// One is the single neighbour, or null: Kind.
	One
	// Paged is a cursor-paginated list: (first, after) → KindConnection!.
	Paged
)

// Side is what a relation gives the kind at one of its ends: a GraphQL
// field listing the assets at the other end, and a filter of the kind's
// list by one of them. The zero Side gives nothing.
type Side struct {
	// Field is the relation field's GraphQL name ("" for none).
	Field string
	Doc   string
	Shape Shape
	// Wrapper, when set, is a hand-written GraphQL type wrapping each
	// neighbour with the relation's properties (Identity, ApiAccess); its
	// field Far holds the neighbour. The field's resolver is hand-written;
	// the generator writes its SDL line and what the look-ahead needs.
	Wrapper, Far string
	// Filter is the list filter "assets related across this relation to
	// the asset with this id" (an ID input field; "" for none).
	Filter    string
	FilterDoc string
}

// UI is how the web app shows a kind.
type UI struct {
	// Label and Plural name the kind to people ("Application").
	Label, Plural string
	// Color is the kind's colour in the graph view and badges.
	Color string
	// Columns are the directory table's columns (kinds with a list).
	Columns []Column
	// DefaultSort is the column the directory sorts by first (default name).
	DefaultSort string
}

// Format is how a column shows its value.
type Format string

const (
	FormatText   Format = ""
	FormatBool   Format = "bool"
	FormatTime   Format = "time"
	FormatList   Format = "list"
	FormatNumber Format = "number"
	FormatMono   Format = "mono"
)

// Column is one column of the directory table.
type Column struct {
	// Field is the GraphQL field shown (camelCase).
	Field  string
	Label  string
	Format Format
	// Sort makes the column sortable (by its field).
	Sort bool
	// Wide columns are hidden on narrow screens.
	Wide bool
}

// Columns every listed kind tends to show.
var (
	NameCol   = Column{Field: "name", Label: "Name", Sort: true}
	TenantCol = Column{Field: "tenant", Label: "Tenant", Sort: true, Wide: true}
)

// NameFilter is the usual "name: StringFilter".
var NameFilter = Filter{Field: "name", Prop: PropName, Op: Text}

// Directory is the order the web app lists kinds in (its directory tabs
// and legends). Kinds not in it follow, in the order of Kinds.
var Directory = []*Kind{
	User, Role, Permission, Organization, OrgMembership, Client, ClientGrant, Grant,
	ResourceServer, Connection, CustomDomain, LogStream, Action, TenantSettings, Tenant,
}

// MustKind returns the kind named name; it panics when there is none (for
// generated code, which a test keeps in step with the declarations).
func MustKind(name string) *Kind {
	k, ok := KindByName(name)
	if !ok {
		panic("schema: no kind " + name)
	}
	return k
}

// MustRelation returns the relation whose Name() is name; it panics when
// there is none (for generated code).
func MustRelation(name string) *Relation {
	for _, r := range Relations {
		if r.Name() == name {
			return r
		}
	}
	panic("schema: no relation " + name)
}
