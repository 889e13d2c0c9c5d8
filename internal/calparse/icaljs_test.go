package calparse

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/testenv"
)

// The comparison with Mozilla's ical.js: the benchmark feed is expanded by
// dealtrail and by ical.js (testdata/icaljs/expand.mjs), each in a process
// of its own so that its time and peak memory can be measured alike, and
// the two sets of occurrences (UID, original start, start) must be the
// same.

// Environment of the helper process that parses a feed file.
const (
	helperFeedVar  = "CALPARSE_HELPER_FEED"
	helperStartVar = "CALPARSE_HELPER_START"
	helperEndVar   = "CALPARSE_HELPER_END"
)

// Targets for the benchmark feed: the parse in under 0.75 s of CPU time,
// in a process that never holds more than 100 MB.
const (
	targetCPU   = 750 * time.Millisecond
	targetRSSKB = 100 << 10
)

// occurrenceLine is one occurrence as both helpers print it.
type occurrenceLine struct {
	UID      string  `json:"uid"`
	Instance string  `json:"instance"`
	Start    string  `json:"start"`
	Done     bool    `json:"done"`
	MS       float64 `json:"ms"`
	CPUMS    float64 `json:"cpu_ms"`
	RSSKB    int64   `json:"rss_kb"` // the process's peak RSS (VmHWM)
}

// TestHelperParseFeed is not a test: run by BenchmarkCompareICalJS in a
// process of its own, it parses the feed file it is given and prints the
// occurrences, then the time the parse took, as expand.mjs does.
func TestHelperParseFeed(t *testing.T) {
	path := os.Getenv(helperFeedVar)
	if path == "" {
		t.Skip("helper process for BenchmarkCompareICalJS")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	w := win(os.Getenv(helperStartVar), os.Getenv(helperEndVar))
	cpu0, t0 := selfCPU(), time.Now()
	res, err := Parse(data, w)
	took, cpu := time.Since(t0), selfCPU()-cpu0
	if err != nil {
		t.Fatal(err)
	}
	out := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(out)
	for _, o := range res.Occurrences {
		_ = enc.Encode(occurrenceLine{UID: o.UID, Instance: o.Instance.Format(time.RFC3339), Start: o.Start.Format(time.RFC3339)})
	}
	_ = enc.Encode(occurrenceLine{Done: true, MS: float64(took.Microseconds()) / 1000, CPUMS: float64(cpu.Microseconds()) / 1000, RSSKB: peakRSSKiB()})
	_ = out.Flush()
}

// run is one measured run of a helper.
type run struct {
	occurrences []string // "uid instance start", sorted
	wall        time.Duration
	cpu         time.Duration // the whole process, user and system
	maxRSSKB    int64         // the peak RSS the process reports (0 if unknown)
	inner       string        // what the helper says about its own work
}

// measure runs cmd, reads its occurrences and measures it.
func measure(t testing.TB, cmd *exec.Cmd) run {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.SysProcAttr = childSysProcAttr()
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, stderr.Bytes())
	}
	r := run{wall: time.Since(start)}
	r.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	for line := range strings.Lines(stdout.String()) {
		var o occurrenceLine
		if !strings.HasPrefix(line, "{") || json.Unmarshal([]byte(line), &o) != nil {
			continue // the test binary's own output
		}
		if o.Done {
			r.maxRSSKB = o.RSSKB
			r.inner = fmt.Sprintf("parse and expand %.0f ms", o.MS)
			if o.CPUMS > 0 {
				r.inner += fmt.Sprintf(" (CPU %.0f ms)", o.CPUMS)
			}
			continue
		}
		r.occurrences = append(r.occurrences, o.UID+" "+o.Instance+" "+o.Start)
	}
	if r.inner == "" {
		t.Fatalf("%s printed no final line:\n%s", cmd, stderr.Bytes())
	}
	slices.Sort(r.occurrences)
	return r
}

// BenchmarkCompareICalJS expands the benchmark feed with dealtrail and
// with Mozilla's ical.js, each in its own process, compares the
// occurrences, and reports time and memory of both. It is a benchmark,
// not a test, because ical.js comes from the npm registry (`npm ci` in
// testdata/icaljs), which CI does not reach; the README gives the command.
func BenchmarkCompareICalJS(b *testing.B) {
	compareICalJS(b)
}

