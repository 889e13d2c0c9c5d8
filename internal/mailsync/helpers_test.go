package mailsync

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"github.com/dealtrail/dealtrail/internal/config"
	"github.com/dealtrail/dealtrail/internal/model"
)

// fakeStore is an in-memory Store and Sink that checks the invariants the
// real store relies on: batches of a folder come in UID order, never
// repeat a stored UID, and the checkpoint only moves forward.
type fakeStore struct {
	mu        sync.Mutex
	folders   map[string]model.FolderState
	sources   map[string]model.SourceState
	sightings map[sighting]string // -> activity key
	rejected  map[sighting]string // -> reason
	messages  map[string]model.FetchedMessage
	batches   int
	discard   bool // keep nothing but counts (benchmarks)
	stored    int
	failSave  func(b model.MailBatch) error
	errs      []string
}

type sighting struct {
	mailbox, folder string
	uidValidity     uint32
	uid             uint32
}

func newFakeStore() *fakeStore {
	return &fakeStore{
		folders:   map[string]model.FolderState{},
		sources:   map[string]model.SourceState{},
		sightings: map[sighting]string{},
		rejected:  map[sighting]string{},
		messages:  map[string]model.FetchedMessage{},
	}
}

func (s *fakeStore) FolderState(_ context.Context, mailbox, folder string) (model.FolderState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.folders[mailbox+"\x00"+folder], nil
}

func (s *fakeStore) SourceState(_ context.Context, source string) (model.SourceState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.sources[source]
	st.Source = source
	return st, nil
}

func (s *fakeStore) SaveSourceState(_ context.Context, st model.SourceState) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sources[st.Source] = st
	return nil
}

func (s *fakeStore) SaveMailBatch(ctx context.Context, b model.MailBatch) error {
	if s.failSave != nil {
		if err := s.failSave(b); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.batches++
	fk := b.Mailbox + "\x00" + b.Folder
	cp := s.folders[fk]
	if b.UIDValidity == 0 {
		s.errorf("batch %s/%s without UIDVALIDITY", b.Mailbox, b.Folder)
	}
	if cp.UIDValidity == b.UIDValidity && b.LastUID < cp.LastUID {
		s.errorf("%s/%s: checkpoint moves back from %d to %d", b.Mailbox, b.Folder, cp.LastUID, b.LastUID)
	}
	if cp.UIDValidity != b.UIDValidity {
		for k := range s.sightings {
			if k.mailbox == b.Mailbox && k.folder == b.Folder && k.uidValidity != b.UIDValidity {
				delete(s.sightings, k)
			}
		}
		cp.LastUID = 0
	}
	prev := cp.LastUID
	check := func(uid uint32) {
		if uid <= prev || uid > b.LastUID {
			s.errorf("%s/%s: UID %d outside (%d, %d] or out of order", b.Mailbox, b.Folder, uid, prev, b.LastUID)
		}
		prev = uid
	}
	for _, m := range b.Messages {
		check(m.UID)
		if m.Message.Key == "" {
			s.errorf("UID %d has no key", m.UID)
		}
		s.stored++
		if s.discard {
			continue
		}
		k := sighting{b.Mailbox, b.Folder, b.UIDValidity, m.UID}
		if _, dup := s.sightings[k]; dup {
			s.errorf("sighting %v stored twice", k)
		}
		s.sightings[k] = m.Message.Key
		s.messages[m.Message.Key] = m
	}
	prev = cp.LastUID
	for _, r := range b.Rejected {
		if r.UID <= cp.LastUID || r.UID > b.LastUID {
			s.errorf("rejected UID %d outside (%d, %d]", r.UID, cp.LastUID, b.LastUID)
		}
		s.rejected[sighting{b.Mailbox, b.Folder, b.UIDValidity, r.UID}] = r.Reason
	}
	s.folders[fk] = model.FolderState{UIDValidity: b.UIDValidity, LastUID: b.LastUID}
	return nil
}

func (s *fakeStore) errorf(format string, args ...any) {
	s.errs = append(s.errs, fmt.Sprintf(format, args...))
}

// check fails t on any broken invariant.
func (s *fakeStore) check(t *testing.T) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.errs {
		t.Error(e)
	}
}

// keysOf returns the sorted activity keys seen in a mailbox folder.
func (s *fakeStore) keysOf(mailbox, folder string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var keys []string
	for k, key := range s.sightings {
		if k.mailbox == mailbox && (folder == "" || k.folder == folder) {
			keys = append(keys, key)
		}
	}
	sort.Strings(keys)
	return keys
}

func (s *fakeStore) folder(mailbox, folder string) model.FolderState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.folders[mailbox+"\x00"+folder]
}

func (s *fakeStore) source(name string) model.SourceState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sources[name]
}

