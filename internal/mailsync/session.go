package mailsync

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"net"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-message/charset"
	"github.com/emersion/go-sasl"

	"github.com/dealtrail/dealtrail/internal/config"
)

// session is one logged-in IMAP connection. It closes itself when the
// context it was opened with is done (go-imap has no context of its own),
// so a stopped worker never waits on the network.
type session struct {
	c    *imapclient.Client
	conn *wireConn
	cmds *commandCounts

	stopWatch func() bool
	closeOnce sync.Once
}

// commandCounts counts the IMAP commands sent during a poll, by name.
type commandCounts struct {
	mu sync.Mutex
	m  map[string]int
}

func (c *commandCounts) add(name string) {
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]int{}
	}
	c.m[name]++
	c.mu.Unlock()
}

func (c *commandCounts) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.m))
	for k, v := range c.m {
		out[k] = v
	}
	return out
}

// dialer is the part of the worker a session needs to connect.
type dialer struct {
	mb        config.Mailbox
	dial      func(ctx context.Context, network, addr string) (net.Conn, error)
	tlsConfig *tls.Config
	timeout   timeouts
	token     func(ctx context.Context) (string, error) // XOAUTH2 access token
	read      *atomic.Int64
	cmds      *commandCounts
}

// open connects, secures and logs in. Errors name the server and the
// step, never a credential.
func (d *dialer) open(ctx context.Context) (*session, error) {
	addr := net.JoinHostPort(d.mb.Host, strconv.Itoa(d.mb.Port))
	dctx, cancel := context.WithTimeout(ctx, d.timeout.dial)
	raw, err := d.dial(dctx, "tcp", addr)
	cancel()
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", addr, err)
	}
	wc := newWireConn(raw, d.timeout.io, d.read)
	s := &session{conn: wc, cmds: d.cmds}
	// From here on the watchdog closes the connection if ctx ends, which
	// unblocks whatever step is waiting on it.
	s.stopWatch = context.AfterFunc(ctx, func() { wc.Close() })

	opts := &imapclient.Options{
		WordDecoder: &mime.WordDecoder{CharsetReader: charset.Reader},
	}
	switch d.mb.TLS {
	case config.TLSImplicit:
		tc := tls.Client(wc, d.tls(true))
		hctx, cancel := context.WithTimeout(ctx, d.timeout.dial)
		err = tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			s.close()
			return nil, d.stepErr(ctx, "TLS handshake with "+addr, err)
		}
		s.c = imapclient.New(tc, opts)
	case config.TLSStartTLS:
		opts.TLSConfig = d.tls(false)
		s.cmds.add("STARTTLS")
		s.c, err = imapclient.NewStartTLS(wc, opts)
		if err != nil {
			s.close()
			return nil, d.stepErr(ctx, "STARTTLS with "+addr, err)
		}
	default:
		s.c = imapclient.New(wc, opts)
	}
	if err := s.c.WaitGreeting(); err != nil {
		s.close()
		return nil, d.stepErr(ctx, "greeting of "+addr, err)
	}
	if err := d.login(ctx, s); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// tls returns the TLS configuration for the mailbox's host; implicit TLS
// also offers the "imap" ALPN protocol, as go-imap's DialTLS does.
func (d *dialer) tls(implicit bool) *tls.Config {
	var cfg *tls.Config
	if d.tlsConfig != nil {
		cfg = d.tlsConfig.Clone()
	} else {
		cfg = &tls.Config{}
	}
	if cfg.ServerName == "" {
		cfg.ServerName = d.mb.Host
	}
	if cfg.MinVersion == 0 {
		cfg.MinVersion = tls.VersionTLS12
	}
	if implicit && cfg.NextProtos == nil {
		cfg.NextProtos = []string{"imap"}
	}
	return cfg
}

// login authenticates with the password (LOGIN, or AUTHENTICATE PLAIN
// where LOGIN is disabled) or with an OAuth2 access token (XOAUTH2).
func (d *dialer) login(ctx context.Context, s *session) error {
	user := d.mb.Username
	var err error
	switch {
	case d.mb.Auth == config.AuthXOAuth2:
		var token string
		token, err = d.token(ctx)
		if err != nil {
			return fmt.Errorf("log in as %s: %w", user, err)
		}
		s.cmds.add("AUTHENTICATE")
		err = s.c.Authenticate(&xoauth2Client{user: user, token: token})
	case s.c.Caps().Has(imap.CapLoginDisabled):
		s.cmds.add("AUTHENTICATE")
		err = s.c.Authenticate(sasl.NewPlainClient("", user, d.mb.Password.Reveal()))
	default:
		s.cmds.add("LOGIN")
		err = s.c.Login(user, d.mb.Password.Reveal()).Wait()
	}
	if err != nil {
		return d.stepErr(ctx, "log in as "+user, err)
	}
	return nil
}

// stepErr wraps the error of a connection step, preferring the reason the
// connection was lost (or that the worker was stopped).
func (d *dialer) stepErr(ctx context.Context, step string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %w", step, ctx.Err())
	}
	var ierr *imap.Error
	if errors.As(err, &ierr) {
		return fmt.Errorf("%s: %w", step, &serverError{ierr})
	}
	return fmt.Errorf("%s: %w", step, err)
}

// close drops the connection without a goodbye.
func (s *session) close() {
	s.closeOnce.Do(func() {
		if s.stopWatch != nil {
			s.stopWatch()
		}
		if s.c != nil {
			s.c.Close()
		} else {
			s.conn.Close()
		}
	})
}

// logout says goodbye and closes; it is best effort.
func (s *session) logout() {
	if s.c != nil && s.conn.lostErr() == nil {
		s.cmds.add("LOGOUT")
		s.c.Logout().Wait()
	}
	s.close()
}

// lost reports the I/O error that broke the session, or nil when it is
// still up or was closed by the client because a response was unreadable.
func (s *session) lost() error { return s.conn.lostErr() }
