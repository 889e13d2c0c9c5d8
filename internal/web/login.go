package web

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"golang.org/x/crypto/bcrypt"

	"github.com/dealtrail/dealtrail/internal/store"
)

// loginPage is the login form.
type loginPage struct {
	Page
	Email, Next string
}

// loginPage shows the login form (GET /login); someone already logged in
// goes on to where they wanted to go.
func (s *Server) loginPage(c *gin.Context) {
	next := localPath(c.Query("next"))
	if _, ok := authOf(c); ok {
		c.Redirect(http.StatusSeeOther, next)
		return
	}
	p := s.page(c, "Log in", "")
	if c.Query("out") == "1" {
		p.Flash = "You are logged out."
	}
	s.render(c, http.StatusOK, "login.html", loginPage{Page: p, Next: next})
}

// login checks an email and password (POST /login), throttled per account
// and per client address, and starts a session.
func (s *Server) login(c *gin.Context) {
	ctx := c.Request.Context()
	email := strings.ToLower(strings.TrimSpace(c.PostForm("email")))
	password := c.PostForm("password")
	next := localPath(c.PostForm("next"))
	form := loginPage{Page: s.page(c, "Log in", ""), Email: email, Next: next}
	if email == "" || password == "" {
		form.Error = "Enter your email and your password."
		s.render(c, http.StatusBadRequest, "login.html", form)
		return
	}
	now := s.now()
	keys := []string{"account:" + email, "ip:" + c.ClientIP()}
	if wait := s.throttle.wait(now, keys...); wait > 0 {
		s.logger.Warn("login throttled", "client_ip", c.ClientIP())
		secs := int(math.Ceil(wait.Seconds()))
		c.Header("Retry-After", strconv.Itoa(secs))
		form.Error = fmt.Sprintf("Too many failed logins. Try again in %s (after %s).",
			plural(int(math.Ceil(wait.Minutes())), "minute"), now.Add(wait).UTC().Format("15:04 UTC"))
		s.render(c, http.StatusTooManyRequests, "login.html", form)
		return
	}
	user, hash, err := s.st.UserByEmail(ctx, email)
	switch {
	case errors.Is(err, store.ErrNotFound):
		// Take as long as a real check, so timing does not tell which
		// emails have an account.
		_ = bcrypt.CompareHashAndPassword(s.dummyHash(), []byte(password))
	case err != nil:
		s.internalError(c, "checking the login", err)
		return
	default:
		err = bcrypt.CompareHashAndPassword([]byte(hash), []byte(password))
	}
	if err != nil {
		s.throttle.fail(now, keys, []int{maxFailures, ipFailures})
		s.logger.Info("login failed", "client_ip", c.ClientIP())
		form.Error = "Wrong email or password."
		s.render(c, http.StatusUnauthorized, "login.html", form)
		return
	}
	s.throttle.forget(keys[0])
	cookie := randomToken(32)
	sess := store.Session{Hash: HashToken(cookie), UserID: user.ID, CSRF: randomToken(32),
		CreatedAt: now, ExpiresAt: now.Add(s.opts.UI.SessionLifetime)}
	if err := s.st.CreateSession(ctx, sess); err != nil {
		s.internalError(c, "starting the session", err)
		return
	}
	if n, err := s.st.DeleteExpiredSessions(ctx, now); err != nil {
		s.logger.Warn("deleting expired sessions failed", "err", err)
	} else if n > 0 {
		s.logger.Info("expired sessions deleted", "sessions", n)
	}
	s.logger.Info("login", "user_id", user.ID)
	s.setSessionCookie(c, cookie)
	c.Redirect(http.StatusSeeOther, next)
}

// logout ends the session on the server and in the browser (POST
// /logout).
func (s *Server) logout(c *gin.Context) {
	a, _ := authOf(c)
	if a.cookieHash != "" {
		if err := s.st.DeleteSession(c.Request.Context(), a.cookieHash); err != nil {
			s.internalError(c, "ending the session", err)
			return
		}
	}
	s.clearSessionCookie(c)
	c.Redirect(http.StatusSeeOther, "/login?out=1")
}
