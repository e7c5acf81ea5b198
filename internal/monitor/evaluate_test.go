package monitor_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/auth0/go-auth0"
	"github.com/auth0/go-auth0/management"

	"github.com/authgraph/authgraph/ingest"
	"github.com/authgraph/authgraph/internal/monitor"
)

// The rules run after a pushed apply that changed something, but beside the
// next applies, not before them: while an evaluation is held up, further
// applies return; the evaluations they ask for are coalesced into one more
// run after the one in flight.
func TestPushedAppliesDoNotWaitForRules(t *testing.T) {
	e := newEnv(t, 60)
	ctx := context.Background()
	e.connect(e.tenant, time.Hour)
	if res, err := e.monitor("sched").SyncTenant(ctx, e.tenant, false); err != nil || !res.Baseline {
		t.Fatalf("first collection: %+v %v", res, err)
	}
	var mu sync.Mutex
	calls := 0
	started := make(chan struct{}, 10)
	release := make(chan struct{})
	pusher := e.monitor("push")
	pusher.AfterSync = monitor.AfterSyncFunc(func(context.Context, string, *ingest.Summary) ([]monitor.FindingAlert, error) {
		mu.Lock()
		calls++
		mu.Unlock()
		started <- struct{}{}
		<-release
		return nil, nil
	})
	m := e.mgmt()
	client := e.sim.Snapshot().Clients[0].ClientID
	apply := func(i int) {
		t.Helper()
		if err := m.Client.Update(ctx, client, &management.Client{Description: auth0.String(fmt.Sprintf("changed %d", i))}); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() {
			done <- pusher.ApplyTouches(ctx, e.tenant, []ingest.Touch{{Resource: "clients", ID: client}}, "test")
		}()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(time.Minute):
			close(release)
			t.Fatalf("apply %d waited for the rules", i)
		}
	}
	apply(1)
	select {
	case <-started:
	case <-time.After(time.Minute):
		t.Fatal("no rule evaluation after an apply that changed a client")
	}
	// The first evaluation is held up: two more applies go through.
	apply(2)
	apply(3)
	close(release)
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := pusher.WaitEvaluations(wctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if calls != 2 {
		t.Errorf("%d rule evaluations after 3 applies, the last two while the first ran: want 2 (the first, then one for both)", calls)
	}
}
