package auth0sim

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/auth0/go-auth0/management"
)

func TestOffsetPagingWithTotals(t *testing.T) {
	s, srv, m := testSim(t, Config{Seed: 3, Users: 500})
	ctx := context.Background()
	tn := s.Snapshot()
	var ids []string
	for page := 0; ; page++ {
		l := must(m.Role.List(ctx, management.Page(page), management.PerPage(4), management.IncludeTotals(true)))(t)
		if l.Start != page*4 || l.Limit != 4 || l.Total != len(tn.Roles) {
			t.Fatalf("page %d: start %d limit %d total %d", page, l.Start, l.Limit, l.Total)
		}
		for _, r := range l.Roles {
			ids = append(ids, r.GetID())
		}
		if !l.HasNext() {
			break
		}
	}
	if len(ids) != len(tn.Roles) {
		t.Fatalf("collected %d roles, want %d", len(ids), len(tn.Roles))
	}
	// Without include_totals the same endpoints answer a bare array.
	tok := token(t, srv, s.ClientID(), s.ClientSecret())
	var bare []map[string]any
	if r := get(t, srv, tok, "/api/v2/roles?per_page=3&page=1", &bare); r.StatusCode != 200 || len(bare) != 3 {
		t.Fatalf("bare array: status %d, %d items", r.StatusCode, len(bare))
	}
	var env map[string]any
	get(t, srv, tok, "/api/v2/actions/actions?per_page=2", &env)
	if _, ok := env["start"]; ok || env["per_page"] != float64(2) || env["total"] != float64(len(tn.Actions)) {
		t.Fatalf("actions envelope %v", keys(env))
	}
	var e map[string]any
	if r := get(t, srv, tok, "/api/v2/clients?per_page=101", &e); r.StatusCode != 400 || !strings.Contains(e["message"].(string), "less than or equal to 100") {
		t.Fatalf("per_page 101: %d %v", r.StatusCode, e)
	}
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestUsersPagingCap(t *testing.T) {
	_, _, m := testSim(t, Config{Seed: 3, Users: 1500})
	ctx := context.Background()
	l := must(m.User.List(ctx, management.Page(9), management.PerPage(100)))(t)
	if len(l.Users) != 100 || l.Total != 1500 {
		t.Fatalf("page 9: %d users, total %d", len(l.Users), l.Total)
	}
	for _, q := range []string{"", `email_verified:true`} {
		opts := []management.RequestOption{management.Page(10), management.PerPage(100)}
		if q != "" {
			opts = append(opts, management.Query(q))
		}
		_, err := m.User.List(ctx, opts...)
		if statusOf(err) != 400 || !strings.Contains(err.Error(), "You can only page through the first 1000 records") {
			t.Fatalf("q=%q page 10: %v", q, err)
		}
	}
}

// TestCreatedAtWindows collects a 2,500-user tenant through search alone:
// windows over created_at, split while their total exceeds 1,000.
func TestCreatedAtWindows(t *testing.T) {
	s, _, m := testSim(t, Config{Seed: 11, Users: 2500})
	ctx := context.Background()
	var all []User
	s.EachUser(func(u User) bool { all = append(all, u); return true })
	fmtT := func(ms int64) string { return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z") }
	seen := map[string]int{}
	windows := 0
	var collect func(lo, hi int64)
	collect = func(lo, hi int64) {
		windows++
		q := fmt.Sprintf("created_at:[%s TO %s}", fmtT(lo), fmtT(hi))
		first := must(m.User.List(ctx, management.Query(q), management.Sort("created_at:1"),
			management.Page(0), management.PerPage(100), management.IncludeTotals(true)))(t)
		want := 0
		for _, u := range all {
			if c := u.CreatedAt.UnixMilli(); c >= lo && c < hi {
				want++
			}
		}
		if first.Total != want {
			t.Fatalf("window %s: total %d, want %d", q, first.Total, want)
		}
		if first.Total > 1000 {
			mid := lo + (hi-lo)/2
			collect(lo, mid)
			collect(mid, hi)
			return
		}
		l := first
		for page := 0; ; {
			var prev int64
			for _, u := range l.Users {
				seen[u.GetID()]++
				if c := u.GetCreatedAt().UnixMilli(); c < prev {
					t.Fatalf("window not sorted by created_at")
				} else {
					prev = c
				}
			}
			if !l.HasNext() {
				break
			}
			page++
			l = must(m.User.List(ctx, management.Query(q), management.Sort("created_at:1"),
				management.Page(page), management.PerPage(100), management.IncludeTotals(true)))(t)
		}
	}
	collect(all[0].CreatedAt.UnixMilli(), all[len(all)-1].CreatedAt.UnixMilli()+1)
	if len(seen) != len(all) {
		t.Fatalf("collected %d distinct users, want %d", len(seen), len(all))
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("user %s collected %d times", id, n)
		}
	}
	if windows < 3 {
		t.Fatalf("expected the search to split, got %d windows", windows)
	}
	// Incremental style: users updated since T, oldest update first.
	since := all[0].CreatedAt.Add(500 * 24 * time.Hour)
	want := 0
	for _, u := range all {
		if !u.UpdatedAt.Before(since) {
			want++
		}
	}
	l := must(m.User.List(ctx, management.Query("updated_at:["+fmtT(since.UnixMilli())+" TO *]"),
		management.Sort("updated_at:1"), management.PerPage(50)))(t)
	if l.Total != want || len(l.Users) != 50 {
		t.Fatalf("updated_at search: total %d (want %d), %d users", l.Total, want, len(l.Users))
	}
	for k := 1; k < len(l.Users); k++ {
		if l.Users[k].GetUpdatedAt().Before(l.Users[k-1].GetUpdatedAt()) {
			t.Fatal("updated_at search not sorted")
		}
	}
}

func TestCheckpointPaging(t *testing.T) {
	s, srv, m := testSim(t, Config{Seed: 5, Users: 3000})
	ctx := context.Background()
	tn := s.Snapshot()

	t.Run("organizations end without next", func(t *testing.T) {
		var n int
		for from := ""; ; {
			l := must(m.Organization.List(ctx, management.From(from), management.Take(4)))(t)
			n += len(l.Organizations)
			if l.Next == "" {
				if len(l.Organizations) == 0 {
					t.Fatal("organizations: empty last page")
				}
				break
			}
			from = l.Next
		}
		if n != len(tn.Organizations) {
			t.Fatalf("%d organizations, want %d", n, len(tn.Organizations))
		}
	})

	t.Run("org members end with an empty page", func(t *testing.T) {
		org := tn.Organizations[0]
		if len(org.Members) < 20 {
			t.Fatalf("first organization has only %d members", len(org.Members))
		}
		var got []string
		pages, lastNonEmptyHadNext := 0, false
		for from := ""; ; {
			l := must(m.Organization.Members(ctx, org.ID, management.From(from), management.Take(7)))(t)
			pages++
			if len(l.Members) == 0 {
				if l.Next != "" {
					t.Fatal("empty page still has next")
				}
				break
			}
			lastNonEmptyHadNext = l.Next != ""
			for _, mem := range l.Members {
				got = append(got, mem.GetUserID())
			}
			from = l.Next
		}
		var want []string
		for _, mem := range org.Members {
			want = append(want, mem.UserID)
		}
		if !equalStrings(got, want) || !lastNonEmptyHadNext || pages != (len(want)+6)/7+1 {
			t.Fatalf("members: %d of %d over %d pages (last non-empty had next: %v)", len(got), len(want), pages, lastNonEmptyHadNext)
		}
		// Offset paging of the same members, with totals.
		ol := must(m.Organization.Members(ctx, org.ID, management.Page(1), management.PerPage(5), management.IncludeTotals(true)))(t)
		if ol.Total != len(want) || len(ol.Members) != 5 || ol.Members[0].GetUserID() != want[5] {
			t.Fatalf("offset members: total %d", ol.Total)
		}
	})

	t.Run("role users end without next", func(t *testing.T) {
		role := findRole(tn, "support-agent")
		var got []string
		for from := ""; ; {
			l := must(m.Role.Users(ctx, role.ID, management.From(from), management.Take(4)))(t)
			for _, u := range l.Users {
				got = append(got, u.GetID())
			}
			if !l.HasNext() {
				break
			}
			from = l.Next
		}
		if !equalStrings(got, role.UserIDs) {
			t.Fatalf("role users %d, want %d", len(got), len(role.UserIDs))
		}
		ol := must(m.Role.Users(ctx, role.ID, management.PerPage(3), management.IncludeTotals(true)))(t)
		if ol.Total != len(role.UserIDs) {
			t.Fatalf("offset role users total %d", ol.Total)
		}
		// Offset paging of role users and org members stops at 1,000 records.
		_, err := m.Role.Users(ctx, role.ID, management.Page(10), management.PerPage(100))
		_, err2 := m.Organization.Members(ctx, tn.Organizations[0].ID, management.Page(10), management.PerPage(100))
		for _, e := range []error{err, err2} {
			if statusOf(e) != 400 || !strings.Contains(e.Error(), "exceeds the allowed maximum of 1000 records") {
				t.Fatalf("page 10: %v", e)
			}
		}
	})

	t.Run("logs from a checkpoint", func(t *testing.T) {
		var got []string
		from := tn.Logs[9].LogID
		for {
			l := must(m.Log.List(ctx, management.Parameter("from", from), management.Parameter("take", "30")))(t)
			if len(l) == 0 {
				break
			}
			for _, e := range l {
				got = append(got, e.GetLogID())
			}
			from = l[len(l)-1].GetLogID()
		}
		if len(got) != len(tn.Logs)-10 || got[0] != tn.Logs[10].LogID {
			t.Fatalf("%d logs after the 10th, want %d", len(got), len(tn.Logs)-10)
		}
	})

	t.Run("bad checkpoint parameters", func(t *testing.T) {
		tok := token(t, srv, s.ClientID(), s.ClientSecret())
		for _, path := range []string{"/api/v2/organizations?take=101", "/api/v2/organizations?from=notacursor&take=5",
			"/api/v2/logs?from=1&take=500"} {
			if r := get(t, srv, tok, path, nil); r.StatusCode != 400 {
				t.Fatalf("%s: status %d", path, r.StatusCode)
			}
		}
	})
}

func TestInvitationsWithoutTotal(t *testing.T) {
	s, _, m := testSim(t, Config{Seed: 5, Users: 2000})
	ctx := context.Background()
	org := s.Snapshot().Organizations[0]
	if len(org.Invitations) < 5 {
		t.Fatalf("first organization has %d invitations", len(org.Invitations))
	}
	var got []string
	for page := 0; ; page++ {
		l := must(m.Organization.Invitations(ctx, org.ID, management.Page(page), management.PerPage(2)))(t)
		if l.Total != 0 || l.Limit != len(l.OrganizationInvitations) {
			t.Fatalf("invitations envelope: total %d limit %d", l.Total, l.Limit)
		}
		for _, inv := range l.OrganizationInvitations {
			got = append(got, inv.GetID())
		}
		if len(l.OrganizationInvitations) < 2 {
			break
		}
	}
	var want []string
	for _, inv := range org.Invitations {
		want = append(want, inv.ID)
	}
	if !equalStrings(got, want) {
		t.Fatalf("invitations: %d, want %d", len(got), len(want))
	}
}
