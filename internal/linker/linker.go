// Package linker keeps the links between activities and deals current. It
// feeds the pure matcher from the store: it drains the queue of activities
// that a change left waiting (new mail, a new sighting, an imported deal, a
// rule, a decision), re-runs every match on demand, and previews what a
// rule would move. Human decisions are never re-matched.
package linker

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"github.com/dealtrail/dealtrail/internal/match"
	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/store"
)

// Store is what the linker needs from the database.
type Store interface {
	Catalog(ctx context.Context, since int64) (store.Catalog, error)
	CatalogVersion(ctx context.Context) (int64, error)
	Pending(ctx context.Context, limit int) ([]store.Pending, error)
	ThreadDeals(ctx context.Context, keys []string) (map[string]string, error)
	SaveLinks(ctx context.Context, updates []store.LinkUpdate) ([]store.LinkChange, error)
	EachActivity(ctx context.Context, chunk int, fn func([]model.Activity) error) error
	AffectedActivities(ctx context.Context, a store.Affects) ([]model.Activity, error)
	KnownKeys(ctx context.Context, kind model.Kind, keys []string) (map[string]bool, error)
}

// Options configure a Linker.
type Options struct {
	Store Store
	// Match is the team's matching configuration; the deals and rules
	// come from the store.
	Match match.Config
	// Owners maps a mailbox name or a calendar source name to the team
	// member who owns it, so the matcher knows whose mailbox or calendar
	// saw an activity.
	Owners map[string]string
	Logger *slog.Logger
}

// Linker matches activities to deals and saves the links. It is safe for
// concurrent use; matching runs one batch at a time.
type Linker struct {
	store  Store
	cfg    match.Config
	owners map[string]string
	logger *slog.Logger

	mu      sync.Mutex // serialises matching, so the last match of an activity sees its latest state
	matcher *match.Matcher
	deals   []model.Deal // the matcher's deals, by ID
	version int64        // the catalog version of matcher and deals
}

// Summary says what a round of matching did.
type Summary struct {
	// Matched counts the activities matched.
	Matched int
	// Changes lists the activities whose deal or state changed.
	Changes []store.LinkChange
}

// add folds another round into s.
func (s *Summary) add(o Summary) {
	s.Matched += o.Matched
	s.Changes = append(s.Changes, o.Changes...)
}

// pendingBatch is how many queued activities one round takes.
const pendingBatch = 2000

// New returns a Linker over opts.Store.
func New(opts Options) *Linker {
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Linker{store: opts.Store, cfg: opts.Match, owners: opts.Owners, logger: logger, version: -1}
}

// Drain matches every activity waiting in the queue, oldest first, until
// the queue is empty (a changed link queues the replies of its thread, and
// those are matched too).
func (l *Linker) Drain(ctx context.Context) (Summary, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var sum Summary
	for {
		m, err := l.current(ctx)
		if err != nil {
			return sum, err
		}
		pending, err := l.store.Pending(ctx, pendingBatch)
		if err != nil {
			return sum, fmt.Errorf("read match queue: %w", err)
		}
		if len(pending) == 0 {
			return sum, nil
		}
		acts := make([]model.Activity, len(pending))
		for i, p := range pending {
			acts[i] = p.Activity
		}
		threads, err := l.threadDeals(ctx, acts)
		if err != nil {
			return sum, err
		}
		updates := make([]store.LinkUpdate, len(pending))
		for i, p := range pending {
			updates[i] = store.LinkUpdate{ActivityID: p.Activity.ID, Seq: p.Seq, Link: l.decide(m, p.Activity, threads)}
		}
		changes, err := l.store.SaveLinks(ctx, updates)
		if err != nil {
			return sum, fmt.Errorf("save links: %w", err)
		}
		sum.add(Summary{Matched: len(pending), Changes: changes})
	}
}

// MatchNew links the activities of a batch about to be stored, those not
// stored yet, as new activities seen only where the batch saw them, and
// calls save with the catalog version it matched with. Both happen under
// the linker's lock, so no drain runs between the decision and the write;
// the store uses the links only for activities that turn out new and only
// if the catalog is still at that version, and queues the others. This
// spares a batch of new mail the round trip through the match queue.
func (l *Linker) MatchNew(ctx context.Context, acts []model.Activity, save func(catalogVersion int64) error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	m, err := l.current(ctx)
	if err != nil {
		return err
	}
	keys := map[model.Kind][]string{}
	for _, a := range acts {
		keys[a.Kind] = append(keys[a.Kind], a.Key)
	}
	known := map[model.Kind]map[string]bool{}
	for kind, ks := range keys {
		var err error
		if known[kind], err = l.store.KnownKeys(ctx, kind, ks); err != nil {
			return fmt.Errorf("look up the batch's activities: %w", err)
		}
	}
	threads, err := l.threadDeals(ctx, acts)
	if err != nil {
		return err
	}
	for i := range acts {
		if a := &acts[i]; !known[a.Kind][a.Key] {
			link := l.decide(m, *a, threads)
			a.Link = &link
		}
	}
	return save(l.version)
}

