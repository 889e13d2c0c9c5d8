package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/dealtrail/dealtrail/internal/config"
	"github.com/dealtrail/dealtrail/internal/crm"
	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/store"
)

// adminDealsPage lists the deals for editing.
type adminDealsPage struct {
	Page
	Q                string
	Rows             []*dealRow
	Total, Matching  int
	PrevURL, NextURL string
}

// adminDeals lists the deals with links to edit them (GET /admin/deals),
// ?q= to search, ?page=N.
func (s *Server) adminDeals(c *gin.Context) {
	list, err := s.dealList(c.Request.Context())
	if err != nil {
		s.internalError(c, "reading the deals", err)
		return
	}
	f := dealFilter{Q: c.Query("q"), Sort: sortName}.normalise()
	rows := f.apply(list)
	pageNum, start, end := pageOf(c, len(rows))
	p := adminDealsPage{Page: s.page(c, "Admin: deals", "admin"), Q: f.Q, Rows: rows[start:end],
		Total: len(list.rows), Matching: len(rows)}
	link := func(n int) string {
		v := url.Values{"page": {strconv.Itoa(n)}}
		if f.Q != "" {
			v.Set("q", f.Q)
		}
		return "/admin/deals?" + v.Encode()
	}
	if start > 0 {
		p.PrevURL = link(pageNum - 1)
	}
	if end < len(rows) {
		p.NextURL = link(pageNum + 1)
	}
	s.render(c, http.StatusOK, "admin_deals.html", p)
}

// dealForm is the deal form as filled in; its fields are the columns of
// a deals CSV file, lists separated by ";".
type dealForm struct {
	ID, Name, Account, Domains, Contacts, Owner, Stage, Status, Amount, Created, Closed string
}

// adminDealPage is the form that creates or edits a deal.
type adminDealPage struct {
	Page
	Form dealForm
	// New is set when creating; Errors say what is wrong, by field.
	New     bool
	Errors  []string
	Members []config.Member
}

// adminDealNew shows an empty deal form (GET /admin/deals/new).
func (s *Server) adminDealNew(c *gin.Context) {
	f := dealForm{Status: string(model.DealOpen), Created: s.now().UTC().Format(dateLayout)}
	s.renderDealForm(c, http.StatusOK, f, true, nil)
}

// adminDealEdit shows a deal's form (GET /admin/deals/:id/edit).
func (s *Server) adminDealEdit(c *gin.Context) {
	d, ok := s.findDeal(c)
	if !ok {
		return
	}
	s.renderDealForm(c, http.StatusOK, formOfDeal(d.Deal), false, nil)
}

// adminDealCreate creates a deal (POST /admin/deals); an ID already taken
// is refused.
func (s *Server) adminDealCreate(c *gin.Context) {
	f := postedDealForm(c, strings.TrimSpace(c.PostForm("id")))
	if f.ID != "" {
		// Asked of the store, not of the kept list: a deal imported
		// in the last seconds must not be overwritten.
		_, err := s.st.DealSummary(c.Request.Context(), f.ID, s.now())
		switch {
		case err == nil:
			s.renderDealForm(c, http.StatusUnprocessableEntity, f, true, []string{"id: a deal with this ID exists; edit it instead"})
			return
		case !errors.Is(err, store.ErrNotFound):
			s.internalError(c, "reading the deal", err)
			return
		}
	}
	s.saveDeal(c, f, true, "Deal "+f.ID+" created.")
}

// adminDealUpdate saves a deal's form (POST /admin/deals/:id).
func (s *Server) adminDealUpdate(c *gin.Context) {
	d, ok := s.findDeal(c)
	if !ok {
		return
	}
	s.saveDeal(c, postedDealForm(c, d.ID), false, "Deal "+d.ID+" saved.")
}

// adminDealClose marks a deal won or lost on a date (POST
// /admin/deals/:id/close).
func (s *Server) adminDealClose(c *gin.Context) {
	d, ok := s.findDeal(c)
	if !ok {
		return
	}
	f := formOfDeal(d.Deal)
	f.Status = strings.ToLower(strings.TrimSpace(c.PostForm("status")))
	f.Closed = strings.TrimSpace(c.PostForm("closed"))
	if f.Status != string(model.DealWon) && f.Status != string(model.DealLost) {
		s.renderDealForm(c, http.StatusUnprocessableEntity, formOfDeal(d.Deal), false, []string{"status: choose won or lost"})
		return
	}
	s.saveDeal(c, f, false, "Deal "+d.ID+" closed as "+f.Status+".")
}

