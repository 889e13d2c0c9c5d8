package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/dealtrail/dealtrail/internal/model"
)

// Activities returns every stored activity in time order, with its
// participants and sightings.
func (s *Store) Activities(ctx context.Context) ([]model.Activity, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	rows, err := s.read.QueryContext(ctx, `
		SELECT id, kind, key, at, direction, subject, snippet, thread_key, in_reply_to, refs, attachments
		FROM activities ORDER BY at, id`)
	if err != nil {
		return nil, fmt.Errorf("list activities: %w", err)
	}
	defer rows.Close()
	var out []model.Activity
	index := map[int64]int{}
	for rows.Next() {
		var a model.Activity
		var at int64
		var refs, attachments string
		if err := rows.Scan(&a.ID, &a.Kind, &a.Key, &at, &a.Direction, &a.Subject, &a.Snippet,
			&a.ThreadKey, &a.InReplyTo, &refs, &attachments); err != nil {
			return nil, fmt.Errorf("list activities: %w", err)
		}
		a.At = unixTime(at)
		a.References = strings.Fields(refs)
		if err := json.Unmarshal([]byte(attachments), &a.Attachments); err != nil {
			return nil, fmt.Errorf("decode attachments of activity %d: %w", a.ID, err)
		}
		index[a.ID] = len(out)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list activities: %w", err)
	}
	if err := s.attachParticipants(ctx, out, index); err != nil {
		return nil, err
	}
	if err := s.attachSightings(ctx, out, index); err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Store) attachParticipants(ctx context.Context, acts []model.Activity, index map[int64]int) error {
	rows, err := s.read.QueryContext(ctx, `SELECT activity_id, email, name, role FROM participants ORDER BY activity_id, pos`)
	if err != nil {
		return fmt.Errorf("list participants: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var p model.Participant
		if err := rows.Scan(&id, &p.Email, &p.Name, &p.Role); err != nil {
			return fmt.Errorf("list participants: %w", err)
		}
		if i, ok := index[id]; ok {
			acts[i].Participants = append(acts[i].Participants, p)
		}
	}
	return rows.Err()
}

func (s *Store) attachSightings(ctx context.Context, acts []model.Activity, index map[int64]int) error {
	rows, err := s.read.QueryContext(ctx,
		`SELECT activity_id, mailbox, folder, uidvalidity, uid FROM sightings ORDER BY activity_id, mailbox, folder, uid`)
	if err != nil {
		return fmt.Errorf("list sightings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var sg model.Sighting
		if err := rows.Scan(&id, &sg.Mailbox, &sg.Folder, &sg.UIDValidity, &sg.UID); err != nil {
			return fmt.Errorf("list sightings: %w", err)
		}
		if i, ok := index[id]; ok {
			acts[i].Sightings = append(acts[i].Sightings, sg)
		}
	}
	return rows.Err()
}

// CountActivities returns how many activities are stored.
func (s *Store) CountActivities(ctx context.Context) (int, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	var n int
	if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM activities`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count activities: %w", err)
	}
	return n, nil
}
