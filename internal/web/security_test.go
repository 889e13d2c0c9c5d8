package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestUnauthenticatedIsSentToLogin(t *testing.T) {
	e := newEnv(t)
	anon := e.anon()
	for _, r := range routeTable(e) {
		if r.kind == "public" {
			continue
		}
		t.Run(r.method+" "+r.pattern, func(t *testing.T) {
			before := e.snapshot()
			rec := anon.send(t, r, "")
			if r.kind == "api" {
				wantStatus(t, rec, http.StatusUnauthorized, r.path)
				var body struct{ Error string }
				if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error == "" {
					t.Errorf("body %q is not a JSON error", rec.Body.String())
				}
			} else {
				wantStatus(t, rec, http.StatusSeeOther, r.path)
				loc := rec.Header().Get("Location")
				if !strings.HasPrefix(loc, "/login?next=") {
					t.Errorf("Location = %q, want the login page", loc)
				}
				if r.method == http.MethodGet && loc != "/login?next="+strings.ReplaceAll(r.path, "/", "%2F") {
					t.Errorf("Location = %q, want next=%s", loc, r.path)
				}
			}
			if after := e.snapshot(); after != before {
				t.Errorf("the store changed:\n%s\nto\n%s", before, after)
			}
		})
	}
}

func TestAdminRoutesRefuseOtherRoles(t *testing.T) {
	e := newEnv(t)
	for _, who := range []string{rep1, lead} {
		c := e.as(who)
		for _, r := range routeTable(e) {
			if r.kind != "admin" {
				continue
			}
			t.Run(who+" "+r.method+" "+r.pattern, func(t *testing.T) {
				before := e.snapshot()
				rec := c.send(t, r, c.csrf)
				wantStatus(t, rec, http.StatusForbidden, r.path)
				wantContains(t, rec, "Only an admin")
				if after := e.snapshot(); after != before {
					t.Errorf("the store changed")
				}
			})
		}
	}
}

// TestValidPostsSucceed shows that the bodies the refusal tests send are
// accepted with the right credentials, so that a refusal is the
// protection's doing and not bad input's.
func TestValidPostsSucceed(t *testing.T) {
	for _, r := range routeTable(newEnv(t)) {
		if r.method != http.MethodPost {
			continue
		}
		t.Run(r.pattern, func(t *testing.T) {
			e := newEnv(t)
			r := routeFor(e, r.method, r.pattern)
			c := e.as(admin)
			if r.pattern == "/login" {
				c = e.anon()
			}
			before := e.snapshot()
			rec := c.send(t, r, c.csrf)
			want := http.StatusSeeOther
			if r.kind == "api" {
				want = http.StatusOK
			}
			wantStatus(t, rec, want, r.path)
			if r.pattern != "/login" && r.pattern != "/logout" && e.snapshot() == before {
				t.Errorf("the store did not change")
			}
		})
	}
}

// routeFor finds the route of method and pattern in e's table.
func routeFor(e *testEnv, method, pattern string) route {
	for _, r := range routeTable(e) {
		if r.method == method && r.pattern == pattern {
			return r
		}
	}
	e.t.Fatalf("no route %s", pattern)
	return route{}
}

func TestCrossOriginPostsAreRefused(t *testing.T) {
	e := newEnv(t)
	for _, r := range routeTable(e) {
		if r.method != http.MethodPost {
			continue
		}
		t.Run(r.pattern, func(t *testing.T) {
			c := e.as(admin)
			c.origin = "https://evil.example"
			before := e.snapshot()
			rec := c.send(t, r, c.csrf)
			wantStatus(t, rec, http.StatusForbidden, r.path)
			if after := e.snapshot(); after != before {
				t.Errorf("the store changed")
			}
			// The session survives a forged logout.
			c.origin = ""
			wantStatus(t, c.get("/deals"), http.StatusOK, "the session afterwards")
		})
	}
}

func TestCSRFTokenIsRequired(t *testing.T) {
	e := newEnv(t)
	for _, r := range routeTable(e) {
		if r.method != http.MethodPost || r.pattern == "/login" {
			continue
		}
		for _, token := range []string{"", "wrong-token"} {
			t.Run(r.pattern+" token "+token, func(t *testing.T) {
				c := e.as(admin)
				before := e.snapshot()
				rec := c.send(t, r, token)
				wantStatus(t, rec, http.StatusForbidden, r.path)
				if r.kind == "api" {
					wantContains(t, rec, `"error"`)
				} else {
					wantContains(t, rec, "did not come from dealtrail")
				}
				if after := e.snapshot(); after != before {
					t.Errorf("the store changed")
				}
				wantStatus(t, c.get("/deals"), http.StatusOK, "the session afterwards")
			})
		}
	}
}

