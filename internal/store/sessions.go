package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
)

// Session is a logged-in browser. The web layer hashes the cookie value
// (SHA-256, hex); the store keeps hashes only. Times are kept to the
// second.
type Session struct {
	Hash      string // SHA-256 hex of the cookie value
	UserID    int64
	CSRF      string // the session's CSRF token (random, stored as is)
	CreatedAt time.Time
	ExpiresAt time.Time
}

// CreateSession stores a new session; ErrNotFound when its user does not
// exist, ErrExists when the hash is taken.
func (s *Store) CreateSession(ctx context.Context, sess Session) error {
	if sess.Hash == "" || sess.ExpiresAt.IsZero() {
		return errors.New("create session: a session needs a hash and an expiry")
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := checkUser(ctx, tx, sess.UserID); err != nil {
			return err
		}
		taken, err := exists(ctx, tx, `SELECT 1 FROM sessions WHERE hash = ?`, sess.Hash)
		if err != nil {
			return err
		}
		if taken {
			return ErrExists
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO sessions (hash, user_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
			sess.Hash, sess.UserID, sess.CSRF, unixSeconds(sess.CreatedAt), unixSeconds(sess.ExpiresAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("create session of user %d: %w", sess.UserID, err)
	}
	return nil
}

// checkUser fails with ErrNotFound when there is no user with this id.
func checkUser(ctx context.Context, tx *sql.Tx, id int64) error {
	ok, err := exists(ctx, tx, `SELECT 1 FROM users WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("look up user %d: %w", id, err)
	}
	if !ok {
		return fmt.Errorf("user %d: %w", id, ErrNotFound)
	}
	return nil
}

// SessionUser returns the session with this hash and its user, if it is
// still valid at now (now before ExpiresAt); ErrNotFound when it is
// missing or expired.
func (s *Store) SessionUser(ctx context.Context, hash string, now time.Time) (Session, model.User, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	sess := Session{Hash: hash}
	var created, expires int64
	u, err := scanUser(s.read.QueryRowContext(ctx, `SELECT u.id, u.email, u.name, u.role, u.created_at,
		  s.csrf, s.created_at, s.expires_at
		FROM sessions AS s CROSS JOIN users AS u ON u.id = s.user_id
		WHERE s.hash = ? AND s.expires_at > ?`, hash, now.Unix()), &sess.CSRF, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, model.User{}, fmt.Errorf("find session: %w", ErrNotFound)
	}
	if err != nil {
		return Session{}, model.User{}, fmt.Errorf("find session: %w", err)
	}
	sess.UserID, sess.CreatedAt, sess.ExpiresAt = u.ID, unixTime(created), unixTime(expires)
	return sess, u, nil
}

// DeleteSession ends a session (logging out); a session already gone is
// not an error.
func (s *Store) DeleteSession(ctx context.Context, hash string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE hash = ?`, hash); err != nil {
			return fmt.Errorf("delete session: %w", err)
		}
		return nil
	})
}

// DeleteExpiredSessions deletes the sessions expired at now (ExpiresAt at
// or before now) and returns how many.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error) {
	var n int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= ?`, now.Unix())
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	return int(n), nil
}
