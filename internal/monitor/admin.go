package monitor

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/authgraph/authgraph/ingest"
	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/internal/secretbox"
	"github.com/authgraph/authgraph/internal/store"
)

// MinInterval keeps polling from hammering a tenant's rate limit.
const MinInterval = 10 * time.Second

// CheckTenantName refuses names that would not make a clean key prefix.
func CheckTenantName(name string) error {
	if name == "" || len(name) > 200 || strings.ContainsAny(name, "/ \t\r\n") {
		return apperr.New(apperr.Invalid, "bad tenant name %q: no slashes or spaces", name)
	}
	return nil
}

// Admin manages connected tenants for the API (GraphQL): it tests
// credentials, connects, changes, enables and removes tenants with the same
// checks as `authgraph tenants`. Secrets go in, sealed, and never come back.
type Admin struct {
	Store *store.Store
	// LoadBox finds the secret key (default secretbox.Load); create is true
	// where a new key file may be made (connecting a tenant).
	LoadBox func(create bool) (*secretbox.Box, error)
	// Check tests credentials (default ingest.Check).
	Check  func(ctx context.Context, c ingest.Credentials) ([]ingest.ScopeCheck, error)
	Logger *slog.Logger

	mu       sync.Mutex
	removals map[string]*Removal
}

// ConnectionTest is what testing a tenant's credentials found.
type ConnectionTest struct {
	// OK: a token was issued and every read scope is granted.
	OK bool
	// TokenOK: the tenant answered and issued a token.
	TokenOK bool
	// Error says why no token was had (redacted by the caller's layer).
	Error  string
	Scopes []ingest.ScopeCheck
	// Missing lists the read scopes the client lacks.
	Missing []string
}

// ConnectInput is a tenant to connect.
type ConnectInput struct {
	Name                                     string
	Domain, ClientID, ClientSecret, Audience string
	Interval                                 time.Duration
	AllowMissingScopes                       bool
	Disabled                                 bool
}

// UpdateInput changes a connected tenant; nil fields stay.
type UpdateInput struct {
	Domain, ClientID, ClientSecret, Audience *string
	Interval                                 *time.Duration
	AllowMissingScopes                       *bool
}

// parseDomain is ingest.ParseDomain that also refuses a host without a
// dot (Auth0 and custom domains have one; loopback addresses of a simulator
// pass), so a typo gets a clear error instead of a lookup.
func parseDomain(d string) (*url.URL, error) {
	u, err := ingest.ParseDomain(d)
	if err != nil {
		return nil, err
	}
	h := u.Hostname()
	if !strings.Contains(h, ".") && !strings.Contains(h, ":") && h != "localhost" {
		return nil, apperr.New(apperr.Invalid, "bad domain %q: want https://TENANT.REGION.auth0.com", d)
	}
	return u, nil
}

func (a *Admin) check(ctx context.Context, c ingest.Credentials) ([]ingest.ScopeCheck, error) {
	if a.Check != nil {
		return a.Check(ctx, c)
	}
	return ingest.Check(ctx, c)
}

func (a *Admin) box(create bool) (*secretbox.Box, error) {
	if a.LoadBox != nil {
		return a.LoadBox(create)
	}
	return secretbox.Load(create)
}

// Test checks credentials without storing anything: a token, then each
// read scope. Failing to get a token is a result (TokenOK false, Error),
// not an error; bad input (an unparsable domain, no client id) is.
func (a *Admin) Test(ctx context.Context, c ingest.Credentials) (*ConnectionTest, error) {
	u, err := parseDomain(c.Domain)
	if err != nil {
		return nil, err
	}
	c.Domain = u.String()
	if c.ClientID == "" || c.ClientSecret == "" {
		return nil, apperr.New(apperr.Invalid, "a client id and a client secret are needed")
	}
	checks, err := a.check(ctx, c)
	if err != nil {
		return &ConnectionTest{Error: err.Error()}, nil
	}
	t := &ConnectionTest{TokenOK: true, Scopes: checks}
	for _, sc := range checks {
		if !sc.OK && strings.HasPrefix(sc.Reason, "missing scope") {
			t.Missing = append(t.Missing, sc.Scope)
		}
	}
	t.OK = len(t.Missing) == 0
	return t, nil
}

