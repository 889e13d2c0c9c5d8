package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/dealtrail/dealtrail/internal/app"
	"github.com/dealtrail/dealtrail/internal/mailsync"
	"github.com/dealtrail/dealtrail/internal/model"
)

// runSync makes one pass over every source and prints a summary; the exit
// status is not zero when any source failed.
func runSync(ctx context.Context, e env, args []string) int {
	fs := newFlags(e, "sync")
	path := fs.String("config", "", "config `FILE`")
	once := fs.Bool("once", false, "make one pass over every source and exit")
	code := exitOK
	if !parseFlags(fs, args, &code) {
		return code
	}
	if !*once {
		fmt.Fprintln(e.stderr, "dealtrail sync: only -once is supported; use dealtrail serve to keep polling")
		return exitUsage
	}
	// Routine poll logs would drown the progress; warnings (a message
	// set aside, a folder that failed) still show.
	a, ok := openApp(ctx, e, "sync", *path, slog.LevelWarn)
	if !ok {
		return exitFail
	}
	defer a.Close()
	progress := newProgress(e.stdout)
	sources, err := syncSources(a, progress)
	if err != nil {
		fmt.Fprintf(e.stderr, "dealtrail sync: %v\n", err)
		return exitFail
	}

	type outcome struct {
		line string
		err  error
	}
	outcomes := make([]outcome, len(sources))
	var wg sync.WaitGroup
	for i, src := range sources {
		wg.Go(func() {
			line, err := src.poll(ctx)
			outcomes[i] = outcome{line, err}
		})
	}
	wg.Wait()
	progress.finish()

	failed := 0
	fmt.Fprintln(e.stdout, "summary:")
	for i, src := range sources {
		o := outcomes[i]
		fmt.Fprintf(e.stdout, "  %-38s %s", src.name, o.line)
		if o.err != nil {
			failed++
			fmt.Fprintf(e.stdout, "  FAILED: %v", o.err)
		}
		fmt.Fprintln(e.stdout)
	}
	// Each batch was matched as it was stored; this catches what a
	// failed drain or an earlier run left queued.
	if _, err := a.Linker.Drain(ctx); err != nil && ctx.Err() == nil {
		fmt.Fprintf(e.stderr, "dealtrail sync: matching failed: %v\n", err)
		return exitFail
	}
	if counts, err := a.Store.LinkCounts(ctx); err != nil {
		fmt.Fprintf(e.stderr, "dealtrail sync: %v\n", err)
	} else {
		fmt.Fprintln(e.stdout, matchSummary(counts))
	}
	if failed > 0 {
		fmt.Fprintf(e.stderr, "dealtrail sync: %d of %d sources failed\n", failed, len(sources))
		for i, src := range sources {
			if err := outcomes[i].err; err != nil {
				fmt.Fprintf(e.stderr, "  %s: %v\n", src.name, err)
			}
		}
		return exitFail
	}
	if ctx.Err() != nil {
		fmt.Fprintln(e.stderr, "dealtrail sync: interrupted")
		return exitFail
	}
	return exitOK
}

// sourcePoll is one source of a sync pass: its name ("mailbox rep1") and
// one poll, which returns the source's summary line.
type sourcePoll struct {
	name string
	poll func(ctx context.Context) (string, error)
}

// syncSources builds one poll per mailbox (reporting its progress) and
// per calendar, each giving its summary line.
func syncSources(a *app.App, progress *progress) ([]sourcePoll, error) {
	mail, err := a.MailWorkers(func(o *mailsync.Options) { o.Progress = progress.report })
	if err != nil {
		return nil, err
	}
	calendars, err := a.CalendarWorkers(nil)
	if err != nil {
		return nil, err
	}
	var sources []sourcePoll
	for _, w := range mail {
		sources = append(sources, sourcePoll{"mailbox " + w.Name(), func(ctx context.Context) (string, error) {
			st, err := w.PollOnce(ctx)
			return fmt.Sprintf("fetched %d, stored %d, rejected %d, %s read in %s", st.Fetched(), st.Stored(),
				st.Rejected(), byteSize(st.BytesRead), st.Elapsed.Round(time.Millisecond)), err
		}})
	}
	for _, w := range calendars {
		sources = append(sources, sourcePoll{"calendar " + w.Name(), func(ctx context.Context) (string, error) {
			st, err := w.PollOnce(ctx)
			if st.Unchanged {
				return "unchanged, " + byteSize(st.BytesRead) + " read", err
			}
			return fmt.Sprintf("%d objects, %d occurrences, %d problems, %s read in %s", st.Objects, st.Occurrences,
				len(st.Problems), byteSize(st.BytesRead), st.Elapsed.Round(time.Millisecond)), err
		}})
	}
	return sources, nil
}

// matchSummary says in one line where the stored activities stand with
// deals.
func matchSummary(c map[model.LinkState]int) string {
	line := fmt.Sprintf("  matching: %d on deals (%d confirmed by people), %d to review, %d unlinked",
		c[model.LinkAuto]+c[model.LinkConfirmed], c[model.LinkConfirmed], c[model.LinkReview],
		c[model.LinkNone]+c[model.LinkIgnored]+c[model.LinkRejected]+c[model.LinkPrivate])
	if n := c[""]; n > 0 {
		line += fmt.Sprintf(", %d waiting to be matched", n)
	}
	return line
}

// progress shows how far each folder's sync is: a line redrawn in place
// on a terminal, one line per finished folder otherwise.
type progress struct {
	mu       sync.Mutex
	w        io.Writer
	terminal bool
	last     time.Time
	drawn    bool
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.terminal = true
		}
	}
	return p
}

func (p *progress) report(ev mailsync.ProgressEvent) {
	p.mu.Lock()
	defer p.mu.Unlock()
	rate := 0.0
	if s := ev.Elapsed.Seconds(); s > 0 {
		rate = float64(ev.Done) / s
	}
	line := fmt.Sprintf("%s %s: %d/%d messages, %.0f msg/s", ev.Mailbox, ev.Folder, ev.Done, ev.Total, rate)
	finished := ev.Done >= ev.Total
	switch {
	case p.terminal && finished:
		fmt.Fprintf(p.w, "\r\033[K%s\n", line)
		p.drawn = false
	case p.terminal && time.Since(p.last) > 100*time.Millisecond:
		fmt.Fprintf(p.w, "\r\033[K%s", line)
		p.last, p.drawn = time.Now(), true
	case !p.terminal && finished:
		fmt.Fprintln(p.w, line)
	}
}

// finish ends a half-drawn terminal line.
func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprintln(p.w)
		p.drawn = false
	}
}

// byteSize formats a byte count for people.
func byteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
