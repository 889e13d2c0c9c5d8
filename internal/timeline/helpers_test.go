package timeline

import (
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
)

// The team of every test: ourco.example; the customer is acme.example.
var team = model.NewTeam([]string{"ourco.example"}, []string{"rep1@ourco.example"})

const (
	rep    = "rep1@ourco.example"
	buyer  = "buyer@acme.example"
	cfo    = "cfo@acme.example"
	lawyer = "counsel@lawfirm.example"
)

// t0 is Monday 5 January 2026, 09:00 UTC: day 0 of every story.
var t0 = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// day is n days after t0.
func day(n int) time.Time { return t0.AddDate(0, 0, n) }

// acts numbers activities in the order given, so tests can name them by ID.
func acts(as ...model.Activity) []model.Activity {
	for i := range as {
		as[i].ID = int64(i + 1)
	}
	return as
}

// mailIn is an email from an outsider to the rep (and any others).
func mailIn(at time.Time, from string, cc ...string) model.Activity {
	ps := []model.Participant{{Email: from, Role: model.RoleFrom}, {Email: rep, Role: model.RoleTo}}
	for _, c := range cc {
		ps = append(ps, model.Participant{Email: c, Role: model.RoleCc})
	}
	return model.Activity{Kind: model.KindEmail, At: at, Direction: model.Inbound, Subject: "re: proposal", Participants: ps}
}

// mailOut is an email from the rep to outsiders.
func mailOut(at time.Time, to ...string) model.Activity {
	ps := []model.Participant{{Email: rep, Role: model.RoleFrom}}
	for _, t := range to {
		ps = append(ps, model.Participant{Email: t, Role: model.RoleTo})
	}
	return model.Activity{Kind: model.KindEmail, At: at, Direction: model.Outbound, Subject: "following up", Participants: ps}
}

// mailInternal is an email between colleagues.
func mailInternal(at time.Time) model.Activity {
	return model.Activity{Kind: model.KindEmail, At: at, Direction: model.Internal, Participants: []model.Participant{
		{Email: rep, Role: model.RoleFrom}, {Email: "boss@ourco.example", Role: model.RoleTo}}}
}

// attendee is a meeting attendee with an answer.
func attendee(email string, status model.PartStat) model.Participant {
	return model.Participant{Email: email, Role: model.RoleAttendee, Status: status}
}

// meeting is a meeting the rep organised with the attendees.
func meeting(at time.Time, cancelled bool, attendees ...model.Participant) model.Activity {
	ps := append([]model.Participant{{Email: rep, Role: model.RoleOrganizer}}, attendees...)
	return model.Activity{Kind: model.KindMeeting, At: at, Direction: model.Outbound, Subject: "weekly sync",
		Participants: ps,
		Meeting:      &model.Meeting{UID: "sync", Instance: at, Start: at, End: at.Add(time.Hour), Cancelled: cancelled}}
}

// note is a note the rep wrote.
func note(at time.Time) model.Activity {
	return model.Activity{Kind: model.KindNote, At: at, Direction: model.Internal, Subject: "thoughts",
		Participants: []model.Participant{{Email: rep, Role: model.RoleFrom}}}
}

// call is a call the rep logged with the people named.
func call(at time.Time, with ...string) model.Activity {
	ps := []model.Participant{{Email: rep, Role: model.RoleFrom}}
	for _, w := range with {
		ps = append(ps, model.Participant{Email: w, Role: model.RoleTo})
	}
	return model.Activity{Kind: model.KindCall, At: at, Subject: "call", Participants: ps}
}

// items flattens a timeline's months.
func items(tl Timeline) []Item {
	var out []Item
	for _, m := range tl.Months {
		out = append(out, m.Items...)
	}
	return out
}

// item finds the item of an activity by ID.
func item(t *testing.T, tl Timeline, id int64) Item {
	t.Helper()
	for _, it := range items(tl) {
		if it.Activity.ID == id {
			return it
		}
	}
	t.Fatalf("no item for activity %d", id)
	return Item{}
}

// stakeholder finds a stakeholder by address.
func stakeholder(t *testing.T, tl Timeline, email string) Stakeholder {
	t.Helper()
	for _, s := range tl.Stakeholders {
		if s.Email == email {
			return s
		}
	}
	t.Fatalf("no stakeholder %s in %+v", email, tl.Stakeholders)
	return Stakeholder{}
}

// opts is the options of a story whose present is day n.
func opts(n int) Options { return Options{Now: day(n)} }
