package mailsync

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/dealtrail/dealtrail/internal/testenv/dovecot"
)

// BenchmarkDovecotFirstSync measures a first sync of 20,000 messages in
// INBOX and 2,000 in Sent (a tenth carrying 0.2-2 MB attachments) from a
// real Dovecot on loopback with a warm index, into a sink that keeps
// nothing, beside a minimal go-imap client that fetches the same folders
// with one UID FETCH each and throws the data away. Run it with
//
//	DEALTRAIL_NO_SKIP=1 go test -run '^$' -bench DovecotFirstSync -benchtime 1x ./internal/mailsync
func BenchmarkDovecotFirstSync(b *testing.B) {
	s := dovecot.Start(b)
	s.AddUser(b, "rep1", "pw")
	began := time.Now()
	benchFill(b, s, "INBOX", 20000, 1)
	benchFill(b, s, "Sent", 2000, 2)
	mailboxBytes := s.MailboxBytes(b, "rep1")
	b.Logf("filled 22,000 messages (%d MB) in %v", mailboxBytes>>20, time.Since(began).Round(time.Second))
	runtime.GC()
	debug.FreeOSMemory()

	mb := mailboxAt(b, s.Addr(), "rep1", "pw")
	ctx := context.Background()
	// Warm the server's index (BODYSTRUCTURE, cached header fields).
	var warm *fakeStore
	for range 2 {
		warm = newFakeStore()
		warm.discard = true
		if _, err := newTestWorker(b, Options{Mailbox: mb, Store: warm, Sink: warm}).PollOnce(ctx); err != nil {
			b.Fatal(err)
		}
		minimal(b, s.Addr())
	}

	// The machine may be shared: alternate the two clients and keep the
	// best run of each.
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		var best, bestBase time.Duration
		var bestStats Stats
		for round := range 3 {
			baseN, baseTime, _ := minimal(b, s.Addr())
			if baseN != 22000 {
				b.Fatalf("minimal client read %d messages, want 22000", baseN)
			}
			runtime.GC()
			debug.FreeOSMemory()
			resetPeakRSS()
			st := newFakeStore()
			st.discard = true
			w := newTestWorker(b, Options{Mailbox: mb, Store: st, Sink: st})
			if path := os.Getenv("DEALTRAIL_SYNC_PROFILE"); path != "" && round == 0 {
				f, _ := os.Create(path)
				pprof.StartCPUProfile(f)
			}
			b.StartTimer()
			stats, err := w.PollOnce(ctx)
			b.StopTimer()
			pprof.StopCPUProfile()
			if err != nil {
				b.Fatal(err)
			}
			if st.stored != 22000 {
				b.Fatalf("stored %d, want 22000", st.stored)
			}
			b.Logf("round %d: sync %v (%.0f msgs/s, peak RSS %d MB), minimal client %v (%.0f msgs/s)", round,
				stats.Elapsed.Round(time.Millisecond), 22000/stats.Elapsed.Seconds(), peakRSS()>>20,
				baseTime.Round(time.Millisecond), 22000/baseTime.Seconds())
			if best == 0 || stats.Elapsed < best {
				best, bestStats = stats.Elapsed, stats
			}
			if bestBase == 0 || baseTime < bestBase {
				bestBase = baseTime
			}
		}
		b.ReportMetric(22000/best.Seconds(), "msgs/s")
		b.ReportMetric(22000/bestBase.Seconds(), "minimal-msgs/s")
		b.ReportMetric(best.Seconds()/bestBase.Seconds(), "x-minimal")
		b.ReportMetric(float64(bestStats.BytesRead)/float64(mailboxBytes)*100, "%-of-mailbox-read")
		b.ReportMetric(float64(peakRSS())/(1<<20), "peak-RSS-MB")
		b.Logf("best: sync %v, minimal %v; %d MB read (%.2f%% of %d MB); commands %v",
			best.Round(time.Millisecond), bestBase.Round(time.Millisecond), bestStats.BytesRead>>20,
			float64(bestStats.BytesRead)/float64(mailboxBytes)*100, mailboxBytes>>20, bestStats.Commands)
		b.StartTimer()
	}
}

// minimal is the baseline: one UID FETCH 1:* per folder, data discarded.
func minimal(b *testing.B, addr string) (n int, took time.Duration, read int64) {
	b.Helper()
	start := time.Now()
	c, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	if err := c.Login("rep1", "pw").Wait(); err != nil {
		b.Fatal(err)
	}
	for _, folder := range []string{"INBOX", "Sent"} {
		if _, err := c.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
			b.Fatal(err)
		}
		cmd := c.Fetch(imap.UIDSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{
			UID: true, RFC822Size: true, InternalDate: true,
			BodySection: []*imap.FetchItemBodySection{
				{Specifier: imap.PartSpecifierHeader, Peek: true, HeaderFields: []string{
					"FROM", "TO", "CC", "DATE", "SUBJECT", "MESSAGE-ID", "IN-REPLY-TO", "REFERENCES"}},
				{Part: []int{1}, Peek: true, Partial: &imap.SectionPartial{Offset: 0, Size: 2048}},
			},
		})
		for m := cmd.Next(); m != nil; m = cmd.Next() {
			for it := m.Next(); it != nil; it = m.Next() {
				if bs, ok := it.(imapclient.FetchItemDataBodySection); ok && bs.Literal != nil {
					k, _ := bytes.NewBuffer(nil).ReadFrom(bs.Literal)
					read += k
				}
			}
			n++
		}
		if err := cmd.Close(); err != nil {
			b.Fatal(err)
		}
	}
	c.Logout().Wait()
	return n, time.Since(start), read
}

