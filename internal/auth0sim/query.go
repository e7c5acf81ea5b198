package auth0sim

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// A subset of Auth0's user search (Lucene) syntax:
//
//	created_at:[2024-01-01 TO 2024-02-01}   ranges, [ ] inclusive, { } exclusive, * open
//	updated_at:[2024-05-01T10:00:00.000Z TO *]
//	last_login:{* TO 2024-01-01}  logins_count:[10 TO *]
//	email:"ada@example.com"  user_id:"auth0|..."  name:"Ada*" (trailing wildcard)
//	connection:x  identities.connection:x  identities.provider:x
//	blocked:true  email_verified:false
//
// Terms are joined by AND (explicit or implied by whitespace).

type timeRange struct{ lo, hi int64 } // half-open [lo, hi) in ms

func fullRange() timeRange { return timeRange{math.MinInt64, math.MaxInt64} }

func (r timeRange) has(v int64) bool { return v >= r.lo && v < r.hi }

type userQuery struct {
	created    timeRange
	hasCreated bool
	preds      []func(v *userView) bool
	// exactEmail / exactID narrow the candidates to a lookup instead of a
	// scan (generated emails and ids encode their index).
	exactEmail, exactID string
}

// userView gives predicates access to a user, building strings only when a
// predicate needs them.
type userView struct {
	s    *Sim
	idx  int
	core *userCore // generated, unmodified users
	u    *User     // built lazily (or overlay users)
}

func (v *userView) full() *User {
	if v.u == nil {
		u, _ := v.s.user(v.idx)
		v.u = &u
	}
	return v.u
}

func (v *userView) times() (created, updated, lastLogin, logins int64) {
	if v.core != nil {
		return v.core.created, v.core.updated, v.core.lastLogin, v.core.logins
	}
	u := v.full()
	var ll int64
	if !u.LastLogin.IsZero() {
		ll = u.LastLogin.UnixMilli()
	}
	return u.CreatedAt.UnixMilli(), u.UpdatedAt.UnixMilli(), ll, u.LoginsCount
}

func (s *Sim) newView(idx int) *userView {
	v := &userView{s: s, idx: idx}
	if idx < s.n && s.users.modified[idx] == nil {
		c := s.core(idx)
		v.core = &c
	}
	return v
}

// splitTerms splits a query into terms, keeping quoted strings and ranges
// whole and dropping AND.
func splitTerms(q string) []string {
	var out []string
	var cur strings.Builder
	depth, quoted := false, false
	flush := func() {
		if t := strings.TrimSpace(cur.String()); t != "" && t != "AND" && t != "&&" {
			out = append(out, t)
		}
		cur.Reset()
	}
	for _, ch := range q {
		switch {
		case quoted:
			cur.WriteRune(ch)
			if ch == '"' {
				quoted = false
			}
		case ch == '"':
			quoted = true
			cur.WriteRune(ch)
		case depth:
			cur.WriteRune(ch)
			if ch == ']' || ch == '}' {
				depth = false
			}
		case ch == '[' || ch == '{':
			depth = true
			cur.WriteRune(ch)
		case ch == ' ' || ch == '\t' || ch == '\n':
			flush()
		default:
			cur.WriteRune(ch)
		}
	}
	flush()
	return out
}

func parseUserQuery(q string) (userQuery, error) {
	uq := userQuery{created: fullRange()}
	for _, term := range splitTerms(q) {
		if term == "OR" || term == "NOT" || term == "||" || strings.HasPrefix(term, "(") {
			return uq, fmt.Errorf("unsupported query syntax %q (the simulator supports AND only)", term)
		}
		field, val, ok := strings.Cut(term, ":")
		if !ok {
			return uq, fmt.Errorf("unsupported query term %q", term)
		}
		if len(val) > 0 && (val[0] == '[' || val[0] == '{') {
			if err := uq.addRange(field, val); err != nil {
				return uq, err
			}
			continue
		}
		val = strings.Trim(val, `"`)
		if err := uq.addMatch(field, val); err != nil {
			return uq, err
		}
	}
	return uq, nil
}

