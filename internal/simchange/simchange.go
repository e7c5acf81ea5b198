// Package simchange makes random changes of every kind to a simulated
// tenant through its Management API (users, roles, permissions, role and
// organization memberships, organizations, clients, client grants,
// connections, APIs, tenant settings, user grants) and users' own events
// (logins, MFA enrolment, password changes…), seeded, for the tests and
// benchmarks that compare a graph kept up to date with a full collection.
// Every kind is applied once before any is picked at random, so a series
// as long as Kinds() (plus the picks that found nothing to change) covers
// them all.
package simchange

import (
	"context"
	"fmt"
	"math/rand"

	"github.com/auth0/go-auth0"
	"github.com/auth0/go-auth0/management"

	"github.com/authgraph/authgraph/internal/auth0sim"
)

// Changer makes random changes through the Management API.
type Changer struct {
	m     *management.Management
	sim   *auth0sim.Sim
	rnd   *rand.Rand
	snap  *auth0sim.Tenant
	noop  bool
	tries map[string]int // picks of each kind while covering
	// Done counts the changes applied, by kind (a pick that found nothing
	// to change, or that the API refused, is not one); N is their total.
	Done map[string]int
	N    int
	// Offset is added to N in the names of what changes create (so two
	// changers on one tenant do not collide).
	Offset int
	// Only, when set, restricts the changes to these kinds (names from
	// Kinds).
	Only []string
	// UserEvents are the event types "user/event" picks from (default
	// auth0sim.UserEventTypes; see UserEventsIn).
	UserEvents []string
}

// UserEventsIn returns the user event types whose log events a log stream
// filtering by categories delivers (a stream set up as authgraph says
// leaves logins out: they only change login statistics, which the poll
// brings).
func UserEventsIn(categories []string) []string {
	var out []string
	for _, t := range auth0sim.UserEventTypes {
		for _, c := range categories {
			if auth0sim.LogCategory(t) == c {
				out = append(out, t)
			}
		}
	}
	return out
}

// coverTries is how often a kind is picked while covering before the
// Changer gives up on applying it first (a kind may find nothing to change).
const coverTries = 5

// New returns a Changer of sim through m, seeded.
func New(m *management.Management, sim *auth0sim.Sim, seed int64) *Changer {
	return &Changer{m: m, sim: sim, rnd: rand.New(rand.NewSource(seed)), snap: sim.Snapshot(),
		Done: map[string]int{}, tries: map[string]int{}}
}

// Kinds names every kind of change a Changer makes ("user/create", …).
func Kinds() []string {
	var out []string
	for _, o := range (&Changer{}).ops(context.Background(), 0) {
		out = append(out, o.name)
	}
	return out
}

// Missing returns the kinds (of Only, or of Kinds) not applied yet.
func (mu *Changer) Missing() []string {
	var out []string
	for _, o := range mu.candidates(mu.ops(context.Background(), 0)) {
		if mu.Done[o.name] == 0 {
			out = append(out, o.name)
		}
	}
	return out
}

type op struct {
	name string
	do   func() error
}

func (mu *Changer) candidates(ops []op) []op {
	if len(mu.Only) == 0 {
		return ops
	}
	var out []op
	for _, o := range ops {
		for _, n := range mu.Only {
			if o.name == n {
				out = append(out, o)
			}
		}
	}
	return out
}

// choose picks the next kind: one not applied yet while there is one (each
// picked at most coverTries times that way), then any at random.
func (mu *Changer) choose(ops []op) op {
	ops = mu.candidates(ops)
	var todo []op
	for _, o := range ops {
		if mu.Done[o.name] == 0 && mu.tries[o.name] < coverTries {
			todo = append(todo, o)
		}
	}
	if len(todo) > 0 {
		o := todo[mu.pick(len(todo))]
		mu.tries[o.name]++
		return o
	}
	return ops[mu.pick(len(ops))]
}

// none marks a pick that found nothing to change.
func (mu *Changer) none() error { mu.noop = true; return nil }

func (mu *Changer) pick(n int) int { return mu.rnd.Intn(n) }

