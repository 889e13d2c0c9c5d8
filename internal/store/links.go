package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/dealtrail/dealtrail/internal/model"
)

// LinkUpdate is the matcher's link for one activity. Seq is the Pending
// sequence number the matcher read (0 when it did not come from the
// queue).
type LinkUpdate struct {
	ActivityID, Seq int64
	Link            model.Link
}

// LinkChange is a link whose deal or state changed. Before has State ""
// when the activity had no link.
type LinkChange struct {
	ActivityID    int64
	Before, After model.Link
}

// SaveLinks writes the matcher's links in one transaction. A human
// decision stands: its row is left as it is, and an update that carries a
// human link (the matcher passing a decision through) is not written.
// Otherwise a link is written only if it differs (deal, state, method,
// confidence, reason or candidates), so re-saving the same links writes
// nothing. An update with Seq > 0 dequeues its activity only if the queue
// row still has that Seq, so a request queued after the matcher read it
// survives. When an activity's deal changes, the other activities of its
// thread that are on another deal (or none) and not decided by a person
// are queued, so that replies follow the thread's deal; mates already on
// the new deal are not, so a thread synced message by message is not
// matched over and over. It returns the changes of deal or state, in the
// order of updates. The figures of the deals a written link leaves or
// joins, and the review queue, follow in the same transaction.
//
// The work is set-based, a few statements per call whatever the number of
// updates, so batches of thousands are cheap.
func (s *Store) SaveLinks(ctx context.Context, updates []LinkUpdate) ([]LinkChange, error) {
	for _, u := range updates {
		if err := checkMatcherLink(u.Link); err != nil {
			return nil, fmt.Errorf("save link of activity %d: %w", u.ActivityID, err)
		}
	}
	if len(updates) == 0 {
		return nil, nil
	}
	now := s.now().Unix()
	seq := s.nextSeq()
	var changes []LinkChange
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		changes = nil
		stored, err := readLinks(ctx, tx, updates)
		if err != nil {
			return err
		}
		var writes, dequeues, moved jsonRows
		var c viewChanges
		for _, u := range updates {
			if u.Seq > 0 {
				dequeues.row().int(u.ActivityID).int(u.Seq)
			}
			before := stored[u.ActivityID]
			b, l := before.link, validText(u.Link)
			if b.Human() || l.Human() {
				continue
			}
			candidates, err := encodeCandidates(l.Candidates)
			if err != nil {
				return fmt.Errorf("save link of activity %d: %w", u.ActivityID, err)
			}
			if before.ok && b.DealID == l.DealID && b.State == l.State && b.Method == l.Method &&
				b.Confidence == l.Confidence && b.Reason == l.Reason && before.candidates == candidates {
				// A queued activity was queued because something it
				// depends on changed (a deal, a rule): its link may be
				// the same while its place in the review queue is not
				// (an account now knows its domain).
				if u.Seq > 0 && mayWait(l) {
					c.reconsider(u.ActivityID)
				}
				continue
			}
			writes.row().int(u.ActivityID).str(l.DealID).str(string(l.State)).str(string(l.Method)).
				float(l.Confidence).str(l.Reason).str(candidates)
			stored[u.ActivityID] = storedLink{link: l, candidates: candidates, ok: true}
			c.deal(b.DealID, l.DealID)
			if mayWait(b) || mayWait(l) {
				c.reconsider(u.ActivityID)
			}
			if b.DealID != l.DealID || b.State != l.State {
				changes = append(changes, LinkChange{ActivityID: u.ActivityID, Before: b, After: l})
			}
			if b.DealID != l.DealID {
				moved.row().int(u.ActivityID).str(l.DealID)
			}
		}
		if err := writeLinks(ctx, tx, &writes, &dequeues, &moved, now, seq); err != nil {
			return err
		}
		return c.apply(ctx, tx)
	})
	if err != nil {
		return nil, err
	}
	return changes, nil
}

