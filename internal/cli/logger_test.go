package cli

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/dealtrail/dealtrail/internal/config"
)

func TestNewLoggerJSON(t *testing.T) {
	var out bytes.Buffer
	logger := newLogger(&out, config.Log{Format: config.LogJSON, Level: slog.LevelDebug}, slog.LevelDebug)
	logger.Debug("mailbox polled", "mailbox", "rep1", "fetched", 3)
	logger.Warn("poll failed", "source", "mailbox:rep1", "error", "connection \"refused\"\nretrying")
	logger.Info("secret", "password", config.NewSecret("hunter2"))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("want 3 lines, got %d:\n%s", len(lines), out.String())
	}
	for _, line := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("not a JSON line: %q: %v", line, err)
		}
		// A missing key is nil, not "": check for a non-empty string.
		for _, key := range []string{"msg", "level", "time"} {
			if s, _ := rec[key].(string); s == "" {
				t.Errorf("line misses %s: %v", key, rec)
			}
		}
	}
	var first map[string]any
	json.Unmarshal([]byte(lines[0]), &first)
	if first["msg"] != "mailbox polled" || first["level"] != "DEBUG" || first["mailbox"] != "rep1" || first["fetched"] != 3.0 {
		t.Errorf("first line = %v", first)
	}
	if strings.Contains(out.String(), "hunter2") {
		t.Errorf("a secret reached the log: %s", out.String())
	}
}

func TestNewLoggerLevels(t *testing.T) {
	for _, tc := range []struct {
		log         config.Log
		floor       slog.Level
		debug, info bool
	}{
		{config.DefaultLog(), slog.LevelDebug, false, true},
		{config.Log{Format: config.LogText, Level: slog.LevelDebug}, slog.LevelDebug, true, true},
		{config.Log{Format: config.LogText, Level: slog.LevelDebug}, slog.LevelWarn, false, false},
		{config.Log{Format: config.LogJSON, Level: slog.LevelError}, slog.LevelDebug, false, false},
		{config.Log{}, slog.LevelDebug, false, true}, // a config built in code: text at info
	} {
		var out bytes.Buffer
		logger := newLogger(&out, tc.log, tc.floor)
		if debug, info := logger.Enabled(t.Context(), slog.LevelDebug), logger.Enabled(t.Context(), slog.LevelInfo); debug != tc.debug || info != tc.info {
			t.Errorf("%+v floor %v: debug %v, info %v; want %v, %v", tc.log, tc.floor, debug, info, tc.debug, tc.info)
		}
		logger.Info("hello")
		if json := strings.HasPrefix(out.String(), "{"); tc.info && json != (tc.log.Format == config.LogJSON) {
			t.Errorf("%+v: wrote %q", tc.log, out.String())
		}
	}
}
