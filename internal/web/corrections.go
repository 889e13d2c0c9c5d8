package web

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/store"
)

// correctionsShown caps the rows of the corrections log.
const correctionsShown = 500

// correctionsPage is the log of people's corrections.
type correctionsPage struct {
	Page
	Deal, Actor string
	Rows        []model.Decision
	// Capped is set when older rows were left out.
	Capped bool
	Actors []string
	Deals  *dealList
}

// correctionsPage lists who changed what, when, from and to (GET
// /corrections), filtered by ?deal=ID and ?actor=EMAIL.
func (s *Server) correctionsPage(c *gin.Context) {
	ctx := c.Request.Context()
	f := store.DecisionFilter{DealID: strings.TrimSpace(c.Query("deal")),
		Actor: strings.ToLower(strings.TrimSpace(c.Query("actor"))), Limit: correctionsShown + 1}
	rows, err := s.st.Decisions(ctx, f)
	if err != nil {
		s.internalError(c, "reading the corrections", err)
		return
	}
	deals, err := s.dealList(ctx)
	if err != nil {
		s.internalError(c, "reading the deals", err)
		return
	}
	users, err := s.st.Users(ctx)
	if err != nil {
		s.internalError(c, "reading the users", err)
		return
	}
	p := correctionsPage{Page: s.page(c, "Corrections", "corrections"), Deal: f.DealID, Actor: f.Actor, Deals: deals}
	if len(rows) > correctionsShown {
		rows, p.Capped = rows[:correctionsShown], true
	}
	p.Rows = rows
	for _, u := range users {
		p.Actors = append(p.Actors, u.Email)
	}
	s.render(c, http.StatusOK, "corrections.html", p)
}

// DealName is the name of the deal id, for the log's from and to.
func (p correctionsPage) DealName(id string) string {
	d, _ := p.Deals.deal(id)
	return d.Name
}