func (mu *Changer) user() string {
	us := mu.snap.Users
	return us[mu.pick(len(us))].UserID
}

func (mu *Changer) role() string { return mu.snap.Roles[mu.pick(len(mu.snap.Roles))].ID }

func (mu *Changer) customAPI() (auth0sim.ResourceServer, bool) {
	var out []auth0sim.ResourceServer
	for _, rs := range mu.snap.ResourceServers {
		if !rs.IsSystem && len(rs.Scopes) > 0 {
			out = append(out, rs)
		}
	}
	if len(out) == 0 {
		return auth0sim.ResourceServer{}, false
	}
	return out[mu.pick(len(out))], true
}

func (mu *Changer) perm() []management.Permission {
	rs, ok := mu.customAPI()
	if !ok {
		return nil
	}
	s := rs.Scopes[mu.pick(len(rs.Scopes))]
	return []management.Permission{{Name: auth0.String(s.Value), ResourceServerIdentifier: auth0.String(rs.Identifier)}}
}

// Step makes one random change and returns its name ("user/update", …),
// or the error the API gave (a target another change removed, a conflict:
// then nothing changed). Some picks find nothing to change: name "" and no
// error.
func (mu *Changer) Step(ctx context.Context) (string, error) {
	op := mu.choose(mu.ops(ctx, mu.N+mu.Offset))
	mu.noop = false
	if err := op.do(); err != nil {
		return op.name, err
	}
	if mu.noop {
		return "", nil
	}
	mu.Done[op.name]++
	mu.N++
	if mu.N%25 == 0 {
		mu.snap = mu.sim.Snapshot()
	}
	return op.name, nil
}

