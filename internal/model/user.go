package model

import "time"

// UserRole is what a person may do in the UI.
type UserRole string

// User roles, from the least to the most trusted.
const (
	// Rep works the review queue and the deals they own.
	Rep UserRole = "rep"
	// Leader reads every deal and who corrected what.
	Leader UserRole = "leader"
	// Admin also manages users, deals and tokens.
	Admin UserRole = "admin"
)

// Valid reports whether r is one of the known roles.
func (r UserRole) Valid() bool { return r == Rep || r == Leader || r == Admin }

// User is a person who logs in to the UI.
type User struct {
	ID int64
	// Email is the login, lower-cased.
	Email     string
	Name      string
	Role      UserRole
	CreatedAt time.Time
}
