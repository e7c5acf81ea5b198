package main

import (
	"github.com/authgraph/authgraph/ingest"
	"testing"
	"time"
)

func TestETAClock(t *testing.T) {
	t0 := time.Unix(1000, 0)
	for _, c := range []struct {
		name         string
		at           time.Duration
		count, total int
		ok           bool
		rate         float64
		left         time.Duration
	}{
		{"too soon", 500 * time.Millisecond, 100, 1000, false, 0, 0},
		{"no progress", 2 * time.Second, 0, 1000, false, 0, 0},
		{"half way", 10 * time.Second, 500, 1000, true, 50, 10 * time.Second},
		{"no total: a rate, no time left", 10 * time.Second, 500, 0, false, 50, 0},
		{"done", 10 * time.Second, 1000, 1000, true, 100, 0},
	} {
		var e etaClock
		e.observe(t0, 0, c.total)
		rate, left, ok := e.observe(t0.Add(c.at), c.count, c.total)
		if ok != c.ok || rate != c.rate || left != c.left {
			t.Errorf("%s: rate %v left %v ok %v, want %v %v %v", c.name, rate, left, ok, c.rate, c.left, c.ok)
		}
	}
}

// The rate behind the ETA is the recent one: a resource that went at 4/s for
// ten minutes and at 8/s for the last three is given the time left at 8/s,
// not at the 5/s average since it started.
func TestETAClockFollowsTheRecentRate(t *testing.T) {
	t0 := time.Unix(1000, 0)
	var e etaClock
	count := 0
	e.observe(t0, count, 10000)
	var rate float64
	var left time.Duration
	for s := 1; s <= 13*60; s++ {
		if s <= 10*60 {
			count += 4
		} else {
			count += 8
		}
		rate, left, _ = e.observe(t0.Add(time.Duration(s)*time.Second), count, 10000)
	}
	if rate < 7.9 || rate > 8.1 {
		t.Errorf("rate %.2f/s after three minutes at 8/s, want 8", rate)
	}
	want := time.Duration(float64(10000-count)/8) * time.Second
	if d := left - want; d < -5*time.Second || d > 5*time.Second {
		t.Errorf("time left %s, want about %s", left, want)
	}
	if len(e.samples) > 30 {
		t.Errorf("%d samples kept for a two-minute window", len(e.samples))
	}
}

// TestUserPermissionsBudgetFlags: --user-permissions-budget wins; the old
// --user-permissions-limit alone still works, with its 0 and -1.
func TestUserPermissionsBudgetFlags(t *testing.T) {
	for _, c := range []struct {
		name string
		f    syncFlags
		want int
	}{
		{"defaults", syncFlags{userPermBudget: 1000, userPermLimit: 1000}, 1000},
		{"budget", syncFlags{userPermBudget: 250, userPermBudgetSet: true, userPermLimit: 1000}, 250},
		{"budget 0 is none", syncFlags{userPermBudget: 0, userPermBudgetSet: true}, ingest.BudgetNone},
		{"budget -1 is every user", syncFlags{userPermBudget: -1, userPermBudgetSet: true}, ingest.BudgetUnlimited},
		{"old limit alone", syncFlags{userPermBudget: 1000, userPermLimit: 50, userPermLimitSet: true}, 50},
		{"old limit 0 is none", syncFlags{userPermBudget: 1000, userPermLimit: 0, userPermLimitSet: true}, ingest.BudgetNone},
		{"old limit -1 is every user", syncFlags{userPermBudget: 1000, userPermLimit: -1, userPermLimitSet: true}, ingest.BudgetUnlimited},
		{"both: the budget wins", syncFlags{userPermBudget: 20, userPermBudgetSet: true, userPermLimit: 50, userPermLimitSet: true}, 20},
	} {
		if got := c.f.budget(); got != c.want {
			t.Errorf("%s: budget %d, want %d", c.name, got, c.want)
		}
	}
}
