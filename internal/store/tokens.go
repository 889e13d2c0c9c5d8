package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
)

// AddToken stores an API bearer token of a user by its hash (SHA-256,
// hex; the store never sees the token), with a name saying what it is
// for. ErrNotFound when the user does not exist, ErrExists when the hash
// is taken.
func (s *Store) AddToken(ctx context.Context, userID int64, hash, name string, now time.Time) error {
	if hash == "" {
		return fmt.Errorf("add token for user %d: no hash", userID)
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := checkUser(ctx, tx, userID); err != nil {
			return err
		}
		taken, err := exists(ctx, tx, `SELECT 1 FROM api_tokens WHERE hash = ?`, hash)
		if err != nil {
			return err
		}
		if taken {
			return ErrExists
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO api_tokens (hash, user_id, name, created_at) VALUES (?, ?, ?, ?)`,
			hash, userID, strings.TrimSpace(name), unixSeconds(now))
		return err
	})
	if err != nil {
		return fmt.Errorf("add token %q for user %d: %w", name, userID, err)
	}
	return nil
}

// TokenUser returns the user of the API token with this hash; ErrNotFound
// when there is none.
func (s *Store) TokenUser(ctx context.Context, hash string) (model.User, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	u, err := scanUser(s.read.QueryRowContext(ctx, `SELECT u.id, u.email, u.name, u.role, u.created_at
		FROM api_tokens AS t CROSS JOIN users AS u ON u.id = t.user_id WHERE t.hash = ?`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return model.User{}, fmt.Errorf("find token: %w", ErrNotFound)
	}
	if err != nil {
		return model.User{}, fmt.Errorf("find token: %w", err)
	}
	return u, nil
}
