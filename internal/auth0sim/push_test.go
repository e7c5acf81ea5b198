package auth0sim

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/auth0/go-auth0"
	"github.com/auth0/go-auth0/management"
)

// sink records what the simulator delivers; it fails every failEvery-th
// request.
type sink struct {
	mu        sync.Mutex
	auth      []string
	lines     []map[string]any
	order     []string
	requests  int
	failEvery int
}

func (k *sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	k.mu.Lock()
	defer k.mu.Unlock()
	k.requests++
	if k.failEvery > 0 && k.requests%k.failEvery == 0 {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	k.auth = append(k.auth, r.Header.Get("Authorization"))
	var items []map[string]any
	if bytes.HasPrefix(body, []byte("[")) {
		_ = json.Unmarshal(body, &items)
	} else {
		sc := bufio.NewScanner(bytes.NewReader(body))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) == nil {
				items = append(items, m)
			}
		}
	}
	for _, m := range items {
		k.lines = append(k.lines, m)
		id, _ := m["log_id"].(string)
		if id == "" {
			id, _ = m["id"].(string)
		}
		k.order = append(k.order, id)
	}
	w.WriteHeader(http.StatusOK)
}

func waitIdle(t *testing.T, s *Sim) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !s.PushIdle() {
		if time.Now().After(deadline) {
			t.Fatalf("deliveries still pending: %+v", s.PushStats())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestPushLogStreamAtLeastOnceWithDuplicatesAndReordering(t *testing.T) {
	for _, format := range []string{"JSONLINES", "JSONARRAY", "JSONOBJECT"} {
		t.Run(format, func(t *testing.T) {
			s, _, m := testSim(t, Config{Seed: 5, Users: 40})
			s.SetPush(PushConfig{Seed: 9, BatchSize: 4, BatchDelay: 10 * time.Millisecond, Backoff: 5 * time.Millisecond, DuplicateRate: 0.3, ReorderRate: 0.3})
			t.Cleanup(s.StopPush)
			k := &sink{failEvery: 7}
			srv := httptest.NewServer(k)
			t.Cleanup(srv.Close)
			ctx := context.Background()
			ls := &management.LogStream{Name: auth0.String("authgraph"), Type: auth0.String("http"),
				Sink: &management.LogStreamSinkHTTP{Endpoint: auth0.String(srv.URL + "/hooks"), Authorization: auth0.String("Bearer tok"),
					ContentFormat: auth0.String(format), ContentType: auth0.String("application/json")},
				Filters: &[]map[string]string{{"type": "category", "name": "management.success"}, {"type": "category", "name": "user.success"}}}
			if err := m.LogStream.Create(ctx, ls); err != nil {
				t.Fatal(err)
			}
			if ls.GetID() == "" || ls.GetStatus() != "active" {
				t.Fatalf("created %+v", ls)
			}
			after := s.LastLogID() // the stream's own creation is not delivered
			snap := s.Snapshot()
			for i := range 30 {
				if err := m.User.Update(ctx, snap.Users[i%len(snap.Users)].UserID, &management.User{Name: auth0.String(fmt.Sprint("n", i))}); err != nil {
					t.Fatal(err)
				}
			}
			if err := m.User.Delete(ctx, snap.Users[0].UserID); err != nil {
				t.Fatal(err)
			}
			waitIdle(t, s)
			st := s.PushStats()
			k.mu.Lock()
			defer k.mu.Unlock()
			// Every sapi and sdu event after the stream's creation arrived;
			// nothing filtered out did.
			want := map[string]bool{}
			for _, l := range s.Snapshot().Logs {
				if (l.Type == "sapi" || l.Type == "sdu") && l.LogID > after {
					want[l.LogID] = true
				}
			}
			got := map[string]int{}
			for _, id := range k.order {
				got[id]++
			}
			for _, l := range k.lines {
				d := l["data"].(map[string]any)
				if typ := d["type"]; typ != "sapi" && typ != "sdu" {
					t.Errorf("a %v event passed the filters", typ)
				}
			}
			missing := 0
			for id := range want {
				if got[id] == 0 {
					missing++
				}
			}
			if len(want) != 32 { // 30 updates, the deletion (sapi) and its sdu
				t.Fatalf("%d events to deliver, want 32", len(want))
			}
			if missing > 0 || len(got) != len(want) {
				t.Errorf("%d events delivered, %d missing (stats %+v)", len(got), missing, st)
			}
			dups, inversions := 0, 0
			for _, n := range got {
				dups += n - 1
			}
			for i := 1; i < len(k.order); i++ {
				if k.order[i] < k.order[i-1] {
					inversions++
				}
			}
			if dups == 0 || inversions == 0 || st.Failures == 0 {
				t.Errorf("duplicates %d, out-of-order %d, failed attempts %d: the dice should have made some of each (%+v)", dups, inversions, st.Failures, st)
			}
			for _, a := range k.auth {
				if a != "Bearer tok" {
					t.Fatalf("Authorization %q", a)
				}
			}
		})
	}
}

func TestPushEventStream(t *testing.T) {
	s, srv, m := testSim(t, Config{Seed: 6, Users: 30})
	s.SetPush(PushConfig{Seed: 1, BatchDelay: 5 * time.Millisecond})
	t.Cleanup(s.StopPush)
	k := &sink{}
	hook := httptest.NewServer(k)
	t.Cleanup(hook.Close)
	body := fmt.Sprintf(`{"name":"authgraph","subscriptions":[{"event_type":"user.updated"},{"event_type":"user.deleted"},{"event_type":"organization.member.added"}],
"destination":{"type":"webhook","configuration":{"webhook_endpoint":%q,"webhook_authorization":{"method":"bearer","token":"tok"}}}}`, hook.URL)
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v2/event-streams", bytes.NewBufferString(body))
	req.Header.Set("Authorization", "Bearer "+token(t, srv, s.ClientID(), s.ClientSecret()))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("create event stream: %v %v", err, resp.Status)
	}
	resp.Body.Close()
	ctx := context.Background()
	snap := s.Snapshot()
	u := snap.Users[3].UserID
	if err := m.User.Update(ctx, u, &management.User{Name: auth0.String("x")}); err != nil {
		t.Fatal(err)
	}
	if err := m.Organization.AddMembers(ctx, snap.Organizations[0].ID, []string{u}); err != nil {
		t.Fatal(err)
	}
	if err := m.Role.Update(ctx, snap.Roles[0].ID, &management.Role{Description: auth0.String("not subscribed")}); err != nil {
		t.Fatal(err)
	}
	waitIdle(t, s)
	k.mu.Lock()
	defer k.mu.Unlock()
	var types []string
	for _, l := range k.lines {
		if l["specversion"] != "1.0" || l["id"] == "" || l["time"] == "" {
			t.Errorf("not a CloudEvent: %v", l)
		}
		types = append(types, l["type"].(string))
	}
	if fmt.Sprint(types) != "[user.updated organization.member.added]" {
		t.Errorf("delivered %v", types)
	}
	for _, a := range k.auth {
		if a != "Bearer tok" {
			t.Fatalf("Authorization %q", a)
		}
	}
}
