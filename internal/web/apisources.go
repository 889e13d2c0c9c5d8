package web

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// apiSource is the sync status of one mailbox or calendar.
type apiSource struct {
	Source        string  `json:"source"`
	Kind          string  `json:"kind"`
	Name          string  `json:"name"`
	Owner         string  `json:"owner"`
	OK            bool    `json:"ok"`
	LastSuccessAt apiTime `json:"last_success_at"`
	LastAttemptAt apiTime `json:"last_attempt_at"`
	NextPollAt    apiTime `json:"next_poll_at"`
	ErrorCount    int     `json:"error_count"`
	LastError     string  `json:"last_error"`
	Items         int64   `json:"items"`
}

// apiSourcesResponse is the body of GET /api/v1/sources.
type apiSourcesResponse struct {
	Sources []apiSource `json:"sources"`
}

// apiSources lists each source's sync status (GET /api/v1/sources).
func (s *Server) apiSources(c *gin.Context) {
	views, err := s.sourceViews(c.Request.Context())
	if err != nil {
		s.internalError(c, "reading the sync status", err)
		return
	}
	out := apiSourcesResponse{Sources: make([]apiSource, len(views))}
	for i, v := range views {
		out.Sources[i] = apiSource{Source: v.Source, Kind: v.Kind, Name: v.Name, Owner: v.Owner, OK: v.OK,
			LastSuccessAt: apiTime(v.LastSuccessAt), LastAttemptAt: apiTime(v.LastAttemptAt),
			NextPollAt: apiTime(v.NextPollAt), ErrorCount: v.ErrorCount, LastError: v.LastError, Items: v.Items}
	}
	s.writeJSON(c, http.StatusOK, out)
}
