package ingest

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// pacer is an http.RoundTripper that paces requests by Auth0's rate-limit
// headers, retries 429s (waiting for the reset) and 5xx/network errors (with
// backoff), and counts what it saw. go-auth0's own retries are switched off
// so this is the only retry layer and it sees every attempt.
type pacer struct {
	base       http.RoundTripper
	maxRetries int           // per request
	maxWait    time.Duration // longest single wait for a reset

	mu        sync.Mutex
	remaining int // estimated requests left in the window; -1 unknown
	reset     time.Time

	calls   atomic.Int64
	retries atomic.Int64
	seen429 atomic.Int64
	seen5xx atomic.Int64
}

func newPacer(base http.RoundTripper) *pacer {
	if base == nil {
		base = http.DefaultTransport
	}
	return &pacer{base: base, maxRetries: 8, maxWait: 30 * time.Second, remaining: -1}
}

// wait blocks until a request may be sent under the last known limits.
func (p *pacer) wait(ctx context.Context) error {
	for {
		p.mu.Lock()
		now := time.Now()
		if p.remaining != 0 || !now.Before(p.reset) {
			if p.remaining > 0 {
				p.remaining--
			}
			p.mu.Unlock()
			return nil
		}
		d := p.reset.Sub(now)
		p.mu.Unlock()
		if d > p.maxWait {
			d = p.maxWait
		}
		if err := sleep(ctx, d); err != nil {
			return err
		}
		p.mu.Lock()
		// The window has passed; allow requests until headers say otherwise.
		if !time.Now().Before(p.reset) {
			p.remaining = -1
		}
		p.mu.Unlock()
	}
}

// observe updates the limits from a response's headers.
func (p *pacer) observe(h http.Header) {
	rem, err1 := strconv.Atoi(h.Get("x-ratelimit-remaining"))
	reset, err2 := strconv.ParseInt(h.Get("x-ratelimit-reset"), 10, 64)
	if err1 != nil || err2 != nil {
		return
	}
	p.mu.Lock()
	p.remaining = rem
	p.reset = time.Unix(reset, 0)
	p.mu.Unlock()
}

func (p *pacer) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	for attempt := 0; ; attempt++ {
		if err := p.wait(ctx); err != nil {
			return nil, err
		}
		r := req
		if attempt > 0 && req.Body != nil && req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			r = req.Clone(ctx)
			r.Body = body
		}
		p.calls.Add(1)
		resp, err := p.base.RoundTrip(r)
		if err != nil {
			if ctx.Err() != nil || attempt >= p.maxRetries || !retryableBody(req) {
				return nil, err
			}
			p.retries.Add(1)
			if err := sleep(ctx, backoff(attempt)); err != nil {
				return nil, err
			}
			continue
		}
		p.observe(resp.Header)
		switch {
		case resp.StatusCode == http.StatusTooManyRequests:
			p.seen429.Add(1)
		case resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented:
			p.seen5xx.Add(1)
		default:
			return resp, nil
		}
		if attempt >= p.maxRetries || !retryableBody(req) {
			return resp, nil
		}
		d := backoff(attempt)
		if resp.StatusCode == http.StatusTooManyRequests {
			d = p.resetWait(resp.Header)
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		_ = resp.Body.Close()
		p.retries.Add(1)
		if err := sleep(ctx, d); err != nil {
			return nil, err
		}
	}
}

// resetWait is how long to wait after a 429: until the reset (or
// Retry-After), with a little jitter so concurrent fetchers spread out.
func (p *pacer) resetWait(h http.Header) time.Duration {
	d := 250 * time.Millisecond
	if s, err := strconv.Atoi(h.Get("retry-after")); err == nil && s >= 0 {
		d = time.Duration(s) * time.Second
	} else if r, err := strconv.ParseInt(h.Get("x-ratelimit-reset"), 10, 64); err == nil {
		if w := time.Until(time.Unix(r, 0)); w > 0 {
			d = w
		}
	}
	if d > p.maxWait {
		d = p.maxWait
	}
	return d + time.Duration(rand.Int64N(int64(100*time.Millisecond)))
}

func retryableBody(req *http.Request) bool { return req.Body == nil || req.GetBody != nil }

// backoff grows exponentially from 200 ms to 10 s, with jitter.
func backoff(attempt int) time.Duration {
	d := 200 * time.Millisecond << min(attempt, 6)
	if d > 10*time.Second {
		d = 10 * time.Second
	}
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
