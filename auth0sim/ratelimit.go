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

func (b *bucket) take(now time.Time) rateVerdict {
	b.mu.Lock()
	defer b.mu.Unlock()
	v := rateVerdict{limit: int(b.burst)}
	if b.rate <= 0 {
		v.ok, v.remaining, v.reset = true, int(b.burst), now.Unix()
		return v
	}
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens = math.Min(b.burst, b.tokens+el*b.rate)
	}
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		v.ok = true
		v.remaining = int(b.tokens)
		// Seconds until the bucket is full again.
		v.reset = now.Add(time.Duration((b.burst - b.tokens) / b.rate * float64(time.Second))).Unix()
		if b.tokens < b.burst {
			v.reset++
		}
		return v
	}
	wait := (1 - b.tokens) / b.rate
	v.retryAfter = int(math.Ceil(wait))
	if v.retryAfter < 1 {
		v.retryAfter = 1
	}
	v.reset = now.Unix() + int64(v.retryAfter)
	return v
}
