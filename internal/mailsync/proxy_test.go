package mailsync

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
)

// proxy sits between the worker and an IMAP server on loopback. It counts
// the commands the client sends (read off the wire, not from the worker's
// own counters), can cut the connection after the server sent some bytes,
// and can rewrite the server's response lines (never literal contents) to
// play a server that sends what go-imap cannot parse.
type proxy struct {
	t      *testing.T
	ln     net.Listener
	target string

	// cutAfter, when > 0, closes a connection once that many bytes went
	// from the server to the client on it; cuts counts how often.
	cutAfter atomic.Int64
	cuts     atomic.Int32
	// corrupt rewrites a chunk of a server response; uid is the UID of
	// the FETCH response it belongs to (0 outside one).
	corrupt atomic.Pointer[func(uid int, chunk []byte) []byte]

	// drop, when set, leaves out the whole FETCH response of a UID, and
	// fetchDone may replace the tagged answer of a FETCH command (given
	// whether a response was dropped) with another status line.
	drop      atomic.Pointer[func(uid int) bool]
	fetchDone atomic.Pointer[func(dropped bool) string]

	mu        sync.Mutex
	commands  map[string]int
	conns     int
	fetchTags map[string]bool
}

func startProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{t: t, ln: ln, target: target, commands: map[string]int{}, fetchTags: map[string]bool{}}
	t.Cleanup(func() { ln.Close() })
	go p.serve()
	return p
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

func (p *proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns++
		p.mu.Unlock()
		go p.upstream(c, s)
		go p.downstream(s, c)
	}
}

var commandRE = regexp.MustCompile(`^[A-Za-z0-9]+ (?:UID )?([A-Za-z]+)`)

// upstream copies the client's commands to the server, counting them.
func (p *proxy) upstream(c, s net.Conn) {
	defer s.Close()
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadBytes('\n')
		if m := commandRE.FindSubmatch(line); m != nil {
			cmd := string(bytes.ToUpper(m[1]))
			p.mu.Lock()
			p.commands[cmd]++
			if cmd == "FETCH" {
				p.fetchTags[string(line[:bytes.IndexByte(line, ' ')])] = true
			}
			p.mu.Unlock()
		}
		if _, werr := s.Write(line); werr != nil || err != nil {
			return
		}
	}
}

var (
	literalRE = regexp.MustCompile(`\{(\d+)\+?\}\r\n$`)
	fetchRE   = regexp.MustCompile(`^\* \d+ FETCH \(.*?UID (\d+)`)
)

// downstream copies the server's responses to the client chunk by chunk
// (a chunk ends at a CRLF or starts a literal), rewriting and counting.
func (p *proxy) downstream(s, c net.Conn) {
	defer c.Close()
	defer s.Close()
	r := bufio.NewReader(s)
	var sent int64
	uid := 0
	dropping, dropped := false, false
	write := func(b []byte) bool {
		if dropping {
			return true
		}
		if lim := p.cutAfter.Load(); lim > 0 && sent+int64(len(b)) >= lim {
			c.Write(b[:lim-sent])
			p.cuts.Add(1)
			return false
		}
		sent += int64(len(b))
		_, err := c.Write(b)
		return err == nil
	}
	for {
		chunk, err := r.ReadBytes('\n')
		if len(chunk) == 0 && err != nil {
			return
		}
		if m := fetchRE.FindSubmatch(chunk); m != nil {
			uid, _ = strconv.Atoi(string(m[1]))
			if f := p.drop.Load(); f != nil && (*f)(uid) {
				dropping, dropped = true, true
			}
		}
		if sp := bytes.IndexByte(chunk, ' '); sp > 0 && chunk[0] != '*' && !dropping {
			p.mu.Lock()
			isFetch := p.fetchTags[string(chunk[:sp])]
			p.mu.Unlock()
			if f := p.fetchDone.Load(); f != nil && isFetch {
				if line := (*f)(dropped); line != "" {
					chunk = []byte(string(chunk[:sp]) + " " + line + "\r\n")
				}
				dropped = false
			}
		}
		lit := literalRE.FindSubmatch(chunk)
		if f := p.corrupt.Load(); f != nil {
			chunk = (*f)(uid, chunk)
		}
		if !write(chunk) {
			return
		}
		if lit == nil {
			uid, dropping = 0, false // the response ended
			continue
		}
		n, _ := strconv.ParseInt(string(lit[1]), 10, 64)
		body := make([]byte, n)
		if _, err := io.ReadFull(r, body); err != nil {
			return
		}
		if !write(body) {
			return
		}
	}
}

func (p *proxy) count(cmd string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.commands[cmd]
}

func (p *proxy) reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.commands = map[string]int{}
	p.conns = 0
}

func (p *proxy) connections() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.conns
}
