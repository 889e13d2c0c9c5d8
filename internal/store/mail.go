package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
)

// FolderState returns the sync checkpoint of a mailbox folder; the zero
// state when the folder was never synced.
func (s *Store) FolderState(ctx context.Context, mailbox, folder string) (model.FolderState, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	var st model.FolderState
	err := s.read.QueryRowContext(ctx,
		`SELECT uidvalidity, last_uid FROM folders WHERE mailbox = ? AND folder = ?`,
		mailbox, folder).Scan(&st.UIDValidity, &st.LastUID)
	if errors.Is(err, sql.ErrNoRows) {
		return model.FolderState{}, nil
	}
	if err != nil {
		return model.FolderState{}, fmt.Errorf("read checkpoint of %s %s: %w", mailbox, folder, err)
	}
	return st, nil
}

// FolderBatch is one batch of a folder's sync as the store writes it: the
// activities to add (or to add a sighting to, when already known), the
// messages rejected, and the checkpoint that covers them.
type FolderBatch struct {
	Mailbox    string
	Folder     string
	Checkpoint model.FolderState
	// Activities each carry the one sighting of this folder. An
	// activity's Link, when set, is the matcher's link for it as a new
	// activity seen only here: it is stored with the activity if the
	// activity is new. A known activity is queued for matching instead,
	// since its other sightings and any human decision count.
	Activities []model.Activity
	Rejected   []model.RejectedMessage
	// CatalogVersion is the version of the deals and rules the links were
	// decided with. When they changed since, the links are not used and
	// the activities are queued.
	CatalogVersion int64
}

