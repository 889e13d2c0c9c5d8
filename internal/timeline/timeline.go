package timeline

import (
	"cmp"
	"slices"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
)

// Defaults used when the matching Options field is zero.
const (
	// DefaultGoneDarkAfter is how long the customer must be silent, while
	// the team keeps writing, for an open deal to count as gone dark.
	DefaultGoneDarkAfter = 21 * 24 * time.Hour
	// DefaultGapAtLeast is the shortest silence shown as a gap.
	DefaultGapAtLeast = 14 * 24 * time.Hour
)

// Options tune Build.
type Options struct {
	// Now is the present. Build and Assess never read the clock: when Now
	// is zero, Build uses its latest activity and Assess the latest of the
	// times it is given.
	Now           time.Time
	GoneDarkAfter time.Duration // default 21 days when 0
	GapAtLeast    time.Duration // silence shown as a gap; default 14 days when 0
	// Status is the deal's status, for Build's Staleness: a won or lost
	// deal never goes dark. "" counts as open. (Assess takes the status
	// as an argument and ignores this field.)
	Status model.DealStatus
}

// withDefaults fills in the zero durations and status.
func (o Options) withDefaults() Options {
	if o.GoneDarkAfter <= 0 {
		o.GoneDarkAfter = DefaultGoneDarkAfter
	}
	if o.GapAtLeast <= 0 {
		o.GapAtLeast = DefaultGapAtLeast
	}
	if o.Status == "" {
		o.Status = model.DealOpen
	}
	return o
}

// Timeline is a deal's history, built from its linked activities.
type Timeline struct {
	Months []Month // oldest first; only months with activities
	// Weeks holds every week (Monday 00:00 UTC) from the first activity's
	// week to the week of max(Now, last activity), empty weeks included;
	// at most MaxWeeks, the latest ones.
	Weeks []Week
	// Gaps are the silences of at least GapAtLeast between consecutive
	// customer words and team touches (see the package comment), oldest
	// first; the last may run to Now.
	Gaps         []Gap
	Stakeholders []Stakeholder // the customer's people (outside, non-team addresses), by first seen
	Staleness    Staleness
	// Outages are the periods the team's sources were failing or not yet
	// synced, clipped to the timeline's span (first activity to max(Now,
	// last activity)), merged, by From.
	Outages []Span
}

// Month is one calendar month (UTC) of a timeline.
type Month struct {
	Start time.Time // first of the month, UTC
	Items []Item    // by At then ID
}

// Item is one activity on the timeline, with what the timeline knows
// about it.
type Item struct {
	Activity model.Activity
	// GapBefore is set when a gap ends at this item; it points into
	// Timeline.Gaps.
	GapBefore *Gap
	Declined  bool // a meeting that every outside attendee declined
	Cancelled bool // a cancelled meeting
	Future    bool // a meeting after now
}

// Week is one week's activity counts.
type Week struct {
	Start    time.Time // Monday 00:00 UTC
	Inbound  int       // emails in
	Outbound int       // emails out
	// Meetings counts the meetings of the week that were not cancelled
	// and not declined by every outside attendee: held ones, and in a
	// week after Now the ones still planned.
	Meetings int
	// Outage is set when some Timeline.Outages span overlaps the week, so
	// that a chart shades it.
	Outage bool
}

// Gap is a silence in the conversation.
type Gap struct {
	From, To time.Time
	Days     int  // whole days from From to To
	Covered  bool // some outage overlaps the gap: silence may be ours, not theirs
}

// Stakeholder is one of the customer's people on the deal.
type Stakeholder struct {
	Email string
	Name  string // the latest display name seen, or ""
	// FirstSeen and LastSeen bound the activities that count for Emails
	// and Meetings; both zero for a person who was only ever invited to
	// meetings that did not happen for them (declined, cancelled, future).
	FirstSeen, LastSeen time.Time
	// Emails counts the emails they were on; Meetings the held meetings
	// they did not decline, and the logged calls they were named on. Only
	// activities at or before Now count.
	Emails, Meetings int
	// Quiet is set when they were last seen more than GoneDarkAfter
	// before Now while the conversation went on after them.
	Quiet bool
}

