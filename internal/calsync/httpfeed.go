package calsync

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
)

// userAgent is sent with every request; some feed hosts refuse clients
// that send none.
const userAgent = "dealtrail-calsync/1"

// HTTPOptions tune an HTTPFeed. The zero value is right for production
// apart from AllowPrivateNetworks, which the configuration sets.
type HTTPOptions struct {
	// AllowPrivateNetworks lets the feed (and its redirects) reach
	// private, loopback, link-local, unique-local, unspecified and
	// multicast addresses: the config's calendar.allow_private_networks.
	AllowPrivateNetworks bool
	// Timeout bounds the whole request, redirects and body included
	// (DefaultTimeout when zero).
	Timeout time.Duration
	// MaxBytes bounds the body once gzip is undone (DefaultMaxBytes when
	// zero); a bigger feed is an error that names the limit.
	MaxBytes int64
	// MaxRedirects bounds the redirects followed (DefaultMaxRedirects when
	// zero; none when negative).
	MaxRedirects int

	// Resolver looks up host names (net.DefaultResolver when nil). Tests
	// use it to make a name resolve to a chosen address.
	Resolver Resolver
	// DialContext connects to an address that passed the private-network
	// check ("IP:port"); a net.Dialer when nil. Tests use it to reach a
	// loopback server behind an address that counts as public.
	DialContext DialFunc
	// TLSConfig is the base TLS configuration (system roots when nil).
	TLSConfig *tls.Config
}

// HTTPFeed is an ICS feed over HTTP(S). A poll is a conditional GET; a
// 304, or a 200 whose body hashes as the last one did, is Unchanged.
//
// Polls are further apart (2 minutes by default) than servers, and the
// transport, keep an idle connection, so each poll opens one: HTTP/1.1,
// and over TLS a resumed session with an X25519 key share, the
// post-quantum protection coming from the full handshake the session
// chain started with (see tlsDialer). An unchanged poll is then about
// 1.2 KB both ways, most of it the TLS 1.3 handshake; on a kept
// connection, or over plain HTTP, it is the request and the 304.
type HTTPFeed struct {
	url          string // with webcal:// made https://
	display      string // redacted, for messages and Object.Path
	timeout      time.Duration
	maxBytes     int64
	maxRedirects int
	dialer       *guardedDialer
	client       *http.Client

	mu sync.Mutex // one Fetch at a time, so the byte count is the poll's
}

// NewHTTPFeed returns the feed at rawURL: http, https, or webcal (or
// webcals), which is fetched as https. Errors name the URL redacted (see
// RedactURL).
func NewHTTPFeed(rawURL string, opts HTTPOptions) (*HTTPFeed, error) {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil {
		return nil, fmt.Errorf("feed %s: not a URL", RedactURL(rawURL))
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		u.Scheme = strings.ToLower(u.Scheme)
	case "webcal", "webcals":
		u.Scheme = "https"
	default:
		return nil, fmt.Errorf("feed %s: scheme %q is not supported: use https, http or webcal", RedactURL(rawURL), u.Scheme)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("feed %s: the URL has no host", RedactURL(rawURL))
	}
	u.Fragment, u.RawFragment = "", ""
	f := &HTTPFeed{
		url:          u.String(),
		display:      RedactURL(u.String()),
		timeout:      withDefault(opts.Timeout, DefaultTimeout),
		maxBytes:     withDefault(opts.MaxBytes, DefaultMaxBytes),
		maxRedirects: withDefault(opts.MaxRedirects, DefaultMaxRedirects),
	}
	if opts.MaxRedirects < 0 {
		f.maxRedirects = 0
	}
	cfg := netConfig{
		allowPrivate:      opts.AllowPrivateNetworks,
		timeout:           f.timeout,
		resolver:          opts.Resolver,
		dial:              opts.DialContext,
		tlsConfig:         opts.TLSConfig,
		reconnectEachPoll: true,
	}
	f.dialer = newGuardedDialer(cfg)
	f.client = &http.Client{
		Transport:     newTransport(cfg, f.dialer),
		Timeout:       f.timeout,
		CheckRedirect: f.checkRedirect,
	}
	return f, nil
}

// String returns the feed's URL, redacted.
func (f *HTTPFeed) String() string { return f.display }

