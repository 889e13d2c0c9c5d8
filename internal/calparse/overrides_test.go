package calparse

import (
	"testing"
)

// TestOverrides checks RECURRENCE-ID overrides, cancellations, SEQUENCE
// precedence and METHOD:CANCEL, against occurrences worked out by hand.
func TestOverrides(t *testing.T) {
	// A weekly Monday 10:00 UTC meeting; the window holds February 2024:
	// Feb 5, 12, 19 and 26.
	const master = `BEGIN:VEVENT
		UID:weekly@acme.example
		DTSTAMP:20240101T000000Z
		DTSTART:20240101T100000Z
		DTEND:20240101T110000Z
		RRULE:FREQ=WEEKLY
		SUMMARY:Weekly sync
		LOCATION:Room 1
		ORGANIZER:mailto:ann@acme.example
		END:VEVENT`
	feb := win("2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z")
	tests := []struct {
		name   string
		input  []byte
		want   []string
		method []string // Method of each occurrence, when checked
		check  func(t *testing.T, res Result)
	}{
		{
			name:  "no overrides",
			input: cal(master),
			want:  []string{"2024-02-05T10:00/2024-02-05T11:00", "2024-02-12T10:00/2024-02-12T11:00", "2024-02-19T10:00/2024-02-19T11:00", "2024-02-26T10:00/2024-02-26T11:00"},
		},
		{
			name: "moved inside, out of, and into the window (from before and after)",
			input: cal(master + `
				BEGIN:VEVENT
				UID:weekly@acme.example
				RECURRENCE-ID:20240212T100000Z
				DTSTART:20240213T150000Z
				DTEND:20240213T153000Z
				SUMMARY:Weekly sync (moved)
				SEQUENCE:1
				END:VEVENT
				BEGIN:VEVENT
				UID:weekly@acme.example
				RECURRENCE-ID:20240219T100000Z
				DTSTART:20240305T100000Z
				SEQUENCE:1
				END:VEVENT
				BEGIN:VEVENT
				UID:weekly@acme.example
				RECURRENCE-ID:20240304T100000Z
				DTSTART:20240229T090000Z
				SEQUENCE:1
				END:VEVENT
				BEGIN:VEVENT
				UID:weekly@acme.example
				RECURRENCE-ID:20240129T100000Z
				DTSTART:20240201T080000Z
				SEQUENCE:1
				END:VEVENT`),
			want: []string{
				"2024-02-01T08:00/2024-02-01T09:00 was 2024-01-29T10:00",
				"2024-02-05T10:00/2024-02-05T11:00",
				"2024-02-13T15:00/2024-02-13T15:30 was 2024-02-12T10:00",
				"2024-02-26T10:00/2024-02-26T11:00",
				"2024-02-29T09:00/2024-02-29T10:00 was 2024-03-04T10:00",
			},
			check: func(t *testing.T, res Result) {
				o := res.Occurrences[2]
				if o.Summary != "Weekly sync (moved)" || o.Location != "Room 1" || o.Sequence != 1 || len(o.Participants) != 1 {
					t.Errorf("moved occurrence: summary %q, location %q (the master's), sequence %d, %d participants (the master's)", o.Summary, o.Location, o.Sequence, len(o.Participants))
				}
				if o.Key() != "weekly@acme.example/2024-02-12T10:00:00Z" {
					t.Errorf("key %q", o.Key())
				}
			},
		},
		{
			name: "a cancelled instance is kept, cancelled",
			input: cal(master + `
				BEGIN:VEVENT
				UID:weekly@acme.example
				RECURRENCE-ID:20240219T100000Z
				DTSTART:20240219T100000Z
				DTEND:20240219T110000Z
				STATUS:CANCELLED
				SEQUENCE:1
				END:VEVENT`),
			want: []string{"2024-02-05T10:00/2024-02-05T11:00", "2024-02-12T10:00/2024-02-12T11:00", "2024-02-19T10:00/2024-02-19T11:00 cancelled", "2024-02-26T10:00/2024-02-26T11:00"},
		},
		{
			name: "a cancelled series: every occurrence cancelled",
			input: cal(`BEGIN:VEVENT
				UID:weekly@acme.example
				DTSTART:20240101T100000Z
				DTEND:20240101T110000Z
				RRULE:FREQ=WEEKLY;COUNT=7
				STATUS:CANCELLED
				END:VEVENT`),
			want: []string{"2024-02-05T10:00/2024-02-05T11:00 cancelled", "2024-02-12T10:00/2024-02-12T11:00 cancelled"},
		},
		{
			name: "an override deleted by EXDATE stays deleted",
			input: cal(`BEGIN:VEVENT
				UID:weekly@acme.example
				DTSTART:20240101T100000Z
				DTEND:20240101T110000Z
				RRULE:FREQ=WEEKLY
				EXDATE:20240212T100000Z
				SEQUENCE:2
				END:VEVENT
				BEGIN:VEVENT
				UID:weekly@acme.example
				RECURRENCE-ID:20240212T100000Z
				DTSTART:20240214T100000Z
				SEQUENCE:1
				END:VEVENT`),
			want: []string{"2024-02-05T10:00/2024-02-05T11:00", "2024-02-19T10:00/2024-02-19T11:00", "2024-02-26T10:00/2024-02-26T11:00"},
		},
		{
			name: "the higher SEQUENCE wins, wherever it is in the input",
			input: cal(`BEGIN:VEVENT
				UID:weekly@acme.example
				DTSTART:20240101T120000Z
				RRULE:FREQ=WEEKLY;COUNT=6
				SUMMARY:new
				SEQUENCE:2
				END:VEVENT
				BEGIN:VEVENT
				UID:weekly@acme.example
				DTSTART:20240101T100000Z
				RRULE:FREQ=WEEKLY
				SUMMARY:old
				SEQUENCE:1
				END:VEVENT
				BEGIN:VEVENT
				UID:weekly@acme.example
				RECURRENCE-ID:20240205T120000Z
				DTSTART:20240206T120000Z
				SEQUENCE:4
				END:VEVENT
				BEGIN:VEVENT
				UID:weekly@acme.example
				RECURRENCE-ID:20240205T120000Z
				DTSTART:20240207T120000Z
				SEQUENCE:3
				END:VEVENT`),
			want: []string{"2024-02-06T12:00/2024-02-06T12:00 was 2024-02-05T12:00"},
			check: func(t *testing.T, res Result) {
				if s := res.Occurrences[0].Summary; s != "new" {
					t.Errorf("summary %q, want the master's of SEQUENCE 2", s)
				}
			},
		},
		{
			name: "same SEQUENCE: the later DTSTAMP wins",
			input: cal(`BEGIN:VEVENT
				UID:once@acme.example
				DTSTAMP:20240110T000000Z
				DTSTART:20240210T120000Z
				END:VEVENT
				BEGIN:VEVENT
				UID:once@acme.example
				DTSTAMP:20240105T000000Z
				DTSTART:20240211T120000Z
				END:VEVENT`),
			want: []string{"2024-02-10T12:00/2024-02-10T12:00"},
		},
		{
			name: "METHOD:CANCEL of the series, after the REQUEST",
			input: append(cal(`BEGIN:VEVENT
					UID:weekly@acme.example
					DTSTART:20240101T100000Z
					DTEND:20240101T110000Z
					RRULE:FREQ=WEEKLY
					SEQUENCE:0
					END:VEVENT`, "METHOD:REQUEST"),
				cal(`BEGIN:VEVENT
					UID:weekly@acme.example
					DTSTART:20240101T100000Z
					SEQUENCE:1
					END:VEVENT`, "METHOD:CANCEL")...),
			want:   []string{"2024-02-05T10:00/2024-02-05T11:00 cancelled", "2024-02-12T10:00/2024-02-12T11:00 cancelled", "2024-02-19T10:00/2024-02-19T11:00 cancelled", "2024-02-26T10:00/2024-02-26T11:00 cancelled"},
			method: []string{"CANCEL", "CANCEL", "CANCEL", "CANCEL"},
		},
		{
			name: "METHOD:CANCEL of one instance",
			input: append(cal(master, "METHOD:REQUEST"),
				cal(`BEGIN:VEVENT
					UID:weekly@acme.example
					RECURRENCE-ID:20240212T100000Z
					SEQUENCE:1
					END:VEVENT`, "METHOD:CANCEL")...),
			want:   []string{"2024-02-05T10:00/2024-02-05T11:00", "2024-02-12T10:00/2024-02-12T11:00 cancelled", "2024-02-19T10:00/2024-02-19T11:00", "2024-02-26T10:00/2024-02-26T11:00"},
			method: []string{"REQUEST", "CANCEL", "REQUEST", "REQUEST"},
			check: func(t *testing.T, res Result) {
				if s := res.Occurrences[1].Summary; s != "Weekly sync" {
					t.Errorf("cancelled instance summary %q, want the master's", s)
				}
			},
		},
		{
			name: "an iMIP CANCEL on its own",
			input: cal(`BEGIN:VEVENT
				UID:once@acme.example
				DTSTART;TZID=America/New_York:20240214T090000
				DTEND;TZID=America/New_York:20240214T093000
				SEQUENCE:2
				STATUS:CANCELLED
				END:VEVENT`, "METHOD:CANCEL"),
			want:   []string{"2024-02-14T14:00/2024-02-14T14:30 cancelled"},
			method: []string{"CANCEL"},
		},
		{
			name: "overrides without their master stand alone",
			input: cal(`BEGIN:VEVENT
				UID:series@acme.example
				RECURRENCE-ID;TZID=Europe/Berlin:20240220T090000
				DTSTART;TZID=Europe/Berlin:20240221T090000
				DTEND;TZID=Europe/Berlin:20240221T100000
				END:VEVENT`, "METHOD:REQUEST"),
			want: []string{"2024-02-21T08:00/2024-02-21T09:00 was 2024-02-20T08:00"},
		},
		{
			name: "floating RECURRENCE-ID and DTSTART of an override are on the series' clock",
			input: cal(`BEGIN:VEVENT
				UID:berlin@acme.example
				DTSTART;TZID=Europe/Berlin:20240205T090000
				DURATION:PT1H
				RRULE:FREQ=WEEKLY;COUNT=3
				END:VEVENT
				BEGIN:VEVENT
				UID:berlin@acme.example
				RECURRENCE-ID:20240212T090000
				DTSTART:20240212T110000
				END:VEVENT`),
			want: []string{"2024-02-05T08:00/2024-02-05T09:00", "2024-02-12T10:00/2024-02-12T11:00 was 2024-02-12T08:00", "2024-02-19T08:00/2024-02-19T09:00"},
		},
		{
			name: "RANGE=THISANDFUTURE is read as a single change, with a problem",
			input: cal(master + `
				BEGIN:VEVENT
				UID:weekly@acme.example
				RECURRENCE-ID;RANGE=THISANDFUTURE:20240219T100000Z
				DTSTART:20240219T140000Z
				END:VEVENT`),
			want: []string{"2024-02-05T10:00/2024-02-05T11:00", "2024-02-12T10:00/2024-02-12T11:00", "2024-02-19T14:00/2024-02-19T15:00 was 2024-02-19T10:00", "2024-02-26T10:00/2024-02-26T11:00"},
			check: func(t *testing.T, res Result) {
				if !hasProblem(res, "RANGE=THISANDFUTURE at 2024-02-19T10:00:00 read as a change of that occurrence only") {
					t.Errorf("problems %q", res.Problems)
				}
			},
		},
		{
			name: "a date RECURRENCE-ID and EXDATE on an all-day series; a date-time one as Outlook writes it",
			input: cal(`BEGIN:VEVENT
				UID:allday@acme.example
				DTSTART;VALUE=DATE:20240205
				RRULE:FREQ=WEEKLY;COUNT=4
				EXDATE;VALUE=DATE:20240219
				END:VEVENT
				BEGIN:VEVENT
				UID:allday@acme.example
				RECURRENCE-ID;VALUE=DATE:20240212
				DTSTART;VALUE=DATE:20240213
				END:VEVENT
				BEGIN:VEVENT
				UID:allday@acme.example
				RECURRENCE-ID;TZID=W. Europe Standard Time:20240226T000000
				DTSTART;VALUE=DATE:20240227
				DTEND;VALUE=DATE:20240229
				END:VEVENT`),
			want: []string{"2024-02-05T00:00/2024-02-06T00:00 allday", "2024-02-13T00:00/2024-02-14T00:00 was 2024-02-12T00:00 allday", "2024-02-27T00:00/2024-02-29T00:00 was 2024-02-26T00:00 allday"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := mustParse(t, tt.input, feb)
			if d := diff(briefs(res), tt.want); d != "" {
				t.Fatalf("%s\nproblems %q", d, res.Problems)
			}
			if tt.method != nil {
				var got []string
				for _, o := range res.Occurrences {
					got = append(got, o.Method)
				}
				if d := diff(got, tt.method); d != "" {
					t.Errorf("methods: %s", d)
				}
			}
			if tt.check != nil {
				tt.check(t, res)
			}
		})
	}
}
