package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/dealtrail/dealtrail/internal/schedule"
)

// runServe runs every poller until the context is cancelled (SIGINT or
// SIGTERM); a batch being written when it stops is finished or not
// written at all.
func runServe(ctx context.Context, e env, args []string) int {
	fs := newFlags(e, "serve")
	path := fs.String("config", "", "config `FILE`")
	code := exitOK
	if !parseFlags(fs, args, &code) {
		return code
	}
	logger := newLogger(e.stderr, slog.LevelInfo)
	a, ok := openApp(ctx, e, "serve", *path, logger)
	if !ok {
		return exitFail
	}
	defer a.Close()
	mail, err := a.MailWorkers(nil)
	if err != nil {
		fmt.Fprintf(e.stderr, "dealtrail serve: %v\n", err)
		return exitFail
	}
	calendars, err := a.CalendarWorkers(nil)
	if err != nil {
		fmt.Fprintf(e.stderr, "dealtrail serve: %v\n", err)
		return exitFail
	}
	logger.Info("dealtrail started", "mailboxes", len(mail), "calendars", len(calendars),
		"database", a.Config.Database, "pid", os.Getpid())
	if sum, err := a.Linker.Drain(ctx); err != nil {
		logger.Warn("matching what was left queued failed", "err", err)
	} else if sum.Matched > 0 {
		logger.Info("matched what was left queued", "activities", sum.Matched, "moved", len(sum.Changes))
	}
	runners := make([]schedule.Runner, 0, len(mail)+len(calendars))
	for _, w := range mail {
		runners = append(runners, w)
	}
	for _, w := range calendars {
		runners = append(runners, w)
	}
	schedule.RunAll(ctx, runners)
	logger.Info("dealtrail stopped")
	return exitOK
}
