package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/dealtrail/dealtrail/internal/config"
	"github.com/dealtrail/dealtrail/internal/decision"
	"github.com/dealtrail/dealtrail/internal/linker"
	"github.com/dealtrail/dealtrail/internal/match"
	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/store"
	"github.com/dealtrail/dealtrail/internal/testenv"
)

// The test team: two reps, a leader and an admin; rep1 owns D-1, rep2
// owns D-2 (same account as D-1) and D-3.
const (
	rep1     = "rep1@ourco.example"
	rep2     = "rep2@ourco.example"
	lead     = "lead@ourco.example"
	admin    = "admin@ourco.example"
	password = "correct horse battery"
)

// Hostile text from outside: markup and a right-to-left override.
const (
	hostileSubject = "<script>alert(1)</script>"
	bidiName       = "Eve \u202eevil\u202c Buyer"
)

// now is the clock of every test server.
var now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

var members = []config.Member{
	{Email: rep1, Name: "Rita Rep", Role: "rep"},
	{Email: rep2, Name: "Rob Rep", Role: "rep"},
	{Email: lead, Name: "Lena Leader", Role: "leader"},
	{Email: admin, Name: "Ada Admin", Role: "admin"},
}

// owners: each rep's mailbox; "shared-box" belongs to nobody.
var owners = map[string]string{"rep1-box": rep1, "rep2-box": rep2}

// testEnv is a server over a fresh store seeded through the store's API.
type testEnv struct {
	t     *testing.T
	ctx   context.Context
	st    *store.Store
	lk    *linker.Linker
	srv   *Server
	clock *testClock
	logs  *testenv.Buffer
	users map[string]model.User
	// acts names the seeded activities: "auto" (on D-1), "review"
	// (D-1 or D-2), "initech" (on D-3), "hostile" (on D-1).
	acts map[string]int64
}

// testClock is a settable clock.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newEnv starts a server over a seeded store; tune adjusts its options.
func newEnv(t *testing.T, tune ...func(*Options)) *testEnv {
	t.Helper()
	return startEnv(t, true, tune...)
}

// newEnvWithoutDeals starts a server over a store with the users only.
func newEnvWithoutDeals(t *testing.T) *testEnv {
	t.Helper()
	return startEnv(t, false)
}

// startEnv starts a server over a fresh store: with the users, and the
// deals and activities when withDeals.
func startEnv(t *testing.T, withDeals bool, tune ...func(*Options)) *testEnv {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "dealtrail.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	team := model.NewTeam([]string{"ourco.example"}, []string{rep1, rep2, lead, admin})
	lk := linker.New(linker.Options{Store: st, Owners: owners,
		Match: match.Config{Team: team, Lookback: 30 * 24 * time.Hour, Grace: 14 * 24 * time.Hour}})
	e := &testEnv{t: t, ctx: ctx, st: st, lk: lk, clock: &testClock{t: now}, logs: &testenv.Buffer{},
		users: map[string]model.User{}, acts: map[string]int64{}}
	e.seedUsers()
	if withDeals {
		e.seed()
	}
	opts := Options{
		Store: st, Decider: decision.New(st, lk), Linker: lk, Team: team, Owners: owners, Members: members,
		Backfill: 365 * 24 * time.Hour, CalendarPast: 365 * 24 * time.Hour,
		Logger: slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:    e.clock.now, BcryptCost: bcrypt.MinCost,
	}
	for _, f := range tune {
		f(&opts)
	}
	if e.srv, err = New(opts); err != nil {
		t.Fatal(err)
	}
	return e
}

// seedUsers adds one user per member, each with the test password.
func (e *testEnv) seedUsers() {
	t := e.t
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range members {
		u, err := e.st.AddUser(e.ctx, model.User{Email: m.Email, Name: m.Name, Role: model.UserRole(m.Role)}, string(hash))
		if err != nil {
			t.Fatal(err)
		}
		e.users[m.Email] = u
	}
}

