package bench

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/cli"
	"github.com/dealtrail/dealtrail/internal/store"
	"github.com/dealtrail/dealtrail/internal/testenv"
	"github.com/dealtrail/dealtrail/internal/testenv/dovecot"
)

// binDir holds the dealtrail binary built for this test process.
var binDir string

// measureVar, when set in the environment, turns the test binary into the
// measuring helper of runDealtrail: see measuredMain.
const measureVar = "DEALTRAIL_BENCH_MEASURE"

func TestMain(m *testing.M) {
	if out := os.Getenv(measureVar); out != "" {
		os.Exit(measuredMain(out, os.Args[1:]))
	}
	dir, err := os.MkdirTemp("", "dealtrail-bench-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// built is the dealtrail binary, built at most once per test process.
var built struct {
	once   sync.Once
	path   string
	noGo   bool
	output string
	err    error
}

// dealtrailBinary builds cmd/dealtrail (once) and returns its path.
func dealtrailBinary(t testing.TB) string {
	t.Helper()
	built.once.Do(func() {
		goBin, err := exec.LookPath("go")
		if err != nil {
			built.noGo = true
			return
		}
		built.path = filepath.Join(binDir, "dealtrail")
		cmd := exec.Command(goBin, "build", "-o", built.path, "github.com/dealtrail/dealtrail/cmd/dealtrail")
		out, err := cmd.CombinedOutput()
		built.output, built.err = string(out), err
	})
	if built.noGo {
		testenv.Missing(t, "the go command", "run the tests with go test, which puts it on PATH")
	}
	if built.err != nil {
		t.Fatalf("building dealtrail: %v\n%s", built.err, built.output)
	}
	return built.path
}

// mailboxConf is one mailbox of a generated config.
type mailboxConf struct {
	user, owner, passwordFile string
}

// teamConf is what a generated config says: the database, the team and
// the mailboxes, all on the IMAP port given.
type teamConf struct {
	database  string
	domain    string
	members   []person
	port      int
	mailboxes []mailboxConf
}

// writeConfig writes c as a dealtrail YAML config file at path.
func writeConfig(t testing.TB, path string, c teamConf) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "database: %s\npoll_interval: 2m\nbackfill: 0\nteam:\n  domains: [%s]\n  members:\n",
		strconv.Quote(c.database), c.domain)
	for _, m := range c.members {
		fmt.Fprintf(&b, "    - email: %s\n      name: %s\n      role: rep\n", m.email, strconv.Quote(m.name))
	}
	b.WriteString("mailboxes:\n")
	for _, mb := range c.mailboxes {
		fmt.Fprintf(&b, "  - name: %s\n    owner: %s\n    host: 127.0.0.1\n    port: %d\n    tls: none\n    username: %s\n    password_file: %s\n",
			mb.user, mb.owner, c.port, mb.user, strconv.Quote(mb.passwordFile))
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatalf("writing config: %v", err)
	}
}

// procResult is one run of the dealtrail binary.
type procResult struct {
	wall     time.Duration
	maxRSS   int64         // KiB, 0 where unknown
	cpu      time.Duration // user + system time, 0 where unknown
	exitCode int
	stdout   string
	stderr   string
	err      error // set when it could not run, or did not exit 0
}

// measureSeq numbers the result files of the measuring helper.
var measureSeq atomic.Int64

