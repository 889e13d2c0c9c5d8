package dovecot

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/dealtrail/dealtrail/internal/testenv"
)

const (
	// appendBatch bounds the messages of one MULTIAPPEND command, which
	// Dovecot saves as one transaction.
	appendBatch = 10_000
	// appendBatchBytes bounds the bytes of one MULTIAPPEND command.
	appendBatchBytes = 64 << 20
	// imapDate is the layout of an IMAP date-time (RFC 3501).
	imapDate = "02-Jan-2006 15:04:05 -0700"
)

// preauth is an IMAP session with an imap process started by
// "doveadm exec imap -u <user>": logged in already (PREAUTH), talking over
// pipes, with no password and no network.
type preauth struct {
	cmd    *exec.Cmd
	cancel context.CancelFunc
	stdin  io.WriteCloser
	w      *bufio.Writer
	lines  chan string // lines from the server; closed at end of output
	stderr testenv.Buffer
	tag    int
}

// openPreauth starts an imap process for user and reads its greeting.
func (s *Server) openPreauth(user string) (*preauth, error) {
	ctx, cancel := context.WithTimeout(context.Background(), doveadmTimeout)
	p := &preauth{cancel: cancel, lines: make(chan string, 64)}
	p.cmd = exec.CommandContext(ctx, s.doveadm, "-c", s.conf, "exec", "imap", "-u", user)
	p.cmd.Stderr = &p.stderr
	var err error
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		cancel()
		return nil, err
	}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		cancel()
		return nil, err
	}
	if err := p.cmd.Start(); err != nil {
		cancel()
		return nil, fmt.Errorf("starting imap for %s: %w", user, err)
	}
	p.w = bufio.NewWriterSize(p.stdin, 1<<16)
	// Read all output in the background, so that the imap process never
	// blocks on a full pipe while we are still writing to it.
	go func() {
		defer close(p.lines)
		r := bufio.NewReader(stdout)
		for {
			line, err := r.ReadString('\n')
			if line != "" {
				p.lines <- strings.TrimRight(line, "\r\n")
			}
			if err != nil {
				return
			}
		}
	}()
	greeting, ok := <-p.lines
	if !ok || !strings.HasPrefix(greeting, "* PREAUTH") {
		return nil, p.fail(fmt.Errorf("imap for %s greeted %q", user, greeting))
	}
	return p, nil
}

// fail closes the session after an error and returns err with what the
// imap process wrote to stderr.
func (p *preauth) fail(err error) error {
	_ = p.stdin.Close()
	p.cancel()
	for range p.lines {
	}
	_ = p.cmd.Wait()
	if msg := strings.TrimSpace(p.stderr.String()); msg != "" {
		return fmt.Errorf("%w (imap: %s)", err, msg)
	}
	return err
}

// close logs out and waits for the imap process.
func (p *preauth) close() error {
	_, _ = p.w.WriteString("z LOGOUT\r\n")
	_ = p.w.Flush()
	_ = p.stdin.Close()
	for range p.lines {
	}
	err := p.cmd.Wait()
	p.cancel()
	if err != nil {
		return fmt.Errorf("imap: %w: %s", err, strings.TrimSpace(p.stderr.String()))
	}
	return nil
}

// do sends one command, written by write after the tag, and waits for its
// tagged response, returned as status ("OK", "NO", "BAD") and text.
func (p *preauth) do(write func(w *bufio.Writer)) (status, text string, err error) {
	p.tag++
	tag := "f" + strconv.Itoa(p.tag)
	_, _ = p.w.WriteString(tag + " ")
	write(p.w)
	_, _ = p.w.WriteString("\r\n")
	if err := p.w.Flush(); err != nil {
		return "", "", fmt.Errorf("writing to imap: %w", err)
	}
	for line := range p.lines {
		if rest, ok := strings.CutPrefix(line, tag+" "); ok {
			status, text, _ = strings.Cut(rest, " ")
			return status, text, nil
		}
		if strings.HasPrefix(line, "* BYE") {
			return "", "", fmt.Errorf("imap said %q", line)
		}
	}
	return "", "", errors.New("imap ended its output before answering")
}

// create creates folder and subscribes to it, unless it exists.
func (p *preauth) create(folder string) error {
	if strings.EqualFold(folder, "INBOX") {
		return nil
	}
	name := quote(encodeMUTF7(folder))
	status, text, err := p.do(func(w *bufio.Writer) { _, _ = w.WriteString("CREATE " + name) })
	switch {
	case err != nil:
		return err
	case status == "NO" && strings.HasPrefix(text, "[ALREADYEXISTS]"):
		return nil
	case status != "OK":
		return fmt.Errorf("CREATE %q: %s %s", folder, status, text)
	}
	status, text, err = p.do(func(w *bufio.Writer) { _, _ = w.WriteString("SUBSCRIBE " + name) })
	if err == nil && status != "OK" {
		err = fmt.Errorf("SUBSCRIBE %q: %s %s", folder, status, text)
	}
	return err
}

// appendAll appends msgs to folder in order with MULTIAPPEND (RFC 3502)
// and non-synchronising literals (LITERAL+), in batches.
func (p *preauth) appendAll(folder string, msgs []Message) error {
	name := quote(encodeMUTF7(folder))
	now := time.Now()
	for len(msgs) > 0 {
		n, size := 0, 0
		for n < len(msgs) && n < appendBatch && (n == 0 || size+len(msgs[n].Raw) <= appendBatchBytes) {
			size += len(msgs[n].Raw)
			n++
		}
		batch := msgs[:n]
		msgs = msgs[n:]
		status, text, err := p.do(func(w *bufio.Writer) {
			_, _ = w.WriteString("APPEND " + name)
			for _, m := range batch {
				date := m.Date
				if date.IsZero() {
					date = now
				}
				fmt.Fprintf(w, " () %q {%d+}\r\n", date.Format(imapDate), len(m.Raw))
				_, _ = w.Write(m.Raw)
			}
		})
		if err != nil {
			return err
		}
		if status != "OK" {
			return fmt.Errorf("APPEND of %d messages: %s %s", len(batch), status, text)
		}
	}
	return nil
}

// quote returns s as an IMAP quoted string.
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// mutf7 is the base64 alphabet of modified UTF-7 (RFC 3501, 5.1.3).
var mutf7 = base64.NewEncoding("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,").WithPadding(base64.NoPadding)

// encodeMUTF7 encodes a folder name in modified UTF-7, as IMAP4rev1
// servers without UTF8=ACCEPT (Dovecot 2.3) want it.
func encodeMUTF7(s string) string {
	var b strings.Builder
	var run []rune
	flush := func() {
		if len(run) == 0 {
			return
		}
		units := utf16.Encode(run)
		buf := make([]byte, 2*len(units))
		for i, u := range units {
			binary.BigEndian.PutUint16(buf[2*i:], u)
		}
		b.WriteByte('&')
		b.WriteString(mutf7.EncodeToString(buf))
		b.WriteByte('-')
		run = run[:0]
	}
	for _, r := range s {
		switch {
		case r == '&':
			flush()
			b.WriteString("&-")
		case r >= 0x20 && r <= 0x7e:
			flush()
			b.WriteRune(r)
		default:
			run = append(run, r)
		}
	}
	flush()
	return b.String()
}
