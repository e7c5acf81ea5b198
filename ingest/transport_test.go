package ingest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

func TestPacerRetries429AndHonoursReset(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := n.Add(1)
		reset := time.Now().Add(300 * time.Millisecond).Unix()
		w.Header().Set("x-ratelimit-limit", "2")
		w.Header().Set("x-ratelimit-reset", strconv.FormatInt(reset, 10))
		if i == 2 {
			w.Header().Set("x-ratelimit-remaining", "0")
			w.Header().Set("retry-after", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.Header().Set("x-ratelimit-remaining", "5")
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	p := newPacer(http.DefaultTransport)
	c := &http.Client{Transport: p}
	for i := 0; i < 3; i++ {
		resp, err := c.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("request %d: status %d, want the 429 retried into a 200", i, resp.StatusCode)
		}
	}
	if p.seen429.Load() != 1 || p.retries.Load() != 1 || p.calls.Load() != 4 {
		t.Errorf("429s=%d retries=%d calls=%d, want 1/1/4", p.seen429.Load(), p.retries.Load(), p.calls.Load())
	}
}

func TestPacerWaitsWhenRemainingIsZero(t *testing.T) {
	p := newPacer(nil)
	h := http.Header{}
	h.Set("x-ratelimit-remaining", "0")
	// Reset is in whole seconds: wait until the next second boundary.
	reset := time.Now().Add(time.Second).Truncate(time.Second)
	h.Set("x-ratelimit-reset", strconv.FormatInt(reset.Unix(), 10))
	p.observe(h)
	start := time.Now()
	if err := p.wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if time.Now().Before(reset) {
		t.Errorf("wait returned after %s, before the reset", time.Since(start))
	}
}

func TestPacerRetries5xxBounded(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	p := newPacer(http.DefaultTransport)
	p.maxRetries = 2
	resp, err := (&http.Client{Transport: p}).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 || n.Load() != 3 {
		t.Errorf("status %d after %d attempts, want 503 after 3", resp.StatusCode, n.Load())
	}
}

func TestParseDomain(t *testing.T) {
	cases := []struct {
		in, want string
		ok       bool
	}{
		{"acme.eu.auth0.com", "https://acme.eu.auth0.com", true},
		{"https://acme.auth0.com/", "https://acme.auth0.com", true},
		{"http://127.0.0.1:4010", "http://127.0.0.1:4010", true},
		{"http://localhost:4010", "http://localhost:4010", true},
		{"http://acme.auth0.com", "", false},
		{"ftp://x", "", false},
		{"", "", false},
	}
	for _, c := range cases {
		u, err := ParseDomain(c.in)
		if (err == nil) != c.ok {
			t.Errorf("ParseDomain(%q) err = %v", c.in, err)
			continue
		}
		if c.ok && u.String() != c.want {
			t.Errorf("ParseDomain(%q) = %s, want %s", c.in, u, c.want)
		}
	}
}
