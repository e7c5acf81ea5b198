package auth0sim

import (
	"math"
	"sync"
	"time"
)

// bucket is the tenant's token bucket: it refills at rate tokens/s up to
// burst. With rate 0 limiting is off and the headers report a full bucket.
type bucket struct {
	mu     sync.Mutex
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
}

func newBucket(rate float64, burst int) *bucket {
	return &bucket{rate: rate, burst: float64(burst), tokens: float64(burst), last: time.Now()}
}

type rateVerdict struct {
	ok         bool
	limit      int
	remaining  int
	reset      int64 // epoch seconds
	retryAfter int   // seconds, when !ok
}

func (b *bucket) take(now time.Time) rateVerdict { return b.do(now, true) }

// peek reports the bucket's state without spending a token.
func (b *bucket) peek(now time.Time) rateVerdict { return b.do(now, false) }

func (b *bucket) do(now time.Time, spend bool) rateVerdict {
	b.mu.Lock()
	defer b.mu.Unlock()
	v := rateVerdict{limit: int(b.burst)}
	if b.rate <= 0 {
		// Rate limiting off: always full, "full again" at the next second
		// (Auth0 rounds the reset up). A reset already past would tell a
		// client's pacer the window is over and nothing is known.
		v.ok, v.remaining, v.reset = true, int(b.burst), now.Unix()+1
		return v
	}
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens = math.Min(b.burst, b.tokens+el*b.rate)
	}
	b.last = now
	if b.tokens >= 1 {
		if spend {
			b.tokens--
		}
		v.ok = true
		v.remaining = int(b.tokens)
		// When the bucket will be full again.
		v.reset = ceilUnix(now.Add(time.Duration((b.burst - b.tokens) / b.rate * float64(time.Second))))
		return v
	}
	// When the next token arrives.
	wait := time.Duration((1 - b.tokens) / b.rate * float64(time.Second))
	v.retryAfter = max(int(math.Ceil(wait.Seconds())), 1)
	v.reset = ceilUnix(now.Add(wait))
	return v
}

// ceilUnix rounds t up to whole epoch seconds, so waiting until the reset
// time is always enough.
func ceilUnix(t time.Time) int64 {
	if t.Nanosecond() > 0 {
		return t.Unix() + 1
	}
	return t.Unix()
}
