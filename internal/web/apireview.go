package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/dealtrail/dealtrail/internal/export"
)

// apiReviewItem is an activity waiting for a person, shaped as `dealtrail
// export` shapes activities, with its candidate deals (best first), why
// it waits, and whether the caller may decide it.
type apiReviewItem struct {
	export.ReviewItem
	Why       string `json:"why"`
	CanChange bool   `json:"can_change"`
}

// apiReviewResponse is the body of GET /api/v1/review.
type apiReviewResponse struct {
	Total  int             `json:"total"`
	Offset int             `json:"offset"`
	Items  []apiReviewItem `json:"items"`
}

// apiReview lists the review queue, newest first (GET /api/v1/review):
// ?owner=EMAIL keeps one member's items, ?limit (default 50, at most
// 500), ?offset.
func (s *Server) apiReview(c *gin.Context) {
	ctx := c.Request.Context()
	limit, _ := strconv.Atoi(c.Query("limit"))
	offset, _ := strconv.Atoi(c.Query("offset"))
	q := s.reviewQuery(strings.TrimSpace(c.Query("owner")), min(max(limit, 0), 500), max(offset, 0))
	acts, total, err := s.st.ReviewQueue(ctx, q)
	if err != nil {
		s.internalError(c, "reading the review queue", err)
		return
	}
	deals, err := s.dealList(ctx)
	if err != nil {
		s.internalError(c, "reading the deals", err)
		return
	}
	u := userOf(c)
	out := apiReviewResponse{Total: total, Offset: q.Offset, Items: make([]apiReviewItem, 0, len(acts))}
	for _, a := range acts {
		item := apiReviewItem{ReviewItem: export.ReviewItem{Activity: export.NewActivity(a), Candidates: []string{}},
			Why: whyReview(a.Link), CanChange: s.canChangeActivity(u, a, deals)}
		if a.Link != nil {
			item.Candidates = append(item.Candidates, a.Link.Candidates...)
		}
		out.Items = append(out.Items, item)
	}
	s.writeJSON(c, http.StatusOK, out)
}
