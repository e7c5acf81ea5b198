package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/authgraph/authgraph/internal/access"
	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/internal/neo4jtest"
	"github.com/authgraph/authgraph/internal/store"
)

func TestAccessRecords(t *testing.T) {
	st := store.FromDriver(neo4jtest.Driver(t))
	ctx := context.Background()
	if err := st.EnsureAccessSchema(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	id, tok := access.NewToken()
	_, secret, _ := access.ParseToken(tok)
	exp := now.Add(time.Hour)
	tk := store.Token{ID: id, Name: "store test", Role: "viewer", Hash: access.Hash(secret), Created: now, Expires: &exp}
	if err := st.CreateToken(ctx, tk); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.RevokeToken(context.Background(), id, time.Now()) })
	// The same public id again is a conflict, and the first keeps its hash.
	if err := st.CreateToken(ctx, store.Token{ID: id, Name: "dup", Role: "admin", Hash: "x", Created: now}); apperr.KindOf(err) != apperr.Conflict {
		t.Fatalf("duplicate id: %v", err)
	}
	got, err := st.TokenByID(ctx, id)
	if err != nil || got.Hash != tk.Hash || got.Role != "viewer" || got.Expires == nil || !got.Expires.Equal(exp) || got.Revoked != nil {
		t.Fatalf("TokenByID: %+v %v", got, err)
	}
	list, err := st.Tokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, x := range list {
		found = found || x.ID == id
	}
	if !found {
		t.Fatal("Tokens does not list the new token")
	}
	if err := st.TouchToken(ctx, id, now); err != nil {
		t.Fatal(err)
	}
	if got, _ = st.TokenByID(ctx, id); got.LastUsed == nil {
		t.Fatal("last_used not recorded")
	}

	// Sessions: live, expired, and opened with a token that is then revoked.
	mk := func(expires time.Time, tokenID string) string {
		h := access.Hash(access.NewSecret())
		if err := st.CreateSession(ctx, store.Session{Hash: h, Subject: "token:" + tokenID, Name: "n", Role: "viewer", TokenID: tokenID, Created: now, Expires: expires, From: "127.0.0.1"}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.DeleteSession(context.Background(), h) })
		return h
	}
	live, old, viaToken := mk(now.Add(time.Hour), ""), mk(now.Add(-time.Second), ""), mk(now.Add(time.Hour), id)
	for h, want := range map[string]bool{live: true, old: false, viaToken: true, access.Hash("nothing"): false} {
		if _, ok, err := st.SessionByHash(ctx, h, now); err != nil || ok != want {
			t.Errorf("session %s…: ok=%v err=%v, want %v", h[:8], ok, err, want)
		}
	}
	if err := st.RevokeToken(ctx, id, now); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := st.SessionByHash(ctx, viaToken, now); ok {
		t.Error("a session opened with a revoked token still counts")
	}
	if got, _ = st.TokenByID(ctx, id); got.Revoked == nil {
		t.Error("revoked not recorded")
	}
	if err := st.RevokeToken(ctx, "0000000000000000", now); apperr.KindOf(err) != apperr.NotFound {
		t.Errorf("revoking an unknown id: %v", err)
	}
	if err := st.DeleteSession(ctx, live); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := st.SessionByHash(ctx, live, now); ok {
		t.Error("a deleted session still counts")
	}
	if n, err := st.DeleteExpiredSessions(ctx, now); err != nil || n < 1 {
		t.Errorf("DeleteExpiredSessions: %d %v", n, err)
	}

	// The audit log: newest first, before a time.
	for i, action := range []string{"a.first", "a.second"} {
		if err := st.Audit(ctx, store.AuditEntry{ID: access.NewSecret()[:32], At: now.Add(time.Duration(i) * time.Millisecond), Actor: "test", Action: action, Outcome: "ok"}); err != nil {
			t.Fatal(err)
		}
	}
	log, err := st.AuditLog(ctx, 2, now.Add(2*time.Millisecond))
	if err != nil || len(log) != 2 || log[0].Action != "a.second" || log[1].Action != "a.first" {
		t.Fatalf("AuditLog: %+v %v", log, err)
	}
}
