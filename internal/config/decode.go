package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// decoder walks the YAML node tree, collecting every problem it meets
// instead of stopping at the first.
type decoder struct {
	file string                      // path for error messages
	dir  string                      // directory relative paths resolve against
	env  func(string) (string, bool) // lookup for ${VAR}
	errs []*Error
}

// value is a node together with where it sits in the file.
type value struct {
	node *yaml.Node // nil when the key is absent or its value is null
	path string     // key path for messages
	line int        // line of the node, or of its key or parent when nil
}

// present reports whether the value was given.
func (v value) present() bool { return v.node != nil }

// mapping is a YAML mapping whose keys have been checked.
type mapping struct {
	path string
	line int
	keys map[string]*yaml.Node
	vals map[string]*yaml.Node
}

// at returns the value of key; absent keys carry the mapping's line.
func (m mapping) at(key string) value {
	v := value{path: join(m.path, key), line: m.line}
	if k := m.keys[key]; k != nil {
		v.line = k.Line
	}
	if n := m.vals[key]; n != nil && !isNull(n) {
		v.node, v.line = n, n.Line
	}
	return v
}

// document parses data and returns its single root node; an empty
// document yields an empty mapping.
func (d *decoder) document(data []byte) (value, bool) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	err := dec.Decode(&doc)
	if errors.Is(err, io.EOF) {
		return value{node: &yaml.Node{Kind: yaml.MappingNode}}, true
	}
	if err != nil {
		d.syntaxError(err)
		return value{}, false
	}
	var next yaml.Node
	if err := dec.Decode(&next); err == nil {
		d.errorf(value{line: next.Line}, "only one YAML document is allowed")
		return value{}, false
	} else if !errors.Is(err, io.EOF) {
		d.syntaxError(err)
		return value{}, false
	}
	if len(doc.Content) == 0 {
		return value{node: &yaml.Node{Kind: yaml.MappingNode}}, true
	}
	root := value{node: deref(doc.Content[0]), line: doc.Content[0].Line}
	if isNull(root.node) {
		root.node = &yaml.Node{Kind: yaml.MappingNode}
	}
	return root, true
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// syntaxError records a YAML parse error, moving its line number to where
// the other errors have theirs.
func (d *decoder) syntaxError(err error) {
	msg := err.Error()
	line := 0
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = msg[len(m[0]):]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	d.errs = append(d.errs, &Error{File: d.file, Line: line, Msg: "invalid YAML: " + msg})
}

// mapping checks that v is a mapping whose keys are all known and unique.
func (d *decoder) mapping(v value, known []string) (mapping, bool) {
	m := mapping{path: v.path, line: v.line, keys: map[string]*yaml.Node{}, vals: map[string]*yaml.Node{}}
	if v.node.Kind != yaml.MappingNode {
		d.errorf(v, "must be a mapping of keys to values, not %s", kindName(v.node))
		return m, false
	}
	for i := 0; i+1 < len(v.node.Content); i += 2 {
		k, val := v.node.Content[i], deref(v.node.Content[i+1])
		at := value{path: join(v.path, k.Value), line: k.Line}
		switch {
		case k.Kind != yaml.ScalarNode:
			d.errorf(value{path: v.path, line: k.Line}, "keys must be plain names, not %s", kindName(k))
		case k.Tag == "!!merge":
			d.errorf(at, "merge keys (<<) are not supported")
		case m.keys[k.Value] != nil:
			d.errorf(at, "duplicate key (first on line %d)", m.keys[k.Value].Line)
		case !slices.Contains(known, k.Value):
			d.errorf(at, "%s", unknownKey(k.Value, known))
		default:
			m.keys[k.Value], m.vals[k.Value] = k, val
		}
	}
	return m, true
}

// list returns the items of the list v.
func (d *decoder) list(v value) ([]value, bool) {
	if v.node.Kind != yaml.SequenceNode {
		d.errorf(v, "must be a list, not %s", kindName(v.node))
		return nil, false
	}
	items := make([]value, 0, len(v.node.Content))
	for i, n := range v.node.Content {
		n = deref(n)
		item := value{node: n, path: fmt.Sprintf("%s[%d]", v.path, i), line: n.Line}
		if isNull(n) {
			d.errorf(item, "empty list item")
			continue
		}
		items = append(items, item)
	}
	return items, true
}

// textList returns a list of non-empty strings.
func (d *decoder) textList(v value) []string {
	items, _ := d.list(v)
	var out []string
	for _, item := range items {
		if s, ok := d.requiredText(item); ok {
			out = append(out, s)
		}
	}
	return out
}

// required reports v as missing when it is absent.
func (d *decoder) required(v value) bool {
	if !v.present() {
		d.errorf(v, "required")
	}
	return v.present()
}

