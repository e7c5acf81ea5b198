package auth0sim

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Tags separate the hash streams of different generated attributes.
const (
	tagUser uint64 = iota + 1
	tagCreated
	tagTok
	tagLayer1
	tagLayer2
	tagOrgs
	tagMemberRole
	tagStatic
	tagLogs
	tagErrors
	tagMutation
)

// Connections generated users belong to, by userConn index.
const (
	ucDB = iota
	ucGoogle
	ucSAML
	ucAzure
	ucEmail
)

// userStore is the overlay of mutations over the generated users: generated
// users that were changed or deleted, and users created through the API
// (indexes n, n+1, ...).
type userStore struct {
	n           int
	modified    map[int]*User
	deleted     map[int]bool
	created     []*User // nil once deleted
	createdByID map[string]int
	live        int // users that exist
}

func (st *userStore) init(n int) {
	st.n = n
	st.modified = map[int]*User{}
	st.deleted = map[int]bool{}
	st.createdByID = map[string]int{}
	st.live = n
}

func (st *userStore) exists(u int) bool {
	if u < 0 {
		return false
	}
	if u < st.n {
		return !st.deleted[u]
	}
	k := u - st.n
	return k < len(st.created) && st.created[k] != nil
}

// total is the number of user indexes ever allocated.
func (st *userStore) total() int { return st.n + len(st.created) }

// createdAtMs is user i's creation time: strictly increasing with i, so a
// created_at window is an index range.
func (s *Sim) createdAtMs(i int) int64 {
	jitter := int64(hash3(s.cfg.Seed, tagCreated, uint64(i)) % uint64(s.stepMs/2+1))
	return s.t0ms + int64(i)*s.stepMs + jitter
}

// firstIndexAtOrAfter returns the smallest generated index created at or
// after ms (n if none).
func (s *Sim) firstIndexAtOrAfter(ms int64) int {
	return sort.Search(s.n, func(i int) bool { return s.createdAtMs(i) >= ms })
}

// userCore holds the cheap attributes of a generated user: enough to filter
// and sort without building strings.
type userCore struct {
	conn      int
	created   int64
	updated   int64
	lastLogin int64 // 0: never
	logins    int64
	verified  bool
	blocked   bool
	mfa       string // "" none
	r         *rng   // positioned after the core draws, for the rest
}

func (s *Sim) core(i int) userCore {
	r := newRNG(s.cfg.Seed, tagUser, uint64(i))
	c := userCore{r: r, created: s.createdAtMs(i)}
	switch x := r.intn(100); {
	case x < 72:
		c.conn = ucDB
	case x < 86:
		c.conn = ucGoogle
	case x < 93:
		c.conn = ucSAML
	case x < 97:
		c.conn = ucAzure
	default:
		c.conn = ucEmail
	}
	span := s.epochMs - c.created
	if span < 1 {
		span = 1
	}
	if r.chance(0.92) {
		if r.chance(0.6) {
			// Recent activity: within the last 30 days before the epoch.
			c.lastLogin = s.epochMs - int64(r.intn(int(min(span, 30*24*3600*1000))))
		} else {
			c.lastLogin = c.created + int64(r.intn(int(span)))
		}
		c.logins = 1 + int64(r.intn(400))
	}
	c.updated = c.created
	if r.chance(0.6) {
		c.updated = c.created + int64(r.intn(int(span)))
	}
	if c.lastLogin > c.updated {
		c.updated = c.lastLogin
	}
	c.verified = c.conn == ucGoogle || c.conn == ucEmail || r.chance(0.85)
	c.blocked = r.chance(0.01)
	if r.chance(0.12) {
		c.mfa = pick(r, []string{"guardian", "google-authenticator"})
	}
	// Named roles decide the admin-specific traits the rule pack looks for:
	// every other admin has no MFA, and the second admin is blocked while
	// still holding the role.
	if g, pos, ok := s.layer2.groupOf(i); ok && g == 0 {
		if pos%2 == 0 {
			c.mfa = "guardian"
		} else {
			c.mfa = ""
		}
		c.blocked = pos == 1
	}
	return c
}

