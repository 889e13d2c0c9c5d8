package timeline

import (
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
)

func TestBuildStaleness(t *testing.T) {
	// The customer asked for the contract on day 0; the rep sent it and
	// kept following up for 30 days without an answer.
	wentDark := acts(
		mailOut(day(-20), buyer), mailIn(day(-18), buyer), meeting(day(-10), false, attendee(buyer, model.PartAccepted)),
		mailIn(day(0), buyer), // "please send the contract"
		mailOut(day(1), buyer), mailOut(day(8), buyer), mailOut(day(15), buyer), mailOut(day(22), buyer), mailOut(day(30), buyer),
	)
	tests := []struct {
		name string
		acts []model.Activity
		opts Options
		want Staleness
	}{
		{"went dark after asking for the contract", wentDark, opts(31),
			Staleness{LastCustomer: day(0), LastTeam: day(30), DaysSilent: 31, GoneDark: true, FollowUps: 5}},
		{"no now: as of the last activity", wentDark, Options{},
			Staleness{LastCustomer: day(0), LastTeam: day(30), DaysSilent: 30, GoneDark: true, FollowUps: 5}},
		{"twenty days of silence is not yet dark", wentDark, Options{Now: day(20).Add(23 * time.Hour)},
			Staleness{LastCustomer: day(0), LastTeam: day(15), DaysSilent: 20, FollowUps: 3}},
		{"a custom threshold", wentDark, Options{Now: day(31), GoneDarkAfter: 40 * 24 * time.Hour},
			Staleness{LastCustomer: day(0), LastTeam: day(30), DaysSilent: 31, FollowUps: 5}},
		{"a won deal never goes dark", wentDark, Options{Now: day(31), Status: model.DealWon},
			Staleness{LastCustomer: day(0), LastTeam: day(30), DaysSilent: 31, FollowUps: 5}},
		{"both sides quiet: silent, not dark", acts(mailOut(day(0), buyer), mailIn(day(1), buyer)), opts(60),
			Staleness{LastCustomer: day(1), LastTeam: day(0), DaysSilent: 59}},
		{"a held meeting is the customer's last word", acts(mailIn(day(0), buyer), mailOut(day(2), buyer),
			meeting(day(5), false, attendee(buyer, model.PartAccepted)), mailOut(day(6), buyer)), opts(10),
			Staleness{LastCustomer: day(5), LastTeam: day(6), DaysSilent: 5, FollowUps: 1}},
		{"cancelled, declined and future meetings are not", acts(mailIn(day(0), buyer), mailOut(day(1), buyer),
			meeting(day(25), true, attendee(buyer, model.PartAccepted)),
			meeting(day(26), false, attendee(buyer, model.PartDeclined)),
			meeting(day(40), false, attendee(buyer, model.PartAccepted))), opts(30),
			Staleness{LastCustomer: day(0), LastTeam: day(1), DaysSilent: 30, GoneDark: true, FollowUps: 1}},
		{"a logged call is customer contact", acts(mailIn(day(0), buyer), mailOut(day(3), buyer), call(day(20)),
			mailOut(day(21), buyer)), opts(30),
			Staleness{LastCustomer: day(20), LastTeam: day(21), DaysSilent: 10, FollowUps: 1}},
		{"notes and internal mail are nobody's word", acts(mailIn(day(0), buyer), mailOut(day(1), buyer),
			note(day(20)), mailInternal(day(22))), opts(30),
			Staleness{LastCustomer: day(0), LastTeam: day(1), DaysSilent: 30, GoneDark: true, FollowUps: 1}},
		{"cold outreach never answered has not gone dark", acts(mailOut(day(0), buyer), mailOut(day(7), buyer)), opts(60),
			Staleness{LastTeam: day(7), DaysSilent: -1, FollowUps: 2}},
		{"mail dated after now does not count yet", acts(mailIn(day(0), buyer), mailOut(day(1), buyer), mailIn(day(40), buyer)), opts(30),
			Staleness{LastCustomer: day(0), LastTeam: day(1), DaysSilent: 30, GoneDark: true, FollowUps: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Build(tt.acts, team, nil, nil, tt.opts).Staleness
			if got != tt.want {
				t.Errorf("Staleness =\n %+v, want\n %+v", got, tt.want)
			}
		})
	}
}

func TestAssess(t *testing.T) {
	now := day(40)
	tests := []struct {
		name                   string
		status                 model.DealStatus
		inbound, met, outbound time.Time
		opts                   Options
		wantLast               time.Time
		wantDays               int
		wantDark               bool
	}{
		{"open, customer silent 30 days, team wrote after", model.DealOpen, day(10), time.Time{}, day(35), Options{Now: now}, day(10), 30, true},
		{"won: never gone dark", model.DealWon, day(10), time.Time{}, day(35), Options{Now: now}, day(10), 30, false},
		{"lost: never gone dark", model.DealLost, day(10), time.Time{}, day(35), Options{Now: now}, day(10), 30, false},
		{"empty status counts as open", "", day(10), time.Time{}, day(35), Options{Now: now}, day(10), 30, true},
		{"a later meeting is the last word", model.DealOpen, day(10), day(30), day(35), Options{Now: now}, day(30), 10, false},
		{"team silent since", model.DealOpen, day(10), time.Time{}, day(5), Options{Now: now}, day(10), 30, false},
		{"exactly at the threshold", model.DealOpen, day(19), time.Time{}, day(30), Options{Now: now}, day(19), 21, true},
		{"a minute short of it", model.DealOpen, day(19).Add(time.Minute), time.Time{}, day(30), Options{Now: now}, day(19).Add(time.Minute), 20, false},
		{"whole days round down", model.DealOpen, now.Add(-47 * time.Hour), time.Time{}, time.Time{}, Options{Now: now}, now.Add(-47 * time.Hour), 1, false},
		{"custom threshold", model.DealOpen, day(30), time.Time{}, day(35), Options{Now: now, GoneDarkAfter: 7 * 24 * time.Hour}, day(30), 10, true},
		{"never wrote or met", model.DealOpen, time.Time{}, time.Time{}, day(35), Options{Now: now}, time.Time{}, -1, false},
		{"last word after now (clock skew)", model.DealOpen, day(41), time.Time{}, day(35), Options{Now: now}, day(41), 0, false},
		{"no now: the latest time given", model.DealOpen, day(10), time.Time{}, day(35), Options{}, day(10), 25, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Assess(tt.status, tt.inbound, tt.met, tt.outbound, tt.opts)
			want := Staleness{LastCustomer: tt.wantLast, LastTeam: tt.outbound, DaysSilent: tt.wantDays, GoneDark: tt.wantDark}
			if got != want {
				t.Errorf("Assess =\n %+v, want\n %+v", got, want)
			}
		})
	}
}
