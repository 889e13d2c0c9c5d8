package web

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// dealPrint shows a deal's whole timeline on one printable page (GET
// /deals/:id/print): facts, chart, people, every activity and the
// corrections, without navigation or forms.
func (s *Server) dealPrint(c *gin.Context) {
	p, ok := s.dealTimelinePage(c, 0, true)
	if !ok {
		return
	}
	p.Title = p.Deal.Name + " (printable)"
	p.Printed = s.now()
	s.render(c, http.StatusOK, "print.html", p)
}