// runDealtrail runs the binary with args and waits for it.
//
// It runs it through the measuring helper (this test binary again, see
// measuredMain) rather than directly, for the peak RSS: Linux starts a
// process's ru_maxrss at the high-water mark of the memory it was exec'd
// from, and Go starts children with vfork, so a child of this process
// would report at least this process's own peak (hundreds of MB after
// generating a mailbox). The helper is small and fresh.
func runDealtrail(ctx context.Context, bin string, args ...string) procResult {
	self, err := os.Executable()
	if err != nil {
		return procResult{err: fmt.Errorf("finding the test binary: %w", err)}
	}
	resultPath := filepath.Join(binDir, fmt.Sprintf("measure-%d", measureSeq.Add(1)))
	defer os.Remove(resultPath)
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, self, append([]string{bin}, args...)...)
	cmd.Env = append(os.Environ(), measureVar+"="+resultPath)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 10 * time.Second
	start := time.Now()
	err = cmd.Run()
	r := procResult{wall: time.Since(start), stdout: stdout.String(), stderr: stderr.String(), err: err}
	if cmd.ProcessState != nil {
		r.exitCode = cmd.ProcessState.ExitCode()
	}
	if data, rerr := os.ReadFile(resultPath); rerr == nil {
		var wallNS, cpuNS int64
		if _, serr := fmt.Sscan(string(data), &wallNS, &r.maxRSS, &cpuNS); serr == nil {
			r.wall, r.cpu = time.Duration(wallNS), time.Duration(cpuNS)
		}
	}
	if err != nil {
		r.err = fmt.Errorf("dealtrail %s: %w\nstdout:\n%s\nstderr:\n%s",
			strings.Join(args, " "), err, tail(r.stdout, 20), tail(r.stderr, 60))
	}
	return r
}

// measuredMain is the measuring helper: it runs args (a command and its
// arguments) with this process's standard streams, then writes its wall
// time in nanoseconds, its peak RSS in KiB and its CPU time (user and
// system) in nanoseconds to resultPath and exits
// with its exit status.
func measuredMain(resultPath string, args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "bench: measuring helper: no command")
		return 2
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, measureVar+"=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	runtime.LockOSThread() // the child's parent-death signal follows this thread
	cmd.SysProcAttr = childSysProcAttr()
	start := time.Now()
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "bench: measuring helper:", err)
		return 2
	}
	err := cmd.Wait()
	wall := time.Since(start)
	ps := cmd.ProcessState
	result := fmt.Sprintf("%d %d %d\n", wall.Nanoseconds(), maxRSSKiB(ps), (ps.UserTime() + ps.SystemTime()).Nanoseconds())
	if werr := os.WriteFile(resultPath, []byte(result), 0o600); werr != nil {
		fmt.Fprintln(os.Stderr, "bench: measuring helper:", werr)
		return 2
	}
	if code := cmd.ProcessState.ExitCode(); code >= 0 {
		return code
	}
	fmt.Fprintln(os.Stderr, "bench: measuring helper:", err)
	return 2
}

// inProcess makes the benchmark run dealtrail's sync inside the test
// process, so that -cpuprofile and -memprofile see it:
//
//	go test ./internal/bench -run '^$' -bench FirstSync -benchtime 1x -timeout 30m \
//	  -cpuprofile cpu.out -args -dealtrail.inprocess
//
// The peak RSS is then not measured, and the profile also holds the proxy.
var inProcess = flag.Bool("dealtrail.inprocess", false,
	"run dealtrail's sync in the test process (for -cpuprofile); peak RSS is not measured")

// runInProcess runs the dealtrail command line args in this process.
func runInProcess(ctx context.Context, args ...string) procResult {
	var stdout, stderr bytes.Buffer
	start := time.Now()
	code := cli.Run(ctx, args, strings.NewReader(""), &stdout, &stderr)
	r := procResult{wall: time.Since(start), exitCode: code, stdout: stdout.String(), stderr: stderr.String()}
	if code != 0 {
		r.err = fmt.Errorf("dealtrail %s (in process): exit status %d\nstdout:\n%s\nstderr:\n%s",
			strings.Join(args, " "), code, tail(r.stdout, 20), tail(r.stderr, 60))
	}
	return r
}

// importDeals runs "dealtrail deals import" and fails t if it fails.
func importDeals(t testing.TB, bin, config, csvPath string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	if r := runDealtrail(ctx, bin, "deals", "import", "-config", config, csvPath); r.err != nil {
		t.Fatalf("importing deals: %v", r.err)
	}
}

