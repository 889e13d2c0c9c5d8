package match

import (
	"strings"

	"golang.org/x/net/publicsuffix"
)

// builtinFreeMail lists the registrable domains of public mail providers.
// An address there tells nothing about a company, so such domains never
// match by domain, only by an exact contact address.
var builtinFreeMail = []string{
	"gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com",
	"msn.com", "yahoo.com", "ymail.com", "aol.com", "icloud.com", "me.com",
	"mac.com", "proton.me", "protonmail.com", "pm.me", "gmx.com", "gmx.de",
	"gmx.net", "gmx.at", "gmx.ch", "web.de", "mail.com", "yandex.com",
	"yandex.ru", "mail.ru", "zoho.com", "fastmail.com", "hey.com", "qq.com",
	"163.com", "126.com", "orange.fr", "free.fr", "laposte.net",
	"t-online.de", "libero.it", "btinternet.com", "comcast.net",
	"verizon.net", "att.net", "sbcglobal.net", "hotmail.co.uk",
	"hotmail.fr", "yahoo.co.uk", "yahoo.fr", "yahoo.de", "outlook.de",
	"live.co.uk", "wanadoo.fr", "tutanota.com", "tuta.io",
}

// Site returns the registrable domain (eTLD+1 by the public suffix list)
// of an address or a domain, lower-cased: "acme.example" for
// "bob@mail.acme.example", "acme.co.uk" for "sales.acme.co.uk". It returns
// "" when there is none: a bare public suffix ("co.uk"), an address without
// a domain, an IP literal.
func Site(addrOrDomain string) string {
	return site(lower(domainPart(addrOrDomain)))
}

// site is Site for a domain already cut from its address and lower-cased.
func site(domain string) string {
	// An IP literal has no registrable domain: bracketed ones are cut
	// here, bare ones are their own public suffix.
	if domain == "" || domain[0] == '[' || strings.IndexByte(domain, ':') >= 0 {
		return ""
	}
	s, err := publicsuffix.EffectiveTLDPlusOne(domain)
	if err != nil {
		return ""
	}
	return s
}

// domainPart cuts the domain from an address (all of s when it has no
// '@'), trims spaces and a trailing dot.
func domainPart(s string) string {
	if at := strings.LastIndexByte(s, '@'); at >= 0 {
		s = s[at+1:]
	}
	s = strings.TrimSpace(s)
	return strings.TrimSuffix(s, ".")
}

// lower lower-cases s, without allocating when s is lower-case already.
func lower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' || c >= 0x80 {
			return strings.ToLower(s)
		}
	}
	return s
}

// normDomain cleans a configured domain: lower-case, no spaces, no leading
// "@" or "*.", no trailing dot.
func normDomain(d string) string {
	d = lower(strings.TrimSpace(d))
	d = strings.TrimPrefix(d, "@")
	d = strings.TrimPrefix(d, "*.")
	return strings.TrimSuffix(d, ".")
}

// normAddr cleans a configured address: lower-case, no spaces.
func normAddr(a string) string { return lower(strings.TrimSpace(a)) }

// parent drops the first label of a domain: "mail.acme.example" gives
// "acme.example"; a single label gives "".
func parent(domain string) string {
	dot := strings.IndexByte(domain, '.')
	if dot < 0 {
		return ""
	}
	return domain[dot+1:]
}

// IsFreeMail reports whether the registrable domain of the address or
// domain (or the domain itself, or a parent of it below the registrable
// domain) is a free-mail domain: the built-in list plus
// Config.FreeMailDomains.
func (m *Matcher) IsFreeMail(addrOrDomain string) bool {
	d := lower(domainPart(addrOrDomain))
	return m.isFree(d, site(d))
}

// isFree is IsFreeMail for a clean domain and its site.
func (m *Matcher) isFree(domain, site string) bool {
	for d := domain; d != ""; d = parent(d) {
		if m.doms[d].free {
			return true
		}
		if len(d) <= len(site) {
			break
		}
	}
	return false
}
