package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/dealtrail/dealtrail/internal/web"
)

// runServe runs every poller and the web UI until the context is
// cancelled (SIGINT or SIGTERM). SIGHUP reloads the config file: pollers
// follow its mailboxes and calendars (see pollers.reload). On the way
// out the web server stops taking requests and finishes those in flight
// (up to web.ShutdownTimeout), then the pollers stop; a batch being
// written is finished or not written at all.
func runServe(ctx context.Context, e env, args []string) int {
	fs := newFlags(e, "serve")
	path := fs.String("config", "", "config `FILE`")
	code := exitOK
	if !parseFlags(fs, args, &code) {
		return code
	}
	a, ok := openApp(ctx, e, "serve", *path, slog.LevelDebug)
	if !ok {
		return exitFail
	}
	defer a.Close()
	logger := a.Logger
	srv, err := web.FromApp(a, nil)
	if err != nil {
		fmt.Fprintf(e.stderr, "dealtrail serve: %v\n", err)
		return exitFail
	}
	// The pollers stop once the web server has (on a signal, or when it
	// fails), so no request in flight meets a stopping poller.
	pollCtx, stopPolling := context.WithCancel(context.WithoutCancel(ctx))
	defer stopPolling()
	ps := newPollers(pollCtx, a, logger)
	if err := ps.start(a.Config); err != nil {
		fmt.Fprintf(e.stderr, "dealtrail serve: %v\n", err)
		return exitFail
	}
	defer ps.stop()
	ln, err := net.Listen("tcp", a.Config.Listen)
	if err != nil {
		fmt.Fprintf(e.stderr, "dealtrail serve: listen on %s: %v\n", a.Config.Listen, err)
		return exitFail
	}
	logger.Info("dealtrail started", "mailboxes", len(a.Config.Mailboxes), "calendars", len(a.Config.Calendars),
		"database", a.Config.Database, "listen", ln.Addr().String(), "pid", os.Getpid())

	var background sync.WaitGroup
	// What an earlier run left queued is matched beside the web server,
	// not before it: a long queue must not keep /healthz down.
	background.Go(func() {
		if sum, err := a.Linker.Drain(pollCtx); err != nil && pollCtx.Err() == nil {
			logger.Warn("matching what was left queued failed", "err", err)
		} else if err == nil && sum.Matched > 0 {
			logger.Info("matched what was left queued", "activities", sum.Matched, "moved", len(sum.Changes))
		}
	})
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	background.Go(func() { reloadOnSignal(pollCtx, hup, ps.reload) })
	background.Go(func() { a.RunRetention(pollCtx) })

	status := exitOK
	if err := srv.Serve(ctx, ln); err != nil {
		logger.Error("web server failed", "err", err)
		status = exitFail
	}
	stopPolling()
	background.Wait()
	ps.stop()
	logger.Info("dealtrail stopped")
	return status
}

// reloadOnSignal calls reload for each signal on sig until ctx is done.
func reloadOnSignal(ctx context.Context, sig <-chan os.Signal, reload func()) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-sig:
			reload()
		}
	}
}
