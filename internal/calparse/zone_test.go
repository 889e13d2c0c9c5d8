package calparse

import (
	"strings"
	"testing"
	"time"
)

// TestZoneNames checks how TZIDs are resolved: IANA, Windows ids without
// a VTIMEZONE, VTIMEZONE-only custom names, odd names, offsets.
func TestZoneNames(t *testing.T) {
	// A made-up zone only its VTIMEZONE knows: +05:30, summer time +06:30
	// from the second Sunday of April 02:00 to the first Sunday of October
	// 03:00, written Outlook style (observances from 1601).
	const mars = `BEGIN:VTIMEZONE
		TZID:Mars Standard Time
		BEGIN:STANDARD
		DTSTART:16010101T030000
		TZOFFSETFROM:+0630
		TZOFFSETTO:+0530
		RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=10
		END:STANDARD
		BEGIN:DAYLIGHT
		DTSTART:16010101T020000
		TZOFFSETFROM:+0530
		TZOFFSETTO:+0630
		RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=4
		END:DAYLIGHT
		END:VTIMEZONE`
	// The same rules under an odd name and under an IANA-looking path:
	// the VTIMEZONE, not the name, decides.
	oddName := strings.ReplaceAll(mars, "Mars Standard Time", "(UTC+05:30) Olympus Mons, Tharsis")
	pathName := strings.ReplaceAll(mars, "Mars Standard Time", "/example.org/Olson_2024/Europe/Paris")
	tests := []struct {
		name    string
		zones   string
		tzid    string
		locals  []string // wall-clock starts, 20060102T150405
		want    []string // their UTC starts
		problem string
	}{
		{"IANA", "", "Europe/Berlin", []string{"20240115T090000", "20240715T090000"}, []string{"2024-01-15T08:00", "2024-07-15T07:00"}, ""},
		{"quoted IANA", "", `"America/New_York"`, []string{"20240115T090000"}, []string{"2024-01-15T14:00"}, ""},
		{"Windows: W. Europe", "", "W. Europe Standard Time", []string{"20240115T090000", "20240715T090000"}, []string{"2024-01-15T08:00", "2024-07-15T07:00"}, ""},
		{"Windows: Eastern", "", "Eastern Standard Time", []string{"20240115T090000", "20240715T090000"}, []string{"2024-01-15T14:00", "2024-07-15T13:00"}, ""},
		{"Windows: Pacific", "", "Pacific Standard Time", []string{"20240115T090000", "20240715T090000"}, []string{"2024-01-15T17:00", "2024-07-15T16:00"}, ""},
		{"Windows: AUS Eastern (southern summer)", "", "AUS Eastern Standard Time", []string{"20240115T090000", "20240715T090000"}, []string{"2024-01-14T22:00", "2024-07-14T23:00"}, ""},
		{"Windows: India (no DST, half hour)", "", "India Standard Time", []string{"20240715T090000"}, []string{"2024-07-15T03:30"}, ""},
		{"Windows display name without VTIMEZONE", "", "(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna", []string{"20240715T090000"}, []string{"2024-07-15T07:00"}, ""},
		{
			"VTIMEZONE-only custom zone, across both changes and in the gap", mars, "Mars Standard Time",
			[]string{"20240401T100000", "20240414T023000", "20240415T100000", "20241005T100000", "20241007T100000"},
			[]string{"2024-04-01T04:30", "2024-04-13T21:00", "2024-04-15T03:30", "2024-10-05T03:30", "2024-10-07T04:30"}, "",
		},
		{"VTIMEZONE under a display-like name", oddName, "(UTC+05:30) Olympus Mons, Tharsis", []string{"20240715T100000"}, []string{"2024-07-15T03:30"}, ""},
		{"VTIMEZONE under a path name wins over the path", pathName, "/example.org/Olson_2024/Europe/Paris", []string{"20240715T100000"}, []string{"2024-07-15T03:30"}, ""},
		{"a path name without VTIMEZONE ends in an IANA name", "", "/mozilla.org/20050126_1/Europe/Paris", []string{"20240715T100000"}, []string{"2024-07-15T08:00"}, ""},
		{"an offset only", "", "(GMT +01:00)", []string{"20240715T100000"}, []string{"2024-07-15T09:00"}, `time zone "(GMT +01:00)" (event z@test) is not defined: taken as the fixed offset +01:00`},
		{"unknown", "", "Lotus Eastern", []string{"20240715T100000"}, []string{"2024-07-15T10:00"}, `time zone "Lotus Eastern" (event z@test) is unknown: its times are taken as UTC`},
		{"Local is not the machine's zone", "", "Local", []string{"20240715T100000"}, []string{"2024-07-15T10:00"}, "is unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body strings.Builder
			for i, l := range tt.locals {
				body.WriteString("BEGIN:VEVENT\nUID:z@test\n")
				if i > 0 {
					body.WriteString("RECURRENCE-ID:1990010" + string(rune('0'+i)) + "T000000Z\n")
				}
				body.WriteString("DTSTART;TZID=" + tt.tzid + ":" + l + "\nEND:VEVENT\n")
			}
			// The VTIMEZONE comes after the events that use it.
			data := cal(body.String() + tt.zones)
			res := mustParse(t, data, win("2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z"))
			if d := diff(starts(res), tt.want); d != "" {
				t.Errorf("%s\nproblems %q", d, res.Problems)
			}
			if tt.problem != "" && !hasProblem(res, tt.problem) || tt.problem == "" && len(res.Problems) > 0 {
				t.Errorf("problems %q, want one about %q", res.Problems, tt.problem)
			}
		})
	}
}

