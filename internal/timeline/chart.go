package timeline

import (
	"html/template"
	"math"
	"strconv"
	"strings"
	"time"
)

// The chart's fixed geometry, in pixels.
const (
	chartWidth  = 720
	chartHeight = 140
	plotLeft    = 30  // room for the scale's numbers
	plotRight   = 712 // right edge of the bars
	plotTop     = 22  // below the legend
	plotBottom  = 120 // above the month labels
	axisY       = (plotTop + plotBottom) / 2
	halfHeight  = axisY - plotTop
	maxBarWidth = 18
	labelWidth  = 48 // room a "Jan 2026" label needs
)

// Chart draws the weeks as an SVG bar chart, built only from numbers and
// fixed labels (no outside text): 720 × 140 pixels, role="img" with an
// aria-label summing it up, and a <title> per week for a pointer.
//
// The customer's side rises above the axis (emails in, with the week's
// meetings stacked on them) and the team's side hangs below it (emails
// out), on one scale, so a deal gone dark reads as bars that continue
// below while the ones above stop. Weeks with Week.Outage are shaded
// behind the bars. Months are ticked along the bottom ("Jan 2026"),
// thinned to every 2, 3, 6 or 12 months when weeks are narrow.
//
// It uses no style attribute (a Content-Security-Policy may forbid them):
// colours are presentation attributes that CSS can override through the
// classes chart-in (emails in), chart-out (emails out), chart-meet
// (meetings), chart-outage (the shading), chart-axis (the axis and ticks)
// and chart-label (text); the root element has class "chart".
func Chart(weeks []Week) template.HTML {
	var w svgWriter
	in, out, meet := 0, 0, 0
	for _, wk := range weeks {
		in, out, meet = in+wk.Inbound, out+wk.Outbound, meet+wk.Meetings
	}
	label := "No activity"
	if len(weeks) > 0 {
		label = "Weekly activity over " + count(len(weeks), "week", "weeks") + ": " +
			count(in, "email in", "emails in") + ", " + count(out, "email out", "emails out") + ", " +
			count(meet, "meeting", "meetings")
	}
	w.Grow(1024 + 320*len(weeks))
	size := strconv.Itoa(chartWidth) + `" height="` + strconv.Itoa(chartHeight)
	w.s(`<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="` + size + `" viewBox="0 0 ` +
		strconv.Itoa(chartWidth) + " " + strconv.Itoa(chartHeight) + `" font-family="sans-serif" font-size="10" aria-label="`)
	w.s(label)
	w.s(`"><title>`)
	w.s(label)
	w.s(`</title>`)
	if len(weeks) == 0 {
		w.text(chartWidth/2, axisY+3, "middle", "No activity")
		w.s(`</svg>`)
		return template.HTML(w.String())
	}
	slot := float64(plotRight-plotLeft) / float64(len(weeks))
	w.outages(weeks, slot)
	w.legend(weeks)
	w.bars(weeks, slot)
	w.months(weeks, slot)
	w.s(`</svg>`)
	return template.HTML(w.String())
}

// svgWriter builds the chart's text.
type svgWriter struct{ strings.Builder }

// s writes fixed text.
func (w *svgWriter) s(text string) { w.WriteString(text) }

// n writes a number rounded to a tenth.
func (w *svgWriter) n(v float64) {
	w.WriteString(strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64))
}

// rect writes a rectangle of a class with its default colour.
func (w *svgWriter) rect(class, fill string, x, y, width, height float64) {
	w.s(`<rect class="`)
	w.s(class)
	w.s(`" fill="`)
	w.s(fill)
	w.s(`" x="`)
	w.n(x)
	w.s(`" y="`)
	w.n(y)
	w.s(`" width="`)
	w.n(width)
	w.s(`" height="`)
	w.n(height)
	w.s(`"/>`)
}

// line writes an axis line or tick from (x1, y1) to (x2, y2).
func (w *svgWriter) line(x1, y1, x2, y2 float64) {
	w.s(`<line class="chart-axis" stroke="#718096" x1="`)
	w.n(x1)
	w.s(`" y1="`)
	w.n(y1)
	w.s(`" x2="`)
	w.n(x2)
	w.s(`" y2="`)
	w.n(y2)
	w.s(`"/>`)
}

// text writes a label at (x, y) with an anchor.
func (w *svgWriter) text(x, y float64, anchor, text string) {
	w.s(`<text class="chart-label" fill="#4a5568" x="`)
	w.n(x)
	w.s(`" y="`)
	w.n(y)
	w.s(`" text-anchor="`)
	w.s(anchor)
	w.s(`">`)
	w.s(text)
	w.s(`</text>`)
}

// Default colours, for a page without the chart's CSS.
const (
	fillIn     = "#2b6cb0"
	fillOut    = "#dd6b20"
	fillMeet   = "#38a169"
	fillOutage = "#cbd5e0"
)

