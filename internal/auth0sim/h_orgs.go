package auth0sim

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// listOrgs pages with from/take when either is given, else page/per_page.
func (s *Sim) listOrgs(c *reqCtx) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if usesCheckpoint(c.q) {
		cp, ok := s.parseCheckpoint(c)
		if !ok {
			return
		}
		items := []any{}
		end := min(cp.cur.pos+cp.take, len(s.orgs))
		for k := min(cp.cur.pos, end); k < end; k++ {
			items = append(items, project(c, renderOrg(&s.orgs[k].Organization)))
		}
		env := map[string]any{"organizations": items}
		if end < len(s.orgs) {
			env["next"] = encodeCursor(cursor{pos: end, page: cp.cur.page + 1})
		}
		writeJSON(c.w, http.StatusOK, env)
		return
	}
	p, ok := s.parseOffset(c)
	if !ok {
		return
	}
	lo, hi := p.window(len(s.orgs))
	items := []any{}
	for _, o := range s.orgs[lo:hi] {
		items = append(items, project(c, renderOrg(&o.Organization)))
	}
	writeOffset(c, p, "organizations", items, len(s.orgs), false)
}

func (s *Sim) orgOr404(c *reqCtx) (*orgState, bool) {
	o := s.orgByID[c.seg[1]]
	if o == nil {
		s.notFound(c, "No organization found by that id or name", "")
		return nil, false
	}
	return o, true
}

func (s *Sim) getOrg(c *reqCtx) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if o, ok := s.orgOr404(c); ok {
		writeJSON(c.w, http.StatusOK, renderOrg(&o.Organization))
	}
}

func (s *Sim) getOrgByName(c *reqCtx) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, o := range s.orgs {
		if o.Name == c.seg[2] {
			writeJSON(c.w, http.StatusOK, renderOrg(&o.Organization))
			return
		}
	}
	s.notFound(c, "No organization found by that id or name", "")
}

type orgBody struct {
	Name        *string `json:"name"`
	DisplayName *string `json:"display_name"`
	Branding    *struct {
		LogoURL *string           `json:"logo_url"`
		Colors  map[string]string `json:"colors"`
	} `json:"branding"`
	Metadata           *map[string]string `json:"metadata"`
	EnabledConnections []orgConnBody      `json:"enabled_connections"`
}

type orgConnBody struct {
	ConnectionID            *string `json:"connection_id"`
	AssignMembershipOnLogin *bool   `json:"assign_membership_on_login"`
	ShowAsButton            *bool   `json:"show_as_button"`
	IsSignupEnabled         *bool   `json:"is_signup_enabled"`
}

func applyOrgBody(o *Organization, b *orgBody) {
	if b.Name != nil {
		o.Name = *b.Name
	}
	if b.DisplayName != nil {
		o.DisplayName = *b.DisplayName
	}
	if b.Branding != nil {
		if b.Branding.LogoURL != nil {
			o.LogoURL = *b.Branding.LogoURL
		}
		if p, ok := b.Branding.Colors["primary"]; ok {
			o.PrimaryColor = p
		}
	}
	if b.Metadata != nil {
		o.Metadata = *b.Metadata
	}
}

