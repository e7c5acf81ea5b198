package ingest

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/auth0/go-auth0/management"
	"golang.org/x/oauth2"

	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/internal/redact"
)

// API is the narrow slice of the Auth0 Management API the ingester reads.
// Lists take go-auth0 request options (paging) and return go-auth0 types.
// Get reads any other resource: a resource file fetches its own endpoint
// through it (fetch), so a new kind needs no method here.
type API interface {
	// Get reads GET /api/v2/<path> ("keys/signing"; each segment escaped)
	// with request options (paging) into out, a pointer to what the JSON
	// decodes into.
	Get(ctx context.Context, out any, path string, opts ...management.RequestOption) error
	TenantSettings(ctx context.Context) (*management.Tenant, error)
	Users(ctx context.Context, opts ...management.RequestOption) (*management.UserList, error)
	// ExportUsers runs a users export job and returns the gzip-decoded
	// NDJSON stream of users.
	ExportUsers(ctx context.Context, fields []string) (io.ReadCloser, error)
	// UserPermissions lists a user's permissions with their sources (go-auth0
	// drops sources; Auth0 merges direct and role permissions).
	UserPermissions(ctx context.Context, id string, opts ...management.RequestOption) (*UserPermissionList, error)
	Roles(ctx context.Context, opts ...management.RequestOption) (*management.RoleList, error)
	RoleUsers(ctx context.Context, id string, opts ...management.RequestOption) (*management.UserList, error)
	RolePermissions(ctx context.Context, id string, opts ...management.RequestOption) (*management.PermissionList, error)
	Organizations(ctx context.Context, opts ...management.RequestOption) (*management.OrganizationList, error)
	OrgMembers(ctx context.Context, id string, opts ...management.RequestOption) (*management.OrganizationMemberList, error)
	OrgConnections(ctx context.Context, id string, opts ...management.RequestOption) (*management.OrganizationConnectionList, error)
	Clients(ctx context.Context, opts ...management.RequestOption) (*management.ClientList, error)
	ClientGrants(ctx context.Context, opts ...management.RequestOption) (*management.ClientGrantList, error)
	Grants(ctx context.Context, opts ...management.RequestOption) (*management.GrantList, error)
	ResourceServers(ctx context.Context, opts ...management.RequestOption) (*management.ResourceServerList, error)
	CustomDomains(ctx context.Context, opts ...management.RequestOption) ([]*management.CustomDomain, error)
	Connections(ctx context.Context, opts ...management.RequestOption) (*management.ConnectionList, error)
	LogStreams(ctx context.Context, opts ...management.RequestOption) ([]*management.LogStream, error)
	Actions(ctx context.Context, opts ...management.RequestOption) (*management.ActionList, error)
}

// Auth0 implements API with go-auth0's management client.
type Auth0 struct {
	m         *management.Management
	http      *http.Client // the export download: no token, https only
	tokenHTTP *http.Client // the token request
	pacer     *pacer
	poll      time.Duration
	domain    string
	loopback  bool // the tenant is a loopback address (a simulator)
	limits    Limits
}

// Credentials say how to reach a tenant.
type Credentials struct {
	Domain       string // https://TENANT.auth0.com, or http://127.0.0.1:PORT for a simulator
	ClientID     string
	ClientSecret string
	Audience     string // optional: Management API audience when it differs from the domain
}

// ParseDomain normalises a domain flag into a base URL and says whether
// plain http is allowed (only for loopback addresses).
func ParseDomain(domain string) (*url.URL, error) {
	d := strings.TrimSpace(domain)
	if d == "" {
		return nil, apperr.New(apperr.Invalid, "missing domain: pass --domain or set AUTH0_DOMAIN")
	}
	if !strings.Contains(d, "://") {
		d = "https://" + d
	}
	u, err := url.Parse(d)
	if err != nil || u.Host == "" {
		return nil, apperr.New(apperr.Invalid, "bad domain %q: want https://TENANT.auth0.com", domain)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return nil, apperr.New(apperr.Invalid, "plain http is accepted only for loopback addresses (a simulator); use https://%s", u.Host)
		}
	default:
		return nil, apperr.New(apperr.Invalid, "bad domain %q: scheme must be https", domain)
	}
	u.Path, u.RawQuery, u.Fragment = "", "", ""
	return u, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// NewAuth0 builds a Management API client for the credentials. Nothing is
