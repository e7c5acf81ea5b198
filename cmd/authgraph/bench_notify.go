package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/internal/monitor"
	"github.com/authgraph/authgraph/internal/secretbox"
	"github.com/authgraph/authgraph/internal/store"
)

func init() {
	var users, rounds int
	var seed int64
	var interval, tick time.Duration
	cmd := &cobra.Command{
		Use:   "notify",
		Short: "Time from a change in a simulated tenant to its webhook alert, under the scheduler",
		Long: `Start a simulated tenant (a separate process), connect it with --interval,
add a webhook channel (a receiver in this process) for Client/created changes,
and run the scheduler as ` + "`authgraph serve`" + ` does (rules after each sync). After the
first collection (the baseline), each round waits a random part of an
interval, creates an application in the simulator through its Management API
and times how long until the webhook receives that change. Prints each round
with the duration of the sync that carried it, and the issue's target: at
most one interval plus that sync's duration.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return benchNotify(cmd.Context(), cmd.OutOrStdout(), users, seed, rounds, interval, tick)
		},
	}
	f := cmd.Flags()
	f.IntVar(&users, "users", 2000, "users in the simulated tenant")
	f.Int64Var(&seed, "seed", 7, "generator seed")
	f.IntVar(&rounds, "rounds", 5, "mutations timed")
	f.DurationVar(&interval, "interval", 10*time.Second, "the tenant's polling interval")
	f.DurationVar(&tick, "scheduler-tick", 5*time.Second, "how often the scheduler looks for due tenants (serve's default)")
	benchCmd.AddCommand(cmd)
}

func benchNotify(ctx context.Context, out io.Writer, users int, seed int64, rounds int, interval, tick time.Duration) error {
	if interval < monitor.MinInterval || rounds < 1 {
		return apperr.New(apperr.Invalid, "--interval must be at least %s and --rounds at least 1", monitor.MinInterval)
	}
	st, err := openMonitorStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close(ctx)
	fmt.Fprintf(out, "generating a %d-user tenant (seed %d) in a simulator process...\n", users, seed)
	simURL, stopSim, err := startSim(ctx, users, seed)
	if err != nil {
		return err
	}
	defer stopSim()
	tenant := fmt.Sprintf("bench-notify-%d.sim.local", users)
	if _, err := st.RemoveTenant(ctx, tenant, nil); err != nil {
		return err
	}
	// A key of this run only: nothing it seals outlives it.
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	box, err := secretbox.New(key, "bench")
	if err != nil {
		return err
	}
	sealed, err := box.Seal("bench-secret", monitor.TenantSecretAD(tenant))
	if err != nil {
		return err
	}
	if err := st.AddConnectedTenant(ctx, store.ConnectedTenant{Name: tenant, Domain: simURL, ClientID: "bench",
		SecretSealed: sealed, Interval: interval, Enabled: true}); err != nil {
		return err
	}
	defer func() {
		if _, err := st.RemoveTenant(context.WithoutCancel(ctx), tenant, nil); err != nil {
			fmt.Fprintf(out, "could not remove %s: %v\n", tenant, err)
		}
	}()

	// The webhook receiver: when each probe's change arrives.
	var mu sync.Mutex
	type arrival struct {
		at     time.Time
		syncID string
	}
	arrived := map[string]arrival{}
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := time.Now()
		var body struct {
			Type, Tenant string
			SyncID       string `json:"sync_id"`
			Asset        struct{ Name string }
		}
		b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if json.Unmarshal(b, &body) == nil && body.Type == "change" && body.Tenant == tenant {
			mu.Lock()
			if _, ok := arrived[body.Asset.Name]; !ok {
				arrived[body.Asset.Name] = arrival{now, body.SyncID}
			}
			mu.Unlock()
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer recv.Close()
	chName := fmt.Sprintf("bench-notify-%d", os.Getpid())
	urlSealed, err := box.Seal(recv.URL, monitor.ChannelAD(chName, "url"))
	if err != nil {
		return err
	}
	if err := st.AddChannel(ctx, store.Channel{Name: chName, Type: "webhook", URLSealed: urlSealed, URLHost: recv.URL,
		MinSeverity: "none", Changes: []string{"Client/created"}}); err != nil {
		return err
	}
	defer func() { _ = st.RemoveChannel(context.WithoutCancel(ctx), chName) }()

	rs, _, err := loadRules(io.Discard, "")
	if err != nil {
		return err
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	m := newMonitor(st, box, "http://127.0.0.1:8080", rulesAfterSync(st, rs), quiet)
	m.Tick, m.Tenants = tick, []string{tenant}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = m.Run(runCtx)
		m.Notifier.Wait()
	}()
	defer func() { cancel(); <-done }()

	fmt.Fprintf(out, "connected %s every %s (scheduler tick %s); waiting for the first collection (the baseline)...\n", tenant, interval, tick)
	first, err := waitSync(ctx, st, tenant, time.Time{}, 10*time.Minute)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "baseline: %s in %s\n", first.LastStatus, first.LastDuration.Round(time.Millisecond))

	type result struct {
		latency, syncDur time.Duration
	}
	var res []result
	for r := 1; r <= rounds; r++ {
		// A random point of the cycle, as a real change would land.
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(interval)))
		time.Sleep(time.Duration(n.Int64()))
		name := fmt.Sprintf("bench-notify-probe-%d-%d", time.Now().UnixMilli(), r)
		t0 := time.Now()
		if err := simCreateClient(ctx, simURL, name); err != nil {
			return err
		}
		var got arrival
		for deadline := t0.Add(3*interval + 10*time.Minute); ; time.Sleep(20 * time.Millisecond) {
			mu.Lock()
			got = arrived[name]
			mu.Unlock()
			if !got.at.IsZero() {
				break
			}
			if time.Now().After(deadline) {
				return apperr.New(apperr.Unavailable, "round %d: no webhook for %s", r, name)
			}
		}
		// The alert leaves before the sync records its end: wait for that
		// sync's record to read its duration.
		var ct store.ConnectedTenant
		for deadline := time.Now().Add(10 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
			if ct, err = st.GetConnectedTenant(ctx, tenant); err != nil {
				return err
			}
			if ct.LastSyncID == got.syncID {
				break
			}
			if time.Now().After(deadline) {
				return apperr.New(apperr.Unavailable, "round %d: sync %s never finished", r, got.syncID)
			}
		}
		lat := got.at.Sub(t0)
		verdict := "within"
		if lat > interval+ct.LastDuration {
			verdict = "OVER"
		}
		fmt.Fprintf(out, "round %d: webhook %s after the change; the sync that carried it took %s; target ≤ %s (%s)\n",
			r, lat.Round(time.Millisecond), ct.LastDuration.Round(time.Millisecond), (interval + ct.LastDuration).Round(time.Millisecond), verdict)
		res = append(res, result{lat, ct.LastDuration})
	}
	lats := make([]time.Duration, len(res))
	var worst float64
	for i, x := range res {
		lats[i] = x.latency
		worst = max(worst, float64(x.latency)/float64(interval+x.syncDur))
	}
	sort.Slice(lats, func(i, j int) bool { return lats[i] < lats[j] })
	fmt.Fprintf(out, "mutation → webhook over %d rounds: median %s, max %s; worst round at %.2f× its target (interval + sync)\n",
		len(lats), lats[len(lats)/2].Round(time.Millisecond), lats[len(lats)-1].Round(time.Millisecond), worst)
	return nil
}

// waitSync waits until the tenant records a sync finished after since.
func waitSync(ctx context.Context, st *store.Store, tenant string, since time.Time, limit time.Duration) (store.ConnectedTenant, error) {
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		ct, err := st.GetConnectedTenant(ctx, tenant)
		if err != nil {
			return ct, err
		}
		if ct.LastSyncAt.After(since) && ct.LastStatus != "" {
			if ct.LastStatus == "failed" {
				return ct, apperr.New(apperr.Unavailable, "the sync failed: %s", ct.LastError)
			}
			return ct, nil
		}
	}
	return store.ConnectedTenant{}, apperr.New(apperr.Unavailable, "no sync of %s within %s", tenant, limit)
}

// simCreateClient creates an application in the simulator through its
// Management API, with the bench client's credentials.
func simCreateClient(ctx context.Context, simURL, name string) error {
	tb, _ := json.Marshal(map[string]string{"grant_type": "client_credentials", "client_id": "bench", "client_secret": "bench-secret", "audience": simURL + "/api/v2/"})
	tr, err := http.Post(simURL+"/oauth/token", "application/json", bytes.NewReader(tb))
	if err != nil {
		return err
	}
	defer tr.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(tr.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		return fmt.Errorf("simulator token: %d %v", tr.StatusCode, err)
	}
	body, _ := json.Marshal(map[string]any{"name": name, "app_type": "spa", "callbacks": []string{"https://app.example.com/cb"}})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, simURL+"/api/v2/clients", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 500))
		return fmt.Errorf("simulator: create client: %d %s", resp.StatusCode, strings.TrimSpace(string(b)))
	}
	return nil
}
