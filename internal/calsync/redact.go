package calsync

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode"
)

// RedactURL returns raw fit for an error message or a log line: no user
// information, no query string, no fragment, and every path segment that
// looks like a secret token replaced by "***". Published calendars carry
// their secret in the path as often as in the query: Google's
// ".../private-0123abcd.../basic.ics", iCloud's "/published/2/<token>",
// Outlook's ".../<guid>@domain/<token>/calendar.ics".
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(unparsable URL)"
	}
	out := url.URL{Scheme: u.Scheme, Host: u.Host}
	segs := strings.Split(u.EscapedPath(), "/")
	for i, s := range segs {
		if looksSecret(s) {
			segs[i] = "***"
		}
	}
	s := out.String() + strings.Join(segs, "/")
	if u.RawQuery != "" || u.ForceQuery {
		s += "?***"
	}
	return s
}

// looksSecret tells whether a path segment looks like a token: Google's
// "private-..." form; a long segment with many digits (hex, UUIDs); or a
// long run of mixed-case letters and digits without separators (base64).
func looksSecret(seg string) bool {
	if strings.HasPrefix(seg, "private-") && len(seg) > len("private-") {
		return true
	}
	if len(seg) < 16 {
		return false
	}
	var letters, digits, upper, lower, separators int
	for _, r := range seg {
		switch {
		case unicode.IsDigit(r):
			digits++
		case unicode.IsLetter(r):
			letters++
			if unicode.IsUpper(r) {
				upper++
			} else {
				lower++
			}
		case strings.ContainsRune("-.%~", r):
			separators++
		}
	}
	if letters > 0 && digits >= 4 && digits*8 >= len(seg) {
		return true
	}
	return len(seg) >= 20 && upper > 0 && lower > 0 && separators == 0
}

// StatusError is an HTTP answer other than the one expected.
type StatusError struct {
	Code int
}

// Error gives the status in words, such as "HTTP 404 Not Found".
func (e *StatusError) Error() string { return statusWords(e.Code) }

// statusWords returns a status as "HTTP 404 Not Found".
func statusWords(code int) string {
	if text := http.StatusText(code); text != "" {
		return fmt.Sprintf("HTTP %d %s", code, text)
	}
	return fmt.Sprintf("HTTP %d", code)
}

// SizeError reports a body larger than the limit (HTTPOptions.MaxBytes,
// CalDAVOptions.MaxBytes, FileFeed.MaxBytes).
type SizeError struct {
	Limit int64
}

// Error names the limit.
func (e *SizeError) Error() string {
	return fmt.Sprintf("larger than the limit of %s", formatBytes(e.Limit))
}

// formatBytes writes n as "20 MB", "512 KB" or "100 bytes".
func formatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
