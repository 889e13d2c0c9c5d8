package store

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
)

// schema is the current schema, applied as one step to a new database.
//
//go:embed schema.sql
var schema string

// migrations upgrade a database from version i+1 to i+2 (version 1 is the
// first schema). The list is append-only: never edit a released entry.
// schema.sql must always equal version 1 plus every migration; a test
// checks it.
var migrations = []string{
	// 2: deals, their accounts, domains and contacts.
	`
CREATE TABLE accounts (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE
);
CREATE TABLE account_domains (
	domain TEXT PRIMARY KEY,
	account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE
);
CREATE INDEX account_domains_account ON account_domains(account_id);
CREATE TABLE deals (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	account_id INTEGER NOT NULL REFERENCES accounts(id),
	owner TEXT NOT NULL,
	stage TEXT NOT NULL,
	status TEXT NOT NULL CHECK (status IN ('open', 'won', 'lost')),
	amount REAL NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL,
	closed_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX deals_account ON deals(account_id);
CREATE TABLE deal_contacts (
	deal_id TEXT NOT NULL REFERENCES deals(id) ON DELETE CASCADE,
	email TEXT NOT NULL,
	PRIMARY KEY (deal_id, email)
) WITHOUT ROWID;
CREATE INDEX deal_contacts_email ON deal_contacts(email);
`,
}

// currentVersion is the schema version this binary writes.
var currentVersion = 1 + len(migrations)

// migrate brings db to currentVersion: a new database gets schema.sql, an
// older one its missing migrations. It all happens in one immediate
// transaction that reads the version under the write lock, so two
// processes opening a new database at once never both migrate it.
func migrate(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin migration: %w", err)
	}
	defer tx.Rollback()
	var version int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	switch {
	case version == currentVersion:
		return nil
	case version > currentVersion:
		return fmt.Errorf("database schema version %d is newer than this dealtrail (%d): upgrade dealtrail", version, currentVersion)
	case version == 0:
		if _, err := tx.ExecContext(ctx, schema); err != nil {
			return fmt.Errorf("create schema version %d: %w", currentVersion, err)
		}
	default:
		for v := version; v < currentVersion; v++ {
			if _, err := tx.ExecContext(ctx, migrations[v-1]); err != nil {
				return fmt.Errorf("migrate to version %d: %w", v+1, err)
			}
		}
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", currentVersion)); err != nil {
		return fmt.Errorf("record schema version %d: %w", currentVersion, err)
	}
	return tx.Commit()
}
