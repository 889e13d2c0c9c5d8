package web

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// apiDealsResponse is the body of GET /api/v1/deals.
type apiDealsResponse struct {
	Deals []apiDeal `json:"deals"`
}

// apiDeals lists the deals with their figures (GET /api/v1/deals), with
// the deals page's filters: owner, status, stage, q, sort.
func (s *Server) apiDeals(c *gin.Context) {
	list, err := s.dealList(c.Request.Context())
	if err != nil {
		s.internalError(c, "reading the deals", err)
		return
	}
	// The answer depends on the list and the query only: it is kept for
	// every caller while the list stands.
	key := "api\x00" + c.Request.URL.RequestURI()
	if body, ok := s.pageCache.get(key, list, nil); ok {
		writeJSONBody(c, http.StatusOK, body)
		return
	}
	rows := filterOf(c).apply(list)
	out := apiDealsResponse{Deals: make([]apiDeal, len(rows))}
	for i, d := range rows {
		out.Deals[i] = newAPIDeal(d)
	}
	body, err := encodeJSON(out)
	if err != nil {
		s.internalError(c, "writing the deals", err)
		return
	}
	s.pageCache.put(key, list, nil, body)
	writeJSONBody(c, http.StatusOK, body)
}
