// Package schema declares authgraph's data model once: every kind of asset
// (its Neo4j label, the properties that may be stored, which of them are
// searched), and every relation (type, endpoints, properties). Constraints,
// indexes, the full-text index, the loader's allowlist and the docs are all
// derived from these declarations. It imports nothing of ours.
package schema

import (
	"fmt"
	"sort"
	"strings"
)

// Type is the type of a stored property.
type Type int

const (
	String Type = iota
	Int
	Float
	Bool
	StringList
	Time // stored as a Neo4j DateTime (UTC)
)

func (t Type) String() string {
	return [...]string{"string", "int", "float", "bool", "string list", "datetime"}[t]
}

// Property is one stored property of a kind or relation.
type Property struct {
	Name string
	Type Type
	// Search puts the property in the shared full-text index.
	Search bool
	// Index creates a range index on (property, id) for filters: the id's
	// tenant prefix scopes a seek to one tenant without reading the nodes,
	// and the assets with one value (a connection's users) come in id
	// order, so a page reads a page rather than every match.
	Index bool
	// NotSecret marks a reviewed name that looks secret but holds none
	// (e.g. the names, not values, of an action's secrets).
	NotSecret bool
	Doc       string
	// From is the API field the property comes from, as a dotted path in
	// the resource's JSON ("jwt_configuration.alg"); empty means the
	// property's own name. Ingest files that copy declared properties
	// (ingest.declaredNode) use it; the others map fields by hand.
	From string
	// Kept marks a property written by another producer than the kind's
	// own (a user's direct-permissions coverage, set by the per-user walk):
	// the kind's upsert, which replaces the property set, carries it over,
	// and change history does not report it.
	Kept bool
}

// Kind is one kind of asset node.
type Kind struct {
	// Name is the short name (User, Role, …) used by the API and UI.
	Name string
	// Label is the Neo4j label; a contract with saved queries and rules.
	Label string
	// Slug appears in the tenant-scoped key: "<tenant>/<slug>/<native id>".
	Slug string
	Doc  string
	// NativeID documents what the native id is.
	NativeID string
	// Props are the kind's own properties (the allowlist). Common properties
	// (Common) are stored on every kind as well.
	Props []Property
	// Unsearched keeps the kind out of the full-text index: link nodes whose
	// text only repeats their ends' (a membership named after its user) would
	// crowd those ends out of the results and double the index's write cost.
	Unsearched bool
	// API is how the GraphQL API shows the kind, UI how the web app does.
	API API
	UI  UI
}

// Relation is one relation type between two kinds. The same type can appear
// between different pairs of kinds (GRANTS, FOR_CLIENT, FOR_API).
type Relation struct {
	Type  string
	From  *Kind
	To    *Kind
	Doc   string
	Props []Property
	// Out is what the relation gives its From kind (neighbours of kind
	// To), In what it gives its To kind (neighbours of kind From).
	Out, In Side
	// SQL names the relation's table in the SQL layer when the derived
	// name (<from>_<to, plural>) reads badly; SQLReverse lists the To
	// end's id column before the From end's.
	SQL        string
	SQLReverse bool
}

// Name identifies a relation declaration uniquely: FROM-TYPE->TO.
func (r *Relation) Name() string {
	return r.From.Name + "-" + r.Type + "->" + r.To.Name
}

// Labels shared by every asset, and the names of common properties.
const (
	AssetLabel = "Asset"

	PropID          = "id"          // tenant-scoped unique key
	PropNativeID    = "native_id"   // the id Auth0 uses
	PropTenant      = "tenant"      // tenant domain
	PropName        = "name"        // display name
	PropKind        = "kind"        // the kind's short name
	PropFirstSeen   = "firstseen"   // epoch ms of the first sync that saw it
	PropLastUpdated = "lastupdated" // epoch ms (sync tag) of the last sync that saw it
)

// Common are the properties every asset node carries.
var Common = []Property{
	{Name: PropID, Type: String, Doc: "tenant-scoped unique key: <tenant>/<slug>/<native id>"},
	{Name: PropNativeID, Type: String, Search: true, Doc: "the id Auth0 uses"},
	{Name: PropTenant, Type: String, Doc: "tenant domain"},
	{Name: PropName, Type: String, Search: true, Index: true, Doc: "display name"},
	{Name: PropKind, Type: String, Doc: "short kind name"},
	{Name: PropFirstSeen, Type: Int, Doc: "epoch ms of the first sync that saw the asset"},
	{Name: PropLastUpdated, Type: Int, Doc: "sync tag (epoch ms) of the last sync that saw the asset"},
}

// Key returns the tenant-scoped unique key of an asset.
func Key(tenant string, k *Kind, nativeID string) string {
	return tenant + "/" + k.Slug + "/" + nativeID
}

// ParseKey splits a key made by Key. The native id may itself contain '/'.
func ParseKey(key string) (tenant, slug, nativeID string, err error) {
	parts := strings.SplitN(key, "/", 3)
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return "", "", "", fmt.Errorf("malformed asset id %q", key)
	}
	return parts[0], parts[1], parts[2], nil
}

