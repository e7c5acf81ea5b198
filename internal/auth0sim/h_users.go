package auth0sim

import (
	"fmt"
	"math"
	"net/http"
	"sort"
	"strings"
	"time"
)

const pagingCapMessage = "You can only page through the first 1000 records. See https://auth0.com/docs/users/search/v3/view-search-results-by-page#limitation"

type sortSpec struct {
	field string
	desc  bool
}

func parseSort(v string) (sortSpec, bool) {
	if v == "" {
		return sortSpec{field: "created_at"}, true
	}
	f, d, ok := strings.Cut(v, ":")
	if !ok || (d != "1" && d != "-1") {
		return sortSpec{}, false
	}
	switch f {
	case "created_at", "updated_at", "last_login", "logins_count", "email", "name", "user_id":
	default:
		return sortSpec{}, false
	}
	return sortSpec{field: f, desc: d == "-1"}, true
}

func (s *Sim) listUsers(c *reqCtx) {
	p, ok := s.parseOffset(c)
	if !ok {
		return
	}
	if (p.page+1)*p.perPage > 1000 {
		s.writeError(c, http.StatusBadRequest, pagingCapMessage, "invalid_paging")
		return
	}
	if se := c.q.Get("search_engine"); se == "v1" || se == "v2" {
		s.writeError(c, http.StatusBadRequest, "The search engine "+se+" is no longer available. Please use search_engine=v3.", "operation_not_supported")
		return
	}
	uq, err := parseUserQuery(c.q.Get("q"))
	if err != nil {
		s.writeError(c, http.StatusBadRequest, "Bad Request. The query was not valid: "+err.Error(), "invalid_query")
		return
	}
	sp, ok := parseSort(c.q.Get("sort"))
	if !ok {
		s.writeError(c, http.StatusBadRequest, "Query validation error: 'String does not match pattern' on property sort.", "invalid_query_string")
		return
	}
	s.mu.RLock()
	total, idxs := s.searchUsers(&uq, sp, p.page*p.perPage, p.perPage)
	items := make([]any, 0, len(idxs))
	for _, u := range idxs {
		usr, _ := s.user(u)
		items = append(items, project(c, renderUser(&usr)))
	}
	s.mu.RUnlock()
	if !p.totals {
		writeJSON(c.w, http.StatusOK, items)
		return
	}
	writeJSON(c.w, http.StatusOK, map[string]any{"start": p.page * p.perPage, "limit": p.perPage,
		"length": len(items), "users": items, "total": total})
}

type sortKey struct {
	n   int64
	str string
	idx int
}

