package calparse

import (
	"bytes"
	"strings"
)

// The scanner is the leniency layer in front of go-ical. go-ical's
// decoder is strict: one malformed line (a parameter without "=", a stray
// quote, a missing END) fails the whole calendar, some inputs make it
// panic, and it reads parameter values a byte at a time into a growing
// string. The scanner reads the input line by line as RFC 5545 section
// 3.1 describes (CRLF, LF or a lone CR; folded lines joined), repairs the
// structure (a bare VEVENT gets a VCALENDAR, a missing END is supplied, a
// stray END dropped), keeps only the components and properties calparse
// reads, and writes each VEVENT or VTIMEZONE again, as clean content lines
// with short quoted parameters, in a VCALENDAR of its own: a unit. Each
// unit then goes through go-ical's decoder alone, so one broken event
// costs only itself, and no more than one event is in memory as a tree.

// unit is one VEVENT or VTIMEZONE, rewritten for go-ical.
type unit struct {
	kind string // VEVENT or VTIMEZONE
	cal  int    // index of its VCALENDAR in the input
	line int    // line of its BEGIN
	data []byte // "BEGIN:VCALENDAR\n...\nEND:VCALENDAR\n"; reused after emit returns
}

// Bounds the scanner keeps to.
const (
	maxDepth       = 16
	maxUnits       = 100_000
	maxUnitLines   = 10_000
	maxAttendees   = 1_000
	maxLineBytes   = 256 << 10
	maxParamBytes  = 128
	maxMethodBytes = 32
)

// keptChildren lists the components read inside each component; others
// (VTODO, VJOURNAL, VALARM, VFREEBUSY, X- components...) are skipped.
var keptChildren = map[string][]string{
	"VCALENDAR": {"VEVENT", "VTIMEZONE"},
	"VTIMEZONE": {"STANDARD", "DAYLIGHT"},
}

// topLevel lists the components that only a VCALENDAR holds: one of them
// inside another means the other's END is missing.
var topLevel = set("VEVENT", "VTODO", "VJOURNAL", "VFREEBUSY", "VTIMEZONE", "VAVAILABILITY")

// keptProps lists the properties read in each component.
var keptProps = map[string]map[string]bool{
	"VEVENT": set("UID", "DTSTART", "DTEND", "DURATION", "RRULE", "EXRULE", "RDATE", "EXDATE",
		"RECURRENCE-ID", "SUMMARY", "DESCRIPTION", "LOCATION", "STATUS", "SEQUENCE", "DTSTAMP",
		"ORGANIZER", "ATTENDEE"),
	"VTIMEZONE": set("TZID"),
	"STANDARD":  set("DTSTART", "TZOFFSETFROM", "TZOFFSETTO", "RRULE", "RDATE"),
	"DAYLIGHT":  set("DTSTART", "TZOFFSETFROM", "TZOFFSETTO", "RRULE", "RDATE"),
}

// keptParams lists the parameters read; all are single-valued.
var keptParams = set("TZID", "VALUE", "CN", "PARTSTAT", "RANGE", "CUTYPE")

// timeProps have a date or date-time value: when what follows the first
// colon does not look like a date, the value starts after the last colon,
// so an unquoted TZID with a colon in it, "(UTC+01:00) Amsterdam", still
// reads.
var timeProps = set("DTSTART", "DTEND", "RDATE", "EXDATE", "RECURRENCE-ID", "DTSTAMP")

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

type frame struct {
	name string
	keep bool
	line int
}

// scanner reads an input and emits its units.
type scanner struct {
	data   []byte
	pos    int
	nextLF int // index of the first LF at or after pos, len(data) if none
	line   int // number of the next physical line
	p      *problems
	emit   func(unit)

	stack   []frame
	methods []string // METHOD of each VCALENDAR, "" if none
	buf     []byte   // the unit being written
	folded  []byte
	nameBuf []byte // upper-cased names, see upper
	keyBuf  []byte
	// what was seen, for the problems at the end
	components, units, unitLines, attendees   int
	badLines, firstBad, strays, outside, deep int
}