// current returns the matcher for the store's catalog, rebuilding it when
// deals or rules changed since it was built (possibly by another process).
func (l *Linker) current(ctx context.Context) (*match.Matcher, error) {
	v, err := l.store.CatalogVersion(ctx)
	if err != nil {
		return nil, fmt.Errorf("read catalog version: %w", err)
	}
	if l.matcher != nil && v == l.version {
		return l.matcher, nil
	}
	// Only the deals changed since the version held are read: adding a
	// deal to a store of 10,000 would otherwise read them all again.
	since := int64(0)
	if l.matcher != nil {
		since = l.version
	}
	cat, err := l.catalog(ctx, since)
	if err != nil {
		return nil, err
	}
	if l.matcher == nil {
		l.deals = cat.Deals
	} else {
		l.deals = mergeDeals(l.deals, cat.Deals)
	}
	l.matcher, l.version = match.New(l.cfg, l.deals, cat.Rules), cat.Version
	l.logger.Debug("matcher loaded", "deals", len(l.deals), "changed", len(cat.Deals), "rules", len(cat.Rules), "version", cat.Version)
	return l.matcher, nil
}

// mergeDeals returns deals, sorted by ID, with each deal of changed put in
// place of the deal of its ID or added. deals is changed in place.
func mergeDeals(deals, changed []model.Deal) []model.Deal {
	byID := func(d model.Deal, id string) int { return strings.Compare(d.ID, id) }
	for _, d := range changed {
		i, found := slices.BinarySearchFunc(deals, d.ID, byID)
		if found {
			deals[i] = d
		} else {
			deals = slices.Insert(deals, i, d)
		}
	}
	return deals
}

// threadDeals returns the deals of the messages that acts reply to, by
// message key.
func (l *Linker) threadDeals(ctx context.Context, acts []model.Activity) (keyDeals, error) {
	// Each key once: the replies of a thread all name its first
	// messages, and each name costs the store an index search.
	var keys []string
	asked := map[string]bool{}
	for _, a := range acts {
		for _, k := range parents(a) {
			if !asked[k] {
				asked[k] = true
				keys = append(keys, k)
			}
		}
	}
	if len(keys) == 0 {
		return keyDeals{}, nil
	}
	deals, err := l.store.ThreadDeals(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("read thread links: %w", err)
	}
	return deals, nil
}

// decide returns the link a should have: the one a person gave it, or the
// matcher's. The result is recorded in threads, so that replies matched
// after a can inherit its deal.
func (l *Linker) decide(m *match.Matcher, a model.Activity, threads threadDeals) model.Link {
	var link model.Link
	if a.Link != nil && a.Link.Human() {
		link = *a.Link
	} else {
		link = m.Match(l.input(a, threads))
	}
	if a.Kind == model.KindEmail {
		threads.set(a.Key, link)
	}
	return link
}

// input is what the matcher needs to know about a.
func (l *Linker) input(a model.Activity, threads threadDeals) match.Input {
	in := match.Input{At: a.At, Participants: a.Participants}
	for _, s := range a.Sightings {
		source := s.Mailbox
		if s.Calendar != "" {
			source = s.Calendar
		}
		if owner := l.owners[source]; owner != "" && !slices.Contains(in.SeenBy, owner) {
			in.SeenBy = append(in.SeenBy, owner)
		}
	}
	for _, k := range parents(a) {
		if d := threads.deal(k); d != "" {
			in.ThreadDeal = d
			break
		}
	}
	return in
}

// parents lists the keys of the messages a replies to, nearest first:
// In-Reply-To, then References from the newest back to the root.
func parents(a model.Activity) []string {
	var keys []string
	if a.InReplyTo != "" {
		keys = append(keys, a.InReplyTo)
	}
	for i := len(a.References) - 1; i >= 0; i-- {
		if r := a.References[i]; r != a.InReplyTo {
			keys = append(keys, r)
		}
	}
	return keys
}

// RuleTargets says what an "always" rule made from a could cover: its main
// outside address, and that address's company domain ("" for free mail).
func (l *Linker) RuleTargets(ctx context.Context, a model.Activity) (address, domain string, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	m, err := l.current(ctx)
	if err != nil {
		return "", "", err
	}
	address, domain = m.RuleTargets(match.Input{At: a.At, Participants: a.Participants})
	return address, domain, nil
}
