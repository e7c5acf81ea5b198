package model

import "context"

// Page is what every connection shares: its page info and a lazily
// computed total, so a page that does not ask for totalCount does not pay
// for counting.
type Page struct {
	PageInfo *PageInfo
	Count    func(ctx context.Context) (int, error)
}

// TotalCount counts the whole list (every page) when asked.
func (p Page) TotalCount(ctx context.Context) (int, error) {
	if p.Count == nil {
		return 0, nil
	}
	return p.Count(ctx)
}

type UserConnection struct {
	Page
	Edges []*UserEdge
	Nodes []*User
}

type RoleConnection struct {
	Page
	Edges []*RoleEdge
	Nodes []*Role
}

type PermissionConnection struct {
	Page
	Edges []*PermissionEdge
	Nodes []*Permission
}

type OrganizationConnection struct {
	Page
	Edges []*OrganizationEdge
	Nodes []*Organization
}

type OrgMembershipConnection struct {
	Page
	Edges []*OrgMembershipEdge
	Nodes []*OrgMembership
}

type ClientConnection struct {
	Page
	Edges []*ClientEdge
	Nodes []*Client
}

type ClientGrantConnection struct {
	Page
	Edges []*ClientGrantEdge
	Nodes []*ClientGrant
}

type GrantConnection struct {
	Page
	Edges []*GrantEdge
	Nodes []*Grant
}

type ResourceServerConnection struct {
	Page
	Edges []*ResourceServerEdge
	Nodes []*ResourceServer
}

type ConnectionConnection struct {
	Page
	Edges []*ConnectionEdge
	Nodes []*Connection
}

type CustomDomainConnection struct {
	Page
	Edges []*CustomDomainEdge
	Nodes []*CustomDomain
}

type LogStreamConnection struct {
	Page
	Edges []*LogStreamEdge
	Nodes []*LogStream
}

type ActionConnection struct {
	Page
	Edges []*ActionEdge
	Nodes []*Action
}

type TenantSettingsConnection struct {
	Page
	Edges []*TenantSettingsEdge
	Nodes []*TenantSettings
}