// scan reads data and calls emit for each unit. It returns the METHOD of
// each VCALENDAR and the number of components seen (0: not iCalendar).
func scan(data []byte, p *problems, emit func(unit)) (methods []string, components int) {
	s := &scanner{data: bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), nextLF: -1, line: 1, p: p, emit: emit}
	for s.pos < len(s.data) {
		lineNo := s.line
		s.handle(s.logicalLine(), lineNo)
	}
	for i := len(s.stack) - 1; i >= 1; i-- {
		f := s.stack[i]
		s.p.add("line %d: BEGIN:%s is never ended; read up to the end of the input", f.line, clipName(f.name))
	}
	s.closeTo(0)
	if s.badLines > 0 {
		s.p.add("%d lines that are not content lines were ignored (the first at line %d)", s.badLines, s.firstBad)
	}
	if s.strays > 0 {
		s.p.add("%d END lines without a BEGIN were ignored", s.strays)
	}
	if s.outside > 0 {
		s.p.add("%d lines outside any component were ignored", s.outside)
	}
	if s.deep > 0 {
		s.p.add("%d components nested more than %d deep were ignored", s.deep, maxDepth)
	}
	return s.methods, s.components
}

// physical returns the next physical line without its line break.
func (s *scanner) physical() []byte {
	rest := s.data[s.pos:]
	s.line++
	// The next LF is remembered: searching for it from every line would
	// be quadratic in an input whose lines end in a lone CR.
	if s.nextLF < s.pos {
		s.nextLF = len(s.data)
		if j := bytes.IndexByte(rest, '\n'); j >= 0 {
			s.nextLF = s.pos + j
		}
	}
	i := s.nextLF - s.pos
	if j := bytes.IndexByte(rest[:i], '\r'); j >= 0 {
		i = j // CRLF, or a lone CR
	}
	if i == len(rest) {
		s.pos = len(s.data)
		return rest
	}
	s.pos += i + 1
	if rest[i] == '\r' && i+1 < len(rest) && rest[i+1] == '\n' {
		s.pos++
	}
	return rest[:i]
}

// logicalLine returns the next line with its folded continuations joined,
// cut at maxLineBytes. Blank lines before a continuation line are
// skipped: some producers write "NAME", a blank line, then " :value".
func (s *scanner) logicalLine() []byte {
	first := s.physical()
	s.skipBlank()
	if s.pos >= len(s.data) || s.data[s.pos] != ' ' && s.data[s.pos] != '\t' {
		return first
	}
	s.folded = append(s.folded[:0], first...)
	for s.skipBlank(); s.pos < len(s.data) && (s.data[s.pos] == ' ' || s.data[s.pos] == '\t'); s.skipBlank() {
		more := s.physical()[1:]
		if room := maxLineBytes - len(s.folded); room > 0 {
			s.folded = append(s.folded, more[:min(len(more), room)]...)
		}
	}
	return s.folded
}

// skipBlank skips blank lines, which carry nothing; a continuation line
// after them continues the line before them.
func (s *scanner) skipBlank() {
	for s.pos < len(s.data) && (s.data[s.pos] == '\r' || s.data[s.pos] == '\n') {
		if s.data[s.pos] == '\n' || s.pos+1 == len(s.data) || s.data[s.pos+1] != '\n' {
			s.line++
		}
		s.pos++
	}
}

