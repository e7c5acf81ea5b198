package graph

import (
	"context"
	"testing"

	"github.com/authgraph/authgraph/internal/access"
)

// A suppression records who made it: the signed-in caller's name, its
// subject when it has none, "graphql" for a caller the server does not know.
func TestActor(t *testing.T) {
	bg := context.Background()
	for _, c := range []struct {
		ctx  context.Context
		want string
	}{
		{bg, "graphql"},
		{access.WithPrincipal(bg, &access.Principal{Subject: "token:abc", Name: "ci", Role: access.Analyst}), "ci"},
		{access.WithPrincipal(bg, &access.Principal{Subject: "oidc:123", Role: access.Analyst}), "oidc:123"},
		{WithActor(access.WithPrincipal(bg, &access.Principal{Name: "ci"}), "alice"), "alice"},
	} {
		if got := actor(c.ctx); got != c.want {
			t.Errorf("actor = %q, want %q", got, c.want)
		}
	}
}
