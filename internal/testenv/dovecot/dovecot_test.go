package dovecot

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/dealtrail/dealtrail/internal/testenv"
)

// transport is how a test client reaches the server.
type transport int

const (
	plain transport = iota
	startTLS
	implicitTLS
)

func (tr transport) String() string {
	return [...]string{"plain", "starttls", "tls"}[tr]
}

// dial connects to s over tr and waits for the greeting; the client is
// closed when the test ends.
func dial(t *testing.T, s *Server, tr transport) *imapclient.Client {
	t.Helper()
	opts := &imapclient.Options{
		TLSConfig: &tls.Config{RootCAs: s.RootCAs(), ServerName: "127.0.0.1"},
		Dialer:    &net.Dialer{Timeout: 5 * time.Second},
	}
	var c *imapclient.Client
	var err error
	switch tr {
	case plain:
		c, err = imapclient.DialInsecure(s.Addr(), opts)
	case startTLS:
		c, err = imapclient.DialStartTLS(s.Addr(), opts)
	case implicitTLS:
		c, err = imapclient.DialTLS(s.TLSAddr(), opts)
	}
	if err != nil {
		t.Fatalf("dial %v: %v", tr, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	if err := c.WaitGreeting(); err != nil {
		t.Fatalf("greeting over %v: %v", tr, err)
	}
	return c
}

// login dials s over plain IMAP and logs in.
func login(t *testing.T, s *Server, user, password string) *imapclient.Client {
	t.Helper()
	c := dial(t, s, plain)
	if err := c.Login(user, password).Wait(); err != nil {
		t.Fatalf("login %s: %v", user, err)
	}
	return c
}

// status returns STATUS MESSAGES, UIDNEXT and UIDVALIDITY of folder.
func status(t *testing.T, c *imapclient.Client, folder string) *imap.StatusData {
	t.Helper()
	st, err := c.Status(folder, &imap.StatusOptions{NumMessages: true, UIDNext: true, UIDValidity: true}).Wait()
	if err != nil {
		t.Fatalf("STATUS %s: %v", folder, err)
	}
	return st
}

// virtualSize returns the size of raw with every bare LF counted as CRLF,
// as RFC822.SIZE counts it.
func virtualSize(raw []byte) int64 {
	return int64(len(raw) + bytes.Count(raw, []byte("\n")) - bytes.Count(raw, []byte("\r\n")))
}

// testMessage returns message number i with LF line ends.
func testMessage(i int) []byte {
	return fmt.Appendf(nil, "From: Buyer %d <buyer%d@acme.example>\n"+
		"To: rep@team.example\n"+
		"Subject: message %d\n"+
		"Message-ID: <m%d@acme.example>\n"+
		"Date: Mon, 02 Jan 2006 15:04:05 +0000\n"+
		"\n"+
		"Body of message %d.\nSecond line.\n", i, i, i, i, i)
}

func TestServer(t *testing.T) {
	began := time.Now()
	s := Start(t)
	t.Logf("Start took %v", time.Since(began))
	s.AddUser(t, "alice", "secret")

	for _, tr := range []transport{plain, startTLS, implicitTLS} {
		t.Run("login/"+tr.String(), func(t *testing.T) {
			c := dial(t, s, tr)
			if tr == plain && !c.Caps().Has(imap.CapStartTLS) {
				t.Errorf("STARTTLS not offered on the plain port: %v", c.Caps())
			}
			if err := c.Login("alice", "secret").Wait(); err != nil {
				t.Fatalf("login: %v", err)
			}
			if !c.Caps().Has(imap.CapSpecialUse) {
				t.Errorf("SPECIAL-USE not advertised after login: %v", c.Caps())
			}
			if err := c.Logout().Wait(); err != nil {
				t.Errorf("logout: %v", err)
			}
		})
	}

	t.Run("wrong password", func(t *testing.T) {
		c := dial(t, s, plain)
		for _, cred := range [][2]string{{"alice", "wrong"}, {"nobody-here", "secret"}} {
			began := time.Now()
			err := c.Login(cred[0], cred[1]).Wait()
			took := time.Since(began)
			t.Logf("failed login of %s took %v", cred[0], took)
			var imapErr *imap.Error
			if !errors.As(err, &imapErr) || imapErr.Type != imap.StatusResponseTypeNo {
				t.Fatalf("login %s with a wrong password: got %v, want a NO", cred[0], err)
			}
			if imapErr.Code != imap.ResponseCodeAuthenticationFailed {
				t.Errorf("response code %q, want %q", imapErr.Code, imap.ResponseCodeAuthenticationFailed)
			}
			if took > 1500*time.Millisecond {
				t.Errorf("failed login took %v, want about 500 ms (the auth process's tick), not Dovecot's default 2 s delay", took)
			}
		}
		if err := c.Login("alice", "secret").Wait(); err != nil {
			t.Errorf("right password after wrong ones on the same connection: %v", err)
		}
	})

	t.Run("add user while running", func(t *testing.T) {
		s.AddUser(t, "Carol", "first")
		login(t, s, "carol", "first")
		s.AddUser(t, "carol", "second: with colon")
		if err := dial(t, s, plain).Login("carol", "first").Wait(); err == nil {
			t.Errorf("old password still accepted after a change")
		}
		login(t, s, "CAROL", "second: with colon")
	})

	t.Run("special use", func(t *testing.T) {
		for _, name := range []string{"Sent Items", "Deals.2024", "Clients/Acme", "Éléments envoyés"} {
			s.CreateFolder(t, "alice", name)
		}
		s.Append(t, "alice", `Q&A "2024"`, testMessage(0), time.Time{}) // created by Fill
		c := login(t, s, "alice", "secret")
		list, err := c.List("", "*", &imap.ListOptions{ReturnSpecialUse: true}).Collect()
		if err != nil {
			t.Fatalf("LIST: %v", err)
		}
		attrs := map[string][]imap.MailboxAttr{}
		for _, l := range list {
			attrs[l.Mailbox] = l.Attrs
			if l.Delim != '/' {
				t.Errorf("%s: delimiter %q, want /", l.Mailbox, l.Delim)
			}
		}
		t.Logf("LIST: %v", attrs)
		want := map[string]imap.MailboxAttr{
			"Sent": imap.MailboxAttrSent, "Drafts": imap.MailboxAttrDrafts,
			"Trash": imap.MailboxAttrTrash, "Archive": imap.MailboxAttrArchive,
		}
		for name, attr := range want {
			if !slices.Contains(attrs[name], attr) {
				t.Errorf("%s: attributes %v, want %s", name, attrs[name], attr)
			}
		}
		if _, ok := attrs["INBOX"]; !ok {
			t.Errorf("no INBOX in %v", attrs)
		}
		items, ok := attrs["Sent Items"]
		if !ok || slices.Contains(items, imap.MailboxAttrSent) {
			t.Errorf("Sent Items: present %v with attributes %v, want present without \\Sent", ok, items)
		}
		for _, name := range []string{"Deals.2024", "Clients/Acme", "Éléments envoyés", `Q&A "2024"`} {
			if _, ok := attrs[name]; !ok {
				t.Errorf("folder %q missing from LIST", name)
			}
		}
	})

	t.Run("append", func(t *testing.T) {
		raw := []byte("From: a@acme.example\r\nSubject: hello\r\nMessage-ID: <hello@acme.example>\r\n\r\nHi.\r\n")
		date := time.Date(2024, 3, 5, 10, 11, 12, 0, time.UTC)
		s.Append(t, "alice", "INBOX", raw, date)
		c := login(t, s, "alice", "secret")
		if _, err := c.Select("INBOX", nil).Wait(); err != nil {
			t.Fatalf("SELECT: %v", err)
		}
		msgs, err := c.Fetch(imap.UIDSetNum(1), &imap.FetchOptions{
			UID: true, InternalDate: true, RFC822Size: true,
			BodySection: []*imap.FetchItemBodySection{{Peek: true}},
		}).Collect()
		if err != nil || len(msgs) != 1 {
			t.Fatalf("FETCH UID 1: %d messages, %v", len(msgs), err)
		}
		m := msgs[0]
		if !m.InternalDate.Equal(date) {
			t.Errorf("INTERNALDATE %v, want %v", m.InternalDate, date)
		}
		if m.RFC822Size != int64(len(raw)) {
			t.Errorf("RFC822.SIZE %d, want %d", m.RFC822Size, len(raw))
		}
		if len(m.BodySection) != 1 || !bytes.Equal(m.BodySection[0].Bytes, raw) {
			t.Errorf("BODY[] differs from the appended message: %+v", m.BodySection)
		}
	})

	t.Run("fill", func(t *testing.T) {
		s.AddUser(t, "bob", "pw")
		const n = 5000
		base := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
		msgs := make([]Message, n)
		var want int64
		for i := range msgs {
			msgs[i] = Message{Raw: testMessage(i), Date: base.Add(time.Duration(i) * time.Minute)}
			want += virtualSize(msgs[i].Raw)
		}
		began := time.Now()
		s.Fill(t, "bob", "Archive", msgs)
		took := time.Since(began)
		t.Logf("Fill of %d messages took %v (%.0f messages/s)", n, took, n/took.Seconds())

		c := login(t, s, "bob", "pw")
		st := status(t, c, "Archive")
		if st.NumMessages == nil || *st.NumMessages != n || st.UIDNext != n+1 {
			t.Fatalf("STATUS Archive: MESSAGES %v UIDNEXT %d, want %d and %d", st.NumMessages, st.UIDNext, n, n+1)
		}
		if _, err := c.Select("Archive", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
			t.Fatalf("SELECT: %v", err)
		}
		got, err := c.Fetch(imap.UIDSetNum(1, 2500, n), &imap.FetchOptions{
			UID: true, Envelope: true, InternalDate: true, RFC822Size: true,
		}).Collect()
		if err != nil || len(got) != 3 {
			t.Fatalf("FETCH: %d messages, %v", len(got), err)
		}
		for _, m := range got {
			i := int(m.UID) - 1
			if subj := fmt.Sprintf("message %d", i); m.Envelope.Subject != subj {
				t.Errorf("UID %d: subject %q, want %q (UIDs must follow the order given)", m.UID, m.Envelope.Subject, subj)
			}
			if !m.InternalDate.Equal(msgs[i].Date) {
				t.Errorf("UID %d: INTERNALDATE %v, want %v", m.UID, m.InternalDate, msgs[i].Date)
			}
			if m.RFC822Size != virtualSize(msgs[i].Raw) {
				t.Errorf("UID %d: RFC822.SIZE %d, want %d", m.UID, m.RFC822Size, virtualSize(msgs[i].Raw))
			}
		}

		s.Append(t, "bob", "Archive", testMessage(n), time.Time{})
		want += virtualSize(testMessage(n))
		if st := status(t, c, "Archive"); st.UIDNext != n+1 {
			t.Errorf("STATUS of the selected folder before NOOP: UIDNEXT %d, want the session's old view %d (as the package doc says)", st.UIDNext, n+1)
		}
		if err := c.Noop().Wait(); err != nil {
			t.Fatalf("NOOP: %v", err)
		}
		if mbox := c.Mailbox(); mbox.NumMessages != n+1 {
			t.Errorf("after Append and NOOP: the selected folder has %d messages, want %d", mbox.NumMessages, n+1)
		}
		if st := status(t, login(t, s, "bob", "pw"), "Archive"); st.UIDNext != n+2 {
			t.Errorf("after Append: UIDNEXT %d, want %d", st.UIDNext, n+2)
		}
		if got := s.MailboxBytes(t, "bob"); got != want {
			t.Errorf("MailboxBytes = %d, want %d", got, want)
		}
	})

	t.Run("uidvalidity", func(t *testing.T) {
		c := login(t, s, "bob", "pw")
		before := status(t, c, "Archive")
		selected := login(t, s, "bob", "pw")
		if _, err := selected.Select("Archive", nil).Wait(); err != nil {
			t.Fatalf("SELECT: %v", err)
		}
		v := before.UIDValidity + 1000
		s.SetUIDValidity(t, "bob", "Archive", v)
		if err := selected.Noop().Wait(); err == nil {
			t.Errorf("NOOP in a session with the folder selected: no error, want BYE")
		}
		after := status(t, c, "Archive")
		if after.UIDValidity != v {
			t.Errorf("UIDVALIDITY %d after SetUIDValidity(%d) (was %d)", after.UIDValidity, v, before.UIDValidity)
		}
		if *after.NumMessages != *before.NumMessages || after.UIDNext != before.UIDNext {
			t.Errorf("messages changed with UIDVALIDITY: %d/%d before, %d/%d after",
				*before.NumMessages, before.UIDNext, *after.NumMessages, after.UIDNext)
		}
	})
}

func TestStop(t *testing.T) {
	s := Start(t)
	pid := s.PID()
	if !processExists(pid) {
		t.Fatalf("pid %d does not exist while running", pid)
	}
	s.AddUser(t, "u", "p")
	c := login(t, s, "u", "p") // a connected client must not delay Stop
	began := time.Now()
	s.Stop(t)
	t.Logf("Stop took %v", time.Since(began))
	if processExists(pid) {
		t.Errorf("pid %d still exists after Stop", pid)
	}
	if anyLeft(s.cmd) {
		t.Errorf("processes left in group %d after Stop", pid)
	}
	select {
	case <-c.Closed():
	case <-time.After(5 * time.Second):
		t.Errorf("client connection still open 5s after Stop")
	}
	if conn, err := net.DialTimeout("tcp", s.Addr(), time.Second); err == nil {
		_ = conn.Close()
		t.Errorf("%s still accepts connections after Stop", s.Addr())
	}
	s.Stop(t) // harmless twice
}

func TestParallelServers(t *testing.T) {
	for i := range 3 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			s := Start(t)
			s.AddUser(t, "u", "p")
			s.Append(t, "u", "Sent", testMessage(i), time.Time{})
			c := login(t, s, "u", "p")
			if st := status(t, c, "Sent"); *st.NumMessages != 1 {
				t.Errorf("server %d: STATUS Sent MESSAGES %d, want 1", i, *st.NumMessages)
			}
		})
	}
}

func TestStartRetriesTakenPort(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = busy.Close() }()
	calls := 0
	pickPorts = func(n int) ([]int, error) {
		calls++
		ports, err := testenv.FreePorts(n)
		if calls == 1 && err == nil {
			ports[1] = busy.Addr().(*net.TCPAddr).Port
		}
		return ports, err
	}
	t.Cleanup(func() { pickPorts = testenv.FreePorts })
	s := Start(t)
	if calls != 2 {
		t.Errorf("Start chose ports %d times, want 2 (a retry after the clash)", calls)
	}
	if s.TLSAddr() == busy.Addr().String() {
		t.Errorf("TLSAddr %s is the port taken by the test", s.TLSAddr())
	}
	s.AddUser(t, "u", "p")
	login(t, s, "u", "p")
}

func TestEncodeMUTF7(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"INBOX", "INBOX"},
		{"Sent Items", "Sent Items"},
		{"Q&A", "Q&-A"},
		{"Éléments envoyés", "&AMk-l&AOk-ments envoy&AOk-s"},
		{"台北", "&U,BTFw-"},
		{"😀", "&2D3eAA-"},
	} {
		if got := encodeMUTF7(tc.in); got != tc.want {
			t.Errorf("encodeMUTF7(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
