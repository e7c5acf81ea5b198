package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/auth0/go-auth0/management"
)

// The sync's HTTP client against hostile or broken Auth0 endpoints: each
// case fails cleanly, quickly, and without sending the token or the client
// secret anywhere but the tenant.

// hostile is a fake tenant: a token endpoint and whatever API handlers a
// test gives it.
type hostile struct {
	srv       *httptest.Server
	tokenHits atomic.Int64
	apiHits   atomic.Int64
}

const testToken = "tok-3f1c9a7e5b2d"

func newHostile(t *testing.T, token http.HandlerFunc, api http.HandlerFunc) *hostile {
	t.Helper()
	h := &hostile{}
	if token == nil {
		token = func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":86400}`, testToken)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/oauth/token", func(w http.ResponseWriter, r *http.Request) {
		h.tokenHits.Add(1)
		token(w, r)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		h.apiHits.Add(1)
		api(w, r)
	})
	h.srv = httptest.NewServer(mux)
	t.Cleanup(func() { closeServer(h.srv) })
	return h
}

// closeServer ends the connections of handlers that hang until their
// client goes away, then closes the server (Close alone waits for them).
func closeServer(srv *httptest.Server) {
	srv.CloseClientConnections()
	srv.Close()
}

// fastLimits keeps every hostile case to about a second.
var fastLimits = Limits{
	ConnectTimeout:    time.Second,
	HeaderTimeout:     300 * time.Millisecond,
	TokenTimeout:      400 * time.Millisecond,
	CallTimeout:       800 * time.Millisecond,
	MaxResponseBytes:  1 << 20,
	ExportJobTimeout:  500 * time.Millisecond,
	ExportTimeout:     2 * time.Second,
	ExportIdleTimeout: 300 * time.Millisecond,
	MaxExportBytes:    1 << 20,
	MaxPages:          20,
}

func client(t *testing.T, domain string, l Limits) *Auth0 {
	t.Helper()
	a, err := NewAuth0(context.Background(), Credentials{Domain: domain, ClientID: "cid", ClientSecret: "csecret-7d41be"}, l)
	if err != nil {
		t.Fatal(err)
	}
	a.poll = 20 * time.Millisecond
	a.pacer.maxRetries = 1
	return a
}

// within runs f and fails the test when it takes longer than d.
func within(t *testing.T, d time.Duration, f func() error) error {
	t.Helper()
	began := time.Now()
	err := f()
	if el := time.Since(began); el > d {
		t.Errorf("took %s, want under %s", el.Round(time.Millisecond), d)
	}
	return err
}

// tlsClient is a client for an httptest TLS server (its own certificate
// trusted; otherwise the production transports).
func tlsClient(t *testing.T, srv *httptest.Server, l Limits) *Auth0 {
	t.Helper()
	a := client(t, srv.URL, l)
	pool := srv.Client().Transport.(*http.Transport).TLSClientConfig
	for _, tr := range transportsOf(a) {
		tr.TLSClientConfig = pool.Clone()
	}
	return a
}

// transportsOf digs out the *http.Transports of a client, to trust a test
// certificate.
func transportsOf(a *Auth0) []*http.Transport {
	var out []*http.Transport
	if tr, ok := a.pacer.base.(*http.Transport); ok {
		out = append(out, tr)
	}
	if tr, ok := a.http.Transport.(*http.Transport); ok {
		out = append(out, tr)
	}
	if g, ok := a.tokenHTTP.Transport.(*hostGuard); ok {
		if tr, ok := g.base.(*http.Transport); ok {
			out = append(out, tr)
		}
	}
	return out
}

func TestHostileSlowTokenOverTLS(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Path == "/oauth/token" {
			// The body read first: only then does the server notice the
			// client hanging up, and end the request's context.
			io.Copy(io.Discard, r.Body)
			<-r.Context().Done()
			return
		}
		t.Errorf("API call %s without a token", r.URL.Path)
	}))
	defer closeServer(srv)
	a := tlsClient(t, srv, fastLimits)
	err := within(t, 3*time.Second, func() error { _, err := a.TenantSettings(context.Background()); return err })
	if err == nil || hits.Load() == 0 {
		t.Fatalf("err %v after %d requests: want a bounded token request that fails", err, hits.Load())
	}
	t.Logf("error: %v", err)
}

func TestHostileHangingBody(t *testing.T) {
	h := newHostile(t, nil, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(200)
		fmt.Fprint(w, `{"friendly_name":"ac`)
		w.(http.Flusher).Flush()
		<-r.Context().Done() // the rest never comes
	})
	a := client(t, h.srv.URL, fastLimits)
	err := within(t, 3*time.Second, func() error { _, err := a.TenantSettings(context.Background()); return err })
	if err == nil {
		t.Fatal("a body that never ends gave no error")
	}
	t.Logf("error: %v", err)
}

