// Package app wires dealtrail together from a config: the store, the
// ingester and one sync worker per mailbox. Commands build on it; nothing
// below it reads the config on its own.
package app

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/dealtrail/dealtrail/internal/config"
	"github.com/dealtrail/dealtrail/internal/ingest"
	"github.com/dealtrail/dealtrail/internal/mailsync"
	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/store"
)

// App is an opened dealtrail: its config, database and ingester.
type App struct {
	Config *config.Config
	Store  *store.Store
	Ingest *ingest.Ingester
	Team   model.Team
	Logger *slog.Logger
}

// Open opens the database named by cfg (migrating it) and builds the
// ingester.
func Open(ctx context.Context, cfg *config.Config, logger *slog.Logger) (*App, error) {
	st, err := store.Open(ctx, cfg.Database)
	if err != nil {
		return nil, err
	}
	team := Team(cfg)
	return &App{Config: cfg, Store: st, Ingest: ingest.New(st, team), Team: team, Logger: logger}, nil
}

// Close closes the database.
func (a *App) Close() error { return a.Store.Close() }

// Team builds the team's address classifier from the config.
func Team(cfg *config.Config) model.Team {
	members := make([]string, len(cfg.Team.Members))
	for i, m := range cfg.Team.Members {
		members[i] = m.Email
	}
	return model.NewTeam(cfg.Team.Domains, members)
}

// MailWorkers builds one sync worker per configured mailbox; tune, if not
// nil, adjusts each worker's options (progress reporting, test dialers).
func (a *App) MailWorkers(tune func(*mailsync.Options)) ([]*mailsync.Worker, error) {
	var workers []*mailsync.Worker
	for _, mb := range a.Config.Mailboxes {
		opts := mailsync.Options{
			Mailbox:      mb,
			Store:        a.Store,
			Sink:         a.Ingest,
			PollInterval: a.Config.PollInterval,
			Backfill:     a.Config.Backfill,
			Logger:       a.Logger,
		}
		if tune != nil {
			tune(&opts)
		}
		w, err := mailsync.NewWorker(opts)
		if err != nil {
			return nil, fmt.Errorf("mailbox %s: %w", mb.Name, err)
		}
		workers = append(workers, w)
	}
	return workers, nil
}
