package monitor

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/internal/netguard"
	"github.com/authgraph/authgraph/internal/secretbox"
	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

// Severities, lowest first. "medium" is accepted for moderate.
var severities = []string{"info", "low", "moderate", "high", "critical"}

// SeverityRank returns a severity's rank (0 info … 4 critical) and whether
// it is known. "none" ranks above every severity (no finding alerts).
func SeverityRank(s string) (int, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "medium" {
		s = "moderate"
	}
	if s == "none" {
		return len(severities), true
	}
	for i, v := range severities {
		if v == s {
			return i, true
		}
	}
	return 0, false
}

// FindingAlert is a finding that opened or resolved in a cycle: what the
// rules engine hands the notifier (see AfterSync).
type FindingAlert struct {
	RuleID    string `json:"rule_id"`
	Title     string `json:"title,omitempty"`
	Tenant    string `json:"tenant"`
	Severity  string `json:"severity"`
	Status    string `json:"status"` // opened or resolved
	AssetKind string `json:"asset_kind"`
	// AssetID is the asset's Auth0 id; AssetKey its authgraph key.
	AssetID   string `json:"asset_id"`
	AssetKey  string `json:"asset_key,omitempty"`
	AssetName string `json:"asset_name"`
}

// Alert is one event to deliver: a finding, a change, or a channel test.
type Alert struct {
	Finding *FindingAlert
	Change  *store.Change
	Test    bool
}

func (a Alert) event() string {
	switch {
	case a.Finding != nil:
		return "finding." + a.Finding.Status
	case a.Change != nil:
		return "change." + a.Change.Op
	}
	return "test"
}

// ValidateWebhookURL checks a channel URL by its parsed form: scheme http
// or https, a host, no user info (credentials would travel in logs and
// proxies), no fragment. A Slack channel must be https://hooks.slack.com/…
// exactly (no other host, no port). Private and loopback addresses are
// allowed for webhooks: receivers often live inside the network, and only
// admins configure channels.
func ValidateWebhookURL(raw string, slack bool) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, apperr.New(apperr.Invalid, "bad channel URL: it does not parse")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, apperr.New(apperr.Invalid, "bad channel URL: scheme must be http or https")
	}
	if u.Opaque != "" || u.Host == "" || u.Hostname() == "" {
		return nil, apperr.New(apperr.Invalid, "bad channel URL: it needs a host (http(s)://host/path)")
	}
	if u.User != nil {
		return nil, apperr.New(apperr.Invalid, "bad channel URL: user info (user:password@) is not allowed; use --secret-file for signing")
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return nil, apperr.New(apperr.Invalid, "bad channel URL: no fragment (#…) allowed")
	}
	if strings.ContainsAny(u.Host, " \t\r\n\\") {
		return nil, apperr.New(apperr.Invalid, "bad channel URL: bad host")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, apperr.New(apperr.Invalid, "bad channel URL: bad port")
		}
	}
	if slack && (u.Scheme != "https" || u.Host != "hooks.slack.com" || !strings.HasPrefix(u.Path, "/services/")) {
		return nil, apperr.New(apperr.Invalid, "bad Slack URL: an incoming webhook is https://hooks.slack.com/services/…")
	}
	return u, nil
}

