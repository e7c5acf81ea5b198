package store_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/authgraph/authgraph/internal/neo4jtest"
	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

// BenchmarkChangeDetection measures what change detection costs on an
// unchanged tenant: the same users re-written by the plain writer and by
// the diff writer (which compares every row and returns nothing), in
// alternating rounds on one database, and reports the extra time as a
// ratio of the plain load (the target: ≤ 0.2). Users default to
// 20,000 (AUTHGRAPH_BENCH_DIFF_USERS to change):
//
//	go test -run '^$' -bench ChangeDetection -benchtime 1x ./internal/store/
func BenchmarkChangeDetection(b *testing.B) {
	n := 20000
	if v, err := strconv.Atoi(os.Getenv("AUTHGRAPH_BENCH_DIFF_USERS")); err == nil && v > 0 {
		n = v
	}
	d := neo4jtest.Driver(b)
	tenant := neo4jtest.Tenant(b)
	neo4jtest.Cleanup(b, d, tenant)
	st := store.FromDriver(d)
	ctx := context.Background()
	if err := st.EnsureSchema(ctx); err != nil {
		b.Fatal(err)
	}
	users := make([]store.Node, n)
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range users {
		users[i] = store.Node{NativeID: fmt.Sprintf("auth0|%08d", i), Name: fmt.Sprintf("User %d", i), Props: map[string]any{
			"email": fmt.Sprintf("user%d@example.com", i), "email_verified": i%3 == 0, "given_name": "Given", "family_name": "Family",
			"connection": "Username-Password-Authentication", "provider": "auth0", "blocked": i%50 == 0,
			"multifactor": []string{"otp"}, "mfa_enrolled": true, "created_at": base.Add(time.Duration(i) * time.Minute),
			"updated_at": base.Add(time.Duration(i) * time.Hour), "last_login": base, "last_ip": "10.0.0.1", "logins_count": i % 100,
		}}
	}
	tag := time.Now().UnixMilli()
	if err := st.EnsureTenant(ctx, tenant, tag); err != nil {
		b.Fatal(err)
	}
	const batch = 2000 // the loader's node batch
	write := func(diff bool, tag int64) time.Duration {
		start := time.Now()
		for i := 0; i < n; i += batch {
			part := users[i:min(i+batch, n)]
			if diff {
				_, ch, err := st.UpsertNodesDiff(ctx, tenant, schema.User, tag, part)
				if err != nil || len(ch) != 0 {
					b.Fatalf("diff writer: %d changes, %v", len(ch), err)
				}
			} else if _, err := st.UpsertNodes(ctx, tenant, schema.User, tag, part); err != nil {
				b.Fatal(err)
			}
		}
		return time.Since(start)
	}
	write(false, tag) // create them
	b.ResetTimer()
	var plain, diff time.Duration
	for r := 0; r < 3; r++ {
		tag++
		// Alternate which goes first, so warm-up and drift hit both.
		if r%2 == 0 {
			plain += write(false, tag)
			tag++
			diff += write(true, tag)
		} else {
			diff += write(true, tag)
			tag++
			plain += write(false, tag)
		}
	}
	ratio := float64(diff-plain) / float64(plain)
	b.ReportMetric(ratio, "diff-cost/load")
	b.Logf("%d unchanged users, 3 rounds: plain writer %s, diff writer %s; change detection costs %.2f× the load (target ≤ 0.2)",
		n, (plain / 3).Round(time.Millisecond), (diff / 3).Round(time.Millisecond), ratio)
}
