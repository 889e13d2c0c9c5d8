package web

import (
	"fmt"
	"html/template"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"
)

// dealsPerPage is how many deals one page of the list shows.
const dealsPerPage = 100

// dealsPage is the list of deals.
type dealsPage struct {
	Page
	Filter dealFilter
	// RowsHTML are the rows shown, rendered once per list (rowsHTML).
	RowsHTML       []template.HTML
	Owners, Stages []string
	// Total counts every deal; Matching those the filter keeps.
	Total, Matching int
	// From and To number the rows shown (1-based).
	From, To          int
	PrevURL, NextURL  string
	GoneDarkAfterDays int
}

// dealsPage lists the deals (GET /deals): filters owner, status, stage,
// search q, sort stale|name|last_activity, page.
func (s *Server) dealsPage(c *gin.Context) {
	list, err := s.dealList(c.Request.Context())
	if err != nil {
		s.internalError(c, "reading the deals", err)
		return
	}
	s.renderCached(c, "deals.html", list, nil, func() (any, bool) { return s.buildDealsPage(c, list) })
}

// buildDealsPage builds the deals list page of the request's filter; on
// failure it has answered the request.
func (s *Server) buildDealsPage(c *gin.Context, list *dealList) (any, bool) {
	f := filterOf(c)
	rows := f.apply(list)
	pageNum, start, end := pageOf(c, len(rows))
	p := dealsPage{
		Page:   s.page(c, "Deals", "deals"),
		Filter: f, Owners: list.owners, Stages: list.stages,
		Total: len(list.rows), Matching: len(rows), From: start + 1, To: end,
		GoneDarkAfterDays: int(s.opts.UI.GoneDarkAfter.Hours() / 24),
	}
	html, err := s.rowsHTML(list, rows[start:end])
	if err != nil {
		s.renderFailed(c, "deals.html", err)
		return nil, false
	}
	p.RowsHTML = html
	if start > 0 {
		p.PrevURL = f.url(pageNum - 1)
	}
	if end < len(rows) {
		p.NextURL = f.url(pageNum + 1)
	}
	return p, true
}

// pageOf reads the page number (?page=, 1 when absent) and returns it
// with the bounds of its rows among n, dealsPerPage to a page.
func pageOf(c *gin.Context, n int) (pageNum, start, end int) {
	pageNum, _ = strconv.Atoi(c.Query("page"))
	pageNum = max(pageNum, 1)
	// min(pageNum-1, n) keeps a huge ?page= from overflowing.
	start = min(min(pageNum-1, n)*dealsPerPage, n)
	return pageNum, start, min(start+dealsPerPage, n)
}

// dealRowView is a row of the deals table with its figures already
// written out: templates evaluate each action by reflection, so a page of
// 100 rows renders much faster with few, plain fields. Name, ID, Account
// and Stage come from outside and go through clean in the template.
type dealRowView struct {
	ID, Name, Account, Stage string
	URL, OwnerName, Status   string
	// Activity is "emails · meetings · notes · calls", ActivityTitle the
	// same in words, InOut "emails in / out".
	Activity, ActivityTitle, InOut         string
	LastInbound, LastOutbound, NextMeeting string
	// Silent is "12 days", "" when the customer never wrote or met.
	Silent   string
	GoneDark bool
}

// rowViews writes out rows for the deals table.
func (s *Server) rowViews(rows []*dealRow) []dealRowView {
	out := make([]dealRowView, len(rows))
	for i, r := range rows {
		v := dealRowView{ID: r.ID, Name: r.Name, Account: r.Account, Stage: r.Stage, URL: "/deals/" + url.PathEscape(r.ID),
			OwnerName: clean(s.nameOf(r.Owner)), Status: string(r.Status),
			Activity:      fmt.Sprintf("%d · %d · %d · %d", r.Emails, r.Meetings, r.Notes, r.Calls),
			ActivityTitle: fmt.Sprintf("%d emails, %d meetings, %d notes, %d calls", r.Emails, r.Meetings, r.Notes, r.Calls),
			InOut:         fmt.Sprintf("%d / %d", r.Inbound, r.Outbound),
			LastInbound:   formatDate(r.LastInbound), LastOutbound: formatDate(r.LastOutbound), NextMeeting: formatDate(r.NextMeeting),
			GoneDark: r.Stale.GoneDark}
		if r.Stale.DaysSilent >= 0 {
			v.Silent = plural(r.Stale.DaysSilent, "day")
		}
		out[i] = v
	}
	return out
}

// rowsHTML returns rows rendered, each once per list: the rows are the
// same for everyone, and rendering them is most of a page's cost.
func (s *Server) rowsHTML(l *dealList, rows []*dealRow) ([]template.HTML, error) {
	out := make([]template.HTML, len(rows))
	var missing []int
	l.mu.Lock()
	if l.html == nil {
		l.html = make([]template.HTML, len(l.rows))
	}
	for i, r := range rows {
		if out[i] = l.html[r.index]; out[i] == "" {
			missing = append(missing, i)
		}
	}
	l.mu.Unlock()
	if len(missing) == 0 {
		return out, nil
	}
	views := s.rowViews(rows)
	for _, i := range missing {
		h, err := s.renderFragment("deals.html", "dealrow", views[i])
		if err != nil {
			return nil, err
		}
		out[i] = h
	}
	l.mu.Lock()
	for _, i := range missing {
		l.html[rows[i].index] = out[i]
	}
	l.mu.Unlock()
	return out, nil
}

// filterOf reads the deals list's filter from the query.
func filterOf(c *gin.Context) dealFilter {
	return dealFilter{Owner: c.Query("owner"), Status: c.Query("status"), Stage: c.Query("stage"),
		Q: c.Query("q"), Sort: c.Query("sort")}.normalise()
}

// url is the deals list with this filter at page n.
func (f dealFilter) url(n int) string {
	v := url.Values{}
	for k, val := range map[string]string{"owner": f.Owner, "status": f.Status, "stage": f.Stage, "q": f.Q} {
		if val != "" {
			v.Set(k, val)
		}
	}
	if f.Sort != sortStale {
		v.Set("sort", f.Sort)
	}
	if n > 1 {
		v.Set("page", strconv.Itoa(n))
	}
	if len(v) == 0 {
		return "/deals"
	}
	return "/deals?" + v.Encode()
}
