package timeline

import (
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
)

// MaxWeeks caps Timeline.Weeks at five years, the latest ones, so that a
// chart of a long deal stays readable (a bar per week is then under three
// pixels wide at the chart's fixed width).
const MaxWeeks = 260

// week is the length of a week; UTC has no daylight saving time, so every
// week is exactly this long.
const week = 7 * 24 * time.Hour

// weekStart returns the start of t's week: Monday 00:00 UTC.
func weekStart(t time.Time) time.Time {
	t = t.UTC()
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
}

// weeks counts the items per week from start's week to end's week,
// the latest MaxWeeks of them, marking the weeks an outage span overlaps.
func (b *builder) weeks(start, end time.Time, spans []Span) []Week {
	first, last := weekStart(start), weekStart(end)
	n := int(last.Sub(first)/week) + 1
	if n > MaxWeeks {
		first = last.Add(-(MaxWeeks - 1) * week)
		n = MaxWeeks
	}
	weeks := make([]Week, n)
	for k := range weeks {
		ws := first.Add(time.Duration(k) * week)
		weeks[k] = Week{Start: ws, Outage: overlaps(spans, ws, ws.Add(week))}
	}
	for i := range b.items {
		a := &b.items[i].Activity
		if a.At.Before(first) {
			continue
		}
		k := int(a.At.Sub(first) / week)
		if k >= n { // cannot happen: end is at or after the last activity
			continue
		}
		w := &weeks[k]
		switch c := b.class[i]; {
		case a.Kind == model.KindEmail && a.Direction == model.Inbound:
			w.Inbound++
		case a.Kind == model.KindEmail && a.Direction == model.Outbound:
			w.Outbound++
		case c.held || c.planned:
			w.Meetings++
		}
	}
	return weeks
}
