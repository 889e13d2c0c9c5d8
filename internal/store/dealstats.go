package store

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
)

// Derived rows: each deal's figures (deal_stats) and the review queue
// (review_items, review_deals, review_sources) are derived from
// activities, links, meetings, sightings and deals, and are written in the
// transaction of every change to what they are derived from. A
// transaction collects what it changed in a viewChanges value and applies
// it once at its end: each touched deal's row is recomputed from its
// linked activities (never incremented, so it cannot drift), and each
// touched activity's place in the review queue is worked out again.

// viewChanges collects, in one write transaction, what the derived rows
// must follow.
type viewChanges struct {
	// deals are the deals whose figures may have changed: before and
	// after of every link change. Their rows are recomputed.
	deals map[string]bool
	// shown are the deals whose page changed but not their figures (a
	// linked activity seen in one more mailbox, a meeting's new
	// location): their version moves, nothing is recomputed.
	shown map[string]bool
	// touched are activities changed in place without a change of
	// figures, refigured those whose time or cancellation changed: the
	// deals they are linked to go to shown and deals at the end.
	touched, refigured []int64
	// review are activities whose place in the review queue may have
	// changed: a new link, new participants, a new time, a new account,
	// a new sighting (the queue lists who saw each).
	review []int64
}

// deal records deals whose figures may have changed; "" is no deal.
func (c *viewChanges) deal(ids ...string) { c.deals = addIDs(c.deals, ids) }

// show records deals whose page changed but not their figures.
func (c *viewChanges) show(ids ...string) { c.shown = addIDs(c.shown, ids) }

// addIDs adds the ids but "" to set, made when nil.
func addIDs(set map[string]bool, ids []string) map[string]bool {
	for _, id := range ids {
		if id == "" {
			continue
		}
		if set == nil {
			set = map[string]bool{}
		}
		set[id] = true
	}
	return set
}

// touch records an activity changed in place, its figures aside (a new
// sighting, a new subject or attendee).
func (c *viewChanges) touch(id int64) {
	c.touched = append(c.touched, id)
	c.review = append(c.review, id)
}

// refigure records an activity whose time or cancellation changed.
func (c *viewChanges) refigure(id int64) {
	c.refigured = append(c.refigured, id)
	c.review = append(c.review, id)
}

// reconsider records an activity whose place in the review queue may have
// changed.
func (c *viewChanges) reconsider(id int64) { c.review = append(c.review, id) }

// apply brings the derived rows up to date with c, in tx: the review
// queue, the figures of the deals that may have changed (recomputed once
// each) and the version of those whose page alone did.
func (c *viewChanges) apply(ctx context.Context, tx *sql.Tx) error {
	for _, list := range []struct {
		ids []int64
		add func(...string)
	}{{c.refigured, c.deal}, {c.touched, c.show}} {
		if len(list.ids) == 0 {
			continue
		}
		deals, err := dealsOf(ctx, tx, list.ids)
		if err != nil {
			return err
		}
		list.add(deals...)
	}
	if err := refreshReview(ctx, tx, c.review); err != nil {
		return err
	}
	if err := recomputeDeals(ctx, tx, slices.Sorted(maps.Keys(c.deals))); err != nil {
		return err
	}
	var shown []string
	for id := range c.shown {
		if !c.deals[id] {
			shown = append(shown, id)
		}
	}
	return showDeals(ctx, tx, shown)
}