// requiredText returns the non-empty scalar v with ${VAR} expanded.
func (d *decoder) requiredText(v value) (string, bool) {
	if !d.required(v) {
		return "", false
	}
	s, ok := d.text(v)
	if ok && s == "" {
		d.errorf(v, "must not be empty")
		return "", false
	}
	return s, ok
}

// text returns the scalar v with ${VAR} expanded. Any scalar is text, so
// a numeric password needs no quotes. It never puts the value in an error.
func (d *decoder) text(v value) (string, bool) {
	if v.node.Kind != yaml.ScalarNode {
		d.errorf(v, "must be a single value, not %s", kindName(v.node))
		return "", false
	}
	s, unset, malformed := expand(v.node.Value, d.env)
	for _, name := range unset {
		d.errorf(v, "environment variable %s is not set", name)
	}
	if malformed {
		d.errorf(v, "malformed ${...} reference (write ${NAME} with letters, digits and _, or $${ for a literal ${)")
	}
	return s, len(unset) == 0 && !malformed
}

// integer returns the whole number v.
func (d *decoder) integer(v value) (int, bool) {
	s, ok := d.requiredText(v)
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		d.errorf(v, "must be a whole number, not %q", s)
		return 0, false
	}
	return n, true
}

// boolean returns the true or false of v.
func (d *decoder) boolean(v value) bool {
	s, ok := d.requiredText(v)
	if !ok {
		return false
	}
	switch strings.ToLower(s) {
	case "true", "yes", "on":
		return true
	case "false", "no", "off":
		return false
	}
	d.errorf(v, "must be true or false, not %q", s)
	return false
}

// duration returns the duration v; see parseDuration.
func (d *decoder) duration(v value) (time.Duration, bool) {
	s, ok := d.requiredText(v)
	if !ok {
		return 0, false
	}
	dur, err := parseDuration(s)
	if err != nil {
		d.errorf(v, "invalid duration %q (write e.g. 90s, 2m, 1h30m, 365d or 0)", s)
		return 0, false
	}
	return dur, true
}

// maxDays bounds the days of a duration well below time.Duration's limit.
const maxDays = 100000

// parseDuration accepts Go durations ("90s", "1h30m"), a leading number of
// days ("365d", "1d12h") and a bare "0".
func parseDuration(s string) (time.Duration, error) {
	if s == "0" {
		return 0, nil
	}
	var days time.Duration
	if i := strings.IndexByte(s, 'd'); i >= 0 {
		n, err := strconv.ParseUint(s[:i], 10, 32)
		if err != nil || n > maxDays {
			return 0, fmt.Errorf("invalid number of days in %q", s)
		}
		days, s = time.Duration(n)*24*time.Hour, s[i+1:]
		if s == "" {
			return days, nil
		}
		if s[0] == '-' || s[0] == '+' {
			return 0, fmt.Errorf("sign after days in %q", s)
		}
	}
	rest, err := time.ParseDuration(s)
	if err != nil {
		return 0, err
	}
	if rest > math.MaxInt64-days {
		return 0, fmt.Errorf("duration %q is too long", s)
	}
	return days + rest, nil
}

// varName is what may stand between ${ and }.
var varName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// expand replaces each ${NAME} in s with the value lookup gives, and $${
// with a literal ${. It returns the names of unset variables, and
// malformed when a ${ is unclosed or does not hold a valid name.
func expand(s string, lookup func(string) (string, bool)) (out string, unset []string, malformed bool) {
	if !strings.Contains(s, "${") {
		return s, nil, false
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String(), unset, malformed
		}
		if i > 0 && s[i-1] == '$' {
			b.WriteString(s[:i-1] + "${")
			s = s[i+2:]
			continue
		}
		end := strings.IndexByte(s[i+2:], '}')
		if end < 0 || !varName.MatchString(s[i+2:i+2+end]) {
			return "", unset, true
		}
		name := s[i+2 : i+2+end]
		val, ok := lookup(name)
		if !ok {
			unset = append(unset, name)
		}
		b.WriteString(s[:i])
		b.WriteString(val)
		s = s[i+2+end+1:]
	}
}

// deref follows an alias to the node it names.
func deref(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// isNull reports whether n is an explicit or implied null.
func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// kindName names the kind of n for messages.
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return "a single value"
	default:
		return "an alias"
	}
}

// join appends key to the key path.
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// baseDir is the absolute directory of the config file at path, or its
// directory as given when it cannot be made absolute.
func baseDir(path string) string {
	dir := filepath.Dir(path)
	if abs, err := filepath.Abs(dir); err == nil {
		return abs
	}
	return dir
}

// resolve makes a path from the file absolute against the file's directory.
func (d *decoder) resolve(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(d.dir, p)
}
