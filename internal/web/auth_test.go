package web

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// login posts the login form from remote (with an X-Forwarded-For when
// xff is set) and returns the response.
func (e *testEnv) login(email, pw, remote, xff, next string) *httptest.ResponseRecorder {
	form := url.Values{"email": {email}, "password": {pw}, "next": {next}}
	req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if remote != "" {
		req.RemoteAddr = remote
	}
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	rec := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(rec, req)
	return rec
}

// sessionCookie returns the session cookie a response set.
func sessionCookie(t *testing.T, rec *httptest.ResponseRecorder) *http.Cookie {
	t.Helper()
	for _, c := range rec.Result().Cookies() {
		if c.Name == SessionCookie {
			return c
		}
	}
	t.Fatalf("no %s cookie set; headers %v", SessionCookie, rec.Header())
	return nil
}

func TestLoginAndLogout(t *testing.T) {
	e := newEnv(t)
	rec := e.login(" Lead@OurCo.example ", password, "", "", "/deals/D-1?all=1")
	wantStatus(t, rec, http.StatusSeeOther, "login")
	if loc := rec.Header().Get("Location"); loc != "/deals/D-1?all=1" {
		t.Errorf("after login to %q, want the page asked for", loc)
	}
	ck := sessionCookie(t, rec)
	if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Secure {
		t.Errorf("cookie %+v: want HttpOnly, SameSite=Lax, Path=/, not Secure over plain http", ck)
	}
	if ck.MaxAge != int((30 * 24 * time.Hour).Seconds()) {
		t.Errorf("cookie Max-Age = %d, want the session lifetime", ck.MaxAge)
	}
	if len(ck.Value) != 43 {
		t.Errorf("cookie value %q: want 32 random bytes, base64url", ck.Value)
	}
	c := &client{e: e, cookie: ck.Value}
	page := c.get("/deals")
	wantStatus(t, page, http.StatusOK, "a page with the session")
	wantContains(t, page, `id="user-name">Lena Leader`)
	// The store keeps a hash, never the cookie.
	if _, _, err := e.st.SessionUser(e.ctx, ck.Value, now); err == nil {
		t.Error("the store knows the session by its raw cookie value")
	}
	// Logging out kills the session on the server: the old cookie is dead.
	m := regexpCSRF.FindStringSubmatch(page.Body.String())
	if m == nil {
		t.Fatal("no CSRF token on the page")
	}
	c.csrf = m[1]
	out := c.post("/logout", nil)
	wantStatus(t, out, http.StatusSeeOther, "logout")
	if cleared := sessionCookie(t, out); cleared.MaxAge >= 0 || cleared.Value != "" {
		t.Errorf("logout cookie %+v: want it cleared", cleared)
	}
	again := c.get("/deals")
	wantStatus(t, again, http.StatusSeeOther, "the old cookie after logout")
	if !strings.HasPrefix(again.Header().Get("Location"), "/login") {
		t.Errorf("Location = %q", again.Header().Get("Location"))
	}
}

func TestLoginRefusesBadInputAndForeignRedirects(t *testing.T) {
	e := newEnv(t)
	rec := e.login(lead, "wrong password", "", "", "")
	wantStatus(t, rec, http.StatusUnauthorized, "wrong password")
	wantContains(t, rec, "Wrong email or password.")
	rec = e.login("nobody@ourco.example", password, "", "", "")
	wantStatus(t, rec, http.StatusUnauthorized, "unknown email")
	wantContains(t, rec, "Wrong email or password.")
	wantStatus(t, e.login("", "", "", "", ""), http.StatusBadRequest, "empty form")
	for _, next := range []string{"//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"} {
		rec := e.login(lead, password, "", "", next)
		wantStatus(t, rec, http.StatusSeeOther, "login with next "+next)
		if loc := rec.Header().Get("Location"); loc != "/deals" {
			t.Errorf("next=%q sent the browser to %q, want /deals", next, loc)
		}
	}
}

func TestSecureCookie(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.TrustedProxies = []string{"192.0.2.1"} })
	tests := []struct {
		name       string
		tls        bool
		remote     string
		proto      string
		wantSecure bool
	}{
		{"plain http", false, "198.51.100.7:1234", "", false},
		{"TLS", true, "198.51.100.7:1234", "", true},
		{"https through the trusted proxy", false, "192.0.2.1:1234", "https", true},
		{"https claimed by an untrusted client", false, "198.51.100.7:1234", "https", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := url.Values{"email": {lead}, "password": {password}}
			req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.RemoteAddr = tt.remote
			if tt.tls {
				req.TLS = &tls.ConnectionState{}
			}
			if tt.proto != "" {
				req.Header.Set("X-Forwarded-Proto", tt.proto)
			}
			rec := httptest.NewRecorder()
			e.srv.Handler().ServeHTTP(rec, req)
			wantStatus(t, rec, http.StatusSeeOther, "login")
			if ck := sessionCookie(t, rec); ck.Secure != tt.wantSecure {
				t.Errorf("Secure = %v, want %v", ck.Secure, tt.wantSecure)
			}
		})
	}
}