// ops are the kinds of change; k numbers what a change creates.
func (mu *Changer) ops(ctx context.Context, k int) []op {
	m := mu.m
	return []op{
		{"user/create", func() error {
			return m.User.Create(ctx, &management.User{Connection: auth0.String("Username-Password-Authentication"),
				Email: auth0.String(fmt.Sprintf("chg.%d@example.org", k)), Password: auth0.String("Correct-Horse-9")})
		}},
		{"user/update", func() error {
			return m.User.Update(ctx, mu.user(), &management.User{Name: auth0.String(fmt.Sprintf("Renamed %d", k)), Blocked: auth0.Bool(k%2 == 0)})
		}},
		{"user/delete", func() error { return m.User.Delete(ctx, mu.user()) }},
		{"user/roles+", func() error {
			return m.User.AssignRoles(ctx, mu.user(), []*management.Role{{ID: auth0.String(mu.role())}})
		}},
		{"user/roles-", func() error {
			for _, r := range mu.snap.Roles {
				if len(r.UserIDs) > 0 && mu.pick(3) == 0 {
					return m.User.RemoveRoles(ctx, r.UserIDs[mu.pick(len(r.UserIDs))], []*management.Role{{ID: auth0.String(r.ID)}})
				}
			}
			return mu.none()
		}},
		{"user/permissions+", func() error {
			p := mu.perm()
			if p == nil {
				return mu.none()
			}
			return m.User.AssignPermissions(ctx, mu.user(), []*management.Permission{&p[0]})
		}},
		{"user/permissions-", func() error {
			ups := mu.snap.UserPermissions
			if len(ups) == 0 {
				return mu.none()
			}
			up := ups[mu.pick(len(ups))]
			return m.User.RemovePermissions(ctx, up.UserID, []*management.Permission{{Name: auth0.String(up.PermissionName), ResourceServerIdentifier: auth0.String(up.ResourceServerIdentifier)}})
		}},
		{"role/create", func() error {
			return m.Role.Create(ctx, &management.Role{Name: auth0.String(fmt.Sprintf("chg-role-%d", k)), Description: auth0.String("made by the test")})
		}},
		{"role/update", func() error {
			return m.Role.Update(ctx, mu.role(), &management.Role{Description: auth0.String(fmt.Sprintf("changed %d", k))})
		}},
		{"role/delete", func() error {
			if len(mu.snap.Roles) < 6 {
				return mu.none()
			}
			return m.Role.Delete(ctx, mu.role())
		}},
		{"role/permissions+", func() error {
			p := mu.perm()
			if p == nil {
				return mu.none()
			}
			return m.Role.AssociatePermissions(ctx, mu.role(), []*management.Permission{&p[0]})
		}},
		{"role/permissions-", func() error {
			for _, r := range mu.snap.Roles {
				if len(r.Permissions) > 0 && mu.pick(2) == 0 {
					p := r.Permissions[mu.pick(len(r.Permissions))]
					return m.Role.RemovePermissions(ctx, r.ID, []*management.Permission{{Name: auth0.String(p.PermissionName), ResourceServerIdentifier: auth0.String(p.ResourceServerIdentifier)}})
				}
			}
			return mu.none()
		}},
		{"role/users+", func() error {
			return m.Role.AssignUsers(ctx, mu.role(), []*management.User{{ID: auth0.String(mu.user())}, {ID: auth0.String(mu.user())}})
		}},
		{"org/create", func() error {
			return m.Organization.Create(ctx, &management.Organization{Name: auth0.String(fmt.Sprintf("chg-org-%d", k)), DisplayName: auth0.String("Changed")})
		}},
		{"org/update", func() error {
			o := mu.snap.Organizations[mu.pick(len(mu.snap.Organizations))]
			return m.Organization.Update(ctx, o.ID, &management.Organization{DisplayName: auth0.String(fmt.Sprintf("Org %d", k))})
		}},
		{"org/delete", func() error {
			if len(mu.snap.Organizations) < 3 {
				return mu.none()
			}
			return m.Organization.Delete(ctx, mu.snap.Organizations[mu.pick(len(mu.snap.Organizations))].ID)
		}},
		{"org/members+", func() error {
			o := mu.snap.Organizations[mu.pick(len(mu.snap.Organizations))]
			return m.Organization.AddMembers(ctx, o.ID, []string{mu.user()})
		}},
		{"org/members-", func() error {
			for _, o := range mu.snap.Organizations {
				if len(o.Members) > 0 && mu.pick(2) == 0 {
					return m.Organization.DeleteMembers(ctx, o.ID, []string{o.Members[mu.pick(len(o.Members))].UserID})
				}
			}
			return mu.none()
		}},
		{"org/member-roles", func() error {
			for _, o := range mu.snap.Organizations {
				if len(o.Members) > 0 && mu.pick(2) == 0 {
					uid := o.Members[mu.pick(len(o.Members))].UserID
					if k%2 == 0 {
						return m.Organization.AssignMemberRoles(ctx, o.ID, uid, []string{mu.role()})
					}
					return m.Organization.DeleteMemberRoles(ctx, o.ID, uid, []string{mu.role()})
				}
			}
			return mu.none()
		}},
		{"org/connections", func() error {
			o := mu.snap.Organizations[mu.pick(len(mu.snap.Organizations))]
			if len(o.EnabledConnections) > 0 && k%2 == 0 {
				return m.Organization.DeleteConnection(ctx, o.ID, o.EnabledConnections[0].ConnectionID)
			}
			c := mu.snap.Connections[mu.pick(len(mu.snap.Connections))]
			return m.Organization.AddConnection(ctx, o.ID, &management.OrganizationConnection{ConnectionID: auth0.String(c.ID), AssignMembershipOnLogin: auth0.Bool(k%3 == 0)})
		}},
		{"client/create", func() error {
			return m.Client.Create(ctx, &management.Client{Name: auth0.String(fmt.Sprintf("chg-app-%d", k)), AppType: auth0.String("non_interactive")})
		}},
		{"client/update", func() error {
			c := mu.snap.Clients[mu.pick(len(mu.snap.Clients))]
			return m.Client.Update(ctx, c.ClientID, &management.Client{Description: auth0.String(fmt.Sprintf("changed %d", k))})
		}},
		{"client/delete", func() error {
			if len(mu.snap.Clients) < 14 {
				return mu.none()
			}
			c := mu.snap.Clients[mu.pick(len(mu.snap.Clients))]
			return m.Client.Delete(ctx, c.ClientID)
		}},
		{"client-grant/create", func() error {
			rs, ok := mu.customAPI()
			if !ok {
				return mu.none()
			}
			c := mu.snap.Clients[mu.pick(len(mu.snap.Clients))]
			return m.ClientGrant.Create(ctx, &management.ClientGrant{ClientID: auth0.String(c.ClientID), Audience: auth0.String(rs.Identifier),
				Scope: &[]string{rs.Scopes[0].Value}})
		}},
		{"client-grant/update", func() error {
			if len(mu.snap.ClientGrants) == 0 {
				return mu.none()
			}
			g := mu.snap.ClientGrants[mu.pick(len(mu.snap.ClientGrants))]
			return m.ClientGrant.Update(ctx, g.ID, &management.ClientGrant{Scope: &[]string{fmt.Sprintf("read:thing%d", k%4)}})
		}},
		{"client-grant/delete", func() error {
			if len(mu.snap.ClientGrants) < 3 {
				return mu.none()
			}
			return m.ClientGrant.Delete(ctx, mu.snap.ClientGrants[mu.pick(len(mu.snap.ClientGrants))].ID)
		}},
		{"connection/update", func() error {
			c := mu.snap.Connections[mu.pick(len(mu.snap.Connections))]
			return m.Connection.Update(ctx, c.ID, &management.Connection{DisplayName: auth0.String(fmt.Sprintf("Conn %d", k))})
		}},
		{"connection/create", func() error {
			return m.Connection.Create(ctx, &management.Connection{Name: auth0.String(fmt.Sprintf("chg-db-%d", k)), Strategy: auth0.String("auth0"),
				EnabledClients: &[]string{mu.snap.Clients[0].ClientID}})
		}},
		{"resource-server/create", func() error {
			return m.ResourceServer.Create(ctx, &management.ResourceServer{Name: auth0.String(fmt.Sprintf("chg-api-%d", k)),
				Identifier: auth0.String(fmt.Sprintf("https://chg-%d.example.org", k)),
				Scopes:     &[]management.ResourceServerScope{{Value: auth0.String("read:thing0"), Description: auth0.String("read")}}})
		}},
		{"resource-server/update", func() error {
			rs, ok := mu.customAPI()
			if !ok {
				return mu.none()
			}
			scopes := []management.ResourceServerScope{}
			for i, s := range rs.Scopes {
				if i != 0 || len(rs.Scopes) == 1 {
					scopes = append(scopes, management.ResourceServerScope{Value: auth0.String(s.Value), Description: auth0.String(s.Description + "!")})
				}
			}
			scopes = append(scopes, management.ResourceServerScope{Value: auth0.String(fmt.Sprintf("write:thing%d", k)), Description: auth0.String("w")})
			return m.ResourceServer.Update(ctx, rs.ID, &management.ResourceServer{Scopes: &scopes})
		}},
		{"resource-server/delete", func() error {
			rs, ok := mu.customAPI()
			if !ok || len(mu.snap.ResourceServers) < 4 {
				return mu.none()
			}
			return m.ResourceServer.Delete(ctx, rs.ID)
		}},
		{"tenant/settings", func() error {
			return m.Tenant.Update(ctx, &management.Tenant{FriendlyName: auth0.String(fmt.Sprintf("Tenant %d", k)), SessionLifetime: auth0.Float64(float64(1 + k%48))})
		}},
		{"user/event", func() error {
			// What users do themselves: logins, MFA enrolment, password
			// and email changes… (their own log event types).
			types := mu.UserEvents
			if len(types) == 0 {
				types = auth0sim.UserEventTypes
			}
			return mu.sim.UserEvent(types[mu.pick(len(types))], mu.user())
		}},
		{"grant/delete", func() error {
			if len(mu.snap.Grants) == 0 {
				return mu.none()
			}
			return m.Grant.Delete(ctx, mu.snap.Grants[mu.pick(len(mu.snap.Grants))].ID)
		}},
	}
}
