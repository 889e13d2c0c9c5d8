package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/dealtrail/dealtrail/internal/export"
	"github.com/dealtrail/dealtrail/internal/model"
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
	shaped, err := exportActivities(ctx, acts)
	if err != nil {
		s.internalError(c, "reading the review queue", err)
		return
	}
	u := userOf(c)
	out := apiReviewResponse{Total: total, Offset: q.Offset, Items: make([]apiReviewItem, 0, len(acts))}
	for _, a := range acts {
		item := apiReviewItem{ReviewItem: export.ReviewItem{Activity: shaped[a.ID], Candidates: []string{}},
			Why: whyReview(a.Link), CanChange: s.canChangeActivity(u, a, deals)}
		if a.Link != nil {
			item.Candidates = append(item.Candidates, a.Link.Candidates...)
		}
		out.Items = append(out.Items, item)
	}
	s.writeJSON(c, http.StatusOK, out)
}

// listSource feeds export.Build given activities and the deals they are
// on.
type listSource struct {
	deals []model.Deal
	acts  []model.Activity
}

// Deals returns the deals.
func (l listSource) Deals(context.Context) ([]model.Deal, error) { return l.deals, nil }

// Activities returns the activities.
func (l listSource) Activities(context.Context) ([]model.Activity, error) { return l.acts, nil }

// exportActivities shapes activities as the export does, by ID.
func exportActivities(ctx context.Context, acts []model.Activity) (map[int64]export.Activity, error) {
	// Build places a linked activity under its deal: name each deal.
	src, seen := listSource{acts: acts}, map[string]bool{}
	for _, a := range acts {
		if a.Link != nil && a.Link.Linked() && !seen[a.Link.DealID] {
			seen[a.Link.DealID] = true
			src.deals = append(src.deals, model.Deal{ID: a.Link.DealID})
		}
	}
	doc, err := export.Build(ctx, src, "")
	if err != nil {
		return nil, err
	}
	out := make(map[int64]export.Activity, len(acts))
	for _, d := range doc.Deals {
		for _, a := range d.Activities {
			out[a.ID] = a
		}
	}
	for _, r := range doc.Review {
		out[r.ID] = r.Activity
	}
	for _, a := range doc.Unlinked {
		out[a.ID] = a
	}
	return out, nil
}
