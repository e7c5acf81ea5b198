package auth0sim

import (
	"context"
	"testing"

	"github.com/auth0/go-auth0/management"
)

// A user event changes the user as Auth0 would and lands in the log with
// the user's id, in the shape /api/v2/logs returns; a create's sapi event
// names the new asset in its response body, never a secret.
func TestUserEventsAndCreateResponses(t *testing.T) {
	s, _, m := testSim(t, Config{Seed: 5, Users: 50})
	ctx := context.Background()
	tn := s.Snapshot()
	from := tn.Logs[len(tn.Logs)-1].LogID
	u := tn.Users[7]
	for _, typ := range UserEventTypes {
		if err := s.UserEvent(typ, u.UserID); err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
	}
	if err := s.UserEvent("nope", u.UserID); err == nil {
		t.Error("an unknown event type was accepted")
	}
	if err := s.UserEvent("s", "auth0|nobody"); err == nil {
		t.Error("an event of an unknown user was accepted")
	}
	got := must(m.User.Read(ctx, u.UserID))(t)
	if got.GetLoginsCount() != u.LoginsCount+1 || got.GetLastLogin().IsZero() || !got.GetUpdatedAt().After(u.UpdatedAt) {
		t.Errorf("after a login: logins %d (was %d), last login %v, updated %v", got.GetLoginsCount(), u.LoginsCount, got.GetLastLogin(), got.GetUpdatedAt())
	}
	if got.GetEmail() == u.Email {
		t.Error("an email change left the email")
	}
	if got.Multifactor != nil && len(*got.Multifactor) > 0 {
		t.Errorf("enrolled then unenrolled, multifactor = %v", *got.Multifactor)
	}
	cl := &management.Client{Name: auth0String("fresh app")}
	if err := m.Client.Create(ctx, cl); err != nil {
		t.Fatal(err)
	}
	evs := must(m.Log.List(ctx, management.Parameter("from", from), management.Parameter("take", "100")))(t)
	types := map[string]int{}
	var created map[string]any
	for _, e := range evs {
		types[e.GetType()]++
		if e.GetType() != "sapi" && e.GetUserID() != u.UserID {
			t.Errorf("%s event names user %q", e.GetType(), e.GetUserID())
		}
		if e.GetType() == "sapi" {
			resp, _ := e.Details["response"].(map[string]any)
			created, _ = resp["body"].(map[string]any)
		}
	}
	for _, typ := range UserEventTypes {
		if types[typ] != 1 {
			t.Errorf("%d %q events", types[typ], typ)
		}
	}
	if created["client_id"] != cl.GetClientID() || created["client_secret"] != nil {
		t.Errorf("the create's logged response body: %v", created)
	}
}
