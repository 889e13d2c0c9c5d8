package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// The clients of the web load benchmark (webload_test.go): browsers of
// one leader, each with its own session and connection, and what they
// measured.

// browser is one client: its own cookie jar (its session) and its own
// connection to the server.
type browser struct {
	base string
	http *http.Client
	buf  bytes.Buffer
}

// newBrowser returns a client of the server at base that does not follow
// redirects, so that a redirect to the login page shows as what it is.
func newBrowser(base string) *browser {
	jar, _ := cookiejar.New(nil) // never fails without options
	return &browser{base: base, http: &http.Client{
		Jar:       jar,
		Transport: &http.Transport{MaxIdleConnsPerHost: 1, IdleConnTimeout: time.Minute},
		Timeout:   time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
}

// login posts the login form as a browser does and checks that the
// session works: the server answers 303 to /deals with a session cookie.
func (b *browser) login(ctx context.Context, email, password string) error {
	form := url.Values{"email": {email}, "password": {password}, "next": {"/deals"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.base+"/login", strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := b.http.Do(req)
	if err != nil {
		return fmt.Errorf("log in: %w", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/deals" {
		return fmt.Errorf("log in: status %d, location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return nil
}

// get fetches target and reads the whole body into the browser's buffer:
// the body returned is valid until the next get. (The browsers share the
// machine with the server, so they spare it their garbage.)
func (b *browser) get(ctx context.Context, target string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.base+target, nil)
	if err != nil {
		return 0, nil, err
	}
	resp, err := b.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b.buf.Reset()
	_, err = b.buf.ReadFrom(resp.Body)
	return resp.StatusCode, b.buf.Bytes(), err
}

// failure is a request that did not answer 200.
type failure struct {
	target string
	status int
	err    error
	locked bool
	body   string
}

func (f failure) String() string {
	if f.err != nil {
		return fmt.Sprintf("GET %s: %v", f.target, f.err)
	}
	return fmt.Sprintf("GET %s: status %d: %s", f.target, f.status, f.body)
}

// loadResults collects what the clients measured: every latency per route
// (within the measured window) and every failure (at any time).
type loadResults struct {
	mu        sync.Mutex
	latencies map[string][]time.Duration
	bytes     map[string]int64
	failures  []failure
	locked    int
}

func newLoadResults() *loadResults {
	return &loadResults{latencies: map[string][]time.Duration{}, bytes: map[string]int64{}}
}

// record adds one request's outcome; measured says whether it counts in
// the latencies.
func (r *loadResults) record(route, target string, d time.Duration, status int, body []byte, err error, measured bool) {
	locked := bytes.Contains(body, []byte("database is locked")) ||
		err != nil && strings.Contains(err.Error(), "database is locked")
	r.mu.Lock()
	defer r.mu.Unlock()
	if locked {
		r.locked++
	}
	if err != nil || status != http.StatusOK || locked {
		f := failure{target: target, status: status, err: err, locked: locked, body: string(body[:min(len(body), 300)])}
		r.failures = append(r.failures, f)
		return
	}
	if measured {
		r.latencies[route] = append(r.latencies[route], d)
		r.bytes[route] += int64(len(body))
	}
}

// routeStats summarises one route's latencies.
type routeStats struct {
	n             int
	p50, p95, p99 time.Duration
	max           time.Duration
	meanBytes     int64
}

// stats returns the latencies of route in order statistics (nearest rank).
func (r *loadResults) stats(route string) routeStats {
	ds := slices.Clone(r.latencies[route])
	if len(ds) == 0 {
		return routeStats{}
	}
	slices.Sort(ds)
	rank := func(p float64) time.Duration {
		i := int(p*float64(len(ds))+0.999999) - 1
		return ds[min(max(i, 0), len(ds)-1)]
	}
	return routeStats{n: len(ds), p50: rank(0.50), p95: rank(0.95), p99: rank(0.99), max: ds[len(ds)-1],
		meanBytes: r.bytes[route] / int64(len(ds))}
}

// merge adds the latencies of routes to the route into.
func (r *loadResults) merge(into string, routes ...string) {
	for _, rt := range routes {
		r.latencies[into] = append(r.latencies[into], r.latencies[rt]...)
		r.bytes[into] += r.bytes[rt]
	}
}

// ms is a duration in milliseconds.
func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
