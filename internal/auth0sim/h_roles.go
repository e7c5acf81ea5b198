package auth0sim

import (
	"fmt"
	"net/http"
	"strings"
)

func (s *Sim) listRoles(c *reqCtx) {
	p, ok := s.parseOffset(c)
	if !ok {
		return
	}
	filter := strings.ToLower(c.q.Get("name_filter"))
	s.mu.RLock()
	var all []wireRole
	for _, r := range s.roles {
		if filter == "" || strings.Contains(strings.ToLower(r.Name), filter) {
			all = append(all, renderRole(&r.Role))
		}
	}
	s.mu.RUnlock()
	lo, hi := p.window(len(all))
	writeOffset(c, p, "roles", all[lo:hi], len(all), false)
}

func (s *Sim) roleOr404(c *reqCtx) (*roleState, bool) {
	r := s.roleByID[c.seg[1]]
	if r == nil {
		s.notFound(c, "The role does not exist.", "inexistent_role")
		return nil, false
	}
	return r, true
}

func (s *Sim) getRole(c *reqCtx) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if r, ok := s.roleOr404(c); ok {
		writeJSON(c.w, http.StatusOK, renderRole(&r.Role))
	}
}

type roleBody struct {
	Name        *string `json:"name"`
	Description *string `json:"description"`
}

