package web

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// healthTimeout bounds the database check of /healthz.
const healthTimeout = 2 * time.Second

// healthz answers "ok" when the database answers (GET /healthz). It needs
// no login and tells nothing else.
func (s *Server) healthz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), healthTimeout)
	defer cancel()
	c.Header("Cache-Control", "no-store")
	if _, err := s.st.SourceStates(ctx); err != nil {
		s.logger.Error("health check failed", "err", err)
		c.String(http.StatusServiceUnavailable, "database unavailable\n")
		return
	}
	c.String(http.StatusOK, "ok\n")
}
