package auth0sim

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
)

// Resource servers.

func (s *Sim) listResourceServers(c *reqCtx) {
	p, ok := s.parseOffset(c)
	if !ok {
		return
	}
	var ids map[string]bool
	if v := c.q["identifiers"]; len(v) > 0 {
		ids = map[string]bool{}
		for _, x := range v {
			for _, y := range strings.Split(x, ",") {
				ids[y] = true
			}
		}
	}
	s.mu.RLock()
	var all []*ResourceServer
	for _, rs := range s.resourceServers {
		if ids == nil || ids[rs.Identifier] {
			all = append(all, rs)
		}
	}
	lo, hi := p.window(len(all))
	items := []any{}
	for _, rs := range all[lo:hi] {
		items = append(items, project(c, renderRS(rs)))
	}
	s.mu.RUnlock()
	writeOffset(c, p, "resource_servers", items, len(all), false)
}

func (s *Sim) rsOr404(c *reqCtx) (*ResourceServer, int, bool) {
	for k, rs := range s.resourceServers {
		if rs.ID == c.seg[1] || rs.Identifier == c.seg[1] {
			return rs, k, true
		}
	}
	s.notFound(c, "The resource server does not exist", "inexistent_resource_server")
	return nil, 0, false
}

func (s *Sim) getResourceServer(c *reqCtx) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if rs, _, ok := s.rsOr404(c); ok {
		writeJSON(c.w, http.StatusOK, project(c, renderRS(rs)))
	}
}

type rsBody struct {
	Name                *string      `json:"name"`
	Identifier          *string      `json:"identifier"`
	Scopes              *[]wireScope `json:"scopes"`
	SigningAlg          *string      `json:"signing_alg"`
	SigningSecret       *string      `json:"signing_secret"`
	TokenLifetime       *int         `json:"token_lifetime"`
	TokenLifetimeForWeb *int         `json:"token_lifetime_for_web"`
	AllowOfflineAccess  *bool        `json:"allow_offline_access"`
	SkipConsent         *bool        `json:"skip_consent_for_verifiable_first_party_clients"`
	EnforcePolicies     *bool        `json:"enforce_policies"`
	TokenDialect        *string      `json:"token_dialect"`
}

func applyRSBody(rs *ResourceServer, b *rsBody) {
	if b.Name != nil {
		rs.Name = *b.Name
	}
	if b.Scopes != nil {
		rs.Scopes = nil
		for _, sc := range *b.Scopes {
			rs.Scopes = append(rs.Scopes, Scope{Value: sc.Value, Description: sc.Description})
		}
	}
	if b.SigningAlg != nil {
		rs.SigningAlg = *b.SigningAlg
	}
	if b.SigningSecret != nil {
		rs.SigningSecret = *b.SigningSecret
	}
	if b.TokenLifetime != nil {
		rs.TokenLifetime = *b.TokenLifetime
	}
	if b.TokenLifetimeForWeb != nil {
		rs.TokenLifetimeForWeb = *b.TokenLifetimeForWeb
	}
	if b.AllowOfflineAccess != nil {
		rs.AllowOfflineAccess = *b.AllowOfflineAccess
	}
	if b.SkipConsent != nil {
		rs.SkipConsentForVerifiableFirstPartyClients = *b.SkipConsent
	}
	if b.EnforcePolicies != nil {
		rs.EnforcePolicies = *b.EnforcePolicies
	}
	if b.TokenDialect != nil {
		rs.TokenDialect = *b.TokenDialect
	}
}

