package calsync

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/testenv/radicale"
)

// day is a start time for test events.
var day = time.Date(2025, 5, 6, 9, 0, 0, 0, time.UTC)

// newRadicaleCalDAV returns a CalDAV source for user on s, reached through
// a counting proxy.
func newRadicaleCalDAV(t *testing.T, s *radicale.Server, user, password string, opts CalDAVOptions) (*CalDAV, *proxy) {
	t.Helper()
	p := startProxy(t, s.Addr())
	opts.AllowPrivateNetworks = true
	c, err := NewCalDAV("http://"+p.addr+"/", user, func() string { return password }, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c, p
}

func objectPaths(objs []Object) []string {
	var out []string
	for _, o := range objs {
		out = append(out, o.Path)
	}
	sort.Strings(out)
	return out
}

func methods(requests []string) []string {
	out := make([]string, len(requests))
	for i, r := range requests {
		out[i], _, _ = strings.Cut(r, " ")
	}
	return out
}

// TestCalDAVRadicale walks a real Radicale account through discovery, a
// first fetch, unchanged polls, an edit, an addition and a deletion, and
// an expired sync token.
func TestCalDAVRadicale(t *testing.T) {
	s := radicale.Start(t)
	s.AddUser(t, "alice", "alice-pw")
	s.CreateCalendar(t, "alice", "work")
	s.CreateCalendar(t, "alice", "tasks", "VTODO")
	etags := map[string]string{}
	for i := 1; i <= 3; i++ {
		name := fmt.Sprintf("e%d.ics", i)
		etags["/alice/work/"+name] = s.PutEvent(t, "alice", "work", name,
			event(fmt.Sprintf("e%d@acme.test", i), fmt.Sprintf("Meeting %d", i), day.AddDate(0, 0, i)))
	}
	s.PutEvent(t, "alice", "tasks", "t1.ics", "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"+
		"BEGIN:VTODO\r\nUID:t1@acme.test\r\nDTSTAMP:20250101T000000Z\r\nSUMMARY:Send quote\r\nEND:VTODO\r\nEND:VCALENDAR\r\n")
	c, p := newRadicaleCalDAV(t, s, "alice", "alice-pw", CalDAVOptions{})

	// First fetch: discovery, every event object, nothing of the VTODO
	// calendar.
	first := fetchOK(t, c, model.FeedState{})
	want := []string{"/alice/work/e1.ics", "/alice/work/e2.ics", "/alice/work/e3.ics"}
	if got := objectPaths(first.Objects); !slices.Equal(got, want) || first.Unchanged || len(first.Problems) != 0 {
		t.Fatalf("first fetch: objects %v, unchanged %v, problems %v", got, first.Unchanged, first.Problems)
	}
	for _, o := range first.Objects {
		if !strings.Contains(string(o.Data), "BEGIN:VEVENT") {
			t.Errorf("%s: %q", o.Path, o.Data)
		}
	}
	work, ok := first.State.Calendars["/alice/work/"]
	if len(first.State.Calendars) != 1 || !ok {
		t.Fatalf("state calendars = %v", first.State.Calendars)
	}
	if work.CTag == "" || work.SyncToken == "" || !reflect.DeepEqual(work.Objects, etags) {
		t.Errorf("work state = %+v, want ctag, sync token and ETags %v", work, etags)
	}
	reqs, up, down := p.take()
	t.Logf("first fetch: %v, %d bytes up, %d down", reqs, up, down)

	// Nothing changed: one PROPFIND, under 1 KB read.
	second := fetchOK(t, c, first.State)
	reqs, up, down = p.take()
	t.Logf("unchanged CalDAV poll: %v, %d bytes read (client count %d), %d bytes sent", reqs, down, second.BytesRead, up)
	if !second.Unchanged || len(second.Objects) != 0 || !reflect.DeepEqual(second.State, first.State) {
		t.Fatalf("unchanged poll = %+v", second)
	}
	if !slices.Equal(reqs, []string{"PROPFIND /alice/"}) {
		t.Errorf("unchanged poll sent %v, want one PROPFIND of the home", reqs)
	}
	if down >= 1024 || second.BytesRead >= 1024 {
		t.Errorf("unchanged poll read %d bytes (client counted %d), want < 1 KB", down, second.BytesRead)
	}
	if second.BytesRead != down {
		t.Errorf("BytesRead = %d, the proxy passed %d", second.BytesRead, down)
	}

	// One event changed: only it is fetched, through sync-collection.
	newTag := s.PutEvent(t, "alice", "work", "e2.ics", event("e2@acme.test", "Meeting 2, moved", day.AddDate(0, 0, 9)))
	third := fetchOK(t, c, second.State)
	reqs, _, _ = p.take()
	if got := objectPaths(third.Objects); !slices.Equal(got, []string{"/alice/work/e2.ics"}) || third.Unchanged {
		t.Fatalf("after editing e2: objects %v", got)
	}
	if !strings.Contains(string(third.Objects[0].Data), "moved") {
		t.Errorf("e2 = %q", third.Objects[0].Data)
	}
	if !slices.Equal(methods(reqs), []string{"PROPFIND", "REPORT", "REPORT"}) {
		t.Errorf("after one edit the poll sent %v, want PROPFIND, sync-collection and multiget", reqs)
	}
	if got := third.State.Calendars["/alice/work/"].Objects["/alice/work/e2.ics"]; got != newTag {
		t.Errorf("stored ETag of e2 = %q, want %q", got, newTag)
	}

	// One added, one deleted: the new one comes, the deleted one leaves
	// the state.
	s.PutEvent(t, "alice", "work", "e4.ics", event("e4@acme.test", "Meeting 4", day.AddDate(0, 0, 4)))
	s.DeleteEvent(t, "alice", "work", "e1.ics")
	fourth := fetchOK(t, c, third.State)
	if got := objectPaths(fourth.Objects); !slices.Equal(got, []string{"/alice/work/e4.ics"}) {
		t.Fatalf("after adding e4 and deleting e1: objects %v", got)
	}
	objs := fourth.State.Calendars["/alice/work/"].Objects
	if _, ok := objs["/alice/work/e1.ics"]; ok || len(objs) != 3 {
		t.Errorf("state objects after a deletion = %v", objs)
	}
	if again := fetchOK(t, c, fourth.State); !again.Unchanged {
		t.Errorf("poll after catching up = %+v", again)
	}

	// The server no longer knows the stored token: a full listing finds
	// the one changed object all the same.
	s.PutEvent(t, "alice", "work", "e3.ics", event("e3@acme.test", "Meeting 3, renamed", day.AddDate(0, 0, 3)))
	stale := fourth.State
	stale.Calendars = map[string]model.CalendarState{"/alice/work/": {
		SyncToken: "http://radicale.org/ns/sync/0000000000000000000000000000000000000000000000000000000000000000",
		Objects:   objs,
	}}
	p.take()
	fifth := fetchOK(t, c, stale)
	reqs, _, _ = p.take()
	if got := objectPaths(fifth.Objects); !slices.Equal(got, []string{"/alice/work/e3.ics"}) {
		t.Fatalf("after a stale token: objects %v (requests %v)", got, reqs)
	}
	if tok := fifth.State.Calendars["/alice/work/"].SyncToken; tok == "" || strings.HasSuffix(tok, "0000") {
		t.Errorf("sync token after the full listing = %q", tok)
	}
	t.Logf("stale token poll: %v", reqs)
}

// TestCalDAVRadicaleUnchangedPoll: an unchanged poll of an account with
// one calendar is one PROPFIND under 1 KB on the wire, headers included,
// both ways; a restarted process polling from the stored state lists the
// home in full, also in one request.
func TestCalDAVRadicaleUnchangedPoll(t *testing.T) {
	s := radicale.Start(t)
	s.AddUser(t, "gina", "gina-pw")
	s.CreateCalendar(t, "gina", "work")
	for i := 1; i <= 3; i++ {
		s.PutEvent(t, "gina", "work", fmt.Sprintf("e%d.ics", i),
			event(fmt.Sprintf("e%d@acme.test", i), fmt.Sprintf("Meeting %d", i), day.AddDate(0, 0, i)))
	}
	c, p := newRadicaleCalDAV(t, s, "gina", "gina-pw", CalDAVOptions{})
	first := fetchOK(t, c, model.FeedState{})
	if len(first.Objects) != 3 {
		t.Fatalf("first fetch: %d objects", len(first.Objects))
	}
	p.take()

	second := fetchOK(t, c, first.State)
	reqs, up, down := p.take()
	t.Logf("unchanged CalDAV poll of one calendar: %v, %d bytes read, %d bytes sent, %d in total", reqs, down, up, down+up)
	if !second.Unchanged || len(second.Objects) != 0 || !reflect.DeepEqual(second.State, first.State) {
		t.Fatalf("unchanged poll = %+v", second)
	}
	if !slices.Equal(reqs, []string{"PROPFIND /gina/"}) {
		t.Errorf("unchanged poll sent %v, want one PROPFIND of the home", reqs)
	}
	if up+down >= 1024 {
		t.Errorf("unchanged poll cost %d bytes (%d read, %d sent), want < 1 KB", up+down, down, up)
	}
	if second.BytesRead != down {
		t.Errorf("BytesRead = %d, the proxy passed %d", second.BytesRead, down)
	}

	restarted, p2 := newRadicaleCalDAV(t, s, "gina", "gina-pw", CalDAVOptions{})
	third := fetchOK(t, restarted, second.State)
	reqs, up, down = p2.take()
	t.Logf("first poll after a restart: %v, %d bytes read, %d sent", reqs, down, up)
	// Discovery (two PROPFINDs), then the full listing of the home.
	if !third.Unchanged || !slices.Equal(methods(reqs), []string{"PROPFIND", "PROPFIND", "PROPFIND"}) {
		t.Errorf("first poll after a restart = %+v with %v", third, reqs)
	}
}

// TestCalDAVRadicaleNewCalendar: a calendar created after the first poll
// is found at the next one, a task list is looked at once, and a
// deleted calendar leaves the state.
func TestCalDAVRadicaleNewCalendar(t *testing.T) {
	s := radicale.Start(t)
	s.AddUser(t, "bob", "bob-pw")
	s.CreateCalendar(t, "bob", "work")
	s.PutEvent(t, "bob", "work", "a.ics", event("a@acme.test", "A", day))
	c, p := newRadicaleCalDAV(t, s, "bob", "bob-pw", CalDAVOptions{})
	first := fetchOK(t, c, model.FeedState{})
	s.CreateCalendar(t, "bob", "deals")
	s.PutEvent(t, "bob", "deals", "b.ics", event("b@acme.test", "B", day))
	p.take()
	second := fetchOK(t, c, first.State)
	reqs, _, _ := p.take()
	t.Logf("poll after a new calendar: %v", reqs)
	if got := objectPaths(second.Objects); !slices.Equal(got, []string{"/bob/deals/b.ics"}) {
		t.Fatalf("objects after a new calendar = %v", got)
	}
	if len(second.State.Calendars) != 2 {
		t.Errorf("calendars in state = %v", second.State.Calendars)
	}
	// The tags show a new member; the full listing says what it is.
	if want := []string{"PROPFIND", "PROPFIND", "REPORT", "REPORT"}; !slices.Equal(methods(reqs), want) {
		t.Errorf("poll after a new calendar sent %v, want %v", reqs, want)
	}
	third := fetchOK(t, c, second.State)
	reqs, up, down := p.take()
	t.Logf("unchanged poll of 2 calendars: %v, %d bytes read, %d sent", reqs, down, up)
	if !third.Unchanged || len(reqs) != 1 {
		t.Errorf("unchanged poll of 2 calendars = %+v with %v", third, reqs)
	}

	// A task list is not an event calendar: one full listing learns it,
	// and the polls after it are one request again.
	s.CreateCalendar(t, "bob", "tasks", "VTODO")
	fourth := fetchOK(t, c, third.State)
	reqs, _, _ = p.take()
	if !fourth.Unchanged || !slices.Equal(methods(reqs), []string{"PROPFIND", "PROPFIND"}) {
		t.Errorf("poll after a new task list = %+v with %v", fourth, reqs)
	}
	fetchOK(t, c, fourth.State)
	if reqs, _, _ = p.take(); len(reqs) != 1 {
		t.Errorf("poll after learning the task list sent %v", reqs)
	}

	s.DeleteCalendar(t, "bob", "deals") // behind the back of the source under test
	fifth := fetchOK(t, c, fourth.State)
	reqs, _, _ = p.take()
	if _, ok := fifth.State.Calendars["/bob/deals/"]; ok || fifth.Unchanged || len(fifth.State.Calendars) != 1 {
		t.Errorf("poll after deleting a calendar = %+v with %v", fifth, reqs)
	}
	if len(reqs) != 1 {
		t.Errorf("poll after deleting a calendar sent %v, want one PROPFIND", reqs)
	}
	if again := fetchOK(t, c, fifth.State); !again.Unchanged {
		t.Errorf("poll after the deletion = %+v", again)
	}
}

// TestTagsPropfind: an unchanged poll asks for the tags the stored
// calendars are compared by, and nothing when one has no tag.
func TestTagsPropfind(t *testing.T) {
	withSync := model.CalendarState{CTag: "c", SyncToken: "s"}
	ctagOnly := model.CalendarState{CTag: "c"}
	for _, tc := range []struct {
		name string
		cals map[string]model.CalendarState
		want string
	}{
		{"no calendar", nil, ""},
		{"sync tokens", map[string]model.CalendarState{"/a/": withSync, "/b/": {SyncToken: "s"}}, propfindSyncTokens},
		{"ctags", map[string]model.CalendarState{"/a/": ctagOnly}, propfindCTags},
		{"both", map[string]model.CalendarState{"/a/": withSync, "/b/": ctagOnly}, propfindTags},
		{"one without a tag", map[string]model.CalendarState{"/a/": withSync, "/b/": {}}, ""},
	} {
		if got := tagsPropfind(model.FeedState{Calendars: tc.cals}); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestCalDAVRadicalePast: with Past set, a first fetch leaves out events
// long over.
func TestCalDAVRadicalePast(t *testing.T) {
	s := radicale.Start(t)
	s.AddUser(t, "carol", "carol-pw")
	s.CreateCalendar(t, "carol", "work")
	s.PutEvent(t, "carol", "work", "old.ics", event("old@acme.test", "2019 meeting", time.Date(2019, 2, 1, 9, 0, 0, 0, time.UTC)))
	s.PutEvent(t, "carol", "work", "new.ics", event("new@acme.test", "Recent meeting", day))
	now := day.AddDate(0, 1, 0)
	c, _ := newRadicaleCalDAV(t, s, "carol", "carol-pw", CalDAVOptions{
		Past: 365 * 24 * time.Hour,
		Now:  func() time.Time { return now },
	})
	got := fetchOK(t, c, model.FeedState{})
	if paths := objectPaths(got.Objects); !slices.Equal(paths, []string{"/carol/work/new.ics"}) {
		t.Fatalf("objects with Past = 1 year: %v", paths)
	}
}

// TestCalDAVRadicaleBrokenCalendar: a calendar Radicale cannot read (an
// invalid file put in its storage behind its back) is a problem, and the
// other calendars come through.
func TestCalDAVRadicaleBrokenCalendar(t *testing.T) {
	s := radicale.Start(t)
	s.AddUser(t, "dave", "dave-pw")
	s.CreateCalendar(t, "dave", "work")
	s.CreateCalendar(t, "dave", "broken")
	s.PutEvent(t, "dave", "work", "a.ics", event("a@acme.test", "A", day))
	s.PutEvent(t, "dave", "broken", "ok.ics", event("ok@acme.test", "OK", day))
	bad := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:bad\r\nDTSTART:notadate\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	if err := os.WriteFile(filepath.Join(s.Storage(), "collection-root", "dave", "broken", "bad.ics"), []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	c, _ := newRadicaleCalDAV(t, s, "dave", "dave-pw", CalDAVOptions{})
	got, err := c.Fetch(testCtx(t), model.FeedState{})
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	t.Logf("problems: %v", got.Problems)
	if paths := objectPaths(got.Objects); !slices.Equal(paths, []string{"/dave/work/a.ics"}) {
		t.Errorf("objects = %v, want the healthy calendar's", paths)
	}
	if len(got.Problems) != 1 || !strings.HasPrefix(got.Problems[0], "/dave/broken/: ") ||
		!strings.Contains(got.Problems[0], "500") {
		t.Errorf("problems = %q, want the broken calendar named with its HTTP 500", got.Problems)
	}
	if _, ok := got.State.Calendars["/dave/broken/"]; ok {
		t.Errorf("the broken calendar is in the state: %+v", got.State.Calendars)
	}
}

func TestCalDAVRadicaleWrongPassword(t *testing.T) {
	s := radicale.Start(t)
	s.AddUser(t, "erin", "right-pw")
	c, _ := newRadicaleCalDAV(t, s, "erin", "Wr0ngPassw0rd", CalDAVOptions{})
	_, err := c.Fetch(testCtx(t), model.FeedState{})
	if !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("err = %v, want ErrUnauthorized", err)
	}
	msg := err.Error()
	for _, want := range []string{"erin", "HTTP 401 Unauthorized", "check the username and password"} {
		if !strings.Contains(msg, want) {
			t.Errorf("err = %q, lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, "Wr0ngPassw0rd") {
		t.Errorf("err = %q gives the password away", msg)
	}
}

func TestCalDAVRefusesPrivateByDefault(t *testing.T) {
	s := radicale.Start(t)
	s.AddUser(t, "frank", "pw")
	c, err := NewCalDAV(s.URL(), "frank", func() string { return "pw" }, CalDAVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Fetch(testCtx(t), model.FeedState{})
	if !errors.Is(err, ErrPrivateDestination) || !strings.Contains(err.Error(), ConfigKeyAllowPrivate) {
		t.Fatalf("err = %v, want a private-destination refusal naming %s", err, ConfigKeyAllowPrivate)
	}
	for _, bad := range []string{"https://u:p@dav.example/", "ftp://dav.example/", "dav.example"} {
		if _, err := NewCalDAV(bad, "u", nil, CalDAVOptions{}); err == nil || strings.Contains(err.Error(), "u:p") {
			t.Errorf("NewCalDAV(%q): err = %v", bad, err)
		}
	}
}
