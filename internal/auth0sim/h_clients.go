package auth0sim

import (
	"net/http"
	"strings"
)

func (s *Sim) listClients(c *reqCtx) {
	p, ok := s.parseOffset(c)
	if !ok {
		return
	}
	keys := c.hasScope("read:client_keys")
	var filterTypes map[string]bool
	if v := c.q.Get("app_type"); v != "" {
		filterTypes = map[string]bool{}
		for _, t := range strings.Split(v, ",") {
			filterTypes[t] = true
		}
	}
	firstParty := c.q.Get("is_first_party")
	global := c.q.Get("is_global")
	s.mu.RLock()
	var all []*Client
	for _, cl := range s.clients {
		if filterTypes != nil && !filterTypes[cl.AppType] {
			continue
		}
		if firstParty != "" && (firstParty == "true") != cl.IsFirstParty {
			continue
		}
		if global != "" && (global == "true") != cl.Global {
			continue
		}
		all = append(all, cl)
	}
	lo, hi := p.window(len(all))
	items := []any{}
	for _, cl := range all[lo:hi] {
		// Auth0 keeps "tenant" even when fields excludes it.
		items = append(items, project(c, s.renderClient(cl, keys), "tenant"))
	}
	s.mu.RUnlock()
	writeOffset(c, p, "clients", items, len(all), false)
}

func (s *Sim) clientOr404(c *reqCtx) (*Client, int, bool) {
	for k, cl := range s.clients {
		if cl.ClientID == c.seg[1] {
			return cl, k, true
		}
	}
	s.notFound(c, "The client does not exist", "inexistent_client")
	return nil, 0, false
}

func (s *Sim) getClient(c *reqCtx) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if cl, _, ok := s.clientOr404(c); ok {
		writeJSON(c.w, http.StatusOK, project(c, s.renderClient(cl, c.hasScope("read:client_keys")), "tenant"))
	}
}

type clientBody struct {
	Name                    *string   `json:"name"`
	Description             *string   `json:"description"`
	AppType                 *string   `json:"app_type"`
	IsFirstParty            *bool     `json:"is_first_party"`
	OIDCConformant          *bool     `json:"oidc_conformant"`
	Callbacks               *[]string `json:"callbacks"`
	WebOrigins              *[]string `json:"web_origins"`
	AllowedOrigins          *[]string `json:"allowed_origins"`
	AllowedLogoutURLs       *[]string `json:"allowed_logout_urls"`
	GrantTypes              *[]string `json:"grant_types"`
	CrossOriginAuth         *bool     `json:"cross_origin_authentication"`
	TokenEndpointAuthMethod *string   `json:"token_endpoint_auth_method"`
	JWTConfiguration        *struct {
		Alg      *string `json:"alg"`
		Lifetime *int    `json:"lifetime_in_seconds"`
	} `json:"jwt_configuration"`
	OrganizationUsage *string `json:"organization_usage"`
}

func applyClientBody(cl *Client, b *clientBody) {
	setS := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	setL := func(dst *[]string, v *[]string) {
		if v != nil {
			*dst = append([]string{}, (*v)...)
		}
	}
	setS(&cl.Name, b.Name)
	setS(&cl.Description, b.Description)
	setS(&cl.AppType, b.AppType)
	setS(&cl.TokenEndpointAuthMethod, b.TokenEndpointAuthMethod)
	setS(&cl.OrganizationUsage, b.OrganizationUsage)
	if b.IsFirstParty != nil {
		cl.IsFirstParty = *b.IsFirstParty
	}
	if b.OIDCConformant != nil {
		cl.OIDCConformant = *b.OIDCConformant
	}
	if b.CrossOriginAuth != nil {
		cl.CrossOriginAuth = *b.CrossOriginAuth
	}
	setL(&cl.Callbacks, b.Callbacks)
	setL(&cl.WebOrigins, b.WebOrigins)
	setL(&cl.AllowedOrigins, b.AllowedOrigins)
	setL(&cl.AllowedLogoutURLs, b.AllowedLogoutURLs)
	setL(&cl.GrantTypes, b.GrantTypes)
	if j := b.JWTConfiguration; j != nil {
		setS(&cl.JWTConfiguration.Alg, j.Alg)
		if j.Lifetime != nil {
			cl.JWTConfiguration.LifetimeInSeconds = *j.Lifetime
		}
	}
}

