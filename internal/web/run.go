package web

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dealtrail/dealtrail/internal/app"
	"github.com/dealtrail/dealtrail/internal/decision"
	"github.com/dealtrail/dealtrail/internal/store"
)

// ShutdownTimeout is how long Serve waits for requests in flight once
// asked to stop.
const ShutdownTimeout = 10 * time.Second

var _ Store = (*store.Store)(nil)

// FromApp builds the web server of an opened dealtrail from its config:
// what `dealtrail serve` runs, and what `dealtrail demo` can run. reg may
// be nil (see Options.Registry).
func FromApp(a *app.App, reg *prometheus.Registry) (*Server, error) {
	cfg := a.Config
	return New(Options{
		Store: a.Store, Decider: decision.New(a.Store, a.Linker), Linker: a.Linker,
		Team: a.Team, Owners: app.Owners(cfg), Members: cfg.Team.Members,
		UI: cfg.UI, Backfill: cfg.Backfill, CalendarPast: cfg.Calendar.Past,
		TrustedProxies: cfg.TrustedProxies, Logger: a.Logger, Registry: reg,
	})
}

// Serve answers HTTP on ln until ctx is done, then stops taking requests
// and waits up to ShutdownTimeout for those in flight.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-done; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}