// outages shades each run of weeks with an outage.
func (w *svgWriter) outages(weeks []Week, slot float64) {
	for k := 0; k < len(weeks); k++ {
		if !weeks[k].Outage {
			continue
		}
		run := k
		for run < len(weeks) && weeks[run].Outage {
			run++
		}
		w.rect("chart-outage", fillOutage, plotLeft+float64(k)*slot, plotTop, float64(run-k)*slot, plotBottom-plotTop)
		k = run
	}
}

// legend writes the key along the top.
func (w *svgWriter) legend(weeks []Week) {
	items := []struct{ class, fill, text string }{
		{"chart-in", fillIn, "Emails in"},
		{"chart-meet", fillMeet, "Meetings"},
		{"chart-out", fillOut, "Emails out"},
	}
	for _, wk := range weeks {
		if wk.Outage {
			items = append(items, struct{ class, fill, text string }{"chart-outage", fillOutage, "Sources failing or not synced"})
			break
		}
	}
	x := float64(plotLeft)
	for _, it := range items {
		w.rect(it.class, it.fill, x, 4, 9, 9)
		w.text(x+13, 12, "start", it.text)
		x += 13 + 6*float64(len(it.text)) + 16
	}
}

// bars draws each week's bars and the axis with its scale.
func (w *svgWriter) bars(weeks []Week, slot float64) {
	top := 1
	for _, wk := range weeks {
		top = max(top, wk.Inbound+wk.Meetings, wk.Outbound)
	}
	unit := float64(halfHeight) / float64(top)
	width := min(slot*0.75, maxBarWidth)
	if width < 1 {
		width = 1
	}
	for k, wk := range weeks {
		if wk.Inbound+wk.Outbound+wk.Meetings == 0 {
			continue
		}
		x := plotLeft + float64(k)*slot + (slot-width)/2
		w.s(`<g><title>Week of `)
		w.s(wk.Start.UTC().Format("2 Jan 2006"))
		w.s(`: `)
		w.s(count(wk.Inbound, "email in", "emails in") + ", " + count(wk.Outbound, "email out", "emails out") + ", " + count(wk.Meetings, "meeting", "meetings"))
		w.s(`</title>`)
		in, meet := float64(wk.Inbound)*unit, float64(wk.Meetings)*unit
		if wk.Inbound > 0 {
			w.rect("chart-in", fillIn, x, axisY-in, width, in)
		}
		if wk.Meetings > 0 {
			w.rect("chart-meet", fillMeet, x, axisY-in-meet, width, meet)
		}
		if wk.Outbound > 0 {
			w.rect("chart-out", fillOut, x, axisY, width, float64(wk.Outbound)*unit)
		}
		w.s(`</g>`)
	}
	w.line(plotLeft, axisY, plotRight, axisY)
	w.text(plotLeft-4, plotTop+8, "end", strconv.Itoa(top))
	w.text(plotLeft-4, axisY+3, "end", "0")
	w.text(plotLeft-4, plotBottom, "end", strconv.Itoa(top))
}

// months ticks and labels the first of each month along the bottom,
// every step months so that labels do not collide.
func (w *svgWriter) months(weeks []Week, slot float64) {
	first := weeks[0].Start.UTC()
	end := first.Add(time.Duration(len(weeks)) * week)
	perMonth := slot * 365.25 / 12 / 7
	step := 12
	for _, s := range []int{1, 2, 3, 6, 12} {
		if float64(s)*perMonth >= labelWidth+6 {
			step = s
			break
		}
	}
	x := func(t time.Time) float64 {
		return plotLeft + t.Sub(first).Hours()/(7*24)*slot
	}
	type tick struct {
		x     float64
		label string // "" when it would run off the chart
	}
	var ticks []tick
	m := time.Date(first.Year(), first.Month(), 1, 0, 0, 0, 0, time.UTC)
	if m.Before(first) {
		m = m.AddDate(0, 1, 0)
	}
	for ; m.Before(end); m = m.AddDate(0, 1, 0) {
		if (int(m.Month())-1)%step != 0 {
			continue
		}
		t := tick{x: x(m)}
		if t.x+labelWidth <= chartWidth {
			t.label = m.Format("Jan 2006")
		}
		ticks = append(ticks, t)
	}
	if len(ticks) == 0 || ticks[0].x >= plotLeft+labelWidth+4 { // room to name the month the chart starts in
		w.text(plotLeft, plotBottom+15, "start", first.Format("Jan 2006"))
	}
	for _, t := range ticks {
		w.line(t.x, plotBottom, t.x, plotBottom+4)
		if t.label != "" {
			w.text(t.x+2, plotBottom+15, "start", t.label)
		}
	}
}

// count writes n with the singular or plural noun.
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
