package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/dealtrail/dealtrail/internal/export"
)

// apiDealDetail is the body of GET /api/v1/deals/:id: the deal's figures,
// its activities shaped as `dealtrail export` shapes them, and what the
// timeline found.
type apiDealDetail struct {
	apiDeal
	// FollowUps counts the team's emails since the customer's last word.
	FollowUps    int               `json:"follow_ups"`
	Activities   []export.Activity `json:"activities"`
	Stakeholders []apiStakeholder  `json:"stakeholders"`
	Gaps         []apiGap          `json:"gaps"`
	Outages      []apiSpan         `json:"outages"`
}

// apiStakeholder is one of the customer's people.
type apiStakeholder struct {
	Email     string  `json:"email"`
	Name      string  `json:"name"`
	FirstSeen apiTime `json:"first_seen"`
	LastSeen  apiTime `json:"last_seen"`
	Emails    int     `json:"emails"`
	Meetings  int     `json:"meetings"`
	Quiet     bool    `json:"quiet"`
}

// apiGap is a silence in the conversation.
type apiGap struct {
	From    apiTime `json:"from"`
	To      apiTime `json:"to"`
	Days    int     `json:"days"`
	Covered bool    `json:"sources_failing"`
}

// apiSpan is a period a source of the team was failing or not synced.
type apiSpan struct {
	From   apiTime `json:"from"`
	To     apiTime `json:"to"`
	Source string  `json:"source"`
	Why    string  `json:"why"`
}

// apiDeal returns one deal with its timeline (GET /api/v1/deals/:id).
func (s *Server) apiDeal(c *gin.Context) {
	ctx := c.Request.Context()
	d, ok := s.findDeal(c)
	if !ok {
		return
	}
	tl, err := s.dealTimeline(ctx, d.DealSummary)
	if err != nil {
		s.internalError(c, "building the timeline", err)
		return
	}
	d.Stale = tl.Staleness
	out := apiDealDetail{apiDeal: newAPIDeal(&d), FollowUps: tl.Staleness.FollowUps, Activities: tl.exportActivities(d.ID),
		Stakeholders: []apiStakeholder{}, Gaps: []apiGap{}, Outages: []apiSpan{}}
	for _, p := range tl.Stakeholders {
		out.Stakeholders = append(out.Stakeholders, apiStakeholder{Email: p.Email, Name: p.Name,
			FirstSeen: apiTime(p.FirstSeen), LastSeen: apiTime(p.LastSeen), Emails: p.Emails, Meetings: p.Meetings, Quiet: p.Quiet})
	}
	for _, g := range tl.Gaps {
		out.Gaps = append(out.Gaps, apiGap{From: apiTime(g.From), To: apiTime(g.To), Days: g.Days, Covered: g.Covered})
	}
	for _, o := range tl.Outages {
		out.Outages = append(out.Outages, apiSpan{From: apiTime(o.From), To: apiTime(o.To), Source: o.Source, Why: o.Why})
	}
	s.writeJSON(c, http.StatusOK, out)
}
