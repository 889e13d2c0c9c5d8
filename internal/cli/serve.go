package cli

import (
	"context"
	"fmt"
	"os"

	"github.com/dealtrail/dealtrail/internal/app"
	"github.com/dealtrail/dealtrail/internal/mailsync"
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
	cfg, ok := loadConfig(e, "serve", *path)
	if !ok {
		return exitFail
	}
	logger := newLogger(e.stderr)
	a, err := app.Open(ctx, cfg, logger)
	if err != nil {
		fmt.Fprintf(e.stderr, "dealtrail serve: %v\n", err)
		return exitFail
	}
	defer a.Close()
	workers, err := a.MailWorkers(nil)
	if err != nil {
		fmt.Fprintf(e.stderr, "dealtrail serve: %v\n", err)
		return exitFail
	}
	logger.Info("dealtrail started", "mailboxes", len(workers), "database", cfg.Database, "pid", os.Getpid())
	mailsync.RunAll(ctx, workers)
	logger.Info("dealtrail stopped")
	return exitOK
}
