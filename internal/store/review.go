package store

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/dealtrail/dealtrail/internal/model"
)

// LowConfidence is the confidence under which an automatic link waits for
// a person too.
const LowConfidence = 0.8

// ReviewQuery selects a page of the review queue.
type ReviewQuery struct {
	// Owner, when set, keeps items whose candidates include a deal owned by
	// this member, or that were seen in this member's mailbox/calendar.
	// An automatic link's own deal counts as a candidate, and so do the
	// deals of the accounts (or contacts) that put an unlinked activity in
	// the queue.
	Owner string
	// Sources names Owner's mailboxes and calendars, as sightings name them
	// (the config's mailbox and calendar names). Nil means the sources
	// named Owner, which is the config's default name.
	Sources []string
	Limit   int // default 50, max 500
	Offset  int
}

// ReviewQueue lists the activities waiting for a person: state review
// (ambiguous, with candidates), auto links with confidence below 0.8
// (low confidence), and external activities left unlinked (state none)
// whose outside participants' domain belongs to a known account (a deal
// exists for the company but none was live); a participant who is a
// contact of a deal counts too. Newest first (by time, then id), each with
// participants, sightings, link and meeting. total counts all.
//
// The queue is kept in review_items by the writes (see viewChanges), so a
// page walks its own time index and costs the same however large the
// store; a member's page finds their items by index and sorts them.
func (s *Store) ReviewQueue(ctx context.Context, q ReviewQuery) (items []model.Activity, total int, err error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 500)
	offset := max(q.Offset, 0)
	where, args := reviewFilter(q)
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, 0, fmt.Errorf("read review queue: %w", err)
	}
	defer tx.Rollback()
	// The page is chosen first, by id alone, so that only its activities
	// are read. The whole queue walks its time index and counts apart
	// (count(*) of an index). A member's items are found first (see
	// reviewFilter), sorted, and counted in the same pass: the extra
	// integer of each record.
	from, count := `review_items AS r INDEXED BY review_items_at`, `0`
	if where != "" {
		from, count = `review_items AS r`, `count(*) OVER ()`
	}
	items, totals, err := readActivities(ctx, tx, true, `SELECT `+packActivity("p.total", true)+`
		FROM (SELECT r.activity_id, r.at, `+count+` AS total FROM `+from+where+`
		    ORDER BY r.at DESC, r.activity_id DESC LIMIT ? OFFSET ?) AS p
		  CROSS JOIN activities AS a ON a.id = p.activity_id
		  LEFT JOIN links AS l ON l.activity_id = a.id
		ORDER BY p.at DESC, p.activity_id DESC`, append(args, limit, offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("read review queue: %w", err)
	}
	if where != "" && len(totals) > 0 {
		return items, int(totals[0]), nil
	}
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM review_items AS r`+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count review queue: %w", err)
	}
	return items, total, nil
}

// reviewFilter returns the WHERE clause (on review_items r) and arguments
// of q's owner; none without an owner. The owner's items are found by
// index: their deals' (deals are few and read whole) in review_deals by
// deal, their sources' in review_sources by source.
func reviewFilter(q ReviewQuery) (string, []any) {
	owner := strings.ToLower(strings.TrimSpace(q.Owner))
	if owner == "" {
		return "", nil
	}
	sources := q.Sources
	if sources == nil {
		sources = []string{owner}
	}
	return ` WHERE r.activity_id IN (
		  SELECT rd.activity_id FROM deals AS d CROSS JOIN review_deals AS rd ON rd.deal_id = d.id WHERE d.owner = ?
		  UNION
		  SELECT rs.activity_id FROM json_each(?) AS j CROSS JOIN review_sources AS rs ON rs.source = j.value)`,
		[]any{owner, jsonList(sources)}
}

// refreshReview works out again the review queue rows of the activities
// ids (any order, repeats allowed), attachBatch at a time.
func refreshReview(ctx context.Context, tx *sql.Tx, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	for start := 0; start < len(ids); start += attachBatch {
		batch := ids[start:min(start+attachBatch, len(ids))]
		if err := refreshReviewBatch(ctx, tx, jsonList(batch), len(batch)); err != nil {
			return err
		}
	}
	return nil
}

// mayWait reports whether a link may put its activity in the review
// queue: waiting by itself (ambiguous, automatic with low confidence), or
// unlinked (which waits when an account is known). A link change between
// two links that may not leaves the queue as it is.
func mayWait(l model.Link) bool {
	return l.State == model.LinkReview || l.State == model.LinkNone ||
		(l.State == model.LinkAuto && l.Confidence < LowConfidence)
}

// waitingLink is the condition on a link (l) that puts its activity in
// the review queue by itself: ambiguous, or automatic with low confidence
// (?2).
const waitingLink = `(l.state = 'review' OR (l.state = 'auto' AND l.confidence < ?2))`

// refreshReviewBatch rewrites the review rows of the n activities whose ids
// are the JSON array ids.
func refreshReviewBatch(ctx context.Context, tx *sql.Tx, ids string, n int) error {
	for _, table := range []string{"review_items", "review_deals", "review_sources"} {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE activity_id IN (SELECT value FROM json_each(?))`, ids); err != nil {
			return fmt.Errorf("refresh review queue of %d activities: %w", n, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO review_items (activity_id, at)
		SELECT a.id, a.at FROM json_each(?1) AS j CROSS JOIN links AS l ON l.activity_id = j.value
		  CROSS JOIN activities AS a ON a.id = l.activity_id
		WHERE `+waitingLink, ids, LowConfidence); err != nil {
		return fmt.Errorf("refresh review queue of %d activities: %w", n, err)
	}
	// The deals each concerns: the candidates, and an automatic link's
	// own deal.
	if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO review_deals (activity_id, deal_id)
		SELECT l.activity_id, c.value FROM json_each(?1) AS j CROSS JOIN links AS l ON l.activity_id = j.value
		  CROSS JOIN json_each(l.candidates) AS c
		WHERE `+waitingLink+` AND c.type = 'text'
		UNION ALL
		SELECT l.activity_id, l.deal_id FROM json_each(?1) AS j CROSS JOIN links AS l ON l.activity_id = j.value
		WHERE `+waitingLink+` AND l.deal_id IS NOT NULL`, ids, LowConfidence); err != nil {
		return fmt.Errorf("refresh review deals of %d activities: %w", n, err)
	}
	if err := refreshUnlinked(ctx, tx, ids, n); err != nil {
		return err
	}
	// Who saw each: its mailboxes and calendars.
	if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO review_sources (activity_id, source)
		SELECT s.activity_id, s.mailbox FROM json_each(?1) AS j CROSS JOIN review_items AS r ON r.activity_id = j.value
		  CROSS JOIN sightings AS s ON s.activity_id = r.activity_id
		UNION ALL
		SELECT c.activity_id, c.source FROM json_each(?1) AS j CROSS JOIN review_items AS r ON r.activity_id = j.value
		  CROSS JOIN calendar_sightings AS c ON c.activity_id = r.activity_id`, ids); err != nil {
		return fmt.Errorf("record who saw %d activities of the review queue: %w", n, err)
	}
	return nil
}

// unlinkedSQL packs the participants (address, reversed domain) of the
// activities whose ids are the JSON array ? and that are left unlinked.
var unlinkedSQL = `SELECT COALESCE(group_concat(` + packed([]string{"p.activity_id"}, []string{"p.email", "p.rdomain"}) + `, ''), '')
	FROM json_each(?) AS j CROSS JOIN links AS l ON l.activity_id = j.value
	  CROSS JOIN participants AS p ON p.activity_id = l.activity_id
	WHERE l.state = 'none'`

// domainDealsSQL packs the deals (domain, deal) of the accounts that own
// one of the domains of the JSON array ?.
var domainDealsSQL = `SELECT COALESCE(group_concat(` + packed([]string{"0"}, []string{"ad.domain", "d.id"}) + `, ''), '')
	FROM json_each(?) AS j CROSS JOIN account_domains AS ad ON ad.domain = j.value
	  CROSS JOIN deals AS d ON d.account_id = ad.account_id`

// contactDealsSQL packs the deals (address, deal) that list one of the
// addresses of the JSON array ? as a contact.
var contactDealsSQL = `SELECT COALESCE(group_concat(` + packed([]string{"0"}, []string{"c.email", "c.deal_id"}) + `, ''), '')
	FROM json_each(?) AS j CROSS JOIN deal_contacts AS c ON c.email = j.value`

// refreshUnlinked adds to the review queue those of the n activities
// whose ids are the JSON array ids that are left unlinked although a
// participant's domain (or a parent of it) belongs to a known account, or
// a participant is a deal's contact; the deals of those accounts and
// contacts are the ones the item concerns. A domain's parents are found
// in Go, from the reversed domain: "example.acme.mail" is looked up as
// mail.acme.example, acme.example and example, each by index.
func refreshUnlinked(ctx context.Context, tx *sql.Tx, ids string, n int) error {
	rec, err := packedText(ctx, tx, unlinkedSQL, []any{ids})
	if err != nil {
		return fmt.Errorf("read unlinked activities of %d: %w", n, err)
	}
	if rec == "" {
		return nil
	}
	type person struct {
		activity      int64
		email, domain string
	}
	var people []person
	domains, emails := map[string]bool{}, map[string]bool{}
	var ints [1]int64
	var texts [2]string
	for rec != "" {
		if rec, err = unpack(rec, ints[:], texts[:]); err != nil {
			return fmt.Errorf("read unlinked activities: %w", err)
		}
		people = append(people, person{ints[0], texts[0], texts[1]})
		emails[texts[0]] = true
		for _, d := range parentDomains(texts[1]) {
			domains[d] = true
		}
	}
	byDomain, err := dealsByKey(ctx, tx, domainDealsSQL, domains)
	if err != nil {
		return fmt.Errorf("find deals of the domains of unlinked activities: %w", err)
	}
	byContact, err := dealsByKey(ctx, tx, contactDealsSQL, emails)
	if err != nil {
		return fmt.Errorf("find deals of the contacts of unlinked activities: %w", err)
	}
	var items, deals jsonRows
	last := int64(-1)
	for _, p := range people {
		concerned := byContact[p.email]
		for _, d := range parentDomains(p.domain) {
			concerned = append(concerned, byDomain[d]...)
		}
		if len(concerned) == 0 {
			continue
		}
		if p.activity != last {
			items.row().rawInt(p.activity)
			last = p.activity
		}
		for _, d := range concerned {
			deals.row().int(p.activity).str(d)
		}
	}
	if items.n == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO review_items (activity_id, at)
		SELECT a.id, a.at FROM json_each(?) AS j CROSS JOIN activities AS a ON a.id = j.value`, items.String()); err != nil {
		return fmt.Errorf("queue %d unlinked activities for review: %w", items.n, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO review_deals (activity_id, deal_id)
		SELECT value->>0, value->>1 FROM json_each(?)`, deals.String()); err != nil {
		return fmt.Errorf("record deals of %d unlinked activities: %w", items.n, err)
	}
	return nil
}

// dealsByKey runs a query of packed (key, deal) pairs over the JSON array
// of keys and returns the deals of each key.
func dealsByKey(ctx context.Context, tx *sql.Tx, query string, keys map[string]bool) (map[string][]string, error) {
	out := map[string][]string{}
	if len(keys) == 0 {
		return out, nil
	}
	rec, err := packedText(ctx, tx, query, []any{jsonList(slices.Sorted(maps.Keys(keys)))})
	if err != nil {
		return nil, err
	}
	var ints [1]int64
	var texts [2]string
	for rec != "" {
		if rec, err = unpack(rec, ints[:], texts[:]); err != nil {
			return nil, err
		}
		out[texts[0]] = append(out[texts[0]], texts[1])
	}
	return out, nil
}

// parentDomains returns the domains a reversed domain stands for, itself
// and each parent: "example.acme.mail" → mail.acme.example, acme.example,
// example.
func parentDomains(rdomain string) []string {
	if rdomain == "" {
		return nil
	}
	labels := strings.Split(rdomain, ".")
	out := make([]string, 0, len(labels))
	for k := len(labels); k > 0; k-- {
		part := slices.Clone(labels[:k])
		slices.Reverse(part)
		out = append(out, strings.Join(part, "."))
	}
	return out
}
