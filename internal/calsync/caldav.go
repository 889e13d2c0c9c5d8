package calsync

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-webdav/caldav"

	"github.com/dealtrail/dealtrail/internal/model"
)

// CalDAVOptions tune a CalDAV source. The zero value is right for
// production apart from AllowPrivateNetworks and Past, which the
// configuration sets.
type CalDAVOptions struct {
	// AllowPrivateNetworks lets the server be at a private, loopback or
	// link-local address: the config's calendar.allow_private_networks.
	AllowPrivateNetworks bool
	// Timeout bounds each request (DefaultTimeout when zero).
	Timeout time.Duration
	// MaxBytes bounds each answer, so each calendar object and each
	// listing (DefaultMaxBytes when zero).
	MaxBytes int64
	// Past, when not zero, leaves out of a full listing the objects whose
	// events all ended more than Past before now (a CalDAV time-range
	// filter). Changes reported by a sync token come whatever their time.
	Past time.Duration
	// Now is the clock (time.Now when nil).
	Now func() time.Time

	// Resolver, DialContext and TLSConfig are as in HTTPOptions.
	Resolver    Resolver
	DialContext DialFunc
	TLSConfig   *tls.Config
}

// multigetBatch bounds the objects asked for in one calendar-multiget.
const multigetBatch = 100

// CalDAV is one CalDAV account. A poll lists the members of the account's
// calendar home in one PROPFIND, asking only for the tag (sync token or
// CTag) the calendars of the previous state are compared by, and skips
// every calendar whose tag is the stored one; for the others it asks what
// changed (sync-collection since the previous token, else the ETags of all
// objects) and fetches only the new and changed objects. Which members
// are event calendars it knows from the last full listing (types,
// components and both tags), made at the first poll, at a poll from an
// empty state (the worker's daily full read) and whenever the home shows
// a member that listing did not.
type CalDAV struct {
	endpoint *url.URL
	display  string // endpoint, redacted
	username string
	opts     CalDAVOptions
	dialer   *guardedDialer
	client   *davClient
	dav      *caldav.Client

	mu   sync.Mutex // one Fetch at a time; guards home and other
	home string     // the calendar home found by discovery, once listed in full
	// other holds the members of home that are not event calendars (home
	// itself, address books, task lists...), as of its last full
	// listing.
	other map[string]bool
}

// NewCalDAV returns the CalDAV account of username at endpoint (the
// server's URL, a calendar home or one calendar). password is asked for at
// each request, so a config.Secret's Reveal method fits. Credentials in
// the URL are refused: they belong in username and password.
func NewCalDAV(endpoint, username string, password func() string, opts CalDAVOptions) (*CalDAV, error) {
	u, err := url.Parse(strings.TrimSpace(endpoint))
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("CalDAV endpoint %s: not an absolute URL", RedactURL(endpoint))
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return nil, fmt.Errorf("CalDAV endpoint %s: scheme %q is not supported: use https or http", RedactURL(endpoint), u.Scheme)
	}
	if u.User != nil {
		return nil, fmt.Errorf("CalDAV endpoint %s: the URL holds credentials: give them as username and password", RedactURL(endpoint))
	}
	if u.Path == "" {
		u.Path = "/"
	}
	u.RawQuery, u.Fragment = "", ""
	if password == nil {
		password = func() string { return "" }
	}
	opts.Timeout = withDefault(opts.Timeout, DefaultTimeout)
	opts.MaxBytes = withDefault(opts.MaxBytes, DefaultMaxBytes)
	if opts.Now == nil {
		opts.Now = time.Now
	}
	cfg := netConfig{
		allowPrivate: opts.AllowPrivateNetworks,
		timeout:      opts.Timeout,
		resolver:     opts.Resolver,
		dial:         opts.DialContext,
		tlsConfig:    opts.TLSConfig,
	}
	c := &CalDAV{
		endpoint: u,
		display:  RedactURL(u.String()),
		username: username,
		opts:     opts,
		dialer:   newGuardedDialer(cfg),
	}
	c.client = &davClient{
		http: &http.Client{
			Transport:     newTransport(cfg, c.dialer),
			Timeout:       opts.Timeout, // go-webdav would use http.DefaultClient, which has none
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		username: username,
		password: password,
		maxBytes: opts.MaxBytes,
	}
	c.dav, err = caldav.NewClient(c.client, u.String())
	if err != nil {
		return nil, fmt.Errorf("CalDAV endpoint %s: %w", c.display, err)
	}
	return c, nil
}

// String names the account: "alice at https://dav.example/".
func (c *CalDAV) String() string { return c.username + " at " + c.display }

// calendar is one event calendar of the home, as listed at this poll. A
// listing that asked for one tag leaves the other empty.
type calendar struct {
	path      string
	ctag      string
	syncToken string
	err       error // the server failed to give its tags
}

// unchangedSince tells whether the calendar is as it was in prev: the
// same sync token if the server gives one, else the same CTag. A server
// that gives neither has every calendar listed at every poll.
func (cal calendar) unchangedSince(prev model.CalendarState) bool {
	switch {
	case cal.syncToken != "":
		return cal.syncToken == prev.SyncToken
	case cal.ctag != "":
		return cal.ctag == prev.CTag
	}
	return false
}

