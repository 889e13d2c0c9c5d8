package export

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/store"
)

// meetingActivity is a meeting on deal D-1 whose occurrence, first due at
// 10:00 CET, was moved to 11:00 CET.
func meetingActivity(id int64, cancelled bool) model.Activity {
	cet := time.FixedZone("CET", 3600)
	m := &model.Meeting{UID: "evt-1@acme.example", Instance: time.Date(2026, 3, 2, 10, 0, 0, 0, cet),
		Start: time.Date(2026, 3, 2, 11, 0, 0, 0, cet), End: time.Date(2026, 3, 2, 11, 30, 0, 0, cet), Cancelled: cancelled}
	return model.Activity{ID: id, Kind: model.KindMeeting, Key: m.Key(), At: m.Start, Direction: model.Inbound,
		Subject: "Demo", Snippet: "Agenda", Meeting: m,
		Participants: []model.Participant{{Email: "cto@acme.example", Role: model.RoleOrganizer},
			{Email: "rep1@ourco.example", Name: "Rita", Role: model.RoleAttendee, Status: model.PartAccepted}},
		Sightings: []model.Sighting{{Calendar: "cal:rep1"}, {Calendar: "cal:rep2"}},
		Link:      &model.Link{DealID: "D-1", State: model.LinkAuto, Method: model.MethodDomain, Confidence: 0.85, Reason: "domain"}}
}

// exportJSON builds and writes src as JSON and decodes it generically.
func exportJSON(t *testing.T, src Source) map[string]any {
	t.Helper()
	doc, err := Build(context.Background(), src, "")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteJSON(&buf, doc); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	return got
}

func TestWriteJSONMeeting(t *testing.T) {
	src := fakeSource{deals: []model.Deal{{ID: "D-1", Name: "Pilot", Account: "Acme", Status: model.DealOpen}},
		acts: []model.Activity{meetingActivity(1, false), linked(2, "D-1", model.LinkAuto), meetingActivity(3, true)}}
	acts := array(t, exportJSON(t, src)["deals"], "deals")[0].(map[string]any)["activities"].([]any)
	if len(acts) != 3 {
		t.Fatalf("%d activities on D-1, want 3", len(acts))
	}
	m := acts[0].(map[string]any)
	wantKeys := []string{"at", "attachments", "cancelled", "direction", "end", "id", "key", "kind", "link", "participants",
		"sightings", "snippet", "start", "subject", "uid"}
	if k := keys(t, m); !reflect.DeepEqual(k, wantKeys) {
		t.Errorf("meeting keys = %v, want %v", k, wantKeys)
	}
	for field, want := range map[string]any{
		"kind": "meeting", "uid": "evt-1@acme.example", "key": "evt-1@acme.example/2026-03-02T09:00:00Z",
		"at": "2026-03-02T10:00:00Z", "start": "2026-03-02T10:00:00Z", "end": "2026-03-02T10:30:00Z", "cancelled": false,
	} {
		if m[field] != want {
			t.Errorf("%s = %#v, want %#v", field, m[field], want)
		}
	}
	if c := acts[2].(map[string]any)["cancelled"]; c != true {
		t.Errorf("cancelled meeting: cancelled = %#v, want true", c)
	}
	ps := array(t, m["participants"], "participants")
	if k := keys(t, ps[0]); !slices.Equal(k, []string{"email", "name", "role"}) {
		t.Errorf("organizer keys = %v, want no status", k)
	}
	if p := ps[1].(map[string]any); p["status"] != "accepted" || p["role"] != "attendee" {
		t.Errorf("attendee = %v", p)
	}
	ss := array(t, m["sightings"], "sightings")
	if len(ss) != 2 || !reflect.DeepEqual(ss[0], map[string]any{"calendar": "cal:rep1"}) {
		t.Errorf("meeting sightings = %v, want calendars only", ss)
	}
	email := acts[1].(map[string]any)
	for _, field := range []string{"uid", "start", "end", "cancelled"} {
		if _, ok := email[field]; ok {
			t.Errorf("an email has %s", field)
		}
	}
}

func TestWriteCSVMeeting(t *testing.T) {
	doc, err := Build(context.Background(), fakeSource{deals: []model.Deal{{ID: "D-1"}},
		acts: []model.Activity{meetingActivity(1, true), linked(2, "D-1", model.LinkAuto)}}, "")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, doc); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"D-1", "1", "meeting", "evt-1@acme.example/2026-03-02T09:00:00Z", "2026-03-02T10:00:00Z", "inbound",
		"Demo", "cto@acme.example", "cto@acme.example;rep1@ourco.example", "", "domain", "auto", "0.85", "domain", "linked", "",
		"evt-1@acme.example", "2026-03-02T10:00:00Z", "2026-03-02T10:30:00Z", "true"}
	if len(rows) != 3 || !reflect.DeepEqual(rows[1], want) {
		t.Fatalf("meeting row:\n got  %q\n want %q", rows[1], want)
	}
	if tail := rows[2][16:]; !slices.Equal(tail, []string{"", "", "", ""}) {
		t.Errorf("email row meeting cells = %q, want empty", tail)
	}
}

func TestBuildMeetingFromStore(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	a := meetingActivity(0, false)
	a.Link = nil
	for _, source := range []string{"cal:rep2", "cal:rep1"} {
		if err := st.SaveCalendarBatch(ctx, store.CalendarBatch{Source: source, Activities: []model.Activity{a}}); err != nil {
			t.Fatal(err)
		}
	}
	doc, err := Build(ctx, st, "")
	if err != nil {
		t.Fatal(err)
	}
	cancelled := false
	want := []Activity{{ID: 1, Kind: model.KindMeeting, Key: "evt-1@acme.example/2026-03-02T09:00:00Z",
		At: "2026-03-02T10:00:00Z", Direction: model.Inbound, Subject: "Demo", Snippet: "Agenda",
		Participants: []Participant{{Email: "cto@acme.example", Role: model.RoleOrganizer},
			{Email: "rep1@ourco.example", Name: "Rita", Role: model.RoleAttendee, Status: model.PartAccepted}},
		Sightings:   []Sighting{{Calendar: "cal:rep1"}, {Calendar: "cal:rep2"}},
		Attachments: []Attachment{},
		UID:         "evt-1@acme.example", Start: "2026-03-02T10:00:00Z", End: "2026-03-02T10:30:00Z", Cancelled: &cancelled}}
	if !reflect.DeepEqual(doc.Unlinked, want) {
		t.Errorf("unlinked:\n got  %+v\n want %+v", doc.Unlinked, want)
	}
}
