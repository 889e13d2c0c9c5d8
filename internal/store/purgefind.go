package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// PurgeTarget is whom a purge forgets: exactly one of an address (a
// person) and a domain (a company: the domain and its subdomains).
type PurgeTarget struct {
	Address string
	Domain  string
}

// String names the target, for messages to the operator (never for the
// database).
func (t PurgeTarget) String() string {
	if t.Address != "" {
		return "address " + t.Address
	}
	return "domain " + t.Domain
}

// Normalize lower-cases t and checks that it names one plausible address
// or domain.
func (t PurgeTarget) Normalize() (PurgeTarget, error) {
	t.Address = strings.ToLower(strings.TrimSpace(t.Address))
	t.Domain = strings.Trim(strings.ToLower(strings.TrimSpace(t.Domain)), ".")
	switch {
	case (t.Address == "") == (t.Domain == ""):
		return t, errors.New("a purge needs exactly one of an address and a domain")
	case t.Address != "":
		at := strings.LastIndexByte(t.Address, '@')
		if at <= 0 || at == len(t.Address)-1 || strings.ContainsAny(t.Address, " \t\r\n<>,;") {
			return t, fmt.Errorf("%q is not an email address", t.Address)
		}
	default:
		if strings.ContainsAny(t.Domain, "@ \t\r\n/<>,;") || !strings.Contains(t.Domain, ".") {
			return t, fmt.Errorf("%q is not a domain like acme.com (one label would cover every company under it)", t.Domain)
		}
	}
	return t, nil
}

// hash is the SHA-256 (hex) of the address or domain: what the audit
// trail keeps of it.
func (t PurgeTarget) hash() string {
	return fmt.Sprintf("%x", sha256.Sum256([]byte(t.Address+t.Domain)))
}

// purgeMatch decides what names a target: the lower-cased address or
// domain, which SQL looks for first (instr), and a pattern that then
// keeps only whole mentions, so that purging bob@acme.com spares
// jimbob@acme.com and bob@acme.com.au, and purging acme.com covers
// mail.acme.com but spares notacme.com.
type purgeMatch struct {
	target PurgeTarget
	needle string
	// re's first group is the mention itself, without the character
	// before or after it that bounds it.
	re *regexp.Regexp
	// rdomain is the reversed domain of a domain target.
	rdomain string
}

func newPurgeMatch(t PurgeTarget) (*purgeMatch, error) {
	t, err := t.Normalize()
	if err != nil {
		return nil, err
	}
	m := &purgeMatch{target: t, needle: t.Address + t.Domain}
	// Before: no letter, digit or hyphen, and for an address none of the
	// other characters common in the part before the @ (jim.bob@); a
	// domain's subdomains (mail.acme.com) end with a dot, allowed. After:
	// no letter, digit or hyphen, and no dot that goes on with one.
	before := `(?:^|[^a-z0-9\-])`
	if t.Address != "" {
		before = `(?:^|[^a-z0-9._%+\-])`
	} else {
		m.rdomain = reverseDomain(t.Domain)
	}
	m.re = regexp.MustCompile(`(?i)` + before + `(` + regexp.QuoteMeta(m.needle) + `)(?:$|[^a-z0-9\-.]|\.(?:$|[^a-z0-9\-]))`)
	return m, nil
}

// names reports whether text mentions the target.
func (m *purgeMatch) names(text string) bool { return m.re.MatchString(text) }

// redact replaces every mention of the target in text by "[purged]".
func (m *purgeMatch) redact(text string) string {
	// A match takes the character after it, which may be the one before
	// the next mention: go again until none is left. Each round replaces
	// one mention, and there are fewer mentions than bytes.
	for range len(text) + 1 {
		loc := m.re.FindStringSubmatchIndex(text)
		if loc == nil {
			break
		}
		text = text[:loc[2]] + "[purged]" + text[loc[3]:]
	}
	return text
}

// coversAddress reports whether an address is the target, or is at the
// target domain or one of its subdomains.
func (m *purgeMatch) coversAddress(addr string) bool {
	addr = strings.ToLower(strings.TrimSpace(addr))
	if m.target.Address != "" {
		return addr == m.target.Address
	}
	return m.coversRDomain(addressRDomain(addr))
}

// coversDomain reports whether a domain is the target domain or one of its
// subdomains; an address target covers no domain.
func (m *purgeMatch) coversDomain(domain string) bool {
	return m.target.Domain != "" && m.coversRDomain(reverseDomain(domain))
}

func (m *purgeMatch) coversRDomain(r string) bool {
	return m.rdomain != "" && (r == m.rdomain || strings.HasPrefix(r, m.rdomain+"."))
}