// Prop returns the declared property called name, and whether it exists
// (common properties included).
func (k *Kind) Prop(name string) (Property, bool) {
	for _, p := range Common {
		if p.Name == name {
			return p, true
		}
	}
	for _, p := range k.Props {
		if p.Name == name {
			return p, true
		}
	}
	return Property{}, false
}

// KeptProps returns the names of the kind's Kept properties.
func (k *Kind) KeptProps() []string {
	var out []string
	for _, p := range k.Props {
		if p.Kept {
			out = append(out, p.Name)
		}
	}
	return out
}

// AllProps returns the common properties followed by the kind's own.
func (k *Kind) AllProps() []Property {
	out := make([]Property, 0, len(Common)+len(k.Props))
	out = append(out, Common...)
	return append(out, k.Props...)
}

// Prop returns the declared relation property called name.
func (r *Relation) Prop(name string) (Property, bool) {
	for _, p := range r.Props {
		if p.Name == name {
			return p, true
		}
	}
	if name == PropFirstSeen || name == PropLastUpdated {
		return Property{Name: name, Type: Int}, true
	}
	return Property{}, false
}

// KindByName finds a kind by short name, label or slug.
func KindByName(name string) (*Kind, bool) {
	for _, k := range Kinds {
		if k.Name == name || k.Label == name || k.Slug == name {
			return k, true
		}
	}
	return nil, false
}

// KindBySlug finds a kind by the slug used in keys.
func KindBySlug(slug string) (*Kind, bool) {
	for _, k := range Kinds {
		if k.Slug == slug {
			return k, true
		}
	}
	return nil, false
}

// RelationsOf returns the relations that start or end at k.
func RelationsOf(k *Kind) (out, in []*Relation) {
	for _, r := range Relations {
		if r.From == k {
			out = append(out, r)
		}
		if r.To == k {
			in = append(in, r)
		}
	}
	return out, in
}

// RelationByName finds a relation by its Name() or, when the type is unique,
// by its type alone.
func RelationByName(name string) (*Relation, bool) {
	var found *Relation
	n := 0
	for _, r := range Relations {
		if r.Name() == name {
			return r, true
		}
		if r.Type == name {
			found = r
			n++
		}
	}
	return found, n == 1
}

// SearchLabels returns the labels of the kinds in the full-text index, in
// declaration order.
func SearchLabels() []string {
	var out []string
	for _, k := range Kinds {
		if !k.Unsearched {
			out = append(out, k.Label)
		}
	}
	return out
}

// SearchProps returns the union of searchable property names over all kinds,
// sorted, for the shared full-text index.
func SearchProps() []string {
	set := map[string]bool{}
	for _, k := range Kinds {
		if k.Unsearched {
			continue
		}
		for _, p := range k.AllProps() {
			if p.Search {
				set[p.Name] = true
			}
		}
	}
	out := make([]string, 0, len(set))
	for n := range set {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Validate checks the declarations for mistakes a test should catch: duplicate
// names, labels or slugs, relations on undeclared kinds, clashing property
// types, and properties whose names suggest secrets.
func Validate() error {
	seen := map[string]bool{}
	types := map[string]Type{}
	for _, k := range Kinds {
		for _, key := range []string{"name:" + k.Name, "label:" + k.Label, "slug:" + k.Slug} {
			if seen[key] {
				return fmt.Errorf("duplicate kind %s", key)
			}
			seen[key] = true
		}
		props := map[string]bool{}
		for _, p := range k.AllProps() {
			if props[p.Name] {
				return fmt.Errorf("kind %s declares %s twice", k.Name, p.Name)
			}
			props[p.Name] = true
			if t, ok := types[p.Name]; ok && t != p.Type {
				return fmt.Errorf("property %s has type %s on %s but %s elsewhere", p.Name, p.Type, k.Name, t)
			}
			types[p.Name] = p.Type
			if LooksSecret(p.Name) && !p.NotSecret {
				return fmt.Errorf("kind %s declares %s, which looks like a secret", k.Name, p.Name)
			}
		}
	}
	kinds := map[*Kind]bool{}
	for _, k := range Kinds {
		kinds[k] = true
	}
	rels := map[string]bool{}
	for _, r := range Relations {
		if !kinds[r.From] || !kinds[r.To] {
			return fmt.Errorf("relation %s uses an undeclared kind", r.Type)
		}
		if rels[r.Name()] {
			return fmt.Errorf("duplicate relation %s", r.Name())
		}
		rels[r.Name()] = true
		for _, p := range r.Props {
			if LooksSecret(p.Name) {
				return fmt.Errorf("relation %s declares %s, which looks like a secret", r.Name(), p.Name)
			}
		}
	}
	return nil
}

// LooksSecret reports whether a property name suggests secret material. The
// allowlist is the real protection; this is a tripwire for declarations.
func LooksSecret(name string) bool {
	n := strings.ToLower(name)
	for _, w := range []string{"secret", "signing_key", "encryption_key", "private_key", "api_key", "apikey", "httpauthorization", "passwd", "password_hash"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return strings.HasSuffix(n, "_token") || n == "token" || n == "cert" || n == "pkcs7"
}