// userIDOf returns generated user i's id without building the whole user.
func (s *Sim) userIDOf(i int, conn int, createdMs int64) string {
	tok := uint32(s.tokPerm.apply(i))
	switch conn {
	case ucGoogle:
		return fmt.Sprintf("google-oauth2|1%010d%010d", uint64(s.seedTag)%1e10, tok)
	case ucSAML:
		return fmt.Sprintf("samlp|%s|E%08X", s.userConn[ucSAML].Name, tok)
	case ucAzure:
		return fmt.Sprintf("waad|%08x-%04x-4%03x-a%03x-0000%08x", s.seedTag, i&0xffff,
			s.seedTag>>20&0xfff, s.seedTag>>8&0xfff, tok)
	case ucEmail:
		return fmt.Sprintf("email|%08x%08x%08x", createdMs/1000, s.seedTag, tok)
	default:
		return fmt.Sprintf("auth0|%08x%08x%08x", createdMs/1000, s.seedTag, tok)
	}
}

// indexOfGeneratedID inverts userIDOf; -1 when id is no generated user.
func (s *Sim) indexOfGeneratedID(id string) int {
	var tokStr string
	base := 16
	switch {
	case strings.HasPrefix(id, "google-oauth2|"):
		rest := id[len("google-oauth2|"):]
		if len(rest) != 21 {
			return -1
		}
		tokStr, base = rest[11:], 10
	case strings.HasPrefix(id, "samlp|"):
		at := strings.LastIndex(id, "|E")
		if at < 0 {
			return -1
		}
		tokStr = id[at+2:]
	case strings.HasPrefix(id, "waad|"), strings.HasPrefix(id, "auth0|"), strings.HasPrefix(id, "email|"):
		if len(id) < 8 {
			return -1
		}
		tokStr = id[len(id)-8:]
	default:
		return -1
	}
	tok, err := strconv.ParseUint(tokStr, base, 32)
	if err != nil {
		return -1
	}
	i := s.tokPerm.inverse(int(tok))
	if i < 0 || i >= s.n {
		return -1
	}
	c := s.core(i)
	if s.userIDOf(i, c.conn, c.created) != id {
		return -1
	}
	return i
}

// indexOfID finds any user (generated or created) by id; -1 if none exists.
func (s *Sim) indexOfID(id string) int {
	if k, ok := s.users.createdByID[id]; ok {
		if s.users.exists(k) {
			return k
		}
		return -1
	}
	i := s.indexOfGeneratedID(id)
	if i >= 0 && s.users.exists(i) {
		return i
	}
	return -1
}

// genUser builds generated user i from scratch.
func (s *Sim) genUser(i int) User {
	c := s.core(i)
	r := c.r
	first, last := pick(r, firstNames), pick(r, lastNames)
	conn := s.userConn[c.conn]
	id := s.userIDOf(i, c.conn, c.created)
	var domain string
	switch c.conn {
	case ucSAML, ucAzure:
		domain = "corp." + s.slug + ".example"
	default:
		domain = pick(r, []string{"example.com", "example.net", "example.org"})
	}
	local := fmt.Sprintf("%s.%s%d", strings.ToLower(first), strings.ToLower(last), i)
	email := local + "@" + domain
	u := User{
		UserID:        id,
		Email:         email,
		EmailVerified: c.verified,
		Name:          first + " " + last,
		GivenName:     first,
		FamilyName:    last,
		Nickname:      local,
		Picture:       fmt.Sprintf("https://avatars.%s.example/u/%s.png", s.slug, r.hex(16)),
		Connection:    conn.Name,
		ConnectionID:  conn.ID,
		Blocked:       c.blocked,
		CreatedAt:     time.UnixMilli(c.created).UTC(),
		UpdatedAt:     time.UnixMilli(c.updated).UTC(),
		LoginsCount:   c.logins,
	}
	provider, _, _ := strings.Cut(id, "|")
	ident := Identity{Connection: conn.Name, Provider: provider, UserID: id[len(provider)+1:],
		IsSocial: c.conn == ucGoogle}
	u.Identities = []Identity{ident}
	if c.conn == ucEmail {
		u.Name = email
		u.GivenName, u.FamilyName = "", ""
	}
	if c.lastLogin != 0 {
		u.LastLogin = time.UnixMilli(c.lastLogin).UTC()
		u.LastIP = fmt.Sprintf("%s.%d", pick(r, []string{"203.0.113", "198.51.100", "192.0.2"}), 1+r.intn(254))
	}
	if c.mfa != "" {
		u.Multifactor = []string{c.mfa}
	}
	if r.chance(0.3) {
		u.AppMetadata = map[string]any{"plan": pick(r, []string{"free", "pro", "team", "enterprise"})}
	}
	if r.chance(0.2) {
		u.UserMetadata = map[string]any{"locale": pick(r, []string{"en-US", "fr-FR", "de-DE", "es-ES", "ja-JP"})}
	}
	return u
}

