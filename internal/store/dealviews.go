package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
)

// DealSummary is a deal with the figures the deals list shows. Version
// also grows when a linked activity is seen in another mailbox or
// calendar, and when ImportDeals changes the deal: whatever the deal's
// page shows.
type DealSummary struct {
	model.Deal                               // with Domains and Contacts
	Emails, Meetings, Notes, Calls int       // linked activities by kind (a cancelled meeting counts)
	Inbound, Outbound              int       // linked emails by direction
	LastInbound                    time.Time // latest linked inbound email (from the customer); zero if none
	LastOutbound                   time.Time // latest linked outbound email (from the team)
	LastMet                        time.Time // latest linked meeting, not cancelled, that started at or before now
	NextMeeting                    time.Time // earliest linked meeting, not cancelled, starting after now
	LastActivity                   time.Time // latest linked activity of any kind at or before now
	Version                        int64     // grows with every change to the deal's linked activities, their links or meetings
}

// dealFiguresSQL packs the stored figures of deals (deal_stats s): each
// as if nothing were linked after the moment asked about.
const dealFiguresSQL = `SELECT COALESCE(group_concat(s.packed, ''), '') FROM deal_stats AS s`

// dealFutureSQL packs, for the deals with an activity after ?1 (last_at >
// ?1), the figures that depend on ?1: the latest activity and meeting at
// or before ?1 and the next meeting, looked up around ?1 in
// links_deal_at and links_deal_met (an index step each, not a read of the
// deal). A meeting starts at its activity's time.
var dealFutureSQL = `SELECT COALESCE(group_concat(` + packed([]string{
	`COALESCE((SELECT max(x.at) FROM links AS x WHERE x.deal_id = s.deal_id AND x.at <= ?1), 0)`,
	`COALESCE((SELECT max(x.at) FROM links AS x WHERE x.deal_id = s.deal_id AND x.met = 1 AND x.at <= ?1), 0)`,
	`COALESCE((SELECT min(x.at) FROM links AS x WHERE x.deal_id = s.deal_id AND x.met = 1 AND x.at > ?1), 0)`,
}, []string{"s.deal_id"}) + `, ''), '')
	FROM deal_stats AS s WHERE s.last_at > ?1`

// DealSummaries returns every deal with its figures as of now, ordered by
// ID. The figures are kept per deal by the writes (deal_stats, see
// viewChanges); only those that depend on now are looked up, by index,
// for the deals with activity after now.
func (s *Store) DealSummaries(ctx context.Context, now time.Time) ([]DealSummary, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("list deal summaries: %w", err)
	}
	defer tx.Rollback()
	out, err := s.dealSummaries(ctx, tx, now, "")
	if err != nil {
		return nil, fmt.Errorf("list deal summaries: %w", err)
	}
	return out, nil
}

// DealSummary returns one deal with its figures as of now; ErrNotFound
// when there is no such deal.
func (s *Store) DealSummary(ctx context.Context, id string, now time.Time) (DealSummary, error) {
	if id == "" {
		return DealSummary{}, fmt.Errorf("read summary of a deal without ID: %w", ErrNotFound)
	}
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return DealSummary{}, fmt.Errorf("read summary of deal %s: %w", id, err)
	}
	defer tx.Rollback()
	out, err := s.dealSummaries(ctx, tx, now, id)
	if err != nil {
		return DealSummary{}, fmt.Errorf("read summary of deal %s: %w", id, err)
	}
	for _, d := range out {
		if d.ID == id {
			return d, nil
		}
	}
	return DealSummary{}, fmt.Errorf("read summary of deal %s: %w", id, ErrNotFound)
}

// dealSummaries reads in tx the deals and their figures as of now: every
// deal, or the one with ID only.
func (s *Store) dealSummaries(ctx context.Context, tx *sql.Tx, now time.Time, only string) ([]DealSummary, error) {
	figures, future := dealFiguresSQL, dealFutureSQL
	var deals []model.Deal
	var err error
	var args []any
	if only == "" {
		deals, err = s.allDeals(ctx, tx)
	} else {
		deals, err = listDeals(ctx, tx, dealScope{ids: []string{only}, accounts: []string{}})
		figures += ` WHERE s.deal_id = ?1`
		future += ` AND s.deal_id = ?2`
		args = []any{only}
	}
	if err != nil {
		return nil, err
	}
	out := summariesOf(deals)
	rec, err := packedText(ctx, tx, figures, args)
	if err != nil {
		return nil, fmt.Errorf("read deal figures: %w", err)
	}
	var ints [12]int64
	var texts [1]string
	next := 0
	for rec != "" {
		if rec, err = unpack(rec, ints[:], texts[:]); err != nil {
			return nil, fmt.Errorf("read deal figures: %w", err)
		}
		if i, ok := summaryOf(out, &next, texts[0]); ok {
			d := &out[i]
			d.Emails, d.Meetings, d.Notes, d.Calls = int(ints[0]), int(ints[1]), int(ints[2]), int(ints[3])
			d.Inbound, d.Outbound = int(ints[4]), int(ints[5])
			d.LastInbound, d.LastOutbound = unixTime(ints[6]), unixTime(ints[7])
			d.Version = ints[8]
			d.LastActivity, d.LastMet, d.NextMeeting = unixTime(ints[9]), unixTime(ints[10]), unixTime(ints[11])
		}
	}
	if rec, err = packedText(ctx, tx, future, append([]any{now.Unix()}, args...)); err != nil {
		return nil, fmt.Errorf("read deal figures as of %s: %w", now.Format(time.RFC3339), err)
	}
	next = 0
	for rec != "" {
		if rec, err = unpack(rec, ints[:3], texts[:]); err != nil {
			return nil, fmt.Errorf("read deal figures as of %s: %w", now.Format(time.RFC3339), err)
		}
		if i, ok := summaryOf(out, &next, texts[0]); ok {
			d := &out[i]
			d.LastActivity, d.LastMet, d.NextMeeting = unixTime(ints[0]), unixTime(ints[1]), unixTime(ints[2])
		}
	}
	return out, nil
}

