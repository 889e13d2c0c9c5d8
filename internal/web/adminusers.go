package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"golang.org/x/crypto/bcrypt"

	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/store"
)

// Password and name rules for users.
const (
	MinPasswordLength = 10
	maxPasswordBytes  = 72 // bcrypt reads no further
	maxNameLength     = 200
)

// Roles lists the user roles, least to most.
var Roles = []model.UserRole{model.Rep, model.Leader, model.Admin}

// adminUsersPage lists the users with forms to add and change them.
type adminUsersPage struct {
	Page
	Users []model.User
	Roles []model.UserRole
	// Add holds the add form as filled in.
	Add userForm
	// ErrorUser names the user whose form Error is about (0: the add
	// form or none).
	ErrorUser int64
}

// userForm is the add form as filled in (never the password).
type userForm struct {
	Email, Name string
	Role        model.UserRole
}

// adminUsers lists users (GET /admin/users).
func (s *Server) adminUsers(c *gin.Context) {
	s.renderUsers(c, http.StatusOK, userForm{Role: model.Rep}, 0, "")
}

// adminUserAdd adds a user (POST /admin/users).
func (s *Server) adminUserAdd(c *gin.Context) {
	f := userForm{Email: strings.ToLower(strings.TrimSpace(c.PostForm("email"))),
		Name: strings.TrimSpace(c.PostForm("name")), Role: model.UserRole(c.PostForm("role"))}
	password := c.PostForm("password")
	problem := checkEmail(f.Email)
	if problem == "" {
		problem = checkUser(f.Name, f.Role)
	}
	if problem == "" {
		problem = CheckPassword(password)
	}
	if problem != "" {
		s.renderUsers(c, http.StatusUnprocessableEntity, f, 0, problem)
		return
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.opts.BcryptCost)
	if err != nil {
		s.internalError(c, "hashing the password", err)
		return
	}
	u, err := s.st.AddUser(c.Request.Context(), model.User{Email: f.Email, Name: f.Name, Role: f.Role}, string(hash))
	if errors.Is(err, store.ErrExists) {
		s.renderUsers(c, http.StatusUnprocessableEntity, f, 0, "email: a user with this email exists already")
		return
	} else if err != nil {
		s.internalError(c, "adding the user", err)
		return
	}
	s.logger.Info("user added", "new_user_id", u.ID, "role", string(u.Role), "user_id", userOf(c).ID)
	s.redirectWithFlash(c, "/admin/users", "User "+u.Email+" added as "+string(u.Role)+".")
}

// adminUserUpdate changes a user's name and role (POST /admin/users/:id).
// An admin cannot take away their own admin role.
func (s *Server) adminUserUpdate(c *gin.Context) {
	u, ok := s.pathUser(c)
	if !ok {
		return
	}
	u.Name, u.Role = strings.TrimSpace(c.PostForm("name")), model.UserRole(c.PostForm("role"))
	problem := checkUser(u.Name, u.Role)
	if problem == "" && u.ID == userOf(c).ID && u.Role != model.Admin {
		problem = "role: you cannot take away your own admin role; ask another admin"
	}
	if problem != "" {
		s.renderUsers(c, http.StatusUnprocessableEntity, userForm{Role: model.Rep}, u.ID, problem)
		return
	}
	if err := s.st.UpdateUser(c.Request.Context(), u); err != nil {
		s.internalError(c, "saving the user", err)
		return
	}
	s.logger.Info("user changed", "changed_user_id", u.ID, "role", string(u.Role), "user_id", userOf(c).ID)
	s.redirectWithFlash(c, "/admin/users", "User "+u.Email+" saved.")
}

// adminUserPassword sets a new password for a user, which logs them out
// everywhere (POST /admin/users/:id/password).
func (s *Server) adminUserPassword(c *gin.Context) {
	u, ok := s.pathUser(c)
	if !ok {
		return
	}
	password := c.PostForm("password")
	if problem := CheckPassword(password); problem != "" {
		s.renderUsers(c, http.StatusUnprocessableEntity, userForm{Role: model.Rep}, u.ID, problem)
		return
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.opts.BcryptCost)
	if err != nil {
		s.internalError(c, "hashing the password", err)
		return
	}
	if err := s.st.SetPassword(c.Request.Context(), u.ID, string(hash)); err != nil {
		s.internalError(c, "setting the password", err)
		return
	}
	s.logger.Info("password reset", "changed_user_id", u.ID, "user_id", userOf(c).ID)
	s.redirectWithFlash(c, "/admin/users", "New password set for "+u.Email+"; their sessions were ended.")
}

// pathUser reads the user named by the path; on failure it has answered.
func (s *Server) pathUser(c *gin.Context) (model.User, bool) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		s.fail(c, http.StatusNotFound, "There is no such user.")
		return model.User{}, false
	}
	u, err := s.st.UserByID(c.Request.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		s.fail(c, http.StatusNotFound, "There is no such user.")
		return model.User{}, false
	} else if err != nil {
		s.internalError(c, "reading the user", err)
		return model.User{}, false
	}
	return u, true
}

// renderUsers shows the users page with a problem about one form.
func (s *Server) renderUsers(c *gin.Context, status int, add userForm, errorUser int64, problem string) {
	users, err := s.st.Users(c.Request.Context())
	if err != nil {
		s.internalError(c, "reading the users", err)
		return
	}
	p := adminUsersPage{Page: s.page(c, "Admin: users", "admin"), Users: users, Roles: Roles, Add: add, ErrorUser: errorUser}
	if problem != "" {
		p.Error = "Nothing was changed: " + problem
	}
	s.render(c, status, "admin_users.html", p)
}

// checkEmail says what is wrong with a new user's email, or "".
func checkEmail(email string) string {
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email || a.Name != "" {
		return fmt.Sprintf("email: %q is not an email address", email)
	}
	return ""
}

// checkUser says what is wrong with a user's name or role, or "".
func checkUser(name string, role model.UserRole) string {
	if utf8.RuneCountInString(name) > maxNameLength {
		return fmt.Sprintf("name: at most %d characters", maxNameLength)
	}
	if !role.Valid() {
		return fmt.Sprintf("role: %q is not rep, leader or admin", role)
	}
	return ""
}

// CheckPassword says what is wrong with a new password, or "".
func CheckPassword(p string) string {
	switch {
	case utf8.RuneCountInString(p) < MinPasswordLength:
		return fmt.Sprintf("password: at least %d characters, please", MinPasswordLength)
	case len(p) > maxPasswordBytes:
		return fmt.Sprintf("password: at most %d bytes (bcrypt ignores the rest)", maxPasswordBytes)
	}
	return ""
}
