// Package app wires dealtrail together from a config: the store, the
// linker, the ingester, one sync worker per mailbox and one poller per
// calendar. Commands build on
// it; nothing below it reads the config on its own.
package app

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/dealtrail/dealtrail/internal/calparse"
	"github.com/dealtrail/dealtrail/internal/calsync"
	"github.com/dealtrail/dealtrail/internal/config"
	"github.com/dealtrail/dealtrail/internal/ingest"
	"github.com/dealtrail/dealtrail/internal/linker"
	"github.com/dealtrail/dealtrail/internal/mailparse"
	"github.com/dealtrail/dealtrail/internal/mailsync"
	"github.com/dealtrail/dealtrail/internal/match"
	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/store"
)

// App is an opened dealtrail: its config, database, ingester and linker.
type App struct {
	Config *config.Config
	Store  *store.Store
	Ingest *ingest.Ingester
	Linker *linker.Linker
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
	lk := linker.New(linker.Options{Store: st, Match: MatchConfig(cfg), Owners: Owners(cfg), Logger: logger})
	ing := ingest.New(st, team, lk, logger)
	ing.LimitSnippets(SnippetLength(cfg))
	ing.ReadInvites(func(data []byte) ([]model.Occurrence, error) {
		now := time.Now()
		res, err := calparse.Parse(data, calparse.Window{Start: now.Add(-cfg.Calendar.Past), End: now.Add(cfg.Calendar.Future)})
		return res.Occurrences, err
	})
	return &App{Config: cfg, Store: st, Ingest: ing, Linker: lk, Team: team, Logger: logger}, nil
}

// Close closes the database.
func (a *App) Close() error { return a.Store.Close() }

// SnippetLength is the snippet length the mail parser is asked for:
// the configured one (config.DefaultSnippetLength when unset), negative
// for none, so no body text is fetched at all.
func SnippetLength(cfg *config.Config) int {
	return cmp.Or(cfg.Retention.SnippetLength, config.DefaultSnippetLength)
}

// Team builds the team's address classifier from the config.
func Team(cfg *config.Config) model.Team {
	members := make([]string, len(cfg.Team.Members))
	for i, m := range cfg.Team.Members {
		members[i] = m.Email
	}
	return model.NewTeam(cfg.Team.Domains, members)
}

// MatchConfig is the matcher's configuration: the team, its members'
// names for the reasons, and the matching section.
func MatchConfig(cfg *config.Config) match.Config {
	names := map[string]string{}
	for _, m := range cfg.Team.Members {
		if m.Name != "" {
			names[m.Email] = m.Name
		}
	}
	mt := cfg.Matching
	return match.Config{
		Team:            Team(cfg),
		MemberNames:     names,
		Lookback:        mt.Lookback,
		Grace:           mt.Grace,
		FreeMailDomains: mt.FreeMailDomains,
		IgnoreDomains:   mt.Ignore.Domains,
		IgnoreAddresses: mt.Ignore.Addresses,
	}
}

// Owners maps each mailbox's and calendar's name to the member who owns
// it.
func Owners(cfg *config.Config) map[string]string {
	owners := map[string]string{}
	for _, mb := range cfg.Mailboxes {
		owners[mb.Name] = mb.Owner
		owners[ingest.InviteSource(mb.Name)] = mb.Owner
	}
	for _, c := range cfg.Calendars {
		owners[c.Name] = c.Owner
	}
	return owners
}

// CalendarWorkers builds one poller per configured calendar; tune, if not
// nil, adjusts each worker's options (test dialers).
func (a *App) CalendarWorkers(tune func(*calsync.WorkerOptions)) ([]*calsync.Worker, error) {
	var workers []*calsync.Worker
	for _, c := range a.Config.Calendars {
		w, err := a.CalendarWorker(a.Config, c, tune)
		if err != nil {
			return nil, err
		}
		workers = append(workers, w)
	}
	return workers, nil
}

// CalendarWorker builds the poller of calendar c with the settings of
// cfg, which may be newer than a.Config (a reloaded file).
func (a *App) CalendarWorker(cfg *config.Config, c config.Calendar, tune func(*calsync.WorkerOptions)) (*calsync.Worker, error) {
	opts := calsync.WorkerOptions{
		Calendar:     c,
		Settings:     cfg.Calendar,
		Store:        a.Store,
		Sink:         a.Ingest,
		PollInterval: cfg.PollInterval,
		Logger:       a.Logger,
	}
	if tune != nil {
		tune(&opts)
	}
	return calsync.NewWorker(opts)
}

// MailWorkers builds one sync worker per configured mailbox; tune, if not
// nil, adjusts each worker's options (progress reporting, test dialers).
func (a *App) MailWorkers(tune func(*mailsync.Options)) ([]*mailsync.Worker, error) {
	var workers []*mailsync.Worker
	for _, mb := range a.Config.Mailboxes {
		w, err := a.MailWorker(a.Config, mb, tune)
		if err != nil {
			return nil, err
		}
		workers = append(workers, w)
	}
	return workers, nil
}

// MailWorker builds the sync worker of mailbox mb with the settings of
// cfg, which may be newer than a.Config (a reloaded file).
func (a *App) MailWorker(cfg *config.Config, mb config.Mailbox, tune func(*mailsync.Options)) (*mailsync.Worker, error) {
	opts := mailsync.Options{
		Mailbox:      mb,
		Store:        a.Store,
		Sink:         a.Ingest,
		PollInterval: cfg.PollInterval,
		Backfill:     cfg.Backfill,
		// Ingest leaves out mail within the team: its text is
		// not worth fetching.
		NeedsParts: a.Ingest.Keeps,
		Parse:      mailparse.Options{SnippetLen: SnippetLength(a.Config)},
		Logger:     a.Logger,
	}
	if tune != nil {
		tune(&opts)
	}
	w, err := mailsync.NewWorker(opts)
	if err != nil {
		return nil, fmt.Errorf("mailbox %s: %w", mb.Name, err)
	}
	return w, nil
}
