package timeline

import (
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
)

func TestMeetingsMarked(t *testing.T) {
	// A weekly sync with the buyer and the CFO: one instance cancelled,
	// one both declined, one only the CFO declined, one still to come.
	a := acts(
		meeting(day(0), false, attendee(buyer, model.PartAccepted), attendee(cfo, model.PartAccepted)),
		meeting(day(7), true, attendee(buyer, model.PartAccepted), attendee(cfo, model.PartAccepted)),
		meeting(day(14), false, attendee(buyer, model.PartDeclined), attendee(cfo, model.PartDeclined)),
		meeting(day(21), false, attendee(buyer, model.PartAccepted), attendee(cfo, model.PartDeclined)),
		meeting(day(35), false, attendee(buyer, model.PartNeedsAction), attendee(cfo, model.PartNeedsAction)),
		meeting(day(42), true, attendee(buyer, model.PartAccepted)),
	)
	tl := Build(a, team, nil, nil, opts(28))
	tests := []struct {
		id                          int64
		declined, cancelled, future bool
	}{
		{1, false, false, false},
		{2, false, true, false},
		{3, true, false, false},
		{4, false, false, false},
		{5, false, false, true},
		{6, false, true, true},
	}
	for _, tt := range tests {
		it := item(t, tl, tt.id)
		if it.Declined != tt.declined || it.Cancelled != tt.cancelled || it.Future != tt.future {
			t.Errorf("meeting %d: declined %v cancelled %v future %v, want %v %v %v",
				tt.id, it.Declined, it.Cancelled, it.Future, tt.declined, tt.cancelled, tt.future)
		}
	}
	if got := tl.Staleness.LastCustomer; !got.Equal(day(21)) {
		t.Errorf("LastCustomer = %v, want the last held instance %v", got, day(21))
	}
	// Weeks from day 0 to day 42: meetings held or still planned count.
	wantMeetings := []int{1, 0, 0, 1, 0, 1, 0}
	if len(tl.Weeks) != len(wantMeetings) {
		t.Fatalf("%d weeks, want %d", len(tl.Weeks), len(wantMeetings))
	}
	for k, w := range tl.Weeks {
		if w.Meetings != wantMeetings[k] {
			t.Errorf("week %d: %d meetings, want %d", k, w.Meetings, wantMeetings[k])
		}
	}
	if b := stakeholder(t, tl, buyer); b.Meetings != 2 || !b.FirstSeen.Equal(day(0)) || !b.LastSeen.Equal(day(21)) {
		t.Errorf("buyer = %+v, want 2 meetings from day 0 to day 21", b)
	}
	if c := stakeholder(t, tl, cfo); c.Meetings != 1 || !c.LastSeen.Equal(day(0)) {
		t.Errorf("cfo = %+v, want 1 meeting, last seen day 0 (declined since)", c)
	}
}

func TestStakeholders(t *testing.T) {
	// The buyer runs the thread; their lawyer joins it late; the buyer
	// goes quiet while the lawyer and the team carry on; someone only
	// ever declines an invitation.
	a := acts(
		mailOut(day(0), buyer),
		mailIn(day(1), buyer),
		meeting(day(5), false, model.Participant{Email: buyer, Name: "Bea Buyer", Role: model.RoleAttendee, Status: model.PartAccepted},
			attendee("ceo@acme.example", model.PartDeclined)),
		mailIn(day(10), buyer, lawyer, rep, buyer), // the buyer also in Cc: one email
		mailIn(day(40), lawyer),
		mailOut(day(45), lawyer, buyer),
		mailIn(day(60), lawyer),
		note(day(61)),
		call(day(62), cfo),
	)
	tl := Build(a, team, nil, nil, opts(70))
	var order []string
	for _, s := range tl.Stakeholders {
		order = append(order, s.Email)
	}
	wantOrder := []string{buyer, lawyer, cfo, "ceo@acme.example"}
	if !reflect.DeepEqual(order, wantOrder) {
		t.Fatalf("stakeholders %v, want %v (team never listed; never-seen last)", order, wantOrder)
	}
	tests := []Stakeholder{
		{Email: buyer, Name: "Bea Buyer", FirstSeen: day(0), LastSeen: day(45), Emails: 4, Meetings: 1, Quiet: true},
		{Email: lawyer, FirstSeen: day(10), LastSeen: day(60), Emails: 4},
		{Email: cfo, FirstSeen: day(62), LastSeen: day(62), Meetings: 1},
		{Email: "ceo@acme.example"},
	}
	for _, want := range tests {
		if got := stakeholder(t, tl, want.Email); got != want {
			t.Errorf("stakeholder\n got %+v\nwant %+v", got, want)
		}
	}
}