func (s *Sim) createResourceServer(c *reqCtx) {
	var b rsBody
	if err := readBody(c, &b); err != nil || b.Identifier == nil || *b.Identifier == "" {
		s.badRequest(c, "Payload validation error: 'Missing required property: identifier'.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.findResourceServer(*b.Identifier) != nil {
		s.writeError(c, http.StatusConflict, "A resource server with the same identifier already exists", "conflict")
		return
	}
	r := s.mutRNG()
	rs := &ResourceServer{ID: r.hex(24), Name: *b.Identifier, Identifier: *b.Identifier, SigningAlg: "RS256",
		TokenLifetime: 86400, TokenLifetimeForWeb: 7200, TokenDialect: "access_token",
		UserPolicy: "allow_all", ClientPolicy: "require_client_grant"}
	applyRSBody(rs, &b)
	if rs.SigningAlg == "HS256" && rs.SigningSecret == "" {
		rs.SigningSecret = secretString(r, 32)
	}
	if rs.SigningSecret != "" {
		s.extraSecrets[rs.SigningSecret] = true
	}
	s.resourceServers = append(s.resourceServers, rs)
	s.logMutationResp(c.tok, c.r, http.StatusCreated, "Create a resource server", bodyMap(&b), map[string]any{"id": rs.ID, "identifier": rs.Identifier})
	writeJSON(c.w, http.StatusCreated, renderRS(rs))
}

func (s *Sim) updateResourceServer(c *reqCtx) {
	var b rsBody
	if err := readBody(c, &b); err != nil {
		s.badRequest(c, "Payload validation error: 'Invalid JSON'.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rs, _, ok := s.rsOr404(c)
	if !ok {
		return
	}
	if rs.IsSystem {
		s.writeError(c, http.StatusForbidden, "You cannot modify a system resource server", "operation_not_supported")
		return
	}
	applyRSBody(rs, &b)
	if rs.SigningSecret != "" {
		s.extraSecrets[rs.SigningSecret] = true
	}
	s.logMutation(c.tok, c.r, http.StatusOK, "Update a resource server", bodyMap(&b))
	writeJSON(c.w, http.StatusOK, renderRS(rs))
}

func (s *Sim) deleteResourceServer(c *reqCtx) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rs, k, ok := s.rsOr404(c)
	if !ok {
		return
	}
	if rs.IsSystem {
		s.writeError(c, http.StatusForbidden, "You cannot delete a system resource server", "operation_not_supported")
		return
	}
	s.resourceServers = append(s.resourceServers[:k:k], s.resourceServers[k+1:]...)
	s.logMutation(c.tok, c.r, http.StatusNoContent, "Delete a resource server", nil)
	c.w.WriteHeader(http.StatusNoContent)
}

// Custom domains: a bare array, or {custom_domains, next} with take/from.

func (s *Sim) listCustomDomains(c *reqCtx) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if usesCheckpoint(c.q) {
		cp, ok := s.parseCheckpoint(c)
		if !ok {
			return
		}
		end := min(cp.cur.pos+cp.take, len(s.customDomains))
		items := []any{}
		for k := min(cp.cur.pos, end); k < end; k++ {
			items = append(items, project(c, renderCustomDomain(s.customDomains[k])))
		}
		env := map[string]any{"custom_domains": items}
		if end < len(s.customDomains) {
			env["next"] = encodeCursor(cursor{pos: end, page: cp.cur.page + 1})
		}
		writeJSON(c.w, http.StatusOK, env)
		return
	}
	items := []any{}
	for _, cd := range s.customDomains {
		items = append(items, project(c, renderCustomDomain(cd)))
	}
	writeJSON(c.w, http.StatusOK, items)
}

func (s *Sim) customDomainOr404(c *reqCtx) (*CustomDomain, int, bool) {
	for k, cd := range s.customDomains {
		if cd.ID == c.seg[1] {
			return cd, k, true
		}
	}
	s.notFound(c, "The custom domain does not exist", "inexistent_custom_domain")
	return nil, 0, false
}

func (s *Sim) getCustomDomain(c *reqCtx) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if cd, _, ok := s.customDomainOr404(c); ok {
		writeJSON(c.w, http.StatusOK, renderCustomDomain(cd))
	}
}

type customDomainBody struct {
	Domain               *string `json:"domain"`
	Type                 *string `json:"type"`
	TLSPolicy            *string `json:"tls_policy"`
	CustomClientIPHeader *string `json:"custom_client_ip_header"`
}

