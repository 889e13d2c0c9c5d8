package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
)

// CalendarBatch is what one poll of a calendar source stores: its meeting
// activities, the source's new feed state, and the catalog version the
// meetings' links were decided with.
type CalendarBatch struct {
	// Source names the calendar source. Every activity of the batch is
	// recorded as seen there (a calendar sighting); the activities' own
	// Sightings are not read.
	Source string
	// Activities are meeting occurrences: Kind model.KindMeeting, Key
	// Meeting.Key(), At Meeting.Start, Meeting set, Participants with
	// their Status. An activity's Link, when set, is the matcher's link
	// for it as a new activity, used exactly as in FolderBatch.
	Activities []model.Activity
	// State is the feed state saved with the batch.
	State model.FeedState
	// CatalogVersion is the version of the deals and rules the links were
	// decided with; when they changed since, the links are not used and
	// the activities are queued.
	CatalogVersion int64
}

// SaveCalendarBatch stores a calendar batch and the source's feed state in
// one transaction: a failure leaves nothing of it, state included.
// Meetings are deduplicated by kind and key (UID and original start), so
// the same meeting in several calendars is one activity with a calendar
// sighting per calendar.
//
// A new meeting is inserted with its participants, details and the
// matcher's link (when usable), or queued for matching. A known meeting is
// updated (time, subject, snippet, direction, details, participants) when
// the incoming version's sequence is not lower than the stored one, so an
// older copy arriving later never overwrites a newer one; it is queued
// again when its time or its participants (addresses and roles) changed,
// or when it gained a calendar sighting. Meetings absent from a batch are
// left alone: a feed covers a window of time only. The figures of the
// deals of new and changed meetings, and the review queue, follow in the
// same transaction.
func (s *Store) SaveCalendarBatch(ctx context.Context, b CalendarBatch) error {
	if b.Source == "" {
		return errors.New("save calendar batch: no source")
	}
	for _, a := range b.Activities {
		if a.Kind != model.KindMeeting || a.Meeting == nil || a.Key == "" {
			return fmt.Errorf("save calendar batch of %s: activity %q of kind %q is not a meeting", b.Source, a.Key, a.Kind)
		}
	}
	state, err := json.Marshal(b.State)
	if err != nil {
		return fmt.Errorf("save calendar batch of %s: encode feed state: %w", b.Source, err)
	}
	now := time.Now().Unix()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var c viewChanges
		w, err := newMeetingWriter(ctx, tx)
		if err != nil {
			return err
		}
		defer w.close()
		w.seq, w.now, w.changes = s.nextSeq(), now, &c
		if w.useLinks, err = catalogIs(ctx, tx, b.CatalogVersion); err != nil {
			return err
		}
		for i := range b.Activities {
			if err := w.write(ctx, b.Source, &b.Activities[i]); err != nil {
				return fmt.Errorf("save calendar batch of %s: %w", b.Source, err)
			}
			// A meeting may come again in the batch (another instance's
			// override, another calendar's copy): what it reads of the
			// stored one must be there.
			if err := w.flush(ctx); err != nil {
				return fmt.Errorf("save calendar batch of %s: %w", b.Source, err)
			}
		}
		if err := c.apply(ctx, tx); err != nil {
			return err
		}
		return saveFeedState(ctx, tx, b.Source, string(state), now)
	})
}

// meetingWriter holds the prepared statements of one calendar batch; it
// shares the activity insert, participant, link and queue statements of
// mail.
type meetingWriter struct {
	*activityWriter
	stored, storedParticipants, clearParticipants, update, linkSync, meeting, calSighting, requeue *sql.Stmt
}

