package web

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/store"
)

var reviewItemRE = regexp.MustCompile(`<li class="activity review-item[^"]*" id="activity-\d+" data-activity-id="(\d+)"`)

// reviewIDs lists the activities of a review page.
func reviewIDs(body string) []string {
	var out []string
	for _, m := range reviewItemRE.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	slices.Sort(out)
	return out
}

func TestReviewPage(t *testing.T) {
	e := newEnv(t)
	auto, review, hostile := id(e.acts["auto"]), id(e.acts["review"]), id(e.acts["hostile"])
	// The weak automatic links of D-1 and the undecided one wait; the
	// confident Initech link does not.
	want := []string{auto, review, hostile}
	slices.Sort(want)
	rep := e.as(rep1)
	rec := rep.get("/review")
	wantStatus(t, rec, http.StatusOK, "review")
	if got := reviewIDs(rec.Body.String()); !slices.Equal(got, want) {
		t.Errorf("rep1's review = %v, want %v", got, want)
	}
	wantContains(t, rec, "<strong>Mine</strong>", "Several deals fit and none stood out", "Put on D-1 · Acme Pilot (Rita Rep)",
		"Put on D-2 · Acme Rollout (Rob Rep)", `data-key="c"`, `data-key="u"`, `data-key="i"`, `tabindex="0"`, `form="bulk"`,
		`id="review-count">3<`, "&lt;script&gt;alert(1)&lt;/script&gt;", "Eve \ufffdevil\ufffd Buyer", `<datalist id="open-deals">`)
	wantNotContains(t, rec, "<script>alert", "\u202e")
	// A leader sees everyone's; "mine" narrows to the deals and sources
	// of the user (the leader has none).
	lead := e.as(lead)
	wantContains(t, lead.get("/review"), "<strong>Everyone's</strong>")
	leadMine := lead.get("/review?who=mine")
	wantStatus(t, leadMine, 200, "the leader's own review")
	if got := reviewIDs(leadMine.Body.String()); len(got) != 0 {
		t.Errorf("the leader's own review = %v, want none", got)
	}
	// An item another rep may not decide shows no form.
	other := e.as(rep2)
	page := other.get("/review?who=all")
	if got := reviewIDs(page.Body.String()); !slices.Equal(got, want) {
		t.Errorf("everyone's review = %v, want %v", got, want)
	}
}

func TestReviewReassignStays(t *testing.T) {
	e := newEnv(t)
	c := e.as(lead)
	review := id(e.acts["review"])
	rec := c.post("/review/decide", url.Values{"id": {review}, "do": {"reassign"}, "deal": {"D-2"}, "back": {"/review?who=all"}})
	if loc := rec.Header().Get("Location"); loc != "/review?who=all" {
		t.Errorf("redirect to %q, want back to the queue", loc)
	}
	page, flash := c.follow(t, rec)
	if flash != "Moved 1 activity to D-2." {
		t.Errorf("flash = %q", flash)
	}
	if slices.Contains(reviewIDs(page.Body.String()), review) {
		t.Error("the decided activity is still in the queue")
	}
	// Reloading shows it stayed.
	if slices.Contains(reviewIDs(c.get("/review?who=all").Body.String()), review) {
		t.Error("the decided activity came back")
	}
	l := e.activity(e.acts["review"]).Link
	if l.DealID != "D-2" || l.State != model.LinkConfirmed || l.DecidedBy != "lead@ourco.example" {
		t.Errorf("link = %+v", l)
	}
	why := c.get("/activities/" + review)
	wantContains(t, why, "confirmed by a person", `id="audit"`, "reassign", "Lena Leader")
}

func TestReviewRefusesRepOnAnotherRepsActivity(t *testing.T) {
	e := newEnv(t)
	rep := e.as(rep1)
	initech := id(e.acts["initech"]) // on rep2's deal, seen in rep2's mailbox
	before := e.snapshot()
	rec := rep.post("/review/decide", url.Values{"id": {initech}, "do": {"reassign"}, "deal": {"D-1"}})
	wantStatus(t, rec, http.StatusForbidden, "rep1 on rep2's activity")
	wantContains(t, rec, "You cannot change activity")
	if e.snapshot() != before {
		t.Error("the store changed")
	}
	// The same in a bulk action with one of their own.
	rec = rep.post("/review/decide", url.Values{"ids": {id(e.acts["auto"]), initech}, "do": {"ignore"}})
	wantStatus(t, rec, http.StatusForbidden, "bulk with another rep's activity")
	if e.snapshot() != before {
		t.Error("the store changed")
	}
	// The activity page offers no form.
	wantContains(t, rep.get("/activities/"+initech), "Only the deal's owner")
	// A runner-up is no right: "auto" is on rep1's D-1, seen in rep1's
	// mailbox, with rep2's D-2 as the other candidate.
	rec = e.as(rep2).post("/review/decide", url.Values{"id": {id(e.acts["auto"])}, "do": {"unlink"}})
	wantStatus(t, rec, http.StatusForbidden, "rep2 on rep1's activity where D-2 was the runner-up")
	if e.snapshot() != before {
		t.Error("the store changed")
	}
	// What is theirs they may decide: the undecided one has D-1 among
	// its candidates.
	rec = rep.post("/review/decide", url.Values{"id": {id(e.acts["review"])}, "do": {"confirm:D-1"}})
	wantStatus(t, rec, http.StatusSeeOther, "rep1 on a candidate of theirs")
}

