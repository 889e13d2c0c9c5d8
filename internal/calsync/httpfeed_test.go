package calsync

import (
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
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
	if lastINM.Load() != `"v1"` || lastIMS.Load() != st.LastModified {
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
	n := newFakeNet()
	addr := strings.TrimPrefix(ts.URL, "https://")
	n.publish("example.com", "203.0.113.9", addr) // the httptest certificate is for example.com
	roots := x509.NewCertPool()
	roots.AddCert(ts.Certificate())
	port := addr[strings.LastIndex(addr, ":"):]
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
