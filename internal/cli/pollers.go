package cli

import (
	"context"
	"log/slog"
	"maps"
	"reflect"
	"slices"

	"github.com/dealtrail/dealtrail/internal/app"
	"github.com/dealtrail/dealtrail/internal/config"
	"github.com/dealtrail/dealtrail/internal/schedule"
)

// pollers keeps serve's mailbox and calendar pollers in step with its
// config file: reload reads the file again and starts, stops or
// restarts only the pollers whose source was added, removed or changed.
type pollers struct {
	app    *app.App
	set    *schedule.Set
	logger *slog.Logger
	// cfg is the config the running pollers were built from.
	cfg *config.Config
	// specs are the running pollers' settings, by set name.
	specs map[string]pollerSpec
}

// pollerSpec is one source's poller: what it is called, everything its
// behaviour depends on (compared to tell a changed source), and how to
// build it.
type pollerSpec struct {
	kind, name string
	settings   any
	build      func() (schedule.Runner, error)
}

// newPollers returns pollers for a that run under ctx, none started yet.
func newPollers(ctx context.Context, a *app.App, logger *slog.Logger) *pollers {
	return &pollers{app: a, set: schedule.NewSet(ctx), logger: logger, specs: map[string]pollerSpec{}}
}

// specsOf lists the pollers cfg asks for, by set name.
func (p *pollers) specsOf(cfg *config.Config) map[string]pollerSpec {
	specs := map[string]pollerSpec{}
	for _, mb := range cfg.Mailboxes {
		specs["mailbox "+mb.Name] = pollerSpec{kind: "mailbox", name: mb.Name,
			settings: []any{mb, cfg.PollInterval, cfg.Backfill},
			build: func() (schedule.Runner, error) {
				return p.app.MailWorker(cfg, mb, nil)
			}}
	}
	for _, c := range cfg.Calendars {
		specs["calendar "+c.Name] = pollerSpec{kind: "calendar", name: c.Name,
			settings: []any{c, cfg.Calendar, cfg.PollInterval},
			build: func() (schedule.Runner, error) {
				return p.app.CalendarWorker(cfg, c, nil)
			}}
	}
	return specs
}

// start starts the pollers of cfg, the config serve started with. It
// fails when one cannot be built.
func (p *pollers) start(cfg *config.Config) error {
	specs := p.specsOf(cfg)
	runners := map[string]schedule.Runner{}
	for key, s := range specs {
		r, err := s.build()
		if err != nil {
			return err
		}
		runners[key] = r
	}
	for key, r := range runners {
		p.set.Start(key, r)
	}
	p.cfg, p.specs = cfg, specs
	return nil
}

// reload reads the config file again. An invalid file is logged (its
// errors name key and line, never a secret) and changes nothing;
// otherwise the pollers follow the new file and what cannot change
// without a restart is logged.
func (p *pollers) reload() {
	cfg, err := config.Load(p.cfg.Path)
	if err != nil {
		p.logger.Error("config reload failed, keeping the running config", "config", p.cfg.Path, "err", err)
		return
	}
	p.apply(cfg)
}

// apply makes the running pollers those of cfg.
func (p *pollers) apply(cfg *config.Config) {
	specs := p.specsOf(cfg)
	added, removed, restarted, failed := 0, 0, 0, 0
	for _, key := range slices.Sorted(maps.Keys(p.specs)) {
		if _, ok := specs[key]; !ok {
			old := p.specs[key]
			p.set.Stop(key)
			p.logger.Info("poller stopped, source removed", "kind", old.kind, "source", old.name)
			removed++
		}
	}
	next := map[string]pollerSpec{}
	for _, key := range slices.Sorted(maps.Keys(specs)) {
		s := specs[key]
		old, running := p.specs[key]
		if running && reflect.DeepEqual(old.settings, s.settings) {
			next[key] = old
			continue
		}
		r, err := s.build()
		if err != nil {
			// A source that cannot be built keeps its old poller, if any.
			p.logger.Error("poller not started", "kind", s.kind, "source", s.name, "err", err)
			if running {
				next[key] = old
			}
			failed++
			continue
		}
		p.set.Start(key, r) // stops the old one first
		next[key] = s
		if running {
			p.logger.Info("poller restarted, settings changed", "kind", s.kind, "source", s.name)
			restarted++
		} else {
			p.logger.Info("poller started, source added", "kind", s.kind, "source", s.name)
			added++
		}
	}
	for _, key := range restartOnly(p.cfg, cfg) {
		p.logger.Warn("config change needs a restart", "key", key)
	}
	p.specs = next
	p.cfg = cfg
	p.logger.Info("config reloaded", "config", cfg.Path, "added", added, "removed", removed,
		"restarted", restarted, "failed", failed, "running", len(next))
}

// restartOnly names the top-level keys that differ between old and cfg
// and only take effect when serve starts again.
func restartOnly(old, cfg *config.Config) []string {
	var keys []string
	for _, f := range []struct {
		key      string
		old, new any
	}{
		{"database", old.Database, cfg.Database},
		{"listen", old.Listen, cfg.Listen},
		{"team", old.Team, cfg.Team},
		{"matching", old.Matching, cfg.Matching},
		{"trusted_proxies", old.TrustedProxies, cfg.TrustedProxies},
		{"ui", old.UI, cfg.UI},
		{"log", old.Log, cfg.Log},
		{"retention", old.Retention, cfg.Retention},
	} {
		if !reflect.DeepEqual(f.old, f.new) {
			keys = append(keys, f.key)
		}
	}
	return keys
}

// stop stops every poller and waits for them.
func (p *pollers) stop() { p.set.StopAll() }
