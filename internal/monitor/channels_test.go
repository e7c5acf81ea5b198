package monitor_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authgraph/authgraph/internal/monitor"
	"github.com/authgraph/authgraph/internal/store"
)

// TestFailingChannel: a receiver that fails is retried with backoff, its
// last error shows on the channel, the delivery log says so, and a receiver
// that hangs never holds up the caller (the sync).
func TestFailingChannel(t *testing.T) {
	e := newEnv(t, 0)
	ctx := context.Background()
	var calls atomic.Int32
	var mode atomic.Int32 // 0 fail, 1 ok, 2 hang until released
	release := make(chan struct{})
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		switch mode.Load() {
		case 0:
			http.Error(w, "down", http.StatusBadGateway)
		case 2:
			<-release
		}
	}))
	t.Cleanup(rcv.Close)
	name := "failing-" + e.tenant
	u, _ := e.box.Seal(rcv.URL+"/hook", monitor.ChannelAD(name, "url"))
	if err := e.st.AddChannel(ctx, store.Channel{Name: name, Type: "webhook", URLSealed: u, URLHost: rcv.URL, MinSeverity: "low"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.st.RemoveChannel(context.Background(), name) })
	n := &monitor.Notifier{Store: e.st, Box: e.box, Attempts: 3, Backoff: 5 * time.Millisecond}
	alert := []monitor.Alert{{Finding: &monitor.FindingAlert{RuleID: "r", Tenant: e.tenant, Severity: "high", Status: "opened", AssetKind: "Client", AssetID: "x", AssetName: "X"}}}

	n.Dispatch(ctx, alert)
	n.Wait()
	if calls.Load() != 3 {
		t.Fatalf("%d attempts, want 3", calls.Load())
	}
	ch, err := e.st.GetChannel(ctx, name)
	if err != nil || !strings.Contains(ch.LastError, "HTTP 502") || ch.LastErrorAt.IsZero() || strings.Contains(ch.LastError, rcv.URL) {
		t.Fatalf("channel after failure: %+v %v", ch, err)
	}
	mode.Store(1)
	if _, err := n.Test(ctx, name); err != nil {
		t.Fatal(err)
	}
	dl, _ := e.st.Deliveries(ctx, name, 10)
	if len(dl) != 2 || dl[0].Status != "ok" || dl[0].Event != "test" || dl[1].Status != "failed" || dl[1].Attempts != 3 || dl[1].Event != "finding.opened" {
		t.Fatalf("delivery log: %+v", dl)
	}

	// A hanging receiver: Dispatch returns while the delivery is stuck.
	mode.Store(2)
	returned := make(chan struct{})
	go func() { n.Dispatch(ctx, alert); close(returned) }()
	select {
	case <-returned:
	case <-time.After(30 * time.Second):
		t.Fatal("Dispatch waited for a hanging receiver")
	}
	close(release)
	n.Wait()
}
