package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/demo"
	"github.com/dealtrail/dealtrail/internal/testenv"
)

// demoLoginRE finds the leader's login in the demo's output.
var demoLoginRE = regexp.MustCompile(`\n +leader +(\S+@\S+) +(\S+)\n`)

// demoActivity is what the test reads of an activity of the API.
type demoActivity struct {
	Kind      string `json:"kind"`
	Key       string `json:"key"`
	UID       string `json:"uid"`
	Start     string `json:"start"`
	Cancelled *bool  `json:"cancelled"`
}

// TestDemoSubprocess is issue 6's acceptance test: `dealtrail demo` on a
// free port serves, to a demo user logging in through the API, the deal
// that went dark, a review queue and a recurring meeting series with a
// moved and a cancelled instance on its deal, then stops cleanly on
// SIGTERM.
func TestDemoSubprocess(t *testing.T) {
	ports, err := testenv.FreePorts(1)
	if err != nil {
		t.Fatal(err)
	}
	base := fmt.Sprintf("http://127.0.0.1:%d", ports[0])
	cases := demo.Generate(demo.DefaultSeed, time.Now()).Cases

	cmd := dealtrail(nil, "demo", "-listen", strings.TrimPrefix(base, "http://"), "-data", t.TempDir())
	var out testenv.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	started := time.Now()
	proc, err := testenv.StartProc(cmd)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if !proc.WaitExit(0) {
			cmd.Process.Kill()
			proc.WaitExit(5 * time.Second)
		}
	})

	deadline := time.Now().Add(50 * time.Second)
	// wait pauses before the next try, failing once the deadline passed
	// or the demo exited.
	wait := func(what string) {
		t.Helper()
		select {
		case <-proc.Exited():
			t.Fatalf("the demo exited (%v) while waiting for %s\n%s", proc.Err(), what, out.String())
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s\n%s", what, testenv.Tail(out.String(), 40))
		}
	}

	var email, password string
	for {
		if m := demoLoginRE.FindStringSubmatch(out.String()); m != nil {
			email, password = m[1], m[2]
			break
		}
		wait("the demo's logins")
	}
	if !strings.Contains(out.String(), "calendars    http://127.0.0.1:") {
		t.Errorf("the demo did not print its calendar feeds:\n%s", out.String())
	}

	web := testenv.NewWeb(t, base)
	for !web.Up() {
		wait("/healthz")
	}
	web.Login(t, email, password)

	// The pollers store the seeded year within seconds; the deal goes
	// dark once its mail is in, and the series once the feed was read.
	for {
		var list struct {
			Deals []struct {
				ID       string `json:"id"`
				GoneDark bool   `json:"gone_dark"`
			} `json:"deals"`
		}
		web.GetJSON(t, "/api/v1/deals", &list)
		dark := ""
		for _, d := range list.Deals {
			if d.GoneDark {
				dark += " " + d.ID
			}
		}
		if strings.Contains(dark+" ", " "+cases.GoneDark+" ") {
			break
		}
		wait(fmt.Sprintf("%s to go dark (gone dark now:%s)", cases.GoneDark, dark))
	}

	for {
		var review struct {
			Total int               `json:"total"`
			Items []json.RawMessage `json:"items"`
		}
		web.GetJSON(t, "/api/v1/review", &review)
		if review.Total > 0 && len(review.Items) > 0 {
			break
		}
		wait("the review queue to fill")
	}

	for {
		var deal struct {
			Activities []demoActivity `json:"activities"`
		}
		web.GetJSON(t, "/api/v1/deals/"+cases.SeriesDeal, &deal)
		problem := checkSeries(deal.Activities)
		if strings.HasPrefix(problem, "ok:") {
			t.Logf("%s %s", cases.SeriesDeal, problem)
			break
		}
		wait(fmt.Sprintf("the meeting series on %s: %s", cases.SeriesDeal, problem))
	}

	t.Logf("%s gone dark, the review queue filled and the series found %s after start",
		cases.GoneDark, time.Since(started).Round(time.Millisecond))
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if !proc.WaitExit(15 * time.Second) {
		t.Fatalf("the demo did not stop within 15s of SIGTERM\n%s", testenv.Tail(out.String(), 40))
	}
	if err := proc.Err(); err != nil {
		t.Errorf("the demo after SIGTERM: %v\n%s", err, testenv.Tail(out.String(), 40))
	}
	if !strings.Contains(out.String(), "demo stopped") {
		t.Errorf("the demo did not say it stopped:\n%s", testenv.Tail(out.String(), 40))
	}
	if strings.Contains(out.String(), "level=ERROR") {
		t.Errorf("the demo logged errors:\n%s", out.String())
	}
}

// checkSeries looks among a deal's activities for a recurring meeting
// series: at least three meeting occurrences with the same UID, one
// cancelled and one moved (starting at another time than the original
// start its key names). It says what it found, starting with "ok:" when
// it found such a series.
func checkSeries(acts []demoActivity) string {
	type seen struct{ occurrences, cancelled, moved int }
	series := map[string]*seen{}
	for _, a := range acts {
		if a.Kind != "meeting" || a.UID == "" {
			continue
		}
		s := series[a.UID]
		if s == nil {
			s = &seen{}
			series[a.UID] = s
		}
		s.occurrences++
		if a.Cancelled != nil && *a.Cancelled {
			s.cancelled++
		}
		slash := strings.LastIndexByte(a.Key, '/')
		instance, err1 := time.Parse(time.RFC3339, a.Key[slash+1:])
		start, err2 := time.Parse(time.RFC3339, a.Start)
		if slash >= 0 && err1 == nil && err2 == nil && !start.Equal(instance) {
			s.moved++
		}
	}
	problem := "no meeting yet"
	for uid, s := range series {
		problem = fmt.Sprintf("%s has %d occurrences, %d cancelled, %d moved", uid, s.occurrences, s.cancelled, s.moved)
		if s.occurrences >= 3 && s.cancelled >= 1 && s.moved >= 1 {
			return "ok: " + problem
		}
	}
	return problem
}
