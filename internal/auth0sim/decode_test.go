package auth0sim

import (
	"context"
	"sort"
	"testing"

	"github.com/auth0/go-auth0/management"
)

// TestDecodeEveryEndpoint reads every endpoint through go-auth0's own
// management client and checks the decoded values against the ground truth.
func TestDecodeEveryEndpoint(t *testing.T) {
	s, _, m := testSim(t, Config{Seed: 7, Users: 2000})
	ctx := context.Background()
	tn := s.Snapshot()

	t.Run("users", func(t *testing.T) {
		byID := map[string]User{}
		for _, u := range tn.Users {
			byID[u.UserID] = u
		}
		checkUser := func(got *management.User) {
			t.Helper()
			want, ok := byID[got.GetID()]
			if !ok {
				t.Fatalf("unknown user %s", got.GetID())
			}
			if got.GetEmail() != want.Email || got.GetName() != want.Name || got.GetEmailVerified() != want.EmailVerified ||
				got.GetBlocked() != want.Blocked || got.GetLoginsCount() != want.LoginsCount ||
				!got.GetCreatedAt().Equal(want.CreatedAt) || !got.GetUpdatedAt().Equal(want.UpdatedAt) ||
				!got.GetLastLogin().Equal(want.LastLogin) {
				t.Fatalf("user %s decoded as %+v, want %+v", want.UserID, got, want)
			}
			if mfa := got.GetMultifactor(); !equalStrings(mfa, want.Multifactor) {
				t.Fatalf("user %s multifactor %v, want %v", want.UserID, mfa, want.Multifactor)
			}
			if len(got.Identities) != 1 || got.Identities[0].GetConnection() != want.Connection ||
				got.Identities[0].GetProvider() != want.Identities[0].Provider ||
				got.Identities[0].GetUserID() != want.Identities[0].UserID ||
				got.Identities[0].GetIsSocial() != want.Identities[0].IsSocial {
				t.Fatalf("user %s identities %+v, want %+v", want.UserID, got.Identities, want.Identities)
			}
		}
		// The first 1,000 users, in created_at order, page by page.
		pos := 0
		for page := 0; page < 10; page++ {
			l := must(m.User.List(ctx, management.Page(page), management.PerPage(100), management.IncludeTotals(true)))(t)
			if l.Total != len(tn.Users) || l.Start != page*100 || l.Limit != 100 || l.Length != 100 || !l.HasNext() {
				t.Fatalf("page %d envelope: start %d limit %d length %d total %d", page, l.Start, l.Limit, l.Length, l.Total)
			}
			for _, u := range l.Users {
				if u.GetID() != tn.Users[pos].UserID {
					t.Fatalf("position %d: %s, want %s", pos, u.GetID(), tn.Users[pos].UserID)
				}
				checkUser(u)
				pos++
			}
		}
		// Single reads and lookups by e-mail, across every connection.
		seen := map[string]bool{}
		for _, want := range tn.Users {
			if seen[want.Connection] {
				continue
			}
			seen[want.Connection] = true
			checkUser(must(m.User.Read(ctx, want.UserID))(t))
			byEmail := must(m.User.ListByEmail(ctx, want.Email))(t)
			if len(byEmail) != 1 || byEmail[0].GetID() != want.UserID {
				t.Fatalf("users-by-email %s: %d results", want.Email, len(byEmail))
			}
		}
		if len(seen) != 5 {
			t.Fatalf("users span %d connections, want 5", len(seen))
		}
	})

	t.Run("user roles, permissions, organizations", func(t *testing.T) {
		admin := findRole(tn, "admin")
		direct := map[string][]UserPermission{}
		for _, p := range tn.UserPermissions {
			direct[p.UserID] = append(direct[p.UserID], p)
		}
		roles := map[string]Role{}
		for _, r := range tn.Roles {
			roles[r.ID] = r
		}
		adminIDs := setOf(admin.UserIDs)
		checked := 0
		for _, u := range tn.Users {
			// Every admin and every holder of a direct permission, plus the
			// first few users with any role or membership.
			special := adminIDs[u.UserID] || len(direct[u.UserID]) > 0
			if !special && (checked > 40 || len(u.RoleIDs) == 0 && len(u.OrgIDs) == 0) {
				continue
			}
			rl := must(m.User.Roles(ctx, u.UserID, management.PerPage(100)))(t)
			var got []string
			for _, r := range rl.Roles {
				got = append(got, r.GetID())
			}
			if !sameSet(got, u.RoleIDs) || rl.Total != len(u.RoleIDs) {
				t.Fatalf("user %s roles %v, want %v", u.UserID, got, u.RoleIDs)
			}
			ol := must(m.User.Organizations(ctx, u.UserID))(t)
			got = nil
			for _, o := range ol.Organizations {
				got = append(got, o.GetID())
			}
			if !sameSet(got, u.OrgIDs) {
				t.Fatalf("user %s orgs %v, want %v", u.UserID, got, u.OrgIDs)
			}
			// Permissions: direct ones plus those of the user's roles.
			want := map[string]bool{}
			for _, p := range direct[u.UserID] {
				want[p.ResourceServerIdentifier+" "+p.PermissionName] = true
			}
			for _, id := range u.RoleIDs {
				for _, p := range roles[id].Permissions {
					want[p.ResourceServerIdentifier+" "+p.PermissionName] = true
				}
			}
			pl := must(m.User.Permissions(ctx, u.UserID, management.PerPage(100)))(t)
			if pl.Total != len(want) {
				t.Fatalf("user %s: %d permissions, want %d", u.UserID, pl.Total, len(want))
			}
			for _, p := range pl.Permissions {
				if !want[p.GetResourceServerIdentifier()+" "+p.GetName()] {
					t.Fatalf("user %s: unexpected permission %s", u.UserID, p.GetName())
				}
			}
			checked++
		}
		if len(admin.UserIDs) == 0 {
			t.Fatal("no admin users")
		}
	})

	t.Run("roles, role permissions, role users", func(t *testing.T) {
		var got []*management.Role
		for page := 0; ; page++ {
			l := must(m.Role.List(ctx, management.Page(page), management.PerPage(3)))(t)
			got = append(got, l.Roles...)
			if !l.HasNext() {
				break
			}
		}
		if len(got) != len(tn.Roles) {
			t.Fatalf("%d roles, want %d", len(got), len(tn.Roles))
		}
		for k, r := range got {
			want := tn.Roles[k]
			if r.GetID() != want.ID || r.GetName() != want.Name || r.GetDescription() != want.Description {
				t.Fatalf("role %d = %+v, want %+v", k, r, want)
			}
			pl := must(m.Role.Permissions(ctx, want.ID, management.PerPage(100)))(t)
			if pl.Total != len(want.Permissions) {
				t.Fatalf("role %s: %d permissions, want %d", want.Name, pl.Total, len(want.Permissions))
			}
			for i, p := range pl.Permissions {
				if p.GetName() != want.Permissions[i].PermissionName || p.GetResourceServerIdentifier() != want.Permissions[i].ResourceServerIdentifier {
					t.Fatalf("role %s permission %d = %s", want.Name, i, p.GetName())
				}
			}
			var users []string
			for from := ""; ; {
				ul := must(m.Role.Users(ctx, want.ID, management.From(from), management.Take(50)))(t)
				for _, u := range ul.Users {
					users = append(users, u.GetID())
				}
				if !ul.HasNext() {
					break
				}
				from = ul.Next
			}
			if !equalStrings(users, want.UserIDs) {
				t.Fatalf("role %s users: %d, want %d", want.Name, len(users), len(want.UserIDs))
			}
		}
	})

	t.Run("organizations", func(t *testing.T) {
		var got []*management.Organization
		for from := ""; ; {
			l := must(m.Organization.List(ctx, management.From(from), management.Take(7)))(t)
			got = append(got, l.Organizations...)
			if !l.HasNext() {
				break
			}
			from = l.Next
		}
		if len(got) != len(tn.Organizations) {
			t.Fatalf("%d organizations, want %d", len(got), len(tn.Organizations))
		}
		roleName := map[string]string{}
		for _, r := range tn.Roles {
			roleName[r.ID] = r.Name
		}
		for k, o := range got {
			want := tn.Organizations[k]
			if o.GetID() != want.ID || o.GetName() != want.Name || o.GetDisplayName() != want.DisplayName ||
				o.GetBranding().GetLogoURL() != want.LogoURL {
				t.Fatalf("organization %d = %+v", k, o)
			}
			var members []management.OrganizationMember
			for from := ""; ; {
				ml := must(m.Organization.Members(ctx, want.ID, management.From(from), management.Take(100),
					management.Parameter("fields", "user_id,email,name,roles")))(t)
				members = append(members, ml.Members...)
				if !ml.HasNext() || len(ml.Members) == 0 {
					break
				}
				from = ml.Next
			}
			if len(members) != len(want.Members) {
				t.Fatalf("org %s: %d members, want %d", want.Name, len(members), len(want.Members))
			}
			for i, mem := range members {
				var ids []string
				for _, r := range mem.Roles {
					ids = append(ids, r.GetID())
					if r.GetName() != roleName[r.GetID()] {
						t.Fatalf("inline role name %s", r.GetName())
					}
				}
				if mem.GetUserID() != want.Members[i].UserID || !equalStrings(ids, want.Members[i].Roles) {
					t.Fatalf("org %s member %d = %s %v, want %+v", want.Name, i, mem.GetUserID(), ids, want.Members[i])
				}
				if len(want.Members[i].Roles) > 0 {
					mr := must(m.Organization.MemberRoles(ctx, want.ID, mem.GetUserID()))(t)
					var rids []string
					for _, r := range mr.Roles {
						rids = append(rids, r.GetID())
					}
					if !equalStrings(rids, want.Members[i].Roles) || mr.Total != len(rids) {
						t.Fatalf("member roles %v, want %v", rids, want.Members[i].Roles)
					}
				}
			}
			cl := must(m.Organization.Connections(ctx, want.ID))(t)
			if cl.Total != len(want.EnabledConnections) || cl.Limit != len(cl.OrganizationConnections) {
				t.Fatalf("org %s connections: total %d limit %d", want.Name, cl.Total, cl.Limit)
			}
			for i, oc := range cl.OrganizationConnections {
				w := want.EnabledConnections[i]
				if oc.GetConnectionID() != w.ConnectionID || oc.GetAssignMembershipOnLogin() != w.AssignMembershipOnLogin ||
					oc.GetShowAsButton() != w.ShowAsButton || oc.GetConnection().GetName() == "" {
					t.Fatalf("org connection %+v, want %+v", oc, w)
				}
			}
			il := must(m.Organization.Invitations(ctx, want.ID, management.PerPage(100)))(t)
			if len(il.OrganizationInvitations) != len(want.Invitations) || il.Total != 0 {
				t.Fatalf("org %s: %d invitations (total %d), want %d", want.Name, len(il.OrganizationInvitations), il.Total, len(want.Invitations))
			}
			for i, inv := range il.OrganizationInvitations {
				w := want.Invitations[i]
				if inv.GetID() != w.ID || inv.GetInvitee().GetEmail() != w.InviteeEmail || inv.GetClientID() != w.ClientID ||
					!equalStrings(inv.Roles, w.Roles) {
					t.Fatalf("invitation %+v, want %+v", inv, w)
				}
			}
		}
	})

	t.Run("clients", func(t *testing.T) {
		var got []*management.Client
		for page := 0; ; page++ {
			l := must(m.Client.List(ctx, management.Page(page), management.PerPage(5)))(t)
			got = append(got, l.Clients...)
			if !l.HasNext() {
				break
			}
		}
		if len(got) != len(tn.Clients) {
			t.Fatalf("%d clients, want %d", len(got), len(tn.Clients))
		}
		for k, c := range got {
			w := tn.Clients[k]
			if c.GetClientID() != w.ClientID || c.GetName() != w.Name || c.GetAppType() != w.AppType ||
				c.GetClientSecret() != w.ClientSecret || c.GetIsFirstParty() != w.IsFirstParty ||
				c.GetCrossOriginAuth() != w.CrossOriginAuth || c.GetJWTConfiguration().GetAlgorithm() != w.JWTConfiguration.Alg ||
				c.GetTokenEndpointAuthMethod() != w.TokenEndpointAuthMethod {
				t.Fatalf("client %d decoded as %s/%s, want %+v", k, c.GetName(), c.GetAppType(), w.Name)
			}
			if !equalStrings(c.GetCallbacks(), w.Callbacks) || !equalStrings(c.GetWebOrigins(), w.WebOrigins) ||
				!equalStrings(c.GetAllowedOrigins(), w.AllowedOrigins) || !equalStrings(c.GetAllowedLogoutURLs(), w.AllowedLogoutURLs) ||
				!equalStrings(c.GetGrantTypes(), w.GrantTypes) || (c.GrantTypes == nil) != (w.GrantTypes == nil) {
				t.Fatalf("client %s URL lists or grant types differ", w.Name)
			}
			if (c.RefreshToken == nil) != (w.RefreshToken == nil) ||
				(w.RefreshToken != nil && c.RefreshToken.GetRotationType() != w.RefreshToken.RotationType) {
				t.Fatalf("client %s refresh token differs", w.Name)
			}
			if len(c.SigningKeys) != len(w.SigningKeys) || (len(w.SigningKeys) > 0 && c.SigningKeys[0]["cert"] != w.SigningKeys[0].Cert) {
				t.Fatalf("client %s signing keys differ", w.Name)
			}
			if (c.OIDCLogout == nil) != (w.OIDCLogout == nil) {
				t.Fatalf("client %s oidc_logout presence differs", w.Name)
			}
		}
		one := must(m.Client.Read(ctx, tn.Clients[clPartner].ClientID))(t)
		if one.GetEncryptionKey()["pub"] != tn.Clients[clPartner].EncryptionKey.Pub {
			t.Fatal("encryption key not decoded")
		}
	})

	t.Run("client grants and user grants", func(t *testing.T) {
		l := must(m.ClientGrant.List(ctx, management.PerPage(100)))(t)
		if l.Total != len(tn.ClientGrants) {
			t.Fatalf("%d client grants, want %d", l.Total, len(tn.ClientGrants))
		}
		for k, g := range l.ClientGrants {
			w := tn.ClientGrants[k]
			if g.GetID() != w.ID || g.GetClientID() != w.ClientID || g.GetAudience() != w.Audience ||
				!equalStrings(g.GetScope(), w.Scope) || g.GetSubjectType() != w.SubjectType ||
				(g.IsSystem != nil) != w.IsSystem {
				t.Fatalf("client grant %d = %+v, want %+v", k, g, w)
			}
		}
		var grants []*management.Grant
		for page := 0; ; page++ {
			gl := must(m.Grant.List(ctx, management.Page(page), management.PerPage(100)))(t)
			grants = append(grants, gl.Grants...)
			if !gl.HasNext() {
				break
			}
		}
		if len(grants) != len(tn.Grants) {
			t.Fatalf("%d grants, want %d", len(grants), len(tn.Grants))
		}
		for k, g := range grants {
			w := tn.Grants[k]
			if g.GetID() != w.ID || g.GetClientID() != w.ClientID || g.GetUserID() != w.UserID || g.GetAudience() != w.Audience ||
				len(g.Scope) != len(w.Scope) {
				t.Fatalf("grant %d = %+v, want %+v", k, g, w)
			}
		}
	})

	t.Run("resource servers", func(t *testing.T) {
		l := must(m.ResourceServer.List(ctx, management.PerPage(100)))(t)
		if len(l.ResourceServers) != len(tn.ResourceServers) {
			t.Fatalf("%d resource servers, want %d", len(l.ResourceServers), len(tn.ResourceServers))
		}
		for k, rs := range l.ResourceServers {
			w := tn.ResourceServers[k]
			if rs.GetID() != w.ID || rs.GetIdentifier() != w.Identifier || rs.GetSigningAlgorithm() != w.SigningAlg ||
				rs.GetSigningSecret() != w.SigningSecret || len(rs.GetScopes()) != len(w.Scopes) ||
				rs.GetIsSystem() != w.IsSystem || rs.GetEnforcePolicies() != w.EnforcePolicies ||
				rs.GetTokenLifetime() != w.TokenLifetime ||
				rs.GetSubjectTypeAuthorization().GetClient().GetPolicy() != w.ClientPolicy {
				t.Fatalf("resource server %d = %s, want %+v", k, rs.GetIdentifier(), w.Identifier)
			}
		}
		if len(tn.ResourceServers[0].Scopes) < 60 {
			t.Fatalf("Management API lists %d scopes", len(tn.ResourceServers[0].Scopes))
		}
	})

	t.Run("custom domains", func(t *testing.T) {
		l := must(m.CustomDomain.List(ctx))(t)
		pl := must(m.CustomDomain.ListWithPagination(ctx, management.Take(1)))(t)
		if len(l) != len(tn.CustomDomains) || len(pl.CustomDomains) != 1 || !pl.HasNext() {
			t.Fatalf("custom domains: %d, paged %d", len(l), len(pl.CustomDomains))
		}
		for k, cd := range l {
			w := tn.CustomDomains[k]
			if cd.GetID() != w.ID || cd.GetDomain() != w.Domain || cd.GetStatus() != w.Status ||
				cd.GetPrimary() != w.Primary || cd.GetType() != w.Type {
				t.Fatalf("custom domain %+v, want %+v", cd, w)
			}
		}
	})

	t.Run("tenant settings", func(t *testing.T) {
		ts := must(m.Tenant.Read(ctx))(t)
		w := tn.Settings
		if ts.GetFriendlyName() != w.FriendlyName || ts.GetSandboxVersion() != w.SandboxVersion ||
			ts.GetSessionLifetime() != w.SessionLifetime ||
			ts.GetFlags().GetAllowLegacyROGrantTypes() != w.Flags["allow_legacy_ro_grant_types"] ||
			ts.GetFlags().GetAllowLegacyTokenInfoEndpoint() != w.Flags["allow_legacy_tokeninfo_endpoint"] ||
			!ts.GetFlags().GetAllowLegacyROGrantTypes() {
			t.Fatalf("tenant settings %+v", ts)
		}
	})

	t.Run("connections", func(t *testing.T) {
		l := must(m.Connection.List(ctx, management.PerPage(100)))(t)
		if len(l.Connections) != len(tn.Connections) {
			t.Fatalf("%d connections, want %d", len(l.Connections), len(tn.Connections))
		}
		for k, c := range l.Connections {
			w := tn.Connections[k]
			if c.GetID() != w.ID || c.GetName() != w.Name || c.GetStrategy() != w.Strategy ||
				c.GetIsDomainConnection() != w.IsDomainConnection || !equalStrings(c.GetEnabledClients(), w.EnabledClients) {
				t.Fatalf("connection %d = %s, want %s", k, c.GetName(), w.Name)
			}
			// Options decode into go-auth0's typed struct for each strategy.
			switch o := c.Options.(type) {
			case *management.ConnectionOptionsGoogleOAuth2:
				if o.GetClientSecret() != w.Options["client_secret"] {
					t.Fatal("google client_secret not decoded")
				}
			case *management.ConnectionOptionsAzureAD:
				if o.GetClientSecret() != w.Options["client_secret"] {
					t.Fatal("azure client_secret not decoded")
				}
			case *management.ConnectionOptionsSMS:
				if o.GetTwilioToken() != w.Options["twilio_token"] {
					t.Fatal("twilio_token not decoded")
				}
			case *management.ConnectionOptionsSAML:
				if o.GetSignInEndpoint() == "" {
					t.Fatal("saml options not decoded")
				}
			case *management.ConnectionOptions:
				if o.GetPasswordPolicy() != "fair" {
					t.Fatal("database options not decoded")
				}
			case *management.ConnectionOptionsGitHub:
				if o.GetClientID() != "" {
					t.Fatal("github connection: want Auth0's developer keys (no client id)")
				}
			case *management.ConnectionOptionsEmail:
				if o.GetOTP().GetLength() != 6 {
					t.Fatal("email options not decoded")
				}
			default:
				t.Fatalf("connection %s: options decoded as %T", w.Name, c.Options)
			}
		}
		sl := must(m.Connection.List(ctx, management.Parameter("strategy", "samlp")))(t)
		if len(sl.Connections) != 1 || sl.Connections[0].GetStrategy() != "samlp" {
			t.Fatalf("strategy filter: %d connections", len(sl.Connections))
		}
		ec := must(m.Connection.ReadEnabledClients(ctx, tn.Connections[0].ID, management.Take(100)))(t)
		if ec.Clients == nil || len(*ec.Clients) != len(tn.Connections[0].EnabledClients) {
			t.Fatal("connection clients")
		}
	})

	t.Run("log streams and actions", func(t *testing.T) {
		ls := must(m.LogStream.List(ctx))(t)
		if len(ls) != len(tn.LogStreams) {
			t.Fatalf("%d log streams", len(ls))
		}
		for k, l := range ls {
			w := tn.LogStreams[k]
			if l.GetID() != w.ID || l.GetType() != w.Type || l.GetStatus() != w.Status {
				t.Fatalf("log stream %+v", l)
			}
			switch sink := l.Sink.(type) {
			case *management.LogStreamSinkHTTP:
				if sink.GetAuthorization() != w.Sink["httpAuthorization"] {
					t.Fatal("http sink")
				}
			case *management.LogStreamSinkDatadog:
				if sink.GetAPIKey() != w.Sink["datadogApiKey"] {
					t.Fatal("datadog sink")
				}
			case *management.LogStreamSinkSplunk:
				if sink.GetToken() != w.Sink["splunkToken"] {
					t.Fatal("splunk sink")
				}
			default:
				t.Fatalf("sink decoded as %T", l.Sink)
			}
		}
		al := must(m.Action.List(ctx, management.PerPage(50)))(t)
		if al.Total != len(tn.Actions) || len(al.Actions) != len(tn.Actions) {
			t.Fatalf("%d actions (total %d)", len(al.Actions), al.Total)
		}
		for k, a := range al.Actions {
			w := tn.Actions[k]
			if a.GetID() != w.ID || a.GetName() != w.Name || a.GetRuntime() != w.Runtime ||
				a.SupportedTriggers[0].GetID() != w.Triggers[0].ID || !a.GetCreatedAt().Equal(w.CreatedAt) ||
				(a.DeployedVersion != nil) != w.Deployed {
				t.Fatalf("action %+v", a)
			}
		}
	})

	t.Run("logs", func(t *testing.T) {
		first := tn.Logs[0].LogID
		var ids []string
		for from := first; ; {
			l := must(m.Log.List(ctx, management.Parameter("from", from), management.Parameter("take", "100")))(t)
			if len(l) == 0 {
				break
			}
			for _, e := range l {
				ids = append(ids, e.GetLogID())
			}
			from = l[len(l)-1].GetLogID()
		}
		if len(ids) != len(tn.Logs)-1 || !sort.StringsAreSorted(ids) {
			t.Fatalf("logs after the first: %d, want %d", len(ids), len(tn.Logs)-1)
		}
		one := must(m.Log.Read(ctx, ids[3]))(t)
		if one.GetLogID() != ids[3] || one.GetDate().IsZero() {
			t.Fatal("log read")
		}
		newest := must(m.Log.List(ctx, management.PerPage(5)))(t)
		if newest[0].GetLogID() != tn.Logs[len(tn.Logs)-1].LogID {
			t.Fatal("logs without from should start with the newest")
		}
	})
}

// must adapts a (value, error) pair for one-line fatal checks:
// must(f())(t).
func must[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}