// NotYetSynced is the Why of a span before a source's Coverage.From.
const NotYetSynced = "not yet synced"

// Span is a period when one of the team's sources could not see mail or
// meetings.
type Span struct {
	From time.Time
	// To is the end; zero while the source is still failing (Build then
	// runs it to the end of the timeline).
	To     time.Time
	Source string
	Why    string // "failing: <reason>" or NotYetSynced
}

// Coverage is when a source's data begins: activities before From are not
// yet synced (a mailbox's first sync minus its backfill). A zero From
// means unknown and shades nothing.
type Coverage struct {
	Source string
	From   time.Time
}

// Build builds the timeline of a deal's activities (any order; it sorts
// by At then ID, then Key). team tells outside people from the team.
// outages are the sources' failure periods; coverage says where each
// source's data begins. With no activities it returns an empty Timeline
// whose Staleness.DaysSilent is -1.
func Build(acts []model.Activity, team model.Team, outages []Span, coverage []Coverage, opts Options) Timeline {
	opts = opts.withDefaults()
	if len(acts) == 0 {
		return Timeline{Staleness: Staleness{DaysSilent: -1}}
	}
	b := builder{opts: opts, team: team, items: sortedItems(acts)}
	first, last := b.items[0].Activity.At, b.items[len(b.items)-1].Activity.At
	if b.opts.Now.IsZero() {
		b.opts.Now = last
	}
	end := last
	if b.opts.Now.After(end) {
		end = b.opts.Now
	}

	b.scan()
	var tl Timeline
	tl.Outages = shading(outages, coverage, first, end)
	tl.Staleness = b.staleness()
	tl.Gaps = b.gaps(tl.Outages)
	tl.Months = b.months()
	tl.Weeks = b.weeks(first, end, tl.Outages)
	tl.Stakeholders = b.stakeholders()
	return tl
}

// sortKey is what activities sort by, packed small: sorting 5,000 keys
// stays in cache where sorting by the activities themselves would not.
type sortKey struct {
	sec  int64
	nsec int32
	idx  int32
	id   int64
}

// sortedItems returns the items of acts by At, then ID, then Key, then
// input position (so equal activities keep their order). The store hands
// activities over already in order, which costs one pass to see.
func sortedItems(acts []model.Activity) []Item {
	keys := make([]sortKey, len(acts))
	for i := range acts {
		at := acts[i].At
		keys[i] = sortKey{sec: at.Unix(), nsec: int32(at.Nanosecond()), idx: int32(i), id: acts[i].ID}
	}
	compare := func(x, y sortKey) int {
		switch {
		case x.sec != y.sec:
			return cmp.Compare(x.sec, y.sec)
		case x.nsec != y.nsec:
			return cmp.Compare(x.nsec, y.nsec)
		case x.id != y.id:
			return cmp.Compare(x.id, y.id)
		}
		return cmp.Or(cmp.Compare(acts[x.idx].Key, acts[y.idx].Key), cmp.Compare(x.idx, y.idx))
	}
	if !slices.IsSortedFunc(keys, compare) {
		slices.SortFunc(keys, compare)
	}
	items := make([]Item, len(acts))
	for k, key := range keys {
		items[k].Activity = acts[key.idx]
	}
	return items
}

// months cuts the items into calendar months; they share its backing
// array.
func (b *builder) months() []Month {
	var months []Month
	from := 0
	var next time.Time // the start of the month after the current one
	for k := range b.items {
		it := &b.items[k]
		if k == 0 || !it.Activity.At.Before(next) {
			if k > 0 {
				months[len(months)-1].Items = b.items[from:k:k]
			}
			at := it.Activity.At.UTC()
			start := time.Date(at.Year(), at.Month(), 1, 0, 0, 0, 0, time.UTC)
			months = append(months, Month{Start: start})
			next, from = start.AddDate(0, 1, 0), k
		}
	}
	months[len(months)-1].Items = b.items[from:]
	return months
}
