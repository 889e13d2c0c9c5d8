package radicale

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"testing"
)

// AddUser adds (or changes the password of) a user. Radicale reads the
// htpasswd file at every login, so the user can log in at once. Names and
// passwords must not contain ':' or a line break.
func (s *Server) AddUser(t testing.TB, user, password string) {
	t.Helper()
	if user == "" || strings.ContainsAny(user, ":\r\n/") || strings.ContainsAny(password, "\r\n") {
		t.Fatalf("radicale: AddUser: unusable user name %q or password", user)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.passwords[user] = password
	names := make([]string, 0, len(s.passwords))
	for name := range s.passwords {
		names = append(names, name)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, name := range names {
		fmt.Fprintf(&b, "%s:%s\n", name, s.passwords[name])
	}
	// Written aside and renamed, so a login never reads half a file.
	tmp := s.users + ".new"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o600); err != nil {
		t.Fatalf("radicale: AddUser: %v", err)
	}
	if err := os.Rename(tmp, s.users); err != nil {
		t.Fatalf("radicale: AddUser: %v", err)
	}
}

// CalendarPath returns the path of calendar name of user, "/USER/NAME/".
func CalendarPath(user, name string) string {
	return "/" + url.PathEscape(user) + "/" + url.PathEscape(name) + "/"
}

// CreateCalendar creates the calendar name in the home of user with
// MKCALENDAR and returns its path. With components (such as "VTODO"), the
// calendar accepts only those; without, Radicale's default (VEVENT, VTODO,
// VJOURNAL).
func (s *Server) CreateCalendar(t testing.TB, user, name string, components ...string) string {
	t.Helper()
	path := CalendarPath(user, name)
	body := ""
	if len(components) > 0 {
		var b strings.Builder
		b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` +
			`<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>` +
			`<C:supported-calendar-component-set>`)
		for _, c := range components {
			fmt.Fprintf(&b, `<C:comp name="%s"/>`, c)
		}
		b.WriteString(`</C:supported-calendar-component-set></D:prop></D:set></C:mkcalendar>`)
		body = b.String()
	}
	s.do(t, user, "MKCALENDAR", path, "application/xml; charset=utf-8", body, http.StatusCreated)
	return path
}

// PutEvent stores ics as the object name (such as "kickoff.ics") of the
// calendar of user, creating or replacing it, and returns the ETag
// Radicale gave it (quoted, as in getetag).
func (s *Server) PutEvent(t testing.TB, user, calendar, name, ics string) string {
	t.Helper()
	path := CalendarPath(user, calendar) + url.PathEscape(name)
	h := s.do(t, user, http.MethodPut, path, "text/calendar; charset=utf-8", ics, http.StatusCreated, http.StatusNoContent)
	return h.Get("ETag")
}

// DeleteEvent removes the object name from the calendar of user.
func (s *Server) DeleteEvent(t testing.TB, user, calendar, name string) {
	t.Helper()
	path := CalendarPath(user, calendar) + url.PathEscape(name)
	s.do(t, user, http.MethodDelete, path, "", "", http.StatusOK, http.StatusNoContent)
}

// DeleteCalendar deletes the calendar name of user, with what it holds.
func (s *Server) DeleteCalendar(t testing.TB, user, name string) {
	t.Helper()
	s.do(t, user, http.MethodDelete, CalendarPath(user, name), "", "", http.StatusOK, http.StatusNoContent)
}

// do sends one request as user and fails t unless the status is one of
// want; it returns the response headers.
func (s *Server) do(t testing.TB, user, method, path, contentType, body string, want ...int) http.Header {
	t.Helper()
	s.mu.Lock()
	password, ok := s.passwords[user]
	s.mu.Unlock()
	if !ok {
		t.Fatalf("radicale: %s %s: no user %q (call AddUser first)", method, path, user)
	}
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, "http://"+s.addr+path, strings.NewReader(body))
	if err != nil {
		t.Fatalf("radicale: %s %s: %v", method, path, err)
	}
	req.SetBasicAuth(user, password)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := s.http.Do(req)
	if err != nil {
		t.Fatalf("radicale: %s %s: %v%s", method, path, err, s.diagnostics())
	}
	defer func() { _ = resp.Body.Close() }()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	for _, code := range want {
		if resp.StatusCode == code {
			return resp.Header
		}
	}
	t.Fatalf("radicale: %s %s as %s: %s: %s%s", method, path, user, resp.Status,
		strings.TrimSpace(string(answer)), s.diagnostics())
	return nil
}
