package web

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/dealtrail/dealtrail/internal/model"
)

// flashCookie carries a one-time message across a redirect (POST, then
// redirect, then GET).
const flashCookie = "dealtrail_flash"

// Page is what every page's layout shows: the title, the navigation, who
// is logged in, the CSRF token for its forms and any message.
type Page struct {
	Title string
	// Nav names the active navigation item.
	Nav  string
	User model.User
	CSRF string
	// Flash is the message of the last change; Error says what was wrong
	// with a form.
	Flash, Error string
	ReviewCount  int
}

// IsAdmin reports whether the user may open the admin pages.
func (p Page) IsAdmin() bool { return p.User.Role == model.Admin }

// page builds the common part of a page for the request's user, taking
// the flash message the last redirect left.
func (s *Server) page(c *gin.Context, title, nav string) Page {
	p := Page{Title: title, Nav: nav}
	a, ok := authOf(c)
	if !ok {
		return p
	}
	p.User = a.user
	if a.session != nil {
		p.CSRF = a.session.CSRF
	}
	if v, err := c.Cookie(flashCookie); err == nil && v != "" {
		if msg, err := base64.RawURLEncoding.DecodeString(v); err == nil {
			p.Flash = string(msg)
		}
		http.SetCookie(c.Writer, &http.Cookie{Name: flashCookie, Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	}
	n, err := s.reviewTotal(c.Request.Context(), a.user)
	if err != nil {
		s.logger.Warn("review count failed", "err", err)
	}
	p.ReviewCount = n
	return p
}

// redirectWithFlash answers a POST with a redirect to target (a local
// path) that shows msg once.
func (s *Server) redirectWithFlash(c *gin.Context, target, msg string) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: flashCookie, Value: base64.RawURLEncoding.EncodeToString([]byte(msg)), Path: "/",
		MaxAge: 60, HttpOnly: true, Secure: s.secure(c), SameSite: http.SameSiteLaxMode,
	})
	c.Redirect(http.StatusSeeOther, localPath(target))
}

// render writes the page template name with data. The page is rendered
// into a buffer first, so a template error is a clean 500.
func (s *Server) render(c *gin.Context, status int, name string, data any) {
	body, err := s.renderBytes(name, data)
	if err != nil {
		s.renderFailed(c, name, err)
		return
	}
	s.writeHTML(c, status, body)
}

// renderBytes renders the page template name with data.
func (s *Server) renderBytes(name string, data any) ([]byte, error) {
	var buf bytes.Buffer
	if err := s.pages.execute(&buf, name, data); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// renderFragment renders the template name of the page set page as HTML
// to put in another page.
func (s *Server) renderFragment(page, name string, data any) (template.HTML, error) {
	t, ok := s.pages.sets[page]
	if !ok {
		return "", fmt.Errorf("no template set %s", page)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		return "", err
	}
	return template.HTML(buf.String()), nil
}

// renderFailed logs a template error and answers 500.
func (s *Server) renderFailed(c *gin.Context, name string, err error) {
	s.logger.Error("render failed", "template", name, "err", err)
	c.Data(http.StatusInternalServerError, "text/plain; charset=utf-8", []byte("Something went wrong on our side. It was logged.\n"))
	c.Abort()
}

// writeHTML answers with a rendered page, never to be kept by the
// browser or a proxy (it holds the session's CSRF token).
func (s *Server) writeHTML(c *gin.Context, status int, body []byte) {
	c.Header("Cache-Control", "no-store")
	c.Data(status, "text/html; charset=utf-8", body)
}

// errorPage is the page of a refused or failed request.
type errorPage struct {
	Page
	Status  int
	Message string
}

// fail stops the request with status and a message: a page for the UI,
// JSON under /api/.
func (s *Server) fail(c *gin.Context, status int, msg string) {
	if strings.HasPrefix(c.Request.URL.Path, "/api/") {
		s.failJSON(c, status, msg)
		return
	}
	p := s.page(c, http.StatusText(status), "")
	s.render(c, status, "error.html", errorPage{Page: p, Status: status, Message: msg})
	c.Abort()
}

// failJSON stops an API request with status and {"error": msg}.
func (s *Server) failJSON(c *gin.Context, status int, msg string) {
	s.writeJSON(c, status, map[string]string{"error": msg})
	c.Abort()
}

// writeJSON writes v as JSON without HTML escaping (the content type
// keeps browsers from reading it as HTML).
func (s *Server) writeJSON(c *gin.Context, status int, v any) {
	body, err := encodeJSON(v)
	if err != nil {
		s.logger.Error("encode JSON failed", "err", err)
		c.Data(http.StatusInternalServerError, "application/json; charset=utf-8", []byte(`{"error":"internal error"}`+"\n"))
		return
	}
	writeJSONBody(c, status, body)
}

// encodeJSON encodes v as the API writes it.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// writeJSONBody answers with encoded JSON.
func writeJSONBody(c *gin.Context, status int, body []byte) {
	c.Header("Cache-Control", "no-store")
	c.Data(status, "application/json; charset=utf-8", body)
}

// internalError logs err and answers 500 without showing the error to
// the client.
func (s *Server) internalError(c *gin.Context, what string, err error) {
	s.logger.Error("request failed", "route", c.FullPath(), "what", what, "err", err)
	s.fail(c, http.StatusInternalServerError, "Something went wrong on our side while "+what+". It was logged.")
}