// TestWindowsTable checks that every IANA zone of the CLDR table loads
// (with time/tzdata, on any system) and a few well-known mappings.
func TestWindowsTable(t *testing.T) {
	if len(windowsZones) != 139 {
		t.Errorf("%d Windows zones, want the 139 of CLDR's territory 001", len(windowsZones))
	}
	for win, iana := range windowsZones {
		if loadIANA(iana) == nil {
			t.Errorf("%q maps to %q, which does not load", win, iana)
		}
	}
	for name, iana := range windowsDisplayNames {
		if loadIANA(iana) == nil {
			t.Errorf("display name %q maps to %q, which does not load", name, iana)
		}
	}
	for win, want := range map[string]string{
		"W. Europe Standard Time":   "Europe/Berlin",
		"Eastern Standard Time":     "America/New_York",
		"Pacific Standard Time":     "America/Los_Angeles",
		"GMT Standard Time":         "Europe/London",
		"Tokyo Standard Time":       "Asia/Tokyo",
		"India Standard Time":       "Asia/Calcutta",
		"AUS Eastern Standard Time": "Australia/Sydney",
		"UTC":                       "Etc/UTC",
	} {
		if got := windowsZones[win]; got != want {
			t.Errorf("%q maps to %q, want %q", win, got, want)
		}
	}
	if iana, ok := windowsDisplayZone("(UTC+01:00) Brussels, Copenhagen, Madrid, Paris"); !ok || iana != "Europe/Paris" {
		t.Errorf("display name: %q, %v", iana, ok)
	}
}

// TestToUTC checks wall-clock to UTC at DST changes, as RFC 5545 section
// 3.3.5 says: a repeated time is the first, a skipped one is read with
// the offset before the gap.
func TestToUTC(t *testing.T) {
	tests := []struct {
		zone, local, want string
	}{
		{"America/New_York", "2007-11-04T01:30:00", "2007-11-04T05:30:00Z"}, // RFC example: EDT
		{"America/New_York", "2007-03-11T02:30:00", "2007-03-11T07:30:00Z"}, // RFC example: 03:30 EDT
		{"Europe/Berlin", "2024-10-27T02:30:00", "2024-10-27T00:30:00Z"},
		{"Europe/Berlin", "2024-03-31T02:30:00", "2024-03-31T01:30:00Z"},
		{"Australia/Sydney", "2024-04-07T02:30:00", "2024-04-06T15:30:00Z"},
		{"Australia/Lord_Howe", "2024-04-07T01:45:00", "2024-04-06T14:45:00Z"}, // a half-hour fold: +11:00, not +10:30
		{"Asia/Kolkata", "2024-07-15T09:00:00", "2024-07-15T03:30:00Z"},
	}
	for _, tt := range tests {
		loc := loadIANA(tt.zone)
		if loc == nil {
			t.Fatalf("zone %s does not load", tt.zone)
		}
		l, _ := time.Parse("2006-01-02T15:04:05", tt.local)
		got := time.Unix(toUTC(l.Unix(), locZone{loc}), 0).UTC().Format(time.RFC3339)
		if got != tt.want {
			t.Errorf("%s %s: %s, want %s", tt.zone, tt.local, got, tt.want)
		}
	}
}

// TestVTIMEZONEMatchesIANA builds zones from VTIMEZONEs with today's
// rules and compares their offsets with the tz database's, every three
// hours over the years those rules hold.
func TestVTIMEZONEMatchesIANA(t *testing.T) {
	tests := []struct {
		iana     string
		rule     tzRule
		from, to int
	}{
		{"Europe/Berlin", feedZones[0].rule, 1996, 2037},
		{"America/New_York", feedZones[1].rule, 2007, 2037},
		{"Australia/Sydney", feedZones[5].rule, 2008, 2037},
		{"Asia/Tokyo", feedZones[4].rule, 1952, 2037},
	}
	for _, tt := range tests {
		for _, outlook := range []bool{false, true} {
			data := cal(tt.rule.vtimezone("Custom", outlook))
			var defs []*vtimezone
			var p problems
			var dec unitDecoder
			scan(data, &p, func(u unit) {
				c, err := dec.decode(u)
				if err != nil {
					t.Fatal(err)
				}
				defs = append(defs, readTimezone(c, u, &p))
			})
			z, err := buildZone(defs[0], &budget{left: eventWork})
			if err != nil || len(p.items) > 0 {
				t.Fatalf("%s: %v %q", tt.iana, err, p.items)
			}
			ref := locZone{loadIANA(tt.iana)}
			end := time.Date(tt.to, 12, 31, 0, 0, 0, 0, time.UTC).Unix()
			for u := time.Date(tt.from, 1, 1, 0, 0, 0, 0, time.UTC).Unix(); u < end; u += 3 * 3600 {
				if got, want := z.offset(u), ref.offset(u); got != want {
					t.Errorf("%s (outlook %v) at %s: offset %d, want %d", tt.iana, outlook, time.Unix(u, 0).UTC(), got, want)
					break
				}
			}
		}
	}
}