func compareICalJS(t testing.TB) {
	node, err := exec.LookPath("node")
	script, _ := filepath.Abs(filepath.Join("testdata", "icaljs", "expand.mjs"))
	lib := filepath.Join("testdata", "icaljs", "node_modules", "ical.js", "package.json")
	if _, statErr := os.Stat(lib); err != nil || statErr != nil {
		testenv.Missing(t, "node and ical.js", "install Node.js 20 or later, then run `cd internal/calparse/testdata/icaljs && npm ci`")
	}
	feed := filepath.Join(t.TempDir(), "feed.ics")
	if err := os.WriteFile(feed, benchFeed(), 0o600); err != nil {
		t.Fatal(err)
	}
	from, to := feedWindow.Start.Format(time.RFC3339), feedWindow.End.Format(time.RFC3339)

	goCmd := exec.Command(os.Args[0], "-test.run=^TestHelperParseFeed$", "-test.bench=^$", "-test.count=1")
	goCmd.Env = append(os.Environ(), helperFeedVar+"="+feed, helperStartVar+"="+from, helperEndVar+"="+to)
	ours := measure(t, goCmd)

	jsCmd := exec.Command(node, script, feed, from, to)
	jsCmd.Env = append(os.Environ(), "TZ=UTC")
	theirs := measure(t, jsCmd)

	t.Logf("feed: %d bytes, window %s .. %s; peak RSS is each process's VmHWM", len(benchFeed()), from, to)
	for _, r := range []struct {
		name string
		run
	}{{"dealtrail (Go)", ours}, {"ical.js " + icalJSVersion(), theirs}} {
		t.Logf("%-16s %6d occurrences; %s; process: wall %v, CPU %v, max RSS %.1f MB",
			r.name, len(r.occurrences), r.inner, r.wall.Round(time.Millisecond), r.cpu.Round(time.Millisecond), float64(r.maxRSSKB)/1024)
	}

	// What EXDATE excludes is known from the generator, computed with the
	// time package: dealtrail must leave all of it out. ical.js keeps some
	// (see icalJSKeepsExdate); any other difference is a failure.
	_, excluded := genFeedExcluded(benchEvents)
	isExcluded := map[string]bool{}
	for uid, instants := range excluded {
		for _, at := range instants {
			isExcluded[uid+" "+at] = true
		}
	}
	for _, o := range ours.occurrences {
		uid, instance, _ := strings.Cut(o, " ")
		if isExcluded[uid+" "+instance[:strings.IndexByte(instance, ' ')]] {
			t.Errorf("dealtrail kept an excluded instance: %s", o)
		}
	}
	onlyOurs, onlyTheirs := setDiff(ours.occurrences, theirs.occurrences)
	var known int
	for _, o := range onlyTheirs {
		uid, rest, _ := strings.Cut(o, " ")
		instance, _, _ := strings.Cut(rest, " ")
		if isExcluded[uid+" "+instance] {
			known++
			t.Logf("only ical.js: %s: an EXDATE'd instance; %s", o, icalJSKeepsExdate)
			continue
		}
		t.Errorf("only ical.js: %s", o)
	}
	for _, o := range onlyOurs {
		t.Errorf("only dealtrail: %s", o)
	}
	t.Logf("%d occurrences only dealtrail has, %d only ical.js has (%d of them EXDATE'd instances)", len(onlyOurs), len(onlyTheirs), known)
	if raceEnabled {
		return // the race detector multiplies both time and memory
	}
	if rss := ours.maxRSSKB; rss > targetRSSKB {
		t.Errorf("the Go process peaked at %.1f MB, more than %d MB", float64(rss)/1024, targetRSSKB>>10)
	}
	if ours.cpu > 2*targetCPU {
		t.Errorf("the Go process used %v of CPU, far more than the %v target of its parse", ours.cpu, targetCPU)
	}
}

// icalJSKeepsExdate explains the one known difference: RFC 5545 makes
// EXDATE a set of instances to leave out, duplicates or not. ical.js's
// RecurExpansion.next (2.2.1) walks its sorted EXDATE list with one
// cursor and, when the cursor is behind the instance at hand, moves it
// one step without comparing again; after a duplicate EXDATE (or one that
// is not an instance) the next instance to exclude is kept.
const icalJSKeepsExdate = "ical.js skips the EXDATE after a duplicate one (RecurExpansion.next moves its cursor once), RFC 5545 excludes it: dealtrail is right"

func setDiff(a, b []string) (onlyA, onlyB []string) {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || i < len(a) && a[i] < b[j]:
			onlyA = append(onlyA, a[i])
			i++
		case i == len(a) || b[j] < a[i]:
			onlyB = append(onlyB, b[j])
			j++
		default:
			i++
			j++
		}
	}
	return onlyA, onlyB
}

func icalJSVersion() string {
	data, err := os.ReadFile(filepath.Join("testdata", "icaljs", "node_modules", "ical.js", "package.json"))
	if err != nil {
		return "?"
	}
	var pkg struct{ Version string }
	_ = json.Unmarshal(data, &pkg)
	return pkg.Version
}
