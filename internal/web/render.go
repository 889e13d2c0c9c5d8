package web

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
)

// pages holds the parsed templates, one set per page (each with the
// layout and the shared partials), and the static files' versions.
type pages struct {
	sets map[string]*template.Template
	// versions maps a static file's name to a hash of its content, put in
	// its URL so a browser may keep it until it changes.
	versions map[string]string
	static   fs.FS
}

// Shared template files, parsed into every page's set.
var sharedTemplates = []string{"layout.html", "partials.html", "dealparts.html"}

// loadPages parses every template of fsys once.
func loadPages(fsys fs.FS, funcs template.FuncMap) (*pages, error) {
	p := &pages{sets: map[string]*template.Template{}, versions: map[string]string{}}
	static, err := fs.Sub(fsys, "static")
	if err != nil {
		return nil, fmt.Errorf("web: static files: %w", err)
	}
	p.static = static
	files, err := fs.ReadDir(static, ".")
	if err != nil {
		return nil, fmt.Errorf("web: static files: %w", err)
	}
	for _, f := range files {
		data, err := fs.ReadFile(static, f.Name())
		if err != nil {
			return nil, fmt.Errorf("web: static file %s: %w", f.Name(), err)
		}
		sum := sha256.Sum256(data)
		p.versions[f.Name()] = hex.EncodeToString(sum[:6])
	}
	funcs["static"] = p.staticURL
	names, err := fs.Glob(fsys, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	for _, name := range names {
		base := path.Base(name)
		if slices.Contains(sharedTemplates, base) {
			continue
		}
		files := []string{name}
		for _, sh := range sharedTemplates {
			files = append(files, "templates/"+sh)
		}
		t, err := template.New(base).Funcs(funcs).ParseFS(fsys, files...)
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", base, err)
		}
		p.sets[base] = t
	}
	return p, nil
}

// execute renders the page template name.
func (p *pages) execute(w io.Writer, name string, data any) error {
	t, ok := p.sets[name]
	if !ok {
		return fmt.Errorf("no template %s", name)
	}
	return t.ExecuteTemplate(w, name, data)
}

// staticURL is the URL of a static file, with its version.
func (p *pages) staticURL(name string) string {
	return "/static/" + name + "?v=" + p.versions[name]
}

// bidiControls are the characters that reorder text around them: an
// outsider's subject or name could use them to make a page lie.
var bidiControls = strings.NewReplacer(
	"\u202a", "\ufffd", "\u202b", "\ufffd", "\u202c", "\ufffd", "\u202d", "\ufffd", "\u202e", "\ufffd",
	"\u2066", "\ufffd", "\u2067", "\ufffd", "\u2068", "\ufffd", "\u2069", "\ufffd",
	"\u200e", "\ufffd", "\u200f", "\ufffd", "\u061c", "\ufffd",
)

// clean neutralises bidi control characters in text from outside; the
// template escapes the rest.
func clean(s string) string { return bidiControls.Replace(s) }

// funcs are the template functions.
func (s *Server) funcs() template.FuncMap {
	return template.FuncMap{
		"clean":    clean,
		"name":     func(email string) string { return clean(s.nameOf(email)) },
		"seg":      url.PathEscape,
		"date":     formatDate,
		"datetime": formatDateTime,
		"ago":      func(t time.Time) string { return ago(s.now(), t) },
		"until":    func(t time.Time) string { return until(s.now(), t) },
		"percent":  func(f float64) string { return strconv.Itoa(int(f*100+0.5)) + "%" },
		"kind":     kindLabel,
		"dir":      directionLabel,
		"state":    stateLabel,
		"plural":   plural,
		"size":     formatSize,
		"rfc3339":  func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	}
}

// formatDate writes a day ("2026-03-01"), or "—" for the zero time.
func formatDate(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02")
}

// formatDateTime writes a time in UTC ("2026-03-01 09:30 UTC").
func formatDateTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// ago says how long before now t was, in words.
func ago(now, t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	switch {
	case d < 0:
		return until(now, t)
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute") + " ago"
	case d < 48*time.Hour:
		return plural(int(d/time.Hour), "hour") + " ago"
	default:
		return plural(int(d/(24*time.Hour)), "day") + " ago"
	}
}

// until says how long after now t is, in words.
func until(now, t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	d := t.Sub(now)
	switch {
	case d <= 0:
		return "now"
	case d < time.Minute:
		return "in under a minute"
	case d < time.Hour:
		return "in " + plural(int(d/time.Minute), "minute")
	case d < 48*time.Hour:
		return "in " + plural(int(d/time.Hour), "hour")
	default:
		return "in " + plural(int(d/(24*time.Hour)), "day")
	}
}

// plural writes "1 day", "3 days".
func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}

// formatSize writes a byte count for people.
func formatSize(n int64) string {
	switch {
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
	case n >= 1<<10:
		return strconv.FormatInt(n>>10, 10) + " KB"
	default:
		return strconv.FormatInt(n, 10) + " B"
	}
}

// kindLabel names an activity kind.
func kindLabel(k model.Kind) string {
	switch k {
	case model.KindEmail:
		return "Email"
	case model.KindMeeting:
		return "Meeting"
	case model.KindNote:
		return "Note"
	case model.KindCall:
		return "Call"
	}
	return string(k)
}

// directionLabel says which way an activity went.
func directionLabel(d model.Direction) string {
	switch d {
	case model.Inbound:
		return "from the customer"
	case model.Outbound:
		return "from the team"
	case model.Internal:
		return "within the team"
	}
	return ""
}

// stateLabel says in words where a link stands.
func stateLabel(st model.LinkState) string {
	switch st {
	case model.LinkAuto:
		return "matched automatically"
	case model.LinkReview:
		return "waiting for review"
	case model.LinkNone:
		return "on no deal"
	case model.LinkIgnored:
		return "ignored"
	case model.LinkConfirmed:
		return "confirmed by a person"
	case model.LinkRejected:
		return "unlinked by a person"
	case model.LinkPrivate:
		return "private"
	case "":
		return "not matched yet"
	}
	return string(st)
}