func TestHostileNoHeaders(t *testing.T) {
	h := newHostile(t, nil, func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	})
	a := client(t, h.srv.URL, fastLimits)
	a.pacer.maxRetries = 6 // retries of timeouts are bounded by the call's deadline too
	err := within(t, 3*time.Second, func() error { _, err := a.TenantSettings(context.Background()); return err })
	if err == nil {
		t.Fatal("a server that never answers gave no error")
	}
	t.Logf("error: %v (%d requests)", err, h.apiHits.Load())
}

func TestHostileHugeBody(t *testing.T) {
	for _, declared := range []bool{true, false} {
		t.Run(fmt.Sprintf("content-length=%v", declared), func(t *testing.T) {
			var sent atomic.Int64
			h := newHostile(t, nil, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				const size = 64 << 20
				if declared {
					w.Header().Set("Content-Length", fmt.Sprint(size+2))
				}
				w.WriteHeader(200)
				fmt.Fprint(w, `[`)
				chunk := bytes.Repeat([]byte(" "), 64<<10)
				for i := 0; i < size/len(chunk); i++ {
					n, err := w.Write(chunk)
					sent.Add(int64(n))
					if err != nil {
						return
					}
				}
				fmt.Fprint(w, `]`)
			})
			a := client(t, h.srv.URL, Limits{MaxResponseBytes: 1 << 20, CallTimeout: 10 * time.Second})
			a.pacer.maxRetries = 0
			err := within(t, 5*time.Second, func() error { _, err := a.LogStreams(context.Background()); return err })
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("error %v, want ErrTooLarge", err)
			}
			t.Logf("error: %v; the server wrote %d bytes before the client hung up", err, sent.Load())
		})
	}
}

