package web

import (
	"strings"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/timeline"
)

// monthView is one month of the timeline as shown.
type monthView struct {
	Start time.Time
	Items []itemView
}

// itemView is one activity of the timeline as shown, written out into
// plain strings: templates evaluate each action by reflection, and a page
// of 200 activities renders several times faster this way. Subject,
// Snippet, People, Files and Location come from outside: they hold no
// markup of ours and go through clean and the template's escaping.
type itemView struct {
	ID int64
	// Kind and Dir are the CSS classes (email, inbound...); KindLabel,
	// DirLabel and When the words shown.
	Kind, Dir, KindLabel, DirLabel string
	At, When                       string
	Location                       string
	Cancelled, Declined, Future    bool
	Subject, Snippet, People       string
	Files                          string
	// Link says how the activity came to be on the deal.
	Link string
	// Gap is the silence before this activity, shown after it (the
	// timeline is newest first).
	Gap *timeline.Gap
}

// window returns the activities to show, newest first and grouped by
// month: those older than the activity before (when not 0), at most
// itemsShown unless all. olderID names the last one shown when older ones
// remain. It walks the timeline without copying what it does not show.
func (s *Server) window(tl timeline.Timeline, before int64, all bool) (months []monthView, shown int, olderID int64) {
	skipping := before != 0
	for mi := len(tl.Months) - 1; mi >= 0; mi-- {
		items := tl.Months[mi].Items
		for ii := len(items) - 1; ii >= 0; ii-- {
			it := &items[ii]
			if skipping {
				skipping = it.Activity.ID != before
				continue
			}
			if !all && shown == itemsShown {
				return months, shown, olderID
			}
			at := it.Activity.At.UTC()
			start := time.Date(at.Year(), at.Month(), 1, 0, 0, 0, 0, time.UTC)
			if len(months) == 0 || !months[len(months)-1].Start.Equal(start) {
				months = append(months, monthView{Start: start})
			}
			last := &months[len(months)-1]
			last.Items = append(last.Items, s.newItemView(it))
			shown++
			olderID = it.Activity.ID
		}
	}
	if skipping { // before named no activity: start from the newest
		return s.window(tl, 0, all)
	}
	return months, shown, 0
}

// newItemView writes out one timeline item.
func (s *Server) newItemView(it *timeline.Item) itemView {
	a := &it.Activity
	v := itemView{ID: a.ID, Kind: string(a.Kind), Dir: string(a.Direction), KindLabel: kindLabel(a.Kind),
		At: a.At.UTC().Format(time.RFC3339), When: formatDateTime(a.At), Cancelled: it.Cancelled, Declined: it.Declined,
		Future: it.Future, Subject: a.Subject, Snippet: a.Snippet, Gap: it.GapBefore}
	if a.Meeting != nil {
		v.Location = a.Meeting.Location
	}
	from, to := splitParticipants(a.Participants)
	if a.Kind == model.KindNote || a.Kind == model.KindCall {
		names := make([]string, len(from))
		for i, p := range from {
			names[i] = s.nameOf(p.Email)
		}
		v.DirLabel = "logged by " + strings.Join(names, ", ")
		if len(to) > 0 {
			v.People = "With " + people(to)
		}
	} else {
		v.DirLabel = directionLabel(a.Direction)
		v.People = people(from)
		if len(to) > 0 {
			v.People += " → " + people(to)
		}
	}
	var files []string
	for _, f := range a.Attachments {
		files = append(files, f.Name+" ("+formatSize(f.Size)+")")
	}
	v.Files = strings.Join(files, ", ")
	switch l := a.Link; {
	case l == nil:
	case l.DecidedBy != "":
		v.Link = "put on this deal by " + s.nameOf(l.DecidedBy)
	default:
		v.Link = stateLabel(l.State)
		if l.Method != "" {
			v.Link += " by " + string(l.Method)
		}
	}
	return v
}

// people writes participants as "Name <email>, email".
func people(ps []model.Participant) string {
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteString(", ")
		}
		if p.Name != "" {
			b.WriteString(p.Name + " <" + p.Email + ">")
		} else {
			b.WriteString(p.Email)
		}
		if p.Status == model.PartDeclined {
			b.WriteString(" (declined)")
		}
	}
	return b.String()
}

// splitParticipants separates the sender (or organizer) from the others
// taking part.
func splitParticipants(ps []model.Participant) (from, to []model.Participant) {
	for _, p := range ps {
		switch p.Role {
		case model.RoleFrom, model.RoleOrganizer:
			from = append(from, p)
		case model.RoleSender, model.RoleReplyTo:
		default:
			to = append(to, p)
		}
	}
	return from, to
}
