package config

import (
	"log/slog"
	"testing"
	"time"
)

func TestLogAndRetentionDefaults(t *testing.T) {
	cfg, _, err := parseIn(t, teamYAML, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Log != (Log{Format: LogText, Level: slog.LevelInfo}) {
		t.Errorf("log = %+v, want text at info", cfg.Log)
	}
	if cfg.Retention != (Retention{SnippetLength: DefaultSnippetLength}) {
		t.Errorf("retention = %+v, want snippets of %d kept forever", cfg.Retention, DefaultSnippetLength)
	}
}

func TestLogAndRetentionSettings(t *testing.T) {
	for _, tc := range []struct {
		text      string
		log       Log
		retention Retention
	}{
		{"log: {format: json, level: debug}\nretention: {snippet_length: 500, unlinked_after: 180d}\n",
			Log{LogJSON, slog.LevelDebug}, Retention{500, 180 * 24 * time.Hour}},
		{"log: {format: TEXT, level: Warn}\nretention: {snippet_length: 0, unlinked_after: 0}\n",
			Log{LogText, slog.LevelWarn}, Retention{-1, 0}},
		{"log: {level: error}\nretention: {unlinked_after: 1d}\n",
			Log{LogText, slog.LevelError}, Retention{DefaultSnippetLength, 24 * time.Hour}},
	} {
		cfg, _, err := parseIn(t, teamYAML+tc.text, nil, nil)
		if err != nil {
			t.Errorf("%q: %v", tc.text, err)
			continue
		}
		if cfg.Log != tc.log || cfg.Retention != tc.retention {
			t.Errorf("%q: log %+v, retention %+v; want %+v, %+v", tc.text, cfg.Log, cfg.Retention, tc.log, tc.retention)
		}
	}
}

func TestLogAndRetentionErrors(t *testing.T) {
	text := teamYAML + `log:
  format: xml
  level: verbose
  colour: true
retention:
  snippet_length: -5
  unlinked_after: 2h
`
	_, err := Parse("dealtrail.yaml", []byte(text), nil)
	assertErrors(t, err, "dealtrail.yaml:", []string{
		`7: log.format: unknown value "xml" (allowed: text, json)`,
		`8: log.level: unknown value "verbose" (allowed: debug, info, warn, error)`,
		`9: log.colour: unknown key (known: format, level)`,
		`11: retention.snippet_length: must be between 0 (no snippet) and 100000`,
		`12: retention.unlinked_after: must be 0 (keep forever) or at least 1d`,
	})
}