// expectation is what a generated mailbox holds and what dealtrail should
// store of it.
type expectation struct {
	total, inbox, sent, internal, attached int
	// external maps the key of every message with an outsider to its
	// direction; only these become activities.
	external map[string]string
}

func newExpectation() *expectation {
	return &expectation{external: map[string]string{}}
}

// add records a generated message.
func (e *expectation) add(m genMessage) {
	e.total++
	if m.folder == "Sent" {
		e.sent++
	} else {
		e.inbox++
	}
	if m.attached {
		e.attached++
	}
	if m.direction == "internal" {
		e.internal++
		return
	}
	e.external[m.key] = m.direction
}

// fillMailbox generates the mailbox of g into user's folders on srv, a
// chunk at a time (generating the next while Dovecot takes the last), and
// returns what it holds.
func fillMailbox(t testing.TB, srv *dovecot.Server, user string, g *generator) *expectation {
	t.Helper()
	const chunkBytes, chunkMessages = 64 << 20, 2000
	type chunk struct {
		folder string
		msgs   []dovecot.Message
	}
	exp := newExpectation()
	chunks := make(chan chunk, 1)
	done := make(chan struct{})
	defer close(done) // stops the generator if Fill ends the test
	go func() {
		defer close(chunks)
		send := func(c chunk) bool {
			select {
			case chunks <- c:
				return true
			case <-done:
				return false
			}
		}
		pending := map[string][]dovecot.Message{}
		size := map[string]int{}
		for m := range g.messages() {
			exp.add(m)
			pending[m.folder] = append(pending[m.folder], m.msg)
			size[m.folder] += len(m.msg.Raw)
			if size[m.folder] >= chunkBytes || len(pending[m.folder]) >= chunkMessages {
				if !send(chunk{m.folder, pending[m.folder]}) {
					return
				}
				pending[m.folder], size[m.folder] = nil, 0
			}
		}
		for _, folder := range []string{"INBOX", "Sent"} {
			if len(pending[folder]) > 0 && !send(chunk{folder, pending[folder]}) {
				return
			}
		}
	}()
	for c := range chunks {
		srv.Fill(t, user, c.folder, c.msgs)
	}
	return exp
}

// checkStore opens the database dealtrail wrote and compares its
// activities with what the mailbox holds: every external message exactly
// once, with its direction and a sighting; nothing else.
func checkStore(ctx context.Context, path string, exp *expectation) error {
	st, err := store.Open(ctx, path)
	if err != nil {
		return err
	}
	defer st.Close()
	acts, err := st.Activities(ctx)
	if err != nil {
		return err
	}
	var problems []string
	seen := make(map[string]bool, len(acts))
	for _, a := range acts {
		want, ok := exp.external[a.Key]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("unexpected activity %q (%s)", a.Key, a.Direction))
		case seen[a.Key]:
			problems = append(problems, fmt.Sprintf("activity %q stored twice", a.Key))
		case string(a.Direction) != want:
			problems = append(problems, fmt.Sprintf("activity %q: direction %s, want %s", a.Key, a.Direction, want))
		case len(a.Sightings) != 1:
			problems = append(problems, fmt.Sprintf("activity %q: %d sightings, want 1", a.Key, len(a.Sightings)))
		}
		seen[a.Key] = true
	}
	var missing []string
	for key := range exp.external {
		if !seen[key] {
			missing = append(missing, key)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		problems = append(problems, fmt.Sprintf("%d external messages not stored, such as %q", len(missing), missing[0]))
	}
	if len(acts) != len(exp.external) || len(problems) > 0 {
		if len(problems) > 10 {
			problems = append(problems[:10], fmt.Sprintf("and %d more problems", len(problems)-10))
		}
		return fmt.Errorf("%d activities stored, want %d (the external messages):\n  %s",
			len(acts), len(exp.external), strings.Join(problems, "\n  "))
	}
	return nil
}

// tail returns the last n lines of text.
func tail(text string, n int) string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// writeFile writes data to dir/name and returns the path.
func writeFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
