package cli

import (
	"context"
	"fmt"
	"io"
	"os/user"
	"slices"
	"strings"

	"github.com/dealtrail/dealtrail/internal/app"
	"github.com/dealtrail/dealtrail/internal/config"
	"github.com/dealtrail/dealtrail/internal/match"
	"github.com/dealtrail/dealtrail/internal/store"
)

// purgeUsage is the usage line of "purge".
const purgeUsage = "usage: dealtrail purge -config FILE (-address EMAIL | -domain DOMAIN) [-yes]"

// runPurge removes everything stored about an address or a domain (see
// store.Purge). Without -yes it only says what it would remove.
func runPurge(ctx context.Context, e env, args []string) int {
	fs := newFlags(e, "purge")
	path := fs.String("config", "", "config `FILE`")
	address := fs.String("address", "", "forget this person: the `EMAIL` address")
	domain := fs.String("domain", "", "forget this company: the `DOMAIN` and its subdomains")
	yes := fs.Bool("yes", false, "remove it; without -yes, only say what would be removed")
	code := exitOK
	if !parseFlags(fs, args, &code) {
		return code
	}
	if fs.NArg() > 0 || (*address == "") == (*domain == "") {
		fmt.Fprintln(e.stderr, purgeUsage)
		return exitUsage
	}
	target, err := store.PurgeTarget{Address: *address, Domain: *domain}.Normalize()
	if err != nil {
		fmt.Fprintf(e.stderr, "dealtrail purge: %v\n", err)
		return exitFail
	}
	cfg, ok := loadConfig(e, "purge", *path)
	if !ok {
		return exitFail
	}
	if problem := teamProblem(cfg, target); problem != "" {
		fmt.Fprintf(e.stderr, "dealtrail purge: %s\n", problem)
		return exitFail
	}
	st, ok := openStore(ctx, e, "purge", cfg)
	if !ok {
		return exitFail
	}
	defer st.Close()
	if !*yes {
		rep, err := st.PlanPurge(ctx, target)
		if err != nil {
			fmt.Fprintf(e.stderr, "dealtrail purge: %v\n", err)
			return exitFail
		}
		fmt.Fprintf(e.stdout, "purge of %s would remove:\n", target)
		printPurge(e.stdout, rep)
		fmt.Fprintln(e.stdout, "nothing was changed: run again with -yes to remove it")
		return exitOK
	}
	rep, err := st.Purge(ctx, target, osActor())
	if err != nil {
		fmt.Fprintf(e.stderr, "dealtrail purge: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(e.stdout, "purged %s, removing:\n", target)
	printPurge(e.stdout, rep)
	fmt.Fprintf(e.stdout, "the audit trail records the purge with the SHA-256 of the %s (%s), not the %s itself\n",
		kindOf(target), rep.Hash, kindOf(target))
	for _, note := range purgeNotes(cfg, target) {
		fmt.Fprintln(e.stderr, "note: "+note)
	}
	return exitOK
}

// printPurge lists the counts of a purge report.
func printPurge(w io.Writer, rep store.PurgeReport) {
	fmt.Fprintf(w, "  %s (emails, meetings, notes, calls), with their participants, sightings, links and review items\n",
		plural(rep.Activities, "activity", "activities"))
	fmt.Fprintf(w, "  %s, %s, %s, %s\n", plural(rep.Contacts, "deal contact", "deal contacts"),
		plural(rep.AccountDomains, "account domain", "account domains"), plural(rep.Rules, "rule", "rules"),
		plural(rep.Rejected, "record of an unreadable message", "records of unreadable messages"))
	fmt.Fprintf(w, "  and redact %s (audit details, sync errors)\n", plural(rep.Audit+rep.Redacted, "text", "texts"))
	if len(rep.Deals) > 0 {
		fmt.Fprintf(w, "  the figures of %s are recomputed: %s\n", plural(len(rep.Deals), "deal", "deals"), strings.Join(rep.Deals, ", "))
	}
}

// plural says "1 rule", "2 rules".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// kindOf says "address" or "domain".
func kindOf(t store.PurgeTarget) string {
	if t.Address != "" {
		return "address"
	}
	return "domain"
}

// teamProblem refuses a target inside the team (a member's address, an
// address or domain under a team domain, a domain above one) and a
// domain that is a public suffix; "" when the target is outside.
func teamProblem(cfg *config.Config, t store.PurgeTarget) string {
	if t.Address != "" {
		switch team := app.Team(cfg); {
		case team.IsMember(t.Address):
			return t.Address + " is a member of the team (team.members): purge forgets people outside the team"
		case team.IsInternal(t.Address):
			return t.Address + " is at a team domain (team.domains): purge forgets people outside the team"
		}
		return ""
	}
	under := func(d, parent string) bool { return d == parent || strings.HasSuffix(d, "."+parent) }
	for _, d := range cfg.Team.Domains {
		if d = strings.ToLower(d); under(t.Domain, d) || under(d, t.Domain) {
			return "domain " + t.Domain + " covers or is the team's domain " + d + ": purge forgets people outside the team"
		}
	}
	if strings.Contains(t.Domain, ".") && match.Site(t.Domain) == "" {
		return t.Domain + " is a public suffix (like co.uk): it would cover every company under it; give a company's domain"
	}
	return ""
}

// purgeNotes says what a purge leaves to do elsewhere.
func purgeNotes(cfg *config.Config, t store.PurgeTarget) []string {
	notes := []string{
		"delete the mail from the team's mailboxes and the meetings from its calendars too: a purged message is not " +
			"fetched again unless its folder is rescanned (its UIDVALIDITY changes), but a meeting still in a calendar " +
			"comes back within a day (calendars are read in full daily): delete it there, then purge again",
		"remove the " + kindOf(t) + " from the CRM and the deals CSV, or the next `dealtrail deals import` adds it back as a contact or domain",
		"backups made before now still hold it",
	}
	if slices.Contains(cfg.Matching.Ignore.Addresses, t.Address) || slices.Contains(cfg.Matching.Ignore.Domains, t.Domain) {
		notes = append(notes, "the config still names it under matching.ignore in "+cfg.Path)
	}
	return notes
}

// osActor is who the audit trail says made a change from the command
// line: the operating system user, or "purge" when it cannot be told.
func osActor() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "purge"
}
