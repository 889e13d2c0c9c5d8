package calsync

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testCtx returns a context that ends with the test or after a minute.
func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// event returns a one-event iCalendar object.
func event(uid, summary string, start time.Time) string {
	const layout = "20060102T150405Z"
	return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//dealtrail//calsync test//EN\r\n" +
		"BEGIN:VEVENT\r\nUID:" + uid + "\r\nDTSTAMP:20250101T000000Z\r\n" +
		"DTSTART:" + start.UTC().Format(layout) + "\r\n" +
		"DTEND:" + start.Add(time.Hour).UTC().Format(layout) + "\r\n" +
		"SUMMARY:" + textEscaper.Replace(summary) + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
}

// textEscaper escapes an iCalendar TEXT value (RFC 5545 3.3.11). Radicale
// cuts a SUMMARY at an unescaped comma.
var textEscaper = strings.NewReplacer(`\`, `\\`, ",", `\,`, ";", `\;`, "\n", `\n`)

// wire counts the bytes a test server wrote to and read from its
// clients, independently of what the client under test counts.
type wire struct {
	toClient, fromClient atomic.Int64
}

func (w *wire) reset() { w.toClient.Store(0); w.fromClient.Store(0) }

type wireListener struct {
	net.Listener
	w *wire
}

func (l wireListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &serverConn{Conn: c, read: &l.w.fromClient, written: &l.w.toClient}, nil
}

// serverConn counts the bytes of a server's side of a connection. What
// it writes is counted before it is written, so the count is complete by
// the time the client has read it.
type serverConn struct {
	net.Conn
	read, written *atomic.Int64
}

func (c *serverConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.read.Add(int64(n))
	return n, err
}

func (c *serverConn) Write(b []byte) (int, error) {
	c.written.Add(int64(len(b)))
	n, err := c.Conn.Write(b)
	c.written.Add(int64(n - len(b)))
	return n, err
}

// newServer starts an httptest server for h (TLS when tlsOn) whose bytes
// on the wire are counted.
func newServer(t *testing.T, h http.Handler, tlsOn bool) (*httptest.Server, *wire) {
	t.Helper()
	ts := httptest.NewUnstartedServer(h)
	w := &wire{}
	ts.Listener = wireListener{Listener: ts.Listener, w: w}
	if tlsOn {
		ts.StartTLS()
	} else {
		ts.Start()
	}
	t.Cleanup(ts.Close)
	return ts, w
}

// fakeNet is a pretend Internet for the private-network checks: host
// names resolve to the addresses given, and some "public" addresses are
// routed to servers on loopback. It records every address dialed.
type fakeNet struct {
	mu     sync.Mutex
	hosts  map[string][]netip.Addr
	routes map[netip.AddrPort]string
	dialed []string
}

func newFakeNet() *fakeNet {
	return &fakeNet{hosts: map[string][]netip.Addr{}, routes: map[netip.AddrPort]string{}}
}

// publish makes host resolve to the public address pub, and pub:port of
// the loopback server at addr reach it.
func (n *fakeNet) publish(host, pub, addr string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	ap := netip.MustParseAddrPort(addr)
	p := netip.MustParseAddr(pub)
	n.hosts[host] = append(n.hosts[host], p)
	n.routes[netip.AddrPortFrom(p, ap.Port())] = addr
}

// resolve makes host resolve to addrs, without any route.
func (n *fakeNet) resolve(host string, addrs ...string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, a := range addrs {
		n.hosts[host] = append(n.hosts[host], netip.MustParseAddr(a))
	}
}

func (n *fakeNet) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if a, ok := n.hosts[host]; ok {
		return a, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

func (n *fakeNet) Dial(ctx context.Context, network, address string) (net.Conn, error) {
	n.mu.Lock()
	n.dialed = append(n.dialed, address)
	target, ok := n.routes[netip.MustParseAddrPort(address)]
	n.mu.Unlock()
	if !ok {
		target = address // loopback servers are reachable as they are
		if !netip.MustParseAddrPort(address).Addr().IsLoopback() {
			return nil, fmt.Errorf("fake network: no route to %s", address)
		}
	}
	var d net.Dialer
	return d.DialContext(ctx, network, target)
}

func (n *fakeNet) dialedAddrs() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.dialed...)
}

// proxy is a TCP relay in front of a real server that counts the bytes
// each way and records the first line of every request, so a test sees
// exactly what a poll cost on the wire. Radicale answers in HTTP/1.0, so
// each request has a connection of its own. Bytes are counted as they
// pass, so the counts are complete when the client has its answer.
type proxy struct {
	addr     string
	upstream string
	up, down atomic.Int64 // client to server, server to client
	mu       sync.Mutex
	requests []string
	wg       sync.WaitGroup
}

func startProxy(t *testing.T, target string) *proxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{addr: l.Addr().String(), upstream: target}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				p.relay(c)
			}()
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		p.wg.Wait()
	})
	return p
}

func (p *proxy) relay(raw net.Conn) {
	client := &serverConn{Conn: raw, read: &p.up, written: &p.down}
	defer func() { _ = client.Close() }()
	server, err := net.DialTimeout("tcp", p.upstream, 5*time.Second)
	if err != nil {
		return
	}
	defer func() { _ = server.Close() }()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = io.Copy(server, io.TeeReader(client, &requestLine{p: p}))
		if tcp, ok := server.(*net.TCPConn); ok {
			_ = tcp.CloseWrite()
		}
	}()
	_, _ = io.Copy(client, server)
	_ = client.Close()
	<-done
}

// requestLine records the first line of a connection's request.
type requestLine struct {
	p    *proxy
	head bytes.Buffer
	done bool
}

func (w *requestLine) Write(b []byte) (int, error) {
	if w.done {
		return len(b), nil
	}
	w.head.Write(b)
	if line, _, ok := strings.Cut(w.head.String(), "\r\n"); ok {
		w.done = true
		method, rest, _ := strings.Cut(line, " ")
		path, _, _ := strings.Cut(rest, " ")
		w.p.mu.Lock()
		w.p.requests = append(w.p.requests, method+" "+path)
		w.p.mu.Unlock()
	} else if w.head.Len() > 4096 {
		w.done = true
	}
	return len(b), nil
}

// take returns the requests and byte counts since the last take.
func (p *proxy) take() (requests []string, up, down int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	requests, p.requests = p.requests, nil
	return requests, p.up.Swap(0), p.down.Swap(0)
}
