package monitor

import (
	"context"
	"sync"
	"time"

	"github.com/authgraph/authgraph/ingest"
)

// Rule evaluation after pushed applies. A pushed batch is applied every few
// hundred milliseconds while a stream is busy, and evaluating every rule on a
// large tenant takes seconds: run inline, it would hold the tenant's lease and
// delay the next batch by that much. So an apply that changed something only
// asks for an evaluation, which runs beside the applies: at most one per
// tenant at a time, and when applies changed more while it ran, once more
// after it (however many they were). The change alerts of an apply go out at
// once; the findings alerts when its evaluation ends. Every evaluation of a
// tenant in this process runs one at a time, scheduled syncs' included (serve
// runs the scheduler and the stream receiver with a Monitor each), so two
// never compare the findings before and after at once.

// evalLocks holds a mutex per tenant: one evaluation of it at a time in
// this process.
var evalLocks sync.Map

func evalLock(tenant string) *sync.Mutex {
	l, _ := evalLocks.LoadOrStore(tenant, &sync.Mutex{})
	return l.(*sync.Mutex)
}

type evalState struct {
	running bool // a pushed evaluation is in flight (under Monitor.evalMu)
	again   bool // applies changed more since it started
	sum     *ingest.Summary
}

func (m *Monitor) evalState(tenant string) *evalState {
	m.evalMu.Lock()
	defer m.evalMu.Unlock()
	if m.evals == nil {
		m.evals = map[string]*evalState{}
	}
	st := m.evals[tenant]
	if st == nil {
		st = &evalState{}
		m.evals[tenant] = st
	}
	return st
}

// afterSync runs the AfterSync hook on the tenant, one evaluation of the
// tenant at a time in this process.
func (m *Monitor) afterSync(ctx context.Context, tenant string, sum *ingest.Summary) []FindingAlert {
	if m.AfterSync == nil {
		return nil
	}
	l := evalLock(tenant)
	l.Lock()
	defer l.Unlock()
	f, err := m.AfterSync.AfterSync(ctx, tenant, sum)
	if err != nil {
		m.Logger.Warn("after-sync hook failed", "tenant", tenant, "err", err)
	}
	return f
}

// evaluateSoon asks for an evaluation of the tenant after a pushed apply
// that changed something (sum is that apply's). It returns at once: the
// evaluation runs in the background until ctx ends, coalesced with the
// other applies' requests, and dispatches its findings' alerts.
func (m *Monitor) evaluateSoon(ctx context.Context, tenant string, sum *ingest.Summary) {
	if m.AfterSync == nil {
		return
	}
	st := m.evalState(tenant)
	m.evalMu.Lock()
	st.sum = sum
	if st.running {
		st.again = true
		m.evalMu.Unlock()
		return
	}
	st.running = true
	m.evalMu.Unlock()
	go func() {
		for {
			m.evalMu.Lock()
			sum := st.sum
			st.again = false
			m.evalMu.Unlock()
			started := time.Now()
			f := m.afterSync(ctx, tenant, sum)
			m.Logger.Debug("rules evaluated after pushed changes", "tenant", tenant, "findings", len(f), "took", time.Since(started))
			alerts := make([]Alert, len(f))
			for i := range f {
				alerts[i] = Alert{Finding: &f[i]}
			}
			m.Notifier.Dispatch(ctx, alerts)
			m.evalMu.Lock()
			if !st.again || ctx.Err() != nil {
				st.running = false
				m.evalMu.Unlock()
				return
			}
			m.evalMu.Unlock()
		}
	}()
}

// WaitEvaluations waits until no evaluation asked for by pushed applies is
// in flight or pending (tests, benchmarks, shutdown).
func (m *Monitor) WaitEvaluations(ctx context.Context) error {
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for {
		m.evalMu.Lock()
		busy := false
		for _, st := range m.evals {
			busy = busy || st.running
		}
		m.evalMu.Unlock()
		if !busy {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
