package dovecot

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Message is one message for Fill: its raw RFC 5322 bytes (CRLF or LF line
// ends, not empty) and its internal date (the zero time means now; IMAP
// keeps it to the second).
type Message struct {
	Raw  []byte
	Date time.Time
}

// usernameChars are the characters Dovecot accepts in a login name by
// default (auth_username_chars); none of them can escape a directory.
const usernameChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_@"

// AddUser adds a user who can log in with password, or changes the
// password of an existing one. It works while the server runs. User names
// are matched case-insensitively, as Dovecot lowercases them by default.
// Changing a password (rare) waits up to a second, because Dovecot looks at
// a changed passwd-file at most once a second.
func (s *Server) AddUser(t testing.TB, user, password string) {
	t.Helper()
	name := strings.ToLower(user)
	if name == "" || strings.Trim(name, usernameChars) != "" || strings.HasPrefix(name, ".") {
		t.Fatalf("dovecot: AddUser: user name %q: want letters, digits and . - _ @ only", user)
	}
	if strings.ContainsAny(password, "\x00\x01\t\r\n") {
		t.Fatalf("dovecot: AddUser %s: Dovecot rejects passwords with NUL, \\001, tab, CR or LF", user)
	}
	path := filepath.Join(s.dir, "users", name)
	line := name + ":{PLAIN.b64}" + base64.StdEncoding.EncodeToString([]byte(password)) + "\n"
	old, statErr := os.Stat(path)
	if err := s.writeAuthFile(path, []byte(line)); err != nil {
		t.Fatalf("dovecot: AddUser %s: %v", user, err)
	}
	if statErr != nil {
		return // a new file: Dovecot reads it at the first lookup
	}
	// Dovecot rereads the file when its mtime (in seconds) or size
	// changed, and checks at most once a second.
	mtime := old.ModTime().Truncate(time.Second).Add(time.Second)
	if now := time.Now(); now.After(mtime) {
		mtime = now
	}
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatalf("dovecot: AddUser %s: %v", user, err)
	}
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second)))
}

// writeAuthFile writes a passwd-file atomically, readable by Dovecot's
// auth process. The file is written in another directory first, where no
// login name can point.
func (s *Server) writeAuthFile(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Join(s.dir, "tmp"), "passwd-")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = s.acct.chown(tmp)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
	}
	return err
}

// CreateFolder creates and subscribes a folder (such as "Sent Items", with
// no special use) in user's mailbox. The hierarchy separator is "/"; dots,
// spaces, quotes and non-ASCII letters are fine in names (Dovecot refuses
// only "dbox-Mails", a name its storage uses itself).
func (s *Server) CreateFolder(t testing.TB, user, folder string) {
	t.Helper()
	s.Doveadm(t, "mailbox", "create", "-s", "-u", user, folder)
}

// Append adds one message with internal date date to user's folder,
// creating the folder when it does not exist, as Fill does.
func (s *Server) Append(t testing.TB, user, folder string, raw []byte, date time.Time) {
	t.Helper()
	s.Fill(t, user, folder, []Message{{Raw: raw, Date: date}})
}

// Fill adds msgs to user's folder, in order, so that their UIDs follow the
// order of msgs after any message already there. It creates (and
// subscribes) the folder when it does not exist. The messages are unseen.
// It is fast: tens of thousands of messages a second, appended with
// MULTIAPPEND by an imap process of this server's that needs no login.
// Sessions that have the folder selected see the messages at their next
// command.
func (s *Server) Fill(t testing.TB, user, folder string, msgs []Message) {
	t.Helper()
	if len(msgs) == 0 {
		return
	}
	for i, m := range msgs {
		if len(m.Raw) == 0 {
			t.Fatalf("dovecot: Fill %s %q: message %d is empty, which IMAP cannot append", user, folder, i)
		}
	}
	if err := s.fill(user, folder, msgs); err != nil {
		t.Fatalf("dovecot: Fill %s %q with %d messages: %v%s", user, folder, len(msgs), err, s.diagnostics())
	}
}

// fill appends msgs to folder in a preauthenticated session of user.
func (s *Server) fill(user, folder string, msgs []Message) error {
	p, err := s.openPreauth(user)
	if err != nil {
		return err
	}
	if err := p.create(folder); err != nil {
		return p.fail(err)
	}
	if err := p.appendAll(folder, msgs); err != nil {
		return p.fail(err)
	}
	return p.close()
}

// SetUIDValidity sets the UIDVALIDITY of user's folder to v (not zero),
// as a server does after rebuilding a folder; clients that had it selected
// must resynchronise.
func (s *Server) SetUIDValidity(t testing.TB, user, folder string, v uint32) {
	t.Helper()
	if v == 0 {
		t.Fatalf("dovecot: SetUIDValidity %s %q: UIDVALIDITY must not be 0", user, folder)
	}
	s.Doveadm(t, "mailbox", "update", "-u", user, "--uid-validity", strconv.FormatUint(uint64(v), 10), folder)
	got := s.status(t, user, folder, "uidvalidity")
	if got != int64(v) {
		t.Fatalf("dovecot: SetUIDValidity %s %q to %d: the folder reports %d%s", user, folder, v, got, s.diagnostics())
	}
}

// MailboxBytes returns the total size of all user's messages in all
// folders, counted as RFC822.SIZE (CRLF line ends): what fetching every
// message in full over IMAP would read.
func (s *Server) MailboxBytes(t testing.TB, user string) int64 {
	t.Helper()
	return s.status(t, user, "*", "vsize")
}

// status returns the sum of one numeric doveadm mailbox status field over
// the folders matching mask.
func (s *Server) status(t testing.TB, user, mask, field string) int64 {
	t.Helper()
	out := s.Doveadm(t, "-f", "tab", "mailbox", "status", "-u", user, field, mask)
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	col := -1
	for i, name := range strings.Split(lines[0], "\t") {
		if name == field {
			col = i
		}
	}
	if col < 0 {
		t.Fatalf("dovecot: doveadm mailbox status %s %q for %s: no %s column in %q", field, mask, user, field, out)
	}
	var sum int64
	for _, l := range lines[1:] {
		cells := strings.Split(l, "\t")
		if col >= len(cells) {
			t.Fatalf("dovecot: doveadm mailbox status %s %q for %s: short line %q", field, mask, user, l)
		}
		n, err := strconv.ParseInt(cells[col], 10, 64)
		if err != nil {
			t.Fatalf("dovecot: doveadm mailbox status %s %q for %s: %v in %q", field, mask, user, err, out)
		}
		sum += n
	}
	return sum
}
