package demo

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// Server is the demo's IMAP server: go-imap's imapserver over its
// in-memory backend, on a free loopback port, without TLS (which the
// config allows for loopback hosts only). Every user has an INBOX and a
// Sent folder, and a password made up at start.
type Server struct {
	srv       *imapserver.Server
	ln        net.Listener
	users     map[string]*imapmemserver.User
	passwords map[string]string
	// epoch is added to the backend's UIDVALIDITY values (which restart
	// at 1), so that a server started again presents new ones, as a real
	// server would whose mailboxes were recreated: a client keeping its
	// checkpoints across runs then rescans instead of skipping new UIDs.
	epoch uint32
	done  chan struct{}
}

// StartServer starts a server for the users on 127.0.0.1, on a free
// port. logger gets the server's own error reports, at debug level.
func StartServer(users []string, logger *slog.Logger) (*Server, error) {
	s := &Server{
		users:     map[string]*imapmemserver.User{},
		passwords: map[string]string{},
		epoch:     uint32(time.Now().Unix()),
		done:      make(chan struct{}),
	}
	for _, u := range users {
		pw := rand.Text()
		mu := imapmemserver.NewUser(u, pw)
		for _, folder := range []string{Inbox, Sent} {
			if err := mu.Create(folder, nil); err != nil {
				return nil, fmt.Errorf("create folder %s of %s: %w", folder, u, err)
			}
		}
		s.users[u], s.passwords[u] = mu, pw
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s.srv = imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return &session{server: s}, nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}},
		InsecureAuth: true,
		Logger:       serverLogger{logger},
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for IMAP: %w", err)
	}
	s.ln = ln
	go func() {
		defer close(s.done)
		s.srv.Serve(ln)
	}()
	return s, nil
}

// Host is the address the server listens on.
func (s *Server) Host() string { return s.ln.Addr().(*net.TCPAddr).IP.String() }

// Port is the port the server listens on.
func (s *Server) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// Addr is the server's host:port.
func (s *Server) Addr() string { return net.JoinHostPort(s.Host(), strconv.Itoa(s.Port())) }

// Password returns the user's password ("" for an unknown user).
func (s *Server) Password(user string) string { return s.passwords[user] }

// Append adds a message to a user's folder, with its date as INTERNALDATE.
// Messages in Sent are marked seen.
func (s *Server) Append(user string, m Message) error {
	u, ok := s.users[user]
	if !ok {
		return fmt.Errorf("append to %s: no such user", user)
	}
	opts := &imap.AppendOptions{Time: m.Date}
	if m.Folder == Sent {
		opts.Flags = []imap.Flag{imap.FlagSeen}
	}
	if _, err := u.Append(m.Folder, bytes.NewReader(m.Raw), opts); err != nil {
		return fmt.Errorf("append to %s %s: %w", user, m.Folder, err)
	}
	return nil
}

// Load appends every member's messages of the team's year, in order.
func (s *Server) Load(t *Team) error {
	for _, user := range t.Users() {
		for _, m := range t.Mailboxes[user] {
			if err := s.Append(user, m); err != nil {
				return err
			}
		}
	}
	return nil
}

// Deliver appends an email to every folder that holds a copy of it.
func (s *Server) Deliver(e Email) error {
	for _, c := range e.Copies {
		if err := s.Append(c.User, Message{Folder: c.Folder, MessageID: e.MessageID, Date: e.Date, Raw: e.Raw}); err != nil {
			return err
		}
	}
	return nil
}

// Close stops the server, dropping its connections.
func (s *Server) Close() error {
	err := s.srv.Close()
	// Serve may not have taken the listener yet; close it ourselves.
	if lerr := s.ln.Close(); lerr != nil && !errors.Is(lerr, net.ErrClosed) && err == nil {
		err = lerr
	}
	<-s.done
	return err
}

// session is one connection's session: the backend's, with the server's
// users and UIDVALIDITY epoch.
type session struct {
	*imapmemserver.UserSession // nil until logged in
	server                     *Server
}

var _ imapserver.Session = (*session)(nil)

func (sess *session) Login(username, password string) error {
	u, ok := sess.server.users[username]
	if !ok {
		return imapserver.ErrAuthFailed
	}
	if err := u.Login(username, password); err != nil {
		return err
	}
	sess.UserSession = imapmemserver.NewUserSession(u)
	return nil
}

func (sess *session) Select(name string, options *imap.SelectOptions) (*imap.SelectData, error) {
	data, err := sess.UserSession.Select(name, options)
	if data != nil {
		data.UIDValidity += sess.server.epoch
	}
	return data, err
}

func (sess *session) Status(name string, options *imap.StatusOptions) (*imap.StatusData, error) {
	data, err := sess.UserSession.Status(name, options)
	if data != nil && data.UIDValidity != 0 {
		data.UIDValidity += sess.server.epoch
	}
	return data, err
}

func (sess *session) Append(name string, r imap.LiteralReader, options *imap.AppendOptions) (*imap.AppendData, error) {
	data, err := sess.UserSession.Append(name, r, options)
	if data != nil {
		data.UIDValidity += sess.server.epoch
	}
	return data, err
}

func (sess *session) Copy(numSet imap.NumSet, dest string) (*imap.CopyData, error) {
	data, err := sess.UserSession.Copy(numSet, dest)
	if data != nil {
		data.UIDValidity += sess.server.epoch
	}
	return data, err
}

// serverLogger passes the IMAP server's reports to slog.
type serverLogger struct{ l *slog.Logger }

func (l serverLogger) Printf(format string, args ...any) {
	l.l.Debug("imap server", "message", fmt.Sprintf(format, args...))
}