// Sign returns the X-Authgraph-Signature value for a body sent at ts:
// "sha256=" + hex(HMAC-SHA256(secret, "<ts>.<body>")).
func Sign(secret string, ts int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(m, "%d.", ts)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify checks a signature made by Sign in constant time, and that ts is
// within tolerance of now (refusing replays).
func Verify(secret string, tsHeader, sigHeader string, body []byte, now time.Time, tolerance time.Duration) bool {
	ts, err := strconv.ParseInt(tsHeader, 10, 64)
	if err != nil {
		return false
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return false
	}
	return hmac.Equal([]byte(Sign(secret, ts, body)), []byte(sigHeader))
}

// Notifier delivers alerts to the channels stored in the graph.
type Notifier struct {
	Store *store.Store
	Box   *secretbox.Box
	// BaseURL is the web app's address, for links back (default
	// http://127.0.0.1:8080).
	BaseURL string
	Client  *http.Client
	// Attempts per alert (default 4) and the first retry delay (default 1 s,
	// doubling).
	Attempts int
	Backoff  time.Duration
	// MaxPerCycle bounds alerts per channel per cycle; the rest are summed
	// up in one last alert (default 50).
	MaxPerCycle int
	Logger      *slog.Logger
	wg          sync.WaitGroup
}

func (n *Notifier) defaults() {
	if n.BaseURL == "" {
		n.BaseURL = "http://127.0.0.1:8080"
	}
	if n.Client == nil {
		n.Client = &http.Client{
			Timeout: 10 * time.Second,
			// Never a link-local (cloud metadata), unspecified or multicast
			// address, whatever the URL's host resolves to.
			Transport: &http.Transport{
				Proxy:       http.ProxyFromEnvironment,
				DialContext: (&net.Dialer{Timeout: 5 * time.Second, Control: netguard.Control}).DialContext,
			},
			// A redirect would send the signed body somewhere the admin did not
			// configure.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	if n.Attempts <= 0 {
		n.Attempts = 4
	}
	if n.Backoff <= 0 {
		n.Backoff = time.Second
	}
	if n.MaxPerCycle <= 0 {
		n.MaxPerCycle = 50
	}
	if n.Logger == nil {
		n.Logger = slog.Default()
	}
}

// Dispatch delivers a cycle's alerts to every channel that wants them, in
// the background: a slow or failing channel never holds up syncing. Wait
// waits for dispatched deliveries.
func (n *Notifier) Dispatch(ctx context.Context, alerts []Alert) {
	if n == nil || len(alerts) == 0 {
		return
	}
	n.defaults()
	chans, err := n.Store.Channels(ctx)
	if err != nil {
		n.Logger.Warn("notify: cannot list channels", "err", err)
		return
	}
	for _, ch := range chans {
		var mine []Alert
		for _, a := range alerts {
			if Wants(ch, a) {
				mine = append(mine, a)
			}
		}
		if len(mine) == 0 {
			continue
		}
		n.wg.Add(1)
		go func(ch store.Channel) {
			defer n.wg.Done()
			n.deliverAll(context.WithoutCancel(ctx), ch, mine)
		}(ch)
	}
}

// Wait blocks until dispatched deliveries are done.
func (n *Notifier) Wait() {
	if n != nil {
		n.wg.Wait()
	}
}

// Wants reports whether channel ch takes alert a.
func Wants(ch store.Channel, a Alert) bool {
	switch {
	case a.Finding != nil:
		min, ok := SeverityRank(ch.MinSeverity)
		if !ok {
			min, _ = SeverityRank("moderate")
		}
		sev, ok := SeverityRank(a.Finding.Severity)
		return ok && sev >= min && min < len(severities)
	case a.Change != nil:
		for _, f := range ch.Changes {
			cf, err := ParseChangeFilter(f)
			if err == nil && cf.Match(*a.Change) {
				return true
			}
		}
		return false
	}
	return a.Test
}

func (n *Notifier) deliverAll(ctx context.Context, ch store.Channel, alerts []Alert) {
	extra := 0
	if len(alerts) > n.MaxPerCycle {
		extra = len(alerts) - n.MaxPerCycle + 1
		alerts = alerts[:n.MaxPerCycle-1]
	}
	for _, a := range alerts {
		n.deliver(ctx, ch, a, 0)
	}
	if extra > 0 {
		n.deliver(ctx, ch, Alert{}, extra)
	}
}

// Test sends a test alert to one channel now and returns the outcome.
func (n *Notifier) Test(ctx context.Context, name string) (store.Delivery, error) {
	n.defaults()
	ch, err := n.Store.GetChannel(ctx, name)
	if err != nil {
		return store.Delivery{}, err
	}
	d := n.deliver(ctx, ch, Alert{Test: true}, 0)
	if d.Status != "ok" {
		return d, apperr.New(apperr.Unavailable, "channel %s: %s", name, d.Error)
	}
	return d, nil
}

// deliver sends one alert with retries and logs the outcome. more > 0 makes
// it the summary of alerts left out this cycle.
func (n *Notifier) deliver(ctx context.Context, ch store.Channel, a Alert, more int) store.Delivery {
	d := store.Delivery{Channel: ch.Name, At: time.Now(), Event: a.event()}
	if more > 0 {
		d.Event = "summary"
	}
	target, err := n.Box.Open(ch.URLSealed, ChannelAD(ch.Name, "url"))
	secret := ""
	if err == nil && ch.SecretSealed != "" {
		secret, err = n.Box.Open(ch.SecretSealed, ChannelAD(ch.Name, "secret"))
	}
	var body []byte
	if err == nil {
		if ch.Type == "slack" {
			body, err = json.Marshal(n.slackBody(a, more))
		} else {
			body, err = json.Marshal(n.webhookBody(ch, a, more))
		}
	}
	if err == nil {
		if _, verr := ValidateWebhookURL(target, ch.Type == "slack"); verr != nil {
			err = verr
		}
	}
	if err != nil {
		d.Status, d.Error = "failed", err.Error()
		n.record(ctx, d)
		return d
	}
	wait := n.Backoff
	for attempt := 1; attempt <= n.Attempts; attempt++ {
		d.Attempts = attempt
		status, retry, perr := n.post(ctx, target, secret, body)
		d.HTTPStatus = status
		if perr == nil {
			d.Status, d.Error = "ok", ""
			break
		}
		d.Status, d.Error = "failed", perr.Error()
		if !retry || attempt == n.Attempts {
			break
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			attempt = n.Attempts
		}
		wait *= 2
	}
	n.record(ctx, d)
	return d
}

func (n *Notifier) record(ctx context.Context, d store.Delivery) {
	if err := n.Store.RecordDelivery(context.WithoutCancel(ctx), d); err != nil {
		n.Logger.Warn("notify: cannot record delivery", "channel", d.Channel, "err", err)
	}
	if d.Status != "ok" {
		n.Logger.Warn("notify: delivery failed", "channel", d.Channel, "event", d.Event, "attempts", d.Attempts, "err", d.Error)
	}
}

// post sends body once. Errors never include the URL (it is a secret for
// Slack and may be one for webhooks): only the host's error class.
func (n *Notifier) post(ctx context.Context, target, secret string, body []byte) (status int, retry bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, false, fmt.Errorf("cannot build the request")
	}
	ts := time.Now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "authgraph")
	req.Header.Set("X-Authgraph-Timestamp", strconv.FormatInt(ts, 10))
	if secret != "" {
		req.Header.Set("X-Authgraph-Signature", Sign(secret, ts, body))
	}
	resp, err := n.Client.Do(req)
	if err != nil {
		return 0, true, fmt.Errorf("cannot reach the receiver (%s)", netErrClass(err))
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return resp.StatusCode, false, nil
	case resp.StatusCode == 408 || resp.StatusCode == 429 || resp.StatusCode >= 500:
		return resp.StatusCode, true, fmt.Errorf("receiver answered HTTP %d", resp.StatusCode)
	}
	return resp.StatusCode, false, fmt.Errorf("receiver answered HTTP %d", resp.StatusCode)
}

