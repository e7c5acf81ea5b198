package main

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/authgraph/authgraph/ingest"
)

// syncProgress shows one line per resource: live bars on a terminal, plain
// log lines elsewhere (CI, pipes).
type syncProgress struct {
	mu    sync.Mutex
	out   io.Writer
	tty   bool
	p     *mpb.Progress
	bars  map[string]*bar
	start time.Time
	// every is how often a plain (not a terminal) progress line is printed
	// per resource.
	every time.Duration
	plain map[string]*etaClock
}

type bar struct {
	mu     sync.Mutex // guards the fields below; never held while calling mpb
	b      *mpb.Bar
	count  int
	total  int
	status string
	eta    etaClock
}

// etaClock estimates when a resource with a known total finishes, from its
// rate over the last etaWindow (since its first progress event while
// younger): over a long collection the rate moves (the users load as fast
// as Neo4j writes on a machine whose load changes; organization members
// speed up when the role members that shared the rate limit are done), and
// a rate since the start kept the ETA minutes behind it.
type etaClock struct {
	t0      time.Time
	c0      int
	printed time.Time // last plain progress line
	samples []etaSample
}

type etaSample struct {
	t time.Time
	c int
}

const etaWindow = 2 * time.Minute

// observe records count and returns the rate (items/s) and the time left
// (ok false while too little is known).
func (e *etaClock) observe(now time.Time, count, total int) (rate float64, left time.Duration, ok bool) {
	if e.t0.IsZero() {
		e.t0, e.c0 = now, count
		e.samples = []etaSample{{now, count}}
		return 0, 0, false
	}
	// A sample every few seconds at most; the oldest kept is the last one
	// at least a window old.
	if last := e.samples[len(e.samples)-1]; now.Sub(last.t) >= etaWindow/24 {
		e.samples = append(e.samples, etaSample{now, count})
	}
	for len(e.samples) > 1 && now.Sub(e.samples[1].t) >= etaWindow {
		e.samples = e.samples[1:]
	}
	base := e.samples[0]
	el := now.Sub(base.t).Seconds()
	if el < 1 || count <= base.c {
		return 0, 0, false
	}
	rate = float64(count-base.c) / el
	if total <= 0 || count >= total {
		return rate, 0, total > 0
	}
	return rate, time.Duration(float64(total-count) / rate * float64(time.Second)), true
}

func etaString(rate float64, left time.Duration, ok bool) string {
	if !ok {
		return ""
	}
	return fmt.Sprintf("%.0f/s, ETA %s", rate, left.Round(time.Second))
}

func newSyncProgress(out io.Writer, tty bool) *syncProgress {
	sp := &syncProgress{out: out, tty: tty, bars: map[string]*bar{}, start: time.Now(), every: 10 * time.Second, plain: map[string]*etaClock{}}
	if tty {
		sp.p = mpb.New(mpb.WithOutput(out), mpb.WithWidth(24), mpb.WithRefreshRate(150*time.Millisecond))
	}
	return sp
}

func (sp *syncProgress) Event(e ingest.Event) {
	if !sp.tty {
		sp.mu.Lock()
		defer sp.mu.Unlock()
		switch e.Phase {
		case "start":
			fmt.Fprintf(sp.out, "%6.1fs  %-26s started\n", time.Since(sp.start).Seconds(), e.Resource)
		case "done":
			fmt.Fprintf(sp.out, "%6.1fs  %-26s done (%d)\n", time.Since(sp.start).Seconds(), e.Resource, e.Count)
		case "skipped":
			fmt.Fprintf(sp.out, "%6.1fs  %-26s skipped: %s\n", time.Since(sp.start).Seconds(), e.Resource, e.Note)
		case "failed":
			fmt.Fprintf(sp.out, "%6.1fs  %-26s FAILED: %s\n", time.Since(sp.start).Seconds(), e.Resource, e.Note)
		case "progress":
			// A line per resource every so often, with the rate and, when
			// the total is known, the time left.
			c := sp.plain[e.Resource]
			if c == nil {
				c = &etaClock{}
				sp.plain[e.Resource] = c
			}
			now := time.Now()
			rate, left, ok := c.observe(now, e.Count, e.Total)
			if now.Sub(c.printed) < sp.every || c.printed.IsZero() && now.Sub(c.t0) < sp.every {
				return
			}
			c.printed = now
			of := ""
			if e.Total > 0 {
				of = fmt.Sprintf(" / %d", e.Total)
			}
			if eta := etaString(rate, left, ok); eta != "" {
				of += "  " + eta
			}
			fmt.Fprintf(sp.out, "%6.1fs  %-26s %d%s\n", now.Sub(sp.start).Seconds(), e.Resource, e.Count, of)
		}
		return
	}
	sp.mu.Lock()
	b := sp.bars[e.Resource]
	if b == nil {
		b = &bar{status: "running"}
		st := b
		b.b = sp.p.AddSpinner(0,
			mpb.PrependDecorators(decor.Name(fmt.Sprintf("%-26s", e.Resource))),
			mpb.AppendDecorators(decor.Any(func(decor.Statistics) string {
				st.mu.Lock()
				defer st.mu.Unlock()
				if st.total > 0 {
					eta := ""
					if st.status == "running" {
						if s := etaString(st.eta.observe(time.Now(), st.count, st.total)); s != "" {
							eta = "  " + s
						}
					}
					return fmt.Sprintf("%d / %d  %s%s", st.count, st.total, st.status, eta)
				}
				return fmt.Sprintf("%d  %s", st.count, st.status)
			})),
			mpb.BarFillerOnComplete("✓"),
		)
		sp.bars[e.Resource] = b
	}
	sp.mu.Unlock()
	b.mu.Lock()
	if e.Count > b.count {
		b.count = e.Count
	}
	if e.Total > 0 {
		b.total = e.Total
	}
	switch e.Phase {
	case "done":
		b.status = "done"
	case "skipped":
		b.status = "skipped: " + e.Note
	case "failed":
		b.status = "FAILED: " + e.Note
	}
	b.mu.Unlock()
	switch e.Phase {
	case "done", "skipped":
		b.b.SetTotal(-1, true)
	case "failed":
		b.b.Abort(false)
	}
}

func (sp *syncProgress) Close() {
	if sp.p == nil {
		return
	}
	sp.mu.Lock()
	bars := make([]*bar, 0, len(sp.bars))
	for _, b := range sp.bars {
		bars = append(bars, b)
	}
	sp.mu.Unlock()
	for _, b := range bars {
		if !b.b.Completed() && !b.b.Aborted() {
			b.b.Abort(false)
		}
	}
	sp.p.Wait()
}
