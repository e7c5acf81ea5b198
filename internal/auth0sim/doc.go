// Package auth0sim simulates one Auth0 tenant's Management API v2 (and the
// client-credentials token endpoint) faithfully enough that go-auth0's
// management client decodes every response, so authgraph can be built,
// tested and demonstrated without reaching Auth0.
//
// # Use
//
//	sim, err := auth0sim.New(auth0sim.Config{Seed: 1, Users: 2000})
//	srv := httptest.NewServer(sim.Handler())
//	m, err := management.New(srv.URL, management.WithInsecure(),
//		management.WithClientCredentials(ctx, sim.ClientID(), sim.ClientSecret()))
//
// WithInsecure must come before WithClientCredentials (the other way round
// go-auth0 silently sends the static token "insecure"). The dev credentials
// default to DefaultClientID / DefaultClientSecret ("sim-client" /
// "sim-secret"). Snapshot (or EachUser for large tenants) is the ground truth
// a collection must reproduce; SecretValues lists every secret the API can
// emit, for checking that none reached the graph. SetFaults and SetPlan change
// behaviour at runtime; Stats counts requests, 429s and injected errors per
// endpoint kind (the Kind* constants, also used by PageFault).
//
// # Serving
//
// Handler serves POST /oauth/token, GET/POST/PATCH/DELETE /api/v2/... and the
// users-export downloads (/exports/{job}/{file}, unauthenticated like
// Auth0's pre-signed URLs). Shapes, envelopes, paging and error bodies follow
// go-auth0's recorded responses: offset lists with page/per_page/
// include_totals, the 1,000-result cap on user listing and search, checkpoint
// lists with from/take (organizations, organization members — whose last
// non-empty page still carries next —, role users, custom domains, connection
// clients), logs after a log_id, org invitations without total, org enabled
// connections whose limit is the item count, actions with {total, per_page}.
// Optional fields are absent rather than null or false.
//
// GET /users/{id}/permissions reports direct and role permissions merged,
// each with its sources (DIRECT or ROLE) as Auth0 does; go-auth0's
// Permission type drops sources, so a collector that wants direct
// permissions only must decode them itself.
//
// Rate limiting is one token bucket per tenant (Config.RPS, Config.Burst).
// Every /api/v2 response carries x-ratelimit-limit, -remaining and -reset
// (epoch seconds); when limited, 429 with Retry-After. With RPS 0 the limiter
// is off and the headers report a full bucket (remaining = limit = Burst,
// reset = now). /oauth/token and export downloads are not limited.
//
// Scopes: the dev client (Config.ClientID/ClientSecret) gets every read:
// scope unless Config.Scopes says otherwise; endpoints answer 403
// "Insufficient scope, expected any of: read:..." when a scope is missing.
// Other tenant clients that have client_credentials and a grant to the
// Management API can authenticate too, with exactly their grant's scopes.
//
// # Scale
//
// Users are never stored: user i is a pure function of (Seed, i), created_at
// grows strictly with i (so a created_at window is an index range), user ids
// and e-mails encode i so lookups are O(1), and role and organization
// membership come from keyed permutations of the user indexes. Mutations go
// to small overlays. A tenant of a million users costs tens of megabytes;
// Snapshot materializes everything and is meant for small tenants (use
// EachUser to stream users).
//
// # Deliberate misconfigurations
//
// The generated tenant always contains these findings for a rule pack:
//   - "Provisioning Service", an M2M client whose grant to the Management API
//     holds create:users, update:users, delete:users and update:clients;
//   - "CI Deployer", a non-system client holding create:client_grants;
//   - role "admin" (Management API read/create/update/delete:users and
//     update:clients, billing refunds, admin:inventory) held by users of
//     whom every other one has no MFA (empty multifactor); the second admin
//     is blocked yet still holds the role; a few users also hold
//     read:users/delete:users on the Management API directly;
//   - a stale user consent grant naming a client that does not exist;
//   - "Partner Portal" with wildcard callback https://*.example.com/callback,
//     a wildcard web origin and non-rotating, non-expiring refresh tokens;
//   - "Internal Admin Dashboard" with http://localhost:3000/callback and
//     plain-http callbacks, cross-origin authentication on, HS256 ID tokens,
//     implicit and password grants;
//   - "Legacy Reporting (decommissioned)": no grant types left (it cannot get
//     tokens) but still holding client grants to the Management API
//     (read:users, read:logs) and the Inventory API;
//   - the Inventory API signs with HS256 (signing_secret), issues week-long
//     tokens and does not enforce RBAC; the Reports API lets every
//     application in (client policy allow_all);
//   - tenant flags allow_legacy_ro_grant_types and
//     allow_legacy_tokeninfo_endpoint on, sandbox_version "16", 30-day
//     sessions, public signup revealing existing users;
//   - role "legacy-editor" has no permissions (but three holders); role
//     "approver" is assigned to nobody, as is every seventh team role;
//   - the SAML connection is a domain (promoted) connection; the database
//     connection's password policy is "fair" with minimum length 8;
//   - organization number 3 (index 2) has no enabled connection and no
//     members; actions on node16 and node12, one with an API key in its code;
//     a suspended Splunk log stream beside the active ones.
package auth0sim