// DealActivities returns every activity linked (auto or confirmed) to the
// deal, with participants, attachments, sightings, meeting and link,
// ordered by At then ID; ErrNotFound for an unknown deal. It reads like
// Activities (packed rows, participants and sightings in one query each),
// finding the deal's activities by links_deal_at, in its order: a link's
// at is its activity's.
func (s *Store) DealActivities(ctx context.Context, dealID string) ([]model.Activity, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("list activities of deal %s: %w", dealID, err)
	}
	defer tx.Rollback()
	ok, err := exists(ctx, tx, `SELECT 1 FROM deals WHERE id = ?`, dealID)
	if err != nil {
		return nil, fmt.Errorf("list activities of deal %s: %w", dealID, err)
	}
	if !ok {
		return nil, fmt.Errorf("list activities of deal %s: %w", dealID, ErrNotFound)
	}
	out, _, err := readActivities(ctx, tx, true, `SELECT `+packActivity("0", true)+`
		FROM links AS l INDEXED BY links_deal_at CROSS JOIN activities AS a ON a.id = l.activity_id
		WHERE l.deal_id = ? ORDER BY l.at, l.activity_id`, dealID)
	if err != nil {
		return nil, fmt.Errorf("list activities of deal %s: %w", dealID, err)
	}
	return out, nil
}

// dealCache keeps the list of every deal as read at a catalog version.
// Deals, their contacts and their accounts' domains change only with the
// catalog version (ImportDeals bumps it in the same transaction), so the
// list read at version v is that of any snapshot at version v, and a
// reader at another version reads the list again. Listing 5,000 deals
// costs ~10 ms; checking the version, microseconds.
type dealCache struct {
	mu      sync.Mutex
	ok      bool
	version int64
	deals   []model.Deal
}

// allDeals returns every deal as of tx (see listDeals), ordered by ID,
// from the cache when the catalog version is the cached one. The list is
// shared: the caller copies what it hands on (see summariesOf).
func (s *Store) allDeals(ctx context.Context, tx *sql.Tx) ([]model.Deal, error) {
	v, err := catalogVersion(ctx, tx)
	if err != nil {
		return nil, err
	}
	s.deals.mu.Lock()
	cached, ok := s.deals.deals, s.deals.ok && s.deals.version == v
	s.deals.mu.Unlock()
	if ok {
		return cached, nil
	}
	list, err := listDeals(ctx, tx, dealScope{})
	if err != nil {
		return nil, err
	}
	s.deals.mu.Lock()
	s.deals.ok, s.deals.version, s.deals.deals = true, v, list
	s.deals.mu.Unlock()
	return list, nil
}

// summariesOf returns summaries of deals (ordered by ID) without figures:
// copies of the deals, their domains and contacts, so that the caller may
// change them; the lists share one allocation.
func summariesOf(deals []model.Deal) []DealSummary {
	out := make([]DealSummary, len(deals))
	n := 0
	for _, d := range deals {
		n += len(d.Domains) + len(d.Contacts)
	}
	texts := make([]string, 0, n)
	for i, d := range deals {
		out[i].Deal = d
		start := len(texts)
		texts = append(texts, d.Domains...)
		out[i].Domains = texts[start:len(texts):len(texts)]
		start = len(texts)
		texts = append(texts, d.Contacts...)
		out[i].Contacts = texts[start:len(texts):len(texts)]
	}
	return out
}

// summaryOf finds the summary of a deal in out (ordered by ID). Records
// come in ID order, so *next, the one after the last found, is tried
// first.
func summaryOf(out []DealSummary, next *int, id string) (int, bool) {
	i := *next
	if i >= len(out) || out[i].ID != id {
		i = sort.Search(len(out), func(i int) bool { return out[i].ID >= id })
		if i == len(out) || out[i].ID != id {
			return 0, false
		}
	}
	*next = i + 1
	return i, true
}
