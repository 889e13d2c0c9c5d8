package calsync

import (
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
)

var feedBody = event("kickoff@acme.test", "Kickoff with Acme", time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC))

// loopback are the options of a feed served by httptest on 127.0.0.1.
var loopback = HTTPOptions{AllowPrivateNetworks: true}

func mustFeed(t *testing.T, url string, opts HTTPOptions) *HTTPFeed {
	t.Helper()
	f, err := NewHTTPFeed(url, opts)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func fetchOK(t *testing.T, f Fetcher, prev model.FeedState) Fetched {
	t.Helper()
	got, err := f.Fetch(testCtx(t), prev)
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	return got
}

// TestHTTPFeedConditionalGet walks a feed with ETag and Last-Modified
// through a first fetch, an unchanged poll (304, under 1 KB on the wire
// both ways) and a change.
func TestHTTPFeedConditionalGet(t *testing.T) {
	var version atomic.Int32
	version.Store(1)
	var lastINM, lastIMS atomic.Value
	ts, w := newServer(t, http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		lastINM.Store(r.Header.Get("If-None-Match"))
		lastIMS.Store(r.Header.Get("If-Modified-Since"))
		v := version.Load()
		etag := fmt.Sprintf(`"v%d"`, v)
		modified := time.Date(2025, 1, int(v), 0, 0, 0, 0, time.UTC)
		rw.Header().Set("ETag", etag)
		rw.Header().Set("Last-Modified", modified.Format(http.TimeFormat))
		if r.Header.Get("If-None-Match") == etag {
			rw.WriteHeader(http.StatusNotModified)
			return
		}
		rw.Header().Set("Content-Type", "text/calendar; charset=utf-8")
		fmt.Fprint(rw, strings.Replace(feedBody, "Kickoff", fmt.Sprintf("Kickoff v%d", v), 1))
	}), false)
	f := mustFeed(t, ts.URL+"/team.ics", loopback)

	first := fetchOK(t, f, model.FeedState{})
	if first.Unchanged || len(first.Objects) != 1 || !strings.Contains(string(first.Objects[0].Data), "Kickoff v1") {
		t.Fatalf("first fetch = %+v", first)
	}
	if first.Objects[0].Path != ts.URL+"/team.ics" {
		t.Errorf("Path = %q", first.Objects[0].Path)
	}
	st := first.State
	if st.ETag != `"v1"` || st.LastModified != "Wed, 01 Jan 2025 00:00:00 GMT" || len(st.BodyHash) != 64 {
		t.Errorf("state after first fetch = %+v", st)
	}

	w.reset()
	second := fetchOK(t, f, st)
	if !second.Unchanged || len(second.Objects) != 0 {
		t.Fatalf("unchanged poll = %+v", second)
	}
	if !reflect.DeepEqual(second.State, st) {
		t.Errorf("state after a 304 = %+v, want %+v", second.State, st)
	}
	// With an ETag, If-Modified-Since would be ignored (RFC 9110): not sent.
	if lastINM.Load() != `"v1"` || lastIMS.Load() != "" {
		t.Errorf("validators sent: If-None-Match %q, If-Modified-Since %q", lastINM.Load(), lastIMS.Load())
	}
	down, up := w.toClient.Load(), w.fromClient.Load()
	t.Logf("unchanged feed poll: %d bytes read (client count %d), %d bytes sent", down, second.BytesRead, up)
	if down >= 1024 || up >= 1024 || second.BytesRead >= 1024 {
		t.Errorf("unchanged poll moved %d bytes down, %d up (client counted %d), want < 1 KB each", down, up, second.BytesRead)
	}
	if second.BytesRead != down {
		t.Errorf("BytesRead = %d, the server wrote %d", second.BytesRead, down)
	}

	version.Store(2)
	third := fetchOK(t, f, second.State)
	if third.Unchanged || len(third.Objects) != 1 || !strings.Contains(string(third.Objects[0].Data), "Kickoff v2") {
		t.Fatalf("changed feed = %+v", third)
	}
	if third.State.ETag != `"v2"` || third.State.BodyHash == st.BodyHash {
		t.Errorf("state after a change = %+v", third.State)
	}
}