func TestReviewDecideBadInput(t *testing.T) {
	e := newEnv(t)
	c := e.as(lead)
	review := id(e.acts["review"])
	for _, tt := range []struct {
		name   string
		form   url.Values
		status int
		want   string
	}{
		{"reassign without a deal", url.Values{"id": {review}, "do": {"reassign"}}, 422, "deal: choose the deal to move it to"},
		{"unknown deal", url.Values{"id": {review}, "do": {"reassign"}, "deal": {"D-404"}}, 422, "deal: there is no deal &#34;D-404&#34;"},
		{"no activity", url.Values{"do": {"unlink"}}, 400, "choose at least one activity"},
		{"bad id", url.Values{"id": {"x1"}, "do": {"unlink"}}, 400, "id: &#34;x1&#34; is not an activity"},
		{"unknown action", url.Values{"id": {review}, "do": {"delete"}}, 400, "action: &#34;delete&#34; is not something"},
		{"no action", url.Values{"id": {review}}, 400, "action: choose what to do"},
		{"always on unlink", url.Values{"id": {review}, "do": {"unlink"}, "always": {"domain"}}, 422, "always: only confirm, reassign and ignore"},
		{"always in bulk", url.Values{"ids": {review, id(e.acts["auto"])}, "do": {"ignore"}, "always": {"domain"}}, 422, "always: a rule is made from one activity"},
		{"bad always", url.Values{"id": {review}, "do": {"ignore"}, "always": {"forever"}}, 422, "always: &#34;forever&#34; is not address or domain"},
		{"missing activity", url.Values{"id": {"99999"}, "do": {"ignore"}}, 422, "activity 99999 does not exist"},
		{"confirm with no deal", url.Values{"id": {review}, "do": {"confirm"}}, 422, "is on no deal to confirm"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := e.snapshot()
			rec := c.post("/review/decide", tt.form)
			wantStatus(t, rec, tt.status, tt.name)
			wantContains(t, rec, "Nothing was changed: ", tt.want, `id="review"`)
			if e.snapshot() != before {
				t.Error("the store changed")
			}
		})
	}
}

func TestReviewAlwaysShowsWhatMovesFirst(t *testing.T) {
	e := newEnv(t)
	// An Acme email on D-2 (its owner was on it): a domain rule
	// acme.example → D-1 would move it.
	e.saveMail("rep2-box", 7, email("rollout@acme.example", now.AddDate(0, -1, 0), "buyer@acme.example", "Bea", rep2, "Roll-out", ""))
	if _, err := e.lk.Drain(e.ctx); err != nil {
		t.Fatal(err)
	}
	moved := e.activityID("rollout@acme.example")
	if l := e.activity(moved).Link; l.DealID != "D-2" {
		t.Fatalf("setup: link %+v, want D-2", l)
	}
	c := e.as(lead)
	review := id(e.acts["review"])
	form := url.Values{"id": {review}, "do": {"confirm:D-1"}, "always": {"domain"}, "back": {"/review"}}
	before := e.snapshot()
	rec := c.post("/review/decide", form)
	wantStatus(t, rec, http.StatusOK, "preview")
	wantContains(t, rec, `id="confirm-rule"`, "anyone at <strong>acme.example</strong>", "It will move <strong>1</strong> past activity",
		"Roll-out", `name="confirmed" value="1"`, `name="always" value="domain"`, `id="apply-rule"`)
	if e.snapshot() != before {
		t.Fatal("the preview changed the store")
	}
	form.Set("confirmed", "1")
	rec = c.post("/review/decide", form)
	_, flash := c.follow(t, rec)
	if flash != "Confirmed 1 activity, and made a rule for the domain; 1 more moved with it." {
		t.Errorf("flash = %q", flash)
	}
	if l := e.activity(moved).Link; l.DealID != "D-1" || l.Method != model.MethodRule {
		t.Errorf("the rule did not move the Roll-out email: %+v", l)
	}
}

func TestReviewBulk(t *testing.T) {
	e := newEnv(t)
	c := e.as(rep1)
	rec := c.post("/review/decide", url.Values{"ids": {id(e.acts["auto"]), id(e.acts["hostile"])}, "do": {"ignore"}})
	_, flash := c.follow(t, rec)
	if flash != "Ignored 2 activities." {
		t.Errorf("flash = %q", flash)
	}
	for _, name := range []string{"auto", "hostile"} {
		if l := e.activity(e.acts[name]).Link; l.State != model.LinkIgnored || l.DecidedBy != rep1 {
			t.Errorf("%s: link %+v, want ignored by rep1", name, l)
		}
	}
	rows, err := e.st.Decisions(e.ctx, store.DecisionFilter{Actor: rep1})
	if err != nil || len(rows) != 2 {
		t.Errorf("decisions by rep1 = %d (%v), want 2", len(rows), err)
	}
	// Whole thread: both activities of a conversation move.
	reply := email("reply@acme.example", now.AddDate(0, 0, -3), "buyer@acme.example", "Bea", "sales@ourco.example", "Re: Which offer?", "")
	reply.ThreadKey, reply.InReplyTo = "review@acme.example", "review@acme.example"
	e.saveMail("shared-box", 2, reply)
	if _, err := e.lk.Drain(e.ctx); err != nil {
		t.Fatal(err)
	}
	rec = e.as(lead).post("/review/decide", url.Values{"id": {id(e.acts["review"])}, "do": {"reassign"}, "deal": {"D-2"}, "thread": {"1"}})
	wantStatus(t, rec, http.StatusSeeOther, "whole thread")
	if l := e.activity(e.activityID("reply@acme.example")).Link; l.DealID != "D-2" {
		t.Errorf("the reply is on %+v, want D-2 with its thread", l)
	}
	if !strings.Contains(rec.Header().Get("Location"), "/review") {
		t.Errorf("Location = %q", rec.Header().Get("Location"))
	}
}