// saveDeal checks the form as a deals file would be checked and stores
// the deal, then re-matches what it affects; errors re-render the form.
func (s *Server) saveDeal(c *gin.Context, f dealForm, isNew bool, done string) {
	ctx := c.Request.Context()
	if problems, err := s.importDealForm(ctx, f); err != nil {
		s.internalError(c, "saving the deal", err)
		return
	} else if len(problems) > 0 {
		s.renderDealForm(c, http.StatusUnprocessableEntity, f, isNew, problems)
		return
	}
	s.afterDealsChanged(ctx)
	s.logger.Info("deal saved", "deal_id", f.ID, "user_id", userOf(c).ID)
	s.redirectWithFlash(c, "/admin/deals/"+url.PathEscape(f.ID)+"/edit", done)
}

// importDealForm imports the form's deal through the CSV importer, so a
// deal made here is checked exactly as an imported one. It returns the
// problems found, each naming its field.
func (s *Server) importDealForm(ctx context.Context, f dealForm) ([]string, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"id", "name", "account", "domains", "contacts", "owner", "stage", "status", "amount", "created", "closed"})
	_ = w.Write([]string{f.ID, f.Name, f.Account, f.Domains, f.Contacts, f.Owner, f.Stage, f.Status, f.Amount, f.Created, f.Closed})
	w.Flush()
	_, err := crm.Import(ctx, s.st, &buf, "form", s.opts.Team.IsMember)
	if err == nil {
		return nil, nil
	}
	problems := lineProblems(err)
	if len(problems) == 0 {
		return nil, err
	}
	return problems, nil
}

// lineProblems lists the problems of a deals import error without their
// file and line; nil when err holds none.
func lineProblems(err error) []string {
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	var out []string
	for _, e := range errs {
		var le *crm.LineError
		if !errors.As(e, &le) {
			return nil
		}
		out = append(out, le.Err.Error())
	}
	return out
}

// afterDealsChanged re-matches what a change of deals queued and drops
// what is kept in memory. A failed match is retried by the next sync.
func (s *Server) afterDealsChanged(ctx context.Context) {
	if sum, err := s.opts.Linker.Drain(ctx); err != nil {
		s.logger.Warn("matching after a deal change failed", "err", err)
	} else if len(sum.Changes) > 0 {
		s.logger.Info("matched after a deal change", "moved", len(sum.Changes))
	}
	s.dropCaches()
}

// renderDealForm shows the deal form with the problems found.
func (s *Server) renderDealForm(c *gin.Context, status int, f dealForm, isNew bool, problems []string) {
	title := "Admin: new deal"
	if !isNew {
		title = "Admin: deal " + f.ID
	}
	p := adminDealPage{Page: s.page(c, title, "admin"), Form: f, New: isNew, Errors: problems, Members: s.opts.Members}
	if len(problems) > 0 {
		p.Error = "The deal was not saved; see below."
	}
	s.render(c, status, "admin_deal.html", p)
}

// postedDealForm reads the deal form; id is the deal's ID.
func postedDealForm(c *gin.Context, id string) dealForm {
	get := func(k string) string { return strings.TrimSpace(c.PostForm(k)) }
	list := func(k string) string {
		return strings.Join(strings.FieldsFunc(get(k), func(r rune) bool {
			return r == ';' || r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t'
		}), ";")
	}
	return dealForm{ID: id, Name: get("name"), Account: get("account"), Domains: list("domains"),
		Contacts: list("contacts"), Owner: get("owner"), Stage: get("stage"), Status: get("status"),
		Amount: get("amount"), Created: get("created"), Closed: get("closed")}
}

// formOfDeal fills the form with a stored deal.
func formOfDeal(d model.Deal) dealForm {
	f := dealForm{ID: d.ID, Name: d.Name, Account: d.Account, Domains: strings.Join(d.Domains, ";"),
		Contacts: strings.Join(d.Contacts, ";"), Owner: d.Owner, Stage: d.Stage, Status: string(d.Status)}
	if d.Amount != 0 {
		f.Amount = strconv.FormatFloat(d.Amount, 'f', -1, 64)
	}
	if !d.Created.IsZero() {
		f.Created = d.Created.UTC().Format(dateLayout)
	}
	if !d.Closed.IsZero() {
		f.Closed = d.Closed.UTC().Format(dateLayout)
	}
	return f
}
