package radicale

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

const testEvent = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//dealtrail//test//EN\r\n" +
	"BEGIN:VEVENT\r\nUID:kickoff@dealtrail.test\r\nDTSTAMP:20250101T000000Z\r\n" +
	"DTSTART:20250301T100000Z\r\nDTEND:20250301T110000Z\r\nSUMMARY:Kickoff\r\n" +
	"END:VEVENT\r\nEND:VCALENDAR\r\n"

// get fetches path as user with password and returns the status and body.
func get(t *testing.T, s *Server, user, password, path string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(s.URL(), "/")+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(user, password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

func TestServer(t *testing.T) {
	s := Start(t)
	s.AddUser(t, "alice", "alice-pw")
	cal := s.CreateCalendar(t, "alice", "work")
	if cal != "/alice/work/" {
		t.Errorf("CreateCalendar = %q, want /alice/work/", cal)
	}
	etag := s.PutEvent(t, "alice", "work", "kickoff.ics", testEvent)
	if etag == "" {
		t.Error("PutEvent returned no ETag")
	}

	code, body := get(t, s, "alice", "alice-pw", "/alice/work/kickoff.ics")
	if code != http.StatusOK || !strings.Contains(body, "UID:kickoff@dealtrail.test") {
		t.Errorf("GET event = %d %q", code, body)
	}
	if code, _ := get(t, s, "alice", "wrong", "/alice/work/kickoff.ics"); code != http.StatusUnauthorized {
		t.Errorf("GET with a wrong password = %d, want 401", code)
	}

	// A user added while the server runs can log in, but not into alice's.
	s.AddUser(t, "bob", "bob-pw")
	s.CreateCalendar(t, "bob", "todo", "VTODO")
	if code, _ := get(t, s, "bob", "bob-pw", "/alice/work/kickoff.ics"); code != http.StatusForbidden && code != http.StatusNotFound {
		t.Errorf("bob reading alice's event = %d, want 403 or 404", code)
	}

	s.DeleteEvent(t, "alice", "work", "kickoff.ics")
	if code, _ := get(t, s, "alice", "alice-pw", "/alice/work/kickoff.ics"); code != http.StatusNotFound {
		t.Errorf("GET of a deleted event = %d, want 404", code)
	}

	addr := s.Addr()
	s.Stop(t)
	s.Stop(t) // harmless
	if conn, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		_ = conn.Close()
		t.Errorf("%s still accepts connections after Stop", addr)
	}
}

func TestTwoServers(t *testing.T) {
	a, b := Start(t), Start(t)
	if a.Addr() == b.Addr() || a.PID() == b.PID() {
		t.Fatalf("two servers share %s / pid %d", a.Addr(), a.PID())
	}
}
