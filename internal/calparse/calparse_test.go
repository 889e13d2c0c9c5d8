package calparse

import (
	"errors"
	"reflect"
	"testing"

	"github.com/dealtrail/dealtrail/internal/model"
)

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  error
	}{
		{"empty", "", ErrEmpty},
		{"white space", " \r\n\t\n", ErrEmpty},
		{"plain text", "hello, this is not a calendar\n", ErrNotCalendar},
		{"json", `{"BEGIN": "VCALENDAR"}`, ErrNotCalendar},
		{"vcard is read, has no events", "BEGIN:VCARD\nFN:Ann\nEND:VCARD\n", nil},
		{"empty calendar", "BEGIN:VCALENDAR\nEND:VCALENDAR\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Parse([]byte(tt.input), win("2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z"))
			if !errors.Is(err, tt.want) || tt.want == nil && err != nil {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
			if len(res.Occurrences) != 0 {
				t.Errorf("%d occurrences, want none", len(res.Occurrences))
			}
		})
	}
}

// TestFields checks what an occurrence carries besides its times.
func TestFields(t *testing.T) {
	data := cal(`
		BEGIN:VEVENT
		UID:Deal-42@acme.example
		DTSTART:20240506T140000Z
		DURATION:PT45M
		SUMMARY:Lunch, then demo
		DESCRIPTION:Agenda:\n1. pricing\, terms\; SLA\N2. next steps \:)
		LOCATION:Room 4\, HQ
		SEQUENCE:3
		ORGANIZER;CN="Ann Buyer":mailto:Ann.Buyer@ACME.example
		ATTENDEE;CN=Rep One;PARTSTAT=ACCEPTED:MAILTO:rep1@ourco.example
		ATTENDEE;PARTSTAT=declined;CN="Doe, John":mailto:john.doe@acme.example
		ATTENDEE;CN="George ^'Babe^' Ruth":mailto:babe%40acme.example
		ATTENDEE;RSVP=TRUE:mailto:silent@acme.example
		ATTENDEE;CUTYPE=ROOM;CN=Room 4:mailto:room4@resource.ourco.example
		ATTENDEE;CN=Phone:tel:+15550100
		ATTENDEE;CN=Rep One again;PARTSTAT=TENTATIVE:mailto:REP1@ourco.example
		ATTENDEE;PARTSTAT=X-UNKNOWN:mailto:odd@acme.example
		END:VEVENT`, "METHOD:request")
	res := mustParse(t, data, win("2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z"))
	if len(res.Occurrences) != 1 {
		t.Fatalf("%d occurrences, want 1: %v", len(res.Occurrences), res.Problems)
	}
	o := res.Occurrences[0]
	want := Occurrence{
		Meeting: model.Meeting{
			UID:      "Deal-42@acme.example",
			Instance: ts("2024-05-06T14:00:00Z"),
			Start:    ts("2024-05-06T14:00:00Z"),
			End:      ts("2024-05-06T14:45:00Z"),
			Location: "Room 4, HQ",
			Sequence: 3,
		},
		Summary:     "Lunch, then demo",
		Description: "Agenda:\n1. pricing, terms; SLA\n2. next steps :)",
		Participants: []model.Participant{
			{Email: "ann.buyer@acme.example", Name: "Ann Buyer", Role: model.RoleOrganizer},
			{Email: "rep1@ourco.example", Name: "Rep One", Role: model.RoleAttendee, Status: model.PartAccepted},
			{Email: "john.doe@acme.example", Name: "Doe, John", Role: model.RoleAttendee, Status: model.PartDeclined},
			{Email: "babe@acme.example", Name: `George "Babe" Ruth`, Role: model.RoleAttendee, Status: model.PartNeedsAction},
			{Email: "silent@acme.example", Role: model.RoleAttendee, Status: model.PartNeedsAction},
			{Email: "odd@acme.example", Role: model.RoleAttendee},
		},
		Method: "REQUEST",
	}
	if !reflect.DeepEqual(o, want) {
		t.Errorf("occurrence\n%#v\nwant\n%#v", o, want)
	}
	if len(res.Problems) != 0 {
		t.Errorf("problems: %q", res.Problems)
	}
}

