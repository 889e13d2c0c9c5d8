package store

import (
	"context"
	"database/sql"
	_ "embed"
	"errors"
	"fmt"
	"time"

	"github.com/mattn/go-sqlite3"
)

// schema is the current schema, applied as one step to a new database.
//
//go:embed schema.sql
var schema string

// migration is one step of the schema: SQL, then optionally a Go function
// run in the same transaction for what SQL alone cannot do (such as a
// backfill computed in Go). The function sees the schema as of its own
// step, so it must only touch tables and columns that exist at that point.
type migration struct {
	sql string
	fn  func(ctx context.Context, tx *sql.Tx) error
}

// migrations upgrade a database from version i+1 to i+2 (version 1 is the
// first schema). The list is append-only: never edit a released entry, its
// SQL or its function. schema.sql must always equal version 1 plus the SQL
// of every migration (a test checks it); a new database gets schema.sql
// alone, so a function must only fill in data that an empty database does
// not have.
var migrations = []migration{
	// 2: deals, their accounts, domains and contacts.
	{sql: `
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
`},
	// 3: matching: links, the match queue, rules, decisions, the catalog
	// version, and the reversed domain of each participant.
	{sql: migration3, fn: backfillRDomains},
	// 4: calendar meetings: participants' answers, meeting details,
	// calendar sightings and the state of calendar feeds.
	{sql: migration4},
	// 5: the catalog version at which each deal last changed, so that a
	// matcher reloads only the deals that changed.
	{sql: `
ALTER TABLE deals ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
CREATE INDEX deals_version ON deals(version);
`},
	// 6: the web UI: users, sessions and API tokens; each deal's figures
	// and the review queue, kept up to date by the writes; source outages
	// and first successes; the time of each link.
	{sql: migration6, fn: backfillViews},
	// 7: each link's copy of its activity's kind and direction, so that
	// a deal's figures are recomputed from an index of its links alone;
	// no index of link states, which no query uses since the review
	// queue has its own table (it cost every link write).
	{sql: `
ALTER TABLE links ADD COLUMN kind TEXT NOT NULL DEFAULT '';
ALTER TABLE links ADD COLUMN direction TEXT NOT NULL DEFAULT '';
UPDATE links SET (kind, direction) = (SELECT kind, direction FROM activities WHERE id = links.activity_id);
DROP INDEX links_deal_at;
CREATE INDEX links_deal_at ON links(deal_id, at, kind, direction, met) WHERE deal_id IS NOT NULL;
DROP INDEX links_state;
`},
}

// currentVersion is the schema version this binary writes.
var currentVersion = 1 + len(migrations)

// migrate brings db to currentVersion: a new database gets schema.sql, an
// older one its missing migrations. It all happens in one immediate
// transaction that reads the version under the write lock, so two
// processes opening a new database at once never both migrate it.
func migrate(ctx context.Context, db *sql.DB) error {
	tx, err := beginMigration(ctx, db)
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
			m := migrations[v-1]
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("migrate to version %d: %w", v+1, err)
			}
			if m.fn != nil {
				if err := m.fn(ctx, tx); err != nil {
					return fmt.Errorf("migrate to version %d: %w", v+1, err)
				}
			}
		}
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", currentVersion)); err != nil {
		return fmt.Errorf("record schema version %d: %w", currentVersion, err)
	}
	return tx.Commit()
}

// beginMigration starts the migration transaction. While another process
// opens the same new database and switches it to WAL, BEGIN can fail with
// SQLITE_BUSY at once, without the busy timeout, so it is retried for a
// few seconds.
func beginMigration(ctx context.Context, db *sql.DB) (*sql.Tx, error) {
	for attempt := 1; ; attempt++ {
		tx, err := db.BeginTx(ctx, nil)
		var se sqlite3.Error
		if err == nil || !errors.As(err, &se) || se.Code != sqlite3.ErrBusy || attempt == 30 {
			return tx, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Duration(attempt) * 10 * time.Millisecond):
		}
	}
}