func netErrClass(err error) string {
	var ne net.Error
	switch {
	case strings.Contains(err.Error(), "connection refused"):
		return "connection refused"
	case strings.Contains(err.Error(), "no such host"):
		return "no such host"
	case asNetErr(err, &ne) && ne.Timeout():
		return "timeout"
	case strings.Contains(err.Error(), "tls"), strings.Contains(err.Error(), "x509"):
		return "TLS error"
	}
	return "network error"
}

func asNetErr(err error, target *net.Error) bool {
	for e := err; e != nil; {
		if ne, ok := e.(net.Error); ok {
			*target = ne
			return true
		}
		u, ok := e.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		e = u.Unwrap()
	}
	return false
}

// ChannelAD is what a channel's sealed URL ("url") or secret ("secret") is bound to.
func ChannelAD(name, what string) string { return "channel/" + name + "/" + what }

// AssetLink is the web app's page of an asset.
func (n *Notifier) AssetLink(key string) string {
	return strings.TrimRight(n.BaseURL, "/") + "/#/asset/" + url.PathEscape(key)
}

type assetRef struct {
	ID      string `json:"id,omitempty"`
	Kind    string `json:"kind"`
	Auth0ID string `json:"auth0_id"`
	Name    string `json:"name"`
}

// webhookBody is the generic webhook's JSON.
func (n *Notifier) webhookBody(ch store.Channel, a Alert, more int) map[string]any {
	b := map[string]any{"channel": ch.Name, "sent_at": time.Now().UTC().Format(time.RFC3339)}
	switch {
	case more > 0:
		b["type"] = "summary"
		b["text"] = fmt.Sprintf("%d more alerts this cycle were not sent one by one", more)
	case a.Finding != nil:
		f := a.Finding
		b["type"] = "finding"
		b["action"] = f.Status
		b["rule_id"] = f.RuleID
		b["title"] = f.Title
		b["tenant"] = f.Tenant
		b["severity"] = f.Severity
		b["asset"] = assetRef{ID: f.AssetKey, Kind: f.AssetKind, Auth0ID: f.AssetID, Name: f.AssetName}
		if f.AssetKey != "" {
			b["link"] = n.AssetLink(f.AssetKey)
		}
	case a.Change != nil:
		c := a.Change
		b["type"] = "change"
		b["action"] = c.Op
		b["tenant"] = c.Tenant
		b["at"] = c.At.UTC().Format(time.RFC3339Nano)
		b["sync_id"] = c.SyncID
		b["asset"] = assetRef{ID: c.AssetID, Kind: c.AssetKind, Auth0ID: c.NativeID, Name: c.Name}
		b["fields"] = c.Fields
		if c.Actor != "" {
			b["actor"] = c.Actor
		}
		if c.Op != store.OpDeleted {
			b["link"] = n.AssetLink(c.AssetID)
		}
	default:
		b["type"] = "test"
		b["text"] = "authgraph test alert"
	}
	return b
}