func (s *Sim) createRole(c *reqCtx) {
	var b roleBody
	if err := readBody(c, &b); err != nil || b.Name == nil || *b.Name == "" {
		s.badRequest(c, "Payload validation error: 'Missing required property: name'.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.roles {
		if r.Name == *b.Name {
			s.writeError(c, http.StatusConflict, "Role name already exists", "conflict")
			return
		}
	}
	role := Role{ID: s.newID(s.mutRNG(), "rol_"), Name: *b.Name}
	if b.Description != nil {
		role.Description = *b.Description
	}
	st := newRoleState(role, 0, 0)
	s.roles = append(s.roles, st)
	s.roleByID[role.ID] = st
	s.logMutationResp(c.tok, c.r, http.StatusOK, "Create a role", bodyMap(&b), map[string]any{"id": role.ID, "name": role.Name})
	writeJSON(c.w, http.StatusOK, renderRole(&st.Role))
}

func (s *Sim) updateRole(c *reqCtx) {
	var b roleBody
	if err := readBody(c, &b); err != nil {
		s.badRequest(c, "Payload validation error: 'Invalid JSON'.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.roleOr404(c)
	if !ok {
		return
	}
	if b.Name != nil && *b.Name != "" {
		r.Name = *b.Name
	}
	if b.Description != nil {
		r.Description = *b.Description
	}
	s.logMutation(c.tok, c.r, http.StatusOK, "Update a role", bodyMap(&b))
	writeJSON(c.w, http.StatusOK, renderRole(&r.Role))
}

func (s *Sim) deleteRole(c *reqCtx) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.roleOr404(c)
	if !ok {
		return
	}
	delete(s.roleByID, r.ID)
	for k, e := range s.roles {
		if e == r {
			s.roles = append(s.roles[:k], s.roles[k+1:]...)
			break
		}
	}
	// Org member role assignments of the role go with it.
	for _, o := range s.orgs {
		for u, ids := range o.memberRoles {
			o.memberRoles[u] = removeString(ids, r.ID)
		}
	}
	s.logMutation(c.tok, c.r, http.StatusOK, "Delete a role", nil)
	writeJSON(c.w, http.StatusOK, map[string]any{})
}

func removeString(xs []string, x string) []string {
	out := xs[:0:0]
	for _, v := range xs {
		if v != x {
			out = append(out, v)
		}
	}
	return out
}

func (s *Sim) listRolePermissions(c *reqCtx) {
	p, ok := s.parseOffset(c)
	if !ok {
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, ok := s.roleOr404(c)
	if !ok {
		return
	}
	lo, hi := p.window(len(r.Permissions))
	var items []wirePermission
	for _, perm := range r.Permissions[lo:hi] {
		items = append(items, renderPermission(perm))
	}
	writeOffset(c, p, "permissions", items, len(r.Permissions), false)
}

func (s *Sim) addRolePermissions(c *reqCtx)    { s.changeRolePermissions(c, true) }
func (s *Sim) removeRolePermissions(c *reqCtx) { s.changeRolePermissions(c, false) }

func (s *Sim) changeRolePermissions(c *reqCtx, add bool) {
	var b permsBody
	if err := readBody(c, &b); err != nil {
		s.badRequest(c, "Payload validation error: 'Invalid JSON'.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.roleOr404(c)
	if !ok || !s.validPerms(c, &b) {
		return
	}
	for _, p := range b.Permissions {
		at := -1
		for k, e := range r.Permissions {
			if e.ResourceServerIdentifier == p.ResourceServerIdentifier && e.PermissionName == p.PermissionName {
				at = k
			}
		}
		switch {
		case add && at < 0:
			r.Permissions = append(r.Permissions, s.permissionDetails(p.ResourceServerIdentifier, p.PermissionName))
		case !add && at >= 0:
			r.Permissions = append(r.Permissions[:at:at], r.Permissions[at+1:]...)
		}
	}
	status, desc := http.StatusCreated, "Associate permissions with a role"
	if !add {
		status, desc = http.StatusNoContent, "Remove permissions from a role"
	}
	s.logMutation(c.tok, c.r, status, desc, bodyMap(&b))
	if status == http.StatusCreated {
		writeJSON(c.w, status, map[string]any{})
		return
	}
	c.w.WriteHeader(status)
}

func (s *Sim) renderMember(u int) wireRoleMember {
	usr, _ := s.user(u)
	return wireRoleMember{UserID: usr.UserID, Email: usr.Email, Picture: usr.Picture, Name: usr.Name}
}

// listRoleUsers pages with from/take when either is given (next is absent on
// the last page), else with page/per_page.
func (s *Sim) listRoleUsers(c *reqCtx) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, ok := s.roleOr404(c)
	if !ok {
		return
	}
	if usesCheckpoint(c.q) {
		cp, ok := s.parseCheckpoint(c)
		if !ok {
			return
		}
		items := []wireRoleMember{}
		next := -1
		s.roleMemberSeq(r, cp.cur.pos, func(pos, u int) bool {
			if len(items) == cp.take {
				next = pos
				return false
			}
			items = append(items, s.renderMember(u))
			return true
		})
		env := map[string]any{"users": items}
		if next >= 0 {
			env["next"] = encodeCursor(cursor{pos: next, page: cp.cur.page + 1})
		}
		writeJSON(c.w, http.StatusOK, env)
		return
	}
	p, ok := s.parseOffset(c)
	if !ok || !s.offsetCap(c, p) {
		return
	}
	lo := p.page * p.perPage
	total := 0
	var items []wireRoleMember
	s.roleMemberSeq(r, 0, func(_, u int) bool {
		if total >= lo && total < lo+p.perPage {
			items = append(items, s.renderMember(u))
		}
		total++
		return true
	})
	writeOffset(c, p, "users", items, total, false)
}

// offsetCap enforces the 1,000-record limit of offset paging on role users
// and organization members (checkpoint paging has none).
func (s *Sim) offsetCap(c *reqCtx, p offsetParams) bool {
	if p.page*p.perPage+p.perPage > 1000 {
		s.writeError(c, http.StatusBadRequest, fmt.Sprintf("Requesting page %d exceeds the allowed maximum of 1000 records. To fetch results beyond 1000, use the checkpoint pagination method.", p.page), "invalid_paging")
		return false
	}
	return true
}

func (s *Sim) addRoleUsers(c *reqCtx) {
	var b idsBody
	if err := readBody(c, &b); err != nil || len(b.Users) == 0 {
		s.badRequest(c, "Payload validation error: 'Missing required property: users'.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.roleOr404(c)
	if !ok {
		return
	}
	idxs := make([]int, len(b.Users))
	for k, id := range b.Users {
		idxs[k] = s.indexOfID(id)
		if idxs[k] < 0 {
			s.notFound(c, "The user does not exist.", "inexistent_user")
			return
		}
	}
	for _, u := range idxs {
		s.addRoleMember(r, u)
	}
	s.logMutation(c.tok, c.r, http.StatusOK, "Assign users to a role", map[string]any{"users": toAnySlice(b.Users)})
	writeJSON(c.w, http.StatusOK, map[string]any{})
}
