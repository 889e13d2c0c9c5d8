package timeline

import (
	"encoding/xml"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
)

// element is one parsed SVG element.
type element struct {
	name  string
	attrs map[string]string
	text  string
}

// parseSVG reads the chart as XML, failing the test when it is not well
// formed, and returns its elements in document order.
func parseSVG(t *testing.T, svg string) []element {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(svg))
	var out []element
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("chart is not well-formed XML: %v\n%s", err, svg)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			e := element{name: tok.Name.Local, attrs: map[string]string{}}
			for _, a := range tok.Attr {
				e.attrs[a.Name.Local] = a.Value
			}
			out = append(out, e)
		case xml.CharData:
			if len(out) > 0 {
				out[len(out)-1].text += string(tok)
			}
		}
	}
}

// weeksFrom makes n weeks from a Monday, with counts from fill.
func weeksFrom(start time.Time, n int, fill func(k int, w *Week)) []Week {
	ws := make([]Week, n)
	for k := range ws {
		ws[k].Start = start.AddDate(0, 0, 7*k)
		if fill != nil {
			fill(k, &ws[k])
		}
	}
	return ws
}

func TestChart(t *testing.T) {
	monday := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		weeks     []Week
		aria      string
		in, meet  int // bars drawn of each series
		out       int
		outage    int      // shaded runs
		labels    []string // month labels, in order (nil: not checked)
		minLabels int
	}{
		{name: "no weeks", weeks: nil, aria: "No activity"},
		{name: "a quarter with a quiet month", weeks: weeksFrom(monday, 13, func(k int, w *Week) {
			if k < 4 || k > 8 {
				w.Inbound, w.Outbound, w.Meetings = 2, 3, k%2
			}
		}), aria: "Weekly activity over 13 weeks: 16 emails in, 24 emails out, 4 meetings",
			in: 8, meet: 4, out: 8, labels: []string{"Jan 2026", "Feb 2026", "Mar 2026"}},
		{name: "one email in one week", weeks: weeksFrom(monday, 1, func(_ int, w *Week) { w.Inbound = 1 }),
			aria: "Weekly activity over 1 week: 1 email in, 0 emails out, 0 meetings", in: 1, labels: []string{"Jan 2026"}},
		{name: "an outage shaded as runs of weeks", weeks: weeksFrom(monday, 10, func(k int, w *Week) {
			w.Outbound = 1
			w.Outage = k == 2 || k == 3 || k == 7
		}), aria: "Weekly activity over 10 weeks: 0 emails in, 10 emails out, 0 meetings", out: 10, outage: 2},
		{name: "five years: labels thinned", weeks: weeksFrom(monday, MaxWeeks, func(k int, w *Week) { w.Inbound = k % 7 }),
			aria: "Weekly activity over 260 weeks: 777 emails in, 0 emails out, 0 meetings", in: 222, minLabels: 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svg := string(Chart(tt.weeks))
			if strings.Contains(svg, "style") {
				t.Errorf("chart has a style attribute or element: a CSP forbids it")
			}
			els := parseSVG(t, svg)
			root := els[0]
			if root.name != "svg" || root.attrs["role"] != "img" || root.attrs["width"] != "720" ||
				root.attrs["height"] != "140" || root.attrs["aria-label"] != tt.aria {
				t.Errorf("root %v, want an svg of 720×140, role img, aria-label %q", root.attrs, tt.aria)
			}
			bars := map[string]int{}
			titles, outageWidth := 0, 0.0
			var labels []string
			var labelX []float64
			for _, e := range els {
				if e.name == "rect" {
					x, y := num(t, e.attrs["x"]), num(t, e.attrs["y"])
					w, h := num(t, e.attrs["width"]), num(t, e.attrs["height"])
					if x < 0 || y < 0 || w <= 0 || h <= 0 || x+w > 720.05 || y+h > 140.05 {
						t.Errorf("rect %v outside the chart", e.attrs)
					}
					if e.attrs["fill"] == "" {
						t.Errorf("rect %v has no default fill", e.attrs)
					}
					bars[e.attrs["class"]]++
					if e.attrs["class"] == "chart-outage" && h > 9 {
						outageWidth += w
					}
				}
				if e.name == "title" {
					titles++
				}
				if _, err := time.Parse("Jan 2006", e.text); e.name == "text" && err == nil {
					labels = append(labels, e.text)
					labelX = append(labelX, num(t, e.attrs["x"]))
				}
			}
			legend := 1 // each series has a legend swatch
			if len(tt.weeks) == 0 {
				legend = 0
			}
			want := map[string]int{"chart-in": tt.in + legend, "chart-meet": tt.meet + legend, "chart-out": tt.out + legend}
			if tt.outage > 0 {
				want["chart-outage"] = tt.outage + 1
			}
			for class, n := range want {
				if bars[class] != n {
					t.Errorf("%d rects of class %s, want %d", bars[class], class, n)
				}
			}
			if bars["chart-outage"] > 0 && tt.outage == 0 {
				t.Errorf("%d outage rects, want none", bars["chart-outage"])
			}
			busy := 0
			for _, w := range tt.weeks {
				if w.Inbound+w.Outbound+w.Meetings > 0 {
					busy++
				}
			}
			if titles != 1+busy {
				t.Errorf("%d titles, want one for the chart and one per busy week (%d)", titles, busy)
			}
			shaded := 0
			for _, w := range tt.weeks {
				if w.Outage {
					shaded++
				}
			}
			if slot := float64(plotRight-plotLeft) / float64(max(len(tt.weeks), 1)); math.Abs(outageWidth-float64(shaded)*slot) > 0.2 {
				t.Errorf("outage shading %v px wide, want %d weeks of %v px", outageWidth, shaded, slot)
			}
			if tt.labels != nil && strings.Join(labels, ",") != strings.Join(tt.labels, ",") {
				t.Errorf("month labels %v, want %v", labels, tt.labels)
			}
			if len(labels) < tt.minLabels {
				t.Errorf("%d month labels, want at least %d", len(labels), tt.minLabels)
			}
			for k := 1; k < len(labelX); k++ {
				if labelX[k]-labelX[k-1] < labelWidth {
					t.Errorf("labels %q and %q overlap (x %v, %v)", labels[k-1], labels[k], labelX[k-1], labelX[k])
				}
			}
			for k, x := range labelX {
				if x+labelWidth > 720 {
					t.Errorf("label %q at x %v runs off the chart", labels[k], x)
				}
			}
			if again := string(Chart(tt.weeks)); again != svg {
				t.Error("Chart is not deterministic")
			}
		})
	}
}

