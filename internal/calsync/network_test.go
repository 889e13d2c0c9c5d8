package calsync

import (
	"net/netip"
	"strings"
	"testing"
)

func TestPrivateKind(t *testing.T) {
	cases := map[string]string{
		"127.0.0.1":        "loopback",
		"127.8.9.10":       "loopback",
		"::1":              "loopback",
		"::ffff:127.0.0.1": "loopback",
		"10.1.2.3":         "private",
		"172.16.0.1":       "private",
		"192.168.1.1":      "private",
		"fd00::1":          "unique-local",
		"169.254.169.254":  "link-local",
		"fe80::1":          "link-local",
		"0.0.0.0":          "unspecified",
		"::":               "unspecified",
		"224.0.0.251":      "multicast",
		"ff02::1":          "multicast",
		"100.64.0.1":       "shared (carrier-grade NAT)",
		"255.255.255.255":  "broadcast",
		"0.1.2.3":          `"this network"`,
		"8.8.8.8":          "",
		"203.0.113.7":      "",
		"2001:4860::8888":  "",
		"172.32.0.1":       "",
	}
	for addr, want := range cases {
		if got := privateKind(netip.MustParseAddr(addr)); got != want {
			t.Errorf("privateKind(%s) = %q, want %q", addr, got, want)
		}
	}
}

func TestRedactURL(t *testing.T) {
	cases := map[string]string{
		"https://cal.example.com/team.ics":                                                                                                "https://cal.example.com/team.ics",
		"https://user:pw@cal.example.com/team.ics?token=abc":                                                                              "https://cal.example.com/team.ics?***",
		"webcal://p01-caldav.icloud.com/published/2/MTIzNDU2Nzg5MGFiY2RlZg":                                                               "webcal://p01-caldav.icloud.com/published/2/***",
		"https://calendar.google.com/calendar/ical/sales%40ourco.example/private-0f3a9c/basic.ics":                                        "https://calendar.google.com/calendar/ical/sales%40ourco.example/***/basic.ics",
		"https://outlook.office365.com/owa/calendar/6f1c2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b@ourco.example/a1b2c3d4e5f60718293a/calendar.ics": "https://outlook.office365.com/owa/calendar/***/***/calendar.ics",
		"https://cal.example.com/feed#frag":                                                                                               "https://cal.example.com/feed",
		"not a url":                                                                                                                       "(unparsable URL)",
	}
	for in, want := range cases {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPrivateDestinationError(t *testing.T) {
	err := &PrivateDestinationError{Host: "feed.example", Addr: netip.MustParseAddr("10.0.0.5"), Kind: "private"}
	msg := err.Error()
	for _, want := range []string{"feed.example (10.0.0.5)", "private address", ConfigKeyAllowPrivate} {
		if !strings.Contains(msg, want) {
			t.Errorf("%q lacks %q", msg, want)
		}
	}
}