// seed adds the deals and activities most tests start with.
func (e *testEnv) seed() {
	t := e.t
	jan := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	if _, err := e.st.ImportDeals(e.ctx, []model.Deal{
		{ID: "D-1", Name: "Acme Pilot", Account: "Acme", Domains: []string{"acme.example"}, Owner: rep1, Stage: "proposal", Status: model.DealOpen, Created: jan},
		{ID: "D-2", Name: "Acme Rollout", Account: "Acme", Domains: []string{"acme.example"}, Owner: rep2, Stage: "discovery", Status: model.DealOpen, Created: jan},
		{ID: "D-3", Name: "Initech Renewal", Account: "Initech", Domains: []string{"initech.example"}, Owner: rep2, Stage: "negotiation", Status: model.DealOpen, Created: jan},
	}); err != nil {
		t.Fatal(err)
	}
	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 9, 30, 0, 0, time.UTC) }
	e.saveMail("rep1-box", 1, email("auto@acme.example", day(3, 2), "cto@acme.example", "Carla CTO", rep1, "Pilot pricing", "Can we start in April?"))
	e.saveMail("shared-box", 1, email("review@acme.example", day(3, 9), "buyer@acme.example", "Bea Buyer", "sales@ourco.example", "Which offer?", "We have two proposals from you."))
	e.saveMail("rep2-box", 1, email("initech@initech.example", day(4, 1), "ceo@initech.example", "Ian CEO", rep2, "Renewal terms", "Send the renewal."))
	hostile := email("hostile@acme.example", day(4, 20), "eve@acme.example", bidiName, rep1, hostileSubject, "<b>bold</b> & \u202eoverride")
	hostile.Attachments = []model.Attachment{{Name: "quote<img src=x>.pdf", ContentType: "application/pdf", Size: 2048}}
	e.saveMail("rep1-box", 2, hostile)
	if _, err := e.lk.Drain(e.ctx); err != nil {
		t.Fatal(err)
	}
	for name, key := range map[string]string{"auto": "auto@acme.example", "review": "review@acme.example",
		"initech": "initech@initech.example", "hostile": "hostile@acme.example"} {
		e.acts[name] = e.activityID(key)
	}
}

// email is an inbound email from an outsider to to.
func email(key string, at time.Time, from, fromName, to, subject, snippet string) model.Activity {
	return model.Activity{Kind: model.KindEmail, Key: key, At: at, Direction: model.Inbound, Subject: subject, Snippet: snippet,
		ThreadKey:    key,
		Participants: []model.Participant{{Email: from, Name: fromName, Role: model.RoleFrom}, {Email: to, Role: model.RoleTo}}}
}

// saveMail stores an activity as seen in mailbox at uid.
func (e *testEnv) saveMail(mailbox string, uid uint32, a model.Activity) {
	e.t.Helper()
	a.Sightings = []model.Sighting{{Mailbox: mailbox, Folder: "INBOX", UIDValidity: 1, UID: uid}}
	if err := e.st.SaveFolderBatch(e.ctx, store.FolderBatch{Mailbox: mailbox, Folder: "INBOX",
		Checkpoint: model.FolderState{UIDValidity: 1, LastUID: uid}, Activities: []model.Activity{a}}); err != nil {
		e.t.Fatal(err)
	}
}

