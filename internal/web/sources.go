package web

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/store"
)

// outageDays is how far back the sync status lists failure periods.
const outageDays = 30

// sourceView is one mailbox or calendar as the sync status shows it.
type sourceView struct {
	model.SourceState
	// Kind is "mailbox" or "calendar"; Name the configured name.
	Kind, Name, Owner string
	OK                bool
}

// sourcesPage is the sync status.
type sourcesPage struct {
	Page
	Sources []sourceView
	Outages []store.Outage
	Days    int
}

// sourceViews reads every source's state.
func (s *Server) sourceViews(ctx context.Context) ([]sourceView, error) {
	states, err := s.st.SourceStates(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]sourceView, 0, len(states))
	for _, st := range states {
		kind, name := splitSource(st.Source)
		out = append(out, sourceView{SourceState: st, Kind: kind, Name: name, Owner: s.opts.Owners[name], OK: sourceOK(st)})
	}
	return out, nil
}

// splitSource splits "mailbox:NAME" or "calendar:NAME" into its kind
// and name; a source without a kind is of kind "source".
func splitSource(source string) (kind, name string) {
	kind, name, found := strings.Cut(source, ":")
	if !found {
		return "source", source
	}
	return kind, name
}

// sourceOK reports whether a source's last poll succeeded.
func sourceOK(st model.SourceState) bool { return st.ErrorCount == 0 && !st.LastSuccessAt.IsZero() }

// sourcesPage shows each mailbox and calendar: last success, last error,
// items seen, next poll, and the failures of the last outageDays days
// (GET /sources).
func (s *Server) sourcesPage(c *gin.Context) {
	ctx := c.Request.Context()
	views, err := s.sourceViews(ctx)
	if err != nil {
		s.internalError(c, "reading the sync status", err)
		return
	}
	now := s.now()
	outages, err := s.st.Outages(ctx, now.Add(-outageDays*24*time.Hour), now)
	if err != nil {
		s.internalError(c, "reading the sync status", err)
		return
	}
	s.render(c, http.StatusOK, "sources.html", sourcesPage{Page: s.page(c, "Sources", "sources"),
		Sources: views, Outages: outages, Days: outageDays})
}
