package web

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/store"
)

// SessionCookie is the name of the session cookie.
const SessionCookie = "dealtrail_session"

// ctxAuth is the gin context key of the request's authInfo.
const ctxAuth = "dealtrail.auth"

// authInfo is who made a request and how they proved it.
type authInfo struct {
	user model.User
	// session is the browser session; nil for a bearer token.
	session *store.Session
	// cookieHash is the SHA-256 hex of the session cookie.
	cookieHash string
}

// byToken reports whether the request came with a bearer token.
func (a authInfo) byToken() bool { return a.session == nil }

// authOf returns the request's authInfo, if it was authenticated.
func authOf(c *gin.Context) (authInfo, bool) {
	v, ok := c.Get(ctxAuth)
	if !ok {
		return authInfo{}, false
	}
	a, ok := v.(authInfo)
	return a, ok
}

// userOf returns the authenticated user; the routes that call it run
// behind requireLogin or apiAuth.
func userOf(c *gin.Context) model.User {
	a, _ := authOf(c)
	return a.user
}

// randomToken returns n random bytes, base64url without padding.
func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand panics instead)
	return base64.RawURLEncoding.EncodeToString(b)
}

// NewAPIToken makes an API token ("dt_" and 32 random bytes) and the hash
// the store keeps of it.
func NewAPIToken() (token, hash string) {
	token = "dt_" + randomToken(32)
	return token, HashToken(token)
}

// HashToken is the SHA-256 hex of a session cookie or API token: what the
// store keeps instead of the secret.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// sessionAuth loads the session named by the cookie, if it is valid. It
// does not call c.Next, so apiAuth can use it too.
func (s *Server) sessionAuth(c *gin.Context) {
	cookie, err := c.Cookie(SessionCookie)
	if err != nil || cookie == "" {
		return
	}
	hash := HashToken(cookie)
	sess, user, err := s.st.SessionUser(c.Request.Context(), hash, s.now())
	switch {
	case err == nil:
		c.Set(ctxAuth, authInfo{user: user, session: &sess, cookieHash: hash})
	case errors.Is(err, store.ErrNotFound):
		// Expired or logged out: the browser is told to forget it.
		s.clearSessionCookie(c)
	default:
		s.logger.Error("session lookup failed", "err", err)
		s.fail(c, http.StatusServiceUnavailable, "The database is not answering. Try again in a moment.")
	}
}

// requireLogin sends an unauthenticated browser to the login page,
// remembering where it wanted to go.
func (s *Server) requireLogin(c *gin.Context) {
	if _, ok := authOf(c); ok {
		c.Next()
		return
	}
	next := c.Request.URL.RequestURI()
	if c.Request.Method != http.MethodGet {
		next = "/deals"
	}
	c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(next))
	c.Abort()
}

// apiAuth authenticates an API request by its bearer token or, failing
// that, its session cookie.
func (s *Server) apiAuth(c *gin.Context) {
	if h := c.GetHeader("Authorization"); h != "" {
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || strings.TrimSpace(token) == "" {
			s.failJSON(c, http.StatusUnauthorized, "Authorization must be \"Bearer TOKEN\"")
			return
		}
		user, err := s.st.TokenUser(c.Request.Context(), HashToken(strings.TrimSpace(token)))
		switch {
		case errors.Is(err, store.ErrNotFound):
			s.failJSON(c, http.StatusUnauthorized, "unknown API token")
			return
		case err != nil:
			s.logger.Error("token lookup failed", "err", err)
			s.failJSON(c, http.StatusServiceUnavailable, "the database is not answering")
			return
		}
		c.Set(ctxAuth, authInfo{user: user})
		c.Next()
		return
	}
	s.sessionAuth(c)
	if c.IsAborted() {
		return
	}
	if _, ok := authOf(c); !ok {
		s.failJSON(c, http.StatusUnauthorized, "authentication required: log in, or send Authorization: Bearer TOKEN (dealtrail tokens create)")
	}
}

// requireRole lets only users with one of roles through.
func (s *Server) requireRole(roles ...model.UserRole) gin.HandlerFunc {
	return func(c *gin.Context) {
		if slices.Contains(roles, userOf(c).Role) {
			c.Next()
			return
		}
		s.fail(c, http.StatusForbidden, "Only an admin can open this page.")
	}
}

// requireCSRF checks the session's CSRF token on every request that may
// change something: the form field csrf, or the X-CSRF-Token header for
// scripts. Requests with a bearer token carry no cookie and need none.
func (s *Server) requireCSRF(c *gin.Context) {
	switch c.Request.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		c.Next()
		return
	}
	a, ok := authOf(c)
	if !ok || a.byToken() {
		c.Next()
		return
	}
	token := c.GetHeader("X-CSRF-Token")
	if token == "" {
		token = c.PostForm("csrf")
	}
	if token == "" || subtle.ConstantTimeCompare([]byte(token), []byte(a.session.CSRF)) != 1 {
		s.logger.Warn("csrf token missing or wrong", "route", c.FullPath(), "user_id", a.user.ID)
		s.fail(c, http.StatusForbidden, "This form has expired or did not come from dealtrail. Reload the page and try again.")
		return
	}
	c.Next()
}

// secure reports whether the browser reached us over https: directly, or
// through a trusted proxy that says so.
func (s *Server) secure(c *gin.Context) bool {
	if c.Request.TLS != nil {
		return true
	}
	return s.fromTrustedProxy(c) && strings.EqualFold(c.GetHeader("X-Forwarded-Proto"), "https")
}

// setSessionCookie gives the browser its session.
func (s *Server) setSessionCookie(c *gin.Context, value string) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: SessionCookie, Value: value, Path: "/",
		MaxAge:   int(s.opts.UI.SessionLifetime.Seconds()),
		HttpOnly: true, Secure: s.secure(c), SameSite: http.SameSiteLaxMode,
	})
}

// clearSessionCookie tells the browser to drop its session cookie.
func (s *Server) clearSessionCookie(c *gin.Context) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.secure(c), SameSite: http.SameSiteLaxMode,
	})
}

// localPath returns p when it is a path on this site, else "/deals": a
// login link must never send anyone elsewhere.
func localPath(p string) string {
	if p == "" || p[0] != '/' || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\\r\n\t") {
		return "/deals"
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/deals"
	}
	return p
}