// Fetch polls the account once. A calendar or an object the server fails
// on goes to Problems (and is tried again at the next poll); a failure to
// reach the server or to log in is the error.
func (c *CalDAV) Fetch(ctx context.Context, prev model.FeedState) (Fetched, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	before := c.dialer.read.Load()
	out, err := c.fetch(ctx, prev)
	out.BytesRead = c.dialer.read.Load() - before
	return out, err
}

func (c *CalDAV) fetch(ctx context.Context, prev model.FeedState) (Fetched, error) {
	cals, err := c.calendars(ctx, prev)
	if err != nil {
		return Fetched{}, err
	}
	out := Fetched{Unchanged: true}
	state := map[string]model.CalendarState{}
	for _, cal := range cals {
		p, had := prev.Calendars[cal.path]
		if cal.err != nil {
			out.Unchanged = false
			out.Problems = append(out.Problems, fmt.Sprintf("%s: %v", cal.path, cal.err))
			if had {
				state[cal.path] = p
			}
			continue
		}
		if had && cal.unchangedSince(p) {
			state[cal.path] = p
			continue
		}
		out.Unchanged = false
		objs, cs, problems, err := c.syncCalendar(ctx, cal, p)
		if err != nil {
			if fatal(err) {
				return Fetched{}, c.wrap(err)
			}
			out.Problems = append(out.Problems, fmt.Sprintf("%s: %v", cal.path, err))
			if had {
				state[cal.path] = p
			}
			continue
		}
		out.Objects = append(out.Objects, objs...)
		out.Problems = append(out.Problems, problems...)
		state[cal.path] = cs
	}
	for path := range prev.Calendars {
		if _, ok := state[path]; !ok {
			out.Unchanged = false // a calendar went away
		}
	}
	if len(state) > 0 {
		out.State.Calendars = state
	}
	return out, nil
}

// calendars lists the event calendars of the home for a poll from prev,
// finding the home first if need be, and again if the one found before
// fails.
func (c *CalDAV) calendars(ctx context.Context, prev model.FeedState) ([]calendar, error) {
	if c.home != "" {
		cals, err := c.pollHome(ctx, prev)
		if err == nil {
			return cals, nil
		}
		if fatal(err) {
			return nil, c.wrap(fmt.Errorf("list the calendars of %s: %w", c.home, err))
		}
		c.home, c.other = "", nil // moved, perhaps: discover it again
	}
	home, why, err := c.discover(ctx)
	if err != nil {
		return nil, c.wrap(err)
	}
	cals, other, err := c.listHome(ctx, home)
	if err != nil {
		return nil, c.wrap(fmt.Errorf("list the calendars of %s: %w", home, err))
	}
	if why != nil && len(cals) == 0 {
		// A fallback that finds nothing is not remembered, so that a
		// passing failure of discovery does not hide every calendar.
		return nil, c.wrap(fmt.Errorf("no calendar at %s, taken as the calendar home because %v", home, why))
	}
	c.home, c.other = home, other
	return cals, nil
}

// discover finds the calendar home: the current user's principal, then
// its calendar-home-set (RFC 5397, RFC 4791). A server that does not
// answer these has the endpoint taken as the home (or as the calendar);
// why then says what failed.
func (c *CalDAV) discover(ctx context.Context) (home string, why, err error) {
	principal, err := c.dav.FindCurrentUserPrincipal(ctx)
	if err != nil {
		if fatal(err) {
			return "", nil, fmt.Errorf("find the current user principal: %w", err)
		}
		return c.endpoint.Path, fmt.Errorf("finding the current user principal failed: %w", err), nil
	}
	home, err = c.dav.FindCalendarHomeSet(ctx, principal)
	if err != nil {
		if fatal(err) {
			return "", nil, fmt.Errorf("find the calendar home of %s: %w", principal, err)
		}
		return c.endpoint.Path, fmt.Errorf("finding the calendar home of %s failed: %w", principal, err), nil
	}
	if home == "" {
		return c.endpoint.Path, fmt.Errorf("%s has no calendar home", principal), nil
	}
	return home, nil, nil
}

// pollHome lists the event calendars of c.home for a poll from prev. When
// every calendar of prev has a tag, the home is asked for that tag alone;
// the answer is enough if it shows only the calendars of prev, each with
// its tag, and the members the last full listing found to be something
// else. Otherwise (a new member, perhaps a new calendar, or a calendar
// without its tag) the home is listed in full.
func (c *CalDAV) pollHome(ctx context.Context, prev model.FeedState) ([]calendar, error) {
	if body := tagsPropfind(prev); body != "" {
		data, _, err := c.client.send(ctx, c.endpoint, "PROPFIND", c.home, "1", body)
		if err != nil && fatal(err) {
			return nil, err
		}
		if err == nil {
			if cals, ok := c.knownCalendars(data, prev); ok {
				return cals, nil
			}
		}
		// A server error or an answer that says too little: the full
		// listing makes the most of what the server can give.
	}
	cals, other, err := c.listHome(ctx, c.home)
	if err != nil {
		return nil, err
	}
	c.other = other
	return cals, nil
}

