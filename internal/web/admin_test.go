package web

import (
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/store"
)

// deal reads a stored deal.
func (e *testEnv) deal(id string) (model.Deal, bool) {
	e.t.Helper()
	deals, err := e.st.Deals(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, d := range deals {
		if d.ID == id {
			return d, true
		}
	}
	return model.Deal{}, false
}

func TestAdminDeals(t *testing.T) {
	e := newEnv(t)
	c := e.as(admin)
	list := c.get("/admin/deals")
	wantStatus(t, list, http.StatusOK, "list")
	wantContains(t, list, `id="admin-deals"`, `href="/admin/deals/D-1/edit"`, `id="new-deal"`, `id="import-deals"`)
	wantContains(t, c.get("/admin/deals/new"), `id="deal-form"`, `<option value="rep1@ourco.example"`)
	wantContains(t, c.get("/admin/deals/D-3/edit"), `value="Initech Renewal"`, `id="close-deal"`)
	wantStatus(t, c.get("/admin/deals/NOPE/edit"), http.StatusNotFound, "unknown deal")

	good := url.Values{"id": {"D-9"}, "name": {"Globex Trial"}, "account": {"Globex"}, "domains": {"globex.example, mail.globex.example"},
		"contacts": {"hank@globex.example"}, "owner": {rep1}, "stage": {"trial"}, "status": {"open"}, "amount": {"1500.50"}, "created": {"2026-05-01"}}
	// Bad input: the form again, naming the field; nothing stored.
	for _, tt := range []struct {
		field, value, want string
	}{
		{"name", "", "name: must not be empty"},
		{"owner", "stranger@elsewhere.example", "owner: &#34;stranger@elsewhere.example&#34; is not a team member"},
		{"created", "May 1st", "created: &#34;May 1st&#34; is not a date (YYYY-MM-DD)"},
		{"status", "maybe", "status: &#34;maybe&#34; is not open, won or lost"},
		{"amount", "12k", "amount: &#34;12k&#34; is not a decimal number"},
		{"domains", "not a domain!", "domains: &#34;domain!&#34; is not a domain"},
		{"id", "D-1", "id: a deal with this ID exists; edit it instead"},
	} {
		form := url.Values{}
		for k, v := range good {
			form[k] = v
		}
		form.Set(tt.field, tt.value)
		before := e.snapshot()
		rec := c.post("/admin/deals", form)
		wantStatus(t, rec, http.StatusUnprocessableEntity, tt.field)
		wantContains(t, rec, tt.want, `id="field-errors"`, `id="deal-form"`)
		if e.snapshot() != before {
			t.Errorf("%s: the store changed", tt.field)
		}
	}
	// A deal imported since the server read its list (a CLI import) is
	// not overwritten either.
	if _, err := e.st.ImportDeals(e.ctx, []model.Deal{{ID: "D-8", Name: "Imported", Account: "Hooli",
		Owner: rep2, Stage: "intro", Status: model.DealOpen, Created: now}}); err != nil {
		t.Fatal(err)
	}
	clash := url.Values{}
	for k, v := range good {
		clash[k] = v
	}
	clash.Set("id", "D-8")
	rec := c.post("/admin/deals", clash)
	wantStatus(t, rec, http.StatusUnprocessableEntity, "an ID imported a moment ago")
	if d, ok := e.deal("D-8"); !ok || d.Name != "Imported" {
		t.Errorf("D-8 = %+v, want the imported deal untouched", d)
	}

	rec = c.post("/admin/deals", good)
	_, flash := c.follow(t, rec)
	if flash != "Deal D-9 created." {
		t.Errorf("flash = %q", flash)
	}
	d, ok := e.deal("D-9")
	if !ok || d.Amount != 1500.50 || len(d.Domains) != 2 || d.Owner != rep1 || d.Contacts[0] != "hank@globex.example" {
		t.Errorf("D-9 = %+v", d)
	}
	// The list knows it at once.
	wantContains(t, c.get("/deals"), "Globex Trial")

	// Edit: the ID stays; the rest changes.
	edit := url.Values{"name": {"Acme Pilot Phase 2"}, "account": {"Acme"}, "domains": {"acme.example"}, "owner": {rep1},
		"stage": {"contract"}, "status": {"open"}, "created": {"2026-01-05"}}
	wantStatus(t, c.post("/admin/deals/D-1", edit), http.StatusSeeOther, "edit")
	if d, _ := e.deal("D-1"); d.Name != "Acme Pilot Phase 2" || d.Stage != "contract" {
		t.Errorf("D-1 = %+v", d)
	}
	edit.Set("closed", "2026-02-01")
	before := e.snapshot()
	rec = c.post("/admin/deals/D-1", edit)
	wantStatus(t, rec, http.StatusUnprocessableEntity, "closed on an open deal")
	wantContains(t, rec, "closed: &#34;2026-02-01&#34; must be empty while the deal is open")
	if e.snapshot() != before {
		t.Error("the store changed")
	}

	// Close.
	rec = c.post("/admin/deals/D-1/close", url.Values{"status": {"won"}, "closed": {"2026-05-20"}})
	_, flash = c.follow(t, rec)
	if flash != "Deal D-1 closed as won." {
		t.Errorf("flash = %q", flash)
	}
	if d, _ := e.deal("D-1"); d.Status != model.DealWon || !d.Closed.Equal(time.Date(2026, 5, 20, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("D-1 = %+v", d)
	}
	before = e.snapshot()
	for _, form := range []url.Values{{"status": {"open"}, "closed": {"2026-05-20"}}, {"status": {"lost"}, "closed": {"yesterday"}}} {
		wantStatus(t, c.post("/admin/deals/D-3/close", form), http.StatusUnprocessableEntity, "bad close "+form.Encode())
	}
	if e.snapshot() != before {
		t.Error("the store changed")
	}
}

func TestAdminImport(t *testing.T) {
	e := newEnv(t)
	c := e.as(admin)
	wantContains(t, c.get("/admin/deals/import"), `id="import-form"`, `enctype="multipart/form-data"`)
	header := "id,name,account,domains,contacts,owner,stage,status,amount,created,closed\n"
	before := e.snapshot()
	body, ct := multipartCSV(t, c.csrf, "deals<img src=x>.csv", header+
		"D-8,Umbrella,Umbrella,umbrella.example,,"+rep1+",lead,open,,2026-05-01,\n"+
		"D-9,,Hooli,hooli.example,,nobody@elsewhere.example,lead,open,,2026-13-01,\n")
	rec := c.do(http.MethodPost, "/admin/deals/import", body, ct)
	wantStatus(t, rec, http.StatusUnprocessableEntity, "bad file")
	wantContains(t, rec, `id="import-errors"`, "deals&lt;img src=x&gt;.csv:3: name: must not be empty",
		"deals&lt;img src=x&gt;.csv:3: owner: &#34;nobody@elsewhere.example&#34; is not a team member",
		"created: &#34;2026-13-01&#34; is not a date")
	wantNotContains(t, rec, "<img src=x")
	if e.snapshot() != before {
		t.Error("a bad file imported something")
	}
	body, ct = multipartCSV(t, c.csrf, "deals.csv", header+
		"D-8,Umbrella,Umbrella,umbrella.example,,"+rep1+",lead,open,,2026-05-01,\n"+
		"D-3,Initech Renewal,Initech,initech.example,,"+rep2+",closing,open,,2026-01-05,\n")
	rec = c.do(http.MethodPost, "/admin/deals/import", body, ct)
	_, flash := c.follow(t, rec)
	if flash != "deals.csv: 1 deals created, 1 updated." {
		t.Errorf("flash = %q", flash)
	}
	if d, ok := e.deal("D-8"); !ok || d.Name != "Umbrella" {
		t.Errorf("D-8 = %+v", d)
	}
	// No file.
	rec = c.post("/admin/deals/import", nil)
	wantStatus(t, rec, http.StatusBadRequest, "no file")
	wantContains(t, rec, "file: choose a CSV file")
}

func TestAdminUsers(t *testing.T) {
	e := newEnv(t)
	c := e.as(admin)
	list := c.get("/admin/users")
	wantStatus(t, list, http.StatusOK, "users")
	wantContains(t, list, `id="users"`, `id="add-user"`, "rep2@ourco.example", "(you)")

	for _, tt := range []struct {
		form url.Values
		want string
	}{
		{url.Values{"email": {"x"}, "name": {"X"}, "role": {"rep"}, "password": {"long enough pw"}}, "email: &#34;x&#34; is not an email address"},
		{url.Values{"email": {"new@ourco.example"}, "role": {"boss"}, "password": {"long enough pw"}}, "role: &#34;boss&#34; is not rep, leader or admin"},
		{url.Values{"email": {"new@ourco.example"}, "role": {"rep"}, "password": {"short"}}, "password: at least 10 characters"},
		{url.Values{"email": {rep1}, "role": {"rep"}, "password": {"long enough pw"}}, "email: a user with this email exists already"},
	} {
		before := e.snapshot()
		rec := c.post("/admin/users", tt.form)
		wantStatus(t, rec, http.StatusUnprocessableEntity, tt.want)
		wantContains(t, rec, "Nothing was changed: "+tt.want)
		if e.snapshot() != before {
			t.Errorf("%s: the store changed", tt.want)
		}
	}
	rec := c.post("/admin/users", url.Values{"email": {"New@OurCo.example"}, "name": {"Nia New"}, "role": {"leader"}, "password": {"a long password"}})
	_, flash := c.follow(t, rec)
	if flash != "User new@ourco.example added as leader." {
		t.Errorf("flash = %q", flash)
	}
	u, hash, err := e.st.UserByEmail(e.ctx, "new@ourco.example")
	if err != nil || u.Role != model.Leader || u.Name != "Nia New" || bcrypt.CompareHashAndPassword([]byte(hash), []byte("a long password")) != nil {
		t.Errorf("new user %+v, %v", u, err)
	}

	// Change a name and role.
	r2 := id(e.users[rep2].ID)
	wantStatus(t, c.post("/admin/users/"+r2, url.Values{"name": {"Robert"}, "role": {"leader"}}), http.StatusSeeOther, "update")
	if u, err := e.st.UserByID(e.ctx, e.users[rep2].ID); err != nil || u.Role != model.Leader || u.Name != "Robert" {
		t.Errorf("rep2 = %+v, %v", u, err)
	}
	before := e.snapshot()
	wantStatus(t, c.post("/admin/users/"+r2, url.Values{"name": {"Robert"}, "role": {"king"}}), http.StatusUnprocessableEntity, "bad role")
	// An admin cannot demote themselves.
	rec = c.post("/admin/users/"+id(e.users[admin].ID), url.Values{"name": {"Ada"}, "role": {"rep"}})
	wantStatus(t, rec, http.StatusUnprocessableEntity, "demote self")
	wantContains(t, rec, "you cannot take away your own admin role")
	if e.snapshot() != before {
		t.Error("the store changed")
	}
	wantStatus(t, c.post("/admin/users/999", url.Values{"name": {"X"}, "role": {"rep"}}), http.StatusNotFound, "unknown user")

	// Reset a password: their sessions end, the new password works.
	victim := e.as(rep1)
	wantStatus(t, victim.get("/deals"), http.StatusOK, "rep1 before")
	r1 := id(e.users[rep1].ID)
	wantStatus(t, c.post("/admin/users/"+r1+"/password", url.Values{"password": {"short"}}), http.StatusUnprocessableEntity, "short password")
	wantStatus(t, victim.get("/deals"), http.StatusOK, "rep1 after a refused reset")
	wantStatus(t, c.post("/admin/users/"+r1+"/password", url.Values{"password": {"brand new password"}}), http.StatusSeeOther, "reset")
	wantStatus(t, victim.get("/deals"), http.StatusSeeOther, "rep1's old session")
	wantStatus(t, e.login(rep1, "brand new password", "", "", ""), http.StatusSeeOther, "login with the new password")
	wantStatus(t, e.login(rep1, password, "198.51.100.3:1", "", ""), http.StatusUnauthorized, "the old password")
	if _, err := e.st.UserByID(e.ctx, 999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UserByID(999) = %v", err)
	}
}