// benchFill fills a folder with n realistic messages, in chunks so the
// generated mail is never all in memory.
func benchFill(b *testing.B, s *dovecot.Server, folder string, n int, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 7))
	base := time.Now().AddDate(-1, 0, 0)
	const chunk = 500
	for start := 0; start < n; start += chunk {
		msgs := make([]dovecot.Message, 0, chunk)
		for i := start; i < min(n, start+chunk); i++ {
			date := base.Add(time.Duration(i) * 365 * 24 * time.Hour / time.Duration(n))
			msgs = append(msgs, dovecot.Message{Raw: benchMail(r, folder, i, date), Date: date})
		}
		s.Fill(b, "rep1", folder, msgs)
	}
}

var filler = strings.Repeat("We would like to move forward with the proposal as discussed on our last call. ", 60)

// benchMail makes a message with the headers real mail carries: a tenth
// have a 0.2-2 MB attachment, a third are internal only.
func benchMail(r *rand.Rand, folder string, i int, date time.Time) []byte {
	var sb strings.Builder
	w := func(s string) { sb.WriteString(s); sb.WriteString("\r\n") }
	domain := "acme" + strconv.Itoa(r.IntN(500)) + ".example"
	from, to := "buyer"+strconv.Itoa(r.IntN(50))+"@"+domain, "rep1@ourco.example"
	switch {
	case r.IntN(3) == 0:
		from = "rep" + strconv.Itoa(r.IntN(9)+2) + "@ourco.example"
	case folder == "Sent":
		from, to = to, from
	}
	for h := range 4 {
		w(fmt.Sprintf("Received: from mx%d.%s (mx%d.%s [192.0.2.%d]) by mx.ourco.example with ESMTPS id %08x; %s",
			h, domain, h, domain, r.IntN(250), r.Uint32(), date.Format(time.RFC1123Z)))
	}
	w("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=" + domain + "; s=sel; h=from:to:subject:date; bh=" +
		base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{byte(i)}, 32)) + "; b=" +
		base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{byte(i >> 8)}, 180)))
	w("From: Sender " + strconv.Itoa(i) + " <" + from + ">")
	w("To: " + to)
	if r.IntN(3) == 0 {
		w("Cc: someone" + strconv.Itoa(r.IntN(99)) + "@" + domain + ", rep2@ourco.example")
	}
	w(fmt.Sprintf("Subject: Re: Proposal for %s, round %d", domain, i))
	w("Date: " + date.Format(time.RFC1123Z))
	w(fmt.Sprintf("Message-ID: <bench-%s-%d@%s>", strings.ToLower(folder), i, domain))
	if i > 0 && r.IntN(2) == 0 {
		w(fmt.Sprintf("In-Reply-To: <bench-%s-%d@%s>", strings.ToLower(folder), i-1, domain))
		w(fmt.Sprintf("References: <bench-%s-%d@%s>", strings.ToLower(folder), i-1, domain))
	}
	w("MIME-Version: 1.0")
	body := filler[:500+r.IntN(2500)]
	attach := r.IntN(10) == 0
	if !attach {
		w(`Content-Type: multipart/alternative; boundary="alt"`)
		w("")
		w("--alt")
		w("Content-Type: text/plain; charset=utf-8")
		w("")
		w(body)
		w("--alt")
		w("Content-Type: text/html; charset=utf-8")
		w("")
		w("<html><body><p>" + body + "</p></body></html>")
		w("--alt--")
		return []byte(sb.String())
	}
	w(`Content-Type: multipart/mixed; boundary="mix"`)
	w("")
	w("--mix")
	w("Content-Type: text/plain; charset=utf-8")
	w("")
	w(body)
	w("--mix")
	w(`Content-Type: application/pdf; name="contract.pdf"`)
	w(`Content-Disposition: attachment; filename="contract.pdf"`)
	w("Content-Transfer-Encoding: base64")
	w("")
	size := 200_000 + r.IntN(1_800_000)
	data := make([]byte, size)
	for k := range data {
		data[k] = byte(k*7 + i)
	}
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 76 {
		sb.WriteString(enc[:76])
		sb.WriteString("\r\n")
		enc = enc[76:]
	}
	w(enc)
	w("--mix--")
	return []byte(sb.String())
}

// resetPeakRSS resets the kernel's high-water mark of this process.
func resetPeakRSS() { os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSS returns VmHWM in bytes (0 where /proc is missing).
func peakRSS() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}
