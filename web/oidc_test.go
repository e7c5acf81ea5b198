package web_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/authgraph/authgraph/graph"
	"github.com/authgraph/authgraph/internal/access"
	"github.com/authgraph/authgraph/internal/neo4jtest"
	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/web"
)

// testIssuer is a small OpenID Connect provider: discovery, an authorize
// endpoint that signs the user in at once, a token endpoint that checks
// the PKCE verifier and the client secret, and JWKS; ID tokens are RS256
// with a key made for the test. Knobs let a test send a wrong nonce or an
// expired token.
type testIssuer struct {
	srv *httptest.Server
	key *rsa.PrivateKey

	mu        sync.Mutex
	codes     map[string]grant
	groups    []any
	nonce     string        // when set, replaces the nonce asked for
	expiresIn time.Duration // ID token lifetime (negative: already expired)
	exchanges int
}

type grant struct{ nonce, challenge, clientID string }

const (
	issuerClient = "authgraph-test"
	issuerSecret = "test-client-secret"
)

func newTestIssuer(t *testing.T) *testIssuer {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	is := &testIssuer{key: key, codes: map[string]grant{}, expiresIn: 5 * time.Minute, groups: []any{"sec-team", "everyone"}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{
			"issuer": is.srv.URL, "authorization_endpoint": is.srv.URL + "/authorize", "token_endpoint": is.srv.URL + "/token",
			"jwks_uri": is.srv.URL + "/jwks", "response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"},
			"id_token_signing_alg_values_supported": []string{"RS256"}, "code_challenge_methods_supported": []string{"S256"},
		})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &is.key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" ||
			q.Get("nonce") == "" || q.Get("state") == "" || q.Get("client_id") != issuerClient || !strings.Contains(q.Get("scope"), "openid") {
			http.Error(w, "bad authorize request: "+r.URL.RawQuery, http.StatusBadRequest)
			return
		}
		code := access.NewSecret()
		is.mu.Lock()
		is.codes[code] = grant{nonce: q.Get("nonce"), challenge: q.Get("code_challenge"), clientID: q.Get("client_id")}
		is.mu.Unlock()
		back, _ := url.Parse(q.Get("redirect_uri"))
		v := back.Query()
		v.Set("code", code)
		v.Set("state", q.Get("state"))
		back.RawQuery = v.Encode()
		http.Redirect(w, r, back.String(), http.StatusFound)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		id, secret, ok := r.BasicAuth()
		if !ok {
			id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		}
		is.mu.Lock()
		g, found := is.codes[r.PostForm.Get("code")]
		delete(is.codes, r.PostForm.Get("code"))
		is.exchanges++
		is.mu.Unlock()
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		if !found || id != issuerClient || secret != issuerSecret || g.clientID != id ||
			base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode(map[string]string{"error": "invalid_grant"})
			return
		}
		is.mu.Lock()
		nonce, exp, groups := g.nonce, is.expiresIn, is.groups
		if is.nonce != "" {
			nonce = is.nonce
		}
		is.mu.Unlock()
		now := time.Now()
		claims := map[string]any{"iss": is.srv.URL, "sub": "person-1", "aud": issuerClient, "iat": now.Add(-time.Minute).Unix(),
			"exp": now.Add(exp).Unix(), "nonce": nonce, "email": "ada@example.com", "groups": groups}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"access_token": "at-" + access.NewSecret()[:8], "token_type": "Bearer",
			"expires_in": 300, "id_token": is.sign(t, claims)})
	})
	is.srv = httptest.NewServer(mux)
	t.Cleanup(is.srv.Close)
	return is
}

func (is *testIssuer) sign(t *testing.T, claims map[string]any) string {
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: is.key, KeyID: "k1"}}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(claims)
	jws, err := sig.Sign(b)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// browser is a client that keeps cookies and follows no redirect by itself.
type browser struct {
	c *http.Client
	t *testing.T
}

func newBrowser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, c: &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(method, u string) (*http.Response, string) {
	b.t.Helper()
	req, _ := http.NewRequest(method, u, nil)
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	var sb strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		sb.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp, sb.String()
}