// sent until the first call. Every request is bounded by l (see Limits);
// the client's token goes only to the tenant's own scheme and host.
func NewAuth0(ctx context.Context, c Credentials, l Limits) (*Auth0, error) {
	u, err := ParseDomain(c.Domain)
	if err != nil {
		return nil, err
	}
	if c.ClientID == "" || c.ClientSecret == "" {
		return nil, apperr.New(apperr.Invalid, "missing client credentials: pass --client-id and --client-secret (or AUTH0_CLIENT_ID / AUTH0_CLIENT_SECRET)")
	}
	l = l.withDefaults()
	p := newPacer(newBaseTransport(l))
	// Each API call is bounded from its first attempt to the end of its
	// body. go-auth0 keeps only Timeout and Transport of this client (not
	// CheckRedirect), so the host guard in the transport is what keeps the
	// token from following a redirect elsewhere.
	hc := &http.Client{
		Transport: &hostGuard{base: p, scheme: u.Scheme, host: u.Host, max: l.MaxResponseBytes, what: "API token"},
		Timeout:   l.CallTimeout,
	}
	// The token request goes through the client oauth2 finds in its
	// context (else http.DefaultClient, which has no timeout): bounded, not
	// redirected, to the tenant only.
	tokenClient := &http.Client{
		Transport:     &hostGuard{base: newBaseTransport(l), scheme: u.Scheme, host: u.Host, max: 1 << 20, what: "client secret"},
		Timeout:       l.TokenTimeout,
		CheckRedirect: noRedirects,
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, tokenClient)
	base := u.String()
	opts := []management.Option{management.WithClient(hc), management.WithNoRetries(), management.WithUserAgent("authgraph")}
	// Order matters: WithInsecure must come before the credentials, or
	// go-auth0 silently sends the static token "insecure".
	if u.Scheme == "http" {
		opts = append(opts, management.WithInsecure())
	}
	if c.Audience != "" {
		opts = append(opts, management.WithClientCredentialsAndAudience(ctx, c.ClientID, c.ClientSecret, c.Audience))
	} else {
		opts = append(opts, management.WithClientCredentials(ctx, c.ClientID, c.ClientSecret))
	}
	m, err := management.New(base, opts...)
	if err != nil {
		return nil, apperr.Wrap(apperr.Invalid, err, "cannot build the Auth0 client")
	}
	a := &Auth0{m: m, tokenHTTP: tokenClient, pacer: p, poll: time.Second, domain: u.Host, loopback: isLoopback(u.Hostname()), limits: l}
	// The export file is a pre-signed URL on another host: no token goes
	// with it, every hop must be https (see downloadURLOK), and its size and
	// duration have their own, larger bounds.
	a.http = &http.Client{
		Transport: newBaseTransport(l),
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 5 {
				return errors.New("users export download: too many redirects")
			}
			return a.downloadURLOK(req.URL)
		},
	}
	return a, nil
}

// downloadURLOK accepts an export location: https, or plain http on a
// loopback address when the tenant itself is one (the simulator).
func (a *Auth0) downloadURLOK(u *url.URL) error {
	switch {
	case u.Scheme == "https" && u.Host != "":
		return nil
	case u.Scheme == "http" && a.loopback && isLoopback(u.Hostname()):
		return nil
	}
	return apperr.New(apperr.Invalid, "the users export's download location must be https, got %s://%s", u.Scheme, u.Host)
}

// Stats returns API calls made (every attempt), retries and 429s seen.
func (a *Auth0) Stats() (calls, retries, seen429 int) {
	return int(a.pacer.calls.Load()), int(a.pacer.retries.Load()), int(a.pacer.seen429.Load())
}

func (a *Auth0) Get(ctx context.Context, out any, path string, opts ...management.RequestOption) error {
	return a.m.Request(ctx, http.MethodGet, a.m.URI(strings.Split(path, "/")...), out, opts...)
}

func (a *Auth0) TenantSettings(ctx context.Context) (*management.Tenant, error) {
	return a.m.Tenant.Read(ctx)
}
func (a *Auth0) Users(ctx context.Context, opts ...management.RequestOption) (*management.UserList, error) {
	return a.m.User.List(ctx, opts...)
}
func (a *Auth0) UserPermissions(ctx context.Context, id string, opts ...management.RequestOption) (*UserPermissionList, error) {
	var l UserPermissionList
	err := a.m.Request(ctx, http.MethodGet, a.m.URI("users", id, "permissions"), &l, opts...)
	return &l, err
}