// writeLinks runs the set-based writes of SaveLinks: upsert the links in
// writes ([id, deal, state, method, confidence, reason, candidates]),
// delete the queue rows in dequeues ([id, seq]) and queue the thread mates
// of the activities in moved ([id, new deal]) that are not on that deal.
// A link of an activity removed since the matcher read it (by a purge) is
// not written.
func writeLinks(ctx context.Context, tx *sql.Tx, writes, dequeues, moved *jsonRows, now, seq int64) error {
	if writes.n > 0 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO links (activity_id, deal_id, state, method, confidence,
			  reason, candidates, decided_by, decided_at, updated_at, at, met, kind, direction)
			SELECT a.id, nullif(j.value->>1, ''), j.value->>2, j.value->>3, j.value->>4, j.value->>5, j.value->>6, '', 0, ?,
			  a.at, `+metOf("a.id")+`, a.kind, a.direction
			FROM json_each(?) AS j, activities AS a WHERE a.id = j.value->>0
			ON CONFLICT (activity_id) DO UPDATE SET deal_id = excluded.deal_id, state = excluded.state,
			  method = excluded.method, confidence = excluded.confidence, reason = excluded.reason,
			  candidates = excluded.candidates, updated_at = excluded.updated_at, at = excluded.at, met = excluded.met,
			  kind = excluded.kind, direction = excluded.direction
			WHERE links.decided_by = ''`, now, writes.String()); err != nil {
			return fmt.Errorf("save %d links: %w", writes.n, err)
		}
	}
	if dequeues.n > 0 {
		if _, err := tx.ExecContext(ctx, `DELETE FROM match_queue WHERE activity_id IN (
			  SELECT q.activity_id FROM json_each(?) AS j CROSS JOIN match_queue AS q
			  WHERE q.activity_id = j.value->>0 AND q.seq = j.value->>1)`, dequeues.String()); err != nil {
			return fmt.Errorf("dequeue %d activities: %w", dequeues.n, err)
		}
	}
	return queueThreadMates(ctx, tx, moved, seq)
}

// queueThreadMates queues the thread mates of the activities in moved
// ([id, new deal]) that are not on that deal and not decided by a person.
func queueThreadMates(ctx context.Context, tx *sql.Tx, moved *jsonRows, seq int64) error {
	if moved.n == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO match_queue (activity_id, seq, at)
		SELECT m.id, ?, m.at FROM json_each(?) AS j
		  CROSS JOIN activities AS a ON a.id = j.value->>0
		  CROSS JOIN activities AS m ON m.thread_key = a.thread_key
		  LEFT JOIN links AS ml ON ml.activity_id = m.id
		WHERE a.thread_key <> '' AND m.id <> a.id
		  AND (ml.activity_id IS NULL OR (ml.decided_by = '' AND ml.deal_id IS NOT nullif(j.value->>1, '')))`+upsertQueue,
		seq, moved.String()); err != nil {
		return fmt.Errorf("queue the threads of %d activities: %w", moved.n, err)
	}
	return nil
}

// validText returns l with its reason and candidates made valid UTF-8.
// Text travels to SQLite as JSON, which holds only UTF-8: storing what
// reads back keeps a second save of the same link a no-op.
func validText(l model.Link) model.Link {
	l.Reason = strings.ToValidUTF8(l.Reason, "\uFFFD")
	if slices.ContainsFunc(l.Candidates, func(c string) bool { return !utf8.ValidString(c) }) {
		c := make([]string, len(l.Candidates))
		for i, x := range l.Candidates {
			c[i] = strings.ToValidUTF8(x, "\uFFFD")
		}
		l.Candidates = c
	}
	return l
}

// checkMatcherLink refuses a link that the matcher cannot have made. A
// human link passes: SaveLinks leaves it alone.
func checkMatcherLink(l model.Link) error {
	if l.Human() {
		return nil
	}
	if !utf8.ValidString(l.DealID) || !utf8.ValidString(string(l.Method)) {
		return fmt.Errorf("deal %q or method %q is not UTF-8", l.DealID, l.Method)
	}
	switch l.State {
	case model.LinkAuto:
		if l.DealID == "" {
			return errors.New("automatic link without a deal")
		}
	case model.LinkReview, model.LinkNone, model.LinkIgnored:
		if l.DealID != "" {
			return fmt.Errorf("link in state %s names deal %s", l.State, l.DealID)
		}
	default:
		return fmt.Errorf("link state %q is not one the matcher sets", l.State)
	}
	return nil
}

// storedLink is a link as stored, with its candidates as stored; ok is
// false when the activity has no link.
type storedLink struct {
	link       model.Link
	candidates string
	ok         bool
}

// linksSQL packs the links of the activities whose ids are the JSON array ?.
var linksSQL = `SELECT COALESCE(group_concat(` + packed([]string{"l.activity_id", "l.decided_at"},
	[]string{"COALESCE(l.deal_id, '')", "l.state", "l.method", "CAST(l.confidence AS TEXT)", "l.reason",
		"l.candidates", "l.decided_by"}) + `, ''), '')
	FROM json_each(?) AS j CROSS JOIN links AS l ON l.activity_id = j.value`

// readLinks reads the stored links of the activities of updates.
func readLinks(ctx context.Context, q queryer, updates []LinkUpdate) (map[int64]storedLink, error) {
	var ids jsonRows
	for _, u := range updates {
		ids.row().rawInt(u.ActivityID)
	}
	var rec string
	if err := q.QueryRowContext(ctx, linksSQL, ids.String()).Scan(&rec); err != nil {
		return nil, fmt.Errorf("read %d links: %w", len(updates), err)
	}
	out := make(map[int64]storedLink, len(updates))
	var ints [2]int64
	var texts [7]string
	for rec != "" {
		var err error
		if rec, err = unpack(rec, ints[:], texts[:]); err != nil {
			return nil, fmt.Errorf("read links: %w", err)
		}
		l := model.Link{DealID: texts[0], State: model.LinkState(texts[1]), Method: model.Method(texts[2]),
			Reason: texts[4], DecidedBy: texts[6], DecidedAt: unixTime(ints[1])}
		if l.Confidence, err = strconv.ParseFloat(texts[3], 64); err != nil {
			return nil, fmt.Errorf("read link of activity %d: %w", ints[0], err)
		}
		if l.Candidates, err = decodeCandidates(texts[5]); err != nil {
			return nil, fmt.Errorf("read link of activity %d: %w", ints[0], err)
		}
		out[ints[0]] = storedLink{link: l, candidates: texts[5], ok: true}
	}
	return out, nil
}
