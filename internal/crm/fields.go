package crm

import (
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/dealtrail/dealtrail/internal/model"
)

// dateLayout is the one date format a deals file uses.
const dateLayout = "2006-01-02"

// decimal is an amount: digits with an optional fraction, no sign,
// exponent, thousands separator or unit.
var decimal = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)

// parseDeal builds a deal from the cells of one row (get returns a trimmed
// cell by column name) and lists every problem with it. When members is not
// nil, an owner (lower-cased) it does not accept is a problem.
func parseDeal(get func(col string) string, members func(string) bool) (model.Deal, []error) {
	var errs []error
	fail := func(col, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", col, fmt.Sprintf(format, args...)))
	}
	required := func(col string) string {
		v := get(col)
		if v == "" {
			fail(col, "must not be empty")
		}
		return v
	}
	d := model.Deal{ID: required("id"), Name: required("name"), Account: required("account"), Stage: get("stage")}
	d.Domains = splitList(get("domains"), func(v string) {
		if !isDomain(v) {
			fail("domains", "%q is not a domain", v)
		}
	})
	d.Contacts = splitList(get("contacts"), func(v string) {
		if !isEmail(v) {
			fail("contacts", "%q is not an email address", v)
		}
	})
	owner := required("owner")
	d.Owner = strings.ToLower(owner)
	switch {
	case owner == "":
	case !isEmail(owner):
		fail("owner", "%q is not an email address", owner)
	case members != nil && !members(d.Owner):
		fail("owner", "%q is not a team member", owner)
	}
	if v := get("amount"); v != "" {
		amount, err := strconv.ParseFloat(v, 64)
		if !decimal.MatchString(v) || err != nil {
			fail("amount", "%q is not a decimal number such as 12000 or 12000.50", v)
		}
		d.Amount = amount
	}
	d.Created = date(required("created"), func(v string) { fail("created", "%q is not a date (YYYY-MM-DD)", v) })
	closed := get("closed")
	d.Closed = date(closed, func(v string) { fail("closed", "%q is not a date (YYYY-MM-DD)", v) })
	switch d.Status = model.DealStatus(strings.ToLower(get("status"))); d.Status {
	case model.DealOpen:
		if closed != "" {
			fail("closed", "%q must be empty while the deal is open", closed)
		}
	case model.DealWon, model.DealLost:
		if closed == "" {
			fail("closed", "must be set for a deal that is %s", d.Status)
		}
	case "":
		fail("status", "must not be empty")
	default:
		fail("status", "%q is not open, won or lost", get("status"))
	}
	if !d.Closed.IsZero() && !d.Created.IsZero() && d.Closed.Before(d.Created) {
		fail("closed", "%s is before created %s", closed, d.Created.Format(dateLayout))
	}
	return d, errs
}

// splitList splits a ;-separated cell into lower-case values without
// empties or repeats, calling check on each as written.
func splitList(cell string, check func(string)) []string {
	var out []string
	for _, raw := range strings.Split(cell, ";") {
		raw = strings.TrimSpace(raw)
		v := strings.ToLower(raw)
		if v == "" || slices.Contains(out, v) {
			continue
		}
		check(raw)
		out = append(out, v)
	}
	return out
}

// date parses a YYYY-MM-DD date as midnight UTC; "" is the zero time. A bad
// date is passed to bad and gives the zero time.
func date(v string, bad func(string)) time.Time {
	if v == "" {
		return time.Time{}
	}
	t, err := time.Parse(dateLayout, v)
	if err != nil {
		bad(v)
	}
	return t
}

// isEmail reports whether v is a bare email address (no display name or
// angle brackets).
func isEmail(v string) bool {
	a, err := mail.ParseAddress(v)
	return err == nil && a.Name == "" && a.Address == v
}

// isDomain reports whether v looks like a domain name: dot-separated labels
// of letters, digits and inner hyphens, at least two of them.
func isDomain(v string) bool {
	labels := strings.Split(v, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
			return false
		}
		for _, r := range l {
			if r != '-' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				return false
			}
		}
	}
	return true
}
