package config

import (
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// teamYAML is a valid team section of five lines; cases that add
// mailboxes start on line 6.
const teamYAML = `team:
  domains: [OurCo.Example]
  members:
    - {email: Rep1@OurCo.example, name: Alice Rep}
    - {email: lead@ourco.example, role: Leader}
`

// envOf returns a lookup over vars.
func envOf(vars map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

// parseIn writes files (name → contents) into a fresh directory and parses
// the config text as dir/dealtrail.yaml.
func parseIn(t *testing.T, text string, files map[string]string, vars map[string]string) (*Config, string, error) {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := Parse(filepath.Join(dir, "dealtrail.yaml"), []byte(text), envOf(vars))
	return cfg, dir, err
}

func TestDefaults(t *testing.T) {
	text := teamYAML + `mailboxes:
  - owner: REP1@ourco.example
    host: imap.example.com
    username: rep1
    password: ${PW}
  - owner: lead@ourco.example
    host: localhost
    tls: None
    username: lead
    auth: PLAIN
    password: 1234
`
	cfg, dir, err := parseIn(t, text, nil, map[string]string{"PW": "pw-from-env"})
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		Path:         filepath.Join(dir, "dealtrail.yaml"),
		Database:     filepath.Join(dir, "data", "dealtrail.db"),
		Listen:       "127.0.0.1:8080",
		PollInterval: 2 * time.Minute,
		Backfill:     365 * 24 * time.Hour,
		Team: Team{
			Domains: []string{"ourco.example"},
			Members: []Member{
				{Email: "rep1@ourco.example", Name: "Alice Rep", Role: RoleRep},
				{Email: "lead@ourco.example", Role: RoleLeader},
			},
		},
		Matching:  Matching{Lookback: 30 * 24 * time.Hour, Grace: 14 * 24 * time.Hour},
		Calendar:  CalendarSettings{Past: 365 * 24 * time.Hour, Future: 90 * 24 * time.Hour},
		UI:        UI{GoneDarkAfter: 21 * 24 * time.Hour, GapAtLeast: 14 * 24 * time.Hour, SessionLifetime: 30 * 24 * time.Hour},
		Log:       Log{Format: LogText, Level: slog.LevelInfo},
		Retention: Retention{SnippetLength: DefaultSnippetLength},
		Mailboxes: []Mailbox{
			{Name: "rep1@ourco.example", Owner: "rep1@ourco.example", Host: "imap.example.com", Port: 993,
				TLS: TLSImplicit, Username: "rep1", Auth: AuthPlain, Password: NewSecret("pw-from-env")},
			{Name: "lead@ourco.example", Owner: "lead@ourco.example", Host: "localhost", Port: 143,
				TLS: TLSNone, Username: "lead", Auth: AuthPlain, Password: NewSecret("1234")},
		},
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("got\n%#v\nwant\n%#v", cfg, want)
	}
	for i, mb := range cfg.Mailboxes {
		if got := mb.Password.Reveal(); got != want.Mailboxes[i].Password.Reveal() {
			t.Errorf("mailboxes[%d] password = %q", i, got)
		}
	}
}

func TestMatchingSettings(t *testing.T) {
	text := teamYAML + `matching:
  lookback: 60d
  grace: 0
  freemail_domains: [Mail.Example, posteo.de]
  ignore:
    domains: [news.example]
    addresses: [Noreply@Tool.example]
`
	cfg, _, err := parseIn(t, text, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Matching{
		Lookback:        60 * 24 * time.Hour,
		FreeMailDomains: []string{"mail.example", "posteo.de"},
		Ignore:          Ignore{Domains: []string{"news.example"}, Addresses: []string{"noreply@tool.example"}},
	}
	if !reflect.DeepEqual(cfg.Matching, want) {
		t.Errorf("matching = %+v, want %+v", cfg.Matching, want)
	}
}

func TestCalendars(t *testing.T) {
	text := teamYAML + `calendar:
  future: 30d
  allow_private_networks: true
calendars:
  - owner: rep1@ourco.example
    url: webcal://cal.example.com/rep1/basic.ics
  - owner: rep1@ourco.example
    caldav: https://dav.example.com/
    username: rep1
    password: ${DAV}
  - name: exports
    owner: lead@ourco.example
    file: exports/lead.ics
`
	cfg, dir, err := parseIn(t, text, nil, map[string]string{"DAV": "dav-secret"})
	if err != nil {
		t.Fatal(err)
	}
	want := []Calendar{
		{Name: "rep1@ourco.example", Owner: "rep1@ourco.example", Kind: CalendarURL, Location: "https://cal.example.com/rep1/basic.ics"},
		{Name: "rep1@ourco.example 2", Owner: "rep1@ourco.example", Kind: CalendarCalDAV, Location: "https://dav.example.com/",
			Username: "rep1", Password: NewSecret("dav-secret")},
		{Name: "exports", Owner: "lead@ourco.example", Kind: CalendarFile, Location: filepath.Join(dir, "exports", "lead.ics")},
	}
	if !reflect.DeepEqual(cfg.Calendars, want) || cfg.Calendars[1].Password.Reveal() != "dav-secret" {
		t.Errorf("calendars = %#v\nwant %#v", cfg.Calendars, want)
	}
	if cfg.Calendar != (CalendarSettings{Past: 365 * 24 * time.Hour, Future: 30 * 24 * time.Hour, AllowPrivateNetworks: true}) {
		t.Errorf("calendar = %+v", cfg.Calendar)
	}
}

func TestSettings(t *testing.T) {
	text := `database: /var/lib/dealtrail/db.sqlite
listen: ":9090"
poll_interval: 1h30m
backfill: 0
` + teamYAML + `mailboxes:
  - name: ${BOX}
    owner: rep1@ourco.example
    host: 127.0.0.2
    port: ${PORT}
    tls: starttls
    username: rep1
    auth: xoauth2
    oauth2:
      token_url: https://login.example.com/token
      client_id: app
      refresh_token: ${RT}
      scopes: &scopes [imap, offline_access]
    folders: &f [INBOX, "[Gmail]/All Mail"]
  - owner: lead@ourco.example
    host: ::1
    tls: none
    username: lead
    password: x
    folders: *f
`
	cfg, _, err := parseIn(t, text, nil, map[string]string{"BOX": "sales", "PORT": "1143", "RT": "rt"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Database != "/var/lib/dealtrail/db.sqlite" || cfg.Listen != ":9090" ||
		cfg.PollInterval != 90*time.Minute || cfg.Backfill != 0 {
		t.Errorf("top level = %q %q %v %v", cfg.Database, cfg.Listen, cfg.PollInterval, cfg.Backfill)
	}
	mb := cfg.Mailboxes[0]
	if mb.Name != "sales" || mb.Port != 1143 || mb.TLS != TLSStartTLS || mb.Auth != AuthXOAuth2 || !mb.Password.IsZero() {
		t.Errorf("mailbox = %+v", mb)
	}
	o := mb.OAuth2
	if o == nil || o.TokenURL != "https://login.example.com/token" || o.ClientID != "app" ||
		!o.ClientSecret.IsZero() || o.RefreshToken.Reveal() != "rt" ||
		!reflect.DeepEqual(o.Scopes, []string{"imap", "offline_access"}) {
		t.Errorf("oauth2 = %+v", o)
	}
	folders := []string{"INBOX", "[Gmail]/All Mail"}
	if !reflect.DeepEqual(mb.Folders, folders) || !reflect.DeepEqual(cfg.Mailboxes[1].Folders, folders) {
		t.Errorf("folders = %q, %q", mb.Folders, cfg.Mailboxes[1].Folders)
	}
}

func TestPaths(t *testing.T) {
	abs := filepath.Join(t.TempDir(), "elsewhere.password")
	if err := os.WriteFile(abs, []byte("abs-pw\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	box := func(n int, file string) string {
		return "  - {name: b" + string(rune('0'+n)) + ", owner: rep1@ourco.example, host: h.example, username: u, password_file: \"" + file + "\"}\n"
	}
	text := "database: db/dt.sqlite\n" + teamYAML + "mailboxes:\n" +
		box(0, "secrets/one") + box(1, "secrets/two") + box(2, "secrets/three") +
		box(3, abs) + box(4, "${SECRETS}/one")
	files := map[string]string{
		"secrets/one":   "one-pw\n",
		"secrets/two":   "two-pw\n\n",
		"secrets/three": "three-pw\r\n",
	}
	cfg, dir, err := parseIn(t, text, files, map[string]string{"SECRETS": "secrets"})
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "db", "dt.sqlite"); cfg.Database != want {
		t.Errorf("database = %q, want %q", cfg.Database, want)
	}
	want := []string{"one-pw", "two-pw\n", "three-pw", "abs-pw", "one-pw"}
	for i, mb := range cfg.Mailboxes {
		if got := mb.Password.Reveal(); got != want[i] {
			t.Errorf("mailboxes[%d] password = %q, want %q", i, got, want[i])
		}
	}
}

func TestPasswordFileErrors(t *testing.T) {
	text := teamYAML + `mailboxes:
  - {name: a, owner: rep1@ourco.example, host: h.example, username: u, password_file: missing.txt}
  - {name: b, owner: rep1@ourco.example, host: h.example, username: u, password_file: empty.txt}
  - {name: c, owner: rep1@ourco.example, host: h.example, username: u, password_file: adir}
`
	_, dir, err := parseIn(t, text, map[string]string{"empty.txt": "\n", "adir/x": "file-contents"}, nil)
	assertErrors(t, err, filepath.Join(dir, "dealtrail.yaml")+":", []string{
		"7: mailboxes[0].password_file: cannot read missing.txt: no such file or directory",
		"8: mailboxes[1].password_file: file empty.txt is empty",
		"9: mailboxes[2].password_file: cannot read adir: is a directory",
	})
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "dealtrail.yaml")
	text := teamYAML + "mailboxes:\n  - {owner: rep1@ourco.example, host: h.example, username: u, password: \"${DEALTRAIL_TEST_PW}\"}\n"
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DEALTRAIL_TEST_PW", "from-process-env")
	cfg, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Path != path || cfg.Mailboxes[0].Password.Reveal() != "from-process-env" {
		t.Errorf("Load = %+v", cfg)
	}
	if _, err := Load(filepath.Join(dir, "nope.yaml")); err == nil || !strings.Contains(err.Error(), "nope.yaml") {
		t.Errorf("Load of a missing file: %v", err)
	}
}

func TestParseDuration(t *testing.T) {
	day := 24 * time.Hour
	ok := map[string]time.Duration{
		"0": 0, "2m": 2 * time.Minute, "90s": 90 * time.Second, "1h30m": 90 * time.Minute,
		"365d": 365 * day, "0d": 0, "1d12h": day + 12*time.Hour, "2d30m15s": 2*day + 30*time.Minute + 15*time.Second,
		"-5m": -5 * time.Minute,
	}
	for s, want := range ok {
		if got, err := parseDuration(s); err != nil || got != want {
			t.Errorf("parseDuration(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "2", "2 minutes", "d", "-1d", "+1d", "1.5d", "1d-2h", "1d2d", "1h2d", "1_000d", "100001d", "99999d2562047h"} {
		if got, err := parseDuration(s); err == nil {
			t.Errorf("parseDuration(%q) = %v, want an error", s, got)
		}
	}
}

func TestExpand(t *testing.T) {
	vars := envOf(map[string]string{"A": "alpha", "B_2": "beta", "EMPTY": "", "REF": "${A}"})
	tests := []struct {
		in, out   string
		unset     []string
		malformed bool
	}{
		{in: "plain $A text", out: "plain $A text"},
		{in: "${A}", out: "alpha"},
		{in: "x${A}-${B_2}y", out: "xalpha-betay"},
		{in: "[${EMPTY}]", out: "[]"},
		{in: "${REF}", out: "${A}"},
		{in: "$${A} and ${A}", out: "${A} and alpha"},
		{in: "${NOPE}${A}${ALSO_NOPE}", out: "alpha", unset: []string{"NOPE", "ALSO_NOPE"}},
		{in: "pa${ss", malformed: true},
		{in: "${1A}", malformed: true},
		{in: "${A B}", malformed: true},
		{in: "${}", malformed: true},
	}
	for _, tt := range tests {
		out, unset, malformed := expand(tt.in, vars)
		if malformed != tt.malformed || !reflect.DeepEqual(unset, tt.unset) || (!malformed && out != tt.out) {
			t.Errorf("expand(%q) = %q, %q, %v; want %q, %q, %v", tt.in, out, unset, malformed, tt.out, tt.unset, tt.malformed)
		}
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"host", "host", 0}, {"hots", "host", 1}, {"hst", "host", 1}, {"pasword", "password", 1},
		{"", "tls", 3}, {"usr", "username", 5}, {"tsl", "tls", 1},
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