// num parses an SVG number attribute.
func num(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("attribute %q is not a number", s)
	}
	return v
}

func TestChartBarsScale(t *testing.T) {
	// The busiest week's customer side fills the upper half; the team's
	// side hangs below the axis on the same scale.
	weeks := weeksFrom(time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC), 2, func(k int, w *Week) {
		if k == 0 {
			w.Inbound, w.Meetings = 3, 1
		} else {
			w.Outbound = 2
		}
	})
	heights := map[string]float64{}
	ys := map[string]float64{}
	for _, e := range parseSVG(t, string(Chart(weeks))) {
		if e.name == "rect" && num(t, e.attrs["width"]) != 9 { // not a legend swatch
			heights[e.attrs["class"]] = num(t, e.attrs["height"])
			ys[e.attrs["class"]] = num(t, e.attrs["y"])
		}
	}
	unit := float64(halfHeight) / 4
	near := func(got, want float64) bool { return math.Abs(got-want) < 0.06 }
	if !near(heights["chart-in"], 3*unit) || !near(heights["chart-meet"], unit) || !near(heights["chart-out"], 2*unit) {
		t.Errorf("bar heights %v, want in %v, meet %v, out %v", heights, 3*unit, unit, 2*unit)
	}
	if !near(ys["chart-meet"], plotTop) || !near(ys["chart-in"], axisY-3*unit) || !near(ys["chart-out"], axisY) {
		t.Errorf("bar tops %v: meetings should stack on emails in up to the top, emails out hang from the axis", ys)
	}
}
