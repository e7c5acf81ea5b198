package ingest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authgraph/authgraph/internal/auth0sim"
)

// TestPacerAgainstTheSimulatorsBucket runs 16 concurrent clients through one
// pacer against the simulator's token bucket for a few seconds: the pacer
// learns the rate from the headers, so it sends no more than a few
// requests into a 429 (none after the first burst), and it uses what the
// bucket allows (the ratio is logged, not asserted: timing is the
// benchmark's job).
func TestPacerAgainstTheSimulatorsBucket(t *testing.T) {
	for _, c := range []struct {
		rps   float64
		burst int
	}{{2, 10}, {16, 50}, {48, 150}} {
		t.Run(fmt.Sprintf("%g/s burst %d", c.rps, c.burst), func(t *testing.T) {
			sim, err := auth0sim.New(auth0sim.Config{Seed: 1, Users: 10, RPS: c.rps, Burst: c.burst})
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(sim.Handler())
			defer srv.Close()
			p := newPacer(http.DefaultTransport)
			p.maxRetries = 0
			hc := &http.Client{Transport: p}
			const d = 4 * time.Second
			ctx, cancel := context.WithTimeout(context.Background(), d)
			defer cancel()
			var wg sync.WaitGroup
			var mu sync.Mutex
			ok := 0
			for w := 0; w < 16; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for ctx.Err() == nil {
						req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/api/v2/tenants/settings", nil)
						resp, err := hc.Do(req)
						if err != nil {
							return
						}
						resp.Body.Close()
						if resp.StatusCode != http.StatusTooManyRequests {
							mu.Lock()
							ok++
							mu.Unlock()
						}
					}
				}()
			}
			wg.Wait()
			allowed := float64(c.burst) + c.rps*d.Seconds()
			t.Logf("%d answered of %.0f the bucket allowed (%.2f), 429s %d, rate learnt %.1f/s", ok, allowed, float64(ok)/allowed, p.seen429.Load(), p.rate)
			if n := p.seen429.Load(); n > 3 {
				t.Errorf("%d requests ran into a 429; the pacer should keep under the bucket", n)
			}
			if float64(ok) > allowed+1 {
				t.Errorf("%d answered, more than the bucket allows (%.0f): the simulator does not limit", ok, allowed)
			}
		})
	}
}

// lateTransport hands responses over late, as a client does whose process
// waits for a CPU: the headers were true when the simulator wrote them.
type lateTransport struct{ max time.Duration }

func (l lateTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	time.Sleep(time.Duration(rand.Int64N(int64(l.max))))
	return resp, err
}

// On a loaded machine responses reach the pacer up to a few hundred
// milliseconds after the simulator counted them. A rate learnt from the
// time a response arrived would be too high (the reset looks nearer than it
// was) and send the clients into 429s; learnt from the time the request
// left, it stays a lower bound.
func TestPacerWithLateResponsesStaysUnderTheBucket(t *testing.T) {
	sim, err := auth0sim.New(auth0sim.Config{Seed: 1, Users: 10, RPS: 16, Burst: 50})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()
	p := newPacer(lateTransport{max: 400 * time.Millisecond})
	p.maxRetries = 0
	hc := &http.Client{Transport: p}
	const d = 6 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var wg sync.WaitGroup
	var ok atomic.Int64
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/api/v2/tenants/settings", nil)
				resp, err := hc.Do(req)
				if err != nil {
					return
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusTooManyRequests {
					ok.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	allowed := 50 + 16*d.Seconds()
	t.Logf("%d answered of %.0f the bucket allowed (%.2f), 429s %d, rate learnt %.1f/s", ok.Load(), allowed, float64(ok.Load())/allowed, p.seen429.Load(), p.rate)
	if p.rate > 16 {
		t.Errorf("rate learnt %.1f/s, more than the bucket's 16/s", p.rate)
	}
	if n := p.seen429.Load(); n > 3 {
		t.Errorf("%d requests ran into a 429", n)
	}
}
