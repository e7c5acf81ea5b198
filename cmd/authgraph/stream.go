package main

import (
	"context"
	"errors"
	"log/slog"

	"github.com/authgraph/authgraph/internal/monitor"
	"github.com/authgraph/authgraph/internal/secretbox"
	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/internal/stream"
	"github.com/authgraph/authgraph/rules"
)

// monitorApplier adapts a Monitor to stream.Applier.
type monitorApplier struct{ m *monitor.Monitor }

func (a monitorApplier) ApplyTouches(ctx context.Context, tenant string, ts []stream.Touch, source string) error {
	return a.m.ApplyTouches(ctx, tenant, ts, source)
}

// newStreamReceiver is the handler of POST /hooks/auth0/{tenant}/logs and
// /events: what Auth0's streams push is applied through a monitor of its
// own (its own lease holder: it waits for the tenant's sync to finish),
// with the rules and alerts of a sync.
func newStreamReceiver(st *store.Store, baseURL string, rs []*rules.Rule, metrics *monitor.Metrics, log *slog.Logger) (*stream.Receiver, error) {
	box, err := secretbox.Load(false)
	if err != nil && !errors.Is(err, secretbox.ErrNoKey) {
		return nil, err
	}
	m := newMonitor(st, box, baseURL, rulesAfterSync(st, rs), log)
	m.Metrics = metrics
	return stream.New(stream.Config{Applier: monitorApplier{m}, Tenants: st.StreamTokenID, Logger: log}), nil
}
