package web

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// static serves /static/*file from the embedded files. A URL carrying the
// file's current version may be cached for a year; any other is
// revalidated.
func (s *Server) static(c *gin.Context) {
	name := strings.TrimPrefix(c.Param("file"), "/")
	version, ok := s.pages.versions[name]
	if !ok {
		s.notFound(c)
		return
	}
	if c.Query("v") == version {
		c.Header("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		c.Header("Cache-Control", "no-cache")
	}
	http.ServeFileFS(c.Writer, c.Request, s.pages.static, name)
}
