package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/authgraph/authgraph/internal/netguard"
)

// pacer is an http.RoundTripper that paces requests by Auth0's rate-limit
// headers, retries 429s (waiting for the reset) and 5xx/network errors (with
// backoff), and counts what it saw. go-auth0's own retries are switched off
// so this is the only retry layer and it sees every attempt.
type pacer struct {
	base       http.RoundTripper
	maxRetries int           // per request
	maxWait    time.Duration // longest single wait for a reset

	// A local mirror of the tenant's token bucket, fed by the headers:
	// tokens left (-1 unknown), the refill rate (0 unknown), when they were
	// last updated, and a hard stop after a 429.
	mu           sync.Mutex
	tokens       float64
	limit        float64
	rate         float64
	last         time.Time
	reset        time.Time
	blockedUntil time.Time
	inflight     int // requests sent and not yet answered

	calls   atomic.Int64
	retries atomic.Int64
	seen429 atomic.Int64
	seen5xx atomic.Int64
}

func newPacer(base http.RoundTripper) *pacer {
	if base == nil {
		base = http.DefaultTransport
	}
	return &pacer{base: base, maxRetries: 6, maxWait: 30 * time.Second, tokens: -1}
}

// wait blocks until a request may be sent under the last known limits.
func (p *pacer) wait(ctx context.Context) error {
	for {
		d := p.reserve(time.Now())
		if d <= 0 {
			return nil
		}
		if err := sleep(ctx, min(d, p.maxWait)); err != nil {
			return err
		}
	}
}

// reserve takes a token if one is available and returns 0, or returns how
// long to wait for the next one.
func (p *pacer) reserve(now time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	if now.Before(p.blockedUntil) {
		return p.blockedUntil.Sub(now)
	}
	if p.tokens < 0 {
		// Nothing known yet: one request at a time until headers say how
		// much the bucket holds (a blind burst of concurrent fetchers
		// could overrun a small bucket).
		if p.inflight > 0 {
			return 20 * time.Millisecond
		}
		p.inflight++
		return 0
	}
	if p.rate > 0 {
		p.tokens = math.Min(p.limit, p.tokens+now.Sub(p.last).Seconds()*p.rate)
		p.last = now
	} else if !now.Before(p.reset) {
		// The window has passed: go, one at a time, until headers say
		// otherwise.
		p.tokens = -1
		if p.inflight > 0 {
			return 20 * time.Millisecond
		}
		p.inflight++
		return 0
	}
	if p.tokens >= 1 {
		p.tokens--
		p.inflight++
		return 0
	}
	if p.rate > 0 {
		return time.Duration((1 - p.tokens) / p.rate * float64(time.Second))
	}
	return p.reset.Sub(now)
}

// observe updates the mirror from a response's headers. Auth0 reports the
// bucket size, what remains (floored) and when it is full again (epoch
// seconds, rounded up), so each response gives a lower bound of the refill
// rate; the largest seen is kept. A 429's reset is when the next request
// may go, not when the bucket is full: it says nothing of the rate.
//
// Once the mirror is known, a header only lowers it: concurrent requests
// are answered in another order than the bucket counted them, so a higher
// remaining may be older news, and trusting it lets a few requests through
// that the bucket no longer has (each costing a 429 and a wait for the
// reset). The mirror refills at the learnt rate, a lower bound of the
// bucket's, so it never runs ahead of the bucket.
//
// The bucket wrote the header at some time between sent (when the request
// left) and now: the time to the reset is measured from sent, so that a
// response that reaches a busy process late (hundreds of milliseconds on a
// loaded machine) cannot make the reset look nearer and the rate higher than
// the bucket's (it did: 17.9/s learnt of 16/s, and 115 429s in a 100k-user
// collection).
func (p *pacer) observe(h http.Header, status int, sent time.Time) {
	rem, err1 := strconv.Atoi(h.Get("x-ratelimit-remaining"))
	reset, err2 := strconv.ParseInt(h.Get("x-ratelimit-reset"), 10, 64)
	limit, err3 := strconv.Atoi(h.Get("x-ratelimit-limit"))
	if err1 != nil || err2 != nil || err3 != nil {
		return
	}
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	// Requests still in flight will spend tokens the header did not count.
	hdr := math.Max(float64(rem-p.inflight), 0)
	if p.tokens >= 0 && p.rate > 0 {
		hdr = math.Min(hdr, math.Min(p.limit, p.tokens+now.Sub(p.last).Seconds()*p.rate))
	}
	p.tokens, p.limit, p.last, p.reset = hdr, float64(limit), now, time.Unix(reset, 0)
	// remaining is floored, so the deficit is at least limit-rem-1.
	if until := p.reset.Sub(sent).Seconds(); status != http.StatusTooManyRequests && rem < limit-1 && until > 0 {
		p.rate = math.Max(p.rate, float64(limit-rem-1)/until)
	}
}

