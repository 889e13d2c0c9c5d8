package web

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
)

var dealRowRE = regexp.MustCompile(`<tr class="deal[^"]*" data-deal-id="([^"]+)">`)

// dealIDs lists the deals of a deals page, in order.
func dealIDs(body string) []string {
	var out []string
	for _, m := range dealRowRE.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestDealsPage(t *testing.T) {
	e := newEnv(t)
	// D-2 goes dark: the customer wrote long ago, the team kept writing.
	out := email("followup@acme.example", now.Add(-10*24*time.Hour), rep2, "", "buyer@acme.example", "Any news?", "")
	out.Direction = model.Outbound
	e.saveMail("rep2-box", 5, out)
	e.saveMail("rep2-box", 6, email("old@acme.example", now.Add(-60*24*time.Hour), "buyer@acme.example", "Bea", rep2, "Roll-out plan", ""))
	if _, err := e.lk.Drain(e.ctx); err != nil {
		t.Fatal(err)
	}
	c := e.as(rep1)
	rec := c.get("/deals")
	wantStatus(t, rec, http.StatusOK, "deals")
	body := rec.Body.String()
	if got := dealIDs(body); strings.Join(got, ",") != "D-2,D-3,D-1" {
		t.Errorf("stale order = %v, want the gone-dark D-2 first, then longest silent", got)
	}
	wantContains(t, rec, `id="deals"`, "Acme Rollout", "Rob Rep", "gone dark", "negotiation")
	if !regexp.MustCompile(`data-deal-id="D-2">[\s\S]*?<span class="badge dark">gone dark</span>`).MatchString(body) {
		t.Error("D-2 has no gone-dark badge")
	}
	for _, tt := range []struct{ query, want string }{
		{"owner=" + rep2, "D-2,D-3"},
		{"q=initech", "D-3"},
		{"q=ACME.example", "D-2,D-1"},
		{"q=d-1", "D-1"},
		{"stage=proposal", "D-1"},
		{"status=won", ""},
		{"sort=name", "D-1,D-2,D-3"},
		{"sort=last_activity", "D-2,D-1,D-3"},
	} {
		rec := c.get("/deals?" + tt.query)
		wantStatus(t, rec, http.StatusOK, tt.query)
		if got := strings.Join(dealIDs(rec.Body.String()), ","); got != tt.want {
			t.Errorf("%s: deals %q, want %q", tt.query, got, tt.want)
		}
	}
	wantContains(t, c.get("/deals?status=won"), `id="deals-none"`)
}

func TestDealsPageEmptyAndPaged(t *testing.T) {
	e := newEnv(t)
	empty := newEnvWithoutDeals(t)
	rec := empty.as(admin).get("/deals")
	wantStatus(t, rec, http.StatusOK, "no deals")
	wantContains(t, rec, `id="deals-empty"`, "dealtrail deals import", "Admin → Import")

	var deals []model.Deal
	for i := range 150 {
		deals = append(deals, model.Deal{ID: fmt.Sprintf("P-%03d", i), Name: fmt.Sprintf("Paged %03d", i), Account: "Paged",
			Owner: rep1, Status: model.DealOpen, Created: now.Add(-24 * time.Hour)})
	}
	if _, err := e.st.ImportDeals(e.ctx, deals); err != nil {
		t.Fatal(err)
	}
	c := e.as(lead)
	first := c.get("/deals?sort=name")
	if n := len(dealIDs(first.Body.String())); n != dealsPerPage {
		t.Errorf("first page shows %d deals, want %d", n, dealsPerPage)
	}
	wantContains(t, first, `href="/deals?page=2&amp;sort=name"`)
	second := c.get("/deals?sort=name&page=2")
	if n := len(dealIDs(second.Body.String())); n != 153-dealsPerPage {
		t.Errorf("second page shows %d deals, want %d", n, 153-dealsPerPage)
	}
}

func TestDealsListIsCachedAndDroppedAfterWrites(t *testing.T) {
	e := newEnv(t)
	c := e.as(lead)
	wantStatus(t, c.get("/deals"), http.StatusOK, "first")
	// A change behind the server's back shows within the cache's life...
	if _, err := e.st.ImportDeals(e.ctx, []model.Deal{{ID: "D-7", Name: "Hooli Pilot", Account: "Hooli", Owner: rep1,
		Status: model.DealOpen, Created: now}}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(c.get("/deals").Body.String(), "Hooli Pilot") {
		t.Log("the list was read again at once (slow machine?)")
	}
	// ...and a change through the server shows at once.
	rec := c.post("/deals/D-1/notes", map[string][]string{"kind": {"note"}, "date": {"2026-05-31"}, "subject": {"Called in"}})
	wantStatus(t, rec, http.StatusSeeOther, "note")
	page := c.get("/deals")
	wantContains(t, page, "Hooli Pilot")
	if !regexp.MustCompile(`data-deal-id="D-1">[\s\S]*?2 · 0 · 1 · 0`).MatchString(page.Body.String()) {
		t.Error("the deals list does not count the new note at once")
	}
}

func TestRenderedPagesAreKeptPerSession(t *testing.T) {
	e := newEnv(t)
	rita, rob := e.as(rep1), e.as(rep2)
	for range 2 { // the second round comes from the cache
		for _, p := range []string{"/deals", "/deals/D-1"} {
			wantContains(t, rita.get(p), `id="user-name">Rita Rep`, `value="`+rita.csrf+`"`)
			wantContains(t, rob.get(p), `id="user-name">Rob Rep`, `value="`+rob.csrf+`"`)
		}
	}
	// A change through the server shows on the next view.
	rec := rita.post("/deals/D-1/notes", map[string][]string{"kind": {"note"}, "date": {"2026-05-31"}, "subject": {"Fresh note"}})
	wantStatus(t, rec, http.StatusSeeOther, "note")
	wantContains(t, rob.get("/deals/D-1"), "Fresh note")
	// The API's list is shared, and follows changes too.
	api := e.withToken(lead)
	before := api.get("/api/v1/deals").Body.String()
	if !strings.Contains(before, `"notes":1`) {
		t.Errorf("API list does not count the note: %s", before)
	}
}
