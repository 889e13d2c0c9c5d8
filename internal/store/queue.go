package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
)

// Affects names what changed, so that the activities it touches can be
// found: participants with one of the Addresses, participants at one of the
// Domains or any of its subdomains, and activities linked to one of the
// Deals.
type Affects struct {
	// Addresses are participant addresses, compared lower-cased.
	Addresses []string
	// Domains cover themselves and all their subdomains (by rdomain
	// range), compared lower-cased.
	Domains []string
	// Deals cover the activities linked to them, automatically or by a
	// person.
	Deals []string
}

// RuleAffects is what a rule covers: its address, or its domain and
// subdomains.
func RuleAffects(r model.Rule) Affects {
	if r.Address != "" {
		return Affects{Addresses: []string{r.Address}}
	}
	return Affects{Domains: []string{r.Domain}}
}

// empty reports whether a covers nothing.
func (a Affects) empty() bool {
	return len(a.Addresses) == 0 && len(a.Domains) == 0 && len(a.Deals) == 0
}

// args returns the three JSON arrays affectedSQL reads: addresses, reversed
// domains and deals, lower-cased where mail is.
func (a Affects) args() []any {
	addresses := make([]string, 0, len(a.Addresses))
	for _, s := range a.Addresses {
		addresses = append(addresses, strings.ToLower(strings.TrimSpace(s)))
	}
	domains := make([]string, 0, len(a.Domains))
	for _, d := range a.Domains {
		if r := reverseDomain(d); r != "" {
			domains = append(domains, r)
		}
	}
	return []any{jsonList(addresses), jsonList(domains), jsonList(a.Deals)}
}

// affectedSQL selects the ids of the activities an Affects covers. Its
// parameters ?1, ?2 and ?3 are the JSON arrays of Affects.args. A domain r
// (reversed) covers rdomain r itself and the range of its subdomains,
// r + "." up to r + "/" ('/' follows '.').
const affectedSQL = `
	SELECT activity_id FROM participants WHERE email IN (SELECT value FROM json_each(?1))
	UNION
	SELECT activity_id FROM participants WHERE rdomain IN (SELECT value FROM json_each(?2))
	UNION
	SELECT p.activity_id FROM json_each(?2) AS r CROSS JOIN participants AS p
	  WHERE p.rdomain > r.value || '.' AND p.rdomain < r.value || '/'
	UNION
	SELECT activity_id FROM links WHERE deal_id IN (SELECT value FROM json_each(?3))`

// upsertQueue ends an INSERT INTO match_queue: a queued activity keeps its
// row and gets a larger seq, so a matcher that read the older request does
// not dequeue the newer one.
const upsertQueue = ` ON CONFLICT (activity_id) DO UPDATE SET seq = max(excluded.seq, match_queue.seq + 1)`

// nextSeq returns a match queue sequence number larger than any this
// process handed out before. It follows the clock, so it also grows across
// processes; the upsert makes it grow per activity whatever the clock does.
func (s *Store) nextSeq() int64 {
	for {
		last := s.lastSeq.Load()
		next := max(last+1, time.Now().UnixNano())
		if s.lastSeq.CompareAndSwap(last, next) {
			return next
		}
	}
}

// Enqueue asks for the activities with these ids to be (re)matched.
// Unknown ids are skipped.
func (s *Store) Enqueue(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	list := jsonList(ids)
	seq := s.nextSeq()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO match_queue (activity_id, seq, at)
			SELECT id, ?, at FROM activities WHERE id IN (SELECT value FROM json_each(?))`+upsertQueue,
			seq, list); err != nil {
			return fmt.Errorf("enqueue %d activities: %w", len(ids), err)
		}
		return nil
	})
}

// EnqueueAffected queues the activities that a covers for re-matching and
// returns how many it queued.
func (s *Store) EnqueueAffected(ctx context.Context, a Affects) (int, error) {
	var n int
	seq := s.nextSeq()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		n, err = enqueueAffected(ctx, tx, a, seq)
		return err
	})
	return n, err
}

// enqueueAffected queues, in tx, the activities that a covers.
func enqueueAffected(ctx context.Context, tx *sql.Tx, a Affects, seq int64) (int, error) {
	if a.empty() {
		return 0, nil
	}
	args := a.args()
	res, err := tx.ExecContext(ctx, `INSERT INTO match_queue (activity_id, seq, at)
		SELECT id, ?4, at FROM activities WHERE id IN (`+affectedSQL+`)`+upsertQueue,
		append(args, seq)...)
	if err != nil {
		return 0, fmt.Errorf("enqueue activities affected by %v: %w", a, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("enqueue activities affected by %v: %w", a, err)
	}
	return int(n), nil
}

// enqueueThreadMates queues, in tx, the other activities of the thread of
// activity id.
const enqueueThreadMates = `INSERT INTO match_queue (activity_id, seq, at)
	SELECT m.id, ?, m.at FROM activities AS a CROSS JOIN activities AS m ON m.thread_key = a.thread_key
	WHERE a.id = ? AND a.thread_key <> '' AND m.id <> a.id` + upsertQueue

// Pending is an activity waiting to be matched, with the sequence number of
// its request: pass Seq back in LinkUpdate so that a newer request
// survives.
type Pending struct {
	Activity model.Activity
	Seq      int64
}

// Pending returns up to limit queued activities, oldest first (by time,
// then id), each with its participants, sightings and current link, but
// without subject, snippet and attachments, which matching does not read.
// It walks the queue's own time index (forced, so that stale statistics
// cannot turn it into a sort of the whole queue), so it costs the same
// with ten activities queued or a million. A limit of 0 or less reads
// 1000.
func (s *Store) Pending(ctx context.Context, limit int) ([]Pending, error) {
	if limit <= 0 {
		limit = 1000
	}
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	acts, seqs, err := readActivities(ctx, s.read, false, `SELECT `+packActivity("q.seq", false)+`
		FROM match_queue AS q INDEXED BY match_queue_at CROSS JOIN activities AS a ON a.id = q.activity_id
		LEFT JOIN links AS l ON l.activity_id = a.id
		ORDER BY q.at, q.activity_id LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("list pending activities: %w", err)
	}
	out := make([]Pending, len(acts))
	for i, a := range acts {
		out[i] = Pending{Activity: a, Seq: seqs[i]}
	}
	return out, nil
}

// QueueLength returns how many activities wait to be matched.
func (s *Store) QueueLength(ctx context.Context) (int, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	var n int
	if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM match_queue`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count pending activities: %w", err)
	}
	return n, nil
}

// reverseDomain returns a domain lower-cased with its labels in reverse
// order, "mail.acme.example" → "example.acme.mail", so that a domain and its
// subdomains sort together; "" for an empty domain.
func reverseDomain(domain string) string {
	domain = strings.Trim(strings.ToLower(strings.TrimSpace(domain)), ".")
	if domain == "" {
		return ""
	}
	labels := strings.Split(domain, ".")
	slices.Reverse(labels)
	return strings.Join(labels, ".")
}

// addressRDomain returns the reversed domain of an address, the part after
// its last '@'; "" when it has none.
func addressRDomain(address string) string {
	i := strings.LastIndexByte(address, '@')
	if i < 0 {
		return ""
	}
	return reverseDomain(address[i+1:])
}
