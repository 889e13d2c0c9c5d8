package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/dealtrail/dealtrail/internal/testenv/chromium"
)

// uiTimeout bounds everything the browser does in TestUI.
const uiTimeout = 60 * time.Second

// TestUI drives the real `dealtrail serve` in headless Chromium, as the
// issue's acceptance asks: log in; the deals list; a deal's timeline; a
// hostile subject shown as text; a review item put on a deal by a rep,
// and still there after reloads; a rep refused on another rep's deal;
// logout killing the session. The deals list and a timeline are saved as
// screenshots (see artifactsDir).
func TestUI(t *testing.T) {
	chromium.Path(t) // skip (or fail) before starting anything
	start := time.Now()
	cfg, env := uiWorld(t)
	srv := serveUI(t, cfg, env)
	t.Logf("synced and serving at %s in %v", srv.base, time.Since(start).Round(time.Millisecond))
	art := artifactsDir(t)
	b := openBrowser(t, srv.base, art)

	// 1. A browser without a session lands on the login form, which
	// leads back to where it wanted to go.
	b.open("/deals", 200, "#login-form")
	if loc := b.location(); loc != "/login?next=%2Fdeals" {
		t.Errorf("unauthenticated /deals went to %s, want /login?next=%%2Fdeals", loc)
	}
	b.login(uiLena, "#deals")
	if loc := b.location(); loc != "/deals" {
		t.Errorf("after logging in: %s, want /deals", loc)
	}

	// 2. The deals list: every imported deal, by ID and name.
	rows := eval[map[string]string](b, "deal rows",
		`Object.fromEntries(Array.from(document.querySelectorAll("#deals tbody tr.deal")).map(r => [r.dataset.dealId, r.textContent]))`)
	if len(rows) != len(teamDeals) {
		t.Errorf("the deals list has %d rows, want %d", len(rows), len(teamDeals))
	}
	for _, d := range teamDeals {
		if !strings.Contains(rows[d.id], d.name) || !strings.Contains(rows[d.id], d.owner.name) {
			t.Errorf("deal %s: row %q, want its name %q and owner %q", d.id, strings.Join(strings.Fields(rows[d.id]), " "), d.name, d.owner.name)
		}
	}
	b.screenshot(art, "deals-list.png")

	// 3. A deal, opened by its link: the timeline with its months, items
	// and weekly chart.
	b.submit("open "+hostileDeal, `#deals tr.deal[data-deal-id="`+hostileDeal+`"] a`, "#timeline section.month")
	if loc := b.location(); loc != "/deals/"+hostileDeal {
		t.Errorf("the deal's link went to %s", loc)
	}
	if name := b.text("#deal-name"); !strings.Contains(name, "Stark Advisory") {
		t.Errorf("deal page heading %q, want Stark Advisory", name)
	}
	months, items := b.count("#timeline section.month"), b.count("#timeline li.activity")
	if months < 2 || items < 10 {
		t.Errorf("the timeline shows %d months and %d activities, want several of each", months, items)
	}
	if n := b.count("#chart svg"); n != 1 {
		t.Errorf("%d SVG charts on the deal page, want 1", n)
	} else if marks := b.count("#chart svg rect, #chart svg path, #chart svg line"); marks < 5 {
		t.Errorf("the chart draws %d marks, want bars for the weeks", marks)
	}
	if n := b.count("#stakeholders tr.stakeholder"); n == 0 {
		t.Errorf("no stakeholders listed")
	}
	b.screenshot(art, "deal-timeline.png")

	// 4. The hostile subject and snippet are text: shown literally, no
	// element made of them, no script run.
	hostileAct := checkHostileIsText(t, b, "the timeline")
	b.submit("open the hostile activity", "#activity-"+hostileAct+" a.why-link", "#match")
	checkHostileIsText(t, b, "the activity page")
	b.checkPage("the hostile subject")

	// 5. A rep puts a review item on one of its candidate deals.
	b.logout()
	b.login(uiAlice, "#deals")
	reviewed := decideReviewItem(t, b, art)

	// 6. A rep may not change another rep's deal, whatever the page
	// offers.
	b.logout()
	b.login(uiDave, "#deals")
	wayne := refuseOtherRepsDeal(t, b, art)

	// The leader sees, through the JSON API, both decisions as they
	// should stand.
	b.logout()
	b.login(uiLena, "#deals")
	checkLink(t, b, "D-101", reviewed, "confirmed", "manual")
	checkLink(t, b, "D-111", wayne, "auto", "")

	// 7. Logging out ends the session on the server: the old cookie, put
	// back, opens nothing.
	b.open("/deals", 200, "#deals")
	cookie := b.sessionCookie()
	if cookie == nil {
		t.Fatal("no session cookie while logged in")
	}
	if !cookie.HTTPOnly || cookie.SameSite != "Lax" {
		t.Errorf("session cookie HttpOnly=%v SameSite=%q, want HttpOnly and Lax", cookie.HTTPOnly, cookie.SameSite)
	}
	b.logout()
	if b.sessionCookie() != nil {
		t.Errorf("the session cookie is still in the browser after logging out")
	}
	b.open("/deals", 200, "#login-form")
	b.setCookie(cookie)
	b.open("/deals", 200, "#login-form")
	if loc := b.location(); loc != "/login?next=%2Fdeals" {
		t.Errorf("/deals with the logged-out session went to %s, want the login page", loc)
	}
	b.setCookie(cookie) // the login page told the browser to forget it again
	if st, body := b.getJSON("/api/v1/deals"); st != 401 {
		t.Errorf("the API with the logged-out session answered %d, want 401: %.300s", st, body)
	}

	b.checkPage("the end")
	b.mu.Lock()
	for _, e := range b.consoleErrors {
		t.Logf("console: %s", e)
	}
	b.mu.Unlock()
	srv.stop(t)
	t.Logf("TestUI took %v", time.Since(start).Round(time.Millisecond))
}

