package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/store"
)

// activityPage explains one activity: how it was matched, why, to which
// candidates, and who changed it.
type activityPage struct {
	Page
	Item reviewItem
	// Audit lists the human decisions about the activity, newest first.
	Audit []model.Decision
	// Hidden is set for a private activity the user may not read.
	Hidden    bool
	OpenDeals []dealRef
}

// activityPage shows an activity and its match (GET /activities/:id),
// the "why?" of every timeline item, with the decision form.
func (s *Server) activityPage(c *gin.Context) {
	ctx := c.Request.Context()
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		s.fail(c, http.StatusNotFound, "There is no such activity.")
		return
	}
	a, deals, ok := s.activityAndDeals(c, id, "There is no such activity.")
	if !ok {
		return
	}
	audit, err := s.st.Decisions(ctx, store.DecisionFilter{ActivityID: id})
	if err != nil {
		s.internalError(c, "reading the corrections", err)
		return
	}
	p := activityPage{Page: s.page(c, "Activity "+strconv.FormatInt(id, 10), "")}
	p.Item = s.newReviewItem(p.Page, a, deals, "/activities/"+strconv.FormatInt(id, 10))
	p.Audit = audit
	// What a person marked private stays private but to those who may
	// change it.
	p.Hidden = a.Link != nil && a.Link.State == model.LinkPrivate && !p.Item.CanChange
	if p.Hidden {
		p.Item = reviewItem{A: model.Activity{ID: a.ID, Kind: a.Kind, At: a.At, Link: a.Link}}
	}
	if p.Item.CanChange {
		p.OpenDeals = deals.open()
	}
	s.render(c, http.StatusOK, "activity.html", p)
}

// activityAndDeals reads the activity id and the deals list; on failure
// it has answered the request (404 with notFound for an unknown activity).
func (s *Server) activityAndDeals(c *gin.Context, id int64, notFound string) (model.Activity, *dealList, bool) {
	ctx := c.Request.Context()
	a, err := s.st.Activity(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		s.fail(c, http.StatusNotFound, notFound)
		return model.Activity{}, nil, false
	} else if err != nil {
		s.internalError(c, "reading the activity", err)
		return model.Activity{}, nil, false
	}
	deals, err := s.dealList(ctx)
	if err != nil {
		s.internalError(c, "reading the deals", err)
		return model.Activity{}, nil, false
	}
	return a, deals, true
}
