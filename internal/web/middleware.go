package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// contentSecurityPolicy allows only the server's own scripts and styles:
// no inline script, style attribute or event handler can run.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// Body limits: forms and JSON, and a deals CSV upload.
const (
	maxForm   = 1 << 20
	maxUpload = 10 << 20
)

// securityHeaders sets the headers every response carries.
func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", contentSecurityPolicy)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("X-Frame-Options", "DENY")
		h.ServeHTTP(w, r)
	})
}

// crossOrigin refuses state-changing requests a browser sends from
// another site (Sec-Fetch-Site, Origin), before any handler runs.
func (s *Server) crossOrigin(h http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.logger.Warn("cross-origin request refused", "method", r.Method, "path", r.URL.Path)
		if strings.HasPrefix(r.URL.Path, "/api/") {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"error":"cross-origin request refused"}` + "\n"))
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte("Refused: this form was sent from another site. Open dealtrail directly and try again.\n"))
	}))
	return cop.Handler(h)
}

// observe logs each request and records its duration by route and code.
// It logs neither the query string nor any header: no cookie, token or
// password reaches a log line.
func (s *Server) observe(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	status := c.Writer.Status()
	elapsed := time.Since(start)
	s.metrics.observe(c.Request.Method, route, strconv.Itoa(status), elapsed)
	level := s.logger.Info
	if route == "/healthz" || route == "/metrics" || route == "/static/*file" {
		level = s.logger.Debug
	}
	var userID int64
	if a, ok := authOf(c); ok {
		userID = a.user.ID
	}
	level("http request", "method", c.Request.Method, "route", route, "status", status,
		"duration_ms", float64(elapsed.Microseconds())/1000, "client_ip", c.ClientIP(), "user_id", userID)
}

// recoverPanic turns a handler's panic into a 500 and a log line.
func (s *Server) recoverPanic(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.logger.Error("handler panicked", "route", c.FullPath(), "panic", v)
			s.fail(c, http.StatusInternalServerError, "Something went wrong on our side. It was logged.")
		}
	}()
	c.Next()
}

// limitBody caps what a request may send: a deals CSV upload up to
// maxUpload, anything else up to maxForm.
func limitBody(c *gin.Context) {
	if c.Request.Body != nil {
		limit := int64(maxForm)
		if strings.HasPrefix(c.GetHeader("Content-Type"), "multipart/form-data") {
			limit = maxUpload
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
	}
	c.Next()
}

// notFound answers a path no route takes.
func (s *Server) notFound(c *gin.Context) {
	s.fail(c, http.StatusNotFound, "There is no such page.")
}

// methodNotAllowed answers a known path asked with the wrong method.
func (s *Server) methodNotAllowed(c *gin.Context) {
	s.fail(c, http.StatusMethodNotAllowed, "This page does not take that kind of request.")
}
