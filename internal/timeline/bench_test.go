package timeline

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
)

// generate makes a busy deal of n activities over 700 days, with two
// long silences (days 200-240 and 500-530): mail both ways with five of
// the customer's people, weekly meetings some cancelled or declined,
// notes and calls. The same n gives the same deal, in order by At
// as the store hands it over.
func generate(n int) []model.Activity {
	r := rand.New(rand.NewPCG(42, uint64(n)))
	people := []string{buyer, cfo, lawyer, "it@acme.example", "ops@acme.example"}
	out := make([]model.Activity, 0, n)
	for len(out) < n {
		d := r.IntN(700)
		if (d >= 200 && d < 240) || (d >= 500 && d < 530) {
			continue
		}
		at := day(d).Add(time.Duration(r.IntN(10*3600)) * time.Second)
		who := people[r.IntN(len(people))]
		var a model.Activity
		switch k := r.IntN(20); {
		case k < 8:
			a = mailIn(at, who, people[r.IntN(len(people))])
		case k < 15:
			a = mailOut(at, who, buyer)
		case k < 17:
			status := model.PartAccepted
			if r.IntN(5) == 0 {
				status = model.PartDeclined
			}
			a = meeting(at, r.IntN(8) == 0, attendee(who, status), attendee(buyer, model.PartTentative))
		case k < 18:
			a = note(at)
		case k < 19:
			a = call(at, who)
		default:
			a = mailInternal(at)
		}
		a.Key = "k" + strconv.Itoa(len(out))
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b model.Activity) int { return a.At.Compare(b.At) })
	return acts(out...)
}

func BenchmarkBuild(b *testing.B) {
	a := generate(5000)
	outages := []Span{{From: day(100), To: day(110), Source: "mailbox:rep1@ourco.example", Why: "failing: timeout"}}
	coverage := []Coverage{{Source: "mailbox:rep1@ourco.example", From: day(30)}}
	o := opts(650)
	b.ReportAllocs()
	for b.Loop() {
		Build(a, team, outages, coverage, o)
	}
}

// BenchmarkBuildUnsorted is BenchmarkBuild on activities in random order,
// which Build must sort first.
func BenchmarkBuildUnsorted(b *testing.B) {
	a := generate(5000)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(a), func(i, j int) { a[i], a[j] = a[j], a[i] })
	o := opts(650)
	b.ReportAllocs()
	for b.Loop() {
		Build(a, team, nil, nil, o)
	}
}

func BenchmarkChart(b *testing.B) {
	weeks := Build(generate(5000), team, nil, nil, opts(650)).Weeks
	b.ReportAllocs()
	for b.Loop() {
		Chart(weeks)
	}
}
