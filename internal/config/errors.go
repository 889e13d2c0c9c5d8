package config

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Error is one problem found in a configuration file. Its text never
// contains a secret: at most the name of the variable or file it came from.
type Error struct {
	File string // the path given to Load or Parse
	Line int    // 1-based; 0 when the problem is not on a particular line
	Key  string // key path such as "mailboxes[1].port"; empty for the file
	Msg  string
}

// Error formats the problem as "file:line: key: message".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.File == "" {
		b.WriteString("config")
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// errorf records a problem with the value v.
func (d *decoder) errorf(v value, format string, args ...any) {
	d.errs = append(d.errs, &Error{File: d.file, Line: v.line, Key: v.path, Msg: fmt.Sprintf(format, args...)})
}

// err returns every recorded problem, ordered by line, or nil.
func (d *decoder) err() error {
	if len(d.errs) == 0 {
		return nil
	}
	sort.SliceStable(d.errs, func(i, j int) bool { return d.errs[i].Line < d.errs[j].Line })
	errs := make([]error, len(d.errs))
	for i, e := range d.errs {
		errs[i] = e
	}
	return errors.Join(errs...)
}

// unknownKey describes a key that is not one of known, with a hint when
// the key looks like a misspelling of a known one.
func unknownKey(key string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		if dist := editDistance(strings.ToLower(key), k); dist < bestDist && dist < len(key) {
			best, bestDist = k, dist
		}
	}
	if best == "" {
		return "unknown key (known: " + strings.Join(known, ", ") + ")"
	}
	return "unknown key (did you mean " + best + "?)"
}

// editDistance is the optimal string alignment distance between a and b:
// insertions, deletions, substitutions and swaps of neighbours cost one.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