func TestHostileRedirectToAnotherHostKeepsTheToken(t *testing.T) {
	var evilHits atomic.Int64
	var evilAuth atomic.Value
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		evilHits.Add(1)
		evilAuth.Store(r.Header.Get("Authorization") + " " + readAll(r.Body))
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"friendly_name":"evil"}`)
	}))
	defer closeServer(evil)
	evilURL, _ := url.Parse(evil.URL)
	for _, target := range []string{
		evil.URL + "/api/v2/tenants/settings",                                  // another port
		"http://localhost:" + evilURL.Port() + "/api/v2/tenants/settings",      // another name, same machine
		"http://127.0.0.1.nip.invalid:" + evilURL.Port() + "/x?access_token=1", // never resolved
	} {
		t.Run(target, func(t *testing.T) {
			h := newHostile(t, nil, func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, target, http.StatusFound)
			})
			a := client(t, h.srv.URL, fastLimits)
			tlsSrv := httptest.NewTLSServer(h.srv.Config.Handler)
			defer closeServer(tlsSrv)
			for name, a := range map[string]*Auth0{"http": a, "https": tlsClient(t, tlsSrv, fastLimits)} {
				_, err := a.TenantSettings(context.Background())
				if !errors.Is(err, ErrForeignHost) {
					t.Errorf("%s: error %v, want ErrForeignHost", name, err)
				}
			}
			if evilHits.Load() != 0 {
				t.Fatalf("the other host got %d requests (Authorization and body %q)", evilHits.Load(), evilAuth.Load())
			}
		})
	}
	// The token request is not redirected either (a 307 would resend the
	// client secret in its body).
	tokenRedirect := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oauth/token" {
			http.Redirect(w, r, evil.URL+"/oauth/token", http.StatusTemporaryRedirect)
			return
		}
		t.Errorf("API call %s without a token", r.URL.Path)
	}))
	defer closeServer(tokenRedirect)
	a := tlsClient(t, tokenRedirect, fastLimits)
	if _, err := a.TenantSettings(context.Background()); err == nil {
		t.Fatal("a redirected token request succeeded")
	}
	if evilHits.Load() != 0 {
		t.Fatalf("the other host got the token request: %q", evilAuth.Load())
	}
}

func readAll(r io.Reader) string {
	if r == nil {
		return ""
	}
	b, _ := io.ReadAll(io.LimitReader(r, 4096))
	return string(b)
}

// exportTenant serves an export job whose location is location(srvURL).
func exportTenant(t *testing.T, status string, location func(base string) string, download http.HandlerFunc) (*hostile, *atomic.Int64) {
	t.Helper()
	var dl atomic.Int64
	var h *hostile
	h = newHostile(t, nil, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/api/v2/jobs/users-exports":
			fmt.Fprint(w, `{"id":"job_1","type":"users_export","status":"pending"}`)
		case strings.HasPrefix(r.URL.Path, "/api/v2/jobs/"):
			m := map[string]any{"id": "job_1", "type": "users_export", "status": status}
			if status == "completed" {
				m["location"] = location(h.srv.URL)
			}
			_ = json.NewEncoder(w).Encode(m)
		case strings.HasPrefix(r.URL.Path, "/exports/"):
			dl.Add(1)
			download(w, r)
		default:
			http.NotFound(w, r)
		}
	})
	return h, &dl
}

func gz(s string) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(s))
	zw.Close()
	return b.Bytes()
}

const signature = "X-Amz-Signature=5ec7e7519a7"

func TestHostileExportDownload(t *testing.T) {
	okFile := func(w http.ResponseWriter, r *http.Request) { w.Write(gz(`{"user_id":"auth0|1"}` + "\n")) }
	cases := []struct {
		name     string
		status   string
		location func(base string) string
		download http.HandlerFunc
		want     string // in the error
		wantDL   bool   // the download endpoint was reached
	}{
		{name: "http location on a non-loopback host", status: "completed",
			location: func(string) string { return "http://exports.example.com/tenant.json.gz?" + signature },
			download: okFile, want: "must be https"},
		{name: "redirect from the download to plain http elsewhere", status: "completed",
			location: func(base string) string { return base + "/exports/f.json.gz?" + signature },
			download: func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "http://exports.example.com/f.json.gz?"+signature, http.StatusFound)
			}, want: "must be https", wantDL: true},
		{name: "hanging download", status: "completed",
			location: func(base string) string { return base + "/exports/f.json.gz?" + signature },
			download: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(200)
				w.Write(gz(`{"user_id":"auth0|1"}` + "\n")[:10])
				w.(http.Flusher).Flush()
				<-r.Context().Done()
			}, want: "no data for", wantDL: true},
		{name: "download larger than its cap", status: "completed",
			location: func(base string) string { return base + "/exports/f.json.gz?" + signature },
			download: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(200)
				zw, _ := gzip.NewWriterLevel(w, gzip.NoCompression) // 3 MiB on the wire
				for i := 0; i < 80000; i++ {
					fmt.Fprintf(zw, `{"user_id":"auth0|%d","email":"%x"}`+"\n", i, i*7919)
				}
				zw.Close()
			}, want: "too large", wantDL: true},
		{name: "a job that never completes", status: "processing",
			location: nil, download: okFile, want: "did not complete within"},
		{name: "unreachable pre-signed URL", status: "completed",
			location: func(string) string {
				return "http://127.0.0.1:1/f.json.gz?" + signature + "&X-Amz-Credential=AKIAEXAMPLE"
			},
			download: okFile, want: "download users export"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, dl := exportTenant(t, c.status, c.location, c.download)
			a := client(t, h.srv.URL, fastLimits)
			err := within(t, 4*time.Second, func() error {
				body, err := a.ExportUsers(context.Background(), []string{"user_id"})
				if err != nil {
					return err
				}
				defer body.Close()
				return decodeExport(body, func(*management.User) error { return nil })
			})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
			if strings.Contains(err.Error(), "5ec7e7519a7") || strings.Contains(err.Error(), "AKIAEXAMPLE") {
				t.Errorf("the error shows the pre-signed URL's credentials: %v", err)
			}
			if (dl.Load() > 0) != c.wantDL {
				t.Errorf("download endpoint reached %d times", dl.Load())
			}
			t.Logf("error: %v", err)
		})
	}
}

// A gzip bomb: small on the wire, huge decompressed.
func TestHostileExportBomb(t *testing.T) {
	h, _ := exportTenant(t, "completed", func(base string) string { return base + "/exports/bomb.json.gz" },
		func(w http.ResponseWriter, r *http.Request) {
			zw := gzip.NewWriter(w)
			line := []byte(`{"user_id":"auth0|x"}` + "\n")
			for i := 0; i < 1<<20; i++ {
				if _, err := zw.Write(line); err != nil {
					return
				}
			}
			zw.Close()
		})
	l := fastLimits
	l.MaxExportBytes = 10 << 20
	l.MaxExportUncompressedBytes = 1 << 20
	a := client(t, h.srv.URL, l)
	body, err := a.ExportUsers(context.Background(), []string{"user_id"})
	if err != nil {
		t.Fatal(err)
	}
	defer body.Close()
	n := 0
	err = decodeExport(body, func(*management.User) error { n++; return nil })
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("error %v after %d users, want ErrTooLarge", err, n)
	}
	if n > (1<<20)/20 {
		t.Errorf("%d users read past a 1 MiB decompressed cap", n)
	}
}

func TestDownloadURLOK(t *testing.T) {
	sim := &Auth0{loopback: true}
	real := &Auth0{loopback: false}
	for _, c := range []struct {
		a   *Auth0
		url string
		ok  bool
	}{
		{real, "https://s3.amazonaws.com/x.gz?sig=1", true},
		{real, "http://s3.amazonaws.com/x.gz", false},
		{real, "http://127.0.0.1:4010/exports/x.gz", false}, // a real tenant never points at our loopback
		{real, "ftp://s3.amazonaws.com/x.gz", false},
		{real, "https:///x.gz", false},
		{sim, "http://127.0.0.1:4010/exports/x.gz", true},
		{sim, "http://[::1]:4010/exports/x.gz", true},
		{sim, "http://localhost:4010/exports/x.gz", true},
		{sim, "http://10.0.0.1/x.gz", false},
		{sim, "file:///etc/passwd", false},
	} {
		u, _ := url.Parse(c.url)
		if err := c.a.downloadURLOK(u); (err == nil) != c.ok {
			t.Errorf("loopback tenant %v, %s: %v", c.a.loopback, c.url, err)
		}
	}
}

// Lists that keep saying "more": a cursor that never ends, one that goes
// round, and offset pages whose total lies.
func TestHostileEndlessPages(t *testing.T) {
	org := func(i int) map[string]any {
		return map[string]any{"id": fmt.Sprintf("org_%d", i), "name": fmt.Sprintf("o%d", i)}
	}
	page := func(from, next string) map[string]any {
		orgs := []any{}
		for i := 0; i < 100; i++ {
			orgs = append(orgs, org(i))
		}
		m := map[string]any{"organizations": orgs}
		if next != "" {
			m["next"] = next
		}
		return m
	}
	cases := []struct {
		name string
		api  http.HandlerFunc
		want string
	}{
		{"next never ends", func(w http.ResponseWriter, r *http.Request) {
			from := r.URL.Query().Get("from")
			_ = json.NewEncoder(w).Encode(page(from, from+"x"))
		}, "still a next page after 20 pages"},
		{"next repeats", func(w http.ResponseWriter, r *http.Request) {
			next := map[string]string{"": "A", "A": "B", "B": "A"}[r.URL.Query().Get("from")]
			_ = json.NewEncoder(w).Encode(page("", next))
		}, "cursor repeated after 3 pages"},
		{"next equals from", func(w http.ResponseWriter, r *http.Request) {
			_ = json.NewEncoder(w).Encode(page("", "same"))
		}, "cursor repeated after 2 pages"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHostile(t, nil, c.api)
			a := client(t, h.srv.URL, fastLimits)
			ctx := withMaxPages(context.Background(), fastLimits.MaxPages)
			_, err := eachCheckpoint(ctx, 100, func(opts ...management.RequestOption) (int, string, error) {
				l, err := a.Organizations(ctx, opts...)
				if err != nil {
					return 0, "", err
				}
				return len(l.Organizations), l.Next, nil
			})
			if !errors.Is(err, ErrEndlessList) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want ErrEndlessList saying %q", err, c.want)
			}
			if n := h.apiHits.Load(); n > int64(fastLimits.MaxPages) {
				t.Errorf("%d calls, over the bound of %d", n, fastLimits.MaxPages)
			}
		})
	}
	t.Run("offset total lies", func(t *testing.T) {
		h := newHostile(t, nil, func(w http.ResponseWriter, r *http.Request) {
			roles := []any{}
			for i := 0; i < 100; i++ {
				roles = append(roles, map[string]any{"id": fmt.Sprintf("rol_%d", i), "name": "r"})
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"roles": roles, "start": 0, "limit": 100, "total": 1 << 30})
		})
		a := client(t, h.srv.URL, fastLimits)
		ctx := withMaxPages(context.Background(), fastLimits.MaxPages)
		_, err := eachOffsetPage(ctx, 100, func(opts ...management.RequestOption) (int, int, error) {
			l, err := a.Roles(ctx, opts...)
			if err != nil {
				return 0, 0, err
			}
			return len(l.Roles), l.Total, nil
		})
		if !errors.Is(err, ErrEndlessList) || h.apiHits.Load() != int64(fastLimits.MaxPages) {
			t.Fatalf("error %v after %d calls, want ErrEndlessList after %d", err, h.apiHits.Load(), fastLimits.MaxPages)
		}
	})
}