// TestHTTPFeedLastModifiedOnly polls a server that gives a Last-Modified
// and no ETag: the poll asks If-Modified-Since.
func TestHTTPFeedLastModifiedOnly(t *testing.T) {
	const modified = "Wed, 01 Jan 2025 00:00:00 GMT"
	ts, _ := newServer(t, http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Last-Modified", modified)
		if r.Header.Get("If-None-Match") != "" {
			t.Errorf("If-None-Match %q sent, no ETag was given", r.Header.Get("If-None-Match"))
		}
		if r.Header.Get("If-Modified-Since") == modified {
			rw.WriteHeader(http.StatusNotModified)
			return
		}
		fmt.Fprint(rw, feedBody)
	}), false)
	f := mustFeed(t, ts.URL, loopback)
	first := fetchOK(t, f, model.FeedState{})
	if len(first.Objects) != 1 || first.State.LastModified != modified || first.State.ETag != "" {
		t.Fatalf("first fetch = %+v", first)
	}
	if second := fetchOK(t, f, first.State); !second.Unchanged || !reflect.DeepEqual(second.State, first.State) {
		t.Fatalf("unchanged poll = %+v", second)
	}
}

// TestHTTPFeedSameBodyIsUnchanged covers servers without validators and
// servers that ignore them (a 200 with the same body instead of a 304).
func TestHTTPFeedSameBodyIsUnchanged(t *testing.T) {
	for _, withETag := range []bool{false, true} {
		t.Run(fmt.Sprintf("etag=%v", withETag), func(t *testing.T) {
			var requests atomic.Int32
			ts, _ := newServer(t, http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
				requests.Add(1)
				if withETag {
					rw.Header().Set("ETag", fmt.Sprintf(`"random-%d"`, requests.Load()))
				}
				fmt.Fprint(rw, feedBody) // validators ignored: always 200
			}), false)
			f := mustFeed(t, ts.URL, loopback)
			first := fetchOK(t, f, model.FeedState{})
			if len(first.Objects) != 1 {
				t.Fatalf("first fetch brought %d objects", len(first.Objects))
			}
			second := fetchOK(t, f, first.State)
			if !second.Unchanged || len(second.Objects) != 0 {
				t.Fatalf("same body again = %+v", second)
			}
			if second.State.BodyHash != first.State.BodyHash {
				t.Errorf("hash changed: %q -> %q", first.State.BodyHash, second.State.BodyHash)
			}
			if withETag && second.State.ETag != `"random-2"` {
				t.Errorf("ETag kept = %q, want the latest", second.State.ETag)
			}
		})
	}
}

func TestHTTPFeedGzip(t *testing.T) {
	big := strings.Repeat(feedBody, 200)
	var gzipped atomic.Bool
	ts, _ := newServer(t, http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			fmt.Fprint(rw, big)
			return
		}
		gzipped.Store(true)
		rw.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(rw)
		fmt.Fprint(zw, big)
		_ = zw.Close()
	}), false)
	got := fetchOK(t, mustFeed(t, ts.URL, loopback), model.FeedState{})
	if !gzipped.Load() {
		t.Error("the client did not ask for gzip")
	}
	if len(got.Objects) != 1 || string(got.Objects[0].Data) != big {
		t.Fatalf("gzip body not undone")
	}
	if got.BytesRead >= int64(len(big))/4 {
		t.Errorf("BytesRead = %d for a %d-byte body: not compressed on the wire", got.BytesRead, len(big))
	}
}

func TestHTTPFeedSizeCap(t *testing.T) {
	body := "BEGIN:VCALENDAR\r\n" + strings.Repeat("X-FILL:0123456789\r\n", 200)
	cases := map[string]http.HandlerFunc{
		"content-length": func(rw http.ResponseWriter, r *http.Request) { fmt.Fprint(rw, body) },
		"chunked": func(rw http.ResponseWriter, r *http.Request) {
			for line := range strings.Lines(body) {
				fmt.Fprint(rw, line)
				rw.(http.Flusher).Flush()
			}
		},
		"gzip bomb": func(rw http.ResponseWriter, r *http.Request) {
			rw.Header().Set("Content-Encoding", "gzip")
			zw := gzip.NewWriter(rw)
			fmt.Fprint(zw, body)
			_ = zw.Close()
		},
	}
	for name, h := range cases {
		t.Run(name, func(t *testing.T) {
			ts, _ := newServer(t, h, false)
			opts := loopback
			opts.MaxBytes = 1000
			_, err := mustFeed(t, ts.URL+"/big.ics", opts).Fetch(testCtx(t), model.FeedState{})
			var se *SizeError
			if !errors.As(err, &se) || !strings.Contains(err.Error(), "limit of 1000 bytes") {
				t.Fatalf("err = %v, want a size error naming the limit", err)
			}
			if !strings.Contains(err.Error(), ts.URL+"/big.ics") {
				t.Errorf("err = %v, does not name the feed", err)
			}
		})
	}
}