// searchUsers returns the number of matching users and the indexes of
// matches [off, off+limit) in sort order. Callers hold s.mu (read).
func (s *Sim) searchUsers(uq *userQuery, sp sortSpec, off, limit int) (int, []int) {
	var candidates []int
	lo, hi := 0, s.n
	useRange := true
	switch {
	case uq.exactID != "":
		useRange = false
		if i := s.indexOfID(uq.exactID); i >= 0 {
			candidates = []int{i}
		}
	case uq.exactEmail != "":
		useRange = false
		candidates = s.indexesOfEmail(uq.exactEmail)
	case uq.hasCreated:
		if uq.created.lo != math.MinInt64 {
			lo = s.firstIndexAtOrAfter(uq.created.lo)
		}
		if uq.created.hi != math.MaxInt64 {
			hi = s.firstIndexAtOrAfter(uq.created.hi)
		}
		hi = max(hi, lo)
	}
	overlay := func(fn func(u int)) {
		for k, u := range s.users.created {
			if u != nil {
				fn(s.n + k)
			}
		}
	}
	// Fast path: no predicate beyond the created_at window, created_at order.
	if useRange && len(uq.preds) == 0 && sp.field == "created_at" {
		var extra []int
		overlay(func(u int) {
			if !uq.hasCreated || uq.created.has(s.users.created[u-s.n].CreatedAt.UnixMilli()) {
				extra = append(extra, u)
			}
		})
		deleted := 0
		for i := range s.users.deleted {
			if i >= lo && i < hi {
				deleted++
			}
		}
		total := hi - lo - deleted + len(extra)
		var out []int
		skip := off
		emit := func(u int) bool {
			if skip > 0 {
				skip--
				return true
			}
			out = append(out, u)
			return len(out) < limit
		}
		if limit == 0 {
			return total, nil
		}
		if !sp.desc {
			for i := lo; i < hi; i++ {
				if !s.users.deleted[i] && !emit(i) {
					return total, out
				}
			}
			for _, u := range extra {
				if !emit(u) {
					return total, out
				}
			}
		} else {
			for k := len(extra) - 1; k >= 0; k-- {
				if !emit(extra[k]) {
					return total, out
				}
			}
			for i := hi - 1; i >= lo; i-- {
				if !s.users.deleted[i] && !emit(i) {
					return total, out
				}
			}
		}
		return total, out
	}
	// General path: scan the candidates, keep the best off+limit by key.
	K := off + limit
	var best []sortKey
	total := 0
	less := func(a, b sortKey) bool {
		if a.str != b.str {
			return (a.str < b.str) != sp.desc
		}
		if a.n != b.n {
			return (a.n < b.n) != sp.desc
		}
		return (a.idx < b.idx) != sp.desc
	}
	consider := func(u int) {
		if !s.users.exists(u) {
			return
		}
		v := s.newView(u)
		if !uq.match(v) {
			return
		}
		total++
		if K == 0 {
			return
		}
		k := sortKey{idx: u}
		created, updated, last, logins := v.times()
		switch sp.field {
		case "created_at":
			k.n = created
		case "updated_at":
			k.n = updated
		case "last_login":
			k.n = last
		case "logins_count":
			k.n = logins
		case "email":
			k.str = strings.ToLower(v.full().Email)
		case "name":
			k.str = strings.ToLower(v.full().Name)
		case "user_id":
			k.str = v.full().UserID
		}
		if len(best) == K && !less(k, best[K-1]) {
			return
		}
		at := sort.Search(len(best), func(i int) bool { return less(k, best[i]) })
		best = append(best, sortKey{})
		copy(best[at+1:], best[at:])
		best[at] = k
		if len(best) > K {
			best = best[:K]
		}
	}
	if useRange {
		for i := lo; i < hi; i++ {
			consider(i)
		}
		overlay(consider)
	} else {
		for _, u := range candidates {
			consider(u)
		}
	}
	var out []int
	for k := off; k < len(best); k++ {
		out = append(out, best[k].idx)
	}
	return total, out
}

func (s *Sim) getUser(c *reqCtx) {
	s.mu.RLock()
	u := s.indexOfID(c.seg[1])
	usr, ok := s.user(u)
	s.mu.RUnlock()
	if !ok {
		s.notFound(c, "The user does not exist.", "inexistent_user")
		return
	}
	writeJSON(c.w, http.StatusOK, project(c, renderUser(&usr)))
}

func (s *Sim) usersByEmail(c *reqCtx) {
	email := c.q.Get("email")
	if email == "" {
		s.writeError(c, http.StatusBadRequest, "Query validation error: 'Missing required property: email' on property email.", "invalid_query_string")
		return
	}
	s.mu.RLock()
	items := []any{}
	for _, u := range s.indexesOfEmail(email) {
		usr, _ := s.user(u)
		items = append(items, project(c, renderUser(&usr)))
	}
	s.mu.RUnlock()
	writeJSON(c.w, http.StatusOK, items)
}

type userBody struct {
	Connection    *string         `json:"connection"`
	Email         *string         `json:"email"`
	Password      *string         `json:"password"`
	Name          *string         `json:"name"`
	GivenName     *string         `json:"given_name"`
	FamilyName    *string         `json:"family_name"`
	Nickname      *string         `json:"nickname"`
	Picture       *string         `json:"picture"`
	Blocked       *bool           `json:"blocked"`
	EmailVerified *bool           `json:"email_verified"`
	UserMetadata  *map[string]any `json:"user_metadata"`
	AppMetadata   *map[string]any `json:"app_metadata"`
}

