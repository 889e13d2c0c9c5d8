package web

import (
	"bytes"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/export"
	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/store"
)

func TestDealTimeline(t *testing.T) {
	e := newEnv(t)
	// mailbox rep1-box failed from 10 March to 1 April.
	mar10, apr1 := time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 8, 0, 0, 0, time.UTC)
	if err := e.st.SaveSourceState(e.ctx, model.SourceState{Source: "mailbox:rep1-box", LastSuccessAt: mar10.Add(-time.Hour),
		LastAttemptAt: mar10.Add(-time.Hour), NextPollAt: mar10}); err != nil {
		t.Fatal(err)
	}
	if err := e.st.SaveSourceState(e.ctx, model.SourceState{Source: "mailbox:rep1-box", ErrorCount: 1, LastError: "connection refused",
		LastAttemptAt: mar10, LastSuccessAt: mar10.Add(-time.Hour), NextPollAt: mar10.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if err := e.st.SaveSourceState(e.ctx, model.SourceState{Source: "mailbox:rep1-box", LastAttemptAt: apr1, LastSuccessAt: apr1,
		NextPollAt: apr1.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	c := e.as(rep2) // reps read every deal
	rec := c.get("/deals/D-1")
	wantStatus(t, rec, http.StatusOK, "timeline")
	body := rec.Body.String()
	wantContains(t, rec, `id="deal-name">Acme Pilot`, `<svg`, `class="chart"`, `id="stakeholders"`, "Carla CTO",
		"49 days of silence: sources were failing", "connection refused", "42 days of silence so far",
		`href="/activities/`+id(e.acts["auto"])+`">why?</a>`, `data-activity-id="`+id(e.acts["hostile"])+`"`,
		"April 2026", "March 2026", "from the customer", "Pilot pricing")
	// Newest first.
	if strings.Index(body, "April 2026") > strings.Index(body, "March 2026") {
		t.Error("months are not newest first")
	}
	// Outside text is text: markup escaped, bidi overrides neutralised.
	wantContains(t, rec, "&lt;script&gt;alert(1)&lt;/script&gt;", "quote&lt;img src=x&gt;.pdf", "&lt;b&gt;bold&lt;/b&gt;",
		"Eve \ufffdevil\ufffd Buyer")
	wantNotContains(t, rec, "<script>alert", "<img src=x", "<b>bold", "\u202e", "\u202c")
	// Only the deal's owner, a leader or an admin sees the note form.
	wantNotContains(t, rec, `id="note-form"`)
	wantContains(t, e.as(rep1).get("/deals/D-1"), `id="note-form"`)
	wantStatus(t, c.get("/deals/NOPE"), http.StatusNotFound, "unknown deal")
}

func TestDealTimelineShowsCorrections(t *testing.T) {
	e := newEnv(t)
	c := e.as(lead)
	wantContains(t, c.get("/deals/D-2"), `id="no-corrections"`)
	rec := c.post("/review/decide", map[string][]string{"id": {id(e.acts["auto"])}, "do": {"reassign"}, "deal": {"D-2"}})
	wantStatus(t, rec, http.StatusSeeOther, "reassign")
	page := c.get("/deals/D-2")
	wantContains(t, page, `id="corrections"`, "Lena Leader", "reassign", `href="/deals/D-1">D-1</a>`, "put on this deal by Lena Leader")
	if !strings.Contains(page.Body.String(), `data-activity-id="`+id(e.acts["auto"])+`"`) {
		t.Error("the reassigned activity is not on D-2's timeline")
	}
}

func TestDealTimelineWindow(t *testing.T) {
	e := newEnv(t)
	var acts []model.Activity
	start := time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC)
	for i := range 205 {
		a := email(fmt.Sprintf("bulk%d@initech.example", i), start.Add(time.Duration(i)*6*time.Hour), "ceo@initech.example", "Ian CEO", rep2,
			fmt.Sprintf("Message %d", i), "")
		a.Sightings = []model.Sighting{{Mailbox: "rep2-box", Folder: "Archive", UIDValidity: 1, UID: uint32(i + 1)}}
		acts = append(acts, a)
	}
	if err := e.st.SaveFolderBatch(e.ctx, store.FolderBatch{Mailbox: "rep2-box", Folder: "Archive",
		Checkpoint: model.FolderState{UIDValidity: 1, LastUID: 205}, Activities: acts}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.lk.Drain(e.ctx); err != nil {
		t.Fatal(err)
	}
	c := e.as(lead)
	items := regexp.MustCompile(`<li class="activity [^"]*" id="activity-(\d+)"`)
	first := c.get("/deals/D-3")
	wantStatus(t, first, http.StatusOK, "first window")
	got := items.FindAllStringSubmatch(first.Body.String(), -1)
	if len(got) != itemsShown {
		t.Fatalf("first window shows %d items, want %d", len(got), itemsShown)
	}
	wantContains(t, first, "Showing 200 of 206 activities.", `id="show-all"`)
	older := regexp.MustCompile(`href="(/deals/D-3\?before=\d+)" id="older"`).FindStringSubmatch(first.Body.String())
	if older == nil {
		t.Fatal("no link to older activities")
	}
	if last := got[len(got)-1][1]; !strings.HasSuffix(older[1], "="+last) {
		t.Errorf("older link %s does not continue after activity %s", older[1], last)
	}
	rest := c.get(strings.ReplaceAll(older[1], "&amp;", "&"))
	if n := len(items.FindAllString(rest.Body.String(), -1)); n != 6 {
		t.Errorf("older window shows %d items, want 6", n)
	}
	wantContains(t, rest, "Message 0<", "back to the newest")
	all := c.get("/deals/D-3?all=1")
	if n := len(items.FindAllString(all.Body.String(), -1)); n != 206 {
		t.Errorf("all=1 shows %d items, want 206", n)
	}
	print := c.get("/deals/D-3/print")
	if n := len(items.FindAllString(print.Body.String(), -1)); n != 206 {
		t.Errorf("the printable page shows %d items, want all 206", n)
	}
}

func TestDealExports(t *testing.T) {
	e := newEnv(t)
	c := e.as(rep2)
	want, err := export.Build(e.ctx, e.st, "D-1")
	if err != nil {
		t.Fatal(err)
	}
	var wantJSON, wantCSV bytes.Buffer
	if err := export.WriteJSON(&wantJSON, want); err != nil {
		t.Fatal(err)
	}
	if err := export.WriteCSV(&wantCSV, want); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		path, ctype, file string
		want              []byte
	}{
		{"/deals/D-1/export.json", "application/json; charset=utf-8", "dealtrail-D-1.json", wantJSON.Bytes()},
		{"/deals/D-1/export.csv", "text/csv; charset=utf-8", "dealtrail-D-1.csv", wantCSV.Bytes()},
	} {
		rec := c.get(tt.path)
		wantStatus(t, rec, http.StatusOK, tt.path)
		if got := rec.Header().Get("Content-Type"); got != tt.ctype {
			t.Errorf("%s: Content-Type %q", tt.path, got)
		}
		if got := rec.Header().Get("Content-Disposition"); got != `attachment; filename="`+tt.file+`"` {
			t.Errorf("%s: Content-Disposition %q", tt.path, got)
		}
		if !bytes.Equal(rec.Body.Bytes(), tt.want) {
			t.Errorf("%s differs from dealtrail export -deal D-1:\n%s\nwant\n%s", tt.path, rec.Body, tt.want)
		}
	}
	wantStatus(t, c.get("/deals/NOPE/export.json"), http.StatusNotFound, "unknown deal")
	if fileSafe(`a"b/c\d;e`) != "a_b_c_d_e" {
		t.Errorf("fileSafe = %q", fileSafe(`a"b/c\d;e`))
	}
}

func TestDealPrint(t *testing.T) {
	e := newEnv(t)
	rec := e.as(rep1).get("/deals/D-1/print")
	wantStatus(t, rec, http.StatusOK, "print")
	wantContains(t, rec, `<body class="print">`, `id="deal-name">Acme Pilot`, `id="print-now"`, "printed 2026-06-01 12:00 UTC",
		"&lt;script&gt;alert(1)&lt;/script&gt;", `id="stakeholders"`)
	wantNotContains(t, rec, `id="nav-deals"`, `id="note-form"`, "<script>alert")
	css := e.anon().get("/static/app.css")
	wantContains(t, css, "@media print")
}

func TestAddNote(t *testing.T) {
	e := newEnv(t)
	count := func() int {
		acts, err := e.st.DealActivities(e.ctx, "D-1")
		if err != nil {
			t.Fatal(err)
		}
		return len(acts)
	}
	rep := e.as(rep1)
	rec := rep.post("/deals/D-1/notes", map[string][]string{"kind": {"call"}, "date": {"2026-05-30"}, "time": {"14:15"},
		"subject": {"Call with Carla"}, "body": {"She wants a discount."}, "with": {"cto@acme.example"}})
	page, flash := rep.follow(t, rec)
	if flash != "Call added to the timeline." {
		t.Errorf("flash = %q", flash)
	}
	wantContains(t, page, "Call with Carla", "She wants a discount.", "2026-05-30 14:15 UTC", "logged by Rita Rep", "With cto@acme.example")
	if count() != 3 {
		t.Errorf("D-1 has %d activities, want 3", count())
	}
	// Bad input: the form again, naming the field; nothing stored.
	for _, tt := range []struct {
		form map[string][]string
		want string
	}{
		{map[string][]string{"kind": {"note"}, "date": {"2026-05-30"}}, "subject: write a few words"},
		{map[string][]string{"kind": {"note"}, "date": {"30/05/2026"}, "subject": {"x"}}, `date: &#34;30/05/2026&#34; is not a date`},
		{map[string][]string{"kind": {"memo"}, "date": {"2026-05-30"}, "subject": {"x"}}, "kind: choose a note or a call"},
		{map[string][]string{"kind": {"call"}, "date": {"2026-05-30"}, "subject": {"x"}, "with": {"not an address"}}, "with: &#34;not&#34; is not an email address"},
		{map[string][]string{"kind": {"note"}, "date": {"2027-01-01"}, "subject": {"x"}}, "is in the future"},
	} {
		before := e.snapshot()
		rec := rep.post("/deals/D-1/notes", tt.form)
		wantStatus(t, rec, http.StatusUnprocessableEntity, tt.want)
		wantContains(t, rec, tt.want, `id="note-form"`)
		if e.snapshot() != before {
			t.Errorf("%s: the store changed", tt.want)
		}
	}
	// A rep cannot write on another rep's deal; a leader can.
	before := e.snapshot()
	rec = rep.post("/deals/D-3/notes", map[string][]string{"kind": {"note"}, "date": {"2026-05-30"}, "subject": {"Sneaky"}})
	wantStatus(t, rec, http.StatusForbidden, "rep on another rep's deal")
	if e.snapshot() != before {
		t.Error("the store changed")
	}
	rec = e.as(lead).post("/deals/D-3/notes", map[string][]string{"kind": {"note"}, "date": {"2026-05-30"}, "subject": {"Leader's note"}})
	wantStatus(t, rec, http.StatusSeeOther, "leader")
	wantStatus(t, rep.post("/deals/NOPE/notes", map[string][]string{"kind": {"note"}}), http.StatusNotFound, "unknown deal")
}