func TestExpiredSessionIsRefused(t *testing.T) {
	e := newEnv(t)
	c := e.as(lead) // expires a day after now
	wantStatus(t, c.get("/deals"), http.StatusOK, "fresh session")
	e.clock.add(25 * time.Hour)
	rec := c.get("/deals")
	wantStatus(t, rec, http.StatusSeeOther, "expired session")
}

func TestLoginThrottlePerAccount(t *testing.T) {
	e := newEnv(t)
	for i := range maxFailures {
		// From a different address each time: the account counts.
		rec := e.login(rep1, "wrong password", fmt.Sprintf("198.51.100.%d:1000", i+1), "", "")
		wantStatus(t, rec, http.StatusUnauthorized, fmt.Sprintf("failure %d", i+1))
	}
	rec := e.login(rep1, password, "198.51.100.99:1000", "", "")
	wantStatus(t, rec, http.StatusTooManyRequests, "right password after 5 failures")
	wantContains(t, rec, "Too many failed logins. Try again in 1 minute")
	if rec.Header().Get("Retry-After") != "60" {
		t.Errorf("Retry-After = %q, want 60", rec.Header().Get("Retry-After"))
	}
	// Other accounts are not locked out.
	wantStatus(t, e.login(rep2, password, "198.51.100.99:1000", "", ""), http.StatusSeeOther, "another account")
	// The lock ends; the next one lasts twice as long.
	e.clock.add(61 * time.Second)
	for i := range maxFailures {
		wantStatus(t, e.login(rep1, "wrong", "198.51.100.50:1000", "", ""), http.StatusUnauthorized, fmt.Sprintf("failure %d after the lock", i+1))
	}
	rec = e.login(rep1, password, "198.51.100.51:1000", "", "")
	wantStatus(t, rec, http.StatusTooManyRequests, "second lock")
	if rec.Header().Get("Retry-After") != "120" {
		t.Errorf("Retry-After = %q, want 120 (doubled)", rec.Header().Get("Retry-After"))
	}
	e.clock.add(121 * time.Second)
	wantStatus(t, e.login(rep1, password, "198.51.100.51:1000", "", ""), http.StatusSeeOther, "after the second lock")
}

func TestLoginThrottlePerAddress(t *testing.T) {
	e := newEnv(t)
	const attacker = "203.0.113.5:4000"
	for i := range ipFailures {
		// A different (unknown) account each time: the address counts.
		rec := e.login(fmt.Sprintf("guess%d@ourco.example", i), "wrong password", attacker, "", "")
		wantStatus(t, rec, http.StatusUnauthorized, fmt.Sprintf("failure %d", i+1))
	}
	wantStatus(t, e.login(lead, password, attacker, "", ""), http.StatusTooManyRequests, "the address after 20 failures")
	wantStatus(t, e.login(lead, password, "203.0.113.6:4000", "", ""), http.StatusSeeOther, "another address")
}

func TestForwardedForIgnoredUnlessTrusted(t *testing.T) {
	t.Run("no trusted proxy", func(t *testing.T) {
		e := newEnv(t)
		const attacker = "203.0.113.5:4000"
		for i := range ipFailures {
			// A forged X-Forwarded-For per attempt must not spread the
			// failures over many addresses.
			e.login(fmt.Sprintf("guess%d@ourco.example", i), "wrong", attacker, fmt.Sprintf("10.0.0.%d", i+1), "")
		}
		wantStatus(t, e.login(lead, password, attacker, "10.9.9.9", ""), http.StatusTooManyRequests, "forged header")
		if !strings.Contains(e.logs.String(), "client_ip=203.0.113.5") {
			t.Errorf("logs do not name the real client address")
		}
	})
	t.Run("trusted proxy", func(t *testing.T) {
		e := newEnv(t, func(o *Options) { o.TrustedProxies = []string{"192.0.2.0/24"} })
		const proxy = "192.0.2.10:4000"
		for i := range ipFailures {
			e.login(fmt.Sprintf("guess%d@ourco.example", i), "wrong", proxy, "203.0.113.5", "")
		}
		wantStatus(t, e.login(lead, password, proxy, "203.0.113.5", ""), http.StatusTooManyRequests, "the client behind the proxy")
		wantStatus(t, e.login(lead, password, proxy, "203.0.113.77", ""), http.StatusSeeOther, "another client behind the proxy")
	})
}

func TestLogsHoldNoSecrets(t *testing.T) {
	e := newEnv(t)
	rec := e.login(lead, password, "", "", "")
	ck := sessionCookie(t, rec)
	c := &client{e: e, cookie: ck.Value}
	c.get("/deals?q=secret-search")
	api := e.withToken(lead)
	api.get("/api/v1/deals")
	logs := e.logs.String()
	for _, secret := range []string{password, ck.Value, api.token, HashToken(ck.Value), "secret-search"} {
		if strings.Contains(logs, secret) {
			t.Errorf("the logs hold %q:\n%s", secret, logs)
		}
	}
	if !strings.Contains(logs, `msg="http request"`) || !strings.Contains(logs, "route=/deals") {
		t.Errorf("requests are not logged:\n%s", logs)
	}
}
