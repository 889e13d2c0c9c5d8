package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
)

// purgeScanTimeout bounds the search of every activity's texts, which
// reads the whole database.
const purgeScanTimeout = 10 * time.Minute

// PurgeReport says what a purge removed, or would remove.
type PurgeReport struct {
	// Activities are the emails, meetings, notes and calls removed, with
	// their participants, sightings, links, meeting details and places
	// in the match and review queues.
	Activities int
	// Deals are the deals that lost activities, sorted; their figures
	// are recomputed.
	Deals []string
	// Contacts, AccountDomains and Rules count the deal contacts, the
	// account domains and the rules removed.
	Contacts, AccountDomains, Rules int
	// Rejected counts the records of unreadable messages removed because
	// their reason named the target.
	Rejected int
	// Audit counts the audit rows of the removed activities: kept (who
	// did what, when, to which deal) with their detail replaced.
	Audit int
	// Redacted counts the other texts kept with each mention replaced by
	// "[purged]": details of audit rows, sources' last errors, outages'
	// reasons.
	Redacted int
	// Hash is the SHA-256 (hex) of the lower-cased address or domain,
	// all that the audit trail keeps of it.
	Hash string
}

// PlanPurge says what Purge would remove, changing nothing.
func (s *Store) PlanPurge(ctx context.Context, t PurgeTarget) (PurgeReport, error) {
	m, err := newPurgeMatch(t)
	if err != nil {
		return PurgeReport{}, fmt.Errorf("plan purge: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, purgeScanTimeout)
	defer cancel()
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return PurgeReport{}, fmt.Errorf("plan purge of %s: %w", m.target, err)
	}
	defer tx.Rollback()
	hits := map[int64]bool{}
	if _, err := m.textHits(ctx, tx, 0, hits); err != nil {
		return PurgeReport{}, fmt.Errorf("plan purge of %s: %w", m.target, err)
	}
	p, err := m.findPurge(ctx, tx, hits)
	if err != nil {
		return PurgeReport{}, fmt.Errorf("plan purge of %s: %w", m.target, err)
	}
	return p.report(m), nil
}

// Purge removes everything stored about an address or a domain (with its
// subdomains), for a person or a company that asked to be forgotten:
//
//   - every activity the target took part in (by address, or by an
//     address at the domain), and every activity whose texts name it
//     (subject, snippet, Message-IDs and references, attachment names, a
//     participant's name, the link's reason, a meeting's UID or place),
//     with their participants, sightings, links, meeting details and
//     match queue rows (ON DELETE CASCADE) and review queue rows. So the
//     team's own mail with the person goes too: kept without them, it
//     would still say what they said and who they are;
//   - the deal contacts that are the target (or at the domain), the
//     account domains at the domain, and the rules on the address or on
//     addresses and domains at the domain; the catalog version moves and
//     the deals concerned are stamped, so a running daemon reloads them;
//   - the records of unreadable messages whose reason names it.
//
// Mentions are whole ones: purging bob@acme.com spares jimbob@acme.com,
// and purging acme.com spares notacme.com and acme.com.au. Texts kept
// apart from activities are redacted rather than removed: details of
// audit rows, sources' last errors and outages' reasons have each mention
// replaced by "[purged]"; the audit rows of the removed activities keep
// who did what and when, and lose their detail (a note's subject, say).
// Deals, accounts and their names, which the team wrote, stay, as do
// users: a target that is or covers a user's login is refused.
//
// The figures of the deals that lost activities are recomputed and the
// review queue follows, in the same transaction. Purge writes audit rows
// (action purge, by actor): one that sums it up and one per deal that
// lost activities. They keep the SHA-256 of the address or domain, never
// the text: enough to answer "was x purged?" by hashing x, while the
// trail does not say whom it was about to someone who does not already
// know (a guessable address can be confirmed by hashing guesses).
//
// Every activity's texts are searched first in a read transaction, so
// that the daemon is not held up by the slow part; the write transaction
// then searches the activities stored since, finds the participants by
// index and removes everything together. Mail still in the mailboxes is
// not fetched again (the folder checkpoints stay), except after a rescan
// (a changed UIDVALIDITY); a meeting still in a calendar comes back at
// the calendar's next full read (every calendar is read in full at least
// once a day); a deals CSV that lists the contact or domain adds it back
// on import.
func (s *Store) Purge(ctx context.Context, t PurgeTarget, actor string) (PurgeReport, error) {
	m, err := newPurgeMatch(t)
	if err != nil {
		return PurgeReport{}, fmt.Errorf("purge: %w", err)
	}
	if actor == "" {
		return PurgeReport{}, errors.New("purge: a purge needs an actor for the audit trail")
	}
	hits := map[int64]bool{}
	last, err := s.searchTexts(ctx, m, hits)
	if err != nil {
		return PurgeReport{}, fmt.Errorf("purge %s: %w", m.target, err)
	}
	at := unixTime(s.now().Unix())
	var rep PurgeReport
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		found := maps.Clone(hits)
		if _, err := m.textHits(ctx, tx, last, found); err != nil {
			return err
		}
		p, err := m.findPurge(ctx, tx, found)
		if err != nil {
			return err
		}
		if err := p.apply(ctx, tx); err != nil {
			return err
		}
		rep = p.report(m)
		return writePurgeAudit(ctx, tx, p, rep, m, actor, at)
	})
	if err != nil {
		return PurgeReport{}, fmt.Errorf("purge %s: %w", m.target, err)
	}
	return rep, nil
}

