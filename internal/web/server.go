// Package web serves dealtrail's web UI and JSON API: deal lists and
// timelines for leaders, the review queue and corrections for reps, sync
// status, admin pages, /healthz and /metrics. It is built on gin with
// server-rendered html/template pages (templates and static files come
// embedded from the top-level web package), local users with bcrypt
// passwords, server-side sessions, and CSRF protection on every change.
//
// One router file (router.go) wires every route and middleware; each
// handler lives in a file named after its route.
package web

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/crypto/bcrypt"

	"github.com/dealtrail/dealtrail/internal/config"
	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/store"
	assets "github.com/dealtrail/dealtrail/web"
)

// Options configure a Server. Store, Decider and Linker are required.
type Options struct {
	Store   Store
	Decider Decider
	Linker  Linker
	// Team tells the team's addresses from outsiders.
	Team model.Team
	// Owners maps each mailbox and calendar name to the member who owns
	// it (app.Owners): a rep may correct what their own sources saw.
	Owners map[string]string
	// Members are the team's members, for names and the owner choices.
	Members []config.Member
	// UI holds the thresholds and the session lifetime; zero fields take
	// the config defaults.
	UI config.UI
	// Backfill is how far back a mailbox's first sync reached (0: all);
	// CalendarPast how far back calendars are expanded. Together with
	// each source's first success they say since when data is complete.
	Backfill     time.Duration
	CalendarPast time.Duration
	// TrustedProxies lists the proxies (IPs or CIDR ranges) whose
	// X-Forwarded-For and X-Forwarded-Proto headers are believed; none
	// when empty.
	TrustedProxies []string
	Logger         *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Registry receives the HTTP and sync metrics and is what /metrics
	// serves; a new registry (with Go and process metrics) when nil.
	Registry *prometheus.Registry
	// BcryptCost is the cost of password hashes made by the admin pages;
	// bcrypt.DefaultCost when 0 (tests use bcrypt.MinCost).
	BcryptCost int
}

// Server is the web UI and API over one store.
type Server struct {
	opts    Options
	st      Store
	logger  *slog.Logger
	now     func() time.Time
	pages   *pages
	trusted []netip.Prefix
	names   map[string]string // member email → name
	// sources maps a member's email to the names of their mailboxes and
	// calendars (never nil for a member: empty when they own none).
	sources map[string][]string
	handler http.Handler

	throttle    *throttle
	deals       cached[*dealList]
	reviewCount keyedCounts
	timelines   *timelineCache
	pageCache   pageCache
	metrics     *httpMetrics
	dummyHash   func() []byte
}

// New builds a Server: it parses the templates, sets up metrics and
// wires the routes.
func New(opts Options) (*Server, error) {
	if opts.Store == nil || opts.Decider == nil || opts.Linker == nil {
		return nil, errors.New("web: Store, Decider and Linker are required")
	}
	def := config.DefaultUI()
	if opts.UI.GoneDarkAfter <= 0 {
		opts.UI.GoneDarkAfter = def.GoneDarkAfter
	}
	if opts.UI.GapAtLeast <= 0 {
		opts.UI.GapAtLeast = def.GapAtLeast
	}
	if opts.UI.SessionLifetime <= 0 {
		opts.UI.SessionLifetime = def.SessionLifetime
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.BcryptCost == 0 {
		opts.BcryptCost = bcrypt.DefaultCost
	}
	if opts.BcryptCost < bcrypt.MinCost || opts.BcryptCost > bcrypt.MaxCost {
		return nil, fmt.Errorf("web: bcrypt cost %d is outside %d..%d", opts.BcryptCost, bcrypt.MinCost, bcrypt.MaxCost)
	}
	if opts.Registry == nil {
		opts.Registry = newRegistry()
	}
	trusted, err := parseProxies(opts.TrustedProxies)
	if err != nil {
		return nil, err
	}
	s := &Server{
		opts: opts, st: opts.Store, logger: opts.Logger, now: opts.Now, trusted: trusted,
		names:     map[string]string{},
		sources:   map[string][]string{},
		throttle:  newThrottle(),
		timelines: newTimelineCache(),
		dummyHash: dummyHash(opts.BcryptCost),
	}
	s.deals.ttl = listTTL
	s.reviewCount.ttl = listTTL
	for _, m := range opts.Members {
		if m.Name != "" {
			s.names[strings.ToLower(m.Email)] = m.Name
		}
	}
	for name, owner := range opts.Owners {
		owner = strings.ToLower(owner)
		s.sources[owner] = append(s.sources[owner], name)
	}
	for _, list := range s.sources {
		slices.Sort(list)
	}
	if s.pages, err = loadPages(assets.FS, s.funcs()); err != nil {
		return nil, err
	}
	if s.metrics, err = registerMetrics(opts.Registry, s); err != nil {
		return nil, err
	}
	engine, err := s.routes()
	if err != nil {
		return nil, err
	}
	s.handler = securityHeaders(s.crossOrigin(engine))
	return s, nil
}

// Handler returns the server's HTTP handler: security headers, cross-origin
// protection, then the routes.
func (s *Server) Handler() http.Handler { return s.handler }

// parseProxies turns the trusted proxy list into prefixes.
func parseProxies(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, p := range list {
		if strings.Contains(p, "/") {
			pfx, err := netip.ParsePrefix(p)
			if err != nil {
				return nil, fmt.Errorf("web: trusted proxy %q: %w", p, err)
			}
			out = append(out, pfx.Masked())
			continue
		}
		addr, err := netip.ParseAddr(p)
		if err != nil {
			return nil, fmt.Errorf("web: trusted proxy %q: %w", p, err)
		}
		out = append(out, netip.PrefixFrom(addr.Unmap(), addr.Unmap().BitLen()))
	}
	return out, nil
}

// fromTrustedProxy reports whether the request came straight from a
// trusted proxy.
func (s *Server) fromTrustedProxy(c *gin.Context) bool {
	addr, err := netip.ParseAddr(c.RemoteIP())
	if err != nil {
		return false
	}
	addr = addr.Unmap()
	for _, p := range s.trusted {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// reviewQuery narrows the review queue to what concerns member (all of
// it when member is ""): their deals and their sources.
func (s *Server) reviewQuery(member string, limit, offset int) store.ReviewQuery {
	q := store.ReviewQuery{Limit: limit, Offset: offset}
	if member != "" {
		q.Owner = strings.ToLower(member)
		q.Sources = append([]string{}, s.sources[q.Owner]...)
	}
	return q
}

// nameOf is a member's name, or their email when the config gives none.
func (s *Server) nameOf(email string) string {
	if n := s.names[strings.ToLower(email)]; n != "" {
		return n
	}
	return email
}
