package web

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/store"
	"github.com/dealtrail/dealtrail/internal/timeline"
)

// itemsShown is how many activities a timeline page shows at once.
const itemsShown = 200

// dealPage is a deal's timeline.
type dealPage struct {
	Page
	Deal store.DealSummary
	TL   *builtTimeline
	// Months holds the activities shown, newest month first, newest
	// first within each month.
	Months []monthView
	// Silence is the silence running from the last word to now, if it
	// is long enough to be a gap.
	Silence *timeline.Gap
	// Shown counts the activities on this page; OlderURL shows the next
	// older ones, NewestURL returns to the newest, AllURL shows all.
	Shown                       int
	OlderURL, NewestURL, AllURL string
	Corrections                 []model.Decision
	// Printed is when the printable page was made.
	Printed                           time.Time
	CanNote                           bool
	Note                              noteForm
	GoneDarkAfterDays, GapAtLeastDays int
	// Body is the "dealbody" part rendered, kept with the timeline.
	Body template.HTML
}

// dealPage shows a deal's timeline (GET /deals/:id): the newest
// itemsShown activities, ?before=ID for older ones, ?all=1 for all.
func (s *Server) dealPage(c *gin.Context) {
	before, _ := strconv.ParseInt(c.Query("before"), 10, 64)
	all := c.Query("all") == "1"
	list, err := s.dealList(c.Request.Context())
	if err != nil {
		s.internalError(c, "reading the deals", err)
		return
	}
	d, ok := list.deal(c.Param("id"))
	if !ok {
		// Not in the list kept in memory: look it up, and do not keep
		// the page.
		p, ok := s.dealTimelinePage(c, before, all)
		if ok {
			s.render(c, http.StatusOK, "deal.html", p)
		}
		return
	}
	tl, err := s.dealTimeline(c.Request.Context(), d.DealSummary)
	if err != nil {
		s.internalError(c, "building the timeline", err)
		return
	}
	s.renderCached(c, "deal.html", list, tl, func() (any, bool) { return s.buildDealPage(c, d, tl, before, all) })
}

// dealTimelinePage builds the timeline page of the deal in the path,
// showing the activities older than before (0: the newest), or all; on
// failure it has answered the request.
func (s *Server) dealTimelinePage(c *gin.Context, before int64, all bool) (dealPage, bool) {
	d, ok := s.findDeal(c)
	if !ok {
		return dealPage{}, false
	}
	return s.timelinePageOf(c, d, before, all)
}

// timelinePageOf builds the timeline page of deal d, as dealTimelinePage
// does; on failure it has answered the request.
func (s *Server) timelinePageOf(c *gin.Context, d dealRow, before int64, all bool) (dealPage, bool) {
	tl, err := s.dealTimeline(c.Request.Context(), d.DealSummary)
	if err != nil {
		s.internalError(c, "building the timeline", err)
		return dealPage{}, false
	}
	p, ok := s.buildDealPage(c, d, tl, before, all)
	if !ok {
		return dealPage{}, false
	}
	return p.(dealPage), true
}

// buildDealPage builds the timeline page of deal d; on failure it has
// answered the request.
func (s *Server) buildDealPage(c *gin.Context, d dealRow, tl *builtTimeline, before int64, all bool) (any, bool) {
	corrections, err := s.st.Decisions(c.Request.Context(), store.DecisionFilter{DealID: d.ID, Limit: 100})
	if err != nil {
		s.internalError(c, "reading the corrections", err)
		return nil, false
	}
	u := userOf(c)
	p := dealPage{
		Page: s.page(c, d.Name, "deals"), Deal: d.DealSummary, TL: tl,
		Corrections: corrections, CanNote: canAddNote(u, d.DealSummary),
		Note:              noteForm{Kind: string(model.KindNote), Date: s.now().UTC().Format(dateLayout)},
		GoneDarkAfterDays: int(s.opts.UI.GoneDarkAfter.Hours() / 24),
		GapAtLeastDays:    int(s.opts.UI.GapAtLeast.Hours() / 24),
	}
	base := "/deals/" + url.PathEscape(d.ID)
	var olderID int64
	p.Months, p.Shown, olderID = s.window(tl.Timeline, before, all)
	if olderID != 0 {
		p.OlderURL = base + "?before=" + strconv.FormatInt(olderID, 10)
		p.AllURL = base + "?all=1"
	}
	if before != 0 || all {
		p.NewestURL = base
	}
	if n := len(tl.Gaps); n > 0 && before == 0 && isOngoing(tl.Gaps[n-1], tl.Timeline) {
		p.Silence = &tl.Gaps[n-1]
	}
	key := fmt.Sprint(before, all, len(corrections))
	if len(corrections) > 0 {
		key += fmt.Sprint(" ", corrections[0].ID)
	}
	body, err := tl.body(key, func() (template.HTML, error) { return s.renderFragment("deal.html", "dealbody", p) })
	if err != nil {
		s.renderFailed(c, "deal.html", err)
		return nil, false
	}
	p.Body = body
	return p, true
}

// findDeal looks up the deal named in the path; on failure it has
// answered the request (404 for an unknown deal).
func (s *Server) findDeal(c *gin.Context) (dealRow, bool) {
	ctx := c.Request.Context()
	id := c.Param("id")
	list, err := s.dealList(ctx)
	if err != nil {
		s.internalError(c, "reading the deals", err)
		return dealRow{}, false
	}
	if d, ok := list.deal(id); ok {
		return d, true
	}
	// Imported since the list was read?
	d, err := s.st.DealSummary(ctx, id, s.now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.fail(c, http.StatusNotFound, "There is no deal with this ID.")
		return dealRow{}, false
	case err != nil:
		s.internalError(c, "reading the deal", err)
		return dealRow{}, false
	}
	return dealRow{DealSummary: d}, true
}

// isOngoing reports whether g is the silence from the last word to now:
// it ends after the timeline's last activity.
func isOngoing(g timeline.Gap, tl timeline.Timeline) bool {
	if len(tl.Months) == 0 {
		return false
	}
	items := tl.Months[len(tl.Months)-1].Items
	return g.To.After(items[len(items)-1].Activity.At)
}

// canAddNote reports whether u may add notes and calls to deal d:
// leaders and admins anywhere, reps on their own deals.
func canAddNote(u model.User, d store.DealSummary) bool {
	return isLead(u) || sameEmail(u.Email, d.Owner)
}
