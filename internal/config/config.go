// Package config loads, defaults and validates dealtrail's YAML
// configuration. Secrets come from the environment (${VAR}) or from files
// and never appear in an error; every error names the file, the line and
// the key path it is about, and all of them are reported at once.
package config

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"time"
)

// Defaults applied when a key is absent.
const (
	DefaultDatabase     = "./data/dealtrail.db"
	DefaultListen       = "127.0.0.1:8080"
	DefaultPollInterval = 2 * time.Minute
	DefaultBackfill     = 365 * 24 * time.Hour
)

// MinPollInterval is the shortest poll_interval accepted, so that a typo
// cannot make dealtrail hammer the team's mail servers.
const MinPollInterval = 10 * time.Second

// Keys known at the top level of the file.
var topKeys = []string{"database", "listen", "poll_interval", "backfill", "team", "matching", "mailboxes", "calendar", "calendars", "trusted_proxies", "ui", "log", "retention"}

// Load reads the configuration file at path, expanding ${VAR} from the
// process environment. See Parse.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(path, data, os.LookupEnv)
}

// Parse decodes, defaults and validates the YAML in data as if read from
// path: path prefixes every error, and relative paths in the file
// (database, password_file) resolve against its directory. env looks up the
// variables of ${VAR} references; nil means none is set. A non-nil error
// joins one *Error per problem found, ordered by line.
func Parse(path string, data []byte, env func(string) (string, bool)) (*Config, error) {
	if env == nil {
		env = func(string) (string, bool) { return "", false }
	}
	d := &decoder{file: path, dir: baseDir(path), env: env}
	cfg := &Config{Path: path}
	if root, ok := d.document(data); ok {
		d.config(root, cfg)
	}
	if err := d.err(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// config decodes the top-level mapping into cfg.
func (d *decoder) config(root value, cfg *Config) {
	m, ok := d.mapping(root, topKeys)
	if !ok {
		return
	}
	cfg.Database = DefaultDatabase
	if v := m.at("database"); v.present() {
		if s, ok := d.requiredText(v); ok {
			cfg.Database = s
		}
	}
	cfg.Database = d.resolve(cfg.Database)

	cfg.Listen = DefaultListen
	if v := m.at("listen"); v.present() {
		if s, ok := d.requiredText(v); ok && d.checkListen(v, s) {
			cfg.Listen = s
		}
	}

	cfg.PollInterval = DefaultPollInterval
	if v := m.at("poll_interval"); v.present() {
		if dur, ok := d.duration(v); ok {
			if dur < MinPollInterval {
				d.errorf(v, "must be at least %s", MinPollInterval)
			}
			cfg.PollInterval = dur
		}
	}

	cfg.Backfill = DefaultBackfill
	if v := m.at("backfill"); v.present() {
		if dur, ok := d.duration(v); ok {
			if dur < 0 {
				d.errorf(v, "must not be negative (0 means everything)")
			}
			cfg.Backfill = dur
		}
	}

	members := map[string]bool{}
	if v := m.at("team"); d.required(v) {
		cfg.Team = d.team(v)
		for _, mem := range cfg.Team.Members {
			members[mem.Email] = true
		}
	}
	cfg.Matching = d.matching(m.at("matching"))
	if v := m.at("mailboxes"); v.present() {
		cfg.Mailboxes = d.mailboxes(v, members)
	}
	cfg.Calendar = d.calendarSettings(m.at("calendar"))
	if v := m.at("calendars"); v.present() {
		cfg.Calendars = d.calendars(v, members)
	}
	if v := m.at("trusted_proxies"); v.present() {
		cfg.TrustedProxies = d.trustedProxies(v)
	}
	cfg.UI = d.ui(m.at("ui"))
	cfg.Log = d.log(m.at("log"))
	cfg.Retention = d.retention(m.at("retention"))
}

// checkListen reports whether s is a usable host:port to listen on.
func (d *decoder) checkListen(v value, s string) bool {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		d.errorf(v, "%q is not host:port (e.g. 127.0.0.1:8080 or :8080)", s)
		return false
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		d.errorf(v, "port %q must be a number between 0 and 65535", port)
		return false
	}
	if host != "" && !validHost(host) {
		d.errorf(v, "%q is not a valid host name or IP address", host)
		return false
	}
	return true
}