func (s *scanner) handle(l []byte, lineNo int) {
	i := bytes.IndexAny(l, ";:")
	if i < 0 {
		if len(bytes.TrimSpace(l)) > 0 {
			s.bad(lineNo)
		}
		return
	}
	name := upper(bytes.TrimSpace(l[:i]), &s.nameBuf)
	switch string(name) {
	case "BEGIN", "END":
		c := bytes.IndexByte(l, ':')
		if c < 0 {
			s.bad(lineNo)
			return
		}
		comp := strings.ToUpper(string(bytes.TrimSpace(l[c+1:])))
		if len(comp) > 64 {
			comp = comp[:64]
		}
		if string(name) == "BEGIN" {
			s.begin(comp, lineNo)
		} else {
			s.end(comp, lineNo)
		}
		return
	}
	if len(s.stack) == 0 {
		s.outside++
		return
	}
	top := s.stack[len(s.stack)-1]
	if !top.keep {
		return
	}
	if top.name == "VCALENDAR" {
		if string(name) == "METHOD" {
			if c := bytes.IndexByte(l, ':'); c >= 0 && s.methods[len(s.methods)-1] == "" {
				m := strings.ToUpper(string(bytes.TrimSpace(l[c+1:])))
				s.methods[len(s.methods)-1] = m[:min(len(m), maxMethodBytes)]
			}
		}
		return
	}
	if !keptProps[top.name][string(name)] {
		return
	}
	if s.unitLines++; s.unitLines > maxUnitLines {
		if s.unitLines == maxUnitLines+1 {
			s.p.add("line %d: component from line %d has more than %d properties; the rest are ignored", lineNo, s.stack[1].line, maxUnitLines)
		}
		return
	}
	if string(name) == "ATTENDEE" {
		if s.attendees++; s.attendees > maxAttendees {
			if s.attendees == maxAttendees+1 {
				s.p.add("line %d: event from line %d has more than %d attendees; the rest are ignored", lineNo, s.stack[1].line, maxAttendees)
			}
			return
		}
	}
	s.property(name, l[i:], lineNo)
}

// upper returns b upper-cased, in *scratch when it has lower-case letters:
// names are compared without allocating.
func upper(b []byte, scratch *[]byte) []byte {
	for _, c := range b {
		if c >= 'a' && c <= 'z' {
			*scratch = append((*scratch)[:0], b...)
			for i, c := range *scratch {
				if c >= 'a' && c <= 'z' {
					(*scratch)[i] = c - 'a' + 'A'
				}
			}
			return *scratch
		}
	}
	return b
}

// property writes a kept property again: name, kept parameters quoted,
// value. rest starts at the ";" or ":" after the name.
func (s *scanner) property(name []byte, rest []byte, lineNo int) {
	c := colonOutsideQuotes(rest)
	if timeProps[string(name)] && (c < 0 || !looksLikeDate(rest[c+1:])) {
		c = bytes.LastIndexByte(rest, ':')
	}
	if c < 0 {
		s.bad(lineNo)
		return
	}
	params, value := rest[:c], rest[c+1:]
	s.buf = append(s.buf, name...)
	for len(params) > 0 {
		if params[0] != ';' {
			break
		}
		params = params[1:]
		end := semicolonOutsideQuotes(params)
		param := params[:end]
		params = params[end:]
		pname, pvalue, ok := bytes.Cut(param, []byte("="))
		if !ok {
			continue
		}
		key := upper(bytes.TrimSpace(pname), &s.keyBuf)
		if !keptParams[string(key)] {
			continue
		}
		v := bytes.TrimSpace(pvalue)
		if string(key) == "CUTYPE" && !bytes.EqualFold(v, []byte("ROOM")) && !bytes.EqualFold(v, []byte("RESOURCE")) {
			continue // only rooms and resources matter, to leave them out
		}
		s.buf = append(s.buf, ';')
		s.buf = append(s.buf, key...)
		s.buf = append(s.buf, '=', '"')
		n := 0
		for _, c := range v {
			if c == '"' || c < ' ' && c != '\t' || c == 0x7f {
				continue
			}
			if n++; n > maxParamBytes {
				break
			}
			s.buf = append(s.buf, c)
		}
		s.buf = append(s.buf, '"')
	}
	s.buf = append(s.buf, ':')
	s.buf = append(s.buf, value...)
	s.buf = append(s.buf, '\n')
}

// looksLikeDate reports whether b starts like a date: 20240131 or
// 2024-01-31.
func looksLikeDate(b []byte) bool {
	isDigits := func(b []byte) bool {
		for _, c := range b {
			if c < '0' || c > '9' {
				return false
			}
		}
		return true
	}
	b = bytes.TrimSpace(b)
	return len(b) >= 8 && (isDigits(b[:8]) || isDigits(b[:4]) && b[4] == '-')
}