// migration3 adds matching:
//   - participants.rdomain: the address's domain with its labels reversed
//     ("x@mail.acme.example" → "example.acme.mail"), so that a domain and
//     its subdomains are one index range;
//   - links: where each activity stands with deals; deal_id is set exactly
//     when the state is auto or confirmed; decided_by is set for a human
//     decision, which the matcher never overwrites;
//   - match_queue: the activities waiting to be (re)matched, written in the
//     same transaction as the change that affects them; seq grows with
//     every enqueue of an activity, and at copies the activity's time so
//     that the queue is read in time order by its own index;
//   - rules: explicit address and domain rules; the unused one of address
//     and domain is the empty string, so UNIQUE (address, domain) holds;
//   - decisions: the audit trail of human changes;
//   - catalog: one row, the version bumped with every change to deals,
//     contacts, account domains or rules.
const migration3 = `
ALTER TABLE participants ADD COLUMN rdomain TEXT NOT NULL DEFAULT '';
CREATE INDEX participants_rdomain ON participants(rdomain);
CREATE TABLE links (
	activity_id INTEGER PRIMARY KEY REFERENCES activities(id) ON DELETE CASCADE,
	deal_id TEXT REFERENCES deals(id),
	state TEXT NOT NULL CHECK (state IN ('auto', 'review', 'none', 'ignored', 'confirmed', 'rejected', 'private')),
	method TEXT NOT NULL DEFAULT '',
	confidence REAL NOT NULL DEFAULT 0,
	reason TEXT NOT NULL DEFAULT '',
	candidates TEXT NOT NULL DEFAULT '[]',
	decided_by TEXT NOT NULL DEFAULT '',
	decided_at INTEGER NOT NULL DEFAULT 0,
	updated_at INTEGER NOT NULL,
	CHECK ((deal_id IS NOT NULL) = (state IN ('auto', 'confirmed')))
);
CREATE INDEX links_deal ON links(deal_id) WHERE deal_id IS NOT NULL;
CREATE INDEX links_state ON links(state);
CREATE TABLE match_queue (
	activity_id INTEGER PRIMARY KEY REFERENCES activities(id) ON DELETE CASCADE,
	seq INTEGER NOT NULL,
	at INTEGER NOT NULL
);
CREATE INDEX match_queue_at ON match_queue(at);
CREATE TABLE rules (
	id INTEGER PRIMARY KEY,
	kind TEXT NOT NULL CHECK (kind IN ('deal', 'ignore')),
	address TEXT NOT NULL DEFAULT '',
	domain TEXT NOT NULL DEFAULT '',
	deal_id TEXT REFERENCES deals(id),
	created_by TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	CHECK ((address = '') <> (domain = '')),
	CHECK ((deal_id IS NOT NULL) = (kind = 'deal')),
	UNIQUE (address, domain)
);
CREATE TABLE decisions (
	id INTEGER PRIMARY KEY,
	at INTEGER NOT NULL,
	actor TEXT NOT NULL,
	action TEXT NOT NULL,
	activity_id INTEGER REFERENCES activities(id) ON DELETE SET NULL,
	before_deal TEXT NOT NULL DEFAULT '',
	before_state TEXT NOT NULL DEFAULT '',
	after_deal TEXT NOT NULL DEFAULT '',
	after_state TEXT NOT NULL DEFAULT '',
	rule_id INTEGER REFERENCES rules(id) ON DELETE SET NULL,
	detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX decisions_activity ON decisions(activity_id);
CREATE INDEX decisions_actor ON decisions(actor);
CREATE INDEX decisions_before_deal ON decisions(before_deal);
CREATE INDEX decisions_after_deal ON decisions(after_deal);
CREATE INDEX decisions_rule ON decisions(rule_id) WHERE rule_id IS NOT NULL;
CREATE TABLE catalog (version INTEGER NOT NULL);
INSERT INTO catalog (version) VALUES (0);
`