// checkHostileIsText checks, on the page shown, that the hostile message's
// subject and snippet read literally and made no element, and returns the
// message's activity ID.
func checkHostileIsText(t *testing.T, b *browser, where string) string {
	t.Helper()
	type shown struct {
		ID      string `json:"id"`
		Subject string `json:"subject"`
		Snippet string `json:"snippet"`
		Imgs    int    `json:"imgs"`
	}
	found := eval[[]shown](b, "hostile activity on "+where, `Array.from(document.querySelectorAll("li.activity")).
		filter(li => (li.querySelector(".subject") || {}).textContent === `+jsString(hostileSubject)+`).
		map(li => ({id: li.dataset.activityId, subject: li.querySelector(".subject").textContent,
			snippet: (li.querySelector(".snippet") || {textContent: ""}).textContent, imgs: li.querySelectorAll("img").length}))`)
	if len(found) != 1 {
		t.Fatalf("%s: %d activities with the subject %q as text, want 1", where, len(found), hostileSubject)
	}
	if !strings.Contains(found[0].Snippet, hostileSnippet) || found[0].Imgs != 0 {
		t.Errorf("%s: snippet %q with %d images, want the markup %q as text", where, found[0].Snippet, found[0].Imgs, hostileSnippet)
	}
	if !eval[bool](b, "page text", `document.body.innerText.includes(`+jsString(`<script>alert("owned")</script>`)+`)`) {
		t.Errorf("%s: the page's text lacks the subject's markup", where)
	}
	// The only scripts are the server's own file.
	scripts := eval[[]string](b, "scripts", `Array.from(document.scripts).map(s => s.getAttribute("src") + " " + s.textContent)`)
	for _, s := range scripts {
		if !strings.HasPrefix(s, "/static/app.js?v=") || strings.Contains(s, "owned") {
			t.Errorf("%s: unexpected script %q", where, s)
		}
	}
	if n := b.count("img[onerror], [onerror]"); n != 0 {
		t.Errorf("%s: %d elements with an onerror handler", where, n)
	}
	return found[0].ID
}

