package calparse

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestRecurrence expands single events with the rules, dates and
// exclusions of RFC 5545 and checks every occurrence (computed by hand).
func TestRecurrence(t *testing.T) {
	year2024 := win("2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z")
	tests := []struct {
		name  string
		event string
		w     Window
		want  []string
	}{
		{
			name: "weekly 09:00 in Berlin across the March DST change",
			event: `DTSTART;TZID=Europe/Berlin:20240318T090000
				DTEND;TZID=Europe/Berlin:20240318T100000
				RRULE:FREQ=WEEKLY`,
			w:    win("2024-03-01T00:00:00Z", "2024-04-10T00:00:00Z"),
			want: []string{"2024-03-18T08:00/2024-03-18T09:00", "2024-03-25T08:00/2024-03-25T09:00", "2024-04-01T07:00/2024-04-01T08:00", "2024-04-08T07:00/2024-04-08T08:00"},
		},
		{
			name: "the same series across the October change",
			event: `DTSTART;TZID=Europe/Berlin:20240318T090000
				DTEND;TZID=Europe/Berlin:20240318T100000
				RRULE:FREQ=WEEKLY`,
			w:    win("2024-10-14T00:00:00Z", "2024-11-05T00:00:00Z"),
			want: []string{"2024-10-14T07:00/2024-10-14T08:00", "2024-10-21T07:00/2024-10-21T08:00", "2024-10-28T08:00/2024-10-28T09:00", "2024-11-04T08:00/2024-11-04T09:00"},
		},
		{
			name: "a meeting across midnight of the DST change keeps its wall-clock length",
			event: `DTSTART;TZID=America/New_York:20240309T233000
				DTEND;TZID=America/New_York:20240310T033000
				RRULE:FREQ=DAILY;COUNT=2`,
			w:    year2024,
			want: []string{"2024-03-10T04:30/2024-03-10T07:30", "2024-03-11T03:30/2024-03-11T07:30"},
		},
		{
			name:  "a time in the spring gap is read with the offset before it",
			event: "DTSTART;TZID=Europe/Berlin:20240331T023000\nDURATION:PT1H",
			w:     year2024,
			want:  []string{"2024-03-31T01:30/2024-03-31T02:30"},
		},
		{
			name:  "a time in the autumn fold is the first of the two",
			event: "DTSTART;TZID=Europe/Berlin:20241027T023000\nDURATION:PT30M",
			w:     year2024,
			want:  []string{"2024-10-27T00:30/2024-10-27T01:00"},
		},
		{
			name:  "COUNT counts DTSTART",
			event: "DTSTART:20240506T100000Z\nRRULE:FREQ=DAILY;COUNT=3",
			w:     year2024,
			want:  []string{"2024-05-06T10:00/2024-05-06T10:00", "2024-05-07T10:00/2024-05-07T10:00", "2024-05-08T10:00/2024-05-08T10:00"},
		},
		{
			name:  "UNTIL in UTC includes an instance at UNTIL",
			event: "DTSTART;TZID=Europe/Berlin:20240506T100000\nRRULE:FREQ=DAILY;UNTIL=20240508T080000Z",
			w:     year2024,
			want:  []string{"2024-05-06T08:00/2024-05-06T08:00", "2024-05-07T08:00/2024-05-07T08:00", "2024-05-08T08:00/2024-05-08T08:00"},
		},
		{
			name:  "UNTIL as a date includes that day",
			event: "DTSTART;TZID=America/Los_Angeles:20240506T180000\nRRULE:FREQ=DAILY;UNTIL=20240507",
			w:     year2024,
			want:  []string{"2024-05-07T01:00/2024-05-07T01:00", "2024-05-08T01:00/2024-05-08T01:00"},
		},
		{
			name:  "floating UNTIL is on the event's clock",
			event: "DTSTART;TZID=Asia/Tokyo:20240506T090000\nRRULE:FREQ=DAILY;UNTIL=20240507T090000",
			w:     year2024,
			want:  []string{"2024-05-06T00:00/2024-05-06T00:00", "2024-05-07T00:00/2024-05-07T00:00"},
		},
		{
			name:  "last weekday of the month (BYSETPOS=-1)",
			event: "DTSTART:20240131T090000Z\nDURATION:PT1H\nRRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=6",
			w:     year2024,
			want:  []string{"2024-01-31T09:00/2024-01-31T10:00", "2024-02-29T09:00/2024-02-29T10:00", "2024-03-29T09:00/2024-03-29T10:00", "2024-04-30T09:00/2024-04-30T10:00", "2024-05-31T09:00/2024-05-31T10:00", "2024-06-28T09:00/2024-06-28T10:00"},
		},
		{
			name:  "monthly on the 31st skips the months without one",
			event: "DTSTART:20240131T090000Z\nRRULE:FREQ=MONTHLY;COUNT=5",
			w:     year2024,
			want:  []string{"2024-01-31T09:00/2024-01-31T09:00", "2024-03-31T09:00/2024-03-31T09:00", "2024-05-31T09:00/2024-05-31T09:00", "2024-07-31T09:00/2024-07-31T09:00", "2024-08-31T09:00/2024-08-31T09:00"},
		},
		{
			name:  "second Tuesday and last Friday, every other month",
			event: "DTSTART:20240109T150000Z\nRRULE:FREQ=MONTHLY;INTERVAL=2;BYDAY=2TU,-1FR;UNTIL=20240601T000000Z",
			w:     year2024,
			want:  []string{"2024-01-09T15:00/2024-01-09T15:00", "2024-01-26T15:00/2024-01-26T15:00", "2024-03-12T15:00/2024-03-12T15:00", "2024-03-29T15:00/2024-03-29T15:00", "2024-05-14T15:00/2024-05-14T15:00", "2024-05-31T15:00/2024-05-31T15:00"},
		},
		{
			name:  "negative BYMONTHDAY and BYMONTH, yearly",
			event: "DTSTART:20240229T120000Z\nRRULE:FREQ=YEARLY;BYMONTH=2,6;BYMONTHDAY=-1;COUNT=4",
			w:     win("2024-01-01T00:00:00Z", "2027-01-01T00:00:00Z"),
			want:  []string{"2024-02-29T12:00/2024-02-29T12:00", "2024-06-30T12:00/2024-06-30T12:00", "2025-02-28T12:00/2025-02-28T12:00", "2025-06-30T12:00/2025-06-30T12:00"},
		},
		{
			name:  "WKST changes which week an INTERVAL=2 instance falls in (RFC 5545 example)",
			event: "DTSTART:19970805T090000Z\nRRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=SU",
			w:     win("1997-01-01T00:00:00Z", "1998-01-01T00:00:00Z"),
			want:  []string{"1997-08-05T09:00/1997-08-05T09:00", "1997-08-17T09:00/1997-08-17T09:00", "1997-08-19T09:00/1997-08-19T09:00", "1997-08-31T09:00/1997-08-31T09:00"},
		},
		{
			name:  "a series that began years ago, window only",
			event: "DTSTART;TZID=Europe/London:19900102T083000\nRRULE:FREQ=WEEKLY;BYDAY=TU",
			w:     win("2024-06-01T00:00:00Z", "2024-06-15T00:00:00Z"),
			want:  []string{"2024-06-04T07:30/2024-06-04T07:30", "2024-06-11T07:30/2024-06-11T07:30"},
		},
		{
			name: "EXDATE with TZID, in UTC, floating, as a comma list and as a date",
			event: `DTSTART;TZID=Europe/Berlin:20240325T090000
				RRULE:FREQ=WEEKLY;COUNT=8
				EXDATE;TZID=Europe/Berlin:20240401T090000
				EXDATE:20240408T070000Z
				EXDATE:20240415T090000
				EXDATE;TZID=Europe/Berlin:20240422T090000,20240429T090000
				EXDATE;VALUE=DATE:20240506`,
			w:    year2024,
			want: []string{"2024-03-25T08:00/2024-03-25T08:00", "2024-05-13T07:00/2024-05-13T07:00"},
		},
		{
			name: "RDATE: a list with TZID, a PERIOD, one on an RRULE instance",
			event: `DTSTART:20240601T080000Z
				DURATION:PT1H
				RRULE:FREQ=DAILY;COUNT=2
				RDATE;TZID=Europe/Berlin:20240610T100000,20240615T100000
				RDATE;VALUE=PERIOD:20240701T120000Z/PT2H,20240702T120000Z/20240702T123000Z
				RDATE:20240602T080000Z
				EXDATE;TZID=Europe/Berlin:20240615T100000`,
			w: year2024,
			want: []string{"2024-06-01T08:00/2024-06-01T09:00", "2024-06-02T08:00/2024-06-02T09:00", "2024-06-10T08:00/2024-06-10T09:00",
				"2024-07-01T12:00/2024-07-01T14:00", "2024-07-02T12:00/2024-07-02T12:30"},
		},
		{
			name:  "a date RDATE in a timed series takes DTSTART's time of day",
			event: "DTSTART;TZID=Europe/Berlin:20240506T090000\nRDATE;VALUE=DATE:20240710",
			w:     year2024,
			want:  []string{"2024-05-06T07:00/2024-05-06T07:00", "2024-07-10T07:00/2024-07-10T07:00"},
		},
		{
			name:  "all-day: DTEND defaults to the next day",
			event: "DTSTART;VALUE=DATE:20240510",
			w:     year2024,
			want:  []string{"2024-05-10T00:00/2024-05-11T00:00 allday"},
		},
		{
			name:  "all-day with DURATION",
			event: "DTSTART;VALUE=DATE:20240510\nDURATION:P2D",
			w:     year2024,
			want:  []string{"2024-05-10T00:00/2024-05-12T00:00 allday"},
		},
		{
			name: "all-day yearly with DTEND, a date EXDATE and a date RDATE",
			event: `DTSTART;VALUE=DATE:20200229
				DTEND;VALUE=DATE:20200301
				RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1
				EXDATE;VALUE=DATE:20230228
				RDATE;VALUE=DATE:20230301`,
			w:    win("2022-01-01T00:00:00Z", "2025-01-01T00:00:00Z"),
			want: []string{"2022-02-28T00:00/2022-03-01T00:00 allday", "2023-03-01T00:00/2023-03-02T00:00 allday", "2024-02-29T00:00/2024-03-01T00:00 allday"},
		},
		{
			name:  "an all-day series with an Outlook UTC UNTIL keeps its last day",
			event: "DTSTART;VALUE=DATE:20240902\nRRULE:FREQ=WEEKLY;UNTIL=20240915T220000Z",
			w:     year2024,
			want:  []string{"2024-09-02T00:00/2024-09-03T00:00 allday", "2024-09-09T00:00/2024-09-10T00:00 allday", "2024-09-16T00:00/2024-09-17T00:00 allday"},
		},
		{
			name:  "floating times are UTC",
			event: "DTSTART:20240506T100000\nDTEND:20240506T110000",
			w:     year2024,
			want:  []string{"2024-05-06T10:00/2024-05-06T11:00"},
		},
		{
			name:  "an instance starting at the window end is out, one at its start in",
			event: "DTSTART:20240101T000000Z\nRRULE:FREQ=DAILY",
			w:     win("2024-01-02T00:00:00Z", "2024-01-04T00:00:00Z"),
			want:  []string{"2024-01-02T00:00/2024-01-02T00:00", "2024-01-03T00:00/2024-01-03T00:00"},
		},
		{
			name:  "two RRULEs (RFC 2445) are a union; the same rule twice counts once",
			event: "DTSTART:20240102T100000Z\nRRULE:FREQ=WEEKLY;COUNT=2\nRRULE:FREQ=MONTHLY;BYDAY=1MO;COUNT=2\nRRULE:FREQ=WEEKLY;COUNT=2",
			w:     year2024,
			want:  []string{"2024-01-02T10:00/2024-01-02T10:00", "2024-01-09T10:00/2024-01-09T10:00", "2024-02-05T10:00/2024-02-05T10:00"},
		},
		{
			name:  "EXRULE removes instances",
			event: "DTSTART:20240101T100000Z\nRRULE:FREQ=DAILY;COUNT=7\nEXRULE:FREQ=WEEKLY;BYDAY=SA,SU",
			w:     year2024,
			want:  []string{"2024-01-01T10:00/2024-01-01T10:00", "2024-01-02T10:00/2024-01-02T10:00", "2024-01-03T10:00/2024-01-03T10:00", "2024-01-04T10:00/2024-01-04T10:00", "2024-01-05T10:00/2024-01-05T10:00"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := cal("BEGIN:VEVENT\nUID:e@test\n" + tt.event + "\nEND:VEVENT")
			res := mustParse(t, data, tt.w)
			if d := diff(briefs(res), tt.want); d != "" {
				t.Errorf("%s\nproblems %q", d, res.Problems)
			}
			if len(res.Problems) > 0 {
				t.Errorf("problems: %q", res.Problems)
			}
			for _, o := range res.Occurrences {
				if o.Start.Location() != time.UTC || o.End.Location() != time.UTC || o.Instance.Location() != time.UTC {
					t.Errorf("times not in UTC: %v %v %v", o.Start, o.End, o.Instance)
				}
				if o.UID != "e@test" {
					t.Errorf("UID %q", o.UID)
				}
			}
		})
	}
}