// migration4 adds calendar meetings:
//   - participants.status: a meeting attendee's answer (PARTSTAT), "" for
//     mail;
//   - meetings: what only a meeting activity has; instance, start and end
//     are Unix seconds, instance the occurrence's original start
//     (RECURRENCE-ID), sequence the event's SEQUENCE (the higher wins);
//   - calendar_sightings: which calendar sources hold a meeting, the
//     counterpart of sightings for mail;
//   - feeds: what each calendar source remembers between polls, the JSON
//     of model.FeedState. It keeps its rowid: a CalDAV state lists an ETag
//     per object and can grow larger than a WITHOUT ROWID row should be.
const migration4 = `
ALTER TABLE participants ADD COLUMN status TEXT NOT NULL DEFAULT '';
CREATE TABLE meetings (
	activity_id INTEGER PRIMARY KEY REFERENCES activities(id) ON DELETE CASCADE,
	uid TEXT NOT NULL,
	instance INTEGER NOT NULL,
	start INTEGER NOT NULL,
	"end" INTEGER NOT NULL,
	all_day INTEGER NOT NULL,
	cancelled INTEGER NOT NULL,
	location TEXT NOT NULL DEFAULT '',
	sequence INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX meetings_uid ON meetings(uid);
CREATE TABLE calendar_sightings (
	source TEXT NOT NULL,
	activity_id INTEGER NOT NULL REFERENCES activities(id) ON DELETE CASCADE,
	PRIMARY KEY (source, activity_id)
) WITHOUT ROWID;
CREATE INDEX calendar_sightings_activity ON calendar_sightings(activity_id);
CREATE TABLE feeds (
	source TEXT PRIMARY KEY,
	state TEXT NOT NULL,
	updated_at INTEGER NOT NULL
);
`

// migration6 adds what the web UI reads:
//   - users, sessions and api_tokens: people who log in, and the SHA-256
//     (hex) of their session cookies and bearer tokens, never the secrets;
//   - links.at and links.met: copies of the activity's time and of whether
//     it is a meeting not cancelled (see metOf), so that links_deal_at
//     (which replaces links_deal) and links_deal_met find a deal's latest
//     activity or meeting before a moment, or its next meeting, in a few
//     index steps;
//   - deal_stats: each deal's figures (counts, latest email each way,
//     latest activity and meeting, a version), recomputed from its linked
//     activities in the transaction of every change to them, and the same
//     as the packed record that DealSummaries reads (see figuresRecord);
//   - review_items, review_deals and review_sources: the activities
//     waiting for a person (see ReviewQueue), newest first by their own
//     index, with the deals each concerns and the mailboxes and calendars
//     that saw it (for a member's view), kept like deal_stats (the last
//     two without foreign keys: refreshReview deletes them with their
//     item, set-based, where a cascade costs a statement per row);
//   - outages: the periods a source was failing; sources.first_success_at:
//     when it first synced.
const migration6 = `
ALTER TABLE sources ADD COLUMN first_success_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE links ADD COLUMN at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE links ADD COLUMN met INTEGER NOT NULL DEFAULT 0;
DROP INDEX links_deal;
CREATE INDEX links_deal_at ON links(deal_id, at) WHERE deal_id IS NOT NULL;
CREATE INDEX links_deal_met ON links(deal_id, at) WHERE deal_id IS NOT NULL AND met = 1;
CREATE TABLE users (
	id INTEGER PRIMARY KEY,
	email TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL DEFAULT '',
	role TEXT NOT NULL CHECK (role IN ('rep', 'leader', 'admin')),
	password_hash TEXT NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE TABLE sessions (
	hash TEXT PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	csrf TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_expires ON sessions(expires_at);
CREATE TABLE api_tokens (
	hash TEXT PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	name TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX api_tokens_user ON api_tokens(user_id);
CREATE TABLE deal_stats (
	deal_id TEXT PRIMARY KEY REFERENCES deals(id) ON DELETE CASCADE,
	emails INTEGER NOT NULL,
	meetings INTEGER NOT NULL,
	notes INTEGER NOT NULL,
	calls INTEGER NOT NULL,
	inbound INTEGER NOT NULL,
	outbound INTEGER NOT NULL,
	last_inbound INTEGER NOT NULL,
	last_outbound INTEGER NOT NULL,
	last_at INTEGER NOT NULL,
	last_met INTEGER NOT NULL,
	version INTEGER NOT NULL,
	packed TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE review_items (
	activity_id INTEGER PRIMARY KEY REFERENCES activities(id) ON DELETE CASCADE,
	at INTEGER NOT NULL
);
CREATE INDEX review_items_at ON review_items(at);
CREATE TABLE review_deals (
	activity_id INTEGER NOT NULL,
	deal_id TEXT NOT NULL,
	PRIMARY KEY (activity_id, deal_id)
) WITHOUT ROWID;
CREATE INDEX review_deals_deal ON review_deals(deal_id);
CREATE TABLE review_sources (
	activity_id INTEGER NOT NULL,
	source TEXT NOT NULL,
	PRIMARY KEY (activity_id, source)
) WITHOUT ROWID;
CREATE INDEX review_sources_source ON review_sources(source);
CREATE TABLE outages (
	id INTEGER PRIMARY KEY,
	source TEXT NOT NULL,
	from_at INTEGER NOT NULL,
	to_at INTEGER NOT NULL DEFAULT 0,
	reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outages_open ON outages(source) WHERE to_at = 0;
CREATE INDEX outages_from ON outages(from_at);
`

