package export

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/store"
)

// Source is what an export reads from the database.
type Source interface {
	Deals(ctx context.Context) ([]model.Deal, error)
	// Activities returns every activity in time order.
	Activities(ctx context.Context) ([]model.Activity, error)
}

// Build reads the stored deals and activities into a Document. An activity
// on a deal (linked by the matcher or confirmed by a person) goes to its
// deal; one the matcher could not decide goes to Review with its
// candidates; the others are unlinked, except those a person marked
// private, which are left out. With dealID set, the document holds that one deal and its
// activities, and Review and Unlinked stay empty; an unknown ID is an error
// wrapping store.ErrNotFound.
func Build(ctx context.Context, src Source, dealID string) (Document, error) {
	deals, err := src.Deals(ctx)
	if err != nil {
		return Document{}, fmt.Errorf("export deals: %w", err)
	}
	doc := Document{Deals: []Deal{}, Review: []ReviewItem{}, Unlinked: []Activity{}}
	index := map[string]int{}
	for _, d := range deals {
		if dealID == "" || d.ID == dealID {
			index[d.ID] = len(doc.Deals)
			doc.Deals = append(doc.Deals, Deal{ID: d.ID, Name: d.Name, Account: d.Account, Owner: d.Owner,
				Stage: d.Stage, Status: d.Status, Activities: []Activity{}})
		}
	}
	if dealID != "" && len(doc.Deals) == 0 {
		return Document{}, fmt.Errorf("deal %s %w", dealID, store.ErrNotFound)
	}
	acts, err := src.Activities(ctx)
	if err != nil {
		return Document{}, fmt.Errorf("export activities: %w", err)
	}
	for _, a := range acts {
		l := a.Link
		switch {
		case l != nil && l.Linked():
			if i, ok := index[l.DealID]; ok {
				doc.Deals[i].Activities = append(doc.Deals[i].Activities, NewActivity(a))
			}
		case dealID != "" || l != nil && l.State == model.LinkPrivate:
			// The review queue and unlinked activities belong to no
			// deal; what a person marked private is never exported.
		case l != nil && l.State == model.LinkReview:
			doc.Review = append(doc.Review, ReviewItem{Activity: NewActivity(a), Candidates: slices.Clone(l.Candidates)})
		default:
			doc.Unlinked = append(doc.Unlinked, NewActivity(a))
		}
	}
	return doc, nil
}

// NewActivity converts a stored activity to its exported shape, with empty
// rather than nil lists.
func NewActivity(a model.Activity) Activity {
	out := Activity{ID: a.ID, Kind: a.Kind, Key: a.Key, At: a.At.UTC().Format(time.RFC3339), Direction: a.Direction,
		Subject: a.Subject, Snippet: a.Snippet,
		Participants: make([]Participant, 0, len(a.Participants)),
		Sightings:    make([]Sighting, 0, len(a.Sightings)),
		Attachments:  make([]Attachment, 0, len(a.Attachments))}
	for _, p := range a.Participants {
		out.Participants = append(out.Participants, Participant{Email: p.Email, Name: p.Name, Role: p.Role, Status: p.Status})
	}
	for _, s := range a.Sightings {
		out.Sightings = append(out.Sightings, Sighting{Mailbox: s.Mailbox, Folder: s.Folder, UID: s.UID, Calendar: s.Calendar})
	}
	if m := a.Meeting; m != nil {
		cancelled := m.Cancelled
		out.UID, out.Cancelled = m.UID, &cancelled
		out.Start, out.End = m.Start.UTC().Format(time.RFC3339), m.End.UTC().Format(time.RFC3339)
	}
	for _, f := range a.Attachments {
		out.Attachments = append(out.Attachments, Attachment{Name: f.Name, ContentType: f.ContentType, Size: f.Size})
	}
	if l := a.Link; l != nil {
		out.Link = &Link{Deal: l.DealID, Method: l.Method, State: l.State, Confidence: l.Confidence, Reason: l.Reason,
			Candidates: slices.Clone(l.Candidates), DecidedBy: l.DecidedBy}
	}
	return out
}
