package web

import (
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"testing"

	"github.com/dealtrail/dealtrail/internal/export"
	"github.com/dealtrail/dealtrail/internal/model"
)

// decodeJSON decodes a response body into v.
func decodeJSON(t *testing.T, body []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, body)
	}
}

func TestAPIDeals(t *testing.T) {
	e := newEnv(t)
	api := e.withToken(rep1)
	rec := api.get("/api/v1/deals")
	wantStatus(t, rec, http.StatusOK, "deals")
	if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	var raw struct{ Deals []map[string]any }
	decodeJSON(t, rec.Body.Bytes(), &raw)
	if len(raw.Deals) != 3 {
		t.Fatalf("%d deals, want 3", len(raw.Deals))
	}
	var keys []string
	for k := range raw.Deals[0] {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	want := []string{"account", "counts", "days_silent", "gone_dark", "id", "last_activity_at", "last_inbound_at", "last_met_at",
		"last_outbound_at", "name", "next_meeting_at", "owner", "stage", "status"}
	if !slices.Equal(keys, want) {
		t.Errorf("deal keys = %v, want %v", keys, want)
	}
	var parsed struct {
		Deals []struct {
			ID             string    `json:"id"`
			Owner          string    `json:"owner"`
			LastInboundAt  *string   `json:"last_inbound_at"`
			LastOutboundAt *string   `json:"last_outbound_at"`
			DaysSilent     *int      `json:"days_silent"`
			Counts         apiCounts `json:"counts"`
			Status         string    `json:"status"`
		} `json:"deals"`
	}
	decodeJSON(t, rec.Body.Bytes(), &parsed)
	i := slices.IndexFunc(raw.Deals, func(d map[string]any) bool { return d["id"] == "D-1" })
	d1 := parsed.Deals[i]
	if d1.Owner != rep1 || d1.LastInboundAt == nil || *d1.LastInboundAt != "2026-04-20T09:30:00Z" || d1.LastOutboundAt != nil ||
		d1.DaysSilent == nil || *d1.DaysSilent != 42 || d1.Counts != (apiCounts{Emails: 2, Inbound: 2}) || d1.Status != "open" {
		t.Errorf("D-1 = %+v", d1)
	}
	filtered := api.get("/api/v1/deals?owner=" + rep2)
	decodeJSON(t, filtered.Body.Bytes(), &parsed)
	if len(parsed.Deals) != 2 {
		t.Errorf("owner filter: %d deals, want 2", len(parsed.Deals))
	}
}

func TestAPIDeal(t *testing.T) {
	e := newEnv(t)
	api := e.withToken(rep2)
	rec := api.get("/api/v1/deals/D-1")
	wantStatus(t, rec, http.StatusOK, "deal")
	var got struct {
		ID           string            `json:"id"`
		GoneDark     bool              `json:"gone_dark"`
		FollowUps    int               `json:"follow_ups"`
		Activities   []export.Activity `json:"activities"`
		Stakeholders []map[string]any  `json:"stakeholders"`
		Gaps         []map[string]any  `json:"gaps"`
		Outages      []map[string]any  `json:"outages"`
	}
	decodeJSON(t, rec.Body.Bytes(), &got)
	doc, err := export.Build(e.ctx, e.st, "D-1")
	if err != nil {
		t.Fatal(err)
	}
	// The activities are exactly those of `dealtrail export -deal D-1`.
	wantActs, _ := json.Marshal(doc.Deals[0].Activities)
	gotActs, _ := json.Marshal(got.Activities)
	if string(wantActs) != string(gotActs) {
		t.Errorf("activities:\n%s\nwant\n%s", gotActs, wantActs)
	}
	if got.ID != "D-1" || len(got.Stakeholders) != 2 || len(got.Gaps) != 2 || got.Outages == nil {
		t.Errorf("deal = %+v", got)
	}
	// The hostile subject is data in JSON, not markup: it is kept as is.
	wantContains(t, rec, `"subject":"<script>alert(1)</script>"`)
	rec = api.get("/api/v1/deals/NOPE")
	wantStatus(t, rec, http.StatusNotFound, "unknown deal")
	var e404 struct{ Error string }
	decodeJSON(t, rec.Body.Bytes(), &e404)
	if e404.Error == "" {
		t.Error("no error message")
	}
}

func TestAPIReviewAndSources(t *testing.T) {
	e := newEnv(t)
	api := e.withToken(rep2)
	rec := api.get("/api/v1/review")
	wantStatus(t, rec, http.StatusOK, "review")
	var got struct {
		Total int `json:"total"`
		Items []struct {
			ID         int64        `json:"id"`
			Candidates []string     `json:"candidates"`
			Why        string       `json:"why"`
			CanChange  bool         `json:"can_change"`
			Link       *export.Link `json:"link"`
			Subject    string       `json:"subject"`
			Kind       model.Kind   `json:"kind"`
		} `json:"items"`
	}
	decodeJSON(t, rec.Body.Bytes(), &got)
	if got.Total != 3 || len(got.Items) != 3 {
		t.Fatalf("review = %+v", got)
	}
	found := false
	for _, it := range got.Items {
		if it.ID == e.acts["review"] {
			found = true
			if !reflect.DeepEqual(it.Candidates, []string{"D-1", "D-2"}) || !it.CanChange || it.Link == nil || it.Link.State != model.LinkReview {
				t.Errorf("review item = %+v", it)
			}
		}
		if it.Kind != model.KindEmail || it.Subject == "" {
			t.Errorf("item %d not shaped as an export activity: %+v", it.ID, it)
		}
	}
	if !found {
		t.Errorf("activity %d, waiting for review, is not in the review API's items", e.acts["review"])
	}
	mine := api.get("/api/v1/review?owner=" + rep1 + "&limit=1")
	decodeJSON(t, mine.Body.Bytes(), &got)
	if got.Total != 3 || len(got.Items) != 1 {
		t.Errorf("rep1's review, limit 1: total %d, items %d", got.Total, len(got.Items))
	}
	// rep1's queue is the whole queue here: the filter shows when it
	// narrows to an owner with none.
	none := api.get("/api/v1/review?owner=" + lead)
	wantStatus(t, none, 200, "the review API for an owner without deals")
	got.Total, got.Items = -1, nil
	decodeJSON(t, none.Body.Bytes(), &got)
	if got.Total != 0 || len(got.Items) != 0 {
		t.Errorf("the leader's review by owner: total %d, items %d; want none", got.Total, len(got.Items))
	}

	if err := e.st.SaveSourceState(e.ctx, model.SourceState{Source: "mailbox:rep1-box", LastSuccessAt: now, LastAttemptAt: now, Items: 7}); err != nil {
		t.Fatal(err)
	}
	rec = api.get("/api/v1/sources")
	var raw struct {
		Sources []map[string]any `json:"sources"`
	}
	decodeJSON(t, rec.Body.Bytes(), &raw)
	if len(raw.Sources) != 1 || raw.Sources[0]["owner"] != rep1 || raw.Sources[0]["last_success_at"] != "2026-06-01T12:00:00Z" ||
		raw.Sources[0]["ok"] != true || raw.Sources[0]["kind"] != "mailbox" || raw.Sources[0]["next_poll_at"] != nil {
		t.Errorf("sources = %+v", raw.Sources)
	}
}

func TestAPIDecision(t *testing.T) {
	e := newEnv(t)
	review := id(e.acts["review"])
	path := "/api/v1/activities/" + review + "/decision"
	rep := e.withToken(rep1)
	for _, tt := range []struct {
		body   string
		status int
		want   string
	}{
		{`{"action":"reassign"}`, 422, "deal: reassign needs the deal"},
		{`{"action":"reassign","deal":"D-404"}`, 422, `deal: there is no deal \"D-404\"`},
		{`{"action":"destroy"}`, 422, "action: \\\"destroy\\\" is not"},
		{`{"action":"ignore","scope":"everything"}`, 422, "scope:"},
		{`{"action":"ignore","always":"forever"}`, 422, "always:"},
		{`{"action":"unlink","always":true}`, 422, "always is for confirm, reassign and ignore"},
		{`not json`, 400, "the body must be JSON"},
		{`{"action":"ignore","extra":1}`, 400, "unknown field"},
	} {
		before := e.snapshot()
		rec := rep.postJSON(path, tt.body)
		wantStatus(t, rec, tt.status, tt.body)
		wantContains(t, rec, `"error"`, tt.want)
		if e.snapshot() != before {
			t.Errorf("%s: the store changed", tt.body)
		}
	}
	wantStatus(t, rep.postJSON("/api/v1/activities/99999/decision", `{"action":"ignore"}`), http.StatusNotFound, "unknown activity")
	// A rep is refused on another rep's activity.
	before := e.snapshot()
	rec := rep.postJSON("/api/v1/activities/"+id(e.acts["initech"])+"/decision", `{"action":"unlink"}`)
	wantStatus(t, rec, http.StatusForbidden, "rep on another rep's activity")
	wantContains(t, rec, `"error"`)
	if e.snapshot() != before {
		t.Error("the store changed")
	}
	// always: true makes a domain rule for a company address.
	rec = rep.postJSON(path, `{"action":"confirm","deal":"D-1","scope":"thread","always":true}`)
	wantStatus(t, rec, http.StatusOK, "confirm always")
	var out struct {
		Decisions []struct {
			ActivityID int64  `json:"activity_id"`
			Action     string `json:"action"`
			AfterDeal  string `json:"after_deal"`
			Detail     string `json:"detail"`
			At         string `json:"at"`
		} `json:"decisions"`
		Rematched int `json:"rematched"`
	}
	decodeJSON(t, rec.Body.Bytes(), &out)
	if len(out.Decisions) != 2 || out.Decisions[0].AfterDeal != "D-1" {
		t.Errorf("decisions = %+v", out.Decisions)
	}
	rules, err := e.st.Rules(e.ctx)
	if err != nil || len(rules) != 1 || rules[0].Domain != "acme.example" || rules[0].DealID != "D-1" {
		t.Errorf("rules = %+v, %v; want acme.example → D-1", rules, err)
	}
	// A session may use the API too, with the CSRF header.
	c := e.as(lead)
	rec = c.postJSON("/api/v1/activities/"+id(e.acts["initech"])+"/decision", `{"action":"unlink","always":false}`)
	wantStatus(t, rec, http.StatusOK, "session with CSRF header")
}
