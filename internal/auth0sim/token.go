package auth0sim

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

const tokenTTL = 86400 * time.Second

// handleToken implements POST /oauth/token for the client_credentials grant.
// Credentials may come as HTTP Basic (what golang.org/x/oauth2 tries first,
// with query-escaped id and secret) or in a form or JSON body.
func (s *Sim) handleToken(c *reqCtx) {
	r := c.r
	oauthErr := func(status int, code, desc string) {
		writeJSON(c.w, status, map[string]string{"error": code, "error_description": desc})
	}
	if r.Method != http.MethodPost {
		oauthErr(http.StatusNotFound, "not_found", "Not Found")
		return
	}
	params := map[string]string{}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/json":
		var body map[string]any
		if err := readBody(c, &body); err != nil {
			oauthErr(http.StatusBadRequest, "invalid_request", "Invalid JSON body")
			return
		}
		for k, v := range body {
			if str, ok := v.(string); ok {
				params[k] = str
			}
		}
	default:
		if err := r.ParseForm(); err != nil {
			oauthErr(http.StatusBadRequest, "invalid_request", "Invalid form body")
			return
		}
		for k := range r.PostForm {
			params[k] = r.PostForm.Get(k)
		}
	}
	id, secret := params["client_id"], params["client_secret"]
	if u, p, ok := r.BasicAuth(); ok {
		// RFC 6749 §2.3.1: Basic credentials are form-urlencoded first.
		if du, err := url.QueryUnescape(u); err == nil {
			u = du
		}
		if dp, err := url.QueryUnescape(p); err == nil {
			p = dp
		}
		id, secret = u, p
	}
	gt := params["grant_type"]
	if gt == "" {
		oauthErr(http.StatusBadRequest, "invalid_request", "Missing required parameter: grant_type")
		return
	}
	if gt != "client_credentials" {
		oauthErr(http.StatusForbidden, "unauthorized_client", fmt.Sprintf("Grant type '%s' not allowed for the client.", gt))
		return
	}
	if id == "" {
		oauthErr(http.StatusUnauthorized, "access_denied", "Unauthorized")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	client := s.findClient(id)
	devClient := id == s.cfg.ClientID
	if devClient {
		if secret != s.cfg.ClientSecret {
			oauthErr(http.StatusUnauthorized, "access_denied", "Unauthorized")
			return
		}
	} else if client == nil || secret == "" || secret != client.ClientSecret {
		oauthErr(http.StatusUnauthorized, "access_denied", "Unauthorized")
		return
	}
	if client != nil && !devClient && !contains(client.GrantTypes, "client_credentials") {
		oauthErr(http.StatusForbidden, "unauthorized_client", "Grant type 'client_credentials' not allowed for the client.")
		return
	}
	// go-auth0 derives the audience from the URL it connects to, so any
	// .../api/v2/ audience means this tenant's Management API.
	aud := params["audience"]
	if aud == "" || strings.HasSuffix(aud, "/api/v2/") {
		aud = s.mgmtAPI
	}
	if s.findResourceServer(aud) == nil {
		oauthErr(http.StatusForbidden, "access_denied", "Service not found: "+aud)
		return
	}
	var grant *ClientGrant
	for _, g := range s.clientGrants {
		if g.ClientID == id && g.Audience == aud {
			grant = g
			break
		}
	}
	info := &tokenInfo{clientID: id, audience: aud, expiresAt: time.Now().Add(tokenTTL), scopes: map[string]bool{}}
	switch {
	case devClient && aud == s.mgmtAPI:
		scopes := s.cfg.Scopes
		info.checkAll = scopes != nil
		if scopes == nil {
			scopes = readScopes()
		}
		for _, sc := range scopes {
			info.scopes[sc] = true
		}
	case grant != nil:
		info.checkAll = true
		for _, sc := range grant.Scope {
			info.scopes[sc] = true
		}
	default:
		oauthErr(http.StatusForbidden, "access_denied", fmt.Sprintf(
			"Client is not authorized to access %q. You need to create a \"client-grant\" associated to this API. See: https://auth0.com/docs/api/v2#!/Client_Grants/post_client_grants", aud))
		return
	}
	names := make([]string, 0, len(info.scopes))
	for sc := range info.scopes {
		names = append(names, sc)
	}
	sort.Strings(names)
	info.scopeStr = strings.Join(names, " ")
	tok := s.mintJWT(info)
	s.tokens[tok] = info
	writeJSON(c.w, http.StatusOK, map[string]any{
		"access_token": tok,
		"scope":        info.scopeStr,
		"expires_in":   int(tokenTTL / time.Second),
		"token_type":   "Bearer",
	})
}

// mintJWT returns a JWT-shaped token. The signature is random: the simulator
// recognizes its tokens by lookup, callers may decode the claims.
func (s *Sim) mintJWT(info *tokenInfo) string {
	enc := base64.RawURLEncoding
	hdr, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": "auth0sim"})
	now := time.Now()
	claims, _ := json.Marshal(map[string]any{
		"iss": "https://" + s.domain + "/", "sub": info.clientID + "@clients", "aud": info.audience,
		"iat": now.Unix(), "exp": info.expiresAt.Unix(), "scope": info.scopeStr, "gty": "client-credentials",
		"azp": info.clientID,
	})
	sig := make([]byte, 32)
	_, _ = rand.Read(sig)
	return enc.EncodeToString(hdr) + "." + enc.EncodeToString(claims) + "." + enc.EncodeToString(sig)
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
