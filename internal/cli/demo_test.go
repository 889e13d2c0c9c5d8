package cli_test

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/cli"
	"github.com/dealtrail/dealtrail/internal/demo"
	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/store"
	"github.com/dealtrail/dealtrail/internal/testenv"
)

// TestDemo runs the demo command in-process until the pollers have stored
// the seeded year, checks what they stored, and stops it as SIGTERM would.
func TestDemo(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr testenv.Buffer
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
	checkDemoMeetings(t, ctx, st, team, wait)
	checkDemoUI(t, stdout.String(), len(team.Deals))

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
	for _, s := range []string{"IMAP server  127.0.0.1:", "calendars    http://127.0.0.1:", "alice@ourco.example", "demo stopped", dir} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q:\n%s", s, out)
		}
	}
	if strings.Contains(out, "[redacted]") || strings.Contains(stderr.String(), "level=ERROR") {
		t.Errorf("unexpected output:\n%s\nstderr:\n%s", out, stderr.String())
	}
}

// checkDemoMeetings waits for the calendar pollers to store every
// occurrence of the deals' meetings and checks each is on its deal, and
// that no meeting within the team was stored.
func checkDemoMeetings(t *testing.T, ctx context.Context, st *store.Store, team *demo.Team, wait func(string)) {
	t.Helper()
	want := map[string]string{} // occurrence key: deal
	internal := map[string]bool{}
	for _, m := range team.Meetings {
		if m.Deal == "" {
			internal[m.UID] = true
			continue
		}
		for _, at := range m.Instances() {
			want[model.Meeting{UID: m.UID, Instance: at}.Key()] = m.Deal
		}
	}
	for {
		acts, err := st.Activities(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, a := range acts {
			if a.Kind != model.KindMeeting {
				continue
			}
			if internal[a.Meeting.UID] {
				t.Fatalf("internal meeting %q was stored", a.Subject)
			}
			got[a.Key] = ""
			if a.Link != nil && a.Link.Linked() {
				got[a.Key] = a.Link.DealID
			}
		}
		missing := 0
		for key, deal := range want {
			if d, ok := got[key]; !ok || d == "" {
				missing++
			} else if d != deal {
				t.Fatalf("meeting %s is on %s, its story is %s", key, d, deal)
			}
		}
		if missing == 0 {
			t.Logf("%d meeting occurrences are on their deals", len(want))
			return
		}
		wait(fmt.Sprintf("%d of %d meeting occurrences to be stored and matched", missing, len(want)))
	}
}

// demoUIRE finds the web UI's address and the leader's login in the
// demo's output.
var demoUIRE = regexp.MustCompile(`web UI +http://(\S+)/ [^\n]*\n +leader +(\S+) +(\S+)`)

// checkDemoUI logs in to the demo's web UI with the leader's printed
// login and reads the deals and the review queue through the API.
func checkDemoUI(t *testing.T, out string, deals int) {
	t.Helper()
	m := demoUIRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("the demo printed no web UI address and leader login:\n%s", out)
	}
	web := testenv.NewWeb(t, "http://"+m[1])
	web.Get(t, "/healthz")
	web.Login(t, m[2], m[3])
	var list struct {
		Deals []struct {
			ID string `json:"id"`
		} `json:"deals"`
	}
	if web.GetJSON(t, "/api/v1/deals", &list); len(list.Deals) != deals {
		t.Errorf("the API lists %d deals, want %d", len(list.Deals), deals)
	}
	web.Get(t, "/api/v1/review")
}

// TestDemoStoppedAtOnce stops the demo before it has started: still a
// clean exit.
func TestDemoStoppedAtOnce(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr testenv.Buffer
	if code := cli.Run(ctx, []string{"demo"}, strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Errorf("status %d, want 0\nstderr:\n%s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "demo stopped") {
		t.Errorf("output:\n%s", stdout.String())
	}
}