// decideReviewItem has the rep logged in (Alice) put an ambiguous Acme
// budget message, which fits D-101 (hers) and D-102 (Bob's), on D-101 by
// its button; checks the message, that it left the queue, and that it
// stands on the deal after reloads; and returns its activity ID.
func decideReviewItem(t *testing.T, b *browser, art string) string {
	t.Helper()
	b.open("/review", 200, "#review")
	id := eval[string](b, "find a review item", `(Array.from(document.querySelectorAll("#review li.review-item")).
		find(li => li.querySelector(".why").textContent.startsWith("Several deals fit") &&
			li.querySelector('button[value="confirm:D-101"]') && li.querySelector('button[value="confirm:D-102"]')) || {dataset: {}}).dataset.activityId || ""`)
	if id == "" {
		t.Fatalf("no review item offers D-101 and D-102; the queue shows:\n%s", b.text("#review"))
	}
	item := "#activity-" + id
	if subj := b.text(item + " .subject"); !strings.Contains(subj, "Acme budget") {
		t.Errorf("review item %s is %q, want an Acme budget message", id, subj)
	}
	b.screenshot(art, "review-queue.png")
	if st := b.submit("put "+id+" on D-101", item+` button[value="confirm:D-101"]`, "#flash"); st != 200 {
		t.Errorf("after the decision: status %d", st)
	}
	if flash := b.text("#flash"); !strings.HasPrefix(flash, "Confirmed 1 activity") {
		t.Errorf("the decision's message is %q, want it to say one activity was confirmed", flash)
	}
	if loc := b.location(); !strings.HasPrefix(loc, "/review") {
		t.Errorf("the decision led to %s, want back to the review queue", loc)
	}
	if b.count(item) != 0 {
		t.Errorf("activity %s is still in the review queue after the decision", id)
	}
	b.open("/review", 200, "#main h1")
	if b.count(item) != 0 {
		t.Errorf("activity %s is back in the review queue after a reload", id)
	}
	b.open("/deals/D-101", 200, "#timeline")
	if b.count("#timeline "+item) != 1 {
		t.Errorf("activity %s is not on D-101's timeline", id)
	}
	b.open("/activities/"+id, 200, "#match")
	for reload := range 2 {
		if reload > 0 {
			b.do("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("match")))
		}
		state, method, deal := b.text("#link-state"), b.text("#link-method"), b.text("#link-deal")
		if state != "confirmed by a person" || method != "manual" || !strings.HasPrefix(deal, "D-101") {
			t.Errorf("activity %s (reload %d): %q, %q, on %q; want confirmed by a person, manual, on D-101", id, reload, state, method, deal)
		}
		if audit := b.text("#audit"); !strings.Contains(audit, alice.name) || !strings.Contains(audit, "D-101") {
			t.Errorf("activity %s (reload %d): the corrections say %q, want Alice's decision", id, reload, strings.Join(strings.Fields(audit), " "))
		}
	}
	return id
}

// refuseOtherRepsDeal has the rep logged in (Dave) try to move an activity
// of Bob's Wayne Licence (D-111) onto his own deal, and add a note to it:
// the pages offer no form, the server answers 403 to each attempt made
// with the session's own CSRF token, and nothing changes. It saves the
// refusal's page and returns the activity's ID.
func refuseOtherRepsDeal(t *testing.T, b *browser, art string) string {
	t.Helper()
	b.open("/deals/D-111", 200, "#timeline li.activity")
	if b.count("#note-form") != 0 {
		t.Errorf("Dave is offered the note form on Bob's deal")
	}
	id := eval[string](b, "a Wayne activity", `document.querySelector("#timeline li.activity").dataset.activityId`)
	b.open("/activities/"+id, 200, "#match")
	if b.count("form.decide") != 0 {
		t.Errorf("Dave is offered the decision form on activity %s of Bob's deal", id)
	}
	if hint := b.text("#change"); !strings.Contains(hint, "Only the deal's owner") {
		t.Errorf("the activity page does not say who may change it: %q", strings.Join(strings.Fields(hint), " "))
	}
	state, deal := b.text("#link-state"), b.text("#link-deal")
	if !strings.HasPrefix(deal, "D-111") {
		t.Fatalf("activity %s is on %q, want D-111", id, deal)
	}
	csrf := eval[string](b, "CSRF token", `document.querySelector('input[name="csrf"]').value`)
	form := url.Values{"csrf": {csrf}, "id": {id}, "do": {"reassign"}, "deal": {hostileDeal}, "back": {"/review"}}
	if st, text := b.post("/review/decide", form); st != 403 || !strings.Contains(text, "You cannot change activity "+id) {
		t.Errorf("Dave's decision on Bob's activity: %d %.300q, want 403 saying he cannot change it", st, text)
	}
	b.screenshot(art, "refused.png")
	form.Set("do", "confirm:"+hostileDeal)
	if st, text := b.post("/review/decide", form); st != 403 {
		t.Errorf("Dave's confirm onto his deal of Bob's activity: %d %.300q, want 403", st, text)
	}
	note := url.Values{"csrf": {csrf}, "kind": {"note"}, "date": {"2025-12-01"}, "subject": {"Dave was here"}}
	if st, text := b.post("/deals/D-111/notes", note); st != 403 {
		t.Errorf("Dave's note on Bob's deal: %d %.300q, want 403", st, text)
	}
	st, body := b.sessionRequest("POST", "/api/v1/activities/"+id+"/decision",
		http.Header{"Content-Type": {"application/json"}, "X-Csrf-Token": {csrf}}, `{"action": "reassign", "deal": "`+hostileDeal+`"}`)
	if st != 403 || !strings.Contains(body, `"error"`) {
		t.Errorf("Dave's API decision on Bob's activity: %d %s, want 403 with an error", st, body)
	}
	b.open("/activities/"+id, 200, "#match")
	if s, d := b.text("#link-state"), b.text("#link-deal"); s != state || d != deal {
		t.Errorf("activity %s moved after refusals: %q on %q, was %q on %q", id, s, d, state, deal)
	}
	if n := b.count("#audit tr.decision"); n != 0 {
		t.Errorf("activity %s has %d corrections after refusals", id, n)
	}
	return id
}

// checkLink checks, through GET /api/v1/deals/{deal}, that activity id is
// on deal with link state and, unless empty, method; and that the deal has
// no note.
func checkLink(t *testing.T, b *browser, deal, id, state, method string) {
	t.Helper()
	st, body := b.getJSON("/api/v1/deals/" + deal)
	if st != 200 {
		t.Fatalf("GET /api/v1/deals/%s: %d %.500s", deal, st, body)
	}
	var doc struct {
		Activities []apiActivity `json:"activities"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatalf("GET /api/v1/deals/%s: %v", deal, err)
	}
	want, _ := strconv.ParseInt(id, 10, 64)
	i := slices.IndexFunc(doc.Activities, func(a apiActivity) bool { return a.ID == want })
	switch {
	case i < 0:
		t.Errorf("the API does not list activity %s on %s", id, deal)
	case doc.Activities[i].Link == nil:
		t.Errorf("activity %s on %s has no link", id, deal)
	default:
		l := doc.Activities[i].Link
		if l.Deal != deal || l.State != state || method != "" && l.Method != method {
			t.Errorf("activity %s: link %+v, want on %s, %s, method %q", id, *l, deal, state, method)
		}
	}
	for _, a := range doc.Activities {
		if a.Kind == "note" {
			t.Errorf("%s has a note (activity %d)", deal, a.ID)
		}
	}
}

// apiActivity is what checkLink reads of an activity of the API.
type apiActivity struct {
	ID   int64  `json:"id"`
	Kind string `json:"kind"`
	Link *struct {
		Deal   string `json:"deal"`
		State  string `json:"state"`
		Method string `json:"method"`
	} `json:"link"`
}