// tagsPropfind returns the PROPFIND body that asks the members of a home
// for the tags the calendars of prev are compared by: the sync token for
// those stored with one, else the CTag. It returns "" when prev has no
// calendar, or one with neither tag, which only a full listing can tell
// about.
func tagsPropfind(prev model.FeedState) string {
	var syncToken, ctag bool
	for _, cs := range prev.Calendars {
		switch {
		case cs.SyncToken != "":
			syncToken = true
		case cs.CTag != "":
			ctag = true
		default:
			return ""
		}
	}
	switch {
	case syncToken && ctag:
		return propfindTags
	case syncToken:
		return propfindSyncTokens
	case ctag:
		return propfindCTags
	}
	return ""
}

// knownCalendars reads the answer to a tagsPropfind listing of the home:
// the calendars of prev with their tags, and false if the answer shows a
// member that is neither one of them nor in c.other, or one of them with
// an error or without a tag.
func (c *CalDAV) knownCalendars(body []byte, prev model.FeedState) ([]calendar, bool) {
	entries, _, err := parseMultistatus(body)
	if err != nil {
		return nil, false
	}
	var cals []calendar
	for _, e := range entries {
		if c.other[e.path] {
			continue
		}
		_, known := prev.Calendars[e.path]
		if !known || e.status/100 != 2 || (e.prop.CTag == "" && e.prop.SyncToken == "") {
			return nil, false
		}
		cals = append(cals, calendar{path: e.path, ctag: e.prop.CTag, syncToken: e.prop.SyncToken})
	}
	sort.Slice(cals, func(i, j int) bool { return cals[i].path < cals[j].path })
	return cals, true
}

// listHome lists the members of home in full, in one PROPFIND: the event
// calendars (home itself included, if it is one) with their CTag and sync
// token, and the paths of the other members. Should the server fail it
// (Radicale answers 500 for the whole home when one calendar holds a file
// it cannot read), the calendars are listed without their tags and each
// is asked for them on its own, so that the broken one fails alone.
func (c *CalDAV) listHome(ctx context.Context, home string) ([]calendar, map[string]bool, error) {
	body, _, err := c.client.send(ctx, c.endpoint, "PROPFIND", home, "1", propfindCalendars)
	var se *StatusError
	if err != nil && !fatal(err) && errors.As(err, &se) && se.Code >= 500 {
		return c.listHomeOneByOne(ctx, home)
	}
	if err != nil {
		return nil, nil, err
	}
	return calendarsIn(body)
}

// listHomeOneByOne lists the calendars of home, then asks each for its
// tags; a calendar that fails keeps its error.
func (c *CalDAV) listHomeOneByOne(ctx context.Context, home string) ([]calendar, map[string]bool, error) {
	body, _, err := c.client.send(ctx, c.endpoint, "PROPFIND", home, "1", propfindCalendarsBare)
	if err != nil {
		return nil, nil, err
	}
	cals, other, err := calendarsIn(body)
	if err != nil {
		return nil, nil, err
	}
	for i := range cals {
		err := c.askTags(ctx, &cals[i])
		if err != nil && fatal(err) {
			return nil, nil, err
		}
		cals[i].err = err
	}
	return cals, other, nil
}

// askTags asks one calendar for its CTag and sync token.
func (c *CalDAV) askTags(ctx context.Context, cal *calendar) error {
	body, _, err := c.client.send(ctx, c.endpoint, "PROPFIND", cal.path, "0", propfindTags)
	if err != nil {
		return err
	}
	entries, _, err := parseMultistatus(body)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if samePath(e.path, cal.path) {
			cal.ctag, cal.syncToken = e.prop.CTag, e.prop.SyncToken
		}
	}
	return nil
}

// calendarsIn returns the event calendars of a PROPFIND answer, by path,
// and the paths of the members it says are something else. A member
// answered with an error is neither: the next poll lists the home in
// full again.
func calendarsIn(body []byte) ([]calendar, map[string]bool, error) {
	entries, _, err := parseMultistatus(body)
	if err != nil {
		return nil, nil, err
	}
	var cals []calendar
	other := map[string]bool{}
	for _, e := range entries {
		switch {
		case e.status/100 != 2:
		case e.isEventCalendar():
			cals = append(cals, calendar{path: e.path, ctag: e.prop.CTag, syncToken: e.prop.SyncToken})
		default:
			other[e.path] = true
		}
	}
	sort.Slice(cals, func(i, j int) bool { return cals[i].path < cals[j].path })
	return cals, other, nil
}

// wrap words an error that ends a poll: the account, and the refused
// login made plain.
func (c *CalDAV) wrap(err error) error {
	var se *StatusError
	if errors.As(err, &se) && se.Code == http.StatusUnauthorized {
		return fmt.Errorf("CalDAV %s: %w (%v): check the username and password", c, ErrUnauthorized, se)
	}
	return fmt.Errorf("CalDAV %s: %w", c, err)
}