func TestHTTPFeedRedirects(t *testing.T) {
	ts, _ := newServer(t, http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		var n int
		if _, err := fmt.Sscanf(r.URL.Path, "/r/%d", &n); err == nil && n > 0 {
			http.Redirect(rw, r, fmt.Sprintf("/r/%d", n-1), http.StatusFound)
			return
		}
		fmt.Fprint(rw, feedBody)
	}), false)
	cases := []struct {
		hops, max int
		ok        bool
	}{
		{5, 0, true}, {6, 0, false}, {2, 2, true}, {3, 2, false}, {0, -1, true}, {1, -1, false},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%d hops max %d", c.hops, c.max), func(t *testing.T) {
			opts := loopback
			opts.MaxRedirects = c.max
			got, err := mustFeed(t, fmt.Sprintf("%s/r/%d", ts.URL, c.hops), opts).Fetch(testCtx(t), model.FeedState{})
			if c.ok && (err != nil || len(got.Objects) != 1) {
				t.Fatalf("Fetch = %+v, %v; want the feed", got, err)
			}
			if !c.ok && (err == nil || !strings.Contains(err.Error(), "redirect")) {
				t.Fatalf("Fetch err = %v, want a redirect error", err)
			}
		})
	}
}

func TestHTTPFeedTimeout(t *testing.T) {
	release := make(chan struct{})
	ts, _ := newServer(t, http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/midbody" {
			fmt.Fprint(rw, "BEGIN:VCALENDAR\r\n")
			rw.(http.Flusher).Flush()
		}
		select { // stall
		case <-r.Context().Done():
		case <-release:
		}
	}), false)
	t.Cleanup(func() { close(release) })
	for _, path := range []string{"/headers", "/midbody"} {
		t.Run(path, func(t *testing.T) {
			opts := loopback
			opts.Timeout = 300 * time.Millisecond
			began := time.Now()
			_, err := mustFeed(t, ts.URL+path, opts).Fetch(testCtx(t), model.FeedState{})
			if err == nil || !strings.Contains(err.Error(), "within 300ms") {
				t.Fatalf("err = %v, want a timeout naming 300ms", err)
			}
			if d := time.Since(began); d > 5*time.Second {
				t.Errorf("the timeout took %v", d)
			}
		})
	}
	t.Run("context", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(testCtx(t), 200*time.Millisecond)
		defer cancel()
		_, err := mustFeed(t, ts.URL+"/headers", loopback).Fetch(ctx, model.FeedState{})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want the context's deadline", err)
		}
	})
}

func TestHTTPFeedErrorsNameTheURLWithoutSecrets(t *testing.T) {
	ts, _ := newServer(t, http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/html":
			rw.Header().Set("Content-Type", "text/html")
			fmt.Fprint(rw, "<!DOCTYPE html><html>Sign in</html>")
		case "/empty":
		default:
			http.NotFound(rw, r)
		}
	}), false)
	host := strings.TrimPrefix(ts.URL, "http://")
	cases := []struct{ path, want string }{
		{"/gone.ics", "HTTP 404 Not Found"},
		{"/html", `not iCalendar data: it starts with "<!DOCTYPE html>`},
		{"/empty", "the body is empty"},
	}
	for _, c := range cases {
		url := "http://rep:hunter2@" + host + c.path + "?token=s3cr3t"
		_, err := mustFeed(t, url, loopback).Fetch(testCtx(t), model.FeedState{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.path, err, c.want)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, "http://"+host+c.path+"?***") {
			t.Errorf("%s: err = %v, does not name the URL", c.path, err)
		}
		for _, secret := range []string{"hunter2", "s3cr3t", "rep:"} {
			if strings.Contains(msg, secret) {
				t.Errorf("%s: err = %v, gives %q away", c.path, err, secret)
			}
		}
	}
	if _, err := NewHTTPFeed("ftp://example.com/cal.ics", HTTPOptions{}); err == nil || !strings.Contains(err.Error(), `"ftp"`) {
		t.Errorf("ftp URL: err = %v", err)
	}
}

