package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
)

func TestUsers(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	now := time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return now }
	alice, err := s.AddUser(ctx, model.User{Email: " Alice@OurCo.example ", Name: "Alice", Role: model.Leader}, "hash-a")
	if err != nil {
		t.Fatal(err)
	}
	want := model.User{ID: alice.ID, Email: "alice@ourco.example", Name: "Alice", Role: model.Leader, CreatedAt: now}
	if alice != want || alice.ID == 0 {
		t.Errorf("added %+v, want %+v", alice, want)
	}
	if _, err := s.AddUser(ctx, model.User{Email: "ALICE@ourco.example", Role: model.Rep}, "h"); !errors.Is(err, ErrExists) {
		t.Errorf("a second alice: %v, want ErrExists", err)
	}
	if _, err := s.AddUser(ctx, model.User{Email: "bob@ourco.example", Role: "boss"}, "h"); err == nil || !strings.Contains(err.Error(), `"boss"`) {
		t.Errorf("role boss: %v, want an error naming it", err)
	}
	bob, err := s.AddUser(ctx, model.User{Email: "bob@ourco.example", Role: model.Rep}, "hash-b")
	if err != nil {
		t.Fatal(err)
	}
	if u, hash, err := s.UserByEmail(ctx, "ALICE@ourco.example"); err != nil || u != alice || hash != "hash-a" {
		t.Errorf("UserByEmail = %+v, %q, %v", u, hash, err)
	}
	if _, _, err := s.UserByEmail(ctx, "carol@ourco.example"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown email: %v", err)
	}
	bob.Name, bob.Role = "Bob", model.Admin
	if err := s.UpdateUser(ctx, bob); err != nil {
		t.Fatal(err)
	}
	if u, err := s.UserByID(ctx, bob.ID); err != nil || u != bob {
		t.Errorf("UserByID = %+v, %v; want %+v", u, err, bob)
	}
	if err := s.UpdateUser(ctx, model.User{ID: 999, Role: model.Rep}); !errors.Is(err, ErrNotFound) {
		t.Errorf("updating a missing user: %v", err)
	}
	if err := s.UpdateUser(ctx, model.User{ID: bob.ID, Role: ""}); err == nil {
		t.Error("an empty role was accepted")
	}
	if all, err := s.Users(ctx); err != nil || len(all) != 2 || all[0] != alice || all[1] != bob {
		t.Errorf("Users = %+v, %v", all, err)
	}

	// Sessions.
	sess := Session{Hash: "h1", UserID: alice.ID, CSRF: "csrf1", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := s.CreateSession(ctx, sess); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateSession(ctx, Session{Hash: "h2", UserID: alice.ID, CreatedAt: now, ExpiresAt: now.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateSession(ctx, Session{Hash: "h3", UserID: 999, ExpiresAt: now}); !errors.Is(err, ErrNotFound) {
		t.Errorf("a session of nobody: %v", err)
	}
	if got, u, err := s.SessionUser(ctx, "h1", now.Add(59*time.Minute)); err != nil || got != sess || u != alice {
		t.Errorf("SessionUser = %+v, %+v, %v", got, u, err)
	}
	if _, _, err := s.SessionUser(ctx, "h1", now.Add(time.Hour)); !errors.Is(err, ErrNotFound) {
		t.Errorf("an expired session: %v, want ErrNotFound", err)
	}
	if n, err := s.DeleteExpiredSessions(ctx, now.Add(30*time.Minute)); err != nil || n != 1 {
		t.Errorf("DeleteExpiredSessions = %d, %v; want 1", n, err)
	}
	if err := s.SetPassword(ctx, alice.ID, "hash-a2"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.SessionUser(ctx, "h1", now); !errors.Is(err, ErrNotFound) {
		t.Errorf("a session after a new password: %v, want it gone", err)
	}
	if _, hash, _ := s.UserByEmail(ctx, "alice@ourco.example"); hash != "hash-a2" {
		t.Errorf("hash after SetPassword = %q", hash)
	}
	if err := s.SetPassword(ctx, 999, "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("SetPassword of nobody: %v", err)
	}
	if err := s.CreateSession(ctx, sess); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSession(ctx, "h1"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSession(ctx, "h1"); err != nil {
		t.Errorf("deleting a deleted session: %v", err)
	}
	if _, _, err := s.SessionUser(ctx, "h1", now); !errors.Is(err, ErrNotFound) {
		t.Errorf("a deleted session: %v", err)
	}

	// Tokens.
	if err := s.AddToken(ctx, bob.ID, "t1", "export script", now); err != nil {
		t.Fatal(err)
	}
	if err := s.AddToken(ctx, bob.ID, "t1", "again", now); !errors.Is(err, ErrExists) {
		t.Errorf("a repeated token: %v", err)
	}
	if err := s.AddToken(ctx, 999, "t2", "x", now); !errors.Is(err, ErrNotFound) {
		t.Errorf("a token of nobody: %v", err)
	}
	if u, err := s.TokenUser(ctx, "t1"); err != nil || u != bob {
		t.Errorf("TokenUser = %+v, %v", u, err)
	}
	if _, err := s.TokenUser(ctx, "t9"); !errors.Is(err, ErrNotFound) {
		t.Errorf("an unknown token: %v", err)
	}
}

func TestOutagesAndFirstSuccess(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	at := func(h int) time.Time { return time.Date(2026, 4, 1, h, 0, 0, 0, time.UTC) }
	save := func(st model.SourceState) {
		t.Helper()
		st.Source = "mailbox:rep1"
		if err := s.SaveSourceState(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	// Attempt, failure, a second failure, success, success, failure.
	save(model.SourceState{LastAttemptAt: at(1)})
	save(model.SourceState{LastAttemptAt: at(1), ErrorCount: 1, LastError: "dial tcp: connection\nrefused"})
	save(model.SourceState{LastAttemptAt: at(2), ErrorCount: 1, LastError: "dial tcp: connection refused"})
	save(model.SourceState{LastAttemptAt: at(2), ErrorCount: 2, LastError: "login failed"})
	save(model.SourceState{LastAttemptAt: at(3), ErrorCount: 2, LastError: "login failed"})
	save(model.SourceState{LastAttemptAt: at(3), LastSuccessAt: at(4)})
	save(model.SourceState{LastAttemptAt: at(5), LastSuccessAt: at(5)})
	save(model.SourceState{LastAttemptAt: at(6), LastSuccessAt: at(5), ErrorCount: 1, LastError: "timeout"})
	if err := s.SaveSourceState(ctx, model.SourceState{Source: "calendar:x", LastAttemptAt: at(7), ErrorCount: 1, LastError: "404"}); err != nil {
		t.Fatal(err)
	}

	got, err := s.Outages(ctx, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	want := []Outage{
		{Source: "mailbox:rep1", From: at(1), To: at(4), Reason: "dial tcp: connection refused"},
		{Source: "mailbox:rep1", From: at(6), Reason: "timeout"},
		{Source: "calendar:x", From: at(7), Reason: "404"},
	}
	if len(got) != len(want) {
		t.Fatalf("outages = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("outage %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if got, err := s.Outages(ctx, at(5), at(6)); err != nil || len(got) != 1 || got[0].From != at(6) {
		t.Errorf("outages overlapping 5:00-6:00 = %+v, %v; want the open one", got, err)
	}
	if got, err := s.Outages(ctx, at(2), at(3)); err != nil || len(got) != 1 || got[0].To != at(4) {
		t.Errorf("outages overlapping 2:00-3:00 = %+v, %v; want the first", got, err)
	}
	st, err := s.SourceState(ctx, "mailbox:rep1")
	if err != nil || !st.FirstSuccessAt.Equal(at(4)) || !st.LastSuccessAt.Equal(at(5)) {
		t.Errorf("state = %+v, %v; want the first success at 4:00 kept", st, err)
	}
	if st, _ := s.SourceState(ctx, "calendar:x"); !st.FirstSuccessAt.IsZero() {
		t.Errorf("a source that never synced has first success %v", st.FirstSuccessAt)
	}
}
