package mailsync

import (
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// wireConn is the TCP connection under TLS and IMAP. go-imap v2 beta.8 has
// no context and waits between responses without a deadline, so a
// half-dead connection would hang a worker forever: every Read and Write
// here carries its own deadline instead, whatever the client asks for. It
// also counts the bytes read from the server and remembers the first I/O
// error, which tells a lost connection from a response the client could not
// parse (the client then closes the connection itself, with no I/O error).
type wireConn struct {
	net.Conn
	timeout time.Duration
	read    *atomic.Int64

	mu      sync.Mutex
	ioErr   error
	closing bool
}

func newWireConn(c net.Conn, timeout time.Duration, read *atomic.Int64) *wireConn {
	return &wireConn{Conn: c, timeout: timeout, read: read}
}

// Read reads with a fresh deadline and counts what it read.
func (c *wireConn) Read(b []byte) (int, error) {
	if err := c.Conn.SetReadDeadline(time.Now().Add(c.timeout)); err != nil {
		c.noteErr(err)
		return 0, err
	}
	n, err := c.Conn.Read(b)
	c.read.Add(int64(n))
	if err != nil {
		c.noteErr(err)
	}
	return n, err
}

// Write writes with a fresh deadline.
func (c *wireConn) Write(b []byte) (int, error) {
	if err := c.Conn.SetWriteDeadline(time.Now().Add(c.timeout)); err != nil {
		c.noteErr(err)
		return 0, err
	}
	n, err := c.Conn.Write(b)
	if err != nil {
		c.noteErr(err)
	}
	return n, err
}

// The client's own deadlines (none while it waits between responses) are
// replaced by ours, set on every Read and Write.
func (c *wireConn) SetDeadline(time.Time) error      { return nil }
func (c *wireConn) SetReadDeadline(time.Time) error  { return nil }
func (c *wireConn) SetWriteDeadline(time.Time) error { return nil }

// Close closes the connection. Errors seen after it are ours, not the
// network's.
func (c *wireConn) Close() error {
	c.mu.Lock()
	c.closing = true
	c.mu.Unlock()
	return c.Conn.Close()
}

func (c *wireConn) noteErr(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ioErr == nil && !c.closing && !errors.Is(err, net.ErrClosed) {
		c.ioErr = err
	}
}

// lostErr returns the I/O error that broke the connection, if any.
func (c *wireConn) lostErr() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ioErr
}