// TestPathologicalRules checks that rules that would run forever or
// produce too much are bounded, fast, and said.
func TestPathologicalRules(t *testing.T) {
	year2024 := win("2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z")
	tests := []struct {
		name    string
		event   string
		w       Window
		count   int
		problem string
	}{
		{"SECONDLY without end, begun years ago", "DTSTART:20000101T000000Z\nRRULE:FREQ=SECONDLY", year2024, 1000,
			"event e@test: RRULE FREQ=SECONDLY without end capped at 1000 occurrences"},
		{"MINUTELY with a huge COUNT", "DTSTART:20240101T000000Z\nRRULE:FREQ=MINUTELY;COUNT=999999999", year2024, 1000,
			"RRULE FREQ=MINUTELY capped at 1000 occurrences"},
		{"SECONDLY with COUNT from year 0001 and a filter", "DTSTART:00010101T000000Z\nRRULE:FREQ=SECONDLY;BYMINUTE=7;COUNT=999999999", year2024, 0,
			"needs too much work to expand"},
		{"HOURLY on Mondays only, begun long ago", "DTSTART;TZID=Europe/Berlin:19700105T000000\nRRULE:FREQ=HOURLY;BYDAY=MO;BYHOUR=9,10", win("2024-05-01T00:00:00Z", "2024-06-01T00:00:00Z"), 8, ""},
		{"a rule that never matches, with COUNT", "DTSTART:00010101T000000Z\nRRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30;COUNT=5", year2024, 0, ""},
		{"a giant INTERVAL", "DTSTART:20240101T000000Z\nRRULE:FREQ=DAILY;INTERVAL=2147483647000", year2024, 1, ""},
		{"year 9999 and beyond", "DTSTART:99991231T235959Z\nRRULE:FREQ=DAILY", win("9999-12-01T00:00:00Z", "9999-12-31T23:59:59Z"), 0, ""},
		{"year 0", "DTSTART:00000101T000000Z\nRRULE:FREQ=YEARLY", win("0000-01-01T00:00:00Z", "0003-01-01T00:00:00Z"), 3, ""},
		{"huge BY lists", "DTSTART:20240101T000000Z\nRRULE:FREQ=YEARLY;BYMONTH=" + strings.Repeat("1,2,3,4,5,6,7,8,9,10,11,12,", 5000) + "1;BYYEARDAY=" + strings.Repeat("1,-1,", 10000) + "2", year2024, 3, ""},
		{"too many times a day", "DTSTART:20240101T000000Z\nRRULE:FREQ=DAILY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23;BYMINUTE=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59;BYSECOND=0,30", year2024, 1,
			"more than 1440"},
		{"HOURLY on an all-day event", "DTSTART;VALUE=DATE:20240101\nRRULE:FREQ=HOURLY", year2024, 1, "cannot repeat an all-day event"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := cal("BEGIN:VEVENT\nUID:e@test\n" + tt.event + "\nEND:VEVENT")
			start := time.Now()
			res := mustParse(t, data, tt.w)
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("took %v", took)
			}
			if len(res.Occurrences) != tt.count {
				t.Errorf("%d occurrences, want %d; problems %q", len(res.Occurrences), tt.count, res.Problems)
			}
			if tt.problem != "" && !hasProblem(res, tt.problem) {
				t.Errorf("no problem about %q in %q", tt.problem, res.Problems)
			}
			if tt.problem == "" && len(res.Problems) > 0 {
				t.Errorf("problems: %q", res.Problems)
			}
		})
	}
}