// login runs /auth/login → the issuer → back, and returns the callback's
// answer; tamper may change the callback URL first.
func (b *browser) login(base string, tamper func(*url.URL)) (*http.Response, string) {
	b.t.Helper()
	resp, body := b.do("GET", base+"/auth/login")
	if resp.StatusCode != http.StatusFound {
		b.t.Fatalf("/auth/login: %d %s", resp.StatusCode, body)
	}
	resp, body = b.do("GET", resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound {
		b.t.Fatalf("issuer /authorize: %d %s", resp.StatusCode, body)
	}
	cb, _ := url.Parse(resp.Header.Get("Location"))
	if tamper != nil {
		tamper(cb)
	}
	return b.do("GET", cb.String())
}

func TestOIDCSignIn(t *testing.T) {
	st := store.FromDriver(neo4jtest.Driver(t))
	if err := st.EnsureAccessSchema(context.Background()); err != nil {
		t.Fatal(err)
	}
	is := newTestIssuer(t)
	var h http.Handler
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	defer front.Close()
	o, err := web.NewOIDC(context.Background(), web.OIDCConfig{Issuer: is.srv.URL, ClientID: issuerClient, ClientSecret: issuerSecret,
		RedirectURL: front.URL + "/auth/callback", RoleClaim: "groups",
		RoleMap: map[string]access.Role{"everyone": access.Viewer, "sec-team": access.Admin, "analysts": access.Analyst}})
	if err != nil {
		t.Fatal(err)
	}
	srv := web.New(web.Config{Store: st, GraphQL: graph.NewHandler(graph.Options{Store: st}), Auth: web.AuthConfig{Mode: web.AuthOIDC, OIDC: o, CacheTTL: time.Millisecond}})
	h = srv.Handler()
	base := front.URL

	t.Run("sign-in, role from the claim, logout", func(t *testing.T) {
		b := newBrowser(t)
		if resp, _ := b.do("GET", base+"/auth/me"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("before sign-in /auth/me: %d", resp.StatusCode)
		}
		resp, body := b.login(base, nil)
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/" {
			t.Fatalf("callback: %d %s %s", resp.StatusCode, resp.Header.Get("Location"), body)
		}
		var session *http.Cookie
		for _, c := range resp.Cookies() {
			if c.Name == "authgraph_session" {
				session = c
			}
		}
		if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.MaxAge <= 0 {
			t.Fatalf("session cookie: %+v", session)
		}
		resp, body = b.do("GET", base+"/auth/me")
		var me struct{ Subject, Name, Role, Via string }
		json.Unmarshal([]byte(body), &me)
		if resp.StatusCode != http.StatusOK || me.Role != "admin" || me.Subject != "oidc:person-1" || me.Name != "ada@example.com" {
			t.Fatalf("/auth/me after sign-in: %d %s", resp.StatusCode, body)
		}
		// The session works for the API and an admin-only field.
		req, _ := http.NewRequest("POST", base+"/graphql", strings.NewReader(`{"query":"{ auditLog(first: 5) { action actor outcome } }"}`))
		req.Header.Set("Content-Type", "application/json")
		r2, err := b.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var out struct {
			Data struct {
				AuditLog []struct{ Action, Actor, Outcome string }
			}
		}
		json.NewDecoder(r2.Body).Decode(&out)
		r2.Body.Close()
		if r2.StatusCode != http.StatusOK || len(out.Data.AuditLog) == 0 || out.Data.AuditLog[0].Action != "signin" || out.Data.AuditLog[0].Actor != "oidc:person-1" {
			t.Fatalf("auditLog as the signed-in admin: %d %+v", r2.StatusCode, out)
		}
		if resp, _ = b.do("POST", base+"/auth/logout"); resp.StatusCode != http.StatusNoContent {
			t.Fatalf("logout: %d", resp.StatusCode)
		}
		if resp, _ = b.do("GET", base+"/auth/me"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("after logout /auth/me: %d", resp.StatusCode)
		}
		// The old cookie, replayed, is dead on the server too.
		b2 := newBrowser(t)
		u, _ := url.Parse(base)
		b2.c.Jar.SetCookies(u, []*http.Cookie{{Name: session.Name, Value: session.Value}})
		if resp, _ = b2.do("GET", base+"/auth/me"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("a signed-out session's cookie replayed: %d", resp.StatusCode)
		}
	})

	t.Run("a viewer from another group", func(t *testing.T) {
		is.mu.Lock()
		is.groups = []any{"everyone"}
		is.mu.Unlock()
		defer func() { is.mu.Lock(); is.groups = []any{"sec-team", "everyone"}; is.mu.Unlock() }()
		b := newBrowser(t)
		if resp, body := b.login(base, nil); resp.StatusCode != http.StatusFound {
			t.Fatalf("callback: %d %s", resp.StatusCode, body)
		}
		_, body := b.do("GET", base+"/auth/me")
		if !strings.Contains(body, `"role":"viewer"`) {
			t.Fatalf("/auth/me: %s", body)
		}
	})

	refused := []struct {
		name   string
		setup  func()
		tamper func(*url.URL)
		status int
		says   string // the refusal names its reason
	}{
		{"forged state", nil, func(u *url.URL) {
			q := u.Query()
			q.Set("state", access.NewSecret())
			u.RawQuery = q.Encode()
		}, http.StatusBadRequest, "state"},
		{"state from another browser's sign-in", nil, func(u *url.URL) {
			// A state the server issued, but to another browser (login CSRF).
			other := newBrowser(t)
			resp, _ := other.do("GET", base+"/auth/login")
			loc, _ := url.Parse(resp.Header.Get("Location"))
			q := u.Query()
			q.Set("state", loc.Query().Get("state"))
			u.RawQuery = q.Encode()
		}, http.StatusBadRequest, "state"},
		{"wrong nonce", func() { is.nonce = access.NewSecret() }, nil, http.StatusUnauthorized, "nonce"},
		{"expired ID token", func() { is.expiresIn = -time.Minute }, nil, http.StatusUnauthorized, "did not verify"},
		{"no mapped group", func() { is.groups = []any{"contractors"} }, nil, http.StatusForbidden, "no authgraph role"},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			is.mu.Lock()
			if c.setup != nil {
				c.setup()
			}
			is.mu.Unlock()
			defer func() {
				is.mu.Lock()
				is.nonce, is.expiresIn, is.groups = "", 5*time.Minute, []any{"sec-team", "everyone"}
				is.mu.Unlock()
			}()
			b := newBrowser(t)
			resp, body := b.login(base, c.tamper)
			if resp.StatusCode != c.status || !strings.Contains(body, c.says) {
				t.Errorf("callback: %d %s, want %d saying %q", resp.StatusCode, body, c.status, c.says)
			}
			for _, ck := range resp.Cookies() {
				if ck.Name == "authgraph_session" && ck.Value != "" {
					t.Errorf("a session cookie was set: %s", ck.Name)
				}
			}
			if resp, _ := b.do("GET", base+"/auth/me"); resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("/auth/me after a refused sign-in: %d", resp.StatusCode)
			}
		})
	}

	t.Run("a callback replayed", func(t *testing.T) {
		b := newBrowser(t)
		resp, _ := b.do("GET", base+"/auth/login")
		resp, _ = b.do("GET", resp.Header.Get("Location"))
		cb := resp.Header.Get("Location")
		if resp, body := b.do("GET", cb); resp.StatusCode != http.StatusFound {
			t.Fatalf("first callback: %d %s", resp.StatusCode, body)
		}
		// The state is spent: the same callback again (cookie set anew by
		// an attacker who saw it) is refused before any exchange.
		u, _ := url.Parse(cb)
		b.c.Jar.SetCookies(u, []*http.Cookie{{Name: "authgraph_oidc_state", Value: u.Query().Get("state"), Path: "/auth/"}})
		is.mu.Lock()
		before := is.exchanges
		is.mu.Unlock()
		if resp, body := b.do("GET", cb); resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("replayed callback: %d %s", resp.StatusCode, body)
		}
		is.mu.Lock()
		defer is.mu.Unlock()
		if is.exchanges != before {
			t.Errorf("a replayed callback reached the token endpoint")
		}
	})
}
