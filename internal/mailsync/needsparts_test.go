package mailsync

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
)

// wireLog records the bytes a worker writes to and reads from the server,
// below go-imap and the worker's own counters.
type wireLog struct {
	mu         sync.Mutex
	sent, recv bytes.Buffer
}

type loggedConn struct {
	net.Conn
	log *wireLog
}

func (c loggedConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.log.mu.Lock()
	c.log.recv.Write(b[:n])
	c.log.mu.Unlock()
	return n, err
}

func (c loggedConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.log.mu.Lock()
	c.log.sent.Write(b[:n])
	c.log.mu.Unlock()
	return n, err
}

// dial is an Options.Dial that records the connection.
func (l *wireLog) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return loggedConn{Conn: c, log: l}, nil
}

func (l *wireLog) received() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return bytes.Clone(l.recv.Bytes())
}

// uidFetch is one UID FETCH command as sent.
type uidFetch struct {
	line  string
	uids  map[uint32]bool
	parts bool // asks for a numbered body section (BODY[1], BODY.PEEK[2]...)
}

var (
	uidFetchRE    = regexp.MustCompile(`^\S+ UID FETCH (\S+) \(`)
	partSectionRE = regexp.MustCompile(`BODY(?:\.PEEK)?\[\d`)
)

// fetches parses the UID FETCH commands the worker sent.
func (l *wireLog) fetches(t *testing.T) []uidFetch {
	t.Helper()
	l.mu.Lock()
	sent := l.sent.String()
	l.mu.Unlock()
	var out []uidFetch
	for _, line := range strings.Split(sent, "\r\n") {
		m := uidFetchRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		f := uidFetch{line: line, uids: map[uint32]bool{}, parts: partSectionRE.MatchString(line)}
		for _, r := range strings.Split(m[1], ",") {
			lo, hi, isRange := strings.Cut(r, ":")
			a, err1 := strconv.ParseUint(lo, 10, 32)
			b, err2 := a, error(nil)
			if isRange {
				b, err2 = strconv.ParseUint(hi, 10, 32)
			}
			if err1 != nil || err2 != nil {
				t.Fatalf("cannot read the UID set of %q", line)
			}
			for u := min(a, b); u <= max(a, b); u++ {
				f.uids[uint32(u)] = true
			}
		}
		out = append(out, f)
	}
	return out
}

// inviteMail is a multipart/mixed message: a text/plain part (section 1)
// and a base64 text/calendar invitation (section 2).
func inviteMail(from, msgID, body, calUID string, date time.Time) (raw []byte, calB64 string) {
	cal := "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:" + calUID + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	calB64 = base64.StdEncoding.EncodeToString([]byte(cal))
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\r\n", args...) }
	w("From: %s", from)
	w("To: Alice Rep <rep1@ourco.example>")
	w("Subject: Invitation from %s", from)
	w("Date: %s", date.Format(time.RFC1123Z))
	w("Message-ID: <%s>", msgID)
	w("MIME-Version: 1.0")
	w(`Content-Type: multipart/mixed; boundary="b1"`)
	w("")
	w("--b1")
	w("Content-Type: text/plain; charset=utf-8")
	w("")
	w("%s", body)
	w("--b1")
	w("Content-Type: text/calendar; method=REQUEST; charset=utf-8")
	w("Content-Transfer-Encoding: base64")
	w("")
	w("%s", calB64)
	w("--b1--")
	return []byte(b.String()), calB64
}

// onlyTeam reports whether every participant is at ourco.example.
func onlyTeam(m model.Message) bool {
	for _, p := range m.Participants {
		if !strings.HasSuffix(strings.ToLower(p.Email), "@ourco.example") {
			return false
		}
	}
	return len(m.Participants) > 0
}