// checkRedirect bounds the redirects and keeps them to http and https.
// Where a redirect leads is checked again at dial time.
func (f *HTTPFeed) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > f.maxRedirects {
		if f.maxRedirects == 0 {
			return fmt.Errorf("redirected to %s, and redirects are not followed", RedactURL(req.URL.String()))
		}
		return fmt.Errorf("stopped after %d redirects, the limit", f.maxRedirects)
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return fmt.Errorf("redirected to a %s URL", req.URL.Scheme)
	}
	return nil
}

// Fetch polls the feed once with a conditional GET built from prev.
func (f *HTTPFeed) Fetch(ctx context.Context, prev model.FeedState) (Fetched, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	before := f.dialer.read.Load()
	out, err := f.fetch(ctx, prev)
	out.BytesRead = f.dialer.read.Load() - before
	return out, err
}

func (f *HTTPFeed) fetch(ctx context.Context, prev model.FeedState) (Fetched, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.url, nil)
	if err != nil {
		return Fetched{}, fmt.Errorf("feed %s: %w", f.display, err)
	}
	// The request is kept small: no Accept (calendar clients send */*, so
	// feed servers answer it), and If-Modified-Since only without an ETag,
	// as a server given both must ignore it (RFC 9110, 13.1.3). The
	// transport adds Accept-Encoding: gzip.
	req.Header.Set("User-Agent", userAgent)
	switch {
	case prev.ETag != "":
		req.Header.Set("If-None-Match", prev.ETag)
	case prev.LastModified != "":
		req.Header.Set("If-Modified-Since", prev.LastModified)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return Fetched{}, f.requestErr(err)
	}
	defer drain(resp) // lets the connection be reused

	switch resp.StatusCode {
	case http.StatusNotModified:
		state := prev
		if v := resp.Header.Get("ETag"); v != "" {
			state.ETag = v
		}
		if v := resp.Header.Get("Last-Modified"); v != "" {
			state.LastModified = v
		}
		return Fetched{Unchanged: true, State: state}, nil
	case http.StatusOK:
	default:
		return Fetched{}, fmt.Errorf("feed %s: %w", f.where(resp), &StatusError{Code: resp.StatusCode})
	}
	if resp.ContentLength > f.maxBytes {
		return Fetched{}, fmt.Errorf("feed %s: the body of %s is %w", f.where(resp),
			formatBytes(resp.ContentLength), &SizeError{Limit: f.maxBytes})
	}
	body, err := readCapped(resp.Body, f.maxBytes)
	if err != nil {
		var se *SizeError
		if errors.As(err, &se) {
			return Fetched{}, fmt.Errorf("feed %s: the body is %w", f.where(resp), err)
		}
		return Fetched{}, f.requestErr(err)
	}
	state := model.FeedState{
		ETag:         resp.Header.Get("ETag"),
		LastModified: resp.Header.Get("Last-Modified"),
		BodyHash:     hashBody(body),
	}
	if state.BodyHash == prev.BodyHash {
		// No validators, or validators the server ignores: same bytes.
		return Fetched{Unchanged: true, State: state}, nil
	}
	if err := checkICalendar(body); err != nil {
		return Fetched{}, fmt.Errorf("feed %s (Content-Type %q): %w", f.where(resp), resp.Header.Get("Content-Type"), err)
	}
	return Fetched{Objects: []Object{{Path: f.display, Data: body}}, State: state}, nil
}

// where names the feed in a message about resp, with where it was
// redirected to, if it was.
func (f *HTTPFeed) where(resp *http.Response) string {
	if resp.Request != nil && resp.Request.URL != nil {
		if final := RedactURL(resp.Request.URL.String()); final != f.display {
			return f.display + " (redirected to " + final + ")"
		}
	}
	return f.display
}

// requestErr words a failed request: the URL redacted, not as net/http
// prints it, and a timeout as a timeout.
func (f *HTTPFeed) requestErr(err error) error {
	where := f.display
	var uerr *url.Error
	if errors.As(err, &uerr) {
		if final := RedactURL(uerr.URL); final != f.display && final != "(unparsable URL)" {
			where += " (redirected to " + final + ")"
		}
		err = uerr.Err
	}
	var nerr net.Error
	if errors.As(err, &nerr) && nerr.Timeout() {
		return fmt.Errorf("feed %s: no complete answer within %v: %w", where, f.timeout, err)
	}
	return fmt.Errorf("feed %s: %w", where, err)
}
