// Package ingest is the one door into the store for data from any source:
// it turns normalised records into activities (direction, thread key, time),
// leaves out what is not a deal activity, stores the rest idempotently and
// has the linker match them to deals.
package ingest

import (
	"context"
	"fmt"
	"log/slog"
	"unicode/utf8"

	"github.com/dealtrail/dealtrail/internal/linker"
	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/store"
)

// Store is what ingest needs from the database.
type Store interface {
	SaveFolderBatch(ctx context.Context, b store.FolderBatch) error
	SaveCalendarBatch(ctx context.Context, b store.CalendarBatch) error
}

// Linker matches activities to deals: MatchNew links a batch's new
// activities before they are stored; the store queues the rest (new
// sightings of known activities) in the batch's transaction, and Drain
// matches what is queued.
type Linker interface {
	MatchNew(ctx context.Context, acts []model.Activity, save func(catalogVersion int64) error) error
	Drain(ctx context.Context) (linker.Summary, error)
}

// Ingester stores the records that sources produce and has them matched.
type Ingester struct {
	store   Store
	team    model.Team
	linker  Linker
	logger  *slog.Logger
	invites InviteParser
	// snippetLen caps stored snippets: 0 keeps the sources' own
	// length, a negative value stores none.
	snippetLen int
}

// LimitSnippets caps the body text stored with each activity at n
// characters; a negative n stores none, 0 leaves the sources' lengths.
func (in *Ingester) LimitSnippets(n int) { in.snippetLen = n }

// capSnippet applies the snippet limit to s, a snippet made by a source.
func (in *Ingester) capSnippet(s string) string {
	switch {
	case in.snippetLen < 0:
		return ""
	case in.snippetLen > 0 && utf8.RuneCountInString(s) > in.snippetLen:
		return snippet(s, in.snippetLen)
	}
	return s
}

// InviteParser turns a text/calendar part of an email (an invitation, an
// update, a cancellation) into meeting occurrences.
type InviteParser func(data []byte) ([]model.Occurrence, error)

// ReadInvites makes the ingester store the meetings of the invitations
// found in mail, as seen in the mailbox (see InviteSource).
func (in *Ingester) ReadInvites(parse InviteParser) { in.invites = parse }

// InviteSource names the calendar source of the meetings that came as
// invitations to a mailbox: their sightings carry it, and the owner of
// the mailbox is its owner.
func InviteSource(mailbox string) string { return "invitations to " + mailbox }

// New returns an Ingester that writes to st, tells the team's own
// addresses from outsiders with team, and has lk match what it stored.
func New(st Store, team model.Team, lk Linker, logger *slog.Logger) *Ingester {
	return &Ingester{store: st, team: team, linker: lk, logger: logger}
}

// SaveMailBatch stores the external messages of a folder batch as email
// activities, each with its sighting, and moves the folder checkpoint in the
// same transaction. Internal-only mail only moves the checkpoint.
func (in *Ingester) SaveMailBatch(ctx context.Context, b model.MailBatch) error {
	fb := store.FolderBatch{
		Mailbox:    b.Mailbox,
		Folder:     b.Folder,
		Checkpoint: model.FolderState{UIDValidity: b.UIDValidity, LastUID: b.LastUID},
		Rejected:   b.Rejected,
	}
	for _, fm := range b.Messages {
		if a, ok := in.emailActivity(fm); ok {
			a.Sightings = []model.Sighting{{Mailbox: b.Mailbox, Folder: b.Folder, UIDValidity: b.UIDValidity, UID: fm.UID}}
			fb.Activities = append(fb.Activities, a)
		}
	}
	err := in.linker.MatchNew(ctx, fb.Activities, func(catalogVersion int64) error {
		fb.CatalogVersion = catalogVersion
		return in.store.SaveFolderBatch(ctx, fb)
	})
	if err != nil {
		return fmt.Errorf("store %s %s up to uid %d: %w", b.Mailbox, b.Folder, b.LastUID, err)
	}
	err = in.saveInvites(ctx, b)
	in.drain(ctx) // once for the mail and its invitations
	return err
}

// saveInvites stores the meetings of the batch's invitations. A part that
// cannot be read is logged and left out: the mail itself is stored.
func (in *Ingester) saveInvites(ctx context.Context, b model.MailBatch) error {
	if in.invites == nil {
		return nil
	}
	var occs []model.Occurrence
	for _, fm := range b.Messages {
		for _, data := range fm.Message.Calendars {
			o, err := in.invites(data)
			if err != nil {
				in.logger.Warn("invitation left out", "mailbox", b.Mailbox, "folder", b.Folder, "uid", fm.UID, "err", err)
			}
			occs = append(occs, o...)
		}
	}
	if len(occs) == 0 {
		return nil
	}
	return in.saveCalendar(ctx, model.CalendarBatch{Source: InviteSource(b.Mailbox), Occurrences: occs})
}

// drain matches what the batch queued. A failure is logged, not returned:
// what was stored stays queued and the next drain matches it.
func (in *Ingester) drain(ctx context.Context) {
	if _, err := in.linker.Drain(ctx); err != nil && ctx.Err() == nil {
		in.logger.Warn("matching failed; activities stay queued", "err", err)
	}
}

// Keeps reports whether a message will be stored as an activity: false for
// mail within the team. A source may skip fetching the text of what is not
// kept.
func (in *Ingester) Keeps(m model.Message) bool {
	return in.team.Direction("", m.Participants) != model.Internal
}

// emailActivity builds the activity of a fetched message; false when the
// message is internal-only and so not a deal activity.
func (in *Ingester) emailActivity(fm model.FetchedMessage) (model.Activity, bool) {
	m := fm.Message
	direction := in.team.Direction(sender(m.Participants), m.Participants)
	if direction == model.Internal {
		return model.Activity{}, false
	}
	at := m.Date
	if at.IsZero() {
		at = fm.InternalDate
	}
	return model.Activity{
		Kind:         model.KindEmail,
		Key:          m.Key,
		At:           at.UTC(),
		Direction:    direction,
		Subject:      m.Subject,
		Snippet:      in.capSnippet(m.Snippet),
		ThreadKey:    threadKey(m),
		InReplyTo:    m.InReplyTo,
		References:   m.References,
		Participants: m.Participants,
		Attachments:  m.Attachments,
	}, true
}

// sender is the From address, or Sender when From is missing.
func sender(ps []model.Participant) string {
	var fallback string
	for _, p := range ps {
		switch p.Role {
		case model.RoleFrom:
			return p.Email
		case model.RoleSender:
			fallback = p.Email
		}
	}
	return fallback
}

// threadKey names the conversation a message belongs to: the first message
// of its References chain, its In-Reply-To, or the message itself.
func threadKey(m model.Message) string {
	switch {
	case len(m.References) > 0:
		return m.References[0]
	case m.InReplyTo != "":
		return m.InReplyTo
	default:
		return m.Key
	}
}
