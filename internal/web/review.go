package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"
)

// reviewPerPage is how many review items one page shows.
const reviewPerPage = 50

// reviewPage is the review queue.
type reviewPage struct {
	Page
	Items []reviewItem
	// Mine is set when the page shows only the user's items.
	Mine  bool
	Total int
	// From and To number the items shown (1-based).
	From, To         int
	PrevURL, NextURL string
	// OpenDeals are the choices offered for reassigning.
	OpenDeals []dealRef
	// Back is this page's URL, where decisions return to.
	Back string
}

// reviewPage lists the activities waiting for a decision (GET /review):
// ?who=mine|all (reps start with their own), ?offset=N.
func (s *Server) reviewPage(c *gin.Context) {
	p, ok := s.buildReviewPage(c, c.Query("who"), c.Query("offset"))
	if !ok {
		return
	}
	s.render(c, http.StatusOK, "review.html", p)
}

// buildReviewPage reads the review queue for the user; on failure it has
// answered the request.
func (s *Server) buildReviewPage(c *gin.Context, who, offsetParam string) (reviewPage, bool) {
	ctx := c.Request.Context()
	u := userOf(c)
	mine := who == "mine" || who == "" && !isLead(u)
	offset, _ := strconv.Atoi(offsetParam)
	offset = max(offset, 0)
	member := ""
	if mine {
		member = u.Email
	}
	acts, total, err := s.st.ReviewQueue(ctx, s.reviewQuery(member, reviewPerPage, offset))
	if err != nil {
		s.internalError(c, "reading the review queue", err)
		return reviewPage{}, false
	}
	deals, err := s.dealList(ctx)
	if err != nil {
		s.internalError(c, "reading the deals", err)
		return reviewPage{}, false
	}
	p := reviewPage{Page: s.page(c, "Review", "review"), Mine: mine, Total: total,
		From: offset + 1, To: offset + len(acts)}
	link := func(off int) string {
		v := url.Values{}
		if mine {
			v.Set("who", "mine")
		} else {
			v.Set("who", "all")
		}
		if off > 0 {
			v.Set("offset", strconv.Itoa(off))
		}
		return "/review?" + v.Encode()
	}
	p.Back = link(offset)
	if offset > 0 {
		p.PrevURL = link(max(offset-reviewPerPage, 0))
	}
	if offset+len(acts) < total {
		p.NextURL = link(offset + len(acts))
	}
	for _, a := range acts {
		p.Items = append(p.Items, s.newReviewItem(p.Page, a, deals, p.Back))
	}
	p.OpenDeals = deals.open()
	return p, true
}
