package auth0sim

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/auth0/go-auth0/management"
)

func TestRateLimit(t *testing.T) {
	s, srv, _ := testSim(t, Config{Seed: 1, Users: 10, RPS: 1, Burst: 5})
	tok := token(t, srv, s.ClientID(), s.ClientSecret())
	var ok, limited int
	var reset int64
	for i := 0; i < 10; i++ {
		var body map[string]any
		r := get(t, srv, tok, "/api/v2/roles", &body)
		for _, h := range []string{"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"} {
			if r.Header.Get(h) == "" {
				t.Fatalf("request %d: no %s header", i, h)
			}
		}
		if r.Header.Get("x-ratelimit-limit") != "5" {
			t.Fatalf("limit header %s", r.Header.Get("x-ratelimit-limit"))
		}
		switch r.StatusCode {
		case 200:
			ok++
		case 429:
			limited++
			if body["message"] != "Global limit has been reached" || body["statusCode"] != float64(429) || r.Header.Get("Retry-After") == "" {
				t.Fatalf("429 body %v", body)
			}
			reset, _ = strconv.ParseInt(r.Header.Get("x-ratelimit-reset"), 10, 64)
		default:
			t.Fatalf("status %d", r.StatusCode)
		}
	}
	if ok != 5 || limited != 5 {
		t.Fatalf("%d ok, %d limited; want 5 and 5", ok, limited)
	}
	time.Sleep(time.Until(time.Unix(reset, 0)) + 50*time.Millisecond)
	if r := get(t, srv, tok, "/api/v2/roles", nil); r.StatusCode != 200 {
		t.Fatalf("after reset: %d", r.StatusCode)
	}
	st := s.Stats()
	if st.RateLimited != 5 || st.Kinds[KindRoles].RateLimited != 5 {
		t.Fatalf("stats %+v", st)
	}

	// go-auth0 retries 429 on its own, honouring Retry-After.
	s2, _, m := testSim(t, Config{Seed: 1, Users: 10, RPS: 4, Burst: 2})
	for i := 0; i < 3; i++ {
		if _, err := m.Tenant.Read(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if s2.Stats().RateLimited == 0 {
		t.Fatal("expected a 429 retried by go-auth0")
	}

	// RPS 0: limiting off, headers still present.
	s3, srv3, _ := testSim(t, Config{Seed: 1, Users: 10})
	tok3 := token(t, srv3, s3.ClientID(), s3.ClientSecret())
	for i := 0; i < 60; i++ {
		r := get(t, srv3, tok3, "/api/v2/roles", nil)
		if r.StatusCode != 200 || r.Header.Get("x-ratelimit-remaining") != r.Header.Get("x-ratelimit-limit") {
			t.Fatalf("unlimited: %d, remaining %s", r.StatusCode, r.Header.Get("x-ratelimit-remaining"))
		}
	}
}

func TestErrorRate(t *testing.T) {
	statuses := func() []int {
		s, srv, _ := testSim(t, Config{Seed: 42, Users: 10, Faults: Faults{ErrorRate: 0.3}})
		tok := token(t, srv, s.ClientID(), s.ClientSecret())
		var out []int
		for i := 0; i < 60; i++ {
			var body map[string]any
			r := get(t, srv, tok, "/api/v2/roles", &body)
			if r.StatusCode >= 500 && (body["statusCode"] != float64(r.StatusCode) || body["message"] == "") {
				t.Fatalf("injected body %v", body)
			}
			out = append(out, r.StatusCode)
		}
		st := s.Stats()
		n := 0
		for _, c := range out {
			if c >= 500 {
				n++
			}
		}
		if int(st.Injected) != n || int(st.Kinds[KindRoles].Injected) != n {
			t.Fatalf("stats injected %d, saw %d", st.Injected, n)
		}
		return out
	}
	a, b := statuses(), statuses()
	n := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatal("ErrorRate is not reproducible")
		}
		if a[i] == 500 || a[i] == 503 {
			n++
		}
	}
	if n < 6 || n > 30 {
		t.Fatalf("%d of 60 requests failed at rate 0.3", n)
	}
}

