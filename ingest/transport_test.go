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

func TestPacerPacesAtTheObservedRate(t *testing.T) {
	p := newPacer(nil)
	h := http.Header{}
	// 20 of 20 used, full again in 1-2 s: at least ~9.5 requests/s refill.
	h.Set("x-ratelimit-limit", "20")
	h.Set("x-ratelimit-remaining", "0")
	h.Set("x-ratelimit-reset", strconv.FormatInt(time.Now().Add(2*time.Second).Unix(), 10))
	p.observe(h, 200, time.Now())
	if p.rate < 6 || p.rate > 21 {
		t.Fatalf("estimated rate %.1f/s from the headers", p.rate)
	}
	start := time.Now()
	for i := 0; i < 3; i++ {
		if err := p.wait(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	// Three requests at >= 6/s take at least ~0.35 s and much less than the
	// full reset.
	if el := time.Since(start); el < 3*time.Second/time.Duration(p.rate)-50*time.Millisecond || el > 1500*time.Millisecond {
		t.Errorf("3 paced requests took %s at %.1f/s", el, p.rate)
	}
}

func TestPacerBlocksAfter429(t *testing.T) {
	p := newPacer(nil)
	until := time.Now().Add(300 * time.Millisecond)
	p.blockUntil(until)
	if err := p.wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if time.Now().Before(until) {
		t.Error("a request went out before the 429's reset")
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