// activityID finds a stored activity by key.
func (e *testEnv) activityID(key string) int64 {
	e.t.Helper()
	acts, err := e.st.Activities(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, a := range acts {
		if a.Key == key {
			return a.ID
		}
	}
	e.t.Fatalf("no activity %s", key)
	return 0
}

// activity reads an activity.
func (e *testEnv) activity(id int64) model.Activity {
	e.t.Helper()
	a, err := e.st.Activity(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

// client is a browser logged in as one user, or an API script.
type client struct {
	e      *testEnv
	cookie string
	csrf   string
	token  string
	// remote is the client address; origin, when set, is sent as Origin
	// and Sec-Fetch-Site cross-site.
	remote, origin string
}

// as returns a browser with a fresh session of the user email.
func (e *testEnv) as(email string) *client {
	e.t.Helper()
	u, ok := e.users[email]
	if !ok {
		e.t.Fatalf("no user %s", email)
	}
	cookie, csrf := randomToken(32), randomToken(32)
	if err := e.st.CreateSession(e.ctx, store.Session{Hash: HashToken(cookie), UserID: u.ID, CSRF: csrf,
		CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour)}); err != nil {
		e.t.Fatal(err)
	}
	return &client{e: e, cookie: cookie, csrf: csrf}
}

// anon is a browser with no session.
func (e *testEnv) anon() *client { return &client{e: e} }

// withToken returns an API client with a new bearer token of the user.
func (e *testEnv) withToken(email string) *client {
	e.t.Helper()
	token := "dt_" + randomToken(32)
	if err := e.st.AddToken(e.ctx, e.users[email].ID, HashToken(token), "test", now); err != nil {
		e.t.Fatal(err)
	}
	return &client{e: e, token: token}
}

// do sends a request through the whole handler.
func (c *client) do(method, target string, body io.Reader, contentType string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, body)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return c.serve(req)
}

// serve adds the client's credentials, address and origin to req and
// runs it through the whole handler.
func (c *client) serve(req *http.Request) *httptest.ResponseRecorder {
	if c.remote != "" {
		req.RemoteAddr = c.remote
	}
	if c.cookie != "" {
		req.AddCookie(&http.Cookie{Name: SessionCookie, Value: c.cookie})
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.origin != "" {
		req.Header.Set("Origin", c.origin)
		req.Header.Set("Sec-Fetch-Site", "cross-site")
	}
	rec := httptest.NewRecorder()
	c.e.srv.Handler().ServeHTTP(rec, req)
	return rec
}

func (c *client) get(target string) *httptest.ResponseRecorder {
	return c.do(http.MethodGet, target, nil, "")
}

// post sends a form with the session's CSRF token (unless form sets one).
func (c *client) post(target string, form url.Values) *httptest.ResponseRecorder {
	if form == nil {
		form = url.Values{}
	}
	if _, set := form["csrf"]; !set && c.csrf != "" {
		form.Set("csrf", c.csrf)
	}
	return c.do(http.MethodPost, target, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
}

// postJSON sends a JSON body (with the CSRF header when logged in).
func (c *client) postJSON(target, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	return c.serve(req)
}

// wantStatus fails unless rec has status want.
func wantStatus(t *testing.T, rec *httptest.ResponseRecorder, want int, what string) {
	t.Helper()
	if rec.Code != want {
		body := rec.Body.String()
		if len(body) > 800 {
			body = body[:800] + "..."
		}
		t.Fatalf("%s: status %d, want %d; location %q; body:\n%s", what, rec.Code, want, rec.Header().Get("Location"), body)
	}
}

// wantContains fails unless the body holds each of subs.
func wantContains(t *testing.T, rec *httptest.ResponseRecorder, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(rec.Body.String(), s) {
			t.Errorf("body does not contain %q", s)
		}
	}
}

// wantNotContains fails if the body holds any of subs.
func wantNotContains(t *testing.T, rec *httptest.ResponseRecorder, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if strings.Contains(rec.Body.String(), s) {
			t.Errorf("body contains %q", s)
		}
	}
}

var flashRE = regexp.MustCompile(`<p class="flash" role="status" id="flash">([^<]*)</p>`)

// follow gets the redirect target of rec and returns the page with its
// flash message.
func (c *client) follow(t *testing.T, rec *httptest.ResponseRecorder) (*httptest.ResponseRecorder, string) {
	t.Helper()
	wantStatus(t, rec, http.StatusSeeOther, "redirect")
	// A browser keeps the #fragment to itself.
	target, _, _ := strings.Cut(rec.Header().Get("Location"), "#")
	next := c.getWithCookies(target, rec.Result().Cookies())
	m := flashRE.FindStringSubmatch(next.Body.String())
	if m == nil {
		return next, ""
	}
	return next, m[1]
}

// getWithCookies gets target sending also the cookies a response set.
func (c *client) getWithCookies(target string, cookies []*http.Cookie) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for _, ck := range cookies {
		if ck.Name != SessionCookie && ck.MaxAge >= 0 {
			req.AddCookie(ck)
		}
	}
	return c.serve(req)
}

// id formats an activity ID.
func id(n int64) string { return fmt.Sprint(n) }

// regexpCSRF finds a page's CSRF token.
var regexpCSRF = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