// TestHTTPFeedPrivateDestinations checks the private-network refusal on
// the dialed address: a loopback URL, a redirect from a public address to
// loopback, and a public name that resolves to loopback.
func TestHTTPFeedPrivateDestinations(t *testing.T) {
	var internalHits atomic.Int32
	internal, _ := newServer(t, http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		internalHits.Add(1)
		fmt.Fprint(rw, feedBody)
	}), false)
	public, _ := newServer(t, http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/redirect" {
			http.Redirect(rw, r, internal.URL+"/secret.ics", http.StatusFound)
			return
		}
		fmt.Fprint(rw, feedBody)
	}), false)
	port := public.URL[strings.LastIndex(public.URL, ":"):]
	n := newFakeNet()
	n.publish("feed.example", "203.0.113.7", strings.TrimPrefix(public.URL, "http://"))
	n.resolve("rebind.example", "127.0.0.1")
	n.resolve("metadata.example", "169.254.169.254")
	n.resolve("mixed.example", "10.0.0.1", "203.0.113.7")
	opts := HTTPOptions{Resolver: n, DialContext: n.Dial}

	// A public feed is fetched; a name with a private and a public address
	// is dialed at its public one only.
	for _, host := range []string{"feed.example", "mixed.example"} {
		got, err := mustFeed(t, "http://"+host+port+"/cal.ics", opts).Fetch(testCtx(t), model.FeedState{})
		if err != nil || len(got.Objects) != 1 {
			t.Fatalf("%s: Fetch = %+v, %v", host, got, err)
		}
	}
	for _, a := range n.dialedAddrs() {
		if strings.HasPrefix(a, "10.") {
			t.Errorf("dialed private %s", a)
		}
	}

	refused := []struct{ name, url, kind string }{
		{"loopback URL", internal.URL + "/cal.ics?token=s3cr3t", "loopback"},
		{"redirect to loopback", "http://feed.example" + port + "/redirect", "loopback"},
		{"name resolving to loopback", "http://rebind.example" + port + "/cal.ics", "loopback"},
		{"cloud metadata", "http://metadata.example/latest", "link-local"},
		{"https name resolving to loopback", "https://rebind.example" + port + "/cal.ics", "loopback"},
		{"https loopback address", "https://127.0.0.1" + port + "/cal.ics", "loopback"},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			_, err := mustFeed(t, c.url, opts).Fetch(testCtx(t), model.FeedState{})
			if !errors.Is(err, ErrPrivateDestination) {
				t.Fatalf("err = %v, want ErrPrivateDestination", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, "calendar: {allow_private_networks: true}") || !strings.Contains(msg, c.kind) {
				t.Errorf("err = %v, want the kind %q and the config key", err, c.kind)
			}
			if strings.Contains(msg, "s3cr3t") {
				t.Errorf("err = %v, gives the token away", err)
			}
		})
	}
	if hits := internalHits.Load(); hits != 0 {
		t.Errorf("the internal server was reached %d times", hits)
	}
}

