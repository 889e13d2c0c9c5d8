package web

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/dealtrail/dealtrail/internal/store"
)

// route is one route of the router, with a path to call it by.
type route struct {
	method, pattern string
	// path is the pattern filled in (set by paths).
	path string
	// kind: "public", "ui", "admin" or "api".
	kind string
}

// routeTable lists every route the router wires, filled in for e.
func routeTable(e *testEnv) []route {
	review := id(e.acts["review"])
	rep2ID := id(e.users[rep2].ID)
	return []route{
		{"GET", "/healthz", "/healthz", "public"},
		{"HEAD", "/healthz", "/healthz", "public"},
		{"GET", "/metrics", "/metrics", "public"},
		{"GET", "/static/*file", "/static/app.css", "public"},
		{"GET", "/login", "/login", "public"},
		{"POST", "/login", "/login", "public"},
		{"GET", "/", "/", "ui"},
		{"POST", "/logout", "/logout", "ui"},
		{"GET", "/deals", "/deals", "ui"},
		{"GET", "/deals/:id", "/deals/D-1", "ui"},
		{"POST", "/deals/:id/notes", "/deals/D-1/notes", "ui"},
		{"GET", "/deals/:id/export.json", "/deals/D-1/export.json", "ui"},
		{"GET", "/deals/:id/export.csv", "/deals/D-1/export.csv", "ui"},
		{"GET", "/deals/:id/print", "/deals/D-1/print", "ui"},
		{"GET", "/activities/:id", "/activities/" + review, "ui"},
		{"GET", "/review", "/review", "ui"},
		{"POST", "/review/decide", "/review/decide", "ui"},
		{"GET", "/corrections", "/corrections", "ui"},
		{"GET", "/sources", "/sources", "ui"},
		{"GET", "/admin", "/admin", "admin"},
		{"GET", "/admin/deals", "/admin/deals", "admin"},
		{"GET", "/admin/deals/new", "/admin/deals/new", "admin"},
		{"POST", "/admin/deals", "/admin/deals", "admin"},
		{"GET", "/admin/deals/:id/edit", "/admin/deals/D-1/edit", "admin"},
		{"POST", "/admin/deals/:id", "/admin/deals/D-1", "admin"},
		{"POST", "/admin/deals/:id/close", "/admin/deals/D-1/close", "admin"},
		{"GET", "/admin/deals/import", "/admin/deals/import", "admin"},
		{"POST", "/admin/deals/import", "/admin/deals/import", "admin"},
		{"GET", "/admin/users", "/admin/users", "admin"},
		{"POST", "/admin/users", "/admin/users", "admin"},
		{"POST", "/admin/users/:id", "/admin/users/" + rep2ID, "admin"},
		{"POST", "/admin/users/:id/password", "/admin/users/" + rep2ID + "/password", "admin"},
		{"GET", "/api/v1/deals", "/api/v1/deals", "api"},
		{"GET", "/api/v1/deals/:id", "/api/v1/deals/D-1", "api"},
		{"GET", "/api/v1/review", "/api/v1/review", "api"},
		{"POST", "/api/v1/activities/:id/decision", "/api/v1/activities/" + review + "/decision", "api"},
		{"GET", "/api/v1/sources", "/api/v1/sources", "api"},
	}
}

