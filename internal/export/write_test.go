package export

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/dealtrail/dealtrail/internal/model"
)

// keys lists the keys of a JSON object, sorted.
func keys(t *testing.T, v any) []string {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%v is not a JSON object", v)
	}
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// array returns v as a JSON array, failing on anything else (null too).
func array(t *testing.T, v any, what string) []any {
	t.Helper()
	a, ok := v.([]any)
	if !ok {
		t.Fatalf("%s = %#v, want an array", what, v)
	}
	return a
}

func TestWriteJSONShape(t *testing.T) {
	src := testSource()
	src.acts[2].Participants = []model.Participant{{Email: "cto@acme.example", Role: model.RoleFrom}}
	src.acts[2].Sightings = []model.Sighting{{Mailbox: "rep1@ourco.example", Folder: "INBOX", UIDValidity: 7, UID: 12}}
	src.acts[2].Attachments = []model.Attachment{{Name: "q.pdf", ContentType: "application/pdf", Size: 9}}
	doc, err := Build(context.Background(), src, "")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteJSON(&buf, doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "{\n  \"deals\": [") {
		t.Errorf("JSON is not indented:\n%s", buf.String())
	}
	var got any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if k := keys(t, got); !reflect.DeepEqual(k, []string{"deals", "review", "unlinked"}) {
		t.Errorf("top-level keys = %v", k)
	}
	top := got.(map[string]any)
	array(t, top["review"], "review")
	deals := array(t, top["deals"], "deals")
	dealKeys := []string{"account", "activities", "id", "name", "owner", "stage", "status"}
	for _, d := range deals {
		if k := keys(t, d); !reflect.DeepEqual(k, dealKeys) {
			t.Errorf("deal keys = %v, want %v", k, dealKeys)
		}
	}
	if empty := array(t, deals[2].(map[string]any)["activities"], "activities of D-3"); len(empty) != 0 {
		t.Errorf("D-3 activities = %v, want []", empty)
	}
	activityKeys := []string{"at", "attachments", "direction", "id", "key", "kind", "participants", "sightings", "snippet", "subject"}
	linkedAct := array(t, deals[0].(map[string]any)["activities"], "activities of D-1")[0].(map[string]any)
	withLink := append(slices.Clone(activityKeys), "link")
	slices.Sort(withLink)
	if k := keys(t, linkedAct); !reflect.DeepEqual(k, withLink) {
		t.Errorf("linked activity keys = %v, want %v", k, withLink)
	}
	if linkedAct["at"] != "2026-03-01T09:01:00Z" || linkedAct["id"] != 1.0 {
		t.Errorf("at = %v, id = %v", linkedAct["at"], linkedAct["id"])
	}
	if k := keys(t, linkedAct["link"]); !reflect.DeepEqual(k, []string{"confidence", "deal", "method", "reason", "state"}) {
		t.Errorf("link keys = %v", k)
	}
	unlinked := array(t, top["unlinked"], "unlinked")
	never := unlinked[1].(map[string]any)
	if k := keys(t, never); !reflect.DeepEqual(k, activityKeys) {
		t.Errorf("unlinked activity keys = %v, want %v (no link)", k, activityKeys)
	}
	for field, want := range map[string][]string{
		"participants": {"email", "name", "role"},
		"sightings":    {"folder", "mailbox", "uid"},
		"attachments":  {"content_type", "name", "size"},
	} {
		if k := keys(t, array(t, never[field], field)[0]); !reflect.DeepEqual(k, want) {
			t.Errorf("%s keys = %v, want %v", field, k, want)
		}
	}
	for _, field := range []string{"participants", "sightings", "attachments"} {
		array(t, linkedAct[field], field+" of an activity without any")
	}
}

func TestWriteJSONEmpty(t *testing.T) {
	doc, err := Build(context.Background(), fakeSource{}, "")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteJSON(&buf, doc); err != nil {
		t.Fatal(err)
	}
	if want := "{\n  \"deals\": [],\n  \"review\": [],\n  \"unlinked\": []\n}\n"; buf.String() != want {
		t.Errorf("empty export = %q, want %q", buf.String(), want)
	}
}

func TestWriteCSV(t *testing.T) {
	act := func(id int64, subject string) Activity {
		return Activity{ID: id, Kind: model.KindEmail, Key: "k@x", At: "2026-03-01T09:00:00Z", Direction: model.Inbound,
			Subject: subject,
			Participants: []Participant{{Email: "to@acme.example", Role: model.RoleTo}, {Email: "cto@acme.example", Role: model.RoleFrom},
				{Email: "to@acme.example", Role: model.RoleCc}},
			Sightings: []Sighting{{Mailbox: "rep1@ourco.example", Folder: "INBOX", UID: 1},
				{Mailbox: "rep1@ourco.example", Folder: "Sent", UID: 2}, {Mailbox: "rep2@ourco.example", Folder: "INBOX", UID: 3}}}
	}
	withLink := act(1, `Re: "Pricing", Q3`+"\nnext steps")
	withLink.Link = &Link{Deal: "D-1", Method: "domain", State: model.LinkAuto, Confidence: 0.9, Reason: "domain acme.example, 1 open deal"}
	doc := Document{
		Deals:  []Deal{{ID: "D-1", Activities: []Activity{withLink}}},
		Review: []ReviewItem{{Activity: act(2, "+1 555 0100"), Candidates: []string{"D-3", "D-4"}}},
		Unlinked: []Activity{act(3, `=HYPERLINK("http://evil.example","click")`), act(4, "-2+3"), act(5, "@SUM(A1)"),
			act(6, "\tx"), act(7, "\rx"), act(8, "a=b")},
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, doc); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"Re: ""Pricing"", Q3`+"\nnext steps\"") {
		t.Errorf("subject not quoted as CSV:\n%s", buf.String())
	}
	got, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	row := func(deal, id, subject, method, linkState, confidence, reason, state, candidates string) []string {
		return []string{deal, id, "email", "k@x", "2026-03-01T09:00:00Z", "inbound", subject, "cto@acme.example",
			"to@acme.example;cto@acme.example", "rep1@ourco.example;rep2@ourco.example",
			method, linkState, confidence, reason, state, candidates, "", "", "", ""}
	}
	want := [][]string{
		{"deal_id", "activity_id", "kind", "key", "at", "direction", "subject", "from", "participants", "mailboxes",
			"link_method", "link_state", "confidence", "reason", "state", "candidates", "uid", "start", "end", "cancelled"},
		row("D-1", "1", `Re: "Pricing", Q3`+"\nnext steps", "domain", "auto", "0.9", "domain acme.example, 1 open deal", "linked", ""),
		row("", "2", "'+1 555 0100", "", "", "", "", "review", "D-3;D-4"),
		row("", "3", `'=HYPERLINK("http://evil.example","click")`, "", "", "", "", "unlinked", ""),
		row("", "4", "'-2+3", "", "", "", "", "unlinked", ""),
		row("", "5", "'@SUM(A1)", "", "", "", "", "unlinked", ""),
		row("", "6", "'\tx", "", "", "", "", "unlinked", ""),
		row("", "7", "'\rx", "", "", "", "", "unlinked", ""),
		row("", "8", "a=b", "", "", "", "", "unlinked", ""),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("CSV rows:\n got  %q\n want %q", got, want)
	}
}