// UserPermissionList is GET /users/{id}/permissions with sources kept.
type UserPermissionList struct {
	management.List
	Permissions []UserPermission `json:"permissions"`
}

// UserPermission is one permission of a user and where it comes from.
type UserPermission struct {
	ResourceServerIdentifier string `json:"resource_server_identifier"`
	Name                     string `json:"permission_name"`
	Sources                  []struct {
		Type string `json:"source_type"`
	} `json:"sources"`
}

// Direct reports whether the permission is assigned to the user directly.
// Without sources (older responses) it counts as direct.
func (p UserPermission) Direct() bool {
	if len(p.Sources) == 0 {
		return true
	}
	for _, s := range p.Sources {
		if s.Type == "DIRECT" {
			return true
		}
	}
	return false
}
func (a *Auth0) Roles(ctx context.Context, opts ...management.RequestOption) (*management.RoleList, error) {
	return a.m.Role.List(ctx, opts...)
}
func (a *Auth0) RoleUsers(ctx context.Context, id string, opts ...management.RequestOption) (*management.UserList, error) {
	return a.m.Role.Users(ctx, id, opts...)
}
func (a *Auth0) RolePermissions(ctx context.Context, id string, opts ...management.RequestOption) (*management.PermissionList, error) {
	return a.m.Role.Permissions(ctx, id, opts...)
}
func (a *Auth0) Organizations(ctx context.Context, opts ...management.RequestOption) (*management.OrganizationList, error) {
	return a.m.Organization.List(ctx, opts...)
}
func (a *Auth0) OrgMembers(ctx context.Context, id string, opts ...management.RequestOption) (*management.OrganizationMemberList, error) {
	return a.m.Organization.Members(ctx, id, opts...)
}
func (a *Auth0) OrgConnections(ctx context.Context, id string, opts ...management.RequestOption) (*management.OrganizationConnectionList, error) {
	return a.m.Organization.Connections(ctx, id, opts...)
}
func (a *Auth0) Clients(ctx context.Context, opts ...management.RequestOption) (*management.ClientList, error) {
	return a.m.Client.List(ctx, opts...)
}
func (a *Auth0) ClientGrants(ctx context.Context, opts ...management.RequestOption) (*management.ClientGrantList, error) {
	return a.m.ClientGrant.List(ctx, opts...)
}
func (a *Auth0) Grants(ctx context.Context, opts ...management.RequestOption) (*management.GrantList, error) {
	return a.m.Grant.List(ctx, opts...)
}
func (a *Auth0) ResourceServers(ctx context.Context, opts ...management.RequestOption) (*management.ResourceServerList, error) {
	return a.m.ResourceServer.List(ctx, opts...)
}
func (a *Auth0) CustomDomains(ctx context.Context, opts ...management.RequestOption) ([]*management.CustomDomain, error) {
	return a.m.CustomDomain.List(ctx, opts...)
}
func (a *Auth0) Connections(ctx context.Context, opts ...management.RequestOption) (*management.ConnectionList, error) {
	return a.m.Connection.List(ctx, opts...)
}
func (a *Auth0) LogStreams(ctx context.Context, opts ...management.RequestOption) ([]*management.LogStream, error) {
	return a.m.LogStream.List(ctx, opts...)
}
func (a *Auth0) Actions(ctx context.Context, opts ...management.RequestOption) (*management.ActionList, error) {
	return a.m.Action.List(ctx, opts...)
}

