package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/schema"
)

// Op is a comparison of a list filter.
type Op int

const (
	Eq       Op = iota // n.p = v
	OneOf              // n.p IN v (v a list)
	Prefix             // n.p STARTS WITH v (case-sensitive, index-backed)
	Contains           // toLower(n.p) CONTAINS toLower(v)
	Before             // n.p < v
	After              // n.p > v
	HasElem            // v IN n.p (p a string list)
	IsNull             // n.p IS NULL when v is true, IS NOT NULL when false
	Flag               // coalesce(n.p, false) = v: an absent flag counts as false
)

// Cond is one property condition of a list. Prop is a declared property
// name of the listed kind (checked: it is interpolated into Cypher).
type Cond struct {
	Prop  string
	Op    Op
	Value any
}

// RelCond keeps the assets that have a relation to the asset with id ID.
type RelCond struct {
	Spec RelSpec // Near is the listed kind
	ID   string
}

// ListQuery is one page of a kind's assets.
type ListQuery struct {
	Kind   *schema.Kind
	Tenant string // "" for every tenant
	Conds  []Cond
	Rels   []RelCond
	Sort   string // declared property; default id (see indexOrder)
	Desc   bool
	Skip   int
	Limit  int
	// IndexOrder reads a Broad list by walking the tenant's id index in
	// order and filtering until the page is full: the right plan when the
	// conditions keep a large share of the tenant (the caller knows, from
	// the counts), the wrong one when they keep few.
	IndexOrder bool
	// Project names the properties each asset of the page (and of its
	// expansions) comes back with; nil reads whole assets.
	Project *Projection
}

func (q ListQuery) check() error {
	if q.Kind == nil {
		return apperr.New(apperr.Invalid, "list: no kind")
	}
	for _, c := range q.Conds {
		if _, ok := q.Kind.Prop(c.Prop); !ok {
			return apperr.New(apperr.Invalid, "%s has no property %q", q.Kind.Name, c.Prop)
		}
	}
	if q.Sort != "" {
		if _, ok := q.Kind.Prop(q.Sort); !ok {
			return apperr.New(apperr.Invalid, "cannot sort %s by %q: not a property", q.Kind.Name, q.Sort)
		}
	}
	for _, r := range q.Rels {
		if r.Spec.Near() != q.Kind {
			return apperr.New(apperr.Invalid, "relation %s does not start at %s", r.Spec.Rel.Name(), q.Kind.Name)
		}
	}
	if q.Skip < 0 || q.Limit < 0 {
		return apperr.New(apperr.Invalid, "negative offset or limit")
	}
	return nil
}

// seekable reports whether condition c can be answered by its property's
// (property, id) index.
func (q ListQuery) seekable(c Cond) bool {
	p, ok := q.Kind.Prop(c.Prop)
	return ok && p.Index && (c.Op == Eq || c.Op == OneOf || c.Op == Prefix || c.Op == Before || c.Op == After)
}

// byIndex says the list can seek by an indexed condition: no relation
// anchor, and a condition its property's index answers.
func (q ListQuery) byIndex() bool {
	if len(q.Rels) > 0 {
		return false
	}
	for _, c := range q.Conds {
		if q.seekable(c) {
			return true
		}
	}
	return false
}

// anchoredInTenant says every relation anchor is an asset of q.Tenant:
// relations never cross tenants, so the anchor scopes the list and the
// tenant needs no check on each asset.
func (q ListQuery) anchoredInTenant() bool {
	for _, r := range q.Rels {
		if !strings.HasPrefix(r.ID, q.Tenant+"/") {
			return false
		}
	}
	return len(q.Rels) > 0
}

// seekProp returns the property whose (property, id) index the list seeks
// by: the one that gives its order (indexOrder), else the only indexed
// condition's. With several, the planner weighs them. The hint matters: on
// its own the planner can prefer walking a whole tenant's ids to a seek on
// an e-mail prefix.
func (q ListQuery) seekProp() string {
	if p := q.indexOrder(); p != "" {
		return p
	}
	if len(q.Rels) > 0 {
		return ""
	}
	found := ""
	for _, c := range q.Conds {
		if q.seekable(c) {
			if found != "" && found != c.Prop {
				return ""
			}
			found = c.Prop
		}
	}
	return found
}

// indexOrder returns the property whose (property, id) index reads a list
// of default order a page at a time, or "": an equality keeps one value,
// whose assets the index yields in id order (the default order); else a
// lone prefix (an e-mail or name prefix) orders the list by that property,
// as its index yields it.
func (q ListQuery) indexOrder() string {
	if len(q.Rels) > 0 || (q.Sort != "" && q.Sort != schema.PropID) {
		return ""
	}
	prefix, prefixes := "", 0
	for _, c := range q.Conds {
		if !q.seekable(c) {
			continue
		}
		switch c.Op {
		case Eq:
			return c.Prop
		case Prefix:
			prefix = c.Prop
			prefixes++
		}
	}
	if prefixes == 1 && q.Sort == "" {
		return prefix
	}
	return ""
}

