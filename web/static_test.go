package web

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func get(t *testing.T, h http.Handler, path string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Host = "127.0.0.1:8080" // httptest says example.com, which the Host check refuses
	req.Header.Set("Accept", "text/html,*/*")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, r *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func testServer() http.Handler {
	gql := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"data":{"stub":true}}`)
	})
	return New(Config{GraphQL: gql}).Handler()
}

// The built app is embedded: go build needs no Node.
func TestEmbeddedIndex(t *testing.T) {
	a := Assets()
	if a == nil {
		t.Fatal("web/dist has no index.html: run `make ui` and commit web/dist")
	}
	b, err := fs.ReadFile(a, "index.html")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `<div id="app">`) || !strings.Contains(string(b), "/assets/") {
		t.Fatalf("index.html is not the built app:\n%s", b)
	}
}

func TestIndexServedAtRoot(t *testing.T) {
	h := testServer()
	for _, p := range []string{"/", "/index.html", "/assets-page", "/some/client/route"} {
		r := get(t, h, p)
		b := body(t, r)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: status %d", p, r.StatusCode)
		}
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("GET %s: Content-Type %q, want text/html", p, ct)
		}
		if cc := r.Header.Get("Cache-Control"); cc != "no-cache" {
			t.Errorf("GET %s: Cache-Control %q, want no-cache", p, cc)
		}
		if !strings.Contains(b, `<div id="app">`) {
			t.Errorf("GET %s: not index.html", p)
		}
	}
}

func TestAssetsServedWithCacheHeaders(t *testing.T) {
	h := testServer()
	index := body(t, get(t, h, "/"))
	refs := regexp.MustCompile(`(?:src|href)="(/assets/[^"]+)"`).FindAllStringSubmatch(index, -1)
	if len(refs) == 0 {
		t.Fatalf("index.html references no /assets/ file:\n%s", index)
	}
	want := map[string]string{".js": "text/javascript", ".css": "text/css"}
	seen := map[string]bool{}
	for _, m := range refs {
		p := m[1]
		r := get(t, h, p)
		b := body(t, r)
		if r.StatusCode != http.StatusOK || len(b) == 0 {
			t.Fatalf("GET %s: status %d, %d bytes", p, r.StatusCode, len(b))
		}
		for ext, ct := range want {
			if strings.HasSuffix(p, ext) {
				seen[ext] = true
				if got := r.Header.Get("Content-Type"); !strings.HasPrefix(got, ct) {
					t.Errorf("GET %s: Content-Type %q, want %s", p, got, ct)
				}
			}
		}
		if cc := r.Header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
			t.Errorf("GET %s: Cache-Control %q, want a year, immutable", p, cc)
		}
	}
	if !seen[".js"] || !seen[".css"] {
		t.Errorf("index.html should load a script and a stylesheet from /assets/, saw %v", seen)
	}
}

// A hashed file that is not in this build is a 404, not index.html (a tab
// opened before an upgrade must not run HTML as a script).
func TestMissingAssetIs404(t *testing.T) {
	r := get(t, testServer(), "/assets/gone-1234abcd.js")
	if r.StatusCode != http.StatusNotFound {
		t.Fatalf("status %d, want 404", r.StatusCode)
	}
}

// The app does not shadow the API.
func TestAPIRoutesWin(t *testing.T) {
	h := testServer()
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{__typename}"}`))
	req.Host = "localhost"
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "stub") {
		t.Fatalf("POST /graphql: %d %s", rec.Code, rec.Body.String())
	}
	if r := get(t, h, "/metrics"); r.StatusCode != http.StatusOK || strings.Contains(body(t, r), `<div id="app">`) {
		t.Fatalf("GET /metrics served the app")
	}
}

func TestCacheControl(t *testing.T) {
	for p, want := range map[string]string{
		"index.html":           "no-cache",
		"assets/index-abc.js":  "public, max-age=31536000, immutable",
		"assets/":              "no-cache",
		"favicon.ico":          "no-cache",
		"assetsx/index-abc.js": "no-cache",
	} {
		if got := cacheControl(p); got != want {
			t.Errorf("cacheControl(%q) = %q, want %q", p, got, want)
		}
	}
}