// showDeals moves on the version of these deals, whose figures stay.
func showDeals(ctx context.Context, tx *sql.Tx, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE deal_stats SET version = version + 1,
		  packed = `+figuresRecord("", "version + 1", "last_at", "last_met", "0")+`
		WHERE deal_id IN (SELECT value FROM json_each(?))`, jsonList(ids)); err != nil {
		return fmt.Errorf("move the version of %d deals: %w", len(ids), err)
	}
	return nil
}

// dealsOf returns the deals that the activities ids are linked to.
func dealsOf(ctx context.Context, tx *sql.Tx, ids []int64) ([]string, error) {
	var out []string
	err := eachRow(ctx, tx, `SELECT DISTINCT l.deal_id FROM json_each(?) AS j CROSS JOIN links AS l ON l.activity_id = j.value
		WHERE l.deal_id IS NOT NULL`, []any{jsonList(ids)}, func(rows *sql.Rows) error {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		out = append(out, id)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("find deals of %d activities: %w", len(ids), err)
	}
	return out, nil
}

// recomputeDealsSQL writes the deal_stats rows of the deals whose ids are
// the JSON array ?, from their linked activities (links_deal_at holds all
// it reads: the link's copies of each activity's kind, direction, time and
// whether it is a meeting not cancelled), and moves each row's version on.
// The deals are walked in key order (the IN list is sorted), so that
// GROUP BY needs no sort of their activities. A meeting
// counts whatever its state; last_met is the latest meeting not
// cancelled; last_at the latest activity, future ones included. packed is
// the row as DealSummaries reads it when nothing is after the moment asked
// about (last_at at or before it); for the other deals it looks again, by
// index.
var recomputeDealsSQL = recomputeDealsQuery("l", "")

// recomputeDealsQuery returns the SQL of recomputeDealsSQL reading each
// activity's kind and direction from the table aliased kinds, joined by
// join. Links have their own copies since version 7; migration 6, which
// fills deal_stats in the first place, reads them from activities.
func recomputeDealsQuery(kinds, join string) string {
	k := kinds + "."
	return `INSERT INTO deal_stats (deal_id, emails, meetings, notes, calls, inbound, outbound,
	  last_inbound, last_outbound, last_at, last_met, version, packed)
	SELECT f.deal_id, f.emails, f.meetings, f.notes, f.calls, f.inbound, f.outbound, f.last_inbound, f.last_outbound,
	  f.last_at, f.last_met, 1, ` + figuresRecord("f.", "1", "f.last_at", "f.last_met", "0") + ` FROM (
	  SELECT d.id AS deal_id,
	    count(*) FILTER (WHERE ` + k + `kind = 'email') AS emails,
	    count(*) FILTER (WHERE ` + k + `kind = 'meeting') AS meetings,
	    count(*) FILTER (WHERE ` + k + `kind = 'note') AS notes,
	    count(*) FILTER (WHERE ` + k + `kind = 'call') AS calls,
	    count(*) FILTER (WHERE ` + k + `kind = 'email' AND ` + k + `direction = 'inbound') AS inbound,
	    count(*) FILTER (WHERE ` + k + `kind = 'email' AND ` + k + `direction = 'outbound') AS outbound,
	    COALESCE(max(l.at) FILTER (WHERE ` + k + `kind = 'email' AND ` + k + `direction = 'inbound'), 0) AS last_inbound,
	    COALESCE(max(l.at) FILTER (WHERE ` + k + `kind = 'email' AND ` + k + `direction = 'outbound'), 0) AS last_outbound,
	    COALESCE(max(l.at), 0) AS last_at,
	    COALESCE(max(l.at) FILTER (WHERE l.met = 1), 0) AS last_met
	  FROM deals AS d
	    LEFT JOIN links AS l ON l.deal_id = d.id ` + join + `
	  WHERE d.id IN (SELECT value FROM json_each(?))
	  GROUP BY d.id) AS f
	WHERE true
	ON CONFLICT (deal_id) DO UPDATE SET emails = excluded.emails, meetings = excluded.meetings,
	  notes = excluded.notes, calls = excluded.calls, inbound = excluded.inbound, outbound = excluded.outbound,
	  last_inbound = excluded.last_inbound, last_outbound = excluded.last_outbound, last_at = excluded.last_at,
	  last_met = excluded.last_met, version = deal_stats.version + 1,
	  packed = ` + figuresRecord("excluded.", "deal_stats.version + 1", "excluded.last_at", "excluded.last_met", "0")
}

// metOf is the SQL of links.met for the activity whose id is the
// expression id: 1 for a meeting not cancelled, 0 otherwise. Every write
// of a link sets it, and a meeting's cancellation updates it.
func metOf(id string) string {
	return `(SELECT count(*) FROM meetings WHERE activity_id = ` + id + ` AND cancelled = 0)`
}

// figuresRecord returns the SQL of a deal's packed figures, in the order
// dealSummaries reads them: the columns of deal_stats (or of a row like
// it) named with prefix p, and the version, latest activity, latest
// meeting and next meeting given as expressions.
func figuresRecord(p, version, lastActivity, lastMet, nextMeeting string) string {
	return packed([]string{p + "emails", p + "meetings", p + "notes", p + "calls", p + "inbound", p + "outbound",
		p + "last_inbound", p + "last_outbound", version, lastActivity, lastMet, nextMeeting}, []string{p + "deal_id"})
}

// recomputeDeals rewrites the figures of these deals (unknown ones are
// skipped) in one statement.
func recomputeDeals(ctx context.Context, tx *sql.Tx, ids []string) error {
	return recomputeDealsWith(ctx, tx, recomputeDealsSQL, ids)
}

// recomputeDealsWith rewrites the figures of these deals with query (see
// recomputeDealsQuery).
func recomputeDealsWith(ctx context.Context, tx *sql.Tx, query string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, query, jsonList(ids)); err != nil {
		return fmt.Errorf("recompute figures of %d deals: %w", len(ids), err)
	}
	return nil
}

// allDealIDs lists the ids of every deal.
func allDealIDs(ctx context.Context, tx *sql.Tx) ([]string, error) {
	var ids []string
	err := eachRow(ctx, tx, `SELECT id FROM deals ORDER BY id`, nil, func(rows *sql.Rows) error {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		ids = append(ids, id)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list deals: %w", err)
	}
	return ids, nil
}