// blockUntil stops all requests until t (after a 429).
func (p *pacer) blockUntil(t time.Time) {
	p.mu.Lock()
	if t.After(p.blockedUntil) {
		p.blockedUntil = t
	}
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
		sent := time.Now()
		resp, err := p.base.RoundTrip(r)
		p.mu.Lock()
		p.inflight = max(p.inflight-1, 0)
		p.mu.Unlock()
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
		p.observe(resp.Header, resp.StatusCode, sent)
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
			p.blockUntil(time.Now().Add(d))
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

// newBaseTransport is the network layer of every client of a sync: bounded
// connect, TLS handshake and wait for headers (the body is bounded by each
// client's overall deadline).
func newBaseTransport(l Limits) *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: l.ConnectTimeout, KeepAlive: 30 * time.Second, Control: netguard.Control}).DialContext,
		TLSHandshakeTimeout:   l.ConnectTimeout,
		ResponseHeaderTimeout: l.HeaderTimeout,
		ExpectContinueTimeout: time.Second,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}
}

// hostGuard sends requests only to the tenant (scheme and host), and caps
// response bodies. It sits under oauth2.Transport, which sets the bearer
// token on every request it sees, redirects included, so Go's own rule of
// dropping Authorization on some cross-host redirects does not protect the
// token: a request for any other host is refused here before it is sent.
type hostGuard struct {
	base   http.RoundTripper
	scheme string
	host   string
	max    int64
	what   string
}

func (g *hostGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != g.scheme || !strings.EqualFold(req.URL.Host, g.host) {
		if req.Body != nil {
			req.Body.Close()
		}
		why := "a request"
		if req.Response != nil {
			why = "a redirect"
		}
		return nil, fmt.Errorf("%w: refused %s to %s://%s; the %s is sent only to %s://%s",
			ErrForeignHost, why, req.URL.Scheme, req.URL.Host, g.what, g.scheme, g.host)
	}
	resp, err := g.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	return capBody(resp, g.max, "response from "+g.host)
}

// ErrForeignHost is returned for a request (usually a redirect) that would
// carry credentials to a host other than the tenant's.
var ErrForeignHost = errors.New("credentials stay with the tenant")

// ErrTooLarge is returned when a response exceeds its size cap.
var ErrTooLarge = errors.New("response too large")

// capBody fails a response whose declared length exceeds max at once, and
// one that grows past max while it is read.
func capBody(resp *http.Response, max int64, what string) (*http.Response, error) {
	if resp.ContentLength > max {
		resp.Body.Close()
		return nil, fmt.Errorf("%w: %s declares %d bytes, over the limit of %s", ErrTooLarge, what, resp.ContentLength, sizeString(max))
	}
	resp.Body = &cappedBody{rc: resp.Body, left: max, max: max, what: what}
	return resp, nil
}

type cappedBody struct {
	rc   io.ReadCloser
	left int64
	max  int64
	what string
}

func (c *cappedBody) Read(p []byte) (int, error) {
	if c.left <= 0 {
		var one [1]byte
		n, err := c.rc.Read(one[:])
		if n > 0 {
			return 0, fmt.Errorf("%w: %s is over the limit of %s", ErrTooLarge, c.what, sizeString(c.max))
		}
		return 0, err
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.rc.Read(p)
	c.left -= int64(n)
	return n, err
}

func (c *cappedBody) Close() error { return c.rc.Close() }

func sizeString(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	default:
		return fmt.Sprintf("%d bytes", n)
	}
}

// idleBody fails a read that waits longer than idle for the network
// (cancelling the request); time the reader spends between reads does not
// count.
type idleBody struct {
	rc       io.ReadCloser
	idle     time.Duration
	timer    *time.Timer
	timedOut atomic.Bool
	what     string
}

func newIdleBody(rc io.ReadCloser, idle time.Duration, cancel context.CancelFunc, what string) *idleBody {
	b := &idleBody{rc: rc, idle: idle, what: what}
	b.timer = time.AfterFunc(time.Hour, func() { b.timedOut.Store(true); cancel() })
	b.timer.Stop()
	return b
}

func (b *idleBody) Read(p []byte) (int, error) {
	b.timer.Reset(b.idle)
	n, err := b.rc.Read(p)
	b.timer.Stop()
	if err != nil && err != io.EOF && b.timedOut.Load() {
		err = fmt.Errorf("%s: no data for %s", b.what, b.idle)
	}
	return n, err
}

func (b *idleBody) Close() error {
	b.timer.Stop()
	return b.rc.Close()
}

// noRedirects makes a client return a redirect response as it is.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