func colonOutsideQuotes(b []byte) int {
	quoted := false
	for i, c := range b {
		switch {
		case c == '"':
			quoted = !quoted
		case c == ':' && !quoted:
			return i
		}
	}
	return -1
}

func semicolonOutsideQuotes(b []byte) int {
	quoted := false
	for i, c := range b {
		switch {
		case c == '"':
			quoted = !quoted
		case c == ';' && !quoted:
			return i
		}
	}
	return len(b)
}

func (s *scanner) bad(lineNo int) {
	if s.badLines == 0 {
		s.firstBad = lineNo
	}
	s.badLines++
}

func (s *scanner) begin(name string, lineNo int) {
	s.components++
	if len(s.stack) == 0 && name != "VCALENDAR" {
		s.p.add("line %d: BEGIN:%s outside any VCALENDAR; read as if in one", lineNo, clipName(name))
		s.push("VCALENDAR", lineNo)
	}
	if i := s.open(name); i >= 0 {
		s.p.add("line %d: BEGIN:%s before the one at line %d ended; that one is ended here", lineNo, clipName(name), s.stack[i].line)
		s.closeTo(i)
	}
	if topLevel[name] && len(s.stack) > 1 {
		f := s.stack[1]
		s.p.add("line %d: BEGIN:%s inside %s of line %d, which is never ended; that one is ended here", lineNo, clipName(name), clipName(f.name), f.line)
		s.closeTo(1)
	}
	if len(s.stack) >= maxDepth {
		s.deep++
		return
	}
	s.push(name, lineNo)
}

func (s *scanner) push(name string, lineNo int) {
	keep := name == "VCALENDAR"
	if n := len(s.stack); n > 0 && s.stack[n-1].keep {
		for _, child := range keptChildren[s.stack[n-1].name] {
			keep = keep || child == name
		}
	}
	s.stack = append(s.stack, frame{name: name, keep: keep, line: lineNo})
	switch {
	case name == "VCALENDAR":
		s.methods = append(s.methods, "")
	case keep && len(s.stack) == 2:
		if s.units++; s.units > maxUnits {
			if s.units == maxUnits+1 {
				s.p.add("line %d: more than %d events and time zones; the rest are ignored", lineNo, maxUnits)
			}
			s.stack[1].keep = false
			return
		}
		s.unitLines, s.attendees = 0, 0
		s.buf = append(s.buf[:0], "BEGIN:VCALENDAR\nBEGIN:"...)
		s.buf = append(s.buf, name...)
		s.buf = append(s.buf, '\n')
	case keep:
		s.buf = append(s.buf, "BEGIN:"...)
		s.buf = append(s.buf, name...)
		s.buf = append(s.buf, '\n')
	}
}

// open returns the index of the innermost open component called name, or
// -1.
func (s *scanner) open(name string) int {
	for i := len(s.stack) - 1; i >= 0; i-- {
		if s.stack[i].name == name {
			return i
		}
	}
	return -1
}

func (s *scanner) end(name string, lineNo int) {
	i := s.open(name)
	if i < 0 {
		s.strays++
		return
	}
	if top := s.stack[len(s.stack)-1]; i < len(s.stack)-1 {
		s.p.add("line %d: END:%s while BEGIN:%s of line %d is open; that one is ended here", lineNo, clipName(name), clipName(top.name), top.line)
	}
	s.closeTo(i)
}

// closeTo ends the open components from the innermost down to index i.
func (s *scanner) closeTo(i int) {
	for len(s.stack) > i {
		n := len(s.stack) - 1
		f := s.stack[n]
		s.stack = s.stack[:n]
		if !f.keep || f.name == "VCALENDAR" {
			continue
		}
		s.buf = append(s.buf, "END:"...)
		s.buf = append(s.buf, f.name...)
		s.buf = append(s.buf, '\n')
		if n == 1 {
			s.buf = append(s.buf, "END:VCALENDAR\n"...)
			s.emit(unit{kind: f.name, cal: len(s.methods) - 1, line: f.line, data: s.buf})
		}
	}
}

// clipName renders a component name from the input for a problem.
func clipName(s string) string {
	q := quote(s)
	return q[1 : len(q)-1]
}
