// Package redact takes credentials out of text that is stored (sync
// records) or shown (GraphQL errors, summaries): the query string, fragment
// and userinfo of every URL (a pre-signed download URL carries its
// signature in the query), bearer tokens, JWTs and authgraph API tokens.
// Scheme, host and path stay, so a message still says what failed.
package redact

import (
	"net/url"
	"regexp"
	"strings"
)

// Mark replaces what was removed.
const Mark = "REDACTED"

var (
	// A URL runs to whitespace, a quote or an angle bracket (Go's url.Error
	// quotes it: Get "https://…": …).
	urlRE = regexp.MustCompile(`(?i)\b[a-z][a-z0-9+.-]*://[^\s"'<>` + "`" + `]+`)
	// "Bearer <token>" in any case, as in a header echoed into an error.
	bearerRE = regexp.MustCompile(`(?i)\b(bearer)(\s+|%20|\+)[A-Za-z0-9._~+/=-]+`)
	// A JWT (header.payload[.signature]), whose header always starts eyJ.
	jwtRE = regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}(\.[A-Za-z0-9_-]*)?`)
	// authgraph API tokens (agt_<public id>_<secret>).
	apiTokenRE = regexp.MustCompile(`\bagt_[A-Za-z0-9_-]{6,}`)
	// key=value pairs that name a secret, outside URLs (form bodies echoed
	// into errors: client_secret=…, access_token=…).
	secretParamRE = regexp.MustCompile(`(?i)\b(client_secret|access_token|refresh_token|id_token|password|signature|x-amz-signature|sig|token)=[^\s&"'<>]+`)
)

// Secrets returns s with the credentials described in the package doc
// replaced by Mark.
func Secrets(s string) string {
	if s == "" {
		return s
	}
	s = urlRE.ReplaceAllStringFunc(s, URL)
	s = bearerRE.ReplaceAllString(s, "${1} "+Mark)
	s = jwtRE.ReplaceAllString(s, Mark)
	s = apiTokenRE.ReplaceAllString(s, "agt_"+Mark)
	s = secretParamRE.ReplaceAllString(s, "${1}="+Mark)
	return s
}

// URL returns raw without userinfo, query string or fragment. Punctuation
// that ends a sentence after a URL is kept outside it.
func URL(raw string) string {
	trail := ""
	for raw != "" && strings.ContainsRune(".,;:)]}", rune(raw[len(raw)-1])) && !strings.ContainsAny(raw, "?#") {
		trail = raw[len(raw)-1:] + trail
		raw = raw[:len(raw)-1]
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" && u.Opaque != "" {
		return cutRaw(raw) + trail
	}
	if u.User != nil {
		u.User = url.User(Mark)
	}
	if u.RawQuery != "" || u.ForceQuery {
		u.RawQuery, u.ForceQuery = Mark, false
	}
	if u.Fragment != "" || u.RawFragment != "" {
		u.Fragment, u.RawFragment = Mark, ""
	}
	return u.String() + trail
}

// cutRaw handles what url.Parse refuses: everything from the first ? or #
// goes, and so does anything before an @ in the authority.
func cutRaw(raw string) string {
	suffix := ""
	if i := strings.IndexAny(raw, "?#"); i >= 0 {
		suffix = raw[i:i+1] + Mark
		raw = raw[:i]
	}
	if scheme, rest, ok := strings.Cut(raw, "://"); ok {
		auth, path, _ := strings.Cut(rest, "/")
		if at := strings.LastIndex(auth, "@"); at >= 0 {
			auth = Mark + "@" + auth[at+1:]
		}
		raw = scheme + "://" + auth
		if path != "" || strings.Contains(rest, "/") {
			raw += "/" + path
		}
	}
	return raw + suffix
}