// user returns the current state of user u (a fresh copy), or false.
func (s *Sim) user(u int) (User, bool) {
	if !s.users.exists(u) {
		return User{}, false
	}
	if u >= s.n {
		return cloneUser(*s.users.created[u-s.n]), true
	}
	if m := s.users.modified[u]; m != nil {
		return cloneUser(*m), true
	}
	return s.genUser(u), true
}

// userTimes returns created/updated of user u cheaply (ms).
func (s *Sim) userTimes(u int) (created, updated int64) {
	if u >= s.n {
		c := s.users.created[u-s.n]
		return c.CreatedAt.UnixMilli(), c.UpdatedAt.UnixMilli()
	}
	if m := s.users.modified[u]; m != nil {
		return m.CreatedAt.UnixMilli(), m.UpdatedAt.UnixMilli()
	}
	c := s.core(u)
	return c.created, c.updated
}

func cloneUser(u User) User {
	u.Identities = append([]Identity(nil), u.Identities...)
	u.Multifactor = append([]string(nil), u.Multifactor...)
	u.AppMetadata = cloneAnyMap(u.AppMetadata)
	u.UserMetadata = cloneAnyMap(u.UserMetadata)
	u.RoleIDs = append([]string(nil), u.RoleIDs...)
	u.OrgIDs = append([]string(nil), u.OrgIDs...)
	return u
}

func cloneAnyMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = cloneAny(v)
	}
	return out
}

func cloneAny(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return cloneAnyMap(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = cloneAny(e)
		}
		return out
	case []string:
		return append([]string(nil), x...)
	case map[string]string:
		out := make(map[string]string, len(x))
		for k, e := range x {
			out[k] = e
		}
		return out
	default:
		return v
	}
}

// indexOfEmail finds users with this email. Generated emails carry their
// index, so this stays O(1) apart from the (small) overlays.
func (s *Sim) indexesOfEmail(email string) []int {
	email = strings.ToLower(email)
	var out []int
	seen := map[int]bool{}
	add := func(u int) {
		if !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	if at := strings.IndexByte(email, '@'); at > 0 {
		j := at
		for j > 0 && email[j-1] >= '0' && email[j-1] <= '9' {
			j--
		}
		if i, err := strconv.Atoi(email[j:at]); err == nil && i < s.n && s.users.exists(i) && s.users.modified[i] == nil {
			if strings.EqualFold(s.genUser(i).Email, email) {
				add(i)
			}
		}
	}
	for i, m := range s.users.modified {
		if strings.EqualFold(m.Email, email) && s.users.exists(i) {
			add(i)
		}
	}
	for k, c := range s.users.created {
		if c != nil && strings.EqualFold(c.Email, email) {
			add(s.n + k)
		}
	}
	sort.Ints(out)
	return out
}