func TestNeedsPartsSkipsPartsOfTurnedDownMail(t *testing.T) {
	type mail struct {
		uid            uint32
		from, key      string
		body, calUID   string
		team           bool
		calB64, marker string
	}
	// UIDs 1 and 3 are external, 2 is team-only: all three have the same
	// structure, so a part FETCH that took 2 along would name it in a
	// range (1:3) or a list.
	mails := []*mail{
		{uid: 1, from: "Buyer One <buyer@acme.example>", key: "ext1@acme.example",
			body: "External body EXT-ONE-TEXT for the deal.", calUID: "ext-one-invite@acme"},
		{uid: 2, from: "Bob Colleague <bob@ourco.example>", key: "team2@ourco.example", team: true,
			body: "Team body TEAM-ONLY-TEXT, internal.", calUID: "team-only-invite@ourco"},
		{uid: 3, from: "Buyer Three <buyer3@acme.example>", key: "ext3@acme.example",
			body: "External body EXT-THREE-TEXT for the deal.", calUID: "ext-three-invite@acme"},
	}

	// run syncs a fresh INBOX holding mails with the given NeedsParts.
	run := func(t *testing.T, needs func(model.Message) bool) (*fakeStore, *wireLog, Stats) {
		t.Helper()
		ms := startMem(t)
		ms.addUser(t, "rep1", "hunter2")
		date := time.Date(2025, 3, 4, 9, 0, 0, 0, time.UTC)
		for _, m := range mails {
			var raw []byte
			raw, m.calB64 = inviteMail(m.from, m.key, m.body, m.calUID, date)
			ms.appendMsg(t, "rep1", "INBOX", raw, date)
		}
		st := newFakeStore()
		wire := &wireLog{}
		w := newTestWorker(t, Options{Mailbox: mailboxAt(t, ms.addr, "rep1", "hunter2"), Store: st, Sink: st,
			NeedsParts: needs, Dial: wire.dial})
		stats, err := w.PollOnce(context.Background())
		if err != nil {
			t.Fatalf("PollOnce: %v", err)
		}
		st.check(t)
		if got := st.keysOf(w.Name(), "INBOX"); len(got) != len(mails) || stats.Stored() != len(mails) || stats.Rejected() != 0 {
			t.Fatalf("stored keys %v, stats %+v; want all %d messages stored", got, stats.Folders, len(mails))
		}
		return st, wire, stats
	}

	// full checks a message came with its snippet and its calendar.
	full := func(t *testing.T, st *fakeStore, m *mail) {
		t.Helper()
		fm, ok := st.message(m.key)
		if !ok {
			t.Fatalf("UID %d (%s) not handed to the sink", m.uid, m.key)
		}
		if fm.UID != m.uid {
			t.Errorf("%s stored as UID %d, want %d", m.key, fm.UID, m.uid)
		}
		if !strings.Contains(fm.Message.Snippet, m.body) {
			t.Errorf("UID %d snippet %q, want %q", m.uid, fm.Message.Snippet, m.body)
		}
		if len(fm.Message.Calendars) != 1 || !strings.Contains(string(fm.Message.Calendars[0]), "UID:"+m.calUID) {
			t.Errorf("UID %d calendars %q, want the one with UID:%s", m.uid, fm.Message.Calendars, m.calUID)
		}
		if len(fm.Message.Problems) != 0 {
			t.Errorf("UID %d problems %q", m.uid, fm.Message.Problems)
		}
	}

	// partFetched reports whether a part FETCH named uid, and checks
	// that the header FETCH named it (so the UID sets are read right).
	partFetched := func(t *testing.T, wire *wireLog, uid uint32) bool {
		t.Helper()
		var header, parts bool
		for _, f := range wire.fetches(t) {
			if !f.uids[uid] {
				continue
			}
			if f.parts {
				parts = true
				t.Logf("part FETCH naming UID %d: %s", uid, f.line)
			} else {
				header = true
			}
		}
		if !header {
			t.Errorf("no header FETCH named UID %d: %+v", uid, wire.fetches(t))
		}
		return parts
	}

	t.Run("turned down", func(t *testing.T) {
		var mu sync.Mutex
		asked := map[string]bool{} // Message-ID -> NeedsParts's answer
		needs := func(m model.Message) bool {
			need := !onlyTeam(m)
			mu.Lock()
			asked[m.MessageID] = need
			mu.Unlock()
			return need
		}
		st, wire, _ := run(t, needs)

		mu.Lock()
		if len(asked) != len(mails) || asked[mails[0].key] != true || asked[mails[1].key] != false || asked[mails[2].key] != true {
			t.Errorf("NeedsParts answered %v, want it asked with each parsed header (only %s turned down)", asked, mails[1].key)
		}
		mu.Unlock()

		full(t, st, mails[0])
		full(t, st, mails[2])

		team := mails[1]
		fm, ok := st.message(team.key)
		if !ok {
			t.Fatalf("team-only mail not handed to the sink")
		}
		if fm.UID != team.uid || fm.Message.Subject != "Invitation from "+team.from || len(fm.Message.Participants) < 2 {
			t.Errorf("team-only mail stored without its header: UID %d, %+v", fm.UID, fm.Message)
		}
		if fm.Message.Snippet != "" {
			t.Errorf("team-only mail has snippet %q, want none", fm.Message.Snippet)
		}
		if len(fm.Message.Calendars) != 0 {
			t.Errorf("team-only mail has calendars %q, want none", fm.Message.Calendars)
		}
		if len(fm.Message.Problems) != 0 {
			t.Errorf("team-only mail has problems %q: turning it down is no failure", fm.Message.Problems)
		}

		// On the wire: the external mail's parts were asked for, the
		// team-only mail's never; nor did its body or invitation arrive.
		for _, m := range []*mail{mails[0], mails[2]} {
			if !partFetched(t, wire, m.uid) {
				t.Errorf("no part FETCH named external UID %d", m.uid)
			}
		}
		if partFetched(t, wire, team.uid) {
			t.Errorf("a part FETCH named the team-only UID %d", team.uid)
		}
		// Nor was its structure: it lists attachments the sink drops.
		for _, m := range mails {
			asked := false
			for _, f := range wire.fetches(t) {
				asked = asked || f.uids[m.uid] && strings.Contains(f.line, "BODYSTRUCTURE")
			}
			if asked != !m.team {
				t.Errorf("BODYSTRUCTURE of UID %d (team-only %v) asked for: %v", m.uid, m.team, asked)
			}
		}
		recv := wire.received()
		if !bytes.Contains(recv, []byte(mails[0].body)) || !bytes.Contains(recv, []byte(mails[0].calB64)) {
			t.Errorf("the external mail's text and calendar were not read off the wire")
		}
		if bytes.Contains(recv, []byte("TEAM-ONLY-TEXT")) {
			t.Errorf("the team-only mail's text part came over the wire")
		}
		if bytes.Contains(recv, []byte(team.calB64)) {
			t.Errorf("the team-only mail's invitation came over the wire")
		}
	})

	t.Run("nil fetches everything", func(t *testing.T) {
		st, wire, _ := run(t, nil)
		for _, m := range mails {
			full(t, st, m)
			if !partFetched(t, wire, m.uid) {
				t.Errorf("no part FETCH named UID %d", m.uid)
			}
		}
		recv := wire.received()
		if !bytes.Contains(recv, []byte("TEAM-ONLY-TEXT")) || !bytes.Contains(recv, []byte(mails[1].calB64)) {
			t.Errorf("the team-only mail's text and calendar were not read off the wire")
		}
	})
}