func (s *Sim) createCustomDomain(c *reqCtx) {
	var b customDomainBody
	if err := readBody(c, &b); err != nil || b.Domain == nil || b.Type == nil {
		s.badRequest(c, "Payload validation error: 'Missing required property: domain or type'.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, cd := range s.customDomains {
		if cd.Domain == *b.Domain {
			s.writeError(c, http.StatusConflict, "The domain already exists", "conflict")
			return
		}
	}
	id := s.newID(s.mutRNG(), "cd_")
	cd := &CustomDomain{ID: id, Domain: *b.Domain, Type: *b.Type, Status: "pending_verification", TLSPolicy: "recommended",
		VerificationMethod: "CNAME", CreatedAt: time.UnixMilli(s.nowMs()).UTC(),
		VerificationRecord: fmt.Sprintf("%s-%s.edge.tenants.auth0.local", s.domain, strings.ToLower(strings.ReplaceAll(id, "_", "-")))}
	if b.TLSPolicy != nil {
		cd.TLSPolicy = *b.TLSPolicy
	}
	if b.CustomClientIPHeader != nil {
		cd.CustomClientIPHeader = *b.CustomClientIPHeader
	}
	s.customDomains = append(s.customDomains, cd)
	s.logMutationResp(c.tok, c.r, http.StatusCreated, "Create a custom domain", bodyMap(&b), map[string]any{"custom_domain_id": cd.ID, "domain": cd.Domain})
	writeJSON(c.w, http.StatusCreated, renderCustomDomain(cd))
}

func (s *Sim) updateCustomDomain(c *reqCtx) {
	var b customDomainBody
	if err := readBody(c, &b); err != nil {
		s.badRequest(c, "Payload validation error: 'Invalid JSON'.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cd, _, ok := s.customDomainOr404(c)
	if !ok {
		return
	}
	if b.TLSPolicy != nil {
		cd.TLSPolicy = *b.TLSPolicy
	}
	if b.CustomClientIPHeader != nil {
		cd.CustomClientIPHeader = *b.CustomClientIPHeader
	}
	s.logMutation(c.tok, c.r, http.StatusOK, "Update a custom domain", bodyMap(&b))
	writeJSON(c.w, http.StatusOK, renderCustomDomain(cd))
}

func (s *Sim) deleteCustomDomain(c *reqCtx) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, k, ok := s.customDomainOr404(c)
	if !ok {
		return
	}
	s.customDomains = append(s.customDomains[:k:k], s.customDomains[k+1:]...)
	s.logMutation(c.tok, c.r, http.StatusNoContent, "Delete a custom domain", nil)
	c.w.WriteHeader(http.StatusNoContent)
}

// Connections.

func (s *Sim) listConnections(c *reqCtx) {
	p, ok := s.parseOffset(c)
	if !ok {
		return
	}
	strategies := map[string]bool{}
	for _, v := range c.q["strategy"] {
		for _, x := range strings.Split(v, ",") {
			strategies[x] = true
		}
	}
	name := c.q.Get("name")
	s.mu.RLock()
	var all []*Connection
	for _, conn := range s.connections {
		if (len(strategies) == 0 || strategies[conn.Strategy]) && (name == "" || conn.Name == name) {
			all = append(all, conn)
		}
	}
	lo, hi := p.window(len(all))
	items := []any{}
	for _, conn := range all[lo:hi] {
		// Auth0 keeps is_domain_connection even when fields excludes it.
		items = append(items, project(c, renderConnection(conn), "is_domain_connection"))
	}
	s.mu.RUnlock()
	writeOffset(c, p, "connections", items, len(all), false)
}

func (s *Sim) connectionOr404(c *reqCtx) (*Connection, int, bool) {
	for k, conn := range s.connections {
		if conn.ID == c.seg[1] {
			return conn, k, true
		}
	}
	s.notFound(c, "The connection does not exist", "inexistent_connection")
	return nil, 0, false
}

func (s *Sim) getConnection(c *reqCtx) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if conn, _, ok := s.connectionOr404(c); ok {
		writeJSON(c.w, http.StatusOK, project(c, renderConnection(conn), "is_domain_connection"))
	}
}

type connectionBody struct {
	Name               *string            `json:"name"`
	DisplayName        *string            `json:"display_name"`
	Strategy           *string            `json:"strategy"`
	Options            map[string]any     `json:"options"`
	EnabledClients     *[]string          `json:"enabled_clients"`
	IsDomainConnection *bool              `json:"is_domain_connection"`
	ShowAsButton       *bool              `json:"show_as_button"`
	Metadata           *map[string]string `json:"metadata"`
	Realms             *[]string          `json:"realms"`
}

func (s *Sim) applyConnectionBody(conn *Connection, b *connectionBody) {
	if b.DisplayName != nil {
		conn.DisplayName = *b.DisplayName
	}
	if b.Options != nil {
		conn.Options = cloneAnyMap(b.Options)
		s.collectSecrets(conn.Options)
	}
	if b.EnabledClients != nil {
		conn.EnabledClients = append([]string{}, (*b.EnabledClients)...)
	}
	if b.IsDomainConnection != nil {
		conn.IsDomainConnection = *b.IsDomainConnection
	}
	if b.ShowAsButton != nil {
		conn.ShowAsButton = ptrBool(*b.ShowAsButton)
	}
	if b.Metadata != nil {
		conn.Metadata = *b.Metadata
	}
	if b.Realms != nil {
		conn.Realms = append([]string{}, (*b.Realms)...)
	}
}

// collectSecrets remembers secret-looking option values set by mutations.
func (s *Sim) collectSecrets(opts map[string]any) {
	for k, v := range opts {
		if str, ok := v.(string); ok && str != "" && isSecretKey(k) {
			s.extraSecrets[str] = true
		}
	}
}

// secretKeys are the option and sink keys whose values are secrets.
var secretKeys = map[string]bool{
	"client_secret": true, "consumer_secret": true, "twilio_token": true, "secret": true, "password": true,
	"api_key": true, "apikey": true, "access_token": true, "signing_secret": true,
	"httpauthorization": true, "datadogapikey": true, "splunktoken": true, "segmentwritekey": true,
	"mixpanelserviceaccountpassword": true,
}

func isSecretKey(k string) bool { return secretKeys[strings.ToLower(k)] }

func (s *Sim) createConnection(c *reqCtx) {
	var b connectionBody
	if err := readBody(c, &b); err != nil || b.Name == nil || b.Strategy == nil {
		s.badRequest(c, "Payload validation error: 'Missing required property: name or strategy'.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.findConnection(*b.Name) != nil {
		s.writeError(c, http.StatusConflict, "A connection with the same name already exists", "connection_exists")
		return
	}
	conn := &Connection{ID: s.newID(s.mutRNG(), "con_"), Name: *b.Name, Strategy: *b.Strategy,
		Realms: []string{*b.Name}, Options: map[string]any{}, EnabledClients: []string{}}
	s.applyConnectionBody(conn, &b)
	s.connections = append(s.connections, conn)
	s.logMutationResp(c.tok, c.r, http.StatusCreated, "Create a connection", bodyMap(&b), map[string]any{"id": conn.ID, "name": conn.Name})
	writeJSON(c.w, http.StatusCreated, renderConnection(conn))
}

func (s *Sim) updateConnection(c *reqCtx) {
	var b connectionBody
	if err := readBody(c, &b); err != nil {
		s.badRequest(c, "Payload validation error: 'Invalid JSON'.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	conn, _, ok := s.connectionOr404(c)
	if !ok {
		return
	}
	s.applyConnectionBody(conn, &b)
	s.logMutation(c.tok, c.r, http.StatusOK, "Update a connection", bodyMap(&b))
	writeJSON(c.w, http.StatusOK, renderConnection(conn))
}

// deleteConnection answers 202 with deleted_at as Auth0 does (Auth0 then
// removes the connection's users in the background; the simulator keeps
// them), and 204 for a connection that is already gone.
func (s *Sim) deleteConnection(c *reqCtx) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, conn := range s.connections {
		if conn.ID == c.seg[1] {
			s.connections = append(s.connections[:k:k], s.connections[k+1:]...)
			for _, o := range s.orgs {
				for j, oc := range o.EnabledConnections {
					if oc.ConnectionID == conn.ID {
						o.EnabledConnections = append(o.EnabledConnections[:j:j], o.EnabledConnections[j+1:]...)
						break
					}
				}
			}
			s.logMutation(c.tok, c.r, http.StatusAccepted, "Delete a connection", nil)
			writeJSON(c.w, http.StatusAccepted, map[string]string{"deleted_at": fmtMs(time.Now())})
			return
		}
	}
	c.w.WriteHeader(http.StatusNoContent)
}

// listConnectionClients is GET /connections/{id}/clients: {clients, next?}.
func (s *Sim) listConnectionClients(c *reqCtx) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	conn, _, ok := s.connectionOr404(c)
	if !ok {
		return
	}
	cp, ok := s.parseCheckpoint(c)
	if !ok {
		return
	}
	end := min(cp.cur.pos+cp.take, len(conn.EnabledClients))
	items := []map[string]string{}
	for k := min(cp.cur.pos, end); k < end; k++ {
		items = append(items, map[string]string{"client_id": conn.EnabledClients[k]})
	}
	env := map[string]any{"clients": items}
	if end < len(conn.EnabledClients) {
		env["next"] = encodeCursor(cursor{pos: end, page: cp.cur.page + 1})
	}
	writeJSON(c.w, http.StatusOK, env)
}

func (s *Sim) updateConnectionClients(c *reqCtx) {
	var b []struct {
		ClientID string `json:"client_id"`
		Status   bool   `json:"status"`
	}
	if err := readBody(c, &b); err != nil {
		s.badRequest(c, "Payload validation error: 'Expected type array'.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	conn, _, ok := s.connectionOr404(c)
	if !ok {
		return
	}
	for _, e := range b {
		if e.Status && !contains(conn.EnabledClients, e.ClientID) {
			conn.EnabledClients = append(conn.EnabledClients, e.ClientID)
		} else if !e.Status {
			conn.EnabledClients = removeString(conn.EnabledClients, e.ClientID)
		}
	}
	s.logMutation(c.tok, c.r, http.StatusNoContent, "Update enabled clients of a connection", nil)
	c.w.WriteHeader(http.StatusNoContent)
}

// Log streams, actions, tenant settings.

func (s *Sim) listLogStreams(c *reqCtx) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	items := []any{}
	for _, ls := range s.logStreams {
		items = append(items, renderLogStream(ls))
	}
	writeJSON(c.w, http.StatusOK, items)
}

func (s *Sim) getLogStream(c *reqCtx) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, ls := range s.logStreams {
		if ls.ID == c.seg[1] {
			writeJSON(c.w, http.StatusOK, renderLogStream(ls))
			return
		}
	}
	s.notFound(c, "The log stream does not exist", "inexistent_log_stream")
}

// listActions uses Auth0's actions envelope: {actions, total, per_page}.
func (s *Sim) listActions(c *reqCtx) {
	p, ok := s.parseOffset(c)
	if !ok {
		return
	}
	trigger, name := c.q.Get("triggerId"), c.q.Get("actionName")
	deployed := c.q.Get("deployed")
	s.mu.RLock()
	defer s.mu.RUnlock()
	var all []*Action
	for _, a := range s.actions {
		if name != "" && a.Name != name {
			continue
		}
		if deployed != "" && (deployed == "true") != a.Deployed {
			continue
		}
		if trigger != "" {
			found := false
			for _, t := range a.Triggers {
				found = found || t.ID == trigger
			}
			if !found {
				continue
			}
		}
		all = append(all, a)
	}
	lo, hi := p.window(len(all))
	items := []any{}
	for _, a := range all[lo:hi] {
		items = append(items, renderAction(a))
	}
	writeJSON(c.w, http.StatusOK, map[string]any{"actions": items, "total": len(all), "per_page": p.perPage})
}

func (s *Sim) getAction(c *reqCtx) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, a := range s.actions {
		if a.ID == c.seg[2] {
			writeJSON(c.w, http.StatusOK, renderAction(a))
			return
		}
	}
	s.notFound(c, "The action does not exist", "inexistent_action")
}

func (s *Sim) getSettings(c *reqCtx) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	writeJSON(c.w, http.StatusOK, project(c, s.renderSettings()))
}

