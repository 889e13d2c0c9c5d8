package demo

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/config"
	"github.com/dealtrail/dealtrail/internal/mailparse"
	"github.com/dealtrail/dealtrail/internal/model"
)

// testNow is a Wednesday; the tests also use a Sunday and other times.
var testNow = time.Date(2025, 6, 18, 10, 30, 0, 0, time.UTC)

func messageIDs(t *Team) []string {
	ids := make([]string, len(t.Emails))
	for i, e := range t.Emails {
		ids[i] = e.MessageID
	}
	slices.Sort(ids)
	return ids
}

func TestGenerateIsDeterministic(t *testing.T) {
	a, b := Generate(DefaultSeed, testNow), Generate(DefaultSeed, testNow)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two teams generated with the same seed and time differ")
	}
	// Another time moves the mail, not what it is.
	c := Generate(DefaultSeed, time.Date(2026, 3, 1, 23, 0, 0, 0, time.UTC))
	if !slices.Equal(messageIDs(a), messageIDs(c)) {
		t.Error("the Message-IDs depend on the time, not only on the seed")
	}
	if d := Generate(DefaultSeed+1, testNow); slices.Equal(messageIDs(a), messageIDs(d)) {
		t.Error("another seed gives the same Message-IDs")
	}
}

func TestGenerateDeals(t *testing.T) {
	team := Generate(DefaultSeed, testNow)
	count := map[model.DealStatus]int{}
	accounts := map[string]bool{}
	for _, d := range team.Deals {
		count[d.Status]++
		accounts[d.Account] = true
		if m, ok := team.Member(strings.TrimSuffix(d.Owner, "@"+Domain)); !ok || m.Role != config.RoleRep {
			t.Errorf("deal %s: owner %s is not a rep of the team", d.ID, d.Owner)
		}
		if d.Created.IsZero() || d.Created.After(testNow) || (d.Status != model.DealOpen) == d.Closed.IsZero() {
			t.Errorf("deal %s (%s): created %v, closed %v", d.ID, d.Status, d.Created, d.Closed)
		}
		if !d.Closed.IsZero() && d.Closed.Before(d.Created) {
			t.Errorf("deal %s closed %v before it was created %v", d.ID, d.Closed, d.Created)
		}
	}
	want := map[model.DealStatus]int{model.DealWon: 5, model.DealLost: 4, model.DealOpen: 7}
	if !reflect.DeepEqual(count, want) {
		t.Errorf("deals by status = %v, want %v", count, want)
	}
	if len(accounts) != 15 || len(team.Accounts) != 15 {
		t.Errorf("%d accounts with deals, %d accounts; want 15", len(accounts), len(team.Accounts))
	}

	two := team.Cases.TwoDeals
	a, _ := team.Deal(two[0])
	b, _ := team.Deal(two[1])
	if a.Account != b.Account || a.Status != model.DealOpen || b.Status != model.DealOpen || a.Owner == b.Owner {
		t.Errorf("two live deals of one company: %+v and %+v", a, b)
	}

	free := team.Cases.FreeMail
	if !strings.HasSuffix(free, "@gmail.com") {
		t.Errorf("free-mail contact %q is not at gmail.com", free)
	}
	listed := false
	for _, d := range team.Deals {
		listed = listed || slices.Contains(d.Contacts, free)
		if slices.Contains(d.Domains, "gmail.com") {
			t.Errorf("deal %s lists gmail.com as a domain", d.ID)
		}
	}
	if !listed {
		t.Errorf("free-mail contact %s is no deal's contact", free)
	}
}

func TestGenerateGoneDark(t *testing.T) {
	team := Generate(DefaultSeed, testNow)
	var lastIn, lastOut time.Time
	var ask string
	followUps := 0
	for _, e := range team.Emails {
		if e.Deal != team.Cases.GoneDark {
			continue
		}
		switch e.Direction {
		case model.Inbound:
			lastIn, ask, followUps = e.Date, string(e.Raw), 0
		case model.Outbound:
			lastOut = e.Date
			followUps++
		}
	}
	if !lastIn.Before(lastOut) {
		t.Fatalf("gone-dark deal: last inbound %v is not before last outbound %v", lastIn, lastOut)
	}
	if !strings.Contains(ask, "send over the contract") {
		t.Errorf("the customer's last email does not ask for the contract:\n%s", ask)
	}
	if followUps < 4 || testNow.Sub(lastIn) < 30*24*time.Hour {
		t.Errorf("gone dark: %d outbound emails since the last reply of %v; want at least 4 and a month of silence", followUps, lastIn)
	}
}

