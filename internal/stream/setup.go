package stream

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/authgraph/authgraph/internal/access"
	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/internal/store"
)

// LogCategories are the log stream filter categories whose events change
// assets: Management API writes (sapi), user changes and deletions (sdu,
// scp, sce, sv…), signups (ss) and MFA enrolments.
var LogCategories = []string{"management.success", "user.success", "auth.signup.success", "auth.ancillary.success"}

// Instructions say what to configure in Auth0 for a tenant's streams.
type Instructions struct {
	Tenant string `json:"tenant"`
	// TokenID is the public id of the ingest token created for the stream.
	TokenID string `json:"token_id"`
	// Authorization is the header value to configure (it holds the token:
	// shown once, never stored in clear).
	Authorization string   `json:"authorization"`
	LogsURL       string   `json:"logs_url"`
	EventsURL     string   `json:"events_url"`
	ContentType   string   `json:"content_type"`
	ContentFormat string   `json:"content_format"`
	Categories    []string `json:"categories"`
	EventTypes    []string `json:"event_types"`
	// Replaced is the public id of the previous stream token, now revoked.
	Replaced string `json:"replaced_token_id,omitempty"`
}

// Setup creates a new ingest-role API token for tenant's stream, binds it
// to the tenant (the hooks accept only it), revokes the one it replaces,
// and returns what to configure in Auth0. publicURL is where Auth0 reaches
// authgraph (https in production).
func Setup(ctx context.Context, st *store.Store, tenant, publicURL string) (Instructions, error) {
	base, err := streamBase(publicURL)
	if err != nil {
		return Instructions{}, err
	}
	if _, err := st.GetConnectedTenant(ctx, tenant); err != nil {
		return Instructions{}, err
	}
	if err := st.EnsureAccessSchema(ctx); err != nil {
		return Instructions{}, err
	}
	var id, tok string
	for range 3 {
		id, tok = access.NewToken()
		_, secret, _ := access.ParseToken(tok)
		err = st.CreateToken(ctx, store.Token{ID: id, Name: "stream:" + tenant, Role: string(access.Ingest), Hash: access.Hash(secret), Created: time.Now().UTC()})
		if apperr.KindOf(err) != apperr.Conflict {
			break
		}
	}
	if err != nil {
		return Instructions{}, err
	}
	prev, err := st.SetStreamToken(ctx, tenant, id)
	if err != nil {
		_ = st.RevokeToken(ctx, id, time.Now())
		return Instructions{}, err
	}
	if prev != "" && prev != id {
		if err := st.RevokeToken(ctx, prev, time.Now()); err != nil && apperr.KindOf(err) != apperr.NotFound {
			return Instructions{}, fmt.Errorf("revoke the previous stream token %s: %w", prev, err)
		}
	}
	path := base + "/hooks/auth0/" + url.PathEscape(tenant)
	return Instructions{Tenant: tenant, TokenID: id, Authorization: "Bearer " + tok,
		LogsURL: path + "/logs", EventsURL: path + "/events",
		ContentType: "application/json", ContentFormat: "JSONLINES",
		Categories: append([]string(nil), LogCategories...), EventTypes: append([]string(nil), EventTypes...),
		Replaced: prev}, nil
}

// streamBase checks the public URL Auth0 will post to.
func streamBase(publicURL string) (string, error) {
	if publicURL == "" {
		return "", apperr.New(apperr.Invalid, "pass --public-url: the address Auth0 reaches authgraph at (https://authgraph.example.com)")
	}
	u, err := url.Parse(publicURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		// Not echoed: it may hold user info.
		return "", apperr.New(apperr.Invalid, "--public-url must be an http(s) URL with a host and no user info, query or fragment")
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// Print writes the instructions for a person.
func (in Instructions) Print(w io.Writer) {
	fmt.Fprintf(w, "Stream of tenant %s: a new ingest token (id %s) was created; it is shown once, here.\n", in.Tenant, in.TokenID)
	if in.Replaced != "" {
		fmt.Fprintf(w, "The previous stream token (id %s) is revoked: update the stream in Auth0.\n", in.Replaced)
	}
	fmt.Fprintf(w, `
Auth0 Dashboard > Monitoring > Streams > Create Stream > Custom Webhook
  Payload URL            %s
  Authorization Token    %s
  Content Type           %s
  Content Format         %s (JSON Array and JSON Object work too)
  Filter by Category     %s

or with the Management API (scope create:log_streams):
  POST /api/v2/log-streams
  {"name": "authgraph", "type": "http", "filters": [%s],
   "sink": {"httpEndpoint": %q, "httpAuthorization": %q,
            "httpContentType": %q, "httpContentFormat": %q}}

Event Streams (optional; user and organization events, CloudEvents 1.0), scope create:event_streams:
  POST /api/v2/event-streams
  {"name": "authgraph", "subscriptions": [%s],
   "destination": {"type": "webhook", "configuration": {"webhook_endpoint": %q,
     "webhook_authorization": {"method": "bearer", "token": %q}}}}

authgraph still polls the tenant's logs every interval: streams deliver at least once and pause after failures.
`, in.LogsURL, in.Authorization, in.ContentType, in.ContentFormat, strings.Join(in.Categories, ", "),
		quoteJoin(in.Categories, `{"type": "category", "name": %q}`), in.LogsURL, in.Authorization, in.ContentType, in.ContentFormat,
		quoteJoin(in.EventTypes, `{"event_type": %q}`), in.EventsURL, strings.TrimPrefix(in.Authorization, "Bearer "))
}

func quoteJoin(xs []string, format string) string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = fmt.Sprintf(format, x)
	}
	return strings.Join(out, ", ")
}