func (s *Sim) updateSettings(c *reqCtx) {
	var b struct {
		FriendlyName        *string          `json:"friendly_name"`
		SessionLifetime     *float64         `json:"session_lifetime"`
		IdleSessionLifetime *float64         `json:"idle_session_lifetime"`
		SandboxVersion      *string          `json:"sandbox_version"`
		Flags               *map[string]bool `json:"flags"`
	}
	if err := readBody(c, &b); err != nil {
		s.badRequest(c, "Payload validation error: 'Invalid JSON'.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := &s.settings
	if b.FriendlyName != nil {
		t.FriendlyName = *b.FriendlyName
	}
	if b.SessionLifetime != nil {
		t.SessionLifetime = *b.SessionLifetime
	}
	if b.IdleSessionLifetime != nil {
		t.IdleSessionLifetime = *b.IdleSessionLifetime
	}
	if b.SandboxVersion != nil {
		t.SandboxVersion = *b.SandboxVersion
	}
	if b.Flags != nil {
		for k, v := range *b.Flags {
			t.Flags[k] = v
		}
	}
	s.logMutation(c.tok, c.r, http.StatusOK, "Update tenant settings", bodyMap(&b))
	writeJSON(c.w, http.StatusOK, s.renderSettings())
}

// Logs: with `from`, events after that log_id oldest first (take <= 100);
// otherwise page/per_page over the newest first, Auth0 style.

func (s *Sim) listLogs(c *reqCtx) {
	if from := c.q.Get("from"); from != "" || c.q.Has("take") {
		take := 50
		if v := c.q.Get("take"); v != "" {
			n := atoiDefault(v, -1)
			if n < 1 || n > 100 {
				s.writeError(c, http.StatusBadRequest, "Query validation error: 'Number must be less than or equal to 100' on property take (The total amount of entries to retrieve when using the from parameter.).", "invalid_query_string")
				return
			}
			take = n
		}
		s.mu.RLock()
		defer s.mu.RUnlock()
		var evs []LogEvent
		if from == "" {
			// take without from: the newest events, newest first.
			for k := len(s.logs) - 1; k >= 0 && len(evs) < take; k-- {
				evs = append(evs, s.logs[k])
			}
		} else {
			evs = s.logsAfter(from, take)
		}
		items := make([]any, 0, len(evs))
		for k := range evs {
			items = append(items, renderLog(&evs[k]))
		}
		writeJSON(c.w, http.StatusOK, items)
		return
	}
	p, ok := s.parseOffset(c)
	if !ok {
		return
	}
	asc := c.q.Get("sort") == "date:1"
	q := c.q.Get("q")
	s.mu.RLock()
	defer s.mu.RUnlock()
	var match []int
	for k := range s.logs {
		if matchLogQuery(&s.logs[k], q) {
			match = append(match, k)
		}
	}
	if !asc {
		sort.Sort(sort.Reverse(sort.IntSlice(match)))
	}
	lo, hi := p.window(len(match))
	items := []any{}
	for _, k := range match[lo:hi] {
		items = append(items, project(c, renderLog(&s.logs[k])))
	}
	writeOffset(c, p, "logs", items, len(match), true)
}

func (s *Sim) getLog(c *reqCtx) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	k := sort.Search(len(s.logs), func(i int) bool { return s.logs[i].LogID >= c.seg[1] })
	if k < len(s.logs) && s.logs[k].LogID == c.seg[1] {
		writeJSON(c.w, http.StatusOK, renderLog(&s.logs[k]))
		return
	}
	s.notFound(c, "log not found", "inexistent_log")
}