// purgeSet is what a purge removes or rewrites, found in one transaction.
type purgeSet struct {
	activities []int64        // sorted
	deals      map[string]int // deals linked to those activities: how many each
	audit      int            // audit rows of those activities
	contacts   [][2]string
	domains    []string
	accounts   []int64 // accounts that lose a domain
	rules      []int64
	rejected   []rejectedKey
	redactions []redaction
}

// rejectedKey is the key of a row of rejected.
type rejectedKey struct {
	mailbox, folder  string
	uidvalidity, uid int64
}

// redaction is a text to write back without the target: the column col of
// the row of table whose key column is key.
type redaction struct {
	table, key, col string
	id              any
	text            string
}

// activityTextSQL finds the activities with an id above ?2 whose texts
// (their own; a participant's name or address; their link's reason;
// their meeting's UID and location) contain ?1, a lower-cased needle,
// with the texts that do: candidates that purgeMatch.names decides. It
// reads every activity: the one slow query of a purge.
const activityTextSQL = `
	SELECT id, subject || char(10) || snippet || char(10) || key || char(10) || thread_key || char(10) ||
	  in_reply_to || char(10) || refs || char(10) || attachments || char(10) || problems
	FROM activities WHERE id > ?2 AND (instr(lower(subject), ?1) OR instr(lower(snippet), ?1) OR instr(lower(key), ?1)
	  OR instr(lower(thread_key), ?1) OR instr(lower(in_reply_to), ?1) OR instr(lower(refs), ?1)
	  OR instr(lower(attachments), ?1) OR instr(lower(problems), ?1))
	UNION ALL
	SELECT activity_id, name || char(10) || email FROM participants
	WHERE activity_id > ?2 AND (instr(lower(name), ?1) OR instr(lower(email), ?1))
	UNION ALL
	SELECT activity_id, reason FROM links WHERE activity_id > ?2 AND instr(lower(reason), ?1)
	UNION ALL
	SELECT activity_id, uid || char(10) || location FROM meetings
	WHERE activity_id > ?2 AND (instr(lower(uid), ?1) OR instr(lower(location), ?1))`

