package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"

	"github.com/dealtrail/dealtrail/internal/schedule"
	"github.com/dealtrail/dealtrail/internal/web"
)

// runServe runs every poller and the web UI until the context is
// cancelled (SIGINT or SIGTERM). On the way out the web server stops
// taking requests and finishes those in flight (up to
// web.ShutdownTimeout), then the pollers stop; a batch being written is
// finished or not written at all.
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
	srv, err := web.FromApp(a, nil)
	if err != nil {
		fmt.Fprintf(e.stderr, "dealtrail serve: %v\n", err)
		return exitFail
	}
	ln, err := net.Listen("tcp", a.Config.Listen)
	if err != nil {
		fmt.Fprintf(e.stderr, "dealtrail serve: listen on %s: %v\n", a.Config.Listen, err)
		return exitFail
	}
	logger.Info("dealtrail started", "mailboxes", len(mail), "calendars", len(calendars),
		"database", a.Config.Database, "listen", ln.Addr().String(), "pid", os.Getpid())
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
	// The pollers stop once the web server has (on a signal, or when it
	// fails), so no request in flight meets a stopping poller.
	pollCtx, stopPolling := context.WithCancel(context.WithoutCancel(ctx))
	defer stopPolling()
	var pollers sync.WaitGroup
	pollers.Go(func() { schedule.RunAll(pollCtx, runners) })
	status := exitOK
	if err := srv.Serve(ctx, ln); err != nil {
		logger.Error("web server failed", "err", err)
		status = exitFail
	}
	stopPolling()
	pollers.Wait()
	logger.Info("dealtrail stopped")
	return status
}
