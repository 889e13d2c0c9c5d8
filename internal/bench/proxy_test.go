package bench

import (
	"bytes"
	"errors"
	"io"
	"maps"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// proxy is a TCP proxy on 127.0.0.1 in front of an IMAP server. It counts
// the bytes each way and the IMAP commands the clients send, so a test
// sees what a client cost the server without the client's help.
type proxy struct {
	ln     net.Listener
	target string

	down atomic.Int64 // server → client
	up   atomic.Int64 // client → server

	mu   sync.Mutex
	cmds map[string]int // by name: "LOGIN", "UID FETCH", ...

	wg     sync.WaitGroup
	connMu sync.Mutex
	conns  map[net.Conn]bool
	closed bool
}

// proxyStats is what went through the proxy.
type proxyStats struct {
	down, up int64
	cmds     map[string]int
}

// fetches is the number of FETCH commands, with or without UID.
func (s proxyStats) fetches() int { return s.cmds["FETCH"] + s.cmds["UID FETCH"] }

// sub returns what went through between the snapshot old and s.
func (s proxyStats) sub(old proxyStats) proxyStats {
	d := proxyStats{down: s.down - old.down, up: s.up - old.up, cmds: map[string]int{}}
	for k, v := range s.cmds {
		if n := v - old.cmds[k]; n != 0 {
			d.cmds[k] = n
		}
	}
	return d
}

// startProxy listens on 127.0.0.1:0 and forwards every connection to
// target until the test ends.
func startProxy(t testing.TB, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("proxy: %v", err)
	}
	p := &proxy{ln: ln, target: target, cmds: map[string]int{}, conns: map[net.Conn]bool{}}
	p.wg.Add(1)
	go p.serve(t)
	t.Cleanup(p.close)
	return p
}

// port is the port clients connect to.
func (p *proxy) port() int { return p.ln.Addr().(*net.TCPAddr).Port }

// addr is the address clients connect to.
func (p *proxy) addr() string { return p.ln.Addr().String() }

// snapshot returns the counts so far.
func (p *proxy) snapshot() proxyStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return proxyStats{down: p.down.Load(), up: p.up.Load(), cmds: maps.Clone(p.cmds)}
}

func (p *proxy) serve(t testing.TB) {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				t.Errorf("proxy: accept: %v", err)
			}
			return
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.relay(c)
		}()
	}
}

// relay forwards one client connection to the target and back.
func (p *proxy) relay(client net.Conn) {
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		_ = client.Close()
		return
	}
	if !p.track(client, server) {
		return
	}
	defer p.untrack(client, server)
	parser := &commandParser{count: p.count}
	done := make(chan struct{})
	go func() {
		defer close(done)
		copyCounting(server, client, &p.up, parser)
		closeWrite(server)
	}()
	copyCounting(client, server, &p.down, nil)
	closeWrite(client)
	<-done
}

// track registers a connection pair, or closes it when the proxy is
// closing.
func (p *proxy) track(conns ...net.Conn) bool {
	p.connMu.Lock()
	defer p.connMu.Unlock()
	if p.closed {
		for _, c := range conns {
			_ = c.Close()
		}
		return false
	}
	for _, c := range conns {
		p.conns[c] = true
	}
	return true
}

func (p *proxy) untrack(conns ...net.Conn) {
	p.connMu.Lock()
	defer p.connMu.Unlock()
	for _, c := range conns {
		_ = c.Close()
		delete(p.conns, c)
	}
}

// close stops listening, closes every connection and waits for the relays.
func (p *proxy) close() {
	_ = p.ln.Close()
	p.connMu.Lock()
	p.closed = true
	for c := range p.conns {
		_ = c.Close()
	}
	p.connMu.Unlock()
	p.wg.Wait()
}

func (p *proxy) count(name string) {
	p.mu.Lock()
	p.cmds[name]++
	p.mu.Unlock()
}

// copyCounting copies src to dst, adding the bytes to n and showing them
// to parser (if any) before they are forwarded.
func copyCounting(dst io.Writer, src io.Reader, n *atomic.Int64, parser *commandParser) {
	buf := make([]byte, 64<<10)
	for {
		k, err := src.Read(buf)
		if k > 0 {
			n.Add(int64(k))
			if parser != nil {
				parser.feed(buf[:k])
			}
			if _, werr := dst.Write(buf[:k]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// closeWrite half-closes a TCP connection so the other side sees the end.
func closeWrite(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
}

// commandParser reads the client side of an IMAP connection and reports
// each command's name: "tag NAME ..." gives NAME, "tag UID NAME ..." gives
// "UID NAME". Literals ({n} or {n+} ending a line) are skipped, so their
// bytes are never taken for commands; continuation lines (AUTHENTICATE
// data, DONE after IDLE) have no tag and name and are ignored.
type commandParser struct {
	count func(name string)
	line  []byte
	// skip is the number of literal bytes still to pass over.
	skip int64
	// cont is set while the rest of a command follows a literal.
	cont bool
}

// maxLine bounds what is kept of one line; a command's name is near its
// start.
const maxLine = 1024

func (cp *commandParser) feed(b []byte) {
	for len(b) > 0 {
		if cp.skip > 0 {
			k := min(cp.skip, int64(len(b)))
			cp.skip -= k
			b = b[k:]
			continue
		}
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			cp.keep(b)
			return
		}
		cp.keep(b[:i])
		cp.endLine()
		b = b[i+1:]
	}
}

func (cp *commandParser) keep(b []byte) {
	if room := maxLine - len(cp.line); room > 0 {
		cp.line = append(cp.line, b[:min(room, len(b))]...)
	}
}

// endLine handles one complete line.
func (cp *commandParser) endLine() {
	line := strings.TrimSuffix(string(cp.line), "\r")
	cp.line = cp.line[:0]
	if !cp.cont {
		fields := strings.Fields(line)
		if len(fields) >= 2 {
			name := strings.ToUpper(fields[1])
			if name == "UID" && len(fields) >= 3 {
				name += " " + strings.ToUpper(fields[2])
			}
			cp.count(name)
		}
	}
	cp.cont = false
	if n, ok := literalSize(line); ok {
		cp.skip, cp.cont = n, true
	}
}

// literalSize returns n when line ends with a literal announcement {n} or
// {n+}.
func literalSize(line string) (int64, bool) {
	if !strings.HasSuffix(line, "}") {
		return 0, false
	}
	open := strings.LastIndexByte(line, '{')
	if open < 0 {
		return 0, false
	}
	digits := strings.TrimSuffix(line[open+1:len(line)-1], "+")
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}