func (s *fakeStore) message(key string) (model.FetchedMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.messages[key]
	return m, ok
}

// memServer is go-imap's in-memory IMAP server on a loopback port.
type memServer struct {
	addr  string
	users map[string]*imapmemserver.User
	mem   *imapmemserver.Server
}

func startMem(t *testing.T, caps ...imap.Cap) *memServer {
	t.Helper()
	ms := &memServer{mem: imapmemserver.New(), users: map[string]*imapmemserver.User{}}
	capSet := imap.CapSet{imap.CapIMAP4rev1: {}}
	for _, c := range caps {
		capSet[c] = struct{}{}
	}
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return &saslSession{Session: ms.mem.NewSession(), ms: ms}, nil, nil
		},
		Caps:         capSet,
		InsecureAuth: true,
		Logger:       testLogger{t},
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	ms.addr = ln.Addr().String()
	return ms
}

type testLogger struct{ t *testing.T }

func (l testLogger) Printf(format string, args ...any) {}

// addUser adds a user with INBOX and Sent.
func (ms *memServer) addUser(t *testing.T, name, password string) *imapmemserver.User {
	t.Helper()
	u := imapmemserver.NewUser(name, password)
	for _, f := range []string{"INBOX", "Sent"} {
		if err := u.Create(f, nil); err != nil {
			t.Fatal(err)
		}
	}
	ms.mem.AddUser(u)
	ms.users[name] = u
	return u
}

func (ms *memServer) appendMsg(t *testing.T, user, folder string, raw []byte, date time.Time) {
	t.Helper()
	if _, err := ms.users[user].Append(folder, literal{bytes.NewReader(raw), int64(len(raw))},
		&imap.AppendOptions{Time: date}); err != nil {
		t.Fatal(err)
	}
}

type literal struct {
	*bytes.Reader
	n int64
}

func (l literal) Size() int64 { return l.n }

// mailbox returns the config of a mailbox on a loopback server.
func mailboxAt(t testing.TB, addr, user, password string) config.Mailbox {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	var p int
	fmt.Sscan(port, &p)
	return config.Mailbox{
		Name: user + "@ourco.example", Owner: user + "@ourco.example",
		Host: host, Port: p, TLS: config.TLSNone, Username: user,
		Auth: config.AuthPlain, Password: config.NewSecret(password),
	}
}

// genMail makes message i of a few shapes real mail takes.
func genMail(i int, shape string, date time.Time) []byte {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\r\n", args...) }
	w("From: Buyer %d <buyer%d@acme%d.example>", i, i, i%7)
	w("To: Alice Rep <rep1@ourco.example>")
	w("Subject: Deal update %d", i)
	if shape != "nodate" {
		w("Date: %s", date.Format(time.RFC1123Z))
	}
	if shape != "nomsgid" {
		w("Message-ID: <msg%d.%s@acme.example>", i, shape)
	}
	w("MIME-Version: 1.0")
	body := fmt.Sprintf("Hello number %d, here is the %s body text.", i, shape)
	switch shape {
	case "html":
		w("Content-Type: text/html; charset=utf-8")
		w("")
		w("<html><body><p>%s</p></body></html>", body)
	case "alt", "mixed", "invite":
		w(`Content-Type: multipart/mixed; boundary="outer"`)
		w("")
		w("--outer")
		w(`Content-Type: multipart/alternative; boundary="inner"`)
		w("")
		w("--inner")
		w("Content-Type: text/plain; charset=utf-8")
		w("")
		w("%s", body)
		w("--inner")
		w("Content-Type: text/html; charset=utf-8")
		w("")
		w("<p>(HTML alternative) %s</p>", body)
		w("--inner--")
		if shape == "mixed" {
			w("--outer")
			w(`Content-Type: application/pdf; name="quote-%d.pdf"`, i)
			w(`Content-Disposition: attachment; filename*=utf-8''Angebot%%20%%E2%%82%%AC%d.pdf`, i)
			w("Content-Transfer-Encoding: base64")
			w("")
			w("%s", base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("PDFDATA!"), 300)))
		}
		if shape == "invite" {
			w("--outer")
			w(`Content-Type: text/calendar; method=REQUEST; charset=utf-8`)
			w("Content-Transfer-Encoding: base64")
			w("")
			w("%s", base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:ev%d@acme\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", i))))
		}
		w("--outer--")
	default:
		w("Content-Type: text/plain; charset=utf-8")
		w("")
		w("%s", body)
	}
	return []byte(b.String())
}

var shapes = []string{"plain", "alt", "mixed", "html", "invite", "nomsgid", "nodate"}

// keyOf is the key a generated message is stored under, when it has a
// Message-ID.
func keyOf(i int, shape string) string { return fmt.Sprintf("msg%d.%s@acme.example", i, shape) }
