package auth0sim

import (
	"net/http"
	"net/url"
)

// route resolves /api/v2/{seg...} to its kind, required scope and handler.
func (s *Sim) route(method string, seg []string, q url.Values) (route, bool) {
	n := len(seg)
	if n == 0 {
		return route{}, false
	}
	get := method == http.MethodGet
	post, patch, del := method == http.MethodPost, method == http.MethodPatch, method == http.MethodDelete
	rd := func(kind, scope string, style pagingStyle, h func(*reqCtx)) (route, bool) {
		return route{kind: kind, scope: scope, style: style, handler: h}, true
	}
	wr := func(kind, scope string, h func(*reqCtx)) (route, bool) {
		return route{kind: kind, scope: scope, write: true, handler: h}, true
	}
	switch seg[0] {
	case "users":
		switch {
		case n == 1 && get:
			kind := KindUsers
			if q.Get("q") != "" {
				kind = KindUsersSearch
			}
			return rd(kind, "read:users", pageOffset, s.listUsers)
		case n == 1 && post:
			return wr(KindUsers, "create:users", s.createUser)
		case n == 2 && get:
			return rd(KindUsers, "read:users", pageNone, s.getUser)
		case n == 2 && patch:
			return wr(KindUsers, "update:users", s.updateUser)
		case n == 2 && del:
			return wr(KindUsers, "delete:users", s.deleteUser)
		case n == 3 && seg[2] == "roles" && get:
			return rd(KindUserRoles, "read:roles", pageOffset, s.listUserRoles)
		case n == 3 && seg[2] == "roles" && post:
			return wr(KindUserRoles, "create:role_members", s.assignUserRoles)
		case n == 3 && seg[2] == "roles" && del:
			return wr(KindUserRoles, "delete:role_members", s.removeUserRoles)
		case n == 3 && seg[2] == "permissions" && get:
			return rd(KindUserPermissions, "read:users", pageOffset, s.listUserPermissions)
		case n == 3 && seg[2] == "permissions" && post:
			return wr(KindUserPermissions, "update:users", s.assignUserPermissions)
		case n == 3 && seg[2] == "permissions" && del:
			return wr(KindUserPermissions, "update:users", s.removeUserPermissions)
		case n == 3 && seg[2] == "organizations" && get:
			return rd(KindUserOrganizations, "read:organizations", pageOffset, s.listUserOrgs)
		}
	case "users-by-email":
		if n == 1 && get {
			return rd(KindUsers, "read:users", pageNone, s.usersByEmail)
		}
	case "jobs":
		switch {
		case n == 2 && seg[1] == "users-exports" && post:
			return route{kind: KindJobs, scope: "read:users", handler: s.createExport}, true
		case n == 2 && get:
			return rd(KindJobs, "read:users", pageNone, s.getJob)
		}
	case "roles":
		switch {
		case n == 1 && get:
			return rd(KindRoles, "read:roles", pageOffset, s.listRoles)
		case n == 1 && post:
			return wr(KindRoles, "create:roles", s.createRole)
		case n == 2 && get:
			return rd(KindRoles, "read:roles", pageNone, s.getRole)
		case n == 2 && patch:
			return wr(KindRoles, "update:roles", s.updateRole)
		case n == 2 && del:
			return wr(KindRoles, "delete:roles", s.deleteRole)
		case n == 3 && seg[2] == "permissions" && get:
			return rd(KindRolePermissions, "read:roles", pageOffset, s.listRolePermissions)
		case n == 3 && seg[2] == "permissions" && post:
			return wr(KindRolePermissions, "update:roles", s.addRolePermissions)
		case n == 3 && seg[2] == "permissions" && del:
			return wr(KindRolePermissions, "update:roles", s.removeRolePermissions)
		case n == 3 && seg[2] == "users" && get:
			return rd(KindRoleUsers, "read:role_members", pageCheckpoint, s.listRoleUsers)
		case n == 3 && seg[2] == "users" && post:
			return wr(KindRoleUsers, "create:role_members", s.addRoleUsers)
		}
	case "organizations":
		switch {
		case n == 1 && get:
			return rd(KindOrganizations, "read:organizations", pageCheckpoint, s.listOrgs)
		case n == 1 && post:
			return wr(KindOrganizations, "create:organizations", s.createOrg)
		case n == 3 && seg[1] == "name" && get:
			return rd(KindOrganizations, "read:organizations", pageNone, s.getOrgByName)
		case n == 2 && get:
			return rd(KindOrganizations, "read:organizations", pageNone, s.getOrg)
		case n == 2 && patch:
			return wr(KindOrganizations, "update:organizations", s.updateOrg)
		case n == 2 && del:
			return wr(KindOrganizations, "delete:organizations", s.deleteOrg)
		case n == 3 && seg[2] == "members" && get:
			return rd(KindOrgMembers, "read:organization_members", pageCheckpoint, s.listOrgMembers)
		case n == 3 && seg[2] == "members" && post:
			return wr(KindOrgMembers, "create:organization_members", s.addOrgMembers)
		case n == 3 && seg[2] == "members" && del:
			return wr(KindOrgMembers, "delete:organization_members", s.removeOrgMembers)
		case n == 5 && seg[2] == "members" && seg[4] == "roles" && get:
			return rd(KindOrgMemberRoles, "read:organization_member_roles", pageOffset, s.listMemberRoles)
		case n == 5 && seg[2] == "members" && seg[4] == "roles" && post:
			return wr(KindOrgMemberRoles, "create:organization_member_roles", s.addMemberRoles)
		case n == 5 && seg[2] == "members" && seg[4] == "roles" && del:
			return wr(KindOrgMemberRoles, "delete:organization_member_roles", s.removeMemberRoles)
		case n == 3 && seg[2] == "enabled_connections" && get:
			return rd(KindOrgConnections, "read:organization_connections", pageOffset, s.listOrgConnections)
		case n == 3 && seg[2] == "enabled_connections" && post:
			return wr(KindOrgConnections, "create:organization_connections", s.addOrgConnection)
		case n == 4 && seg[2] == "enabled_connections" && get:
			return rd(KindOrgConnections, "read:organization_connections", pageNone, s.getOrgConnection)
		case n == 4 && seg[2] == "enabled_connections" && patch:
			return wr(KindOrgConnections, "update:organization_connections", s.updateOrgConnection)
		case n == 4 && seg[2] == "enabled_connections" && del:
			return wr(KindOrgConnections, "delete:organization_connections", s.removeOrgConnection)
		case n == 3 && seg[2] == "invitations" && get:
			return rd(KindOrgInvitations, "read:organization_invitations", pageOffset, s.listInvitations)
		case n == 3 && seg[2] == "invitations" && post:
			return wr(KindOrgInvitations, "create:organization_invitations", s.createInvitation)
		case n == 4 && seg[2] == "invitations" && get:
			return rd(KindOrgInvitations, "read:organization_invitations", pageNone, s.getInvitation)
		case n == 4 && seg[2] == "invitations" && del:
			return wr(KindOrgInvitations, "delete:organization_invitations", s.deleteInvitation)
		}
	case "clients":
		switch {
		case n == 1 && get:
			return rd(KindClients, "read:clients", pageOffset, s.listClients)
		case n == 1 && post:
			return wr(KindClients, "create:clients", s.createClient)
		case n == 2 && get:
			return rd(KindClients, "read:clients", pageNone, s.getClient)
		case n == 2 && patch:
			return wr(KindClients, "update:clients", s.updateClient)
		case n == 2 && del:
			return wr(KindClients, "delete:clients", s.deleteClient)
		case n == 3 && seg[2] == "rotate-secret" && post:
			return wr(KindClients, "update:client_keys", s.rotateClientSecret)
		}
	case "client-grants":
		switch {
		case n == 1 && get:
			return rd(KindClientGrants, "read:client_grants", pageOffset, s.listClientGrants)
		case n == 1 && post:
			return wr(KindClientGrants, "create:client_grants", s.createClientGrant)
		case n == 2 && get:
			return rd(KindClientGrants, "read:client_grants", pageNone, s.getClientGrant)
		case n == 2 && patch:
			return wr(KindClientGrants, "update:client_grants", s.updateClientGrant)
		case n == 2 && del:
			return wr(KindClientGrants, "delete:client_grants", s.deleteClientGrant)
		}
	case "grants":
		switch {
		case n == 1 && get:
			return rd(KindGrants, "read:grants", pageOffset, s.listGrants)
		case n == 1 && del:
			return wr(KindGrants, "delete:grants", s.deleteGrantsByUser)
		case n == 2 && del:
			return wr(KindGrants, "delete:grants", s.deleteGrant)
		}
	case "resource-servers":
		switch {
		case n == 1 && get:
			return rd(KindResourceServers, "read:resource_servers", pageOffset, s.listResourceServers)
		case n == 1 && post:
			return wr(KindResourceServers, "create:resource_servers", s.createResourceServer)
		case n == 2 && get:
			return rd(KindResourceServers, "read:resource_servers", pageNone, s.getResourceServer)
		case n == 2 && patch:
			return wr(KindResourceServers, "update:resource_servers", s.updateResourceServer)
		case n == 2 && del:
			return wr(KindResourceServers, "delete:resource_servers", s.deleteResourceServer)
		}
	case "custom-domains":
		switch {
		case n == 1 && get:
			return rd(KindCustomDomains, "read:custom_domains", pageCheckpoint, s.listCustomDomains)
		case n == 1 && post:
			return wr(KindCustomDomains, "create:custom_domains", s.createCustomDomain)
		case n == 2 && get:
			return rd(KindCustomDomains, "read:custom_domains", pageNone, s.getCustomDomain)
		case n == 2 && patch:
			return wr(KindCustomDomains, "update:custom_domains", s.updateCustomDomain)
		case n == 2 && del:
			return wr(KindCustomDomains, "delete:custom_domains", s.deleteCustomDomain)
		}
	case "connections":
		switch {
		case n == 1 && get:
			return rd(KindConnections, "read:connections", pageOffset, s.listConnections)
		case n == 1 && post:
			return wr(KindConnections, "create:connections", s.createConnection)
		case n == 2 && get:
			return rd(KindConnections, "read:connections", pageNone, s.getConnection)
		case n == 2 && patch:
			return wr(KindConnections, "update:connections", s.updateConnection)
		case n == 2 && del:
			return wr(KindConnections, "delete:connections", s.deleteConnection)
		case n == 3 && seg[2] == "clients" && get:
			return rd(KindConnections, "read:connections", pageCheckpoint, s.listConnectionClients)
		case n == 3 && seg[2] == "clients" && patch:
			return wr(KindConnections, "update:connections", s.updateConnectionClients)
		}
	case "log-streams":
		switch {
		case n == 1 && get:
			return rd(KindLogStreams, "read:log_streams", pageNone, s.listLogStreams)
		case n == 2 && get:
			return rd(KindLogStreams, "read:log_streams", pageNone, s.getLogStream)
		case n == 1 && post:
			return wr(KindLogStreams, "create:log_streams", s.createLogStream)
		case n == 2 && del:
			return wr(KindLogStreams, "delete:log_streams", s.deleteLogStream)
		}
	case "event-streams":
		switch {
		case n == 1 && get:
			return rd(KindLogStreams, "read:event_streams", pageNone, s.listEventStreams)
		case n == 1 && post:
			return wr(KindLogStreams, "create:event_streams", s.createEventStream)
		case n == 2 && del:
			return wr(KindLogStreams, "delete:event_streams", s.deleteEventStream)
		}
	case "actions":
		switch {
		case n == 2 && seg[1] == "actions" && get:
			return rd(KindActions, "read:actions", pageOffset, s.listActions)
		case n == 3 && seg[1] == "actions" && get:
			return rd(KindActions, "read:actions", pageNone, s.getAction)
		}
	case "logs":
		switch {
		case n == 1 && get:
			return rd(KindLogs, "read:logs", pageLogs, s.listLogs)
		case n == 2 && get:
			return rd(KindLogs, "read:logs", pageNone, s.getLog)
		}
	case "rules":
		switch {
		case n == 1 && get:
			return rd(KindLegacyRules, "read:rules", pageOffset, s.listLegacyRules)
		case n == 2 && get:
			return rd(KindLegacyRules, "read:rules", pageNone, s.getLegacyRule)
		}
	case "hooks":
		switch {
		case n == 1 && get:
			return rd(KindHooks, "read:hooks", pageOffset, s.listHooks)
		case n == 2 && get:
			return rd(KindHooks, "read:hooks", pageNone, s.getHook)
		}
	case "emails":
		if n == 2 && seg[1] == "provider" && get {
			return rd(KindEmailProvider, "read:email_provider", pageNone, s.getEmailProvider)
		}
	case "guardian":
		switch {
		case n == 2 && seg[1] == "factors" && get:
			return rd(KindGuardianFactors, "read:guardian_factors", pageNone, s.listGuardianFactors)
		case n == 4 && seg[1] == "factors" && seg[2] == "phone" && seg[3] == "selected-provider" && get:
			return rd(KindGuardianFactors, "read:guardian_factors", pageNone, s.getPhoneProvider)
		case n == 2 && seg[1] == "policies" && get:
			return rd(KindMfaPolicies, "read:mfa_policies", pageNone, s.listMfaPolicies)
		}
	case "attack-protection":
		if n == 2 && get {
			switch seg[1] {
			case "brute-force-protection":
				return rd(KindAttackProtection, "read:attack_protection", pageNone, s.getAttackProtection(func(a *AttackProtection) map[string]any { return a.BruteForce }))
			case "suspicious-ip-throttling":
				return rd(KindAttackProtection, "read:attack_protection", pageNone, s.getAttackProtection(func(a *AttackProtection) map[string]any { return a.SuspiciousIP }))
			case "breached-password-detection":
				return rd(KindAttackProtection, "read:attack_protection", pageNone, s.getAttackProtection(func(a *AttackProtection) map[string]any { return a.BreachedPassword }))
			}
		}
	case "keys":
		switch {
		case n == 2 && seg[1] == "signing" && get:
			return rd(KindSigningKeys, "read:signing_keys", pageNone, s.listSigningKeys)
		case n == 3 && seg[1] == "signing" && get:
			return rd(KindSigningKeys, "read:signing_keys", pageNone, s.getSigningKey)
		}
	case "tenants":
		switch {
		case n == 2 && seg[1] == "settings" && get:
			return rd(KindTenantSettings, "read:tenant_settings", pageNone, s.getSettings)
		case n == 2 && seg[1] == "settings" && patch:
			return wr(KindTenantSettings, "update:tenant_settings", s.updateSettings)
		}
	}
	return route{}, false
}