// textHits adds to hits the activities with an id above after whose texts
// name the target, and returns the largest activity id there is.
func (m *purgeMatch) textHits(ctx context.Context, q queryer, after int64, hits map[int64]bool) (int64, error) {
	var last int64
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(max(id), 0) FROM activities`).Scan(&last); err != nil {
		return 0, fmt.Errorf("find the last activity: %w", err)
	}
	err := eachRow(ctx, q, activityTextSQL, []any{m.needle, after}, func(rows *sql.Rows) error {
		var id int64
		var text string
		if err := rows.Scan(&id, &text); err != nil {
			return err
		}
		if m.names(text) {
			hits[id] = true
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("search the texts of activities: %w", err)
	}
	return last, nil
}

// findPurge works out, in the transaction q, everything a purge of m
// removes: the activities in hits and those with the target among their
// participants (found by index), with the deals they are linked to; the
// deal contacts, account domains and rules that name it; the records of
// rejected messages that do; and the texts of the audit trail and of the
// sources' errors to redact. It refuses a target that is, or covers, the
// login of a user.
func (m *purgeMatch) findPurge(ctx context.Context, q queryer, hits map[int64]bool) (purgeSet, error) {
	var p purgeSet
	err := eachRow(ctx, q, `SELECT email FROM users ORDER BY email`, nil, func(rows *sql.Rows) error {
		var email string
		if err := rows.Scan(&email); err != nil {
			return err
		}
		if m.coversAddress(email) {
			return fmt.Errorf("%s is the login of a dealtrail user: purge forgets people outside the team", email)
		}
		return nil
	})
	if err != nil {
		return p, fmt.Errorf("check users: %w", err)
	}
	query, arg := `SELECT activity_id FROM participants WHERE email = ?1`, m.target.Address
	if m.rdomain != "" {
		query, arg = `SELECT activity_id FROM participants WHERE rdomain = ?1
			UNION SELECT activity_id FROM participants WHERE rdomain > ?1 || '.' AND rdomain < ?1 || '/'`, m.rdomain
	}
	ids := maps.Clone(hits)
	err = eachRow(ctx, q, query, []any{arg}, func(rows *sql.Rows) error {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return err
		}
		ids[id] = true
		return nil
	})
	if err != nil {
		return p, fmt.Errorf("find the activities of participants: %w", err)
	}
	p.activities = slices.Sorted(maps.Keys(ids))
	if err := p.findCatalog(ctx, q, m); err != nil {
		return p, err
	}
	if err := p.findTexts(ctx, q, m); err != nil {
		return p, err
	}
	return p, nil
}

// findCatalog finds the deals of the activities to remove and the deal
// contacts, account domains and rules that name the target.
func (p *purgeSet) findCatalog(ctx context.Context, q queryer, m *purgeMatch) error {
	ids := jsonList(p.activities)
	p.deals = map[string]int{}
	err := eachRow(ctx, q, `SELECT l.deal_id, count(*) FROM json_each(?) AS j CROSS JOIN links AS l ON l.activity_id = j.value
		WHERE l.deal_id IS NOT NULL GROUP BY l.deal_id`, []any{ids}, func(rows *sql.Rows) error {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return err
		}
		p.deals[id] = n
		return nil
	})
	if err != nil {
		return fmt.Errorf("find the deals of the activities: %w", err)
	}
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM json_each(?) AS j CROSS JOIN decisions AS d ON d.activity_id = j.value`,
		ids).Scan(&p.audit); err != nil {
		return fmt.Errorf("count the audit rows of the activities: %w", err)
	}
	err = eachRow(ctx, q, `SELECT deal_id, email FROM deal_contacts ORDER BY deal_id, email`, nil, func(rows *sql.Rows) error {
		var c [2]string
		if err := rows.Scan(&c[0], &c[1]); err != nil {
			return err
		}
		if m.coversAddress(c[1]) {
			p.contacts = append(p.contacts, c)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("find deal contacts: %w", err)
	}
	accounts := map[int64]bool{}
	err = eachRow(ctx, q, `SELECT domain, account_id FROM account_domains ORDER BY domain`, nil, func(rows *sql.Rows) error {
		var d string
		var account int64
		if err := rows.Scan(&d, &account); err != nil {
			return err
		}
		if m.coversDomain(d) {
			p.domains = append(p.domains, d)
			accounts[account] = true
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("find account domains: %w", err)
	}
	p.accounts = slices.Sorted(maps.Keys(accounts))
	err = eachRow(ctx, q, `SELECT id, address, domain FROM rules ORDER BY id`, nil, func(rows *sql.Rows) error {
		var id int64
		var address, domain string
		if err := rows.Scan(&id, &address, &domain); err != nil {
			return err
		}
		if (address != "" && m.coversAddress(address)) || (domain != "" && m.coversDomain(domain)) {
			p.rules = append(p.rules, id)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("find rules: %w", err)
	}
	return nil
}

// redactable are the texts kept apart from activities that a purge
// rewrites without the target: the details of the audit trail (but those
// of the activities removed, which apply rewrites whole), the last error
// of each source and the reason of each outage. ?2 is the JSON array of
// the activities removed.
var redactable = []struct{ table, key, col, and string }{
	{"decisions", "id", "detail", ` AND COALESCE(activity_id, 0) NOT IN (SELECT value FROM json_each(?2))`},
	{"sources", "source", "last_error", ""},
	{"outages", "id", "reason", ""},
}

// findTexts finds the records of rejected messages whose reason names the
// target, and the redactable texts that do. The audit rows of the
// activities to remove are left to applyPurge, which rewrites them all.
func (p *purgeSet) findTexts(ctx context.Context, q queryer, m *purgeMatch) error {
	err := eachRow(ctx, q, `SELECT mailbox, folder, uidvalidity, uid, reason FROM rejected WHERE instr(lower(reason), ?1)`,
		[]any{m.needle}, func(rows *sql.Rows) error {
			var k rejectedKey
			var reason string
			if err := rows.Scan(&k.mailbox, &k.folder, &k.uidvalidity, &k.uid, &reason); err != nil {
				return err
			}
			if m.names(reason) {
				p.rejected = append(p.rejected, k)
			}
			return nil
		})
	if err != nil {
		return fmt.Errorf("search rejected messages: %w", err)
	}
	ids := jsonList(p.activities)
	for _, r := range redactable {
		args := []any{m.needle}
		if r.and != "" {
			args = append(args, ids)
		}
		err := eachRow(ctx, q, `SELECT `+r.key+`, `+r.col+` FROM `+r.table+` WHERE instr(lower(`+r.col+`), ?1)`+r.and,
			args, func(rows *sql.Rows) error {
				var id any
				var text string
				if err := rows.Scan(&id, &text); err != nil {
					return err
				}
				if m.names(text) {
					p.redactions = append(p.redactions, redaction{table: r.table, key: r.key, col: r.col, id: id, text: m.redact(text)})
				}
				return nil
			})
		if err != nil {
			return fmt.Errorf("search %s.%s: %w", r.table, r.col, err)
		}
	}
	return nil
}
