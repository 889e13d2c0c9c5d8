package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/dealtrail/dealtrail/internal/model"
)

// userColumns are the columns scanUser reads, in its order.
const userColumns = `id, email, name, role, created_at`

// scanUser reads one row of userColumns, and then the extra destinations.
func scanUser(row interface{ Scan(...any) error }, extra ...any) (model.User, error) {
	var u model.User
	var created int64
	if err := row.Scan(append([]any{&u.ID, &u.Email, &u.Name, &u.Role, &created}, extra...)...); err != nil {
		return model.User{}, err
	}
	u.CreatedAt = unixTime(created)
	return u, nil
}

// normalEmail is how a login is stored and looked up: trimmed,
// lower-cased.
func normalEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// checkRole refuses a role that is not rep, leader or admin.
func checkRole(r model.UserRole) error {
	if !r.Valid() {
		return fmt.Errorf("role %q is not one of %s, %s, %s", r, model.Rep, model.Leader, model.Admin)
	}
	return nil
}

// AddUser adds a person who logs in to the UI, with the hash of their
// password (the web layer hashes; the store keeps it as given). The email
// is trimmed and lower-cased; the role must be rep, leader or admin. It
// fails with ErrExists when the email is taken, and returns the user with
// its ID and CreatedAt.
func (s *Store) AddUser(ctx context.Context, u model.User, passwordHash string) (model.User, error) {
	u.Email, u.Name = normalEmail(u.Email), strings.TrimSpace(u.Name)
	switch {
	case !strings.Contains(u.Email, "@"):
		return model.User{}, fmt.Errorf("add user: %q is not an email address", u.Email)
	case passwordHash == "":
		return model.User{}, fmt.Errorf("add user %s: no password hash", u.Email)
	}
	if err := checkRole(u.Role); err != nil {
		return model.User{}, fmt.Errorf("add user %s: %w", u.Email, err)
	}
	u.CreatedAt = unixTime(s.now().Unix())
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		taken, err := exists(ctx, tx, `SELECT 1 FROM users WHERE email = ?`, u.Email)
		if err != nil {
			return err
		}
		if taken {
			return ErrExists
		}
		return tx.QueryRowContext(ctx, `INSERT INTO users (email, name, role, password_hash, created_at)
			VALUES (?, ?, ?, ?, ?) RETURNING id`, u.Email, u.Name, u.Role, passwordHash, u.CreatedAt.Unix()).Scan(&u.ID)
	})
	if err != nil {
		return model.User{}, fmt.Errorf("add user %s: %w", u.Email, err)
	}
	return u, nil
}

// UpdateUser changes the name and role of the user with u.ID;
// ErrNotFound when there is none.
func (s *Store) UpdateUser(ctx context.Context, u model.User) error {
	if err := checkRole(u.Role); err != nil {
		return fmt.Errorf("update user %d: %w", u.ID, err)
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET name = ?, role = ? WHERE id = ?`, strings.TrimSpace(u.Name), u.Role, u.ID)
		return oneRow(res, err, fmt.Sprintf("update user %d", u.ID))
	})
}

// SetPassword replaces a user's password hash and ends all their sessions;
// ErrNotFound when there is no such user.
func (s *Store) SetPassword(ctx context.Context, userID int64, passwordHash string) error {
	if passwordHash == "" {
		return fmt.Errorf("set password of user %d: no password hash", userID)
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, passwordHash, userID)
		if err := oneRow(res, err, fmt.Sprintf("set password of user %d", userID)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID); err != nil {
			return fmt.Errorf("end sessions of user %d: %w", userID, err)
		}
		return nil
	})
}

// oneRow checks that a statement changed a row: ErrNotFound when it
// changed none; what says what the statement did.
func oneRow(res sql.Result, err error, what string) error {
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return nil
}

// Users lists every user, by email.
func (s *Store) Users(ctx context.Context) ([]model.User, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	var out []model.User
	err := eachRow(ctx, s.read, `SELECT `+userColumns+` FROM users ORDER BY email`, nil, func(rows *sql.Rows) error {
		u, err := scanUser(rows)
		if err != nil {
			return err
		}
		out = append(out, u)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return out, nil
}

// UserByEmail returns the user with this login (trimmed, lower-cased) and
// their password hash; ErrNotFound when there is none.
func (s *Store) UserByEmail(ctx context.Context, email string) (model.User, string, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	email = normalEmail(email)
	var hash string
	u, err := scanUser(s.read.QueryRowContext(ctx, `SELECT `+userColumns+`, password_hash FROM users WHERE email = ?`, email), &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return model.User{}, "", fmt.Errorf("find user %s: %w", email, ErrNotFound)
	}
	if err != nil {
		return model.User{}, "", fmt.Errorf("find user %s: %w", email, err)
	}
	return u, hash, nil
}

// UserByID returns one user; ErrNotFound when there is none.
func (s *Store) UserByID(ctx context.Context, id int64) (model.User, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	u, err := scanUser(s.read.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return model.User{}, fmt.Errorf("find user %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return model.User{}, fmt.Errorf("find user %d: %w", id, err)
	}
	return u, nil
}