// backfillRDomains sets participants.rdomain for the rows stored before
// migration 3, one UPDATE per distinct address.
func backfillRDomains(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT email FROM participants`)
	if err != nil {
		return fmt.Errorf("list participant addresses: %w", err)
	}
	var emails []string
	for rows.Next() {
		var e string
		if err := rows.Scan(&e); err != nil {
			rows.Close()
			return fmt.Errorf("list participant addresses: %w", err)
		}
		emails = append(emails, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("list participant addresses: %w", err)
	}
	update, err := tx.PrepareContext(ctx, `UPDATE participants SET rdomain = ? WHERE email = ?`)
	if err != nil {
		return fmt.Errorf("prepare domain backfill: %w", err)
	}
	defer update.Close()
	for _, e := range emails {
		if r := addressRDomain(e); r != "" {
			if _, err := update.ExecContext(ctx, r, e); err != nil {
				return fmt.Errorf("backfill domain of %s: %w", e, err)
			}
		}
	}
	return nil
}

// backfillViews fills in what migration 6 adds for the data already
// stored: the time (and meeting) of each link, every deal's figures, the review queue,
// and when each source that already synced first did. A source's first
// success is not recorded before this version: it is taken as the
// earliest time an activity seen in it was stored (or its last success,
// whichever is earlier).
//
// It calls the functions the writes use (recomputeDeals, refreshReview),
// so that the backfill cannot differ from what the writes keep; should a
// later migration change the tables they write, this function must keep
// a copy of them as of version 6.
func backfillViews(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, `UPDATE links SET at = (SELECT at FROM activities WHERE id = links.activity_id),
		  met = `+metOf("links.activity_id")); err != nil {
		return fmt.Errorf("backfill the time of links: %w", err)
	}
	deals, err := allDealIDs(ctx, tx)
	if err != nil {
		return err
	}
	if err := recomputeDealsWith(ctx, tx, recomputeDealsQuery("a", "LEFT JOIN activities AS a ON a.id = l.activity_id"), deals); err != nil {
		return err
	}
	var waiting []int64
	err = eachRow(ctx, tx, `SELECT activity_id FROM links WHERE state IN ('review', 'auto', 'none') ORDER BY activity_id`, nil,
		func(rows *sql.Rows) error {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			waiting = append(waiting, id)
			return nil
		})
	if err != nil {
		return fmt.Errorf("list links for the review queue: %w", err)
	}
	if err := refreshReview(ctx, tx, waiting); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE sources SET first_success_at = min(last_success_at, COALESCE(
		  CASE WHEN sources.source LIKE 'mailbox:%' THEN (SELECT min(a.created_at) FROM sightings AS s
		      CROSS JOIN activities AS a ON a.id = s.activity_id WHERE s.mailbox = substr(sources.source, 9))
		    WHEN sources.source LIKE 'calendar:%' THEN (SELECT min(a.created_at) FROM calendar_sightings AS c
		      CROSS JOIN activities AS a ON a.id = c.activity_id WHERE c.source = substr(sources.source, 10))
		  END, last_success_at))
		WHERE last_success_at <> 0`); err != nil {
		return fmt.Errorf("backfill first successes of sources: %w", err)
	}
	return nil
}