// match builds the MATCH … WHERE part shared by List and Count. Relation
// conditions become patterns anchored at the other end's unique key, so a
// role's users start from the role, not from every user.
func (q ListQuery) match(idOrder bool) (string, map[string]any) {
	params := map[string]any{}
	var pats []string
	for i, r := range q.Rels {
		p := fmt.Sprintf("r%d", i)
		params[p] = r.ID
		far, near := r.Spec.Far().Label, q.Kind.Label
		if r.Spec.Reverse {
			pats = append(pats, fmt.Sprintf("(:%s {id: $%s})-[:%s]->(n:%s)", far, p, r.Spec.Rel.Type, near))
		} else {
			pats = append(pats, fmt.Sprintf("(:%s {id: $%s})<-[:%s]-(n:%s)", far, p, r.Spec.Rel.Type, near))
		}
	}
	if len(pats) == 0 {
		pats = append(pats, fmt.Sprintf("(n:%s)", q.Kind.Label))
	}
	var where []string
	byIndex := q.byIndex()
	if byIndex {
		// The tenant as an id prefix, which a (property, id) index checks
		// without reading the nodes ("" prefix: every tenant).
		params["idPrefix"] = ""
		if q.Tenant != "" {
			params["idPrefix"] = q.Tenant + "/" + q.Kind.Slug + "/"
		}
		where = append(where, "n.id STARTS WITH $idPrefix")
	} else if q.Tenant != "" && !q.anchoredInTenant() {
		if len(q.Conds) == 0 && len(q.Rels) == 0 || idOrder {
			// Only the tenant: its ids share a prefix, a range seek on the
			// unique constraint's index that also yields the default order.
			params["idPrefix"] = q.Tenant + "/" + q.Kind.Slug + "/"
			where = append(where, "n.id STARTS WITH $idPrefix")
		} else {
			// With other conditions, an equality the planner can weigh
			// (one tenant is most of the graph), so it seeks by the
			// selective condition instead of scanning the tenant.
			params["tenant"] = q.Tenant
			where = append(where, "n.tenant = $tenant")
		}
	}
	for i, c := range q.Conds {
		p := fmt.Sprintf("c%d", i)
		params[p] = c.Value
		f := "n." + c.Prop
		switch c.Op {
		case Eq:
			where = append(where, fmt.Sprintf("%s = $%s", f, p))
		case OneOf:
			where = append(where, fmt.Sprintf("%s IN $%s", f, p))
		case Prefix:
			where = append(where, fmt.Sprintf("%s STARTS WITH $%s", f, p))
		case Contains:
			where = append(where, fmt.Sprintf("toLower(%s) CONTAINS toLower($%s)", f, p))
		case Before:
			where = append(where, fmt.Sprintf("%s < $%s", f, p))
		case After:
			where = append(where, fmt.Sprintf("%s > $%s", f, p))
		case HasElem:
			where = append(where, fmt.Sprintf("$%s IN %s", p, f))
		case Flag:
			where = append(where, fmt.Sprintf("coalesce(%s, false) = $%s", f, p))
		case IsNull:
			if b, _ := c.Value.(bool); b {
				where = append(where, f+" IS NULL")
			} else {
				where = append(where, f+" IS NOT NULL")
			}
			delete(params, p)
		}
	}
	s := "MATCH " + strings.Join(pats, ", ")
	if idOrder {
		s += fmt.Sprintf(" USING INDEX n:%s(id)", q.Kind.Label)
	} else if p := q.seekProp(); p != "" {
		s += fmt.Sprintf(" USING INDEX n:%s(%s, id)", q.Kind.Label, p)
	}
	if len(where) > 0 {
		s += "\nWHERE " + strings.Join(where, " AND ")
	}
	return s, params
}

// selectiveProps hold (nearly) unique values: an equality or a prefix on
// them keeps few assets, so their index is the way in.
var selectiveProps = map[string]bool{
	schema.PropID: true, schema.PropNativeID: true, schema.PropName: true, "email": true, "username": true,
	"identifier": true, "value": true, "client_id": true, "user_id": true, "domain": true, "display_name": true,
}

