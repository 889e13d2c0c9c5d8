package config

import (
	"log/slog"
	"time"
)

// Log formats.
const (
	LogText = "text"
	LogJSON = "json"
)

// Keys known in the log and retention sections.
var (
	logKeys       = []string{"format", "level"}
	retentionKeys = []string{"snippet_length", "unlinked_after"}
)

var (
	logFormats = []string{LogText, LogJSON}
	logLevels  = map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}
	// logLevelNames are logLevels' keys, least severe first.
	logLevelNames = []string{"debug", "info", "warn", "error"}
)

// Log says how dealtrail logs to standard error.
type Log struct {
	// Format is LogText (key=value lines) or LogJSON (one object a line).
	Format string
	// Level is the least severe level logged.
	Level slog.Level
}

// DefaultLog is the log section of a config that has none.
func DefaultLog() Log { return Log{Format: LogText, Level: slog.LevelInfo} }

// Retention defaults and bounds.
const (
	DefaultSnippetLength = 2000
	MaxSnippetLength     = 100000
	// MinUnlinkedAfter keeps a typo from deleting yesterday's mail.
	MinUnlinkedAfter = 24 * time.Hour
)

// Retention says what is kept and for how long.
type Retention struct {
	// SnippetLength caps the stored body snippet, in characters: 0 means
	// DefaultSnippetLength and a negative value no body text at all (the
	// file's snippet_length: 0).
	SnippetLength int
	// UnlinkedAfter: activities never linked to a deal (and never
	// decided on by a person) older than this are deleted; 0 keeps them
	// forever.
	UnlinkedAfter time.Duration
}

// DefaultRetention is the retention section of a config that has none.
func DefaultRetention() Retention { return Retention{SnippetLength: DefaultSnippetLength} }

// log decodes the log section.
func (d *decoder) log(v value) Log {
	l := DefaultLog()
	if !v.present() {
		return l
	}
	m, ok := d.mapping(v, logKeys)
	if !ok {
		return l
	}
	l.Format = d.choice(m.at("format"), LogText, logFormats)
	if level, known := logLevels[d.choice(m.at("level"), "info", logLevelNames)]; known {
		l.Level = level
	}
	return l
}

// retention decodes the retention section.
func (d *decoder) retention(v value) Retention {
	r := DefaultRetention()
	if !v.present() {
		return r
	}
	m, ok := d.mapping(v, retentionKeys)
	if !ok {
		return r
	}
	if sv := m.at("snippet_length"); sv.present() {
		if n, ok := d.integer(sv); ok {
			if n < 0 || n > MaxSnippetLength {
				d.errorf(sv, "must be between 0 (no snippet) and %d", MaxSnippetLength)
			} else {
				r.SnippetLength = n
				if n == 0 {
					r.SnippetLength = -1
				}
			}
		}
	}
	if uv := m.at("unlinked_after"); uv.present() {
		if dur, ok := d.duration(uv); ok {
			if dur != 0 && dur < MinUnlinkedAfter {
				d.errorf(uv, "must be 0 (keep forever) or at least %s", formatDuration(MinUnlinkedAfter))
			} else {
				r.UnlinkedAfter = dur
			}
		}
	}
	return r
}