func (uq *userQuery) addRange(field, val string) error {
	last := val[len(val)-1]
	if last != ']' && last != '}' {
		return fmt.Errorf("bad range %q", val)
	}
	loIncl, hiIncl := val[0] == '[', last == ']'
	a, b, ok := strings.Cut(val[1:len(val)-1], " TO ")
	if !ok {
		return fmt.Errorf("bad range %q", val)
	}
	a, b = strings.Trim(strings.TrimSpace(a), `"`), strings.Trim(strings.TrimSpace(b), `"`)
	if field == "logins_count" {
		lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
		if a != "*" {
			n, err := strconv.ParseInt(a, 10, 64)
			if err != nil {
				return fmt.Errorf("bad number %q", a)
			}
			lo = n
			if !loIncl {
				lo++
			}
		}
		if b != "*" {
			n, err := strconv.ParseInt(b, 10, 64)
			if err != nil {
				return fmt.Errorf("bad number %q", b)
			}
			hi = n
			if hiIncl {
				hi++
			}
		}
		r := timeRange{lo, hi}
		uq.preds = append(uq.preds, func(v *userView) bool { _, _, _, n := v.times(); return r.has(n) })
		return nil
	}
	r := fullRange()
	if a != "*" {
		t, err := parseQueryTime(a)
		if err != nil {
			return err
		}
		r.lo = t
		if !loIncl {
			r.lo++
		}
	}
	if b != "*" {
		t, err := parseQueryTime(b)
		if err != nil {
			return err
		}
		r.hi = t
		if hiIncl {
			r.hi++
		}
	}
	switch field {
	case "created_at":
		uq.hasCreated = true
		uq.created.lo = max(uq.created.lo, r.lo)
		uq.created.hi = min(uq.created.hi, r.hi)
	case "updated_at":
		uq.preds = append(uq.preds, func(v *userView) bool { _, u, _, _ := v.times(); return r.has(u) })
	case "last_login":
		uq.preds = append(uq.preds, func(v *userView) bool {
			_, _, l, _ := v.times()
			return l != 0 && r.has(l)
		})
	default:
		return fmt.Errorf("range queries are not supported on %q", field)
	}
	return nil
}

func parseQueryTime(s string) (int64, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UnixMilli(), nil
		}
	}
	return 0, fmt.Errorf("bad date %q", s)
}

func strMatch(got, want string, fold bool) bool {
	if prefix, ok := strings.CutSuffix(want, "*"); ok {
		if fold {
			return strings.HasPrefix(strings.ToLower(got), strings.ToLower(prefix))
		}
		return strings.HasPrefix(got, prefix)
	}
	if fold {
		return strings.EqualFold(got, want)
	}
	return got == want
}

func (uq *userQuery) addMatch(field, val string) error {
	var p func(v *userView) bool
	str := func(get func(u *User) string, fold bool) func(v *userView) bool {
		return func(v *userView) bool { return strMatch(get(v.full()), val, fold) }
	}
	switch field {
	case "email":
		p = str(func(u *User) string { return u.Email }, true)
		if !strings.HasSuffix(val, "*") {
			uq.exactEmail = val
		}
	case "user_id":
		p = str(func(u *User) string { return u.UserID }, false)
		if !strings.HasSuffix(val, "*") {
			uq.exactID = val
		}
	case "name":
		p = str(func(u *User) string { return u.Name }, true)
	case "nickname":
		p = str(func(u *User) string { return u.Nickname }, true)
	case "given_name":
		p = str(func(u *User) string { return u.GivenName }, true)
	case "family_name":
		p = str(func(u *User) string { return u.FamilyName }, true)
	case "connection", "identities.connection":
		p = str(func(u *User) string { return u.Connection }, false)
	case "identities.provider":
		p = func(v *userView) bool {
			for _, id := range v.full().Identities {
				if id.Provider == val {
					return true
				}
			}
			return false
		}
	case "blocked", "email_verified":
		want, err := strconv.ParseBool(val)
		if err != nil {
			return fmt.Errorf("bad boolean %q", val)
		}
		if field == "blocked" {
			p = func(v *userView) bool {
				if v.core != nil {
					return v.core.blocked == want
				}
				return v.full().Blocked == want
			}
		} else {
			p = func(v *userView) bool {
				if v.core != nil {
					return v.core.verified == want
				}
				return v.full().EmailVerified == want
			}
		}
	case "created_at", "updated_at", "last_login":
		t, err := parseQueryTime(val)
		if err != nil {
			return err
		}
		return uq.addRange(field, "["+time.UnixMilli(t).UTC().Format(time.RFC3339Nano)+" TO "+time.UnixMilli(t).UTC().Format(time.RFC3339Nano)+"]")
	default:
		return fmt.Errorf("search on field %q is not supported by the simulator", field)
	}
	uq.preds = append(uq.preds, p)
	return nil
}

func (uq *userQuery) match(v *userView) bool {
	if uq.hasCreated {
		c, _, _, _ := v.times()
		if !uq.created.has(c) {
			return false
		}
	}
	for _, p := range uq.preds {
		if !p(v) {
			return false
		}
	}
	return true
}
