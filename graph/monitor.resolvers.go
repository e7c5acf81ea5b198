package graph

// Connected tenants (internal/monitor): status, and the admin mutations
// that test, connect, change, enable and remove them. No resolver returns a
// client secret: the model has no field for one.

import (
	"context"
	"time"

	"github.com/authgraph/authgraph/graph/generated"
	"github.com/authgraph/authgraph/graph/model"
	"github.com/authgraph/authgraph/ingest"
	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/internal/monitor"
	"github.com/authgraph/authgraph/internal/redact"
	"github.com/authgraph/authgraph/internal/store"
)

// ConnectedTenant returns the ConnectedTenant resolver.
func (r *Resolver) ConnectedTenant() generated.ConnectedTenantResolver {
	return &connectedTenantResolver{r}
}

type connectedTenantResolver struct{ *Resolver }

// LastSync is the resolver for the lastSync field.
func (r *connectedTenantResolver) LastSync(ctx context.Context, obj *model.ConnectedTenant) (*model.Sync, error) {
	s, err := r.loaders(ctx).LastSync(ctx, obj.Name)
	if err != nil || s == nil {
		return nil, err
	}
	return syncFrom(*s), nil
}

// ConnectedTenants is the resolver for the connectedTenants field.
func (r *queryResolver) ConnectedTenants(ctx context.Context) ([]*model.ConnectedTenant, error) {
	if err := r.Store.EnsureMonitorSchema(ctx); err != nil {
		return nil, err
	}
	cts, err := r.Store.ConnectedTenants(ctx)
	if err != nil {
		return nil, err
	}
	return r.connectedViews(ctx, cts...)
}