func TestQuiet(t *testing.T) {
	tests := []struct {
		name string
		acts []model.Activity
		now  int
		want bool
	}{
		{"the thread went on without them", acts(mailIn(day(0), buyer), mailIn(day(10), cfo), mailOut(day(30), cfo)), 40, true},
		{"everyone went silent: the deal is dark, they are not singled out", acts(mailIn(day(0), buyer), mailOut(day(1), buyer)), 40, false},
		{"seen recently enough", acts(mailIn(day(20), buyer), mailIn(day(30), cfo)), 40, false},
		{"exactly the threshold is not yet quiet", acts(mailIn(day(19), buyer), mailIn(day(30), cfo)), 40, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl := Build(tt.acts, team, nil, nil, opts(tt.now))
			if got := stakeholder(t, tl, buyer).Quiet; got != tt.want {
				t.Errorf("buyer Quiet = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestGaps(t *testing.T) {
	mailboxDown := []Span{{From: day(8), To: day(36), Source: "mailbox:rep1@ourco.example", Why: "failing: login refused"}}
	tests := []struct {
		name     string
		acts     []model.Activity
		outages  []Span
		coverage []Coverage
		now      int
		want     []Gap
		endsAt   []int64 // the item each gap (but a final one to now) is set on
	}{
		{"a silence shown as a gap", acts(mailIn(day(0), buyer), mailOut(day(2), buyer), mailIn(day(25), buyer)), nil, nil, 26,
			[]Gap{{From: day(2), To: day(25), Days: 23}}, []int64{3}},
		{"a gap fully covered by a mailbox outage", acts(mailIn(day(0), buyer), mailOut(day(10), buyer), mailIn(day(35), buyer)), mailboxDown, nil, 36,
			[]Gap{{From: day(10), To: day(35), Days: 25, Covered: true}}, []int64{3}},
		{"an outage elsewhere does not cover", acts(mailIn(day(40), buyer), mailIn(day(60), buyer)), mailboxDown, nil, 61,
			[]Gap{{From: day(40), To: day(60), Days: 20}}, []int64{2}},
		{"exactly the threshold is a gap", acts(mailIn(day(0), buyer), mailOut(day(14), buyer)), nil, nil, 15,
			[]Gap{{From: day(0), To: day(14), Days: 14}}, []int64{2}},
		{"a minute short is not", acts(mailIn(day(0), buyer), mailOut(day(14).Add(-time.Minute), buyer)), nil, nil, 15,
			nil, nil},
		{"notes, internal mail and meetings that did not happen do not break a silence", acts(
			mailIn(day(0), buyer), note(day(5)), mailInternal(day(6)),
			meeting(day(8), true, attendee(buyer, model.PartAccepted)),
			meeting(day(9), false, attendee(buyer, model.PartDeclined)),
			mailOut(day(20), buyer)), nil, nil, 21,
			[]Gap{{From: day(0), To: day(20), Days: 20}}, []int64{6}},
		{"a held meeting and a call do", acts(mailIn(day(0), buyer), meeting(day(10), false, attendee(buyer, model.PartAccepted)),
			call(day(20)), mailOut(day(30), buyer)), nil, nil, 31, nil, nil},
		{"a gap before the mailbox was synced", acts(mailOut(day(0), buyer), mailIn(day(20), buyer)), nil,
			[]Coverage{{Source: "mailbox:rep1@ourco.example", From: day(5)}}, 21,
			[]Gap{{From: day(0), To: day(20), Days: 20, Covered: true}}, []int64{2}},
		{"the silence up to now", acts(mailIn(day(0), buyer), mailOut(day(3), buyer)), nil, nil, 30,
			[]Gap{{From: day(3), To: day(30), Days: 27}}, nil},
		{"the silence up to now, during an outage", acts(mailIn(day(0), buyer)), []Span{{From: day(20), Source: "mailbox:rep1@ourco.example", Why: "failing: timeout"}}, nil, 30,
			[]Gap{{From: day(0), To: day(30), Days: 30, Covered: true}}, nil},
		{"a future meeting does not end the silence", acts(mailIn(day(0), buyer), meeting(day(40), false, attendee(buyer, model.PartAccepted))), nil, nil, 20,
			[]Gap{{From: day(0), To: day(20), Days: 20}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl := Build(tt.acts, team, tt.outages, tt.coverage, opts(tt.now))
			if !reflect.DeepEqual(tl.Gaps, tt.want) {
				t.Fatalf("Gaps =\n %+v, want\n %+v", tl.Gaps, tt.want)
			}
			var ends []int64
			for _, it := range items(tl) {
				if it.GapBefore == nil {
					continue
				}
				ends = append(ends, it.Activity.ID)
				if *it.GapBefore != tl.Gaps[len(ends)-1] {
					t.Errorf("item %d: GapBefore %+v, want %+v", it.Activity.ID, *it.GapBefore, tl.Gaps[len(ends)-1])
				}
			}
			if !reflect.DeepEqual(ends, tt.endsAt) {
				t.Errorf("gaps end at items %v, want %v", ends, tt.endsAt)
			}
		})
	}
}

func TestOutages(t *testing.T) {
	const mbox, cal = "mailbox:rep1@ourco.example", "calendar:rep1"
	story := acts(mailIn(day(0), buyer), mailOut(day(50), buyer)) // spans day 0 to now, day 60
	tests := []struct {
		name     string
		outages  []Span
		coverage []Coverage
		want     []Span
	}{
		{"a mailbox synced after the deal began: the early period is not yet synced", nil,
			[]Coverage{{Source: mbox, From: day(20)}, {Source: cal, From: day(-30)}},
			[]Span{{From: day(0), To: day(20), Source: mbox, Why: NotYetSynced}}},
		{"unknown coverage shades nothing", nil, []Coverage{{Source: mbox}}, nil},
		{"overlapping failures of one source merge", []Span{
			{From: day(10), To: day(15), Source: mbox, Why: "failing: timeout"},
			{From: day(5), To: day(12), Source: mbox, Why: "failing: timeout"},
			{From: day(15), To: day(16), Source: mbox, Why: "failing: timeout"},
			{From: day(30), To: day(31), Source: mbox, Why: "failing: timeout"},
		}, nil, []Span{
			{From: day(5), To: day(16), Source: mbox, Why: "failing: timeout"},
			{From: day(30), To: day(31), Source: mbox, Why: "failing: timeout"},
		}},
		{"different sources or reasons stay apart", []Span{
			{From: day(10), To: day(15), Source: mbox, Why: "failing: timeout"},
			{From: day(11), To: day(14), Source: cal, Why: "failing: timeout"},
			{From: day(12), To: day(13), Source: mbox, Why: "failing: login refused"},
		}, nil, []Span{
			{From: day(10), To: day(15), Source: mbox, Why: "failing: timeout"},
			{From: day(11), To: day(14), Source: cal, Why: "failing: timeout"},
			{From: day(12), To: day(13), Source: mbox, Why: "failing: login refused"},
		}},
		{"clipped to the timeline; a still-open outage runs to now", []Span{
			{From: day(-10), To: day(3), Source: mbox, Why: "failing: timeout"},
			{From: day(-10), To: day(-5), Source: cal, Why: "failing: timeout"},
			{From: day(55), Source: cal, Why: "failing: 500"},
			{From: day(70), To: day(80), Source: mbox, Why: "failing: timeout"},
		}, nil, []Span{
			{From: day(0), To: day(3), Source: mbox, Why: "failing: timeout"},
			{From: day(55), To: day(60), Source: cal, Why: "failing: 500"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl := Build(story, team, tt.outages, tt.coverage, opts(60))
			if !reflect.DeepEqual(tl.Outages, tt.want) {
				t.Errorf("Outages =\n %+v, want\n %+v", tl.Outages, tt.want)
			}
		})
	}
}

func TestWeeks(t *testing.T) {
	// Wednesday 7 Jan: its week starts Monday 5 Jan 00:00 UTC.
	monday := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	a := acts(mailIn(day(2), buyer), mailOut(day(2), buyer), mailOut(day(3), buyer), mailInternal(day(4)), note(day(4)),
		mailIn(day(23), buyer), meeting(day(24), false, attendee(buyer, model.PartAccepted)))
	tl := Build(a, team, []Span{{From: day(8), To: day(9), Source: "mailbox:x", Why: "failing: x"}}, nil, opts(37))
	want := []Week{
		{Start: monday, Inbound: 1, Outbound: 2},
		{Start: monday.AddDate(0, 0, 7), Outage: true},
		{Start: monday.AddDate(0, 0, 14)},
		{Start: monday.AddDate(0, 0, 21), Inbound: 1, Meetings: 1},
		{Start: monday.AddDate(0, 0, 28)},
		{Start: monday.AddDate(0, 0, 35)}, // now's week
	}
	if !reflect.DeepEqual(tl.Weeks, want) {
		t.Errorf("Weeks =\n %+v, want\n %+v", tl.Weeks, want)
	}

	// Six years of monthly mail keep the latest MaxWeeks weeks.
	var long []model.Activity
	for m := range 72 {
		long = append(long, mailIn(t0.AddDate(0, m, 0), buyer))
	}
	tl = Build(acts(long...), team, nil, nil, Options{Now: t0.AddDate(6, 0, 0)})
	if len(tl.Weeks) != MaxWeeks {
		t.Fatalf("%d weeks, want %d", len(tl.Weeks), MaxWeeks)
	}
	last := tl.Weeks[MaxWeeks-1].Start
	if !last.Equal(weekStart(t0.AddDate(6, 0, 0))) || last.Weekday() != time.Monday {
		t.Errorf("last week starts %v, want now's Monday", last)
	}
	total := 0
	for _, w := range tl.Weeks {
		total += w.Inbound
	}
	if total < 55 || total > 61 {
		t.Errorf("%d emails in the last five years, want about 60", total)
	}
}

func TestMonths(t *testing.T) {
	a := acts(mailIn(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), buyer), mailOut(time.Date(2026, 1, 31, 23, 59, 0, 0, time.UTC), buyer),
		note(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)), mailIn(time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), buyer),
		note(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)))
	a[0].ID, a[4].ID = 6, 5 // at the same time: by ID, whatever the input order
	tl := Build(a, team, nil, nil, Options{Now: time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)})
	var got [][]int64
	var starts []time.Time
	for _, m := range tl.Months {
		starts = append(starts, m.Start)
		var ids []int64
		for _, it := range m.Items {
			ids = append(ids, it.Activity.ID)
		}
		got = append(got, ids)
	}
	wantStarts := []time.Time{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
	if !reflect.DeepEqual(starts, wantStarts) || !reflect.DeepEqual(got, [][]int64{{4, 2}, {3, 5, 6}}) {
		t.Errorf("months %v with items %v, want %v with [[4 2] [3 5 6]]", starts, got, wantStarts)
	}
}

func TestZeroActivities(t *testing.T) {
	tl := Build(nil, team, []Span{{From: day(0), To: day(3), Source: "x", Why: "failing: x"}},
		[]Coverage{{Source: "x", From: day(1)}}, opts(10))
	if !reflect.DeepEqual(tl, Timeline{Staleness: Staleness{DaysSilent: -1}}) {
		t.Errorf("Build(nil) = %+v, want an empty timeline, never silent", tl)
	}
}

func TestBuildDeterministic(t *testing.T) {
	a := generate(800)
	want := Build(a, team, nil, []Coverage{{Source: "mailbox:rep1", From: day(30)}}, opts(400))
	shuffled := append([]model.Activity(nil), a...)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	got := Build(shuffled, team, nil, []Coverage{{Source: "mailbox:rep1", From: day(30)}}, opts(400))
	if !reflect.DeepEqual(got, want) {
		t.Error("Build depends on the order of its input")
	}
	if len(want.Gaps) == 0 || len(want.Stakeholders) < 3 || len(want.Outages) != 1 {
		t.Errorf("generated deal too plain to compare: %d gaps, %d stakeholders, %d outages",
			len(want.Gaps), len(want.Stakeholders), len(want.Outages))
	}
}
