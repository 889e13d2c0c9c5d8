package testenv

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"testing"
	"time"
)

// Web is a client of a running dealtrail web UI, for tests that reach it
// over HTTP as a script would.
type Web struct {
	Base   string // http://host:port
	Client *http.Client
}

// NewWeb returns a client of the UI at base with its own cookie jar.
func NewWeb(t testing.TB, base string) *Web {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &Web{Base: base, Client: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
}

// Up reports whether the UI answers /healthz with 200.
func (w *Web) Up() bool {
	resp, err := w.Client.Get(w.Base + "/healthz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// Login logs in through the login form, failing t unless it lands on the
// deals list.
func (w *Web) Login(t testing.TB, email, password string) {
	t.Helper()
	resp, err := w.Client.PostForm(w.Base+"/login", url.Values{"email": {email}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/deals" {
		t.Fatalf("logging in as %s: %s, ended on %s", email, resp.Status, resp.Request.URL)
	}
}

// Get returns the body of GET path, failing t unless the answer is 200.
func (w *Web) Get(t testing.TB, path string) []byte {
	t.Helper()
	resp, err := w.Client.Get(w.Base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s (%v)\n%s", path, resp.Status, err, body)
	}
	return body
}

// GetJSON decodes the answer to GET path into v.
func (w *Web) GetJSON(t testing.TB, path string, v any) {
	t.Helper()
	if body := w.Get(t, path); json.Unmarshal(body, v) != nil {
		t.Fatalf("GET %s: not the JSON expected:\n%s", path, body)
	}
}