func newMeetingWriter(ctx context.Context, tx *sql.Tx) (*meetingWriter, error) {
	aw, err := newActivityWriter(ctx, tx)
	if err != nil {
		return nil, err
	}
	w := &meetingWriter{activityWriter: aw}
	if err := prepareAll(ctx, tx, "meeting", []stmtSQL{
		{&w.stored, `SELECT a.id, a.at, a.direction, a.subject, a.snippet, m.activity_id IS NOT NULL,
			  COALESCE(m.uid, ''), COALESCE(m.instance, 0), COALESCE(m.start, 0), COALESCE(m."end", 0),
			  COALESCE(m.all_day, 0), COALESCE(m.cancelled, 0), COALESCE(m.location, ''), COALESCE(m.sequence, 0)
			FROM activities AS a LEFT JOIN meetings AS m ON m.activity_id = a.id WHERE a.kind = ? AND a.key = ?`},
		{&w.storedParticipants, `SELECT email, name, role, status FROM participants WHERE activity_id = ? ORDER BY pos`},
		{&w.clearParticipants, `DELETE FROM participants WHERE activity_id = ?`},
		{&w.update, `UPDATE activities SET at = ?, direction = ?, subject = ?, snippet = ? WHERE id = ?`},
		{&w.linkSync, `UPDATE links SET at = ?1, met = ` + metOf("?2") + `, direction = ?3 WHERE activity_id = ?2`},
		{&w.meeting, `INSERT INTO meetings (activity_id, uid, instance, start, "end", all_day, cancelled, location, sequence)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (activity_id) DO UPDATE SET uid = excluded.uid, instance = excluded.instance,
			  start = excluded.start, "end" = excluded."end", all_day = excluded.all_day,
			  cancelled = excluded.cancelled, location = excluded.location, sequence = excluded.sequence`},
		{&w.calSighting, `INSERT OR IGNORE INTO calendar_sightings (source, activity_id) VALUES (?, ?)`},
		// A moved meeting may already wait in the queue: its row takes
		// the new time, which orders the queue.
		{&w.requeue, `INSERT INTO match_queue (activity_id, seq, at) VALUES (?, ?, ?)` + upsertQueue + `, at = excluded.at`},
	}); err != nil {
		w.close()
		return nil, err
	}
	return w, nil
}

func (w *meetingWriter) close() {
	w.activityWriter.close()
	closeAll(w.stored, w.storedParticipants, w.clearParticipants, w.update, w.linkSync, w.meeting, w.calSighting, w.requeue)
}

// storedMeeting is a meeting activity as stored, for comparison with an
// incoming version.
type storedMeeting struct {
	id, at                      int64
	direction, subject, snippet string
	hasMeeting                  bool
	meeting                     meetingRow
	participants                []model.Participant
}

// meetingRow is a row of meetings, times in Unix seconds.
type meetingRow struct {
	uid, location        string
	instance, start, end int64
	allDay, cancelled    bool
	sequence             int
}

func rowOf(m *model.Meeting) meetingRow {
	return meetingRow{uid: m.UID, location: m.Location, instance: unixSeconds(m.Instance), start: unixSeconds(m.Start),
		end: unixSeconds(m.End), allDay: m.AllDay, cancelled: m.Cancelled, sequence: m.Sequence}
}

