package crm

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/dealtrail/dealtrail/internal/model"
)

// columns are the columns a deals file must have, in any order.
var columns = []string{"id", "name", "account", "domains", "contacts", "owner", "stage", "status", "amount", "created", "closed"}

// maxErrors bounds how many problems one file reports; the rest are counted.
const maxErrors = 50

// row is a deal read from a file with the line its record starts on.
type row struct {
	line int
	deal model.Deal
}

// ReadDeals reads a deals CSV file with a header row naming the columns
// id, name, account, domains, contacts, owner, stage, status, amount,
// created and closed, in any order. name is the file name used in messages.
// Every bad row is reported, each with its line and column, joined in one
// error; with any error no deals are returned.
func ReadDeals(r io.Reader, name string) ([]model.Deal, error) {
	rows, err := readRows(r, name, nil)
	if err != nil {
		return nil, err
	}
	deals := make([]model.Deal, len(rows))
	for i, rw := range rows {
		deals[i] = rw.deal
	}
	return deals, nil
}

// readRows reads and checks every row of a deals file. When members is not
// nil, an owner it does not accept is an error too.
func readRows(r io.Reader, name string, members func(string) bool) ([]row, error) {
	cr := csv.NewReader(skipBOM(r))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: empty file, no header row", name)
	}
	if err != nil {
		return nil, csvError(name, err)
	}
	line, _ := cr.FieldPos(0)
	index, err := columnIndex(header)
	if err != nil {
		return nil, &LineError{name, line, err}
	}
	var rows []row
	var errs []error
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			errs = append(errs, csvError(name, err))
			break
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(header) {
			errs = append(errs, &LineError{name, line, fmt.Errorf("%d fields, but the header has %d", len(rec), len(header))})
			continue
		}
		d, problems := parseDeal(func(col string) string { return strings.TrimSpace(rec[index[col]]) }, members)
		for _, p := range problems {
			errs = append(errs, &LineError{name, line, p})
		}
		rows = append(rows, row{line, d})
	}
	errs = append(errs, crossCheck(name, rows)...)
	if len(errs) > 0 {
		return nil, joinErrors(name, errs)
	}
	return rows, nil
}

// skipBOM drops a UTF-8 byte order mark from the start of r.
func skipBOM(r io.Reader) io.Reader {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\uFEFF")) {
		_, _ = br.Discard(3)
	}
	return br
}

// csvError places a CSV syntax error on its line. Reading stops there, as
// the rest of the file cannot be split into records reliably.
func csvError(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &LineError{name, pe.StartLine, fmt.Errorf("%v (nothing after this line was read)", pe.Err)}
	}
	return fmt.Errorf("read %s: %w", name, err)
}

// columnIndex maps each column name to its position in the header, which
// must name every column exactly once and nothing else.
func columnIndex(header []string) (map[string]int, error) {
	index := map[string]int{}
	var unknown, twice []string
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		switch _, seen := index[h]; {
		case !slices.Contains(columns, h):
			unknown = append(unknown, fmt.Sprintf("%q", h))
		case seen:
			twice = append(twice, h)
		default:
			index[h] = i
		}
	}
	var missing []string
	for _, c := range columns {
		if _, ok := index[c]; !ok {
			missing = append(missing, c)
		}
	}
	var problems []string
	if len(unknown) > 0 {
		problems = append(problems, "unknown columns "+strings.Join(unknown, ", "))
	}
	if len(twice) > 0 {
		problems = append(problems, "columns named twice: "+strings.Join(twice, ", "))
	}
	if len(missing) > 0 {
		problems = append(problems, "missing columns "+strings.Join(missing, ", "))
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("header: %s (want %s)", strings.Join(problems, "; "), strings.Join(columns, ","))
	}
	return index, nil
}

// crossCheck finds what no single row shows: an ID used twice, and a
// domain listed for two accounts (which the store would refuse).
func crossCheck(name string, rows []row) []error {
	var errs []error
	ids := map[string]int{}
	type owner struct {
		account string
		line    int
	}
	domains := map[string]owner{}
	for _, rw := range rows {
		d := rw.deal
		if first, ok := ids[d.ID]; ok {
			errs = append(errs, &LineError{name, rw.line, fmt.Errorf("id: %q is already on line %d", d.ID, first)})
		} else if d.ID != "" {
			ids[d.ID] = rw.line
		}
		for _, dom := range d.Domains {
			o, ok := domains[dom]
			switch {
			case d.Account == "":
			case !ok:
				domains[dom] = owner{d.Account, rw.line}
			case o.account != d.Account:
				errs = append(errs, &LineError{name, rw.line,
					fmt.Errorf("domains: %s belongs to account %q on line %d", dom, o.account, o.line)})
			}
		}
	}
	return errs
}

// joinErrors joins the errors of a file, in line order, keeping the first
// maxErrors of them.
func joinErrors(name string, errs []error) error {
	slices.SortStableFunc(errs, func(a, b error) int { return lineOf(a) - lineOf(b) })
	if n := len(errs) - maxErrors; n > 0 {
		errs = append(errs[:maxErrors], fmt.Errorf("%s: %d more errors not shown", name, n))
	}
	return errors.Join(errs...)
}

// lineOf is the line an error names, or 0.
func lineOf(err error) int {
	var le *LineError
	if errors.As(err, &le) {
		return le.Line
	}
	return 0
}
