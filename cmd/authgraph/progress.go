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
}

type bar struct {
	mu     sync.Mutex // guards the fields below; never held while calling mpb
	b      *mpb.Bar
	count  int
	total  int
	status string
}

func newSyncProgress(out io.Writer, tty bool) *syncProgress {
	sp := &syncProgress{out: out, tty: tty, bars: map[string]*bar{}, start: time.Now()}
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
					return fmt.Sprintf("%d / %d  %s", st.count, st.total, st.status)
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
