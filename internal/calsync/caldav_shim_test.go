package calsync

import (
	"crypto/sha256"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/dealtrail/dealtrail/internal/model"
)

// shim is a tiny CalDAV server with one calendar, /cal/, that has a CTag
// and no sync token, no principal discovery, and objects the test can
// break one by one: Radicale cannot hold a broken object without failing
// its whole calendar.
type shim struct {
	mu            sync.Mutex
	ctag          int
	objects       map[string]string // name -> iCalendar
	broken        map[string]bool   // GET answers 500; a multiget answers 500 for it
	vanishing     map[string]bool   // listed, then 404 in a multiget and to GET
	multigetFails bool              // a multiget answers 500 as a whole
	gets          map[string]int
	requests      []string
}

func newShim(names ...string) *shim {
	s := &shim{objects: map[string]string{}, broken: map[string]bool{}, vanishing: map[string]bool{}, gets: map[string]int{}, ctag: 1}
	for _, n := range names {
		s.objects[n] = event(n+"@shim.test", "Meeting "+n, day)
	}
	return s
}

func etagOf(data string) string { return fmt.Sprintf(`"%x"`, sha256.Sum256([]byte(data))) }

func (s *shim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	kind := r.Method
	if r.Method == "REPORT" {
		kind += map[bool]string{true: " multiget", false: " query"}[strings.Contains(string(body), "calendar-multiget")]
	}
	s.requests = append(s.requests, kind)
	name := strings.TrimPrefix(r.URL.Path, "/cal/")
	switch {
	case r.Method == "PROPFIND" && r.Header.Get("Depth") == "1" && r.URL.Path == "/cal/":
		s.multistatus(w, fmt.Sprintf(`<response><href>/cal/</href><propstat><prop>`+
			`<resourcetype><collection/><C:calendar/></resourcetype><S:getctag>"%d"</S:getctag>`+
			`</prop><status>HTTP/1.1 200 OK</status></propstat></response>`, s.ctag))
	case r.Method == "PROPFIND":
		http.Error(w, "no principals here", http.StatusNotFound)
	case kind == "REPORT query":
		var b strings.Builder
		for _, n := range s.sortedNames() {
			fmt.Fprintf(&b, `<response><href>/cal/%s</href><propstat><prop><getetag>%s</getetag></prop>`+
				`<status>HTTP/1.1 200 OK</status></propstat></response>`, n, etagOf(s.objects[n]))
		}
		s.multistatus(w, b.String())
	case kind == "REPORT multiget":
		if s.multigetFails {
			http.Error(w, "A server error occurred.", http.StatusInternalServerError)
			return
		}
		var req struct {
			Hrefs []string `xml:"DAV: href"`
		}
		if err := xml.Unmarshal(body, &req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var b strings.Builder
		for _, href := range req.Hrefs {
			n := strings.TrimPrefix(href, "/cal/")
			data, ok := s.objects[n]
			switch {
			case !ok || s.vanishing[n]:
				fmt.Fprintf(&b, `<response><href>%s</href><status>HTTP/1.1 404 Not Found</status></response>`, href)
			case s.broken[n]:
				fmt.Fprintf(&b, `<response><href>%s</href><status>HTTP/1.1 500 Internal Server Error</status></response>`, href)
			default:
				fmt.Fprintf(&b, `<response><href>%s</href><propstat><prop><getetag>%s</getetag><C:calendar-data>%s</C:calendar-data></prop>`+
					`<status>HTTP/1.1 200 OK</status></propstat></response>`, href, etagOf(data), escapeXML(data))
			}
		}
		s.multistatus(w, b.String())
	case r.Method == http.MethodGet:
		s.gets[name]++
		data, ok := s.objects[name]
		switch {
		case !ok || s.vanishing[name]:
			http.NotFound(w, r)
		case s.broken[name]:
			http.Error(w, "A server error occurred.", http.StatusInternalServerError)
		default:
			w.Header().Set("ETag", etagOf(data))
			w.Header().Set("Content-Type", "text/calendar")
			fmt.Fprint(w, data)
		}
	default:
		http.Error(w, "not in this shim", http.StatusMethodNotAllowed)
	}
}

func (s *shim) multistatus(w http.ResponseWriter, responses string) {
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.WriteHeader(http.StatusMultiStatus)
	fmt.Fprint(w, `<?xml version="1.0"?><multistatus xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" `+
		`xmlns:S="http://calendarserver.org/ns/">`+responses+`</multistatus>`)
}

func (s *shim) sortedNames() []string {
	names := make([]string, 0, len(s.objects))
	for n := range s.objects {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// set changes the shim under its lock, and takes its request log.
func (s *shim) set(f func()) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	f()
	reqs := s.requests
	s.requests = nil
	return reqs
}

func newShimCalDAV(t *testing.T, s *shim) *CalDAV {
	t.Helper()
	ts, _ := newServer(t, s, false)
	c, err := NewCalDAV(ts.URL+"/cal/", "shim", func() string { return "pw" }, CalDAVOptions{AllowPrivateNetworks: true})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestCalDAVBrokenObject: a multiget that fails falls back to a GET per
// object; the one object the server fails on is a problem, the others
// come through, and only it is asked for again at the next poll.
func TestCalDAVBrokenObject(t *testing.T) {
	s := newShim("a.ics", "b.ics", "c.ics")
	s.set(func() { s.broken["b.ics"] = true; s.multigetFails = true })
	c := newShimCalDAV(t, s)

	first := fetchOK(t, c, model.FeedState{})
	if got := objectPaths(first.Objects); !slices.Equal(got, []string{"/cal/a.ics", "/cal/c.ics"}) {
		t.Fatalf("objects = %v", got)
	}
	if !slices.Equal(first.Problems, []string{"/cal/b.ics: HTTP 500 Internal Server Error"}) {
		t.Errorf("problems = %q", first.Problems)
	}
	cal := first.State.Calendars["/cal/"]
	if cal.CTag != "" || len(cal.Objects) != 2 || cal.Objects["/cal/a.ics"] != etagOf(s.objects["a.ics"]) {
		t.Errorf("state = %+v: want a and c, and no CTag so that the next poll looks again", cal)
	}

	s.set(func() {})
	second := fetchOK(t, c, first.State)
	reqs := s.set(func() {})
	if len(second.Objects) != 0 || len(second.Problems) != 1 || second.Unchanged {
		t.Errorf("second poll = %+v", second)
	}
	if s.gets["a.ics"] != 1 || s.gets["c.ics"] != 1 || s.gets["b.ics"] != 2 {
		t.Errorf("GETs = %v, want only b again", s.gets)
	}
	t.Logf("retry poll: %v", reqs)

	s.set(func() { s.broken["b.ics"] = false })
	third := fetchOK(t, c, second.State)
	if got := objectPaths(third.Objects); !slices.Equal(got, []string{"/cal/b.ics"}) || len(third.Problems) != 0 {
		t.Fatalf("after the repair: objects %v, problems %v", got, third.Problems)
	}
	if third.State.Calendars["/cal/"].CTag != `"1"` {
		t.Errorf("CTag after a clean poll = %q", third.State.Calendars["/cal/"].CTag)
	}
	s.set(func() {})
	fourth := fetchOK(t, c, third.State)
	reqs = s.set(func() {})
	if !fourth.Unchanged || !slices.Equal(reqs, []string{"PROPFIND"}) {
		t.Errorf("unchanged CTag poll = %+v with %v", fourth, reqs)
	}
}

// TestCalDAVMultigetPartial: objects a multiget answers with an error are
// fetched with GET; objects gone in the meantime are skipped quietly.
func TestCalDAVMultigetPartial(t *testing.T) {
	s := newShim("a.ics", "b.ics", "c.ics", "d.ics")
	s.set(func() { s.broken["b.ics"] = true; s.vanishing["d.ics"] = true })
	c := newShimCalDAV(t, s)
	got := fetchOK(t, c, model.FeedState{})
	reqs := s.set(func() {})
	if paths := objectPaths(got.Objects); !slices.Equal(paths, []string{"/cal/a.ics", "/cal/c.ics"}) {
		t.Fatalf("objects = %v", paths)
	}
	if !slices.Equal(got.Problems, []string{"/cal/b.ics: HTTP 500 Internal Server Error"}) {
		t.Errorf("problems = %q", got.Problems)
	}
	if s.gets["a.ics"] != 0 || s.gets["b.ics"] != 1 || s.gets["d.ics"] != 0 {
		t.Errorf("GETs = %v, want only b's", s.gets)
	}
	if _, ok := got.State.Calendars["/cal/"].Objects["/cal/d.ics"]; ok {
		t.Error("a vanished object is in the state")
	}
	want := []string{"PROPFIND", "PROPFIND", "REPORT query", "REPORT multiget", "GET"}
	if !slices.Equal(reqs, want) {
		t.Errorf("requests = %v, want %v", reqs, want)
	}
	// The object data is what the server sent, whatever the XML around it.
	for _, o := range got.Objects {
		if !strings.HasPrefix(string(o.Data), "BEGIN:VCALENDAR") || !strings.Contains(string(o.Data), "Meeting") {
			t.Errorf("%s = %q", o.Path, o.Data)
		}
	}
}