// verify is Test that fails unless a token was had and, unless allowed,
// every read scope is granted.
func (a *Admin) verify(ctx context.Context, c ingest.Credentials, allowMissing bool) error {
	t, err := a.Test(ctx, c)
	if err != nil {
		return err
	}
	if !t.TokenOK {
		return apperr.New(apperr.Invalid, "the tenant refused the credentials or could not be reached: %s", t.Error)
	}
	if len(t.Missing) > 0 && !allowMissing {
		return apperr.New(apperr.Forbidden, "the client lacks read scopes: %s; grant them to the application in Auth0 (or allow missing scopes)", strings.Join(t.Missing, ", "))
	}
	return nil
}

// Connect checks the credentials and saves the tenant, due for its first
// sync now (the scheduler of `authgraph serve` picks it up).
func (a *Admin) Connect(ctx context.Context, in ConnectInput) (store.ConnectedTenant, error) {
	u, err := parseDomain(in.Domain)
	if err != nil {
		return store.ConnectedTenant{}, err
	}
	if in.Interval == 0 {
		in.Interval = DefaultInterval
	}
	if in.Interval < MinInterval {
		return store.ConnectedTenant{}, apperr.New(apperr.Invalid, "the interval must be at least %s", MinInterval)
	}
	if in.Name == "" {
		in.Name = u.Host
	}
	if err := CheckTenantName(in.Name); err != nil {
		return store.ConnectedTenant{}, err
	}
	creds := ingest.Credentials{Domain: u.String(), ClientID: in.ClientID, ClientSecret: in.ClientSecret, Audience: in.Audience}
	if err := a.verify(ctx, creds, in.AllowMissingScopes); err != nil {
		return store.ConnectedTenant{}, err
	}
	box, err := a.box(true)
	if err != nil {
		return store.ConnectedTenant{}, err
	}
	sealed, err := box.Seal(in.ClientSecret, TenantSecretAD(in.Name))
	if err != nil {
		return store.ConnectedTenant{}, err
	}
	if err := a.Store.EnsureMonitorSchema(ctx); err != nil {
		return store.ConnectedTenant{}, err
	}
	if err := a.Store.AddConnectedTenant(ctx, store.ConnectedTenant{Name: in.Name, Domain: u.String(), ClientID: in.ClientID,
		Audience: in.Audience, SecretSealed: sealed, Interval: in.Interval, Enabled: !in.Disabled, AllowMissingScopes: in.AllowMissingScopes}); err != nil {
		return store.ConnectedTenant{}, err
	}
	return a.Store.GetConnectedTenant(ctx, in.Name)
}

// Update changes a tenant's settings; new credentials (any of domain,
// client id, secret, audience) are checked first, with the stored secret
// when no new one is given.
func (a *Admin) Update(ctx context.Context, name string, in UpdateInput) (store.ConnectedTenant, error) {
	ct, err := a.Store.GetConnectedTenant(ctx, name)
	if err != nil {
		return ct, err
	}
	var p store.TenantPatch
	if in.Interval != nil {
		if *in.Interval < MinInterval {
			return ct, apperr.New(apperr.Invalid, "the interval must be at least %s", MinInterval)
		}
		p.Interval = in.Interval
	}
	p.AllowMissingScopes = in.AllowMissingScopes
	if in.Domain != nil || in.ClientID != nil || in.ClientSecret != nil || in.Audience != nil {
		creds := ingest.Credentials{Domain: ct.Domain, ClientID: ct.ClientID, Audience: ct.Audience}
		if in.Domain != nil {
			u, err := parseDomain(*in.Domain)
			if err != nil {
				return ct, err
			}
			creds.Domain = u.String()
			p.Domain = &creds.Domain
		}
		if in.ClientID != nil {
			if *in.ClientID == "" {
				return ct, apperr.New(apperr.Invalid, "the client id cannot be empty")
			}
			creds.ClientID = *in.ClientID
			p.ClientID = in.ClientID
		}
		if in.Audience != nil {
			creds.Audience = *in.Audience
			p.Audience = in.Audience
		}
		box, err := a.box(in.ClientSecret != nil)
		if err != nil {
			return ct, err
		}
		if in.ClientSecret != nil {
			if *in.ClientSecret == "" {
				return ct, apperr.New(apperr.Invalid, "the client secret cannot be empty")
			}
			creds.ClientSecret = *in.ClientSecret
			sealed, err := box.Seal(creds.ClientSecret, TenantSecretAD(name))
			if err != nil {
				return ct, err
			}
			p.SecretSealed = &sealed
		} else if creds.ClientSecret, err = box.Open(ct.SecretSealed, TenantSecretAD(name)); err != nil {
			return ct, err
		}
		am := ct.AllowMissingScopes
		if p.AllowMissingScopes != nil {
			am = *p.AllowMissingScopes
		}
		if err := a.verify(ctx, creds, am); err != nil {
			return ct, err
		}
	}
	if err := a.Store.UpdateConnectedTenant(ctx, name, p); err != nil {
		return ct, err
	}
	return a.Store.GetConnectedTenant(ctx, name)
}