// TestProblems checks that what is skipped is said, naming the event,
// and that the rest still comes out.
func TestProblems(t *testing.T) {
	data := cal(`
		BEGIN:VEVENT
		UID:no-start@x
		SUMMARY:no DTSTART
		END:VEVENT
		BEGIN:VEVENT
		UID:bad-rule@x
		DTSTART:20240506T100000Z
		RRULE:FREQ=FORTNIGHTLY
		END:VEVENT
		BEGIN:VEVENT
		UID:bad-zone@x
		DTSTART;TZID=Atlantis/Lost City:20240507T100000
		END:VEVENT
		BEGIN:VEVENT
		UID:bad-exdate@x
		DTSTART:20240508T100000Z
		RRULE:FREQ=DAILY;COUNT=2
		EXDATE:2024-13-45
		END:VEVENT
		BEGIN:VEVENT
		UID:swapped@x
		DTSTART:20240510T100000Z
		DTEND:20240510T090000Z
		END:VEVENT
		BEGIN:VEVENT
		DTSTART:20240511T100000Z
		SUMMARY:no UID
		END:VEVENT`)
	res := mustParse(t, data, win("2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z"))
	wantStarts := []string{"2024-05-06T10:00", "2024-05-07T10:00", "2024-05-08T10:00", "2024-05-09T10:00", "2024-05-10T10:00", "2024-05-11T10:00"}
	if d := diff(starts(res), wantStarts); d != "" {
		t.Error(d)
	}
	for _, p := range []string{
		"event no-start@x: no DTSTART; skipped",
		`event bad-rule@x: RRULE "FREQ=FORTNIGHTLY": unknown FREQ "FORTNIGHTLY"; ignored`,
		`time zone "Atlantis/Lost City" (event bad-zone@x) is unknown: its times are taken as UTC`,
		`event bad-exdate@x: EXDATE "2024-13-45": not a date or date-time; ignored`,
		"event swapped@x: ends before it starts",
		"1 events without UID were given one derived from their start and summary",
	} {
		if !hasProblem(res, p) {
			t.Errorf("no problem %q in %q", p, res.Problems)
		}
	}
	if o := res.Occurrences[4]; !o.End.Equal(o.Start) {
		t.Errorf("swapped event ends %v, want its start", o.End)
	}
	// The derived UID is stable: the same input gives the same key.
	again := mustParse(t, data, win("2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z"))
	if u := res.Occurrences[5].UID; u != again.Occurrences[5].UID || u == "" {
		t.Errorf("derived UID %q, then %q", u, again.Occurrences[5].UID)
	}
}

// TestRepairs checks the leniency layer: broken structure and lines are
// repaired or skipped, and the events around them still come out.
func TestRepairs(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		starts  []string
		problem string
	}{
		{
			name:   "bare VEVENT, LF, folded line",
			input:  "BEGIN:VEVENT\nUID:a\nDTSTART:2024050\n 6T100000Z\nEND:VEVENT\n",
			starts: []string{"2024-05-06T10:00"}, problem: "outside any VCALENDAR",
		},
		{
			name:   "lone CR line ends, no END:VCALENDAR",
			input:  "BEGIN:VCALENDAR\rBEGIN:VEVENT\rUID:a\rDTSTART:20240506T100000Z\rEND:VEVENT\r",
			starts: []string{"2024-05-06T10:00"},
		},
		{
			name:   "missing END:VEVENT",
			input:  "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:a\nDTSTART:20240506T100000Z\nBEGIN:VEVENT\nUID:b\nDTSTART:20240507T100000Z\nEND:VEVENT\nEND:VCALENDAR\n",
			starts: []string{"2024-05-06T10:00", "2024-05-07T10:00"}, problem: "line 5: BEGIN:VEVENT before the one at line 2 ended",
		},
		{
			name:   "VEVENT inside an unended VTODO",
			input:  "BEGIN:VCALENDAR\nBEGIN:VTODO\nUID:t\nEND:VTOOD\nBEGIN:VEVENT\nUID:a\nDTSTART:20240506T100000Z\nEND:VEVENT\nEND:VCALENDAR\n",
			starts: []string{"2024-05-06T10:00"}, problem: "BEGIN:VEVENT inside VTODO of line 2",
		},
		{
			name:   "malformed parameters that make go-ical fail or panic",
			input:  "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:a\nDTSTART;X-BAD=\"a\"b;TZID=Europe/Berlin;NOEQUALS:20240506T100000\nATTENDEE;CN=\"unterminated:mailto:a@b.example\nEND:VEVENT\nEND:VCALENDAR\n",
			starts: []string{"2024-05-06T08:00"},
		},
		{
			name:   "unquoted TZID with a colon",
			input:  "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:a\nDTSTART;TZID=(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna:20240506T100000\nEND:VEVENT\nEND:VCALENDAR\n",
			starts: []string{"2024-05-06T08:00"},
		},
		{
			name:   "BOM, lower-case names, stray END",
			input:  "\xef\xbb\xbfbegin:vcalendar\nend:vtodo\nbegin:vevent\nuid:a\ndtstart:20240506t100000z\nend:vevent\nend:vcalendar\n",
			starts: []string{"2024-05-06T10:00"}, problem: "1 END lines without a BEGIN were ignored",
		},
		{
			name:   "broken folding: a continuation without its space",
			input:  "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:a\nDESCRIPTION:first line\nsecond line without a fold\nDTSTART:20240506T100000Z\nEND:VEVENT\nEND:VCALENDAR\n",
			starts: []string{"2024-05-06T10:00"}, problem: "1 lines that are not content lines were ignored (the first at line 5)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := mustParse(t, []byte(tt.input), win("2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z"))
			if d := diff(starts(res), tt.starts); d != "" {
				t.Errorf("%s\nproblems %q", d, res.Problems)
			}
			if tt.problem != "" && !hasProblem(res, tt.problem) {
				t.Errorf("no problem about %q in %q", tt.problem, res.Problems)
			}
		})
	}
}
