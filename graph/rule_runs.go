package graph

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"

	"github.com/authgraph/authgraph/graph/model"
	"github.com/authgraph/authgraph/internal/findings"
	"github.com/authgraph/authgraph/internal/store"
)

// runRules over GraphQL: a full evaluation of a very large tenant takes
// longer than the request's deadline (--request-timeout, 30 s), while the
// CLI and the scheduler have no limit. So the mutation starts the
// evaluation detached from the request, waits for it until shortly before
// the deadline, and otherwise answers status running with what is known;
// ruleRun(id) is polled until done. One run per tenant at a time: asking
// again while one runs joins it.

const (
	// ruleRunMargin is left of the request's deadline to answer.
	ruleRunMargin = 3 * time.Second
	// ruleRunTimeout bounds a background run.
	ruleRunTimeout = 30 * time.Minute
	// ruleRunKeep is how long a finished run can be polled.
	ruleRunKeep = time.Hour
)

// ruleRuns are the rule runs of this process.
type ruleRuns struct {
	mu      sync.Mutex
	byID    map[string]*ruleRun
	running map[string]*ruleRun // by tenant
}

// ruleRun is one evaluation, running or done.
type ruleRun struct {
	id, tenant string
	total      int
	started    time.Time
	done       chan struct{}

	mu       sync.Mutex
	outcomes []findings.RuleOutcome
	sum      *findings.Summary
	err      error
	finished time.Time
}

// start returns the tenant's running run, or starts one with eng.
func (rr *ruleRuns) start(tenant string, eng *findings.Engine) *ruleRun {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	if rr.byID == nil {
		rr.byID, rr.running = map[string]*ruleRun{}, map[string]*ruleRun{}
	}
	for id, x := range rr.byID {
		x.mu.Lock()
		old := !x.finished.IsZero() && time.Since(x.finished) > ruleRunKeep
		x.mu.Unlock()
		if old {
			delete(rr.byID, id)
		}
	}
	if x := rr.running[tenant]; x != nil {
		return x
	}
	x := &ruleRun{id: newRuleRunID(), tenant: tenant, total: len(eng.Rules()), started: time.Now(), done: make(chan struct{})}
	rr.byID[x.id], rr.running[tenant] = x, x
	eng.OnRule = func(o findings.RuleOutcome) {
		x.mu.Lock()
		x.outcomes = append(x.outcomes, o)
		x.mu.Unlock()
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), ruleRunTimeout)
		defer cancel()
		sum, err := eng.Run(ctx, tenant)
		x.mu.Lock()
		x.sum, x.err, x.finished = sum, err, time.Now()
		x.mu.Unlock()
		rr.mu.Lock()
		if rr.running[tenant] == x {
			delete(rr.running, tenant)
		}
		rr.mu.Unlock()
		close(x.done)
	}()
	return x
}

func (rr *ruleRuns) get(id string) *ruleRun {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	return rr.byID[id]
}

func newRuleRunID() string {
	return "rulerun-" + newRandomID()
}

// wait waits for the run until ctx's deadline less the margin (or ctx's
// end); it says whether the run is done.
func (x *ruleRun) wait(ctx context.Context) bool {
	var timeout <-chan time.Time
	if dl, ok := ctx.Deadline(); ok {
		t := time.NewTimer(max(time.Until(dl)-ruleRunMargin, 0))
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-x.done:
		return true
	case <-timeout:
	case <-ctx.Done():
	}
	select {
	case <-x.done:
		return true
	default:
		return false
	}
}

// view is the run as GraphQL shows it; score is the tenant's current
// posture score while it runs.
func (x *ruleRun) view(ctx context.Context, st *store.Store) (*model.RuleRun, error) {
	x.mu.Lock()
	sum, err, outcomes := x.sum, x.err, append([]findings.RuleOutcome(nil), x.outcomes...)
	finished := x.finished
	x.mu.Unlock()
	out := &model.RuleRun{ID: x.id, Tenant: x.tenant, RulesTotal: x.total, Failed: []*model.RuleFailure{}}
	switch {
	case sum != nil:
		out.Status = "done"
		out.RulesRun, out.Opened, out.Reopened, out.Resolved = sum.RulesRun, sum.Opened, sum.Reopened, sum.Resolved
		out.StillOpen, out.Suppressed, out.Score = sum.StillOpen, sum.Suppressed, sum.Score
		out.DurationMs = int(sum.Duration.Milliseconds())
		outcomes = sum.Outcomes
	case !finished.IsZero():
		out.Status = "failed"
		if err != nil {
			e := err.Error()
			out.Error = &e
		}
		out.DurationMs = int(finished.Sub(x.started).Milliseconds())
	default:
		out.Status = "running"
		out.DurationMs = int(time.Since(x.started).Milliseconds())
	}
	if sum == nil {
		for _, o := range outcomes {
			out.RulesRun++
			out.Opened += o.Opened
			out.Reopened += o.Reopened
			out.Resolved += o.Resolved
			out.StillOpen += o.StillOpen
			out.Suppressed += o.Suppressed
		}
		if fs, ferr := st.FindingsSummary(ctx, x.tenant); ferr == nil {
			out.Score = fs.Score()
		}
	}
	for _, o := range outcomes {
		if o.Error != "" {
			out.Failed = append(out.Failed, &model.RuleFailure{Rule: o.Rule, Error: o.Error})
		}
	}
	return out, nil
}

func newRandomID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