// SetEnabled stops (the data stays) or resumes polling; enabling makes a
// sync due now.
func (a *Admin) SetEnabled(ctx context.Context, name string, enabled bool) (store.ConnectedTenant, error) {
	if err := a.Store.UpdateConnectedTenant(ctx, name, store.TenantPatch{Enabled: &enabled}); err != nil {
		return store.ConnectedTenant{}, err
	}
	return a.Store.GetConnectedTenant(ctx, name)
}

// Removal is a tenant's removal, running in the background of this
// process: deleting a large tenant's nodes in batches outlasts a request.
type Removal struct {
	Tenant string
	// State is running, done or failed.
	State    string
	Deleted  int
	Current  string // the label being deleted
	Error    string
	Started  time.Time
	Finished time.Time
}

// Remove starts deleting a tenant's assets, findings, history and
// connection in batches and returns at once with the removal's state
// (Removals shows its progress). A connected tenant is disabled and its
// lease taken first, so no sync writes while it is deleted; a running sync
// makes this a Conflict. A tenant synced one-off (never connected) is
// removed too.
func (a *Admin) Remove(ctx context.Context, name string) (Removal, error) {
	a.mu.Lock()
	if r := a.removals[name]; r != nil && r.State == "running" {
		cp := *r
		a.mu.Unlock()
		return cp, nil
	}
	a.mu.Unlock()
	_, err := a.Store.GetConnectedTenant(ctx, name)
	connected := err == nil
	if err != nil && apperr.KindOf(err) != apperr.NotFound {
		return Removal{}, err
	}
	if !connected {
		ts, err := a.Store.Tenants(ctx)
		if err != nil {
			return Removal{}, err
		}
		found := false
		for _, t := range ts {
			found = found || t.Props["tenant"] == name
		}
		if !found {
			return Removal{}, apperr.New(apperr.NotFound, "no tenant %q in the graph", name)
		}
	} else {
		off := false
		if err := a.Store.UpdateConnectedTenant(ctx, name, store.TenantPatch{Enabled: &off}); err != nil {
			return Removal{}, err
		}
		ok, err := a.Store.AcquireLease(ctx, name, "remove-"+NewHolderID(), time.Hour, false)
		if err != nil {
			return Removal{}, err
		}
		if !ok {
			return Removal{}, apperr.New(apperr.Conflict, "tenant %s is being synced now (it is disabled); remove it again when that sync ends", name)
		}
	}
	r := &Removal{Tenant: name, State: "running", Started: time.Now().UTC()}
	a.mu.Lock()
	if a.removals == nil {
		a.removals = map[string]*Removal{}
	}
	a.removals[name] = r
	cp := *r
	a.mu.Unlock()
	go a.remove(context.WithoutCancel(ctx), r)
	return cp, nil
}

func (a *Admin) remove(ctx context.Context, r *Removal) {
	base := 0
	last := ""
	n, err := a.Store.RemoveTenant(ctx, r.Tenant, func(label string, deleted int) {
		a.mu.Lock()
		defer a.mu.Unlock()
		if label != last {
			base, last = r.Deleted, label
		}
		r.Current, r.Deleted = label, base+deleted
	})
	a.mu.Lock()
	defer a.mu.Unlock()
	r.Finished, r.Current = time.Now().UTC(), ""
	if err != nil {
		r.State, r.Error = "failed", err.Error()
		if a.Logger != nil {
			a.Logger.Warn("tenant removal failed", "tenant", r.Tenant, "err", err)
		}
		return
	}
	r.State, r.Deleted = "done", n
}

// Removals lists the removals this process ran or runs, newest first.
func (a *Admin) Removals() []Removal {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]Removal, 0, len(a.removals))
	for _, r := range a.removals {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Started.After(out[j].Started) })
	return out
}

// Removal returns the state of a tenant's removal in this process.
func (a *Admin) Removal(name string) (Removal, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if r := a.removals[name]; r != nil {
		return *r, nil
	}
	return Removal{}, apperr.New(apperr.NotFound, "no removal of tenant %q in this process", name)
}

// String is for logs.
func (r Removal) String() string {
	return fmt.Sprintf("removal of %s: %s, %d deleted", r.Tenant, r.State, r.Deleted)
}