// TestHTTPFeedWebcal fetches a webcal:// URL, which is https, from a TLS
// server at a public-looking name; a second poll on the kept connection is
// a 304 under 1 KB, and one on a new connection resumes the TLS session.
func TestHTTPFeedWebcal(t *testing.T) {
	var plain atomic.Bool
	ts, w := newServer(t, http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.TLS == nil {
			plain.Store(true)
		}
		rw.Header().Set("ETag", `"1"`)
		if r.Header.Get("If-None-Match") == `"1"` {
			rw.WriteHeader(http.StatusNotModified)
			return
		}
		fmt.Fprint(rw, feedBody)
	}), true)
	n, port, roots := publishTLS(ts)
	f := mustFeed(t, "webcal://example.com"+port+"/cal.ics", HTTPOptions{
		Resolver: n, DialContext: n.Dial, TLSConfig: tlsWithRoots(roots),
	})
	first := fetchOK(t, f, model.FeedState{})
	if len(first.Objects) != 1 || plain.Load() {
		t.Fatalf("webcal fetch = %+v (plain HTTP used: %v)", first, plain.Load())
	}
	if first.Objects[0].Path != "https://example.com"+port+"/cal.ics" {
		t.Errorf("Path = %q", first.Objects[0].Path)
	}
	w.reset()
	second := fetchOK(t, f, first.State)
	t.Logf("unchanged HTTPS poll on a kept connection: %d bytes read, %d sent", second.BytesRead, w.fromClient.Load())
	if !second.Unchanged || second.BytesRead >= 1024 {
		t.Errorf("unchanged HTTPS poll = %+v", second)
	}
	f.client.CloseIdleConnections()
	w.reset()
	third := fetchOK(t, f, first.State)
	t.Logf("unchanged HTTPS poll on a new connection (TLS session resumed): %d bytes read, %d sent",
		third.BytesRead, w.fromClient.Load())
	if !third.Unchanged || third.BytesRead >= 2048 {
		t.Errorf("unchanged HTTPS poll on a new connection = %+v: TLS session not resumed?", third)
	}
}

func tlsWithRoots(roots *x509.CertPool) *tls.Config { return &tls.Config{RootCAs: roots} }

// publishTLS makes example.com, the name the httptest certificate is
// for, resolve to a public-looking address routed to the TLS server ts.
// It returns the network, the server's ":port" and roots that trust ts.
func publishTLS(ts *httptest.Server) (n *fakeNet, port string, roots *x509.CertPool) {
	n = newFakeNet()
	addr := strings.TrimPrefix(ts.URL, "https://")
	n.publish("example.com", "203.0.113.9", addr)
	roots = x509.NewCertPool()
	roots.AddCert(ts.Certificate())
	return n, addr[strings.LastIndex(addr, ":"):], roots
}