// validBody is a request body that the route accepts and acts on, so
// that a refusal in a test is the protection's doing. csrf is put in the
// form ("" leaves it out).
func validBody(t *testing.T, e *testEnv, r route, csrf string) (io.Reader, string) {
	t.Helper()
	form := url.Values{}
	switch r.pattern {
	case "/login":
		form = url.Values{"email": {lead}, "password": {password}}
	case "/deals/:id/notes":
		form = url.Values{"kind": {"note"}, "date": {"2026-05-30"}, "subject": {"Lunch with the CTO"}}
	case "/review/decide":
		form = url.Values{"id": {id(e.acts["review"])}, "do": {"confirm:D-1"}}
	case "/admin/deals":
		form = url.Values{"id": {"D-9"}, "name": {"Globex Trial"}, "account": {"Globex"}, "domains": {"globex.example"},
			"owner": {rep1}, "status": {"open"}, "created": {"2026-05-01"}}
	case "/admin/deals/:id":
		form = url.Values{"name": {"Acme Pilot Renamed"}, "account": {"Acme"}, "domains": {"acme.example"},
			"owner": {rep1}, "stage": {"proposal"}, "status": {"open"}, "created": {"2026-01-05"}}
	case "/admin/deals/:id/close":
		form = url.Values{"status": {"won"}, "closed": {"2026-05-20"}}
	case "/admin/deals/import":
		return multipartCSV(t, csrf, "deals.csv", "id,name,account,domains,contacts,owner,stage,status,amount,created,closed\n"+
			"D-8,Umbrella Deal,Umbrella,umbrella.example,,"+rep1+",lead,open,,2026-05-01,\n")
	case "/admin/users":
		form = url.Values{"email": {"new@ourco.example"}, "name": {"New Rep"}, "role": {"rep"}, "password": {"a long enough password"}}
	case "/admin/users/:id":
		form = url.Values{"name": {"Robert Rep"}, "role": {"leader"}}
	case "/admin/users/:id/password":
		form = url.Values{"password": {"another long password"}}
	case "/api/v1/activities/:id/decision":
		return strings.NewReader(`{"action":"confirm","deal":"D-1"}`), "application/json"
	}
	if csrf != "" {
		form.Set("csrf", csrf)
	}
	return strings.NewReader(form.Encode()), "application/x-www-form-urlencoded"
}

// multipartCSV is an upload form holding a CSV file.
func multipartCSV(t *testing.T, csrf, name, content string) (io.Reader, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if csrf != "" {
		if err := w.WriteField("csrf", csrf); err != nil {
			t.Fatal(err)
		}
	}
	fw, err := w.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(fw, content); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf, w.FormDataContentType()
}

// send calls route r as client c with a valid body carrying csrf (in the
// form, or the X-CSRF-Token header for the API).
func (c *client) send(t *testing.T, r route, csrf string) *httptest.ResponseRecorder {
	t.Helper()
	var body io.Reader
	var ct string
	if r.method == http.MethodPost {
		body, ct = validBody(t, c.e, r, csrf)
	}
	req := httptest.NewRequest(r.method, r.path, body)
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if r.kind == "api" && csrf != "" {
		req.Header.Set("X-CSRF-Token", csrf)
	}
	return c.serve(req)
}

// snapshot describes what a refused request must not change.
func (e *testEnv) snapshot() string {
	e.t.Helper()
	var b strings.Builder
	deals, err := e.st.Deals(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	fmt.Fprintf(&b, "deals %+v\n", deals)
	users, err := e.st.Users(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, u := range users {
		_, hash, err := e.st.UserByEmail(e.ctx, u.Email)
		if err != nil {
			e.t.Fatal(err)
		}
		fmt.Fprintf(&b, "user %d %s %s %s %s\n", u.ID, u.Email, u.Name, u.Role, hash)
	}
	acts, err := e.st.Activities(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, a := range acts {
		fmt.Fprintf(&b, "activity %d %s %+v\n", a.ID, a.Subject, a.Link)
	}
	ds, err := e.st.Decisions(e.ctx, store.DecisionFilter{})
	if err != nil {
		e.t.Fatal(err)
	}
	fmt.Fprintf(&b, "decisions %d\n", len(ds))
	return b.String()
}

func TestEveryRouteIsTested(t *testing.T) {
	e := newEnv(t)
	engine, err := e.srv.routes()
	if err != nil {
		t.Fatal(err)
	}
	var tested []string
	for _, r := range routeTable(e) {
		tested = append(tested, r.method+" "+r.pattern)
	}
	for _, r := range engine.Routes() {
		if !slices.Contains(tested, r.Method+" "+r.Path) {
			t.Errorf("route %s %s is not in routeTable, so no test covers it", r.Method, r.Path)
		}
	}
	if len(engine.Routes()) != len(tested) {
		t.Errorf("router has %d routes, routeTable %d", len(engine.Routes()), len(tested))
	}
}