// Broad says the list is a tenant's, in id order, with only conditions that
// can keep a large share of it (flags, several categories, time ranges): no
// relation anchor, no condition on a selective property and no equality an
// index reads in id order. Seeking by such a condition and sorting by id
// can read and sort most of the tenant; walking the id index may be better
// (IndexOrder).
func (q ListQuery) Broad() bool {
	if q.Tenant == "" || len(q.Conds) == 0 || len(q.Rels) > 0 || (q.Sort != "" && q.Sort != schema.PropID) || q.indexOrder() != "" {
		return false
	}
	for _, c := range q.Conds {
		if c.Op == Prefix || (c.Op == Eq || c.Op == OneOf) && selectiveProps[c.Prop] {
			return false
		}
	}
	return true
}

// List returns one page of assets and whether more follow.
func (s *Store) List(ctx context.Context, q ListQuery) ([]Asset, bool, error) {
	p, err := s.ListPage(ctx, q, nil, false)
	if err != nil {
		return nil, false, err
	}
	out := make([]Asset, len(p.Items))
	for i, t := range p.Items {
		out[i] = t.Asset
	}
	return out, p.More, nil
}

// Page is one page of a list: its assets with their expansions, whether
// more follow, and the total when it was asked for.
type Page struct {
	Items   []Tree
	More    bool
	Total   int
	Counted bool
}

// ListPage reads one page of q's list with the expansions exp of each
// asset, and its total when count is set, in one round trip.
func (s *Store) ListPage(ctx context.Context, q ListQuery, exp []Expand, count bool) (Page, error) {
	if err := q.check(); err != nil {
		return Page{}, err
	}
	if err := checkExpand(exp, q.Kind.Name, 1); err != nil {
		return Page{}, err
	}
	m, params := q.match(q.IndexOrder && q.Broad())
	dir := ""
	if q.Desc {
		dir = " DESC"
	}
	order := "n.id" + dir
	if q.Sort != "" && q.Sort != schema.PropID {
		order = "n." + q.Sort + dir + ", n.id"
	} else if p := q.indexOrder(); p != "" {
		// For an equality the same order as n.id's, in the words the
		// planner needs to see that the (property, id) index provides it.
		order = "n." + p + dir + ", n.id" + dir
	}
	params["skip"] = q.Skip
	params["limit"] = q.Limit + 1
	params["cap"] = RelatedCap
	// DISTINCT: two relation conditions can match one asset twice; one
	// cannot, as the sync writes one relation per pair and type.
	distinct := ""
	if len(q.Rels) > 1 {
		distinct = "\nWITH DISTINCT n"
	}
	head := m + distinct + "\nWITH n ORDER BY " + order + " SKIP $skip LIMIT $limit"
	ret := "n" // whole nodes: the driver's node values
	if len(exp) > 0 || q.Project != nil {
		ret = expandProjection(q.Project, "n", q.Kind, 0, exp, nil)
	}
	cy := head + "\nRETURN " + ret + " AS n"
	if count {
		// Both in one round trip; the page as a list, so an empty page
		// still returns the total.
		cm, cparams := q.match(false)
		for k, v := range cparams {
			params[k] = v // the same names hold the same values
		}
		cy = "CALL () { " + cm + "\nRETURN " + q.countExpr() + " AS total }\nCALL () { " +
			head + "\nRETURN collect(" + ret + ") AS page }\nRETURN total, page"
	}
	var rows []map[string]any
	var err error
	if count {
		rows, err = s.query(ctx, cy, params)
	} else {
		rows, err = s.queryRows(ctx, cy, params, "n")
	}
	if err != nil {
		return Page{}, err
	}
	var out Page
	var vals []any
	if count {
		if len(rows) > 0 {
			out.Total, out.Counted = int(i64(rows[0]["total"])), true
			vals, _ = rows[0]["page"].([]any)
		}
	} else {
		for _, row := range rows {
			vals = append(vals, row["n"])
		}
	}
	for _, v := range vals {
		var t Tree
		var ok bool
		if n, isMap := v.(map[string]any); isMap {
			t, ok = treeOf(n, exp, "", RelSpec{})
		} else {
			t.Asset, ok = assetOf(v)
		}
		if ok {
			out.Items = append(out.Items, t)
		}
	}
	if len(out.Items) > q.Limit {
		out.Items, out.More = out.Items[:q.Limit], true
	}
	return out, nil
}

// countExpr counts the assets q.match binds to n.
func (q ListQuery) countExpr() string {
	if len(q.Rels) > 1 {
		return "count(DISTINCT n)" // two relation conditions can match one asset twice
	}
	return "count(n)"
}

// Count returns how many assets the query's conditions keep.
func (s *Store) Count(ctx context.Context, q ListQuery) (int, error) {
	if err := q.check(); err != nil {
		return 0, err
	}
	m, params := q.match(false)
	rows, err := s.query(ctx, m+"\nRETURN "+q.countExpr()+" AS c", params)
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	return int(i64(rows[0]["c"])), nil
}
