package web

import (
	"fmt"
	"net/http"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/store"
)

// Limits of a note or call.
const (
	dateLayout     = "2006-01-02"
	maxSubject     = 200
	maxNoteBody    = 4000
	maxCallWith    = 20
	maxFutureNotes = 24 * time.Hour
)

// noteForm is the form that adds a note or a call, as filled in.
type noteForm struct {
	Kind, Date, Time, Subject, Body, With string
	Error                                 string
}

// dealNote adds a note or a logged call to a deal (POST
// /deals/:id/notes). Bad input re-renders the timeline with the form and
// a message naming the field; nothing is stored.
func (s *Server) dealNote(c *gin.Context) {
	d, ok := s.findDeal(c)
	if !ok {
		return
	}
	u := userOf(c)
	if !canAddNote(u, d.DealSummary) {
		s.fail(c, http.StatusForbidden, "Only the deal's owner, a leader or an admin can add notes and calls to this deal.")
		return
	}
	form := noteForm{Kind: c.PostForm("kind"), Date: strings.TrimSpace(c.PostForm("date")),
		Time: strings.TrimSpace(c.PostForm("time")), Subject: strings.TrimSpace(c.PostForm("subject")),
		Body: strings.TrimSpace(c.PostForm("body")), With: strings.TrimSpace(c.PostForm("with"))}
	in, err := s.noteInput(form, d.ID, u.Email)
	if err != nil {
		p, ok := s.timelinePageOf(c, d, 0, false)
		if !ok {
			return
		}
		form.Error = err.Error()
		p.Note = form
		p.Error = "The note was not added: " + form.Error
		s.render(c, http.StatusUnprocessableEntity, "deal.html", p)
		return
	}
	a, err := s.st.AddNote(c.Request.Context(), in)
	if err != nil {
		s.internalError(c, "adding the note", err)
		return
	}
	s.dropCaches()
	s.logger.Info("note added", "deal_id", d.ID, "activity_id", a.ID, "user_id", u.ID)
	s.redirectWithFlash(c, "/deals/"+url.PathEscape(d.ID)+"#activity-"+strconv.FormatInt(a.ID, 10),
		kindLabel(in.Kind)+" added to the timeline.")
}

// noteInput checks the form; its error names the field.
func (s *Server) noteInput(f noteForm, dealID, author string) (store.NoteInput, error) {
	in := store.NoteInput{DealID: dealID, Author: author, Subject: f.Subject, Body: f.Body}
	switch model.Kind(f.Kind) {
	case model.KindNote, model.KindCall:
		in.Kind = model.Kind(f.Kind)
	default:
		return in, fmt.Errorf("kind: choose a note or a call")
	}
	day, err := time.Parse(dateLayout, f.Date)
	if err != nil {
		return in, fmt.Errorf("date: %q is not a date (YYYY-MM-DD)", f.Date)
	}
	in.At = day
	if f.Time != "" {
		clock, err := time.Parse("15:04", f.Time)
		if err != nil {
			return in, fmt.Errorf("time: %q is not a time of day (HH:MM, UTC)", f.Time)
		}
		in.At = day.Add(time.Duration(clock.Hour())*time.Hour + time.Duration(clock.Minute())*time.Minute)
	} else if now := s.now().UTC(); now.Format(dateLayout) == f.Date {
		in.At = now.Truncate(time.Minute)
	}
	if in.At.After(s.now().Add(maxFutureNotes)) {
		return in, fmt.Errorf("date: %s is in the future; notes and calls record what happened", f.Date)
	}
	switch n := utf8.RuneCountInString(in.Subject); {
	case n == 0:
		return in, fmt.Errorf("subject: write a few words saying what it was about")
	case n > maxSubject:
		return in, fmt.Errorf("subject: %d characters is too long (at most %d)", n, maxSubject)
	}
	if n := utf8.RuneCountInString(in.Body); n > maxNoteBody {
		return in, fmt.Errorf("text: %d characters is too long (at most %d)", n, maxNoteBody)
	}
	for _, w := range strings.FieldsFunc(f.With, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' || r == '\r' || r == '\t' }) {
		addr, err := mail.ParseAddress(w)
		if err != nil || addr.Address != w {
			return in, fmt.Errorf("with: %q is not an email address", w)
		}
		in.With = append(in.With, strings.ToLower(w))
	}
	if len(in.With) > maxCallWith {
		return in, fmt.Errorf("with: at most %d people", maxCallWith)
	}
	if in.Kind == model.KindNote && len(in.With) > 0 {
		return in, fmt.Errorf("with: only a call has people spoken to; leave it empty for a note")
	}
	return in, nil
}