// SaveFolderBatch stores a batch and moves the folder checkpoint in the
// same transaction, so a crash at any point loses and duplicates nothing.
// Activities are deduplicated by kind and key: a known one only gains a
// sighting. A changed UIDVALIDITY drops the folder's stale sightings.
// Every activity that is new (without a usable link) or gained a sighting
// is queued for matching in the same transaction; a new activity linked
// to a deal queues the thread mates that are not on it. The figures of the
// deals of new, newly seen and no longer seen activities, and the review
// queue, follow in the same transaction.
func (s *Store) SaveFolderBatch(ctx context.Context, b FolderBatch) error {
	now := time.Now().Unix()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		// The statements of a batch run without the context's
		// cancellation: with it, the driver starts a goroutine for each of
		// the thousands of statements. A cancelled context still rolls the
		// transaction back (database/sql watches it).
		ctx := context.WithoutCancel(ctx)
		var c viewChanges
		var old uint32
		err := tx.QueryRowContext(ctx, `SELECT uidvalidity FROM folders WHERE mailbox = ? AND folder = ?`,
			b.Mailbox, b.Folder).Scan(&old)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return fmt.Errorf("read checkpoint: %w", err)
		case old != b.Checkpoint.UIDValidity:
			// The activities lose a sighting, whose mailbox may have
			// decided their match: they are matched again, and their
			// deals and places in the review queue change.
			if err := staleSightings(ctx, tx, &c, b.Mailbox, b.Folder, old); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO match_queue (activity_id, seq, at)
				SELECT s.activity_id, ?, a.at FROM sightings AS s JOIN activities AS a ON a.id = s.activity_id
				WHERE s.mailbox = ? AND s.folder = ? AND s.uidvalidity = ?`+upsertQueue,
				s.nextSeq(), b.Mailbox, b.Folder, old); err != nil {
				return fmt.Errorf("queue the activities of stale sightings: %w", err)
			}
			for _, table := range []string{"sightings", "rejected"} {
				if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE mailbox = ? AND folder = ? AND uidvalidity = ?`,
					b.Mailbox, b.Folder, old); err != nil {
					return fmt.Errorf("drop stale %s: %w", table, err)
				}
			}
		}
		w, err := newActivityWriter(ctx, tx)
		if err != nil {
			return err
		}
		defer w.close()
		w.seq, w.now, w.changes = s.nextSeq(), now, &c
		if w.useLinks, err = catalogIs(ctx, tx, b.CatalogVersion); err != nil {
			return err
		}
		for i := range b.Activities {
			if err := w.write(ctx, &b.Activities[i]); err != nil {
				return err
			}
		}
		if err := w.flush(ctx); err != nil {
			return err
		}
		if err := queueThreadMates(ctx, tx, &w.moved, w.seq); err != nil {
			return err
		}
		for _, r := range b.Rejected {
			if _, err := tx.ExecContext(ctx,
				`INSERT OR REPLACE INTO rejected (mailbox, folder, uidvalidity, uid, reason, at) VALUES (?, ?, ?, ?, ?, ?)`,
				b.Mailbox, b.Folder, b.Checkpoint.UIDValidity, r.UID, r.Reason, now); err != nil {
				return fmt.Errorf("record rejected uid %d: %w", r.UID, err)
			}
		}
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO folders (mailbox, folder, uidvalidity, last_uid, updated_at) VALUES (?, ?, ?, ?, ?)
			 ON CONFLICT (mailbox, folder) DO UPDATE SET uidvalidity = excluded.uidvalidity,
			   last_uid = excluded.last_uid, updated_at = excluded.updated_at`,
			b.Mailbox, b.Folder, b.Checkpoint.UIDValidity, b.Checkpoint.LastUID, now); err != nil {
			return fmt.Errorf("move checkpoint: %w", err)
		}
		return c.apply(ctx, tx)
	})
}

// staleSightings records in c what follows the sightings of a folder
// under an old UIDVALIDITY, which are about to go: the deals of their
// activities, and those of their activities in the review queue.
func staleSightings(ctx context.Context, tx *sql.Tx, c *viewChanges, mailbox, folder string, uidValidity uint32) error {
	err := eachRow(ctx, tx, `SELECT s.activity_id, COALESCE(l.deal_id, ''), r.activity_id IS NOT NULL
		FROM sightings AS s LEFT JOIN links AS l ON l.activity_id = s.activity_id
		  LEFT JOIN review_items AS r ON r.activity_id = s.activity_id
		WHERE s.mailbox = ? AND s.folder = ? AND s.uidvalidity = ? AND (l.deal_id IS NOT NULL OR r.activity_id IS NOT NULL)`,
		[]any{mailbox, folder, uidValidity}, func(rows *sql.Rows) error {
			var id int64
			var deal string
			var waiting bool
			if err := rows.Scan(&id, &deal, &waiting); err != nil {
				return err
			}
			c.show(deal)
			if waiting {
				c.reconsider(id)
			}
			return nil
		})
	if err != nil {
		return fmt.Errorf("find deals of stale sightings: %w", err)
	}
	return nil
}

// activityWriter holds the prepared statements of one batch, the match
// queue sequence number of its transaction, whether the batch's links are
// usable, the new activities it linked to a deal ([id, deal]), and what
// the deal figures and the review queue must follow.
//
// The participants, sightings and links of new activities wait in rows
// of JSON until flush writes each kind in one statement: a first sync
// writes them by the thousand, and a statement per row cost as much again
// as SQLite's own work.
type activityWriter struct {
	insert, lookup, sighting, enqueue *sql.Stmt
	seq, now                          int64
	useLinks                          bool
	moved                             jsonRows
	changes                           *viewChanges
	// Rows waiting for flush: [activity, email, name, role, pos,
	// rdomain, status], [mailbox, folder, uidvalidity, uid, activity]
	// and [activity, deal, state, method, confidence, reason, candidates,
	// at, kind, direction].
	participants, sightings, links jsonRows
	tx                             *sql.Tx
}

func newActivityWriter(ctx context.Context, tx *sql.Tx) (*activityWriter, error) {
	w := &activityWriter{tx: tx}
	if err := prepareAll(ctx, tx, "activity", []stmtSQL{
		{&w.insert, `INSERT INTO activities (kind, key, at, direction, subject, snippet, thread_key, in_reply_to, refs, attachments, problems, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kind, key) DO NOTHING`},
		{&w.lookup, `SELECT id FROM activities WHERE kind = ? AND key = ?`},
		{&w.sighting, `INSERT OR IGNORE INTO sightings (mailbox, folder, uidvalidity, uid, activity_id) VALUES (?, ?, ?, ?, ?)`},
		{&w.enqueue, `INSERT INTO match_queue (activity_id, seq, at) VALUES (?, ?, ?)` + upsertQueue},
	}); err != nil {
		w.close()
		return nil, err
	}
	return w, nil
}

func (w *activityWriter) close() {
	closeAll(w.insert, w.lookup, w.sighting, w.enqueue)
}

// flush writes the participants, sightings and links waiting, one
// statement for each kind. A batch's writer flushes before anything in
// its transaction reads them.
func (w *activityWriter) flush(ctx context.Context) error {
	for _, f := range []struct {
		rows *jsonRows
		what string
		sql  string
		args []any
	}{
		{&w.participants, "participants", `INSERT OR IGNORE INTO participants (activity_id, email, name, role, pos, rdomain, status)
			SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6 FROM json_each(?)`, nil},
		{&w.sightings, "sightings", `INSERT OR IGNORE INTO sightings (mailbox, folder, uidvalidity, uid, activity_id)
			SELECT value->>0, value->>1, value->>2, value->>3, value->>4 FROM json_each(?)`, nil},
		{&w.links, "links", `INSERT INTO links (activity_id, deal_id, state, method, confidence, reason, candidates, updated_at,
			  at, met, kind, direction)
			SELECT value->>0, nullif(value->>1, ''), value->>2, value->>3, value->>4, value->>5, value->>6, ?,
			  value->>7, ` + metOf("value->>0") + `, value->>8, value->>9 FROM json_each(?)`, []any{w.now}},
	} {
		if f.rows.n == 0 {
			continue
		}
		if _, err := w.tx.ExecContext(ctx, f.sql, append(f.args, f.rows.String())...); err != nil {
			return fmt.Errorf("write the %s of %d rows: %w", f.what, f.rows.n, err)
		}
		*f.rows = jsonRows{}
	}
	return nil
}

// stmtSQL is a statement to prepare and where to keep it.
type stmtSQL struct {
	stmt **sql.Stmt
	sql  string
}

// prepareAll prepares the statements of a batch writer in tx. On failure
// the caller closes those already prepared (see closeAll).
func prepareAll(ctx context.Context, tx *sql.Tx, what string, stmts []stmtSQL) error {
	for _, p := range stmts {
		stmt, err := tx.PrepareContext(ctx, p.sql)
		if err != nil {
			return fmt.Errorf("prepare %s statements: %w", what, err)
		}
		*p.stmt = stmt
	}
	return nil
}

// closeAll closes the statements that were prepared.
func closeAll(stmts ...*sql.Stmt) {
	for _, s := range stmts {
		if s != nil {
			s.Close()
		}
	}
}

// addParticipants adds the participants of the new activity a, in the
// order of ps, to those flush writes.
func (w *activityWriter) addParticipants(a *model.Activity, ps []model.Participant) {
	for pos, p := range ps {
		w.participants.row().int(a.ID).str(p.Email).str(p.Name).str(string(p.Role)).int(int64(pos)).
			str(addressRDomain(p.Email)).str(string(p.Status))
	}
}

// write inserts a (new) activity with its participants and link, or finds
// the known one, records its sightings and queues it for matching when
// that is needed. It sets a.ID.
func (w *activityWriter) write(ctx context.Context, a *model.Activity) error {
	attachments, err := json.Marshal(a.Attachments)
	if err != nil {
		return fmt.Errorf("encode attachments of %s: %w", a.Key, err)
	}
	res, err := w.insert.ExecContext(ctx, a.Kind, a.Key, unixSeconds(a.At), a.Direction, a.Subject, a.Snippet,
		a.ThreadKey, a.InReplyTo, strings.Join(a.References, " "), attachments, "", w.now)
	if err != nil {
		return fmt.Errorf("insert activity %s: %w", a.Key, err)
	}
	inserted, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("insert activity %s: %w", a.Key, err)
	}
	if inserted == 1 {
		if a.ID, err = res.LastInsertId(); err != nil {
			return fmt.Errorf("insert activity %s: %w", a.Key, err)
		}
		w.addParticipants(a, a.Participants)
		for _, sg := range a.Sightings { // new, as the activity is
			w.sightings.row().str(sg.Mailbox).str(sg.Folder).int(int64(sg.UIDValidity)).int(int64(sg.UID)).int(a.ID)
		}
	} else if err := w.lookup.QueryRowContext(ctx, a.Kind, a.Key).Scan(&a.ID); err != nil {
		return fmt.Errorf("find activity %s: %w", a.Key, err)
	}
	seen := inserted == 1
	if !seen { // a known activity: is any of its sightings new?
		for _, sg := range a.Sightings {
			res, err := w.sighting.ExecContext(ctx, sg.Mailbox, sg.Folder, sg.UIDValidity, sg.UID, a.ID)
			if err != nil {
				return fmt.Errorf("insert sighting of %s: %w", a.Key, err)
			}
			if n, err := res.RowsAffected(); err != nil {
				return fmt.Errorf("insert sighting of %s: %w", a.Key, err)
			} else if n > 0 {
				seen = true
			}
		}
	}
	if inserted == 1 && w.useLinks && a.Link != nil {
		return w.saveLink(ctx, a)
	}
	if inserted == 0 && seen {
		w.changes.touch(a.ID) // seen by one more: its deal's page and the queue's owners change
	}
	// A new activity, or a new sighting (whose mailbox may be the deal
	// owner's), is matched again.
	if seen {
		if _, err := w.enqueue.ExecContext(ctx, a.ID, w.seq, unixSeconds(a.At)); err != nil {
			return fmt.Errorf("queue %s for matching: %w", a.Key, err)
		}
	}
	return nil
}

// saveLink stores the matcher's link of a new activity.
func (w *activityWriter) saveLink(ctx context.Context, a *model.Activity) error {
	l := validText(*a.Link)
	if err := checkMatcherLink(l); err != nil || l.Human() {
		return fmt.Errorf("link of new activity %s: %w", a.Key, cmp.Or(err, errors.New("a human decision on a new activity")))
	}
	candidates, err := encodeCandidates(l.Candidates)
	if err != nil {
		return fmt.Errorf("link of new activity %s: %w", a.Key, err)
	}
	w.links.row().int(a.ID).str(l.DealID).str(string(l.State)).str(string(l.Method)).float(l.Confidence).str(l.Reason).
		str(candidates).int(unixSeconds(a.At)).str(string(a.Kind)).str(string(a.Direction))
	w.changes.deal(l.DealID)
	w.changes.reconsider(a.ID)
	if l.DealID != "" {
		w.moved.row().int(a.ID).str(l.DealID)
	}
	return nil
}