// TestHTTPFeedNewTLSConnection polls an HTTPS feed as production does:
// the poll interval (2 minutes) is longer than the transport's idle
// timeout (90 s) and than most servers keep an idle connection, so each
// poll opens a TLS connection, closed before the next (here by
// CloseIdleConnections). The first poll is a full handshake with the
// post-quantum key exchange; the unchanged polls after it resume the
// session with an X25519 key share and HTTP/1.1, though the server offers
// h2. Bytes are counted both ways on the server's TCP connections, from
// the TLS ClientHello to the close_notify alerts.
//
// A resumed TLS 1.3 handshake is about 870 bytes by itself (the ticket in
// the ClientHello, a new ticket from the server, Go's middlebox
// compatibility session ID and ChangeCipherSpec), so such a poll cannot be
// under 1 KB: it is held under 1,280 bytes (it was about 3.6 KB with the
// post-quantum key share in every ClientHello).
func TestHTTPFeedNewTLSConnection(t *testing.T) {
	type handshake struct {
		resumed bool
		group   tls.CurveID
		proto   string
	}
	var mu sync.Mutex
	var served []handshake
	h := http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		mu.Lock()
		served = append(served, handshake{r.TLS.DidResume, r.TLS.CurveID, r.Proto})
		mu.Unlock()
		rw.Header().Set("ETag", `"1"`)
		if r.Header.Get("If-None-Match") == `"1"` {
			rw.WriteHeader(http.StatusNotModified)
			return
		}
		fmt.Fprint(rw, feedBody)
	})
	ts := httptest.NewUnstartedServer(h)
	w := &wire{}
	ts.Listener = wireListener{Listener: ts.Listener, w: w}
	closed := make(chan struct{}, 16)
	ts.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateClosed {
			closed <- struct{}{}
		}
	}
	ts.EnableHTTP2 = true // as the big feed hosts
	ts.StartTLS()
	t.Cleanup(ts.Close)

	n, port, roots := publishTLS(ts)
	f := mustFeed(t, "https://example.com"+port+"/cal.ics", HTTPOptions{
		Resolver: n, DialContext: n.Dial, TLSConfig: tlsWithRoots(roots),
	})

	// poll fetches the feed, closes the connection as the idle timeout
	// would and waits for the server to be done with conns connections;
	// it returns what the server saw of the poll's requests and the bytes
	// written to the client and read from it.
	poll := func(prev model.FeedState, conns int) (Fetched, []handshake, int64, int64) {
		t.Helper()
		mu.Lock()
		served = nil
		mu.Unlock()
		w.reset()
		got := fetchOK(t, f, prev)
		f.client.CloseIdleConnections()
		for range conns {
			select {
			case <-closed:
			case <-time.After(10 * time.Second):
				t.Fatal("the server did not see the connection close")
			}
		}
		mu.Lock()
		defer mu.Unlock()
		return got, served, w.toClient.Load(), w.fromClient.Load()
	}
	want := func(what string, got []handshake, resumed bool, group tls.CurveID) {
		t.Helper()
		if len(got) != 1 || got[0].resumed != resumed || got[0].group != group || got[0].proto != "HTTP/1.1" {
			t.Errorf("%s: requests served over %+v, want one, resumed %v, over %v, HTTP/1.1", what, got, resumed, group)
		}
	}

	first, hs, down, up := poll(model.FeedState{}, 1)
	t.Logf("first poll, full handshake: %d bytes read, %d sent, %d in all", down, up, down+up)
	if len(first.Objects) != 1 {
		t.Fatalf("first poll = %+v", first)
	}
	want("first poll", hs, false, tls.X25519MLKEM768)

	for i := range 2 {
		got, hs, down, up := poll(first.State, 1)
		t.Logf("unchanged poll on a new connection, session resumed: %d bytes read, %d sent, %d in all (client counted %d read)",
			down, up, down+up, got.BytesRead)
		if !got.Unchanged {
			t.Fatalf("unchanged poll %d = %+v", i, got)
		}
		want("unchanged poll", hs, true, tls.X25519)
		if down+up >= 1280 {
			t.Errorf("unchanged poll %d on a new connection moved %d bytes (%d read, %d sent), want < 1,280", i, down+up, down, up)
		}
	}

	// New ticket keys: the server cannot resume. The connection made with
	// an X25519 key share only is closed unused and made again with the
	// post-quantum key exchange; the next poll resumes its session.
	ts.TLS.SetSessionTicketKeys([][32]byte{{1, 2, 3}})
	got, hs, down, up := poll(first.State, 2)
	t.Logf("unchanged poll, ticket refused, connection made again: %d bytes read, %d sent, %d in all", down, up, down+up)
	if !got.Unchanged {
		t.Fatalf("poll after new ticket keys = %+v", got)
	}
	want("poll after new ticket keys", hs, false, tls.X25519MLKEM768)
	got, hs, _, _ = poll(first.State, 1)
	if !got.Unchanged {
		t.Fatalf("poll after that = %+v", got)
	}
	want("poll after that", hs, true, tls.X25519)
}

// TestHTTPFeedVerifiesCertificates fails a feed whose certificate is not
// from a trusted authority, or not for the host asked for, whether the
// connection is new or would resume a session.
func TestHTTPFeedVerifiesCertificates(t *testing.T) {
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		fmt.Fprint(rw, feedBody)
	}))
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes
	ts.StartTLS()
	t.Cleanup(ts.Close)
	n, port, roots := publishTLS(ts)
	n.publish("feed.test", "203.0.113.10", strings.TrimPrefix(ts.URL, "https://")) // the certificate is not for feed.test
	cases := []struct {
		name, url string
		roots     *x509.CertPool
		want      string
	}{
		{"unknown authority", "https://example.com" + port + "/cal.ics", x509.NewCertPool(), "certificate signed by unknown authority"},
		{"wrong host", "https://feed.test" + port + "/cal.ics", roots, "not feed.test"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := mustFeed(t, c.url, HTTPOptions{Resolver: n, DialContext: n.Dial, TLSConfig: tlsWithRoots(c.roots)})
			for i := range 2 {
				_, err := f.Fetch(testCtx(t), model.FeedState{})
				if err == nil || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("poll %d: err = %v, want %q", i, err, c.want)
				}
			}
		})
	}
}