// write stores one meeting activity seen in source and sets a.ID.
func (w *meetingWriter) write(ctx context.Context, source string, a *model.Activity) error {
	ps := uniqueParticipants(a.Participants)
	row := rowOf(a.Meeting)
	old, found, err := w.read(ctx, a.Key)
	if err != nil {
		return err
	}
	queue := false
	if !found {
		if err := w.insertMeeting(ctx, a, ps, row); err != nil {
			return err
		}
		queue = true
	} else {
		a.ID = old.id
		if queue, err = w.updateMeeting(ctx, a, ps, row, old); err != nil {
			return err
		}
	}
	res, err := w.calSighting.ExecContext(ctx, source, a.ID)
	if err != nil {
		return fmt.Errorf("record calendar sighting of %s: %w", a.Key, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("record calendar sighting of %s: %w", a.Key, err)
	} else if n > 0 {
		queue = true // the calendar may be the deal owner's
		if found {
			w.changes.touch(a.ID)
		}
	}
	if !found && w.useLinks && a.Link != nil {
		return w.saveLink(ctx, a)
	}
	if queue {
		if _, err := w.requeue.ExecContext(ctx, a.ID, w.seq, unixSeconds(a.At)); err != nil {
			return fmt.Errorf("queue %s for matching: %w", a.Key, err)
		}
	}
	return nil
}

// read returns the stored version of the meeting activity with this key;
// false when there is none.
func (w *meetingWriter) read(ctx context.Context, key string) (storedMeeting, bool, error) {
	var m storedMeeting
	err := w.stored.QueryRowContext(ctx, model.KindMeeting, key).Scan(&m.id, &m.at, &m.direction, &m.subject, &m.snippet,
		&m.hasMeeting, &m.meeting.uid, &m.meeting.instance, &m.meeting.start, &m.meeting.end, &m.meeting.allDay,
		&m.meeting.cancelled, &m.meeting.location, &m.meeting.sequence)
	if errors.Is(err, sql.ErrNoRows) {
		return m, false, nil
	}
	if err != nil {
		return m, false, fmt.Errorf("find meeting %s: %w", key, err)
	}
	rows, err := w.storedParticipants.QueryContext(ctx, m.id)
	if err != nil {
		return m, false, fmt.Errorf("read participants of %s: %w", key, err)
	}
	defer rows.Close()
	for rows.Next() {
		var p model.Participant
		if err := rows.Scan(&p.Email, &p.Name, &p.Role, &p.Status); err != nil {
			return m, false, fmt.Errorf("read participants of %s: %w", key, err)
		}
		m.participants = append(m.participants, p)
	}
	if err := rows.Err(); err != nil {
		return m, false, fmt.Errorf("read participants of %s: %w", key, err)
	}
	return m, true, nil
}

// insertMeeting inserts a new meeting activity with its participants and
// details, and sets a.ID.
func (w *meetingWriter) insertMeeting(ctx context.Context, a *model.Activity, ps []model.Participant, row meetingRow) error {
	attachments, err := json.Marshal(a.Attachments)
	if err != nil {
		return fmt.Errorf("encode attachments of %s: %w", a.Key, err)
	}
	res, err := w.insert.ExecContext(ctx, a.Kind, a.Key, unixSeconds(a.At), a.Direction, a.Subject, a.Snippet,
		a.ThreadKey, "", "", attachments, "", w.now)
	if err != nil {
		return fmt.Errorf("insert meeting %s: %w", a.Key, err)
	}
	if a.ID, err = res.LastInsertId(); err != nil {
		return fmt.Errorf("insert meeting %s: %w", a.Key, err)
	}
	w.addParticipants(a, ps)
	return w.saveMeetingRow(ctx, a, row)
}

// updateMeeting brings a known meeting up to the incoming version, unless
// the stored one has a higher sequence. It reports whether the meeting
// must be matched again: its time or its participants changed. Any
// change is recorded for its deal's page and the review queue, a new time
// or cancellation for its deal's figures; its link follows its time,
// direction and cancellation.
func (w *meetingWriter) updateMeeting(ctx context.Context, a *model.Activity, ps []model.Participant, row meetingRow, old storedMeeting) (bool, error) {
	if old.hasMeeting && row.sequence < old.meeting.sequence {
		return false, nil
	}
	at := unixSeconds(a.At)
	if at != old.at || string(a.Direction) != old.direction || a.Subject != old.subject || a.Snippet != old.snippet {
		if _, err := w.update.ExecContext(ctx, at, a.Direction, a.Subject, a.Snippet, a.ID); err != nil {
			return false, fmt.Errorf("update meeting %s: %w", a.Key, err)
		}
		w.changes.touch(a.ID)
	}
	if !old.hasMeeting || row != old.meeting {
		if err := w.saveMeetingRow(ctx, a, row); err != nil {
			return false, err
		}
		w.changes.touch(a.ID)
	}
	if at != old.at || string(a.Direction) != old.direction || !old.hasMeeting || row.cancelled != old.meeting.cancelled {
		if _, err := w.linkSync.ExecContext(ctx, at, a.ID, a.Direction); err != nil {
			return false, fmt.Errorf("move link of meeting %s: %w", a.Key, err)
		}
		w.changes.refigure(a.ID)
	}
	if !slices.Equal(ps, old.participants) {
		if _, err := w.clearParticipants.ExecContext(ctx, a.ID); err != nil {
			return false, fmt.Errorf("replace participants of %s: %w", a.Key, err)
		}
		w.addParticipants(a, ps)
		w.changes.touch(a.ID)
	}
	return at != old.at || !sameAddresses(ps, old.participants), nil
}

func (w *meetingWriter) saveMeetingRow(ctx context.Context, a *model.Activity, r meetingRow) error {
	if _, err := w.meeting.ExecContext(ctx, a.ID, r.uid, r.instance, r.start, r.end, r.allDay, r.cancelled,
		r.location, r.sequence); err != nil {
		return fmt.Errorf("save details of meeting %s: %w", a.Key, err)
	}
	return nil
}

// uniqueParticipants returns ps without the repeats of an address in a
// role (which the participants table holds once), in order.
func uniqueParticipants(ps []model.Participant) []model.Participant {
	type id struct {
		email string
		role  model.Role
	}
	seen := make(map[id]bool, len(ps))
	out := make([]model.Participant, 0, len(ps))
	for _, p := range ps {
		if k := (id{p.Email, p.Role}); !seen[k] {
			seen[k] = true
			out = append(out, p)
		}
	}
	return out
}

// sameAddresses reports whether a and b hold the same addresses in the
// same roles, whatever their order, names and answers: what matching
// reads of participants.
func sameAddresses(a, b []model.Participant) bool {
	if len(a) != len(b) {
		return false
	}
	key := func(p model.Participant) string { return string(p.Role) + " " + p.Email }
	ka, kb := make([]string, len(a)), make([]string, len(b))
	for i := range a {
		ka[i], kb[i] = key(a[i]), key(b[i])
	}
	slices.Sort(ka)
	slices.Sort(kb)
	return slices.Equal(ka, kb)
}

// meetingsSQL packs the details of the meetings whose activity ids are the
// JSON array ?.
var meetingsSQL = `SELECT COALESCE(group_concat(` + packed(
	[]string{"m.activity_id", "m.instance", "m.start", `m."end"`, "m.all_day", "m.cancelled", "m.sequence"},
	[]string{"m.uid", "m.location"}) + `, ''), '')
	FROM json_each(?) AS j CROSS JOIN meetings AS m ON m.activity_id = j.value`

// calendarSightingsSQL packs the calendar sightings of the activities
// whose ids are the JSON array ?.
var calendarSightingsSQL = `SELECT COALESCE(group_concat(` + packed([]string{"c.activity_id"}, []string{"c.source"}) + `, ''), '')
	FROM json_each(?) AS j CROSS JOIN calendar_sightings AS c ON c.activity_id = j.value`

// meetingIDs returns the JSON array of the ids of the meeting activities
// of acts, and where each is in acts; "" when there are none, so that a
// batch of mail costs no query.
func meetingIDs(acts []model.Activity) (string, map[int64]int) {
	var ids []byte
	var index map[int64]int
	for i, a := range acts {
		if a.Kind != model.KindMeeting {
			continue
		}
		if index == nil {
			index = map[int64]int{}
			ids = append(ids, '[')
		} else {
			ids = append(ids, ',')
		}
		index[a.ID] = i
		ids = strconv.AppendInt(ids, a.ID, 10)
	}
	if index == nil {
		return "", nil
	}
	return string(append(ids, ']')), index
}

// attachCalendarSightings adds the calendar sightings of the meetings
// among acts, after their mailbox sightings, ordered by calendar.
func attachCalendarSightings(ctx context.Context, q queryer, acts []model.Activity) error {
	ids, index := meetingIDs(acts)
	if ids == "" {
		return nil
	}
	var s string
	if err := q.QueryRowContext(ctx, calendarSightingsSQL, ids).Scan(&s); err != nil {
		return fmt.Errorf("read calendar sightings: %w", err)
	}
	var ints [1]int64
	var texts [1]string
	touched := map[int]bool{}
	for s != "" {
		var err error
		if s, err = unpack(s, ints[:], texts[:]); err != nil {
			return fmt.Errorf("read calendar sightings: %w", err)
		}
		if i, ok := index[ints[0]]; ok {
			acts[i].Sightings = append(acts[i].Sightings, model.Sighting{Calendar: texts[0]})
			touched[i] = true
		}
	}
	for i := range touched {
		slices.SortStableFunc(acts[i].Sightings, func(a, b model.Sighting) int {
			if (a.Calendar == "") != (b.Calendar == "") {
				if a.Calendar == "" {
					return -1
				}
				return 1
			}
			return strings.Compare(a.Calendar, b.Calendar)
		})
	}
	return nil
}

// attachMeetings reads the details of the meetings among acts into their
// Meeting field.
func attachMeetings(ctx context.Context, q queryer, acts []model.Activity) error {
	for start := 0; start < len(acts); start += attachBatch {
		batch := acts[start:min(start+attachBatch, len(acts))]
		ids, index := meetingIDs(batch)
		if ids == "" {
			continue
		}
		var s string
		if err := q.QueryRowContext(ctx, meetingsSQL, ids).Scan(&s); err != nil {
			return fmt.Errorf("read meeting details: %w", err)
		}
		var ints [7]int64
		var texts [2]string
		for s != "" {
			var err error
			if s, err = unpack(s, ints[:], texts[:]); err != nil {
				return fmt.Errorf("read meeting details: %w", err)
			}
			i, ok := index[ints[0]]
			if !ok {
				continue
			}
			batch[i].Meeting = &model.Meeting{UID: texts[0], Instance: unixTime(ints[1]), Start: unixTime(ints[2]),
				End: unixTime(ints[3]), AllDay: ints[4] != 0, Cancelled: ints[5] != 0, Location: texts[1],
				Sequence: int(ints[6])}
		}
	}
	return nil
}
