package config

import "time"

// Matching defaults.
const (
	DefaultLookback = 30 * 24 * time.Hour
	DefaultGrace    = 14 * 24 * time.Hour
)

// Keys known in the matching section.
var (
	matchingKeys = []string{"lookback", "grace", "freemail_domains", "ignore"}
	ignoreKeys   = []string{"domains", "addresses"}
)

// Matching says how activities are matched to deals.
type Matching struct {
	// Lookback: a deal takes activities from this long before it was
	// created.
	Lookback time.Duration
	// Grace: a closed deal takes activities until this long after it
	// closed.
	Grace time.Duration
	// FreeMailDomains extends the built-in list of free-mail domains,
	// which never match a deal by domain.
	FreeMailDomains []string
	// Ignore lists outsiders that never link an activity to a deal.
	Ignore Ignore
}

// Ignore lists addresses and domains (with their subdomains) to leave out
// of matching, such as newsletters and tools that mail the team.
type Ignore struct {
	Domains   []string
	Addresses []string
}

// DefaultMatching is the matching section of a config that has none.
func DefaultMatching() Matching {
	return Matching{Lookback: DefaultLookback, Grace: DefaultGrace}
}

// matching decodes the matching section into defaults overridden by v.
func (d *decoder) matching(v value) Matching {
	mt := DefaultMatching()
	if !v.present() {
		return mt
	}
	m, ok := d.mapping(v, matchingKeys)
	if !ok {
		return mt
	}
	for key, dst := range map[string]*time.Duration{"lookback": &mt.Lookback, "grace": &mt.Grace} {
		if dv := m.at(key); dv.present() {
			if dur, ok := d.duration(dv); ok {
				if dur < 0 {
					d.errorf(dv, "must not be negative")
				}
				*dst = dur
			}
		}
	}
	if fv := m.at("freemail_domains"); fv.present() {
		mt.FreeMailDomains = d.domainList(fv)
	}
	if iv := m.at("ignore"); iv.present() {
		if im, ok := d.mapping(iv, ignoreKeys); ok {
			if dv := im.at("domains"); dv.present() {
				mt.Ignore.Domains = d.domainList(dv)
			}
			if av := im.at("addresses"); av.present() {
				mt.Ignore.Addresses = d.addressList(av)
			}
		}
	}
	return mt
}