// TestHostileInput checks the bounds on what one input may make Parse do:
// each case must finish quickly, say what it cut, and still give what it
// can.
func TestHostileInput(t *testing.T) {
	var many strings.Builder
	for i := range 300 {
		many.WriteString("BEGIN:VEVENT\nUID:daily-" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + string(rune('a'+i/26)) + "@test\nDTSTART:20230101T090000Z\nRRULE:FREQ=DAILY\nEND:VEVENT\n")
	}
	attendees := "BEGIN:VEVENT\nUID:crowd@test\nDTSTART:20240101T090000Z\n" +
		strings.Repeat("ATTENDEE;CN=Someone;PARTSTAT=ACCEPTED:mailto:someone@acme.example\n", 20_000) + "END:VEVENT\n"
	var deep strings.Builder
	deep.WriteString("BEGIN:VEVENT\nUID:deep@test\nDTSTART:20240101T090000Z\n")
	for i := range 100_000 {
		deep.WriteString("BEGIN:X-" + strconv.Itoa(i) + "\n")
	}
	deep.WriteString("END:VEVENT\n")
	long := "BEGIN:VEVENT\nUID:long@test\nDTSTART:20240101T090000Z\nDESCRIPTION:" + strings.Repeat("a\n ", 1_000_000) + "z\nEND:VEVENT\n"
	params := "BEGIN:VEVENT\nUID:params@test\nDTSTART;TZID=" + strings.Repeat("Europe/Berlin", 100_000) + ":20240101T090000\n" +
		"ATTENDEE" + strings.Repeat(";CN=\""+strings.Repeat("n", 1000)+"\"", 1000) + ":mailto:p@acme.example\nEND:VEVENT\n"
	crOnly := strings.Repeat("BEGIN:VEVENT\rUID:cr@test\rDTSTART:20240101T090000Z\rX-FILLER:abcdefghijklmnopqrstuvwxyz\rEND:VEVENT\r", 50_000)
	zones := ""
	for i := range 300 {
		tz := "Zone " + strings.Repeat("z", i)
		zones += "BEGIN:VTIMEZONE\nTZID:" + tz + "\nBEGIN:STANDARD\nDTSTART:16010101T000000\nTZOFFSETFROM:+0100\nTZOFFSETTO:+0200\nRRULE:FREQ=DAILY\nEND:STANDARD\nEND:VTIMEZONE\n" +
			"BEGIN:VEVENT\nUID:z" + tz + "@test\nDTSTART;TZID=" + tz + ":20240101T090000\nEND:VEVENT\n"
	}
	tests := []struct {
		name    string
		input   string
		count   int
		problem string
	}{
		{"more than 200,000 occurrences", many.String(), maxOccurrences, "more than 200000 occurrences in the window"},
		{"20,000 attendees", attendees, 1, "has more than 1000 attendees"},
		{"components nested 100,000 deep", deep.String(), 1, "99986 components nested more than 16 deep were ignored"},
		{"a 3 MB folded description", long, 1, ""},
		{"4 MB with lone CR line ends", crOnly, 1, ""},
		{"4 MB of blank lines", "BEGIN:VEVENT\nUID:blank@test\n" + strings.Repeat("\r\n", 2<<20) + "DTSTART:20240101T090000Z\nEND:VEVENT\n", 1, ""},
		{"huge parameters", params, 1, "is unknown"},
		{"300 VTIMEZONEs with daily transitions", zones, 300, "more than 50 VTIMEZONE definitions used"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			res := mustParse(t, cal(tt.input), win("2023-01-01T00:00:00Z", "2025-01-01T00:00:00Z"))
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("took %v", took)
			}
			if len(res.Occurrences) != tt.count {
				t.Errorf("%d occurrences, want %d", len(res.Occurrences), tt.count)
			}
			if tt.problem != "" && !hasProblem(res, tt.problem) {
				t.Errorf("no problem about %q in %q", tt.problem, res.Problems)
			}
			if len(res.Problems) > maxProblems+1 {
				t.Errorf("%d problems, more than the cap", len(res.Problems))
			}
		})
	}
}
