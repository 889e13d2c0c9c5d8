package match

import (
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
)

func TestSite(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"bob@acme.example", "acme.example"},
		{"bob@mail.acme.example", "acme.example"},
		{"Bob@Mail.ACME.Example", "acme.example"},
		{"sales.acme.co.uk", "acme.co.uk"},
		{"x@y.co.uk", "y.co.uk"},
		{"acme.example.", "acme.example"},
		{"foo.github.io", "foo.github.io"}, // a private public suffix
		{"gmail.com", "gmail.com"},
		{"co.uk", ""},
		{"com", ""},
		{"localhost", ""},
		{"bob@", ""},
		{"", ""},
		{"bob@[192.0.2.1]", ""},
		{"192.0.2.1", ""},
		{"bob@[IPv6:2001:db8::1]", ""},
		{"2001:db8::1", ""},
		{"a..b.example", ""},
	} {
		if got := Site(c.in); got != c.want {
			t.Errorf("Site(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestIsFreeMail(t *testing.T) {
	m := testMatcher()
	for _, c := range []struct {
		in   string
		want bool
	}{
		{"someone@gmail.com", true},
		{"gmail.com", true},
		{"someone@GoogleMail.com", true},
		{"someone@mail.yahoo.com", true}, // a subdomain of a free-mail site
		{"someone@gmx.de", true},
		{"someone@freemail.example", true}, // from the config
		{"someone@acme.example", false},
		{"someone@gmail.com.acme.example", false},
		{"someone@notgmail.com", false},
		{"", false},
	} {
		if got := m.IsFreeMail(c.in); got != c.want {
			t.Errorf("IsFreeMail(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}

// "Always link this" offers the outside person the mail is about, and
// their company unless they write from free mail.
func TestRuleTargets(t *testing.T) {
	m := testMatcher()
	for _, c := range []struct {
		name         string
		in           Input
		addr, domain string
	}{
		{"inbound", mail(today, "jane@mail.acme.example", alice, "cc:cto@initech.example"), "jane@mail.acme.example", "acme.example"},
		{"outbound", mail(today, alice, bob, "cto@initech.example", "cc:jane@acme.example"), "cto@initech.example", "initech.example"},
		{"outbound, outsider in cc only", mail(today, alice, bob, "cc:jane@acme.example"), "jane@acme.example", "acme.example"},
		{"free mail gives no domain", mail(today, "soylent.ceo@gmail.com", carol), "soylent.ceo@gmail.com", ""},
		{"co.uk", mail(today, bob, "buyer@sales.acme.co.uk"), "buyer@sales.acme.co.uk", "acme.co.uk"},
		{"meeting attendee without a header role", Input{At: today, Participants: []model.Participant{
			{Email: alice, Role: model.RoleFrom}, {Email: "guest@hooli.example"}}}, "guest@hooli.example", "hooli.example"},
		{"internal only", mail(today, alice, bob), "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			addr, domain := m.RuleTargets(c.in)
			if addr != c.addr || domain != c.domain {
				t.Errorf("RuleTargets = %q, %q, want %q, %q", addr, domain, c.addr, c.domain)
			}
		})
	}
}

func TestReasonDate(t *testing.T) {
	for _, c := range []struct {
		in   time.Time
		want string
	}{
		{time.Date(2026, 3, 2, 23, 30, 0, 0, time.UTC), "2026-03-02"},
		{time.Date(2026, 3, 3, 1, 0, 0, 0, time.FixedZone("CET", 3600)), "2026-03-03"},
		{time.Date(2026, 3, 3, 0, 30, 0, 0, time.FixedZone("CET", 3600)), "2026-03-02"}, // in UTC
		{time.Time{}, "0001-01-01"},
	} {
		var buf [32]byte
		if got := newText(buf[:]).date(c.in).String(); got != c.want {
			t.Errorf("date(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}