func TestLatency(t *testing.T) {
	_, _, m := testSim(t, Config{Seed: 1, Users: 10, Faults: Faults{Latency: 120 * time.Millisecond}})
	ctx := context.Background()
	if _, err := m.Tenant.Read(ctx); err != nil { // token + call
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := m.Tenant.Read(ctx); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 120*time.Millisecond {
		t.Fatalf("request took %v", d)
	}
}

func TestFailAt(t *testing.T) {
	s, _, m := testSim(t, Config{Seed: 1, Users: 3000})
	ctx := context.Background()
	s.SetFaults(Faults{FailAt: []PageFault{
		{Kind: KindRoles, Page: 1},
		{Kind: KindClients, Page: 0, Status: 503, Times: 1},
		{Kind: KindOrgMembers, Page: 1, Times: 1},
		{Kind: KindTenantSettings, Page: 1},
	}})
	for page, want := range []int{0, 500, 0} {
		_, err := m.Role.List(ctx, management.Page(page), management.PerPage(3))
		if statusOf(err) != want && !(want == 0 && err == nil) {
			t.Fatalf("roles page %d: %v", page, err)
		}
	}
	if _, err := m.Client.List(ctx, management.Page(1)); err != nil {
		t.Fatalf("other kind affected: %v", err)
	}
	if _, err := m.Client.List(ctx); statusOf(err) != 503 {
		t.Fatalf("clients page 0 first time: %v", err)
	}
	if _, err := m.Client.List(ctx); err != nil {
		t.Fatalf("clients page 0 second time (Times 1): %v", err)
	}
	org := s.Snapshot().Organizations[0]
	first := must(m.Organization.Members(ctx, org.ID, management.Take(5)))(t)
	if _, err := m.Organization.Members(ctx, org.ID, management.From(first.Next), management.Take(5)); statusOf(err) != 500 {
		t.Fatalf("members page 1: %v", err)
	}
	if _, err := m.Organization.Members(ctx, org.ID, management.From(first.Next), management.Take(5)); err != nil {
		t.Fatalf("members page 1 retried: %v", err)
	}
	// Unpaged kinds count requests: the second tenant settings read fails.
	if _, err := m.Tenant.Read(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Tenant.Read(ctx); statusOf(err) != 500 {
		t.Fatalf("tenant settings request 1: %v", err)
	}
	if st := s.Stats(); st.Kinds[KindRoles].Injected != 1 || st.Kinds[KindClients].Injected != 1 {
		t.Fatalf("stats %+v", st.Kinds)
	}

	// Token requests count like any unpaged kind: the first one fails.
	s.SetFaults(Faults{FailAt: []PageFault{{Kind: KindToken, Page: 0, Status: 503}}})
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {s.ClientID()}, "client_secret": {s.ClientSecret()}}
	srv := httptestServer(t, s)
	for k, want := range []int{503, 200} {
		resp, err := http.PostForm(srv.URL+"/oauth/token", form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("token request %d: %d, want %d", k, resp.StatusCode, want)
		}
	}
	s.SetFaults(Faults{})
	if _, err := m.Role.List(ctx, management.Page(1)); err != nil {
		t.Fatalf("after clearing faults: %v", err)
	}
}

func TestFreePlan(t *testing.T) {
	s, srv, m := testSim(t, Config{Seed: 1, Users: 10, Plan: PlanFree})
	ctx := context.Background()
	_, err := m.CustomDomain.List(ctx)
	const msg = "The account is not allowed to perform this operation, please contact our support team"
	if statusOf(err) != 403 || !strings.Contains(err.Error(), msg) {
		t.Fatalf("custom domains on free: %v", err)
	}
	tok := token(t, srv, s.ClientID(), s.ClientSecret())
	var body map[string]any
	get(t, srv, tok, "/api/v2/custom-domains", &body)
	if body["message"] != msg || body["error"] != "Forbidden" {
		t.Fatalf("body %v", body)
	}
	s.SetPlan(PlanPaid)
	if l, err := m.CustomDomain.List(ctx); err != nil || len(l) == 0 {
		t.Fatalf("custom domains on paid: %v", err)
	}
	b, _ := json.Marshal(s.Stats().Kinds[KindCustomDomains])
	if !strings.Contains(string(b), `"Errors":2`) {
		t.Fatalf("stats %s", b)
	}
}