// ExportUsers creates a users export job, polls it until completed and
// opens the download as a decompressed stream. The file is streamed, never
// held whole in memory.
func (a *Auth0) ExportUsers(ctx context.Context, fields []string) (io.ReadCloser, error) {
	fs := make([]map[string]interface{}, len(fields))
	for i, f := range fields {
		fs[i] = map[string]interface{}{"name": f}
	}
	format := "json"
	job := &management.Job{Format: &format, Fields: fs}
	if err := a.m.Job.ExportUsers(ctx, job); err != nil {
		return nil, fmt.Errorf("create users export job: %w", err)
	}
	if job.ID == nil {
		return nil, errors.New("users export job: no id in response")
	}
	deadline := time.Now().Add(a.limits.ExportJobTimeout)
	wait := a.poll / 4
	for {
		j, err := a.m.Job.Read(ctx, job.GetID())
		if err != nil {
			return nil, fmt.Errorf("poll users export job: %w", err)
		}
		switch j.GetStatus() {
		case "completed":
			if j.GetLocation() == "" {
				return nil, errors.New("users export job completed without a location")
			}
			return a.download(ctx, j.GetLocation())
		case "failed", "cancelled", "canceled":
			return nil, fmt.Errorf("users export job %s", j.GetStatus())
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("users export job %s did not complete within %s (status %q)", job.GetID(), a.limits.ExportJobTimeout, j.GetStatus())
		}
		if err := sleep(ctx, wait); err != nil {
			return nil, err
		}
		wait = min(wait*2, 5*time.Second)
	}
}

// download fetches the export file. The location is a pre-signed URL: no
// bearer token is sent with it, and it never appears in an error (its
// query string is the credential).
func (a *Auth0) download(ctx context.Context, location string) (io.ReadCloser, error) {
	u, err := url.Parse(location)
	if err != nil {
		return nil, errors.New("users export: the download location is not a URL")
	}
	if err := a.downloadURLOK(u); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, a.limits.ExportTimeout)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, location, nil)
	if err != nil {
		cancel()
		return nil, errors.New("users export: bad download location")
	}
	resp, err := a.http.Do(req)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("download users export: %w", redactURLError(err))
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		cancel()
		return nil, fmt.Errorf("download users export: HTTP %d", resp.StatusCode)
	}
	resp, err = capBody(resp, a.limits.MaxExportBytes, "the users export download")
	if err != nil {
		cancel()
		return nil, err
	}
	body := newIdleBody(resp.Body, a.limits.ExportIdleTimeout, cancel, "users export download")
	zr, err := gzip.NewReader(body)
	if err != nil {
		body.Close()
		cancel()
		return nil, fmt.Errorf("users export is not gzip: %w", redactURLError(err))
	}
	return &gzipBody{zr: zr, body: body, cancel: cancel, ctx: ctx, limits: a.limits,
		left: a.limits.MaxExportUncompressedBytes}, nil
}

// redactURLError strips the query string and userinfo from the URL of a
// *url.Error (net/http quotes the whole URL in its message).
func redactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		ue.URL = redact.URL(ue.URL)
	}
	return err
}

type gzipBody struct {
	zr     *gzip.Reader
	body   io.ReadCloser
	cancel context.CancelFunc
	ctx    context.Context
	limits Limits
	left   int64 // decompressed bytes still allowed
}

func (g *gzipBody) Read(p []byte) (int, error) {
	if g.left <= 0 {
		return 0, fmt.Errorf("%w: the users export is over %s decompressed", ErrTooLarge, sizeString(g.limits.MaxExportUncompressedBytes))
	}
	if int64(len(p)) > g.left {
		p = p[:g.left]
	}
	n, err := g.zr.Read(p)
	g.left -= int64(n)
	if err != nil && err != io.EOF {
		if errors.Is(g.ctx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("users export download took longer than %s: %w", g.limits.ExportTimeout, err)
		}
		err = redactURLError(err)
	}
	return n, err
}

func (g *gzipBody) Close() error {
	g.zr.Close()
	err := g.body.Close()
	g.cancel()
	return err
}

// apiStatus returns the HTTP status of a Management API error, or 0.
func apiStatus(err error) int {
	var me management.Error
	if errors.As(err, &me) {
		return me.Status()
	}
	return 0
}

// classify turns an Auth0 error into the skip reason or failure the sync
// reports. Plan limits and missing scopes are skips, not failures.
func classify(err error) (skip string, ok bool) {
	var me management.Error
	if !errors.As(err, &me) {
		return "", false
	}
	msg := me.Error()
	if me.Status() == http.StatusForbidden {
		if i := strings.Index(msg, "Insufficient scope"); i >= 0 {
			return "missing scope: " + strings.TrimSpace(msg[i:]), true
		}
		if strings.Contains(msg, "not allowed to perform this operation") {
			return "not available on this tenant's plan", true
		}
	}
	return "", false
}
