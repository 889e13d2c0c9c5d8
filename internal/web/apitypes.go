package web

import (
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
)

// apiTime is a time in RFC 3339 UTC; null when zero.
type apiTime time.Time

// MarshalJSON writes "2026-03-01T09:00:00Z", or null for the zero time.
func (t apiTime) MarshalJSON() ([]byte, error) {
	tt := time.Time(t)
	if tt.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + tt.UTC().Format(time.RFC3339) + `"`), nil
}

// apiCounts are a deal's linked activities by kind and direction.
type apiCounts struct {
	Emails   int `json:"emails"`
	Meetings int `json:"meetings"`
	Notes    int `json:"notes"`
	Calls    int `json:"calls"`
	Inbound  int `json:"inbound"`
	Outbound int `json:"outbound"`
}

// apiDeal is a deal of GET /api/v1/deals.
type apiDeal struct {
	ID             string           `json:"id"`
	Name           string           `json:"name"`
	Account        string           `json:"account"`
	Owner          string           `json:"owner"`
	Stage          string           `json:"stage"`
	Status         model.DealStatus `json:"status"`
	LastInboundAt  apiTime          `json:"last_inbound_at"`
	LastOutboundAt apiTime          `json:"last_outbound_at"`
	LastMetAt      apiTime          `json:"last_met_at"`
	LastActivityAt apiTime          `json:"last_activity_at"`
	NextMeetingAt  apiTime          `json:"next_meeting_at"`
	// DaysSilent is the whole days since the customer last wrote or met;
	// null when they never did.
	DaysSilent *int      `json:"days_silent"`
	GoneDark   bool      `json:"gone_dark"`
	Counts     apiCounts `json:"counts"`
}

// newAPIDeal shapes a deal of the list.
func newAPIDeal(d *dealRow) apiDeal {
	out := apiDeal{ID: d.ID, Name: d.Name, Account: d.Account, Owner: d.Owner, Stage: d.Stage, Status: d.Status,
		LastInboundAt: apiTime(d.LastInbound), LastOutboundAt: apiTime(d.LastOutbound), LastMetAt: apiTime(d.LastMet),
		LastActivityAt: apiTime(d.LastActivity), NextMeetingAt: apiTime(d.NextMeeting), GoneDark: d.Stale.GoneDark,
		Counts: apiCounts{Emails: d.Emails, Meetings: d.Meetings, Notes: d.Notes, Calls: d.Calls,
			Inbound: d.Inbound, Outbound: d.Outbound}}
	if d.Stale.DaysSilent >= 0 {
		days := d.Stale.DaysSilent
		out.DaysSilent = &days
	}
	return out
}