func TestAnotherSessionsTokenIsRefused(t *testing.T) {
	e := newEnv(t)
	c, other := e.as(lead), e.as(admin)
	before := e.snapshot()
	rec := c.post("/review/decide", map[string][]string{"id": {id(e.acts["review"])}, "do": {"confirm:D-1"}, "csrf": {other.csrf}})
	wantStatus(t, rec, http.StatusForbidden, "a token of another session")
	if e.snapshot() != before {
		t.Errorf("the store changed")
	}
}

func TestBearerTokens(t *testing.T) {
	e := newEnv(t)
	api := e.withToken(lead)
	// No cookie, no CSRF token: a script's request.
	rec := api.postJSON("/api/v1/activities/"+id(e.acts["review"])+"/decision", `{"action":"reassign","deal":"D-2"}`)
	wantStatus(t, rec, http.StatusOK, "decision by token")
	if l := e.activity(e.acts["review"]).Link; l.DealID != "D-2" || l.DecidedBy != lead {
		t.Errorf("link = %+v, want D-2 decided by the leader", l)
	}
	wantStatus(t, api.get("/api/v1/deals"), http.StatusOK, "API by token")
	// Tokens are for the API only.
	rec = api.get("/deals")
	wantStatus(t, rec, http.StatusSeeOther, "HTML by token")
	// A wrong token or scheme is refused.
	bad := e.anon()
	bad.token = "dt_nope"
	wantStatus(t, bad.get("/api/v1/deals"), http.StatusUnauthorized, "unknown token")
	req := e.anon()
	r := req.do(http.MethodGet, "/api/v1/deals", nil, "")
	wantStatus(t, r, http.StatusUnauthorized, "no token")
}

func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t)
	c := e.as(lead)
	evil := e.as(lead)
	evil.origin = "https://evil.example"
	for name, rec := range map[string]interface{ Result() *http.Response }{
		"page":         c.get("/deals"),
		"not found":    c.get("/nowhere"),
		"static":       c.get("/static/app.js"),
		"api":          c.get("/api/v1/deals"),
		"login":        e.anon().get("/login"),
		"cross-origin": evil.post("/logout", nil),
		"healthz":      e.anon().get("/healthz"),
	} {
		h := rec.Result().Header
		if got := h.Get("Content-Security-Policy"); got != contentSecurityPolicy {
			t.Errorf("%s: Content-Security-Policy = %q", name, got)
		}
		if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options = %q", name, got)
		}
		if got := h.Get("Referrer-Policy"); got != "same-origin" {
			t.Errorf("%s: Referrer-Policy = %q", name, got)
		}
	}
	if !strings.Contains(contentSecurityPolicy, "script-src 'self'") || strings.Contains(contentSecurityPolicy, "unsafe-inline") {
		t.Errorf("the policy must forbid inline script: %s", contentSecurityPolicy)
	}
}

// TestTemplatesHaveNoInlineCode keeps the pages within the policy: no
// inline script or style, no event handler attributes, no style
// attributes.
func TestTemplatesHaveNoInlineCode(t *testing.T) {
	e := newEnv(t)
	c := e.as(admin)
	pages := []string{"/deals", "/deals/D-1", "/deals/D-1/print", "/review", "/activities/" + id(e.acts["review"]),
		"/corrections", "/sources", "/admin/deals", "/admin/deals/new", "/admin/deals/D-1/edit", "/admin/deals/import", "/admin/users"}
	for _, p := range pages {
		rec := c.get(p)
		wantStatus(t, rec, http.StatusOK, p)
		body := strings.ToLower(rec.Body.String())
		for _, bad := range []string{"<script>", "<style", " style=", " onclick", " onload", " onsubmit", " onchange", "javascript:"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s contains %q", p, bad)
			}
		}
		if strings.Count(body, "<script") != 1 || !strings.Contains(body, `<script src="/static/app.js?v=`) {
			t.Errorf("%s: want exactly the one external script", p)
		}
	}
}