func TestGenerateEmails(t *testing.T) {
	team := Generate(DefaultSeed, testNow)
	members := make([]string, len(team.Members))
	for i, m := range team.Members {
		members[i] = m.Email
	}
	mt := model.NewTeam([]string{Domain}, members)
	seen := map[string]bool{}
	var internal, lawyer, ambiguous int
	for i, e := range team.Emails {
		if i > 0 && e.Date.Before(team.Emails[i-1].Date) {
			t.Errorf("email %d is out of time order", i)
		}
		if !e.Date.Before(testNow) || testNow.Sub(e.Date) > 366*24*time.Hour {
			t.Errorf("%s: date %v is not in the year before %v", e.MessageID, e.Date, testNow)
		}
		if seen[e.MessageID] {
			t.Errorf("duplicate Message-ID %s", e.MessageID)
		}
		seen[e.MessageID] = true
		if e.InReplyTo != "" && (!seen[e.InReplyTo] || e.References[len(e.References)-1] != e.InReplyTo) {
			t.Errorf("%s replies to %s, not an earlier email at the end of its References", e.MessageID, e.InReplyTo)
		}

		// What dealtrail's parser reads is what the generator meant.
		m, err := mailparse.Parse(e.Raw, mailparse.Options{Now: func() time.Time { return testNow }})
		if err != nil || len(m.Problems) > 0 {
			t.Fatalf("%s does not parse cleanly: %v %v", e.MessageID, err, m.Problems)
		}
		if m.MessageID != e.MessageID || m.Subject != e.Subject || !m.Date.Equal(e.Date) || m.InReplyTo != e.InReplyTo {
			t.Errorf("parsed %q %q %v %q, generated %q %q %v %q", m.MessageID, m.Subject, m.Date, m.InReplyTo,
				e.MessageID, e.Subject, e.Date, e.InReplyTo)
		}
		if !reflect.DeepEqual(m.Participants, e.Participants) {
			t.Errorf("%s: parsed participants %v, generated %v", e.MessageID, m.Participants, e.Participants)
		}
		if len(m.Attachments) != len(e.Attachments) || m.Snippet == "" {
			t.Errorf("%s: parsed %d attachments and snippet %q, generated %d", e.MessageID, len(m.Attachments), m.Snippet, len(e.Attachments))
		}
		if got := mt.Direction(e.Participants[0].Email, e.Participants); got != e.Direction {
			t.Errorf("%s: dealtrail sees it %s, the generator says %s", e.MessageID, got, e.Direction)
		}

		switch {
		case e.Direction == model.Internal:
			internal++
			if e.Deal != "" {
				t.Errorf("internal email %s belongs to deal %s", e.MessageID, e.Deal)
			}
		case e.Deal == "" && strings.HasPrefix(e.Participants[0].Email, "janet"):
			ambiguous++
		}
		if slices.ContainsFunc(e.Participants, func(p model.Participant) bool { return p.Email == team.Cases.Lawyer }) {
			lawyer++
			if e.Deal != lawyerDeal {
				t.Errorf("the lawyer's email %s is on deal %q", e.MessageID, e.Deal)
			}
		}
	}
	if internal < 20 || lawyer < 3 || ambiguous != 1 {
		t.Errorf("%d internal-only emails, %d with the lawyer, %d about both Northwind deals", internal, lawyer, ambiguous)
	}
}

func TestGenerateCopies(t *testing.T) {
	team := Generate(DefaultSeed, testNow)
	var cc *Email
	total := 0
	for i, e := range team.Emails {
		total += len(e.Copies)
		if e.MessageID == team.Cases.CcCopy {
			cc = &team.Emails[i]
		}
		from := strings.TrimSuffix(e.Participants[0].Email, "@"+Domain)
		if _, member := team.Member(from); member != slices.Contains(e.Copies, Copy{from, Sent}) {
			t.Errorf("%s from %s: copies %v", e.MessageID, from, e.Copies)
		}
	}
	if cc == nil {
		t.Fatal("no email of a rep to a customer with a colleague on Cc")
	}
	if cc.Direction != model.Outbound || cc.Deal == "" || len(cc.Copies) != 2 ||
		cc.Copies[0].Folder != Sent || cc.Copies[1].Folder != Inbox || cc.Copies[0].User == cc.Copies[1].User {
		t.Errorf("Cc'd email: %s, deal %q, copies %v", cc.Direction, cc.Deal, cc.Copies)
	}

	n := 0
	for user, msgs := range team.Mailboxes {
		n += len(msgs)
		if _, ok := team.Member(user); !ok {
			t.Errorf("mailbox of %s, who is no member", user)
		}
		if !slices.IsSortedFunc(msgs, func(a, b Message) int { return a.Date.Compare(b.Date) }) {
			t.Errorf("mailbox of %s is not in time order", user)
		}
		if !slices.ContainsFunc(msgs, func(m Message) bool { return m.Folder == Sent }) ||
			!slices.ContainsFunc(msgs, func(m Message) bool { return m.Folder == Inbox }) {
			t.Errorf("mailbox of %s lacks INBOX or Sent messages", user)
		}
	}
	if n != total || len(team.Emails) < 250 {
		t.Errorf("%d mailbox messages for %d copies of %d emails", n, total, len(team.Emails))
	}
}

func TestLive(t *testing.T) {
	team := Generate(DefaultSeed, testNow)
	live := NewLive(team, DefaultSeed)
	seen := map[string]bool{}
	for _, e := range team.Emails {
		seen[e.MessageID] = true
	}
	now := testNow
	kinds := map[model.Direction]int{}
	for range 60 {
		now = now.Add(4 * time.Second)
		e := live.Next(now)
		if seen[e.MessageID] {
			t.Fatalf("live email reuses Message-ID %s", e.MessageID)
		}
		seen[e.MessageID] = true
		if !e.Date.Equal(now) || len(e.Copies) == 0 {
			t.Errorf("live email %s dated %v (now %v), copies %v", e.MessageID, e.Date, now, e.Copies)
		}
		if e.Deal == team.Cases.GoneDark && e.Direction != model.Outbound {
			t.Errorf("the customer who went dark wrote again: %s", e.MessageID)
		}
		if _, err := mailparse.Parse(e.Raw, mailparse.Options{Now: func() time.Time { return now }}); err != nil {
			t.Errorf("live email %s does not parse: %v", e.MessageID, err)
		}
		kinds[e.Direction]++
	}
	if kinds[model.Inbound] == 0 || kinds[model.Outbound] == 0 || kinds[model.Internal] == 0 {
		t.Errorf("live mail by direction: %v; want some of each", kinds)
	}
	// The next run writes new Message-IDs.
	again := NewLive(team, DefaultSeed).Next(now.Add(time.Hour))
	if seen[again.MessageID] {
		t.Errorf("a new stream reuses Message-ID %s", again.MessageID)
	}
}