// nowMs returns a mutation timestamp: wall clock, but never before the
// generated data's epoch, so created_at stays increasing with the index.
func (s *Sim) nowMs() int64 {
	return max(time.Now().UnixMilli(), s.epochMs+1)
}

func (s *Sim) mutRNG() *rng {
	s.idSeq++
	return newRNG(s.cfg.Seed, tagMutation, s.idSeq)
}

func (s *Sim) createUser(c *reqCtx) {
	var b userBody
	if err := readBody(c, &b); err != nil {
		s.badRequest(c, "Payload validation error: 'Invalid JSON'.")
		return
	}
	if b.Connection == nil || *b.Connection == "" {
		s.badRequest(c, "Payload validation error: 'Missing required property: connection'.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	conn := s.findConnection(*b.Connection)
	if conn == nil || conn.Name != *b.Connection {
		s.badRequest(c, "The connection does not exist.")
		return
	}
	if conn.Strategy != "auth0" && conn.Strategy != "email" {
		s.badRequest(c, "Users can only be created in database or passwordless connections.")
		return
	}
	if b.Email == nil || *b.Email == "" {
		s.badRequest(c, "Payload validation error: 'Missing required property: email'.")
		return
	}
	if conn.Strategy == "auth0" && (b.Password == nil || *b.Password == "") {
		s.badRequest(c, "Payload validation error: 'Missing required property: password'.")
		return
	}
	for _, u := range s.indexesOfEmail(*b.Email) {
		if usr, _ := s.user(u); usr.Connection == conn.Name {
			s.writeError(c, http.StatusConflict, "The user already exists.", "auth0_idp_error")
			return
		}
	}
	r := s.mutRNG()
	now := s.nowMs()
	provider := "auth0"
	if conn.Strategy == "email" {
		provider = "email"
	}
	raw := fmt.Sprintf("%08x%s", now/1000, r.hex(16))
	email := strings.ToLower(*b.Email)
	u := &User{UserID: provider + "|" + raw, Email: email, Name: email, Nickname: strings.Split(email, "@")[0],
		Picture: fmt.Sprintf("https://avatars.%s.example/u/%s.png", s.slug, r.hex(16)), Connection: conn.Name,
		ConnectionID: conn.ID, CreatedAt: time.UnixMilli(now).UTC(), UpdatedAt: time.UnixMilli(now).UTC(),
		Identities: []Identity{{Connection: conn.Name, Provider: provider, UserID: raw}}}
	applyUserBody(u, &b)
	idx := s.n + len(s.users.created)
	s.users.created = append(s.users.created, u)
	s.users.createdByID[u.UserID] = idx
	s.users.live++
	body := map[string]any{"email": email, "connection": conn.Name, "password": "*****", "tenant": s.tenantName()}
	s.appendLog(LogEvent{Type: "ss", ClientID: c.tok.clientID, UserID: u.UserID, UserName: email,
		Connection: conn.Name, ConnectionID: conn.ID, Strategy: conn.Strategy, StrategyType: "database",
		Details: map[string]any{"body": body}})
	s.logMutationResp(c.tok, c.r, http.StatusCreated, "Create a User", body, map[string]any{"user_id": u.UserID, "email": email})
	writeJSON(c.w, http.StatusCreated, renderUser(u))
}

func applyUserBody(u *User, b *userBody) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&u.Email, b.Email)
	set(&u.Name, b.Name)
	set(&u.GivenName, b.GivenName)
	set(&u.FamilyName, b.FamilyName)
	set(&u.Nickname, b.Nickname)
	set(&u.Picture, b.Picture)
	if b.Blocked != nil {
		u.Blocked = *b.Blocked
	}
	if b.EmailVerified != nil {
		u.EmailVerified = *b.EmailVerified
	}
	// Metadata PATCHes merge at the top level, null removing a key.
	merge := func(dst *map[string]any, src *map[string]any) {
		if src == nil {
			return
		}
		if *dst == nil {
			*dst = map[string]any{}
		}
		for k, v := range *src {
			if v == nil {
				delete(*dst, k)
			} else {
				(*dst)[k] = v
			}
		}
		if len(*dst) == 0 {
			*dst = nil
		}
	}
	merge(&u.UserMetadata, b.UserMetadata)
	merge(&u.AppMetadata, b.AppMetadata)
}

