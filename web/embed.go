// Package web holds the web UI's templates and static files, embedded in
// the binary: templates/*.html (html/template, parsed once when the
// server starts) and static/ (CSS and the small script the pages use).
// The handlers that use them live in internal/web.
package web

import "embed"

// FS holds templates/ and static/.
//
//go:embed templates/*.html static/*
var FS embed.FS
