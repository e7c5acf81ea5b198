package monitor

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/auth0/go-auth0/management"

	"github.com/authgraph/authgraph/ingest"
	"github.com/authgraph/authgraph/schema"
)

// Who made a change: the tenant's Management API operations are logged as
// "sapi" events naming the caller (a client, or a dashboard user) and the
// request path. After a sync, the events since the last checkpoint are read
// (read:logs; without it changes simply carry no actor) and each changed
// asset named by a path gets the last caller that touched it.

// logReader reads a tenant's log events through go-auth0.
type logReader struct{ m *management.Management }

func newLogReader(ctx context.Context, c ingest.Credentials) (*logReader, error) {
	u, err := ingest.ParseDomain(c.Domain)
	if err != nil {
		return nil, err
	}
	opts := []management.Option{management.WithNoRetries(), management.WithUserAgent("authgraph"),
		management.WithClient(&http.Client{Timeout: 30 * time.Second})}
	if u.Scheme == "http" {
		opts = append(opts, management.WithInsecure())
	}
	if c.Audience != "" {
		opts = append(opts, management.WithClientCredentialsAndAudience(ctx, c.ClientID, c.ClientSecret, c.Audience))
	} else {
		opts = append(opts, management.WithClientCredentials(ctx, c.ClientID, c.ClientSecret))
	}
	m, err := management.New(u.String(), opts...)
	if err != nil {
		return nil, err
	}
	return &logReader{m: m}, nil
}

// newest returns the id of the newest log event ("" when there is none).
func (l *logReader) newest(ctx context.Context) (string, error) {
	evs, err := l.m.Log.List(ctx, management.Parameter("take", "1"))
	if err != nil || len(evs) == 0 {
		return "", err
	}
	return evs[0].GetLogID(), nil
}

// maxLogPages bounds one sync's log reading (100 events a page).
const maxLogPages = 50

// after returns the events after checkpoint, oldest first, and the new
// checkpoint.
func (l *logReader) after(ctx context.Context, from string) ([]*management.Log, string, error) {
	var out []*management.Log
	for page := 0; page < maxLogPages; page++ {
		evs, err := l.m.Log.List(ctx, management.Parameter("from", from), management.Parameter("take", "100"))
		if err != nil {
			return out, from, err
		}
		if len(evs) == 0 {
			break
		}
		out = append(out, evs...)
		from = evs[len(evs)-1].GetLogID()
	}
	return out, from, nil
}

// pathKinds maps a Management API collection to the kind its ids name.
var pathKinds = map[string]*schema.Kind{
	"clients": schema.Client, "users": schema.User, "roles": schema.Role, "connections": schema.Connection,
	"organizations": schema.Organization, "resource-servers": schema.ResourceServer, "client-grants": schema.ClientGrant,
	"log-streams": schema.LogStream, "custom-domains": schema.CustomDomain, "grants": schema.Grant,
}

// actorsFrom maps asset keys to who last changed them, from sapi events.
func actorsFrom(tenant string, evs []*management.Log) map[string]string {
	out := map[string]string{}
	for _, ev := range evs {
		if ev.GetType() != "sapi" {
			continue
		}
		req, _ := ev.Details["request"].(map[string]any)
		method, _ := req["method"].(string)
		path, _ := req["path"].(string)
		if req == nil || strings.EqualFold(method, "get") {
			continue
		}
		actor := actorOf(ev, req)
		for _, key := range assetsOfRequest(tenant, path, req) {
			out[key] = actor
		}
	}
	return out
}

func actorOf(ev *management.Log, req map[string]any) string {
	if auth, ok := req["auth"].(map[string]any); ok {
		if u, ok := auth["user"].(map[string]any); ok {
			for _, f := range []string{"email", "name", "user_id"} {
				if s, _ := u[f].(string); s != "" {
					return "user " + s
				}
			}
		}
	}
	if ev.GetClientName() != "" {
		return fmt.Sprintf("client %s (%s)", ev.GetClientName(), ev.GetClientID())
	}
	if ev.GetClientID() != "" {
		return "client " + ev.GetClientID()
	}
	return ""
}

// assetsOfRequest names the assets a write request touched: the one in its
// path (/api/v2/clients/{id}, /api/v2/users/{id}/roles, …), users named in
// a role's member list, and an id in the response body of a create.
func assetsOfRequest(tenant, path string, req map[string]any) []string {
	seg := strings.Split(strings.Trim(strings.TrimPrefix(path, "/api/v2"), "/"), "/")
	if len(seg) == 0 {
		return nil
	}
	if seg[0] == "actions" && len(seg) > 2 && seg[1] == "actions" {
		return keyOf(tenant, schema.Action, seg[2])
	}
	if seg[0] == "tenants" && len(seg) > 1 && seg[1] == "settings" {
		return []string{schema.Key(tenant, schema.TenantSettings, tenant)}
	}
	k, ok := pathKinds[seg[0]]
	if !ok {
		return nil
	}
	var out []string
	if len(seg) > 1 {
		out = append(out, keyOf(tenant, k, seg[1])...)
	}
	body, _ := req["body"].(map[string]any)
	if k == schema.Role && len(seg) > 2 && seg[2] == "users" {
		if users, ok := body["users"].([]any); ok {
			for _, u := range users {
				if s, ok := u.(string); ok {
					out = append(out, schema.Key(tenant, schema.User, s))
				}
			}
		}
	}
	return out
}

func keyOf(tenant string, k *schema.Kind, rawID string) []string {
	id, err := url.PathUnescape(rawID)
	if err != nil || id == "" {
		return nil
	}
	return []string{schema.Key(tenant, k, id)}
}
