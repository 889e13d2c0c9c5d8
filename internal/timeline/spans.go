package timeline

import (
	"cmp"
	"slices"
	"time"
)

// shading turns the sources' outages and coverage into the spans a
// timeline shades: each clipped to [start, end], dropped when empty, and
// merged with the overlapping or touching spans of the same source and
// reason. A source whose coverage begins after start adds a NotYetSynced
// span from start to its coverage. The result is ordered by From, Source,
// Why.
func shading(outages []Span, coverage []Coverage, start, end time.Time) []Span {
	spans := make([]Span, 0, len(outages)+len(coverage))
	add := func(s Span) {
		if s.To.IsZero() || s.To.After(end) {
			s.To = end
		}
		if s.From.Before(start) {
			s.From = start
		}
		if s.To.After(s.From) {
			spans = append(spans, s)
		}
	}
	for _, o := range outages {
		add(o)
	}
	for _, c := range coverage {
		if c.From.After(start) { // a zero From is never after
			add(Span{From: start, To: c.From, Source: c.Source, Why: NotYetSynced})
		}
	}
	if len(spans) == 0 {
		return nil
	}
	slices.SortFunc(spans, func(a, b Span) int {
		return cmp.Or(cmp.Compare(a.Source, b.Source), cmp.Compare(a.Why, b.Why), a.From.Compare(b.From))
	})
	merged := spans[:1]
	for _, s := range spans[1:] {
		m := &merged[len(merged)-1]
		if s.Source == m.Source && s.Why == m.Why && !s.From.After(m.To) {
			if s.To.After(m.To) {
				m.To = s.To
			}
			continue
		}
		merged = append(merged, s)
	}
	slices.SortFunc(merged, func(a, b Span) int {
		return cmp.Or(a.From.Compare(b.From), cmp.Compare(a.Source, b.Source), cmp.Compare(a.Why, b.Why))
	})
	return merged
}

// overlaps reports whether some span shares a positive stretch of time
// with [from, to).
func overlaps(spans []Span, from, to time.Time) bool {
	for _, s := range spans {
		if s.From.Before(to) && s.To.After(from) {
			return true
		}
	}
	return false
}

// gaps finds the silences of at least GapAtLeast between consecutive
// conversation items, and from the last of them to Now, and sets each on
// the item that ends it (the final silence to Now ends at no item).
func (b *builder) gaps(spans []Span) []Gap {
	var gaps []Gap
	var ends []int
	var prev time.Time
	seen := false
	for k, c := range b.class {
		if !c.conversation() {
			continue
		}
		t := b.items[k].Activity.At
		if seen && t.Sub(prev) >= b.opts.GapAtLeast {
			gaps = append(gaps, b.gap(prev, t, spans))
			ends = append(ends, k)
		}
		prev, seen = t, true
	}
	if seen && b.opts.Now.Sub(prev) >= b.opts.GapAtLeast {
		gaps = append(gaps, b.gap(prev, b.opts.Now, spans))
	}
	for g, k := range ends {
		b.items[k].GapBefore = &gaps[g]
	}
	return gaps
}

// gap is the silence from one time to another.
func (b *builder) gap(from, to time.Time, spans []Span) Gap {
	return Gap{From: from, To: to, Days: wholeDays(to.Sub(from)), Covered: overlaps(spans, from, to)}
}