func (s *Sim) createClient(c *reqCtx) {
	var b clientBody
	if err := readBody(c, &b); err != nil || b.Name == nil || *b.Name == "" {
		s.badRequest(c, "Payload validation error: 'Missing required property: name'.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.mutRNG()
	cl := &Client{ClientID: r.str(32, alnum), IsFirstParty: true, CustomLoginPageOn: true,
		ClientSecret: secretString(r, 64), SigningKeys: s.signingKeys(r),
		JWTConfiguration:  JWTConfiguration{Alg: "RS256", LifetimeInSeconds: 36000},
		GrantTypes:        []string{"authorization_code", "implicit", "refresh_token", "client_credentials"},
		OrganizationUsage: "allow"}
	applyClientBody(cl, &b)
	s.clients = append(s.clients, cl)
	s.rememberClientSecrets(cl)
	s.logMutationResp(c.tok, c.r, http.StatusCreated, "Create a client", bodyMap(&b), map[string]any{"client_id": cl.ClientID, "name": cl.Name})
	writeJSON(c.w, http.StatusCreated, s.renderClient(cl, true))
}

func (s *Sim) rememberClientSecrets(cl *Client) {
	s.extraSecrets[cl.ClientSecret] = true
	for _, k := range cl.SigningKeys {
		s.extraSecrets[k.Cert] = true
		s.extraSecrets[k.Pkcs7] = true
	}
}

func (s *Sim) updateClient(c *reqCtx) {
	var b clientBody
	if err := readBody(c, &b); err != nil {
		s.badRequest(c, "Payload validation error: 'Invalid JSON'.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cl, _, ok := s.clientOr404(c)
	if !ok {
		return
	}
	applyClientBody(cl, &b)
	s.logMutation(c.tok, c.r, http.StatusOK, "Update a client", bodyMap(&b))
	writeJSON(c.w, http.StatusOK, s.renderClient(cl, c.hasScope("read:client_keys") || !c.tok.checkAll))
}

func (s *Sim) deleteClient(c *reqCtx) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cl, k, ok := s.clientOr404(c)
	if !ok {
		return
	}
	s.clients = append(s.clients[:k:k], s.clients[k+1:]...)
	// Client grants and connection enablement go with the client; user
	// consent grants stay (Auth0 keeps them).
	keep := s.clientGrants[:0:0]
	for _, g := range s.clientGrants {
		if g.ClientID != cl.ClientID {
			keep = append(keep, g)
		}
	}
	s.clientGrants = keep
	for _, conn := range s.connections {
		conn.EnabledClients = removeString(conn.EnabledClients, cl.ClientID)
	}
	s.logMutation(c.tok, c.r, http.StatusNoContent, "Delete a client", nil)
	c.w.WriteHeader(http.StatusNoContent)
}

func (s *Sim) rotateClientSecret(c *reqCtx) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cl, _, ok := s.clientOr404(c)
	if !ok {
		return
	}
	cl.ClientSecret = secretString(s.mutRNG(), 64)
	s.extraSecrets[cl.ClientSecret] = true
	s.logMutation(c.tok, c.r, http.StatusOK, "Rotate a client secret", nil)
	writeJSON(c.w, http.StatusOK, s.renderClient(cl, true))
}

func (s *Sim) listClientGrants(c *reqCtx) {
	p, ok := s.parseOffset(c)
	if !ok {
		return
	}
	clientID, audience := c.q.Get("client_id"), c.q.Get("audience")
	s.mu.RLock()
	var all []wireClientGrant
	for _, g := range s.clientGrants {
		if (clientID == "" || g.ClientID == clientID) && (audience == "" || g.Audience == audience) {
			all = append(all, renderClientGrant(g))
		}
	}
	s.mu.RUnlock()
	lo, hi := p.window(len(all))
	writeOffset(c, p, "client_grants", all[lo:hi], len(all), false)
}

func (s *Sim) clientGrantOr404(c *reqCtx) (*ClientGrant, int, bool) {
	for k, g := range s.clientGrants {
		if g.ID == c.seg[1] {
			return g, k, true
		}
	}
	s.notFound(c, "The client grant does not exist", "inexistent_client_grant")
	return nil, 0, false
}

func (s *Sim) getClientGrant(c *reqCtx) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if g, _, ok := s.clientGrantOr404(c); ok {
		writeJSON(c.w, http.StatusOK, renderClientGrant(g))
	}
}

type clientGrantBody struct {
	ClientID    *string   `json:"client_id"`
	Audience    *string   `json:"audience"`
	Scope       *[]string `json:"scope"`
	SubjectType *string   `json:"subject_type"`
}

func (s *Sim) createClientGrant(c *reqCtx) {
	var b clientGrantBody
	if err := readBody(c, &b); err != nil || b.ClientID == nil || b.Audience == nil || b.Scope == nil {
		s.badRequest(c, "Payload validation error: 'Missing required property: client_id, audience or scope'.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.findClient(*b.ClientID) == nil {
		s.notFound(c, "The client does not exist", "inexistent_client")
		return
	}
	rs := s.findResourceServer(*b.Audience)
	if rs == nil || rs.Identifier != *b.Audience {
		s.notFound(c, "No resource server found by specified identifier", "inexistent_resource_server")
		return
	}
	subject := "client"
	if b.SubjectType != nil {
		subject = *b.SubjectType
	}
	for _, g := range s.clientGrants {
		if g.ClientID == *b.ClientID && g.Audience == *b.Audience && g.SubjectType == subject {
			s.writeError(c, http.StatusConflict, "A client grant for this client and audience already exists", "conflict")
			return
		}
	}
	g := &ClientGrant{ID: s.newID(s.mutRNG(), "cgr_"), ClientID: *b.ClientID, Audience: *b.Audience,
		Scope: append([]string{}, (*b.Scope)...), SubjectType: subject}
	s.clientGrants = append(s.clientGrants, g)
	s.logMutationResp(c.tok, c.r, http.StatusCreated, "Create client grant", bodyMap(&b), map[string]any{"id": g.ID, "client_id": g.ClientID, "audience": g.Audience})
	writeJSON(c.w, http.StatusCreated, renderClientGrant(g))
}

func (s *Sim) updateClientGrant(c *reqCtx) {
	var b clientGrantBody
	if err := readBody(c, &b); err != nil {
		s.badRequest(c, "Payload validation error: 'Invalid JSON'.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, _, ok := s.clientGrantOr404(c)
	if !ok {
		return
	}
	if b.Scope != nil {
		g.Scope = append([]string{}, (*b.Scope)...)
	}
	s.logMutation(c.tok, c.r, http.StatusOK, "Update client grant", bodyMap(&b))
	writeJSON(c.w, http.StatusOK, renderClientGrant(g))
}

func (s *Sim) deleteClientGrant(c *reqCtx) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, k, ok := s.clientGrantOr404(c)
	if !ok {
		return
	}
	s.clientGrants = append(s.clientGrants[:k:k], s.clientGrants[k+1:]...)
	s.logMutation(c.tok, c.r, http.StatusNoContent, "Delete client grant", nil)
	c.w.WriteHeader(http.StatusNoContent)
}

func (s *Sim) listGrants(c *reqCtx) {
	p, ok := s.parseOffset(c)
	if !ok {
		return
	}
	userID, clientID, audience := c.q.Get("user_id"), c.q.Get("client_id"), c.q.Get("audience")
	s.mu.RLock()
	var all []wireGrant
	for _, g := range s.grants {
		if (userID == "" || g.UserID == userID) && (clientID == "" || g.ClientID == clientID) &&
			(audience == "" || g.Audience == audience) {
			all = append(all, renderGrant(&g.Grant))
		}
	}
	s.mu.RUnlock()
	lo, hi := p.window(len(all))
	writeOffset(c, p, "grants", all[lo:hi], len(all), false)
}

func (s *Sim) deleteGrant(c *reqCtx) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, g := range s.grants {
		if g.ID == c.seg[1] {
			s.grants = append(s.grants[:k:k], s.grants[k+1:]...)
			s.logMutation(c.tok, c.r, http.StatusNoContent, "Delete a grant", nil)
			c.w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	s.notFound(c, "The grant does not exist", "inexistent_grant")
}

func (s *Sim) deleteGrantsByUser(c *reqCtx) {
	userID := c.q.Get("user_id")
	if userID == "" {
		s.writeError(c, http.StatusBadRequest, "Query validation error: 'Missing required property: user_id' on property user_id.", "invalid_query_string")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	keep := s.grants[:0:0]
	for _, g := range s.grants {
		if g.UserID != userID {
			keep = append(keep, g)
		}
	}
	s.grants = keep
	s.logMutation(c.tok, c.r, http.StatusNoContent, "Delete grants of a user", nil)
	c.w.WriteHeader(http.StatusNoContent)
}