// ConnectedTenant is the resolver for the connectedTenant field.
func (r *queryResolver) ConnectedTenant(ctx context.Context, name string) (*model.ConnectedTenant, error) {
	ct, err := r.Store.GetConnectedTenant(ctx, name)
	if err != nil {
		if apperr.KindOf(err) == apperr.NotFound {
			return nil, nil
		}
		return nil, err
	}
	out, err := r.connectedViews(ctx, ct)
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// TenantRemovals is the resolver for the tenantRemovals field.
func (r *queryResolver) TenantRemovals(ctx context.Context) ([]*model.TenantRemoval, error) {
	rs := r.admin().Removals()
	out := make([]*model.TenantRemoval, len(rs))
	for i, x := range rs {
		out[i] = removalView(x)
	}
	return out, nil
}

// TestTenantConnection is the resolver for the testTenantConnection field.
func (r *mutationResolver) TestTenantConnection(ctx context.Context, input model.TenantCredentialsInput) (*model.ConnectionTest, error) {
	t, err := r.admin().Test(ctx, ingest.Credentials{Domain: input.Domain, ClientID: input.ClientID, ClientSecret: input.ClientSecret, Audience: deref(input.Audience, "")})
	if err != nil {
		return nil, err
	}
	out := &model.ConnectionTest{Ok: t.OK, TokenOk: t.TokenOK, Scopes: []*model.ScopeCheck{}, MissingScopes: nonNil(t.Missing)}
	if t.Error != "" {
		e := redact.Secrets(t.Error)
		out.Error = &e
	}
	for _, sc := range t.Scopes {
		out.Scopes = append(out.Scopes, &model.ScopeCheck{Resource: sc.Resource, Scope: sc.Scope, Ok: sc.OK, Reason: optStr(sc.Reason), Costs: nonNil(sc.Costs)})
	}
	return out, nil
}

// ConnectTenant is the resolver for the connectTenant field.
func (r *mutationResolver) ConnectTenant(ctx context.Context, input model.ConnectTenantInput) (*model.ConnectedTenant, error) {
	in := monitor.ConnectInput{Name: deref(input.Name, ""), Domain: input.Domain, ClientID: input.ClientID, ClientSecret: input.ClientSecret,
		Audience: deref(input.Audience, ""), Interval: time.Duration(deref(input.IntervalSeconds, 900)) * time.Second,
		AllowMissingScopes: deref(input.AllowMissingScopes, false), Disabled: !deref(input.Enabled, true)}
	ct, err := r.admin().Connect(ctx, in)
	if err != nil {
		return nil, err
	}
	out, err := r.connectedViews(ctx, ct)
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// UpdateConnectedTenant is the resolver for the updateConnectedTenant field.
func (r *mutationResolver) UpdateConnectedTenant(ctx context.Context, name string, input model.UpdateConnectedTenantInput) (*model.ConnectedTenant, error) {
	in := monitor.UpdateInput{Domain: input.Domain, ClientID: input.ClientID, ClientSecret: input.ClientSecret, Audience: input.Audience,
		AllowMissingScopes: input.AllowMissingScopes}
	if input.IntervalSeconds != nil {
		d := time.Duration(*input.IntervalSeconds) * time.Second
		in.Interval = &d
	}
	ct, err := r.admin().Update(ctx, name, in)
	if err != nil {
		return nil, err
	}
	out, err := r.connectedViews(ctx, ct)
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// SetTenantEnabled is the resolver for the setTenantEnabled field.
func (r *mutationResolver) SetTenantEnabled(ctx context.Context, name string, enabled bool) (*model.ConnectedTenant, error) {
	ct, err := r.admin().SetEnabled(ctx, name, enabled)
	if err != nil {
		return nil, err
	}
	out, err := r.connectedViews(ctx, ct)
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// RemoveTenant is the resolver for the removeTenant field.
func (r *mutationResolver) RemoveTenant(ctx context.Context, name string) (*model.TenantRemoval, error) {
	x, err := r.admin().Remove(ctx, name)
	if err != nil {
		return nil, err
	}
	return removalView(x), nil
}

// admin is the connected tenants' service (one per handler: it holds the
// removals running in this process).
func (r *Resolver) admin() *monitor.Admin {
	r.adminOnce.Do(func() {
		if r.Admin == nil {
			r.Admin = &monitor.Admin{Store: r.Store}
		}
	})
	return r.Admin
}

// connectedViews turns connected tenants into the API's view, with their
// open findings counted in one read.
func (r *Resolver) connectedViews(ctx context.Context, cts ...store.ConnectedTenant) ([]*model.ConnectedTenant, error) {
	names := make([]string, len(cts))
	for i, ct := range cts {
		names[i] = ct.Name
	}
	open, err := r.Store.OpenFindings(ctx, names)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	out := make([]*model.ConnectedTenant, len(cts))
	for i, ct := range cts {
		v := &model.ConnectedTenant{Name: ct.Name, Domain: ct.Domain, ClientID: ct.ClientID, Audience: optStr(ct.Audience),
			Enabled: ct.Enabled, IntervalSeconds: int(ct.Interval / time.Second), AllowMissingScopes: ct.AllowMissingScopes,
			LastStatus: optStr(ct.LastStatus), Failures: ct.Failures, Baselined: ct.Baselined, FindingsOpen: open[ct.Name],
			Syncing: ct.LeaseHolder != "" && ct.LeaseUntil.After(now)}
		if ct.LastError != "" {
			e := redact.Secrets(ct.LastError)
			v.LastError = &e
		}
		if !ct.Created.IsZero() {
			t := ct.Created
			v.Created = &t
		}
		if !ct.LastSyncAt.IsZero() {
			t := ct.LastSyncAt
			v.LastSyncAt = &t
			ms := int(ct.LastDuration / time.Millisecond)
			v.LastDurationMs = &ms
		}
		if ct.Enabled {
			t := ct.NextSyncAt
			if t.IsZero() {
				t = now.UTC()
			}
			v.NextSyncAt = &t
		}
		out[i] = v
	}
	return out, nil
}

func removalView(x monitor.Removal) *model.TenantRemoval {
	out := &model.TenantRemoval{Tenant: x.Tenant, State: x.State, Deleted: x.Deleted, Current: optStr(x.Current), Started: x.Started}
	if x.Error != "" {
		e := redact.Secrets(x.Error)
		out.Error = &e
	}
	if !x.Finished.IsZero() {
		t := x.Finished
		out.Finished = &t
	}
	return out
}
