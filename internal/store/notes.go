package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dealtrail/dealtrail/internal/model"
)

// Limits of what a person types into a note or call log.
const (
	maxNoteBody    = 4000
	maxNoteSubject = 300
)

// NoteInput is a note or a call log that a person adds to a deal.
type NoteInput struct {
	Kind    model.Kind // model.KindNote or model.KindCall
	DealID  string
	Author  string    // member email
	At      time.Time // when the call happened / the note was written; zero is now
	Subject string
	Body    string   // plain text, kept as the snippet (up to 4,000 chars)
	With    []string // for a call: the outside people spoken to (addresses); may be empty
}

// AddNote stores a note or call as an activity (key "note:<random hex>"),
// linked to the deal as confirmed by Author (a human decision), with an
// audit row (action "note" or "call", detail = subject), in one
// transaction; the deal's figures update. ErrNotFound for an unknown deal.
//
// The author takes part as RoleFrom and the people of With as RoleTo
// (addresses lower-cased). A call with someone named in With is outbound:
// the team reached out; a note, or a call with nobody named, is internal.
// The body is at most 4,000 characters and the subject 300; a note needs
// one of them.
func (s *Store) AddNote(ctx context.Context, in NoteInput) (model.Activity, error) {
	a, err := s.noteActivity(in)
	if err != nil {
		return model.Activity{}, fmt.Errorf("add %s to deal %s: %w", in.Kind, in.DealID, err)
	}
	now := s.now()
	decidedAt := unixTime(now.Unix())
	action := model.ActionNote
	if a.Kind == model.KindCall {
		action = model.ActionCall
	}
	var out model.Activity
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if err := checkDeal(ctx, tx, in.DealID); err != nil {
			return err
		}
		var c viewChanges
		w, err := newActivityWriter(ctx, tx)
		if err != nil {
			return err
		}
		defer w.close()
		w.now, w.changes = now.Unix(), &c
		res, err := w.insert.ExecContext(ctx, a.Kind, a.Key, unixSeconds(a.At), a.Direction, a.Subject, a.Snippet,
			"", "", "", "[]", "", w.now)
		if err != nil {
			return fmt.Errorf("insert %s: %w", a.Key, err)
		}
		if a.ID, err = res.LastInsertId(); err != nil {
			return fmt.Errorf("insert %s: %w", a.Key, err)
		}
		w.addParticipants(&a, a.Participants)
		if err := w.flush(ctx); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO links (activity_id, deal_id, state, method, confidence, reason,
			  candidates, decided_by, decided_at, updated_at, at, kind, direction)
			VALUES (?, ?, ?, ?, 1, ?, '[]', ?, ?, ?, ?, ?, ?)`,
			a.ID, in.DealID, model.LinkConfirmed, model.MethodManual, "added by "+a.Link.DecidedBy, a.Link.DecidedBy,
			decidedAt.Unix(), decidedAt.Unix(), unixSeconds(a.At), a.Kind, a.Direction); err != nil {
			return fmt.Errorf("link %s to deal %s: %w", a.Key, in.DealID, err)
		}
		if _, err := insertDecision(ctx, tx, model.Decision{At: decidedAt, Actor: a.Link.DecidedBy, Action: action,
			ActivityID: a.ID, AfterDeal: in.DealID, AfterState: model.LinkConfirmed, Detail: a.Subject}); err != nil {
			return err
		}
		c.deal(in.DealID)
		if err := c.apply(ctx, tx); err != nil {
			return err
		}
		acts, _, err := readActivities(ctx, tx, true, `SELECT `+packActivity("0", true)+activityFrom+` WHERE a.id = ?`, a.ID)
		if err != nil {
			return fmt.Errorf("read back %s: %w", a.Key, err)
		}
		if len(acts) != 1 {
			return fmt.Errorf("read back %s: %w", a.Key, ErrNotFound)
		}
		out = acts[0]
		return nil
	})
	if err != nil {
		return model.Activity{}, fmt.Errorf("add %s to deal %s: %w", in.Kind, in.DealID, err)
	}
	return out, nil
}

// noteActivity checks a note and returns the activity to store, without
// id; its Link carries the author as DecidedBy.
func (s *Store) noteActivity(in NoteInput) (model.Activity, error) {
	if in.Kind != model.KindNote && in.Kind != model.KindCall {
		return model.Activity{}, fmt.Errorf("kind %q is neither %q nor %q", in.Kind, model.KindNote, model.KindCall)
	}
	if in.DealID == "" {
		return model.Activity{}, errors.New("a note needs a deal")
	}
	author := strings.ToLower(strings.TrimSpace(in.Author))
	if !strings.Contains(author, "@") {
		return model.Activity{}, fmt.Errorf("author %q is not an email address", in.Author)
	}
	subject, body := strings.TrimSpace(in.Subject), strings.TrimSpace(in.Body)
	if !utf8.ValidString(subject) || !utf8.ValidString(body) {
		return model.Activity{}, errors.New("subject or body is not valid UTF-8 text")
	}
	if n := utf8.RuneCountInString(body); n > maxNoteBody {
		return model.Activity{}, fmt.Errorf("body of %d characters is longer than %d", n, maxNoteBody)
	}
	if n := utf8.RuneCountInString(subject); n > maxNoteSubject {
		return model.Activity{}, fmt.Errorf("subject of %d characters is longer than %d", n, maxNoteSubject)
	}
	if subject == "" && body == "" {
		return model.Activity{}, errors.New("a note needs a subject or a body")
	}
	at := in.At
	if at.IsZero() {
		at = s.now()
	}
	var key [16]byte
	if _, err := rand.Read(key[:]); err != nil {
		return model.Activity{}, fmt.Errorf("make a key: %w", err)
	}
	a := model.Activity{Kind: in.Kind, Key: fmt.Sprintf("note:%x", key[:]), At: time.Unix(at.Unix(), 0).UTC(),
		Direction: model.Internal, Subject: subject, Snippet: body,
		Participants: []model.Participant{{Email: author, Role: model.RoleFrom}},
		Link:         &model.Link{DealID: in.DealID, State: model.LinkConfirmed, DecidedBy: author}}
	for _, w := range in.With {
		w = strings.ToLower(strings.TrimSpace(w))
		if w == "" {
			continue
		}
		if !strings.Contains(w, "@") || !utf8.ValidString(w) {
			return model.Activity{}, fmt.Errorf("%q (with) is not an email address", w)
		}
		a.Participants = append(a.Participants, model.Participant{Email: w, Role: model.RoleTo})
	}
	a.Participants = uniqueParticipants(a.Participants)
	if a.Kind == model.KindCall && len(a.Participants) > 1 {
		a.Direction = model.Outbound
	}
	return a, nil
}
