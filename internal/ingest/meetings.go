package ingest

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"unicode"

	"github.com/dealtrail/dealtrail/internal/mailparse"
	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/store"
)

// SaveCalendar stores the occurrences of a calendar batch as meeting
// activities, each seen in the batch's calendar, and the source's feed
// state in the same transaction, then has them matched like mail.
// Meetings within the team, and those whose organizer is their only
// participant, are not deal activities and are left out; the feed state
// is saved all the same.
func (in *Ingester) SaveCalendar(ctx context.Context, b model.CalendarBatch) error {
	if err := in.saveCalendar(ctx, b); err != nil {
		return err
	}
	in.drain(ctx)
	return nil
}

// saveCalendar is SaveCalendar without the matching of what was queued.
func (in *Ingester) saveCalendar(ctx context.Context, b model.CalendarBatch) error {
	cb := store.CalendarBatch{Source: b.Source, State: b.State}
	for _, o := range b.Occurrences {
		if o.UID == "" {
			in.logger.Warn("meeting without uid left out", "calendar", b.Source, "start", o.Start)
			continue
		}
		if a, ok := in.meetingActivity(o); ok {
			a.Sightings = []model.Sighting{{Calendar: b.Source}}
			cb.Activities = append(cb.Activities, a)
		}
	}
	err := in.linker.MatchNew(ctx, cb.Activities, func(catalogVersion int64) error {
		cb.CatalogVersion = catalogVersion
		return in.store.SaveCalendarBatch(ctx, cb)
	})
	if err != nil {
		return fmt.Errorf("store calendar %s: %w", b.Source, err)
	}
	return nil
}

// meetingActivity builds the activity of an occurrence; false when it is
// not a deal activity: nobody outside the team, or nobody but the
// organizer, takes part.
func (in *Ingester) meetingActivity(o model.Occurrence) (model.Activity, bool) {
	ps := organizerFirst(o.Participants)
	organizer := ""
	if len(ps) > 0 && ps[0].Role == model.RoleOrganizer {
		organizer = ps[0].Email
	}
	if !othersThan(organizer, ps) {
		return model.Activity{}, false
	}
	direction := in.team.Direction(organizer, ps)
	if direction == model.Internal {
		return model.Activity{}, false
	}
	m := o.Meeting
	m.Start, m.End = m.Start.UTC(), m.End.UTC()
	m.Instance = m.Instance.UTC()
	if m.Instance.IsZero() {
		m.Instance = m.Start // a single event is its own instance
	}
	return model.Activity{
		Kind:         model.KindMeeting,
		Key:          m.Key(),
		At:           m.Start,
		Direction:    direction,
		Subject:      o.Summary,
		Snippet:      in.meetingSnippet(o.Description),
		Participants: ps,
		Meeting:      &m,
	}, true
}

// organizerFirst returns ps with the organizer moved to the front, the
// others in their order; ps itself when it is there already.
func organizerFirst(ps []model.Participant) []model.Participant {
	for i, p := range ps {
		if p.Role != model.RoleOrganizer {
			continue
		}
		if i == 0 {
			return ps
		}
		out := make([]model.Participant, 0, len(ps))
		out = append(out, p)
		out = append(out, ps[:i]...)
		return append(out, ps[i+1:]...)
	}
	return ps
}

// othersThan reports whether anybody but organizer takes part.
func othersThan(organizer string, ps []model.Participant) bool {
	for _, p := range ps {
		if p.Email != "" && !strings.EqualFold(p.Email, organizer) {
			return true
		}
	}
	return false
}

// snippet makes a description into a one-line snippet of at most maxRunes
// runes, like a mail snippet: invalid UTF-8 repaired, white space and
// control characters collapsed to single spaces, and a long text cut at a
// word boundary when there is one in its second half.
func snippet(s string, maxRunes int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	b.Grow(min(len(s), 4*maxRunes+4))
	runes, space := 0, false
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			space = true
			continue
		}
		if r == '\uFFFD' || r == '\u200b' || r == '\ufeff' {
			continue
		}
		if space && b.Len() > 0 {
			if runes == maxRunes {
				break // the text ends with a word here
			}
			b.WriteByte(' ')
			runes++
		}
		space = false
		if runes == maxRunes {
			return cutAtWord(b.String())
		}
		b.WriteRune(r)
		runes++
	}
	return strings.TrimRight(b.String(), " ")
}

// cutAtWord drops the word that a cut split, when a word boundary lies in
// the second half of s.
func cutAtWord(s string) string {
	if i := strings.LastIndexByte(s, ' '); i > len(s)/2 {
		return s[:i]
	}
	return s
}

// meetingSnippet is the stored text of a meeting's description: at most
// the snippet limit, or mailparse.DefaultSnippetLen when there is none.
func (in *Ingester) meetingSnippet(description string) string {
	if in.snippetLen < 0 {
		return ""
	}
	return snippet(description, cmp.Or(in.snippetLen, mailparse.DefaultSnippetLen))
}