// searchTexts adds to hits the activities whose texts name the target, in
// a read transaction, and returns the largest activity id it searched.
func (s *Store) searchTexts(ctx context.Context, m *purgeMatch, hits map[int64]bool) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, purgeScanTimeout)
	defer cancel()
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	return m.textHits(ctx, tx, 0, hits)
}

// report counts p.
func (p purgeSet) report(m *purgeMatch) PurgeReport {
	return PurgeReport{Activities: len(p.activities), Deals: slices.Sorted(maps.Keys(p.deals)),
		Contacts: len(p.contacts), AccountDomains: len(p.domains), Rules: len(p.rules), Rejected: len(p.rejected),
		Audit: p.audit, Redacted: len(p.redactions), Hash: m.target.hash()}
}

// apply removes and rewrites what p found, in tx, and brings the derived
// rows and the catalog up to date.
func (p purgeSet) apply(ctx context.Context, tx *sql.Tx) error {
	for _, r := range p.redactions {
		if _, err := tx.ExecContext(ctx, `UPDATE `+r.table+` SET `+r.col+` = ? WHERE `+r.key+` = ?`, r.text, r.id); err != nil {
			return fmt.Errorf("redact %s.%s: %w", r.table, r.col, err)
		}
	}
	ids := jsonList(p.activities)
	if _, err := tx.ExecContext(ctx, `UPDATE decisions SET detail = 'activity removed by a purge'
		WHERE activity_id IN (SELECT value FROM json_each(?))`, ids); err != nil {
		return fmt.Errorf("rewrite the audit rows of the activities: %w", err)
	}
	for _, k := range p.rejected {
		if _, err := tx.ExecContext(ctx, `DELETE FROM rejected WHERE mailbox = ? AND folder = ? AND uidvalidity = ? AND uid = ?`,
			k.mailbox, k.folder, k.uidvalidity, k.uid); err != nil {
			return fmt.Errorf("remove a rejected message: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM activities WHERE id IN (SELECT value FROM json_each(?))`, ids); err != nil {
		return fmt.Errorf("remove %d activities: %w", len(p.activities), err)
	}
	stamp := map[string]bool{}
	for _, c := range p.contacts {
		if _, err := tx.ExecContext(ctx, `DELETE FROM deal_contacts WHERE deal_id = ? AND email = ?`, c[0], c[1]); err != nil {
			return fmt.Errorf("remove a contact of deal %s: %w", c[0], err)
		}
		stamp[c[0]] = true
	}
	for _, d := range p.domains {
		if _, err := tx.ExecContext(ctx, `DELETE FROM account_domains WHERE domain = ?`, d); err != nil {
			return fmt.Errorf("remove an account domain: %w", err)
		}
	}
	err := eachRow(ctx, tx, `SELECT d.id FROM json_each(?) AS j CROSS JOIN deals AS d ON d.account_id = j.value`,
		[]any{jsonList(p.accounts)}, func(rows *sql.Rows) error {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			stamp[id] = true
			return nil
		})
	if err != nil {
		return fmt.Errorf("find the deals of accounts: %w", err)
	}
	for _, id := range p.rules {
		if _, err := tx.ExecContext(ctx, `DELETE FROM rules WHERE id = ?`, id); err != nil {
			return fmt.Errorf("remove rule %d: %w", id, err)
		}
	}
	if len(p.contacts)+len(p.domains)+len(p.rules) > 0 {
		if err := bumpCatalog(ctx, tx, slices.Sorted(maps.Keys(stamp))...); err != nil {
			return err
		}
	}
	// review_deals and review_sources have no foreign key: refreshing
	// the queue of the activities removes their rows. The deals that lost
	// activities are recomputed; those that lost a contact or domain only
	// move their version.
	c := viewChanges{review: p.activities}
	c.deal(slices.Collect(maps.Keys(p.deals))...)
	c.show(slices.Collect(maps.Keys(stamp))...)
	return c.apply(ctx, tx)
}

// writePurgeAudit writes the audit rows of a purge: one that sums it up,
// and one per deal that lost activities.
func writePurgeAudit(ctx context.Context, tx *sql.Tx, p purgeSet, rep PurgeReport, m *purgeMatch, actor string, at time.Time) error {
	what := "an address"
	if m.target.Domain != "" {
		what = "a domain"
	}
	removed := []string{counted(rep.Activities, "activity", "activities"), counted(rep.Contacts, "deal contact", "deal contacts"),
		counted(rep.AccountDomains, "account domain", "account domains"), counted(rep.Rules, "rule", "rules")}
	if rep.Rejected > 0 {
		removed = append(removed, counted(rep.Rejected, "rejected message", "rejected messages"))
	}
	detail := fmt.Sprintf("purge of %s (sha256 %s): %s removed", what, rep.Hash, strings.Join(removed, ", "))
	if n := rep.Redacted + rep.Audit; n > 0 {
		detail += "; " + counted(n, "text", "texts") + " redacted"
	}
	if _, err := insertDecision(ctx, tx, model.Decision{At: at, Actor: actor, Action: model.ActionPurge, Detail: detail}); err != nil {
		return err
	}
	for _, d := range rep.Deals {
		row := model.Decision{At: at, Actor: actor, Action: model.ActionPurge, BeforeDeal: d, AfterState: model.LinkRemoved,
			Detail: fmt.Sprintf("%s removed from this deal by a purge (sha256 %s)", counted(p.deals[d], "activity", "activities"), rep.Hash)}
		if _, err := insertDecision(ctx, tx, row); err != nil {
			return err
		}
	}
	return nil
}

// counted says "1 rule", "2 rules".
func counted(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