func (s *Sim) updateUser(c *reqCtx) {
	var b userBody
	if err := readBody(c, &b); err != nil {
		s.badRequest(c, "Payload validation error: 'Invalid JSON'.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	idx := s.indexOfID(c.seg[1])
	usr, ok := s.user(idx)
	if !ok {
		s.notFound(c, "The user does not exist.", "inexistent_user")
		return
	}
	applyUserBody(&usr, &b)
	usr.UpdatedAt = time.UnixMilli(max(s.nowMs(), usr.UpdatedAt.UnixMilli()+1)).UTC()
	if idx < s.n {
		s.users.modified[idx] = &usr
	} else {
		s.users.created[idx-s.n] = &usr
	}
	s.logMutation(c.tok, c.r, http.StatusOK, "Update a User", bodyMap(&b))
	writeJSON(c.w, http.StatusOK, renderUser(&usr))
}

func bodyMap(v any) map[string]any {
	m, _ := toAnyMap(v)
	return m
}

func (s *Sim) deleteUser(c *reqCtx) {
	s.mu.Lock()
	defer s.mu.Unlock()
	idx := s.indexOfID(c.seg[1])
	usr, ok := s.user(idx)
	if ok {
		if idx < s.n {
			s.users.deleted[idx] = true
			delete(s.users.modified, idx)
		} else {
			s.users.created[idx-s.n] = nil
		}
		s.users.live--
		// Consent grants and direct permissions go with the user.
		keep := s.grants[:0]
		for _, g := range s.grants {
			if g.user != idx {
				keep = append(keep, g)
			}
		}
		s.grants = keep
		perms := s.userPerms[:0]
		for _, p := range s.userPerms {
			if p.user != idx {
				perms = append(perms, p)
			}
		}
		s.userPerms = perms
		s.logMutation(c.tok, c.r, http.StatusNoContent, "Delete a User", nil)
		s.appendLog(LogEvent{Type: "sdu", Description: "User deleted", ClientID: c.tok.clientID, UserID: usr.UserID,
			UserName: usr.Email, Connection: usr.Connection, ConnectionID: usr.ConnectionID})
	}
	c.w.WriteHeader(http.StatusNoContent)
}

// userOr404 resolves the {id} segment to a user index.
func (s *Sim) userOr404(c *reqCtx) (int, bool) {
	idx := s.indexOfID(c.seg[1])
	if idx < 0 {
		s.notFound(c, "The user does not exist.", "inexistent_user")
		return 0, false
	}
	return idx, true
}

func (s *Sim) listUserRoles(c *reqCtx) {
	p, ok := s.parseOffset(c)
	if !ok {
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	idx, ok := s.userOr404(c)
	if !ok {
		return
	}
	roles := s.userRoles(idx)
	lo, hi := p.window(len(roles))
	items := []wireRole{}
	for _, r := range roles[lo:hi] {
		items = append(items, renderRole(&r.Role))
	}
	writeOffset(c, p, "roles", items, len(roles), false)
}

// writeOffset writes an offset-paged list: a bare array, or the envelope
// {start, limit, total, <key>} (with length when withLength).
func writeOffset[T any](c *reqCtx, p offsetParams, key string, items []T, total int, withLength bool) {
	if items == nil {
		items = []T{}
	}
	if !p.totals {
		writeJSON(c.w, http.StatusOK, items)
		return
	}
	env := map[string]any{"start": p.page * p.perPage, "limit": p.perPage, "total": total, key: items}
	if withLength {
		env["length"] = len(items)
	}
	writeJSON(c.w, http.StatusOK, env)
}

type idsBody struct {
	Roles   []string `json:"roles"`
	Users   []string `json:"users"`
	Members []string `json:"members"`
}

func (s *Sim) assignUserRoles(c *reqCtx) { s.changeUserRoles(c, true) }
func (s *Sim) removeUserRoles(c *reqCtx) { s.changeUserRoles(c, false) }

func (s *Sim) changeUserRoles(c *reqCtx, add bool) {
	var b idsBody
	if err := readBody(c, &b); err != nil || len(b.Roles) == 0 {
		s.badRequest(c, "Payload validation error: 'Missing required property: roles'.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	idx, ok := s.userOr404(c)
	if !ok {
		return
	}
	for _, id := range b.Roles {
		if s.roleByID[id] == nil {
			s.notFound(c, "The role does not exist.", "inexistent_role")
			return
		}
	}
	for _, id := range b.Roles {
		if add {
			s.addRoleMember(s.roleByID[id], idx)
		} else {
			s.removeRoleMember(s.roleByID[id], idx)
		}
	}
	desc := "Assign roles to a user"
	if !add {
		desc = "Removes roles from a user"
	}
	s.logMutation(c.tok, c.r, http.StatusNoContent, desc, map[string]any{"roles": toAnySlice(b.Roles)})
	c.w.WriteHeader(http.StatusNoContent)
}

func (s *Sim) isGenRoleMember(r *roleState, u int) bool {
	if r.layer == 0 || u >= s.n {
		return false
	}
	lay := s.layer1
	if r.layer == 2 {
		lay = s.layer2
	}
	g, _, ok := lay.groupOf(u)
	return ok && g == r.group
}

func (s *Sim) addRoleMember(r *roleState, u int) {
	if s.isGenRoleMember(r, u) {
		delete(r.removed, u)
		return
	}
	if !r.addedSet[u] {
		r.addedSet[u] = true
		r.added = append(r.added, u)
		s.roleAdds[u] = append(s.roleAdds[u], r.ID)
	}
}

func (s *Sim) removeRoleMember(r *roleState, u int) {
	if r.addedSet[u] {
		delete(r.addedSet, u)
		for k, v := range r.added {
			if v == u {
				r.added = append(r.added[:k], r.added[k+1:]...)
				break
			}
		}
		s.roleAdds[u] = removeString(s.roleAdds[u], r.ID)
		return
	}
	if s.isGenRoleMember(r, u) {
		r.removed[u] = true
	}
}

// userPermissions merges direct and role permissions of user u, the way
// GET /users/{id}/permissions reports them (with sources).
func (s *Sim) userPermissions(u int) []wirePermission {
	type key struct{ rs, name string }
	var order []key
	byKey := map[key]*wirePermission{}
	add := func(p Permission, src wireSource) {
		k := key{p.ResourceServerIdentifier, p.PermissionName}
		w := byKey[k]
		if w == nil {
			wp := renderPermission(p)
			w = &wp
			byKey[k] = w
			order = append(order, k)
		}
		w.Sources = append(w.Sources, src)
	}
	for _, p := range s.userPerms {
		if p.user == u {
			add(s.permissionDetails(p.ResourceServerIdentifier, p.PermissionName), wireSource{SourceType: "DIRECT"})
		}
	}
	for _, r := range s.userRoles(u) {
		for _, p := range r.Permissions {
			add(p, wireSource{SourceID: r.ID, SourceName: r.Name, SourceType: "ROLE"})
		}
	}
	sort.SliceStable(order, func(a, b int) bool {
		if order[a].rs != order[b].rs {
			return order[a].rs < order[b].rs
		}
		return order[a].name < order[b].name
	})
	out := make([]wirePermission, len(order))
	for k, o := range order {
		out[k] = *byKey[o]
	}
	return out
}

func (s *Sim) permissionDetails(rsID, name string) Permission {
	p := Permission{ResourceServerIdentifier: rsID, PermissionName: name}
	if rs := s.findResourceServer(rsID); rs != nil {
		p.ResourceServerName = rs.Name
		for _, sc := range rs.Scopes {
			if sc.Value == name {
				p.Description = sc.Description
			}
		}
	}
	return p
}

func (s *Sim) listUserPermissions(c *reqCtx) {
	p, ok := s.parseOffset(c)
	if !ok {
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	idx, ok := s.userOr404(c)
	if !ok {
		return
	}
	all := s.userPermissions(idx)
	lo, hi := p.window(len(all))
	writeOffset(c, p, "permissions", all[lo:hi], len(all), false)
}

type permsBody struct {
	Permissions []struct {
		ResourceServerIdentifier string `json:"resource_server_identifier"`
		PermissionName           string `json:"permission_name"`
	} `json:"permissions"`
}

// validPerms checks that each permission is a scope of an existing API.
func (s *Sim) validPerms(c *reqCtx, b *permsBody) bool {
	if len(b.Permissions) == 0 {
		s.badRequest(c, "Payload validation error: 'Missing required property: permissions'.")
		return false
	}
	for _, p := range b.Permissions {
		rs := s.findResourceServer(p.ResourceServerIdentifier)
		if rs == nil || rs.Identifier != p.ResourceServerIdentifier {
			s.notFound(c, "Resource server not found", "inexistent_resource_server")
			return false
		}
		found := false
		for _, sc := range rs.Scopes {
			found = found || sc.Value == p.PermissionName
		}
		if !found {
			s.badRequest(c, fmt.Sprintf("Permission %s does not exist in resource server %s", p.PermissionName, rs.Identifier))
			return false
		}
	}
	return true
}

func (s *Sim) assignUserPermissions(c *reqCtx) { s.changeUserPermissions(c, true) }
func (s *Sim) removeUserPermissions(c *reqCtx) { s.changeUserPermissions(c, false) }

func (s *Sim) changeUserPermissions(c *reqCtx, add bool) {
	var b permsBody
	if err := readBody(c, &b); err != nil {
		s.badRequest(c, "Payload validation error: 'Invalid JSON'.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	idx, ok := s.userOr404(c)
	if !ok || !s.validPerms(c, &b) {
		return
	}
	usr, _ := s.user(idx)
	for _, p := range b.Permissions {
		at := -1
		for k, e := range s.userPerms {
			if e.user == idx && e.ResourceServerIdentifier == p.ResourceServerIdentifier && e.PermissionName == p.PermissionName {
				at = k
			}
		}
		switch {
		case add && at < 0:
			s.userPerms = append(s.userPerms, userPerm{user: idx, UserPermission: UserPermission{UserID: usr.UserID,
				ResourceServerIdentifier: p.ResourceServerIdentifier, PermissionName: p.PermissionName}})
		case !add && at >= 0:
			s.userPerms = append(s.userPerms[:at], s.userPerms[at+1:]...)
		}
	}
	status, desc := http.StatusCreated, "Assign permissions to a user"
	if !add {
		status, desc = http.StatusNoContent, "Remove permissions from a user"
	}
	s.logMutation(c.tok, c.r, status, desc, bodyMap(&b))
	if status == http.StatusCreated {
		writeJSON(c.w, status, map[string]any{})
		return
	}
	c.w.WriteHeader(status)
}

func (s *Sim) listUserOrgs(c *reqCtx) {
	p, ok := s.parseOffset(c)
	if !ok {
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	idx, ok := s.userOr404(c)
	if !ok {
		return
	}
	orgs := s.userOrgs(idx)
	lo, hi := p.window(len(orgs))
	var items []wireOrg
	for _, o := range orgs[lo:hi] {
		items = append(items, renderOrg(&o.Organization))
	}
	writeOffset(c, p, "organizations", items, len(orgs), false)
}
