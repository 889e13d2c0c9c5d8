package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/crm"
	"github.com/dealtrail/dealtrail/internal/export"
	"github.com/dealtrail/dealtrail/internal/testenv/dovecot"
)

// TestMatchingEndToEnd syncs a generated team year from Dovecot, imports
// the deals before and after the sync, and scores the export against the
// answer every message carries.
func TestMatchingEndToEnd(t *testing.T) {
	h := newTeamHistory(teamHistorySeed)
	srv := dovecot.Start(t)
	env := h.fill(t, srv)
	dir := t.TempDir()
	cfg := writeMatchingConfig(t, srv, dir)
	part1, all := filepath.Join(dir, "part1.csv"), filepath.Join(dir, "all.csv")
	for path, csv := range map[string]string{part1: dealsCSV(false), all: dealsCSV(true)} {
		if err := os.WriteFile(path, []byte(csv), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	mustRun(t, env, "deals", "import", "-config", cfg, part1)
	start := time.Now()
	mustRun(t, env, "sync", "-once", "-config", cfg)
	t.Logf("synced %d messages in %v", len(h.messages), time.Since(start).Round(time.Millisecond))
	mustRun(t, env, "deals", "import", "-config", cfg, all) // the late deals take their mail retroactively
	first := mustRun(t, env, "export", "-config", cfg, "-format", "json")
	score(t, h, readExport(t, first))

	said := mustRun(t, env, "rematch", "-config", cfg)
	second := mustRun(t, env, "export", "-config", cfg, "-format", "json")
	if !bytes.Equal(first, second) {
		before, after := placements(t, readExport(t, first)), placements(t, readExport(t, second))
		var moved []string
		for key, p := range after {
			if b := before[key]; b == nil || b.String() != p.String() {
				moved = append(moved, fmt.Sprintf("%s: %v -> %v", key, before[key], p))
			}
		}
		slices.Sort(moved)
		t.Errorf("rematch changed the export (%d activities moved):\n%s", len(moved), strings.Join(moved[:min(len(moved), 20)], "\n"))
	}
	if !bytes.Contains(said, []byte("nothing moved")) {
		t.Errorf("rematch should say that nothing moved; it said:\n%s", said)
	}
}

// fill creates a Dovecot user per team member and puts every copy of every
// message in its folder, in time order.
func (h *teamHistory) fill(t *testing.T, srv *dovecot.Server) (env []string) {
	t.Helper()
	folders := map[copyOf][]dovecot.Message{}
	for _, m := range h.messages {
		for _, c := range m.copies {
			folders[c] = append(folders[c], dovecot.Message{Raw: m.raw(), Date: m.date})
		}
	}
	for _, p := range team {
		srv.AddUser(t, p.user(), "pw-"+p.user())
		env = append(env, "PW_"+strings.ToUpper(p.user())+"=pw-"+p.user())
		for _, folder := range []string{"INBOX", "Sent"} {
			msgs := folders[copyOf{p.user(), folder}]
			slices.SortStableFunc(msgs, func(a, b dovecot.Message) int { return a.Date.Compare(b.Date) })
			srv.Fill(t, p.user(), folder, msgs)
		}
	}
	return env
}

// writeMatchingConfig writes the team's config with a mailbox per member.
func writeMatchingConfig(t *testing.T, srv *dovecot.Server, dir string) string {
	t.Helper()
	host, port, _ := strings.Cut(srv.Addr(), ":")
	var b strings.Builder
	b.WriteString("database: ./dealtrail.db\npoll_interval: 10s\nbackfill: 0\nteam:\n  domains: [ourco.example]\n  members:\n")
	for _, p := range team {
		role := "rep"
		if p == lena {
			role = "leader"
		}
		fmt.Fprintf(&b, "    - {email: %s, name: %q, role: %s}\n", p.email, p.name, role)
	}
	b.WriteString("mailboxes:\n")
	for _, p := range team {
		fmt.Fprintf(&b, "  - {name: %s, owner: %s, host: %q, port: %s, tls: none, username: %s, password: \"${PW_%s}\"}\n",
			p.user(), p.email, host, port, p.user(), strings.ToUpper(p.user()))
	}
	b.WriteString("matching:\n  lookback: 30d\n  grace: 14d\n  freemail_domains: [gmail.com, outlook.com]\n" +
		"  ignore:\n    domains: [news.example, marketing.hooli.example]\n    addresses: [" + acmePortal.email + "]\n")
	path := filepath.Join(dir, "dealtrail.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// mustRun runs dealtrail and returns its standard output, failing the test
// with everything it said when it fails.
func mustRun(t *testing.T, env []string, args ...string) []byte {
	t.Helper()
	cmd := dealtrail(env, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("dealtrail %s: %v\n%s%s", strings.Join(args, " "), err, stdout.Bytes(), stderr.Bytes())
	}
	return stdout.Bytes()
}

func readExport(t *testing.T, b []byte) export.Document {
	t.Helper()
	var doc export.Document
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("export is not JSON: %v\n%.2000s", err, b)
	}
	return doc
}

// placement is where the export put one activity.
type placement struct {
	where      string // "deal", "review" or "unlinked"
	deal       string
	link       *export.Link
	candidates []string
	sightings  int
}

func (p *placement) String() string {
	switch {
	case p == nil:
		return "not stored"
	case p.where == "deal" && p.link != nil:
		return fmt.Sprintf("%s (%s, %s)", p.deal, p.link.State, p.link.Method)
	case p.where == "deal":
		return p.deal + " (no link)"
	case p.where == "review":
		return fmt.Sprintf("review %v", p.candidates)
	case p.link != nil:
		return fmt.Sprintf("unlinked (%s)", p.link.State)
	}
	return "unlinked"
}

// placements indexes the export by activity key. An activity is in one
// place: on one deal, in review or unlinked (review items may be listed
// as unlinked too).
func placements(t *testing.T, doc export.Document) map[string]*placement {
	t.Helper()
	out := map[string]*placement{}
	put := func(a export.Activity, p *placement) {
		p.link, p.sightings = a.Link, len(a.Sightings)
		switch old := out[a.Key]; {
		case old == nil:
			out[a.Key] = p
		case old.where == "review" && p.where == "unlinked":
		default:
			t.Errorf("activity %s is both %v and %v", a.Key, old, p)
		}
	}
	for _, d := range doc.Deals {
		for _, a := range d.Activities {
			if a.Link != nil && a.Link.Deal != d.ID {
				t.Errorf("activity %s is listed under %s but linked to %q", a.Key, d.ID, a.Link.Deal)
			}
			put(a, &placement{where: "deal", deal: d.ID})
		}
	}
	for _, r := range doc.Review {
		put(r.Activity, &placement{where: "review", candidates: r.Candidates})
	}
	for _, a := range doc.Unlinked {
		put(a, &placement{where: "unlinked"})
	}
	return out
}

// score compares the export with every message's answer.
func score(t *testing.T, h *teamHistory, doc export.Document) {
	t.Helper()
	got := placements(t, doc)
	var autoLinks, autoRight int
	for key, p := range got {
		m := h.byID[key]
		if m == nil {
			t.Errorf("the export holds %s, which nobody sent", key)
			continue
		}
		if p.where != "deal" || p.link == nil || p.link.State != "auto" {
			continue
		}
		autoLinks++
		if m.want == p.deal {
			autoRight++
		}
		if l := p.link; strings.TrimSpace(l.Reason) == "" || l.Confidence <= 0 || l.Confidence > 1 {
			t.Errorf("automatic link of %s to %s has reason %q and confidence %v; want a reason and 0 < confidence <= 1",
				key, p.deal, l.Reason, l.Confidence)
		}
	}

	type tally struct{ right, all int }
	perCase := map[string]*tally{}
	var onDealRight, onDealAll, ccTwice int
	var wrong []string
	for _, m := range h.messages {
		p := got[m.id]
		var ok bool
		switch m.want {
		case wantInternal:
			ok = p == nil
		case wantNone:
			ok = p != nil && p.where == "unlinked"
		case wantReview:
			ok = p != nil && p.where == "review" && sameSet(p.candidates, m.candidates)
		default:
			ok = p != nil && p.where == "deal" && p.deal == m.want
			onDealAll++
			if ok {
				onDealRight++
			}
		}
		if p != nil && p.sightings != len(m.copies) {
			t.Errorf("%s (%s): %d sightings, want %d (%v)", m.id, m.story, p.sightings, len(m.copies), m.copies)
		}
		if m.story == caseCcColleague && p != nil && p.sightings == 2 {
			ccTwice++
		}
		c := perCase[m.story]
		if c == nil {
			c = &tally{}
			perCase[m.story] = c
		}
		c.all++
		if ok {
			c.right++
			continue
		}
		reason := ""
		if p != nil && p.link != nil {
			reason = p.link.Reason
		}
		wrong = append(wrong, fmt.Sprintf("%-40s %-17s %s  want %-24s got %-28s %s",
			m.id, m.story, m.date.Format("2006-01-02"), m.answer, p, reason))
	}

	var table strings.Builder
	for _, story := range slices.Sorted(maps.Keys(perCase)) {
		fmt.Fprintf(&table, "\n  %-18s %4d of %4d right", story, perCase[story].right, perCase[story].all)
	}
	precision, share := ratio(autoRight, autoLinks), ratio(onDealRight, onDealAll)
	t.Logf("automatic links: %d, right %d, precision %.4f; on the right deal: %d of %d (%.4f); cc'd messages seen twice: %d%s",
		autoLinks, autoRight, precision, onDealRight, onDealAll, share, ccTwice, table.String())
	if len(wrong) > 0 {
		slices.Sort(wrong)
		t.Errorf("%d messages not where they belong (key, case, date, want, got, reason):\n%s", len(wrong),
			strings.Join(wrong[:min(len(wrong), 80)], "\n"))
	}
	if autoLinks == 0 || precision < 0.99 {
		t.Errorf("precision of automatic links %.4f (%d of %d), want >= 0.99", precision, autoRight, autoLinks)
	}
	if share < 0.95 {
		t.Errorf("share of deal mail on its deal %.4f (%d of %d), want >= 0.95", share, onDealRight, onDealAll)
	}
	for _, story := range []string{caseBothOwners, caseSameOwner, caseNewsletter, caseIgnoredAddress, caseUnknownCompany,
		caseFreeMailStrange, caseSuffixStranger, caseLookbackOut, caseGraceOut, caseInternal} {
		if c := perCase[story]; c != nil && c.right != c.all {
			t.Errorf("%s: %d of %d messages wrong; every one must be right", story, c.all-c.right, c.all)
		}
	}
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func sameSet(a, b []string) bool {
	a, b = slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b))
	return slices.Equal(a, b)
}

// TestTeamHistory checks the generated history itself, without Dovecot:
// sizes, headers, threads, and that every answer follows from the story.
func TestTeamHistory(t *testing.T) {
	h := newTeamHistory(teamHistorySeed)
	if n := len(h.messages); n < 600 || n > 1500 {
		t.Errorf("%d messages, want 600 to 1500", n)
	}
	again := newTeamHistory(teamHistorySeed)
	for i, m := range h.messages {
		if i >= len(again.messages) || !bytes.Equal(m.raw(), again.messages[i].raw()) || !slices.Equal(m.copies, again.messages[i].copies) {
			t.Fatalf("message %d differs between two runs with one seed", i)
		}
	}
	deals := checkDeals(t)
	perCase := map[string]int{}
	for _, m := range h.messages {
		perCase[m.story]++
		checkMessage(t, h, m, deals)
	}
	checkThreads(t, h)
	for _, story := range []string{caseOwnerDecides, caseBothOwners, caseSameOwner, caseOneLiveDeal, caseSubdomain,
		caseLateDeal, casePublicSuffix, caseSuffixStranger, caseFreeMailContact, caseFreeMailStrange, caseThirdParty,
		caseLookbackIn, caseLookbackOut, caseGraceIn, caseGraceOut, caseCcColleague, caseDealMail, caseInternal,
		caseNewsletter, caseIgnoredAddress, caseUnknownCompany} {
		if perCase[story] < 4 {
			t.Errorf("case %s has %d messages, want at least 4", story, perCase[story])
		}
	}
	if len(perCase) != 21 {
		t.Errorf("%d cases, want the 21 listed", len(perCase))
	}
	var onlyCounsel int
	for _, m := range h.messages {
		outside := slices.DeleteFunc(m.everyone(), person.internal)
		if m.story == caseThirdParty && len(outside) == 1 && outside[0] == counsel {
			onlyCounsel++
		}
	}
	if onlyCounsel < 4 {
		t.Errorf("%d messages with counsel as the only outsider, want at least 4", onlyCounsel)
	}
	t.Logf("%d messages, %d copies; per case: %v", len(h.messages), copiesIn(h), perCase)
}

// checkDeals checks that the CRM files read and returns the deals by ID.
func checkDeals(t *testing.T) map[string]dealRow {
	t.Helper()
	part1, err1 := crm.ReadDeals(strings.NewReader(dealsCSV(false)), "part1.csv")
	all, err2 := crm.ReadDeals(strings.NewReader(dealsCSV(true)), "all.csv")
	if err1 != nil || err2 != nil {
		t.Fatalf("deals files do not read: %v %v", err1, err2)
	}
	accounts := map[string]bool{}
	for _, d := range all {
		accounts[d.Account] = true
		for _, dom := range d.Domains {
			if dom == "gmail.com" || dom == "outlook.com" || dom == "thornbury.co.uk" || dom == "co.uk" {
				t.Errorf("deal %s lists domain %s", d.ID, dom)
			}
		}
	}
	if len(all) < 12 || len(all) > 15 || len(accounts) < 10 || 3*len(part1) < 2*len(all)-3 || 3*len(part1) > 2*len(all)+3 {
		t.Errorf("%d deals of %d accounts, %d before the sync; want 12-15 of 10 or more, about two thirds before", len(all), len(accounts), len(part1))
	}
	byID := map[string]dealRow{}
	for _, d := range teamDeals {
		byID[d.id] = d
	}
	return byID
}

// liveness says whether at is surely inside ("in") or surely outside
// ("out") the window in which deal d takes mail, 2 days clear of its
// edges, or "edge".
func liveness(d dealRow, at time.Time) string {
	const day = 24 * time.Hour
	from, _ := time.Parse(time.DateOnly, d.created)
	from = from.Add(-30 * day)
	until := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	if d.closed != "" {
		until, _ = time.Parse(time.DateOnly, d.closed)
		until = until.Add(14 * day)
	}
	switch {
	case at.After(from.Add(2*day)) && at.Before(until.Add(-2*day)):
		return "in"
	case at.Before(from.Add(-2*day)) || at.After(until.Add(2*day)):
		return "out"
	}
	return "edge"
}

// checkMessage checks one message's headers, copies and answer.
func checkMessage(t *testing.T, h *teamHistory, m *message, deals map[string]dealRow) {
	t.Helper()
	parsed, err := mail.ReadMessage(bytes.NewReader(m.raw()))
	if err != nil || parsed.Header.Get("Message-ID") != "<"+m.id+">" {
		t.Fatalf("%s does not parse back: %v", m.id, err)
	}
	if _, err := parsed.Header.AddressList("To"); err != nil {
		t.Errorf("%s: To: %v", m.id, err)
	}
	external := slices.ContainsFunc(m.everyone(), func(p person) bool { return !p.internal() })
	if (m.want == wantInternal) == external {
		t.Errorf("%s: answer %s, but external participants: %v", m.id, m.want, external)
	}
	if len(m.copies) == 0 || m.from.internal() && !slices.Contains(m.copies, copyOf{m.from.user(), "Sent"}) {
		t.Errorf("%s from %s has copies %v", m.id, m.from.email, m.copies)
	}
	if m.story == caseCcColleague && len(m.copies) != 2 {
		t.Errorf("%s: cc'd message in %d folders, want 2", m.id, len(m.copies))
	}
	// Which of the account's deals were surely live, and which might be.
	var in, edge []string
	for _, d := range teamDeals {
		if d.account == m.account && m.account != "" {
			switch liveness(d, m.date) {
			case "in":
				in = append(in, d.id)
			case "edge":
				edge = append(edge, d.id)
			}
		}
	}
	if len(edge) > 0 {
		t.Errorf("%s (%s) is dated %s, too close to the window edge of %v", m.id, m.story, m.date, edge)
	}
	switch m.want {
	case wantInternal, wantNone:
		if len(in) > 0 {
			t.Errorf("%s (%s) wants %s, but %v were live", m.id, m.story, m.want, in)
		}
	case wantReview:
		if len(m.candidates) < 2 || !sameSet(in, m.candidates) {
			t.Errorf("%s (%s) wants review of %v, but the live deals were %v", m.id, m.story, m.candidates, in)
		}
	default:
		d, ok := deals[m.want]
		switch {
		case !ok:
			t.Errorf("%s wants unknown deal %s", m.id, m.want)
		case d.account != m.account || !slices.Contains(in, m.want):
			t.Errorf("%s (%s) wants %s of %s, but it is about %s while %v were live", m.id, m.story, m.want, d.account, m.account, in)
		case len(in) > 1 && m.story != caseOwnerDecides:
			t.Errorf("%s (%s) wants %s, but %v were live", m.id, m.story, m.want, in)
		case len(in) > 1:
			// Only the wanted deal's owner may be on it or see it.
			for _, id := range in {
				owner := deals[id].owner
				onIt := slices.Contains(m.everyone(), owner) || slices.ContainsFunc(m.copies, func(c copyOf) bool { return c.user == owner.user() })
				if onIt != (id == m.want) {
					t.Errorf("%s wants %s, but the owner of %s on it: %v", m.id, m.want, id, onIt)
				}
			}
		}
		if (m.story == caseLateDeal || m.story == caseLookbackIn) && !d.late {
			t.Errorf("%s (%s) wants %s, late: %v", m.id, m.story, m.want, d.late)
		}
		if m.story == caseLookbackIn && (!m.date.Before(time.Date(2025, 5, 12, 0, 0, 0, 0, time.UTC)) || d.created != "2025-05-12") {
			t.Errorf("%s (%s) dated %s wants %s created %s", m.id, m.story, m.date, m.want, d.created)
		}
	}
}

// checkThreads checks that Message-IDs are unique, that replies follow
// their parent with the parent's references, and that a conversation with
// anyone outside has one answer throughout.
func checkThreads(t *testing.T, h *teamHistory) {
	t.Helper()
	if len(h.byID) != len(h.messages) {
		t.Errorf("%d Message-IDs for %d messages", len(h.byID), len(h.messages))
	}
	answers := map[string]string{}
	for _, m := range h.messages {
		for _, ref := range m.references {
			if r := h.byID[ref]; r == nil || !r.date.Before(m.date) {
				t.Errorf("%s refers to %s, which is not an earlier message", m.id, ref)
			}
		}
		if m.isReply() {
			parent := h.byID[m.inReplyTo]
			if parent == nil || !slices.Equal(m.references, append(slices.Clone(parent.references), parent.id)) ||
				m.subject != "Re: "+strings.TrimPrefix(parent.subject, "Re: ") {
				t.Errorf("%s is a malformed reply to %s", m.id, m.inReplyTo)
			}
		}
		if m.want == wantInternal {
			continue
		}
		root := m.id
		if len(m.references) > 0 {
			root = m.references[0]
		}
		if a, ok := answers[root]; ok && a != m.answer.String() {
			t.Errorf("%s answers %s in a thread answered %s", m.id, m.answer, a)
		}
		answers[root] = m.answer.String()
	}
}

func copiesIn(h *teamHistory) (n int) {
	for _, m := range h.messages {
		n += len(m.copies)
	}
	return n
}
