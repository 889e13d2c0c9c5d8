package cli_test

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/cli"
	"github.com/dealtrail/dealtrail/internal/demo"
	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/store"
)

// syncBuffer is a bytes.Buffer safe for a writer and a reader at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestDemo runs the demo command in-process until the pollers have stored
// the seeded year, checks what they stored, and stops it as SIGTERM would.
func TestDemo(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- cli.Run(ctx, []string{"demo", "-data", dir, "-listen", "127.0.0.1:0"}, strings.NewReader(""), &stdout, &stderr)
	}()

	// The demo generates the same year: Message-IDs depend on the seed only.
	team := demo.Generate(demo.DefaultSeed, time.Now())
	external, internal := map[string]bool{}, map[string]bool{}
	for _, e := range team.Emails {
		if e.Direction == model.Internal {
			internal[e.MessageID] = true
		} else {
			external[e.MessageID] = true
		}
	}

	deadline := time.Now().Add(15 * time.Second)
	wait := func(what string) {
		select {
		case code := <-done:
			t.Fatalf("demo exited with status %d while waiting for %s\nstdout:\n%s\nstderr:\n%s", code, what, stdout.String(), stderr.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s\nstdout:\n%s\nstderr:\n%s", what, stdout.String(), stderr.String())
		}
	}
	// The intro is printed once the database is migrated and the deals
	// imported.
	for !strings.Contains(stdout.String(), "database") {
		wait("the demo to start")
	}
	st, err := store.Open(ctx, filepath.Join(dir, "dealtrail.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	var acts []model.Activity
	for {
		acts, err = st.Activities(ctx)
		if err != nil {
			t.Fatal(err)
		}
		stored := 0
		for _, a := range acts {
			if external[a.Key] {
				stored++
			}
		}
		if stored == len(external) {
			break
		}
		wait("the seeded mail to be stored")
	}

	deals, err := st.Deals(ctx)
	if err != nil || len(deals) != len(team.Deals) {
		t.Errorf("%d deals imported (%v), want %d", len(deals), err, len(team.Deals))
	}
	var cc *model.Activity
	for i, a := range acts {
		if internal[a.Key] || a.Direction == model.Internal {
			t.Errorf("internal-only email %s (%q) was stored", a.Key, a.Subject)
		}
		if a.Key == team.Cases.CcCopy {
			cc = &acts[i]
		}
	}
	if cc == nil {
		t.Fatalf("the Cc'd email %s was not stored", team.Cases.CcCopy)
	}
	var want []model.Sighting
	for _, e := range team.Emails {
		if e.MessageID == cc.Key {
			for _, c := range e.Copies {
				m, _ := team.Member(c.User)
				want = append(want, model.Sighting{Mailbox: m.Email, Folder: c.Folder})
			}
		}
	}
	var got []model.Sighting
	for _, s := range cc.Sightings {
		got = append(got, model.Sighting{Mailbox: s.Mailbox, Folder: s.Folder})
	}
	order := func(a, b model.Sighting) int { return strings.Compare(a.Mailbox+a.Folder, b.Mailbox+b.Folder) }
	slices.SortFunc(want, order)
	slices.SortFunc(got, order)
	if len(got) != 2 || !slices.Equal(got, want) {
		t.Errorf("the Cc'd email has sightings %v, want %v", got, want)
	}

	// The real matcher runs on the demo's mail: every email of a deal's
	// story is on that deal, and nothing is on a wrong one.
	for {
		counts, err := st.LinkCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if counts[""] == 0 {
			break
		}
		wait("the stored mail to be matched")
	}
	if acts, err = st.Activities(ctx); err != nil {
		t.Fatal(err)
	}
	story := map[string]string{}
	for _, e := range team.Emails {
		story[e.MessageID] = e.Deal
	}
	var onStory, storyMail int
	for _, a := range acts {
		want, known := story[a.Key]
		if !known {
			continue // new mail the demo keeps sending
		}
		got := ""
		if a.Link != nil && a.Link.Linked() {
			got = a.Link.DealID
		}
		switch {
		case got != "" && got != want:
			t.Errorf("email %q is on %s, its story is %q (%s)", a.Subject, got, want, a.Link.Reason)
		case want != "":
			storyMail++
			if got == want {
				onStory++
			}
		}
	}
	t.Logf("%d of %d story emails are on their deal", onStory, storyMail)
	if storyMail == 0 || onStory*100 < storyMail*95 {
		t.Errorf("%d of %d story emails are on their deal, want at least 95%%", onStory, storyMail)
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("demo exited with status %d, want 0\nstderr:\n%s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("demo did not stop within 10s of being cancelled")
	}
	out := stdout.String()
	for _, s := range []string{"IMAP server  127.0.0.1:", "alice@ourco.example", "demo stopped", dir} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q:\n%s", s, out)
		}
	}
	if strings.Contains(out, "[redacted]") || strings.Contains(stderr.String(), "level=ERROR") {
		t.Errorf("unexpected output:\n%s\nstderr:\n%s", out, stderr.String())
	}
}

// TestDemoStoppedAtOnce stops the demo before it has started: still a
// clean exit.
func TestDemoStoppedAtOnce(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr syncBuffer
	if code := cli.Run(ctx, []string{"demo"}, strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Errorf("status %d, want 0\nstderr:\n%s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "demo stopped") {
		t.Errorf("output:\n%s", stdout.String())
	}
}