func (s *Sim) createOrg(c *reqCtx) {
	var b orgBody
	if err := readBody(c, &b); err != nil || b.Name == nil || *b.Name == "" {
		s.badRequest(c, "Payload validation error: 'Missing required property: name'.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range s.orgs {
		if o.Name == *b.Name {
			s.writeError(c, http.StatusConflict, "An organization with this name already exists.", "conflict")
			return
		}
	}
	org := Organization{ID: s.newID(s.mutRNG(), "org_")}
	applyOrgBody(&org, &b)
	for _, ec := range b.EnabledConnections {
		if ec.ConnectionID == nil || s.findConnection(*ec.ConnectionID) == nil {
			s.notFound(c, "The connection does not exist", "inexistent_connection")
			return
		}
		org.EnabledConnections = append(org.EnabledConnections, applyOrgConn(OrgConnection{ConnectionID: *ec.ConnectionID}, &ec))
	}
	st := newOrgState(org, -1)
	s.orgs = append(s.orgs, st)
	s.orgByID[org.ID] = st
	s.logMutationResp(c.tok, c.r, http.StatusCreated, "Create an Organization", bodyMap(&b), map[string]any{"id": org.ID, "name": org.Name})
	w := renderOrg(&org)
	for _, oc := range org.EnabledConnections {
		w.Enabled = append(w.Enabled, s.renderOrgConnection(oc))
	}
	writeJSON(c.w, http.StatusCreated, w)
}

func applyOrgConn(oc OrgConnection, b *orgConnBody) OrgConnection {
	if b.AssignMembershipOnLogin != nil {
		oc.AssignMembershipOnLogin = *b.AssignMembershipOnLogin
	}
	if b.ShowAsButton != nil {
		oc.ShowAsButton = *b.ShowAsButton
	}
	if b.IsSignupEnabled != nil {
		oc.IsSignupEnabled = *b.IsSignupEnabled
	}
	return oc
}

func (s *Sim) updateOrg(c *reqCtx) {
	var b orgBody
	if err := readBody(c, &b); err != nil {
		s.badRequest(c, "Payload validation error: 'Invalid JSON'.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orgOr404(c)
	if !ok {
		return
	}
	applyOrgBody(&o.Organization, &b)
	s.logMutation(c.tok, c.r, http.StatusOK, "Update an Organization", bodyMap(&b))
	writeJSON(c.w, http.StatusOK, renderOrg(&o.Organization))
}

func (s *Sim) deleteOrg(c *reqCtx) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orgOr404(c)
	if !ok {
		return
	}
	delete(s.orgByID, o.ID)
	for k, e := range s.orgs {
		if e == o {
			s.orgs = append(s.orgs[:k], s.orgs[k+1:]...)
			break
		}
	}
	s.logMutation(c.tok, c.r, http.StatusNoContent, "Delete organization", nil)
	c.w.WriteHeader(http.StatusNoContent)
}

// wantsField reports whether `fields` asks for f (include_fields=true).
func wantsField(c *reqCtx, f string) bool {
	if c.q.Get("include_fields") == "false" {
		return false
	}
	for _, x := range strings.Split(c.q.Get("fields"), ",") {
		if strings.TrimSpace(x) == f {
			return true
		}
	}
	return false
}

func (s *Sim) renderOrgMember(c *reqCtx, o *orgState, u int, withRoles bool) any {
	usr, _ := s.user(u)
	m := wireOrgMember{UserID: usr.UserID, Email: usr.Email, Picture: usr.Picture, Name: usr.Name}
	if withRoles {
		roles := []wireRoleName{}
		for _, id := range s.memberRoleIDs(o, u) {
			if r := s.roleByID[id]; r != nil {
				roles = append(roles, wireRoleName{ID: r.ID, Name: r.Name})
			}
		}
		m.Roles = &roles
	}
	return project(c, m)
}

// listOrgMembers pages with from/take (reproducing Auth0's quirk: every
// non-empty page carries next, so the sequence ends with an empty page) or
// page/per_page with totals. fields=...,roles inlines org roles.
func (s *Sim) listOrgMembers(c *reqCtx) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	o, ok := s.orgOr404(c)
	if !ok {
		return
	}
	withRoles := wantsField(c, "roles")
	if usesCheckpoint(c.q) {
		cp, ok := s.parseCheckpoint(c)
		if !ok {
			return
		}
		items := []any{}
		last := -1
		s.orgMemberSeq(o, cp.cur.pos, func(pos, u int) bool {
			items = append(items, s.renderOrgMember(c, o, u, withRoles))
			last = pos
			return len(items) < cp.take
		})
		env := map[string]any{"members": items}
		if last >= 0 {
			env["next"] = encodeCursor(cursor{pos: last + 1, page: cp.cur.page + 1})
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
	var items []any
	s.orgMemberSeq(o, 0, func(_, u int) bool {
		if total >= lo && total < lo+p.perPage {
			items = append(items, s.renderOrgMember(c, o, u, withRoles))
		}
		total++
		return true
	})
	writeOffset(c, p, "members", items, total, false)
}

func (s *Sim) addOrgMembers(c *reqCtx)    { s.changeOrgMembers(c, true) }
func (s *Sim) removeOrgMembers(c *reqCtx) { s.changeOrgMembers(c, false) }

func (s *Sim) changeOrgMembers(c *reqCtx, add bool) {
	var b idsBody
	if err := readBody(c, &b); err != nil || len(b.Members) == 0 {
		s.badRequest(c, "Payload validation error: 'Missing required property: members'.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orgOr404(c)
	if !ok {
		return
	}
	idxs := make([]int, len(b.Members))
	for k, id := range b.Members {
		if idxs[k] = s.indexOfID(id); idxs[k] < 0 {
			s.badRequest(c, "One or more of the members provided do not exist.")
			return
		}
	}
	for _, u := range idxs {
		gen := false
		if o.group >= 0 && u < s.n {
			g, _, ok := s.orgLay.groupOf(u)
			gen = ok && g == o.group
		}
		switch {
		case add && gen:
			delete(o.removed, u)
		case add && !o.addedSet[u]:
			o.addedSet[u] = true
			o.added = append(o.added, u)
			s.orgAdds[u] = append(s.orgAdds[u], o.ID)
		case !add && o.addedSet[u]:
			delete(o.addedSet, u)
			s.orgAdds[u] = removeString(s.orgAdds[u], o.ID)
			for k, v := range o.added {
				if v == u {
					o.added = append(o.added[:k], o.added[k+1:]...)
					break
				}
			}
			delete(o.memberRoles, u)
		case !add && gen:
			o.removed[u] = true
			delete(o.memberRoles, u)
		}
	}
	desc := "Add members to an organization"
	if !add {
		desc = "Delete members from an organization"
	}
	s.logMutation(c.tok, c.r, http.StatusNoContent, desc, map[string]any{"members": toAnySlice(b.Members)})
	c.w.WriteHeader(http.StatusNoContent)
}

func (s *Sim) memberOr404(c *reqCtx) (*orgState, int, bool) {
	o, ok := s.orgOr404(c)
	if !ok {
		return nil, 0, false
	}
	u := s.indexOfID(c.seg[3])
	if u < 0 || !s.isMember(o, u) {
		s.notFound(c, "The user is not a member of the organization.", "")
		return nil, 0, false
	}
	return o, u, true
}

func (s *Sim) listMemberRoles(c *reqCtx) {
	p, ok := s.parseOffset(c)
	if !ok {
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	o, u, ok := s.memberOr404(c)
	if !ok {
		return
	}
	var all []wireRole
	for _, id := range s.memberRoleIDs(o, u) {
		if r := s.roleByID[id]; r != nil {
			all = append(all, renderRole(&r.Role))
		}
	}
	lo, hi := p.window(len(all))
	writeOffset(c, p, "roles", all[lo:hi], len(all), false)
}

func (s *Sim) addMemberRoles(c *reqCtx)    { s.changeMemberRoles(c, true) }
func (s *Sim) removeMemberRoles(c *reqCtx) { s.changeMemberRoles(c, false) }

func (s *Sim) changeMemberRoles(c *reqCtx, add bool) {
	var b idsBody
	if err := readBody(c, &b); err != nil || len(b.Roles) == 0 {
		s.badRequest(c, "Payload validation error: 'Missing required property: roles'.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, u, ok := s.memberOr404(c)
	if !ok {
		return
	}
	for _, id := range b.Roles {
		if s.roleByID[id] == nil {
			s.notFound(c, "The role does not exist.", "inexistent_role")
			return
		}
	}
	ids := append([]string(nil), s.memberRoleIDs(o, u)...)
	for _, id := range b.Roles {
		if add && !contains(ids, id) {
			ids = append(ids, id)
		} else if !add {
			ids = removeString(ids, id)
		}
	}
	o.memberRoles[u] = s.sortedRoleIDs(ids)
	desc := "Assign roles to an organization member"
	if !add {
		desc = "Delete roles from an organization member"
	}
	s.logMutation(c.tok, c.r, http.StatusNoContent, desc, map[string]any{"roles": toAnySlice(b.Roles)})
	c.w.WriteHeader(http.StatusNoContent)
}

// listOrgConnections reproduces Auth0's envelope, whose limit is the number
// of items returned.
func (s *Sim) listOrgConnections(c *reqCtx) {
	p, ok := s.parseOffset(c)
	if !ok {
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	o, ok := s.orgOr404(c)
	if !ok {
		return
	}
	lo, hi := p.window(len(o.EnabledConnections))
	items := []wireOrgConnectionFull{}
	for _, oc := range o.EnabledConnections[lo:hi] {
		items = append(items, s.renderOrgConnection(oc))
	}
	if !p.totals {
		writeJSON(c.w, http.StatusOK, items)
		return
	}
	writeJSON(c.w, http.StatusOK, map[string]any{"enabled_connections": items, "start": lo, "limit": len(items),
		"total": len(o.EnabledConnections)})
}

func (s *Sim) orgConnOr404(c *reqCtx) (*orgState, int, bool) {
	o, ok := s.orgOr404(c)
	if !ok {
		return nil, 0, false
	}
	for k, oc := range o.EnabledConnections {
		if oc.ConnectionID == c.seg[3] {
			return o, k, true
		}
	}
	s.notFound(c, "No connection found by that id", "")
	return nil, 0, false
}

func (s *Sim) getOrgConnection(c *reqCtx) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if o, k, ok := s.orgConnOr404(c); ok {
		writeJSON(c.w, http.StatusOK, s.renderOrgConnection(o.EnabledConnections[k]))
	}
}

func (s *Sim) addOrgConnection(c *reqCtx) {
	var b orgConnBody
	if err := readBody(c, &b); err != nil || b.ConnectionID == nil {
		s.badRequest(c, "Payload validation error: 'Missing required property: connection_id'.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orgOr404(c)
	if !ok {
		return
	}
	conn := s.findConnection(*b.ConnectionID)
	if conn == nil || conn.ID != *b.ConnectionID {
		s.notFound(c, "The connection does not exist", "inexistent_connection")
		return
	}
	for _, oc := range o.EnabledConnections {
		if oc.ConnectionID == conn.ID {
			s.writeError(c, http.StatusConflict, "The connection is already enabled for this organization.", "conflict")
			return
		}
	}
	oc := applyOrgConn(OrgConnection{ConnectionID: conn.ID, ShowAsButton: true}, &b)
	o.EnabledConnections = append(o.EnabledConnections, oc)
	s.logMutation(c.tok, c.r, http.StatusCreated, "Add connections to an organization", bodyMap(&b))
	writeJSON(c.w, http.StatusCreated, s.renderOrgConnection(oc))
}

func (s *Sim) updateOrgConnection(c *reqCtx) {
	var b orgConnBody
	if err := readBody(c, &b); err != nil {
		s.badRequest(c, "Payload validation error: 'Invalid JSON'.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, k, ok := s.orgConnOr404(c)
	if !ok {
		return
	}
	o.EnabledConnections[k] = applyOrgConn(o.EnabledConnections[k], &b)
	s.logMutation(c.tok, c.r, http.StatusOK, "Modify an organization connection", bodyMap(&b))
	writeJSON(c.w, http.StatusOK, s.renderOrgConnection(o.EnabledConnections[k]))
}

func (s *Sim) removeOrgConnection(c *reqCtx) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, k, ok := s.orgConnOr404(c)
	if !ok {
		return
	}
	o.EnabledConnections = append(o.EnabledConnections[:k:k], o.EnabledConnections[k+1:]...)
	s.logMutation(c.tok, c.r, http.StatusNoContent, "Delete connections from an organization", nil)
	c.w.WriteHeader(http.StatusNoContent)
}

// listInvitations has no total: callers loop until a short page. Its limit,
// like enabled connections', is the item count.
func (s *Sim) listInvitations(c *reqCtx) {
	p, ok := s.parseOffset(c)
	if !ok {
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	o, ok := s.orgOr404(c)
	if !ok {
		return
	}
	lo, hi := p.window(len(o.Invitations))
	items := []any{}
	for _, inv := range o.Invitations[lo:hi] {
		items = append(items, project(c, renderInvitation(inv)))
	}
	if !p.totals {
		writeJSON(c.w, http.StatusOK, items)
		return
	}
	writeJSON(c.w, http.StatusOK, map[string]any{"invitations": items, "start": lo, "limit": len(items)})
}

func (s *Sim) getInvitation(c *reqCtx) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	o, ok := s.orgOr404(c)
	if !ok {
		return
	}
	for _, inv := range o.Invitations {
		if inv.ID == c.seg[3] {
			writeJSON(c.w, http.StatusOK, renderInvitation(inv))
			return
		}
	}
	s.notFound(c, "The invitation does not exist", "")
}

func (s *Sim) createInvitation(c *reqCtx) {
	var b struct {
		Inviter      map[string]string `json:"inviter"`
		Invitee      map[string]string `json:"invitee"`
		ClientID     string            `json:"client_id"`
		ConnectionID string            `json:"connection_id"`
		TTLSec       int               `json:"ttl_sec"`
		Roles        []string          `json:"roles"`
	}
	if err := readBody(c, &b); err != nil || b.Invitee["email"] == "" || b.Inviter["name"] == "" || b.ClientID == "" {
		s.badRequest(c, "Payload validation error: 'Missing required property: invitee, inviter or client_id'.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orgOr404(c)
	if !ok {
		return
	}
	if s.findClient(b.ClientID) == nil {
		s.notFound(c, "The client does not exist", "inexistent_client")
		return
	}
	r := s.mutRNG()
	ttl := b.TTLSec
	if ttl <= 0 {
		ttl = 7 * 24 * 3600
	}
	now := time.UnixMilli(s.nowMs()).UTC()
	ticket := r.str(32, alnum)
	inv := Invitation{ID: s.newID(r, "uinv_"), OrganizationID: o.ID, ClientID: b.ClientID, ConnectionID: b.ConnectionID,
		InviterName: b.Inviter["name"], InviteeEmail: b.Invitee["email"], TicketID: ticket, Roles: b.Roles,
		CreatedAt: now, ExpiresAt: now.Add(time.Duration(ttl) * time.Second),
		InvitationURL: fmt.Sprintf("https://login.%s.example/login?invitation=%s&organization=%s&organization_name=%s",
			s.slug, ticket, o.ID, o.Name)}
	o.Invitations = append([]Invitation{inv}, o.Invitations...)
	s.logMutation(c.tok, c.r, http.StatusCreated, "Create invitations to organizations", bodyMap(&b))
	writeJSON(c.w, http.StatusCreated, renderInvitation(inv))
}

func (s *Sim) deleteInvitation(c *reqCtx) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orgOr404(c)
	if !ok {
		return
	}
	for k, inv := range o.Invitations {
		if inv.ID == c.seg[3] {
			o.Invitations = append(o.Invitations[:k:k], o.Invitations[k+1:]...)
			s.logMutation(c.tok, c.r, http.StatusNoContent, "Delete an invitation", nil)
			c.w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	s.notFound(c, "The invitation does not exist", "")
}