// slackBody is an incoming-webhook message with blocks and a link back.
func (n *Notifier) slackBody(a Alert, more int) map[string]any {
	var title, text, link string
	switch {
	case more > 0:
		title, text = "authgraph", fmt.Sprintf("%d more alerts this cycle were not sent one by one.", more)
	case a.Finding != nil:
		f := a.Finding
		title = fmt.Sprintf("Finding %s: %s", f.Status, f.RuleID)
		text = fmt.Sprintf("*%s* (%s) on %s *%s* (`%s`) in tenant `%s`", slackEscape(f.Title), f.Severity, f.AssetKind, slackEscape(f.AssetName), slackEscape(f.AssetID), slackEscape(f.Tenant))
		if f.AssetKey != "" {
			link = n.AssetLink(f.AssetKey)
		}
	case a.Change != nil:
		c := a.Change
		title = fmt.Sprintf("%s %s", c.AssetKind, c.Op)
		var fields []string
		for _, f := range c.Fields {
			fields = append(fields, "`"+slackEscape(f.Field)+"`")
		}
		text = fmt.Sprintf("%s *%s* (`%s`) in tenant `%s` was %s", c.AssetKind, slackEscape(c.Name), slackEscape(c.NativeID), slackEscape(c.Tenant), c.Op)
		if len(fields) > 0 {
			text += ": " + strings.Join(fields, ", ")
		}
		if c.Op != store.OpDeleted {
			link = n.AssetLink(c.AssetID)
		}
	default:
		title, text = "authgraph", "Test alert: this channel works."
	}
	blocks := []any{
		map[string]any{"type": "header", "text": map[string]any{"type": "plain_text", "text": title}},
		map[string]any{"type": "section", "text": map[string]any{"type": "mrkdwn", "text": text}},
	}
	if link != "" {
		blocks = append(blocks, map[string]any{"type": "actions", "elements": []any{map[string]any{
			"type": "button", "text": map[string]any{"type": "plain_text", "text": "Open in authgraph"}, "url": link}}})
	}
	return map[string]any{"text": title + ": " + text, "blocks": blocks}
}

func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// ChangeFilter selects changes: KIND[/OP[/FIELD]] where each part may be *.
// KIND is a kind's name, label or slug (Client, Auth0Client, client); OP is
// created, updated or deleted; FIELD a property or relation type.
type ChangeFilter struct {
	Kind  string // short kind name, or "" for any
	Op    string
	Field string
}

// ParseChangeFilter parses and checks a filter.
func ParseChangeFilter(s string) (ChangeFilter, error) {
	parts := strings.Split(strings.TrimSpace(s), "/")
	if len(parts) > 3 || parts[0] == "" {
		return ChangeFilter{}, apperr.New(apperr.Invalid, "bad change filter %q: want KIND[/created|updated|deleted[/FIELD]], * for any", s)
	}
	var f ChangeFilter
	var kind *schema.Kind
	if parts[0] != "*" {
		k, ok := schema.KindByName(parts[0])
		if !ok {
			return f, apperr.New(apperr.Invalid, "bad change filter %q: unknown kind %q", s, parts[0])
		}
		f.Kind, kind = k.Name, k
	}
	if len(parts) > 1 && parts[1] != "*" {
		switch parts[1] {
		case store.OpCreated, store.OpUpdated, store.OpDeleted:
			f.Op = parts[1]
		default:
			return f, apperr.New(apperr.Invalid, "bad change filter %q: %q is not created, updated or deleted", s, parts[1])
		}
	}
	if len(parts) > 2 && parts[2] != "*" {
		f.Field = parts[2]
		if kind != nil && !kindHasField(kind, f.Field) {
			return f, apperr.New(apperr.Invalid, "bad change filter %q: %s has no property or relation %q", s, kind.Name, f.Field)
		}
	}
	return f, nil
}

func kindHasField(k *schema.Kind, field string) bool {
	if _, ok := k.Prop(field); ok {
		return true
	}
	out, _ := schema.RelationsOf(k)
	for _, r := range out {
		if r.Type == field || strings.HasPrefix(field, r.Type+".") {
			return true
		}
	}
	return false
}

// String formats the filter back.
func (f ChangeFilter) String() string {
	or := func(s string) string {
		if s == "" {
			return "*"
		}
		return s
	}
	return or(f.Kind) + "/" + or(f.Op) + "/" + or(f.Field)
}

// Match reports whether a change passes the filter. Baselines never do.
func (f ChangeFilter) Match(c store.Change) bool {
	if c.Op == store.OpBaseline {
		return false
	}
	if (f.Kind != "" && f.Kind != c.AssetKind) || (f.Op != "" && f.Op != c.Op) {
		return false
	}
	if f.Field == "" {
		return true
	}
	for _, fc := range c.Fields {
		if fc.Field == f.Field || strings.HasPrefix(fc.Field, f.Field+".") {
			return true
		}
	}
	return false
}
