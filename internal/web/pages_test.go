package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/store"
)

func TestActivityPage(t *testing.T) {
	e := newEnv(t)
	c := e.as(rep2)
	auto := id(e.acts["auto"])
	rec := c.get("/activities/" + auto)
	wantStatus(t, rec, http.StatusOK, "activity")
	wantContains(t, rec, `id="link-state">matched automatically`, `id="link-method">domain`, `id="link-confidence">75%`,
		"domain acme.example → Acme; 2 live deals", `id="candidates"`, "Acme Rollout", `id="no-audit"`, "Pilot pricing",
		"rep1-box / INBOX")
	// rep2's D-2 was only the runner-up: the form is rep1's.
	wantNotContains(t, rec, `action="/review/decide"`)
	wantContains(t, e.as(rep1).get("/activities/"+auto), `action="/review/decide"`)
	hostile := c.get("/activities/" + id(e.acts["hostile"]))
	wantContains(t, hostile, "&lt;script&gt;alert(1)&lt;/script&gt;", "Eve \ufffdevil\ufffd Buyer")
	wantNotContains(t, hostile, "<script>alert", "\u202e")
	wantStatus(t, c.get("/activities/99999"), http.StatusNotFound, "unknown")
	wantStatus(t, c.get("/activities/abc"), http.StatusNotFound, "not a number")

	// Private: only those who may change it read it.
	rec = e.as(rep1).post("/review/decide", url.Values{"id": {auto}, "do": {"private"}})
	wantStatus(t, rec, http.StatusSeeOther, "mark private")
	owner := e.as(rep1).get("/activities/" + auto)
	wantContains(t, owner, "Pilot pricing", "private")
	other := e.as(rep2).get("/activities/" + auto)
	wantContains(t, other, `id="private-note"`)
	wantNotContains(t, other, "Pilot pricing", "Can we start in April?", "cto@acme.example")
}

func TestCorrectionsPage(t *testing.T) {
	e := newEnv(t)
	empty := e.as(lead).get("/corrections")
	wantStatus(t, empty, http.StatusOK, "corrections")
	wantContains(t, empty, `id="corrections-empty"`)
	wantStatus(t, e.as(lead).post("/review/decide", url.Values{"id": {id(e.acts["review"])}, "do": {"reassign"}, "deal": {"D-2"}}),
		http.StatusSeeOther, "leader decides")
	wantStatus(t, e.as(rep1).post("/review/decide", url.Values{"id": {id(e.acts["auto"])}, "do": {"unlink"}}),
		http.StatusSeeOther, "rep decides")
	c := e.as(rep2)
	all := c.get("/corrections")
	if n := strings.Count(all.Body.String(), `<tr class="decision"`); n != 2 {
		t.Errorf("log shows %d rows, want 2", n)
	}
	byRep := c.get("/corrections?actor=" + url.QueryEscape(rep1))
	if n := strings.Count(byRep.Body.String(), `<tr class="decision"`); n != 1 {
		t.Errorf("rep1's rows = %d, want 1", n)
	}
	wantContains(t, byRep, "Rita Rep", "unlink", "unlinked by a person")
	byDeal := c.get("/corrections?deal=D-2")
	if n := strings.Count(byDeal.Body.String(), `<tr class="decision"`); n != 1 {
		t.Errorf("D-2's rows = %d, want 1", n)
	}
	wantContains(t, byDeal, "Lena Leader", "waiting for review", `href="/deals/D-2"`)
	wantContains(t, c.get("/corrections?deal=D-3"), "No corrections match")
}

