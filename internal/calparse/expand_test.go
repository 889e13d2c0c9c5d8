package calparse

import (
	"strings"
	"testing"
	"time"
)

// TestRFC5545Examples runs the recurrence examples of RFC 5545 section
// 3.8.5.3 (all with DTSTART;TZID=America/New_York) and compares the first
// instances, on the New York wall clock, with those the RFC lists.
func TestRFC5545Examples(t *testing.T) {
	tests := []struct {
		name, start, rule, extra string
		want                     string // "1997-09-02 09:00" or, when all at 09:00, dates "1997-09-02"
	}{
		{"daily for 10", "19970902T090000", "FREQ=DAILY;COUNT=10", "",
			"1997-09-02 1997-09-03 1997-09-04 1997-09-05 1997-09-06 1997-09-07 1997-09-08 1997-09-09 1997-09-10 1997-09-11"},
		{"every 10 days, 5 times", "19970902T090000", "FREQ=DAILY;INTERVAL=10;COUNT=5", "",
			"1997-09-02 1997-09-12 1997-09-22 1997-10-02 1997-10-12"},
		{"every day in January for 3 years (first and last few)", "19980101T090000",
			"FREQ=YEARLY;UNTIL=20000131T140000Z;BYMONTH=1;BYDAY=SU,MO,TU,WE,TH,FR,SA", "",
			"1998-01-01 1998-01-02 1998-01-03"},
		{"every other week on MO, WE, FR until Dec 24", "19970901T090000",
			"FREQ=WEEKLY;INTERVAL=2;UNTIL=19971224T000000Z;WKST=SU;BYDAY=MO,WE,FR", "",
			"1997-09-01 1997-09-03 1997-09-05 1997-09-15 1997-09-17 1997-09-19 1997-09-29 1997-10-01 1997-10-03 1997-10-13 1997-10-15 1997-10-17 1997-10-27 1997-10-29 1997-10-31 1997-11-10 1997-11-12 1997-11-14 1997-11-24 1997-11-26 1997-11-28 1997-12-08 1997-12-10 1997-12-12 1997-12-22"},
		{"monthly on the first Friday, 10 times", "19970905T090000", "FREQ=MONTHLY;COUNT=10;BYDAY=1FR", "",
			"1997-09-05 1997-10-03 1997-11-07 1997-12-05 1998-01-02 1998-02-06 1998-03-06 1998-04-03 1998-05-01 1998-06-05"},
		{"every other month on the first and last Sunday", "19970907T090000", "FREQ=MONTHLY;INTERVAL=2;COUNT=10;BYDAY=1SU,-1SU", "",
			"1997-09-07 1997-09-28 1997-11-02 1997-11-30 1998-01-04 1998-01-25 1998-03-01 1998-03-29 1998-05-03 1998-05-31"},
		{"the second-to-last Monday, 6 months", "19970922T090000", "FREQ=MONTHLY;COUNT=6;BYDAY=-2MO", "",
			"1997-09-22 1997-10-20 1997-11-17 1997-12-22 1998-01-19 1998-02-16"},
		{"the third-to-last day of the month", "19970928T090000", "FREQ=MONTHLY;BYMONTHDAY=-3", "",
			"1997-09-28 1997-10-29 1997-11-28 1997-12-29 1998-01-29 1998-02-26"},
		{"June and July, 10 times", "19970610T090000", "FREQ=YEARLY;COUNT=10;BYMONTH=6,7", "",
			"1997-06-10 1997-07-10 1998-06-10 1998-07-10 1999-06-10 1999-07-10 2000-06-10 2000-07-10 2001-06-10 2001-07-10"},
		{"every third year on days 1, 100 and 200", "19970101T090000", "FREQ=YEARLY;INTERVAL=3;COUNT=10;BYYEARDAY=1,100,200", "",
			"1997-01-01 1997-04-10 1997-07-19 2000-01-01 2000-04-09 2000-07-18 2003-01-01 2003-04-10 2003-07-19 2006-01-01"},
		{"every 20th Monday of the year", "19970519T090000", "FREQ=YEARLY;BYDAY=20MO", "",
			"1997-05-19 1998-05-18 1999-05-17"},
		{"Monday of week 20", "19970512T090000", "FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO", "",
			"1997-05-12 1998-05-11 1999-05-17"},
		{"every Thursday in March", "19970313T090000", "FREQ=YEARLY;BYMONTH=3;BYDAY=TH", "",
			"1997-03-13 1997-03-20 1997-03-27 1998-03-05 1998-03-12 1998-03-19 1998-03-26 1999-03-04 1999-03-11 1999-03-18 1999-03-25"},
		{"every Friday the 13th", "19970902T090000", "FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13", "EXDATE;TZID=America/New_York:19970902T090000",
			"1998-02-13 1998-03-13 1998-11-13 1999-08-13 2000-10-13"},
		{"the first Saturday after the first Sunday", "19970913T090000", "FREQ=MONTHLY;BYDAY=SA;BYMONTHDAY=7,8,9,10,11,12,13", "",
			"1997-09-13 1997-10-11 1997-11-08 1997-12-13 1998-01-10 1998-02-07 1998-03-07 1998-04-11 1998-05-09 1998-06-13"},
		{"US presidential election day", "19961105T090000", "FREQ=YEARLY;INTERVAL=4;BYMONTH=11;BYDAY=TU;BYMONTHDAY=2,3,4,5,6,7,8", "",
			"1996-11-05 2000-11-07 2004-11-02"},
		{"the third of TU, WE, TH, 3 months", "19970904T090000", "FREQ=MONTHLY;COUNT=3;BYDAY=TU,WE,TH;BYSETPOS=3", "",
			"1997-09-04 1997-10-07 1997-11-06"},
		{"the second-to-last weekday", "19970929T090000", "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-2", "",
			"1997-09-29 1997-10-30 1997-11-27 1997-12-30 1998-01-29 1998-02-26 1998-03-30"},
		{"every 15 minutes, 6 times", "19970902T090000", "FREQ=MINUTELY;INTERVAL=15;COUNT=6", "",
			"1997-09-02 09:00,1997-09-02 09:15,1997-09-02 09:30,1997-09-02 09:45,1997-09-02 10:00,1997-09-02 10:15"},
		{"every hour and a half, 4 times", "19970902T090000", "FREQ=MINUTELY;INTERVAL=90;COUNT=4", "",
			"1997-09-02 09:00,1997-09-02 10:30,1997-09-02 12:00,1997-09-02 13:30"},
		{"every 20 minutes from 9:00 to 16:40 (daily)", "19970902T090000", "FREQ=DAILY;BYHOUR=9,10,11,12,13,14,15,16;BYMINUTE=0,20,40", "",
			"1997-09-02 09:00,1997-09-02 09:20,1997-09-02 09:40,1997-09-02 10:00,1997-09-02 10:20"},
		{"every 20 minutes from 9:00 to 16:40 (minutely), across days", "19970902T160000", "FREQ=MINUTELY;INTERVAL=20;BYHOUR=9,10,11,12,13,14,15,16", "",
			"1997-09-02 16:00,1997-09-02 16:20,1997-09-02 16:40,1997-09-03 09:00,1997-09-03 09:20"},
		{"February 30 is ignored", "20070115T090000", "FREQ=MONTHLY;BYMONTHDAY=15,30;COUNT=5", "",
			"2007-01-15 2007-01-30 2007-02-15 2007-03-15 2007-03-30"},
	}
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want []string
			if strings.Contains(tt.want, ",") {
				want = strings.Split(tt.want, ",")
			} else {
				for _, d := range strings.Fields(tt.want) {
					want = append(want, d+" 09:00")
				}
			}
			ev := "BEGIN:VEVENT\nUID:rfc@test\nDTSTART;TZID=America/New_York:" + tt.start + "\nRRULE:" + tt.rule + "\n"
			if tt.extra != "" {
				ev += tt.extra + "\n"
			}
			res := mustParse(t, cal(ev+"END:VEVENT"), win("1996-01-01T00:00:00Z", "2010-01-01T00:00:00Z"))
			var got []string
			for _, o := range res.Occurrences {
				got = append(got, o.Start.In(ny).Format("2006-01-02 15:04"))
			}
			if len(got) > len(want) {
				got = got[:len(want)]
			}
			if d := diff(got, want); d != "" {
				t.Errorf("%s\nproblems %q", d, res.Problems)
			}
		})
	}
	t.Run("every day in January for 3 years: 93 instances", func(t *testing.T) {
		ev := "BEGIN:VEVENT\nUID:rfc@test\nDTSTART;TZID=America/New_York:19980101T090000\nRRULE:FREQ=DAILY;UNTIL=20000131T140000Z;BYMONTH=1\nEND:VEVENT"
		res := mustParse(t, cal(ev), win("1996-01-01T00:00:00Z", "2010-01-01T00:00:00Z"))
		if n := len(res.Occurrences); n != 93 {
			t.Errorf("%d instances, want 93", n)
		}
		if last := res.Occurrences[len(res.Occurrences)-1].Start.In(ny).Format("2006-01-02 15:04"); last != "2000-01-31 09:00" {
			t.Errorf("last instance %s", last)
		}
	})
}

// TestCivil checks the day arithmetic against the time package over a
// wide range of days.
func TestCivil(t *testing.T) {
	for d := int64(-800_000); d < 3_000_000; d += 7919 {
		y, m, day := civilFromDays(d)
		tm := time.Unix(d*secondsPerDay, 0).UTC()
		if y != int64(tm.Year()) || m != int64(tm.Month()) || day != int64(tm.Day()) {
			t.Fatalf("day %d: %d-%d-%d, want %v", d, y, m, day, tm)
		}
		if back := daysFromCivil(y, m, day); back != d {
			t.Fatalf("day %d: back to %d", d, back)
		}
		if wd := weekday(d); wd != int(tm.Weekday()) {
			t.Fatalf("day %d: weekday %d, want %d", d, wd, tm.Weekday())
		}
	}
}