func TestSourcesPage(t *testing.T) {
	e := newEnv(t)
	empty := e.as(rep1).get("/sources")
	wantContains(t, empty, `id="sources-empty"`)
	ok := model.SourceState{Source: "mailbox:rep1-box", LastAttemptAt: now.Add(-5 * time.Minute), LastSuccessAt: now.Add(-5 * time.Minute),
		NextPollAt: now.Add(3 * time.Minute), Items: 1234}
	bad := model.SourceState{Source: "calendar:rep2-cal", LastAttemptAt: now.Add(-time.Minute), ErrorCount: 3,
		LastError: "feed answered 404 <Not Found>", NextPollAt: now.Add(10 * time.Minute)}
	for _, st := range []model.SourceState{ok, bad} {
		if err := e.st.SaveSourceState(e.ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	rec := e.as(rep1).get("/sources")
	wantStatus(t, rec, http.StatusOK, "sources")
	wantContains(t, rec, `id="sources"`, "rep1-box", "Rita Rep", `<span class="badge ok">ok</span>`, "5 minutes ago", "1234", "in 3 minutes",
		"rep2-cal", "never synced", "feed answered 404 &lt;Not Found&gt;", "3 failures in a row", "in 10 minutes", `id="outage-list"`, "still failing")
}

func TestHealthzMetricsStaticAndMisc(t *testing.T) {
	e := newEnv(t)
	anon := e.anon()
	rec := anon.get("/healthz")
	wantStatus(t, rec, http.StatusOK, "healthz")
	if rec.Body.String() != "ok\n" {
		t.Errorf("healthz = %q", rec.Body.String())
	}
	if err := e.st.SaveSourceState(e.ctx, model.SourceState{Source: "mailbox:rep1-box", LastSuccessAt: now.Add(-90 * time.Second),
		LastAttemptAt: now.Add(-90 * time.Second), Items: 42}); err != nil {
		t.Fatal(err)
	}
	e.as(lead).get("/deals")
	metrics := anon.get("/metrics")
	wantStatus(t, metrics, http.StatusOK, "metrics")
	wantContains(t, metrics,
		`dealtrail_http_request_duration_seconds_count{code="200",method="GET",route="/deals"} 1`,
		`dealtrail_source_items{kind="mailbox",source="mailbox:rep1-box"} 42`,
		`dealtrail_source_up{kind="mailbox",source="mailbox:rep1-box"} 1`,
		`dealtrail_source_lag_seconds{kind="mailbox",source="mailbox:rep1-box"} 90`,
		`dealtrail_activities{state="review"} 1`,
		`dealtrail_match_queue_length 0`,
		"go_goroutines")
	// No outside text: subjects, names and addresses stay out.
	wantNotContains(t, metrics, "Pilot pricing", "acme.example", "Carla")

	css := anon.get("/static/app.css?v=" + e.srv.pages.versions["app.css"])
	wantStatus(t, css, http.StatusOK, "css")
	if cc := css.Header().Get("Cache-Control"); !strings.Contains(cc, "immutable") {
		t.Errorf("versioned CSS Cache-Control = %q", cc)
	}
	if cc := anon.get("/static/app.css").Header().Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("unversioned CSS Cache-Control = %q", cc)
	}
	wantStatus(t, anon.get("/static/nope.js"), http.StatusNotFound, "unknown static file")
	wantStatus(t, anon.get("/static/../embed.go"), http.StatusNotFound, "path out of static")

	c := e.as(lead)
	root := c.get("/")
	wantStatus(t, root, http.StatusSeeOther, "root")
	if root.Header().Get("Location") != "/deals" {
		t.Errorf("/ redirects to %q", root.Header().Get("Location"))
	}
	wantStatus(t, c.get("/nowhere"), http.StatusNotFound, "unknown page")
	wantStatus(t, c.do(http.MethodDelete, "/deals", nil, ""), http.StatusMethodNotAllowed, "wrong method")
	// The login page of someone logged in sends them on.
	wantStatus(t, c.get("/login"), http.StatusSeeOther, "login while logged in")
	login := anon.get("/login?next=%2Freview")
	wantStatus(t, login, http.StatusOK, "login page")
	wantContains(t, login, `name="next" value="/review"`, `id="login-form"`)
	wantNotContains(t, login, `id="nav-deals"`)
}

func TestHealthzFailsWithoutDatabase(t *testing.T) {
	e := newEnv(t)
	if err := e.st.Close(); err != nil {
		t.Fatal(err)
	}
	rec := e.anon().get("/healthz")
	wantStatus(t, rec, http.StatusServiceUnavailable, "closed database")
}

func TestNavigation(t *testing.T) {
	e := newEnv(t)
	rep := e.as(rep1).get("/deals")
	wantContains(t, rep, `id="nav-deals" aria-current="page"`, `id="nav-review"`, `id="nav-corrections"`, `id="nav-sources"`,
		`id="user-name">Rita Rep · rep`, `id="logout"`)
	wantNotContains(t, rep, `id="nav-admin"`)
	wantContains(t, e.as(admin).get("/deals"), `id="nav-admin"`)
}

// TestStoreSatisfiesInterface keeps the narrow interface honest.
func TestStoreSatisfiesInterface(t *testing.T) {
	var _ Store = (*store.Store)(nil)
}
