package config

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Calendar defaults.
const (
	DefaultCalendarPast   = 365 * 24 * time.Hour
	DefaultCalendarFuture = 90 * 24 * time.Hour
)

// Keys known in a calendar source and in the calendar settings.
var (
	calendarKeys        = []string{"name", "owner", "url", "caldav", "file", "username", "password", "password_file"}
	calendarSettingKeys = []string{"past", "future", "allow_private_networks"}
)

// Calendar kinds, by the key that gives the source's address.
const (
	CalendarURL    = "url"
	CalendarCalDAV = "caldav"
	CalendarFile   = "file"
)

// Calendar is one calendar source of a team member: an ICS feed over
// HTTP(S), a CalDAV account, or an exported file.
type Calendar struct {
	// Name identifies the source in the database and the UI; it defaults
	// to the owner, then "owner 2", "owner 3"... for an owner's further
	// calendars.
	Name  string
	Owner string
	// Kind is CalendarURL, CalendarCalDAV or CalendarFile; Location is
	// the feed URL (webcal:// becomes https://), the CalDAV endpoint, or
	// the file path (resolved against the config file's directory).
	Kind     string
	Location string
	// Username and Password log in to CalDAV.
	Username string
	Password Secret
}

// CalendarSettings apply to every calendar source.
type CalendarSettings struct {
	// Past and Future bound the window recurring events are expanded in,
	// around the time of each poll.
	Past, Future time.Duration
	// AllowPrivateNetworks lets feed and CalDAV URLs point at private,
	// loopback and link-local addresses. Off by default, so that a
	// calendar URL cannot become a way into the internal network.
	AllowPrivateNetworks bool
}

// DefaultCalendarSettings is the calendar section of a config that has none.
func DefaultCalendarSettings() CalendarSettings {
	return CalendarSettings{Past: DefaultCalendarPast, Future: DefaultCalendarFuture}
}

// calendarSettings decodes the calendar section into defaults overridden
// by v.
func (d *decoder) calendarSettings(v value) CalendarSettings {
	cs := DefaultCalendarSettings()
	if !v.present() {
		return cs
	}
	m, ok := d.mapping(v, calendarSettingKeys)
	if !ok {
		return cs
	}
	for key, dst := range map[string]*time.Duration{"past": &cs.Past, "future": &cs.Future} {
		if dv := m.at(key); dv.present() {
			if dur, ok := d.duration(dv); ok {
				if dur < 0 {
					d.errorf(dv, "must not be negative")
				}
				*dst = dur
			}
		}
	}
	if av := m.at("allow_private_networks"); av.present() {
		cs.AllowPrivateNetworks = d.boolean(av)
	}
	return cs
}

// calendars decodes the calendar sources; members holds the team's emails.
func (d *decoder) calendars(v value, members map[string]bool) []Calendar {
	items, _ := d.list(v)
	names := map[string]int{}
	perOwner := map[string]int{}
	var out []Calendar
	for _, item := range items {
		c, nameAt, ok := d.calendar(item, members)
		if !ok {
			continue
		}
		if !nameAt.present() {
			if perOwner[c.Owner]++; perOwner[c.Owner] > 1 {
				c.Name = fmt.Sprintf("%s %d", c.Owner, perOwner[c.Owner])
			}
			nameAt = value{path: item.path + ".name", line: item.line}
		}
		key := strings.ToLower(c.Name)
		if first := names[key]; first > 0 {
			d.errorf(nameAt, "duplicate calendar name %q (first on line %d); give each calendar its own name", c.Name, first)
			continue
		}
		names[key] = item.line
		out = append(out, c)
	}
	return out
}

// calendar decodes one calendar source. nameAt locates its name when
// given.
func (d *decoder) calendar(v value, members map[string]bool) (c Calendar, nameAt value, ok bool) {
	m, ok := d.mapping(v, calendarKeys)
	if !ok {
		return c, v, false
	}
	c.Owner, ok = d.owner(m.at("owner"), members)
	c.Name, nameAt = c.Owner, m.at("name")
	if nameAt.present() {
		c.Name, _ = d.requiredText(nameAt)
	}
	var given []string
	for _, kind := range []string{CalendarURL, CalendarCalDAV, CalendarFile} {
		if m.at(kind).present() {
			given = append(given, kind)
		}
	}
	switch len(given) {
	case 0:
		d.errorf(v, "give the calendar's url (an ICS feed), caldav (a CalDAV server) or file (an exported .ics)")
		return c, nameAt, false
	case 1:
		c.Kind = given[0]
	default:
		d.errorf(m.at(given[1]), "give only one of url, caldav and file")
		return c, nameAt, false
	}
	lv := m.at(c.Kind)
	loc, got := d.requiredText(lv)
	ok = ok && got
	switch {
	case !got:
	case c.Kind == CalendarFile:
		c.Location = d.resolve(loc)
	default:
		c.Location = d.calendarURL(lv, loc)
	}
	credentials := []string{"username", "password", "password_file"}
	if c.Kind == CalendarCalDAV {
		c.Username, _ = d.requiredText(m.at("username"))
		c.Password = d.password(m, "required for caldav (or give password_file)")
	} else {
		for _, key := range credentials {
			if cv := m.at(key); cv.present() {
				d.errorf(cv, "only used with caldav (put a feed's secret token in its url)")
			}
		}
	}
	return c, nameAt, ok
}

// owner decodes the owner of a mailbox or calendar, lower-cased, and
// checks that it is a member of the team when the team lists members.
func (d *decoder) owner(v value, members map[string]bool) (string, bool) {
	s, ok := d.requiredText(v)
	owner := strings.ToLower(s)
	if ok && len(members) > 0 && !members[owner] {
		d.errorf(v, "%s is not a member of the team (add it under team.members)", owner)
		return owner, false
	}
	return owner, ok
}

// calendarURL checks a feed or CalDAV URL: absolute, http(s) or webcal
// (taken as https). Credentials belong in username and password, never in
// the URL, where they would show in messages.
func (d *decoder) calendarURL(v value, s string) string {
	u, err := url.Parse(s)
	switch {
	case err != nil || u.Host == "":
		// The URL is not echoed: a private feed's URL is its secret.
		d.errorf(v, "is not an absolute URL (write e.g. https://calendar.example.com/feed.ics)")
		return s
	case u.User != nil:
		d.errorf(v, "must not contain a user name or password; use username and password")
		return s
	}
	switch u.Scheme {
	case "webcal":
		u.Scheme = "https"
	case "http", "https":
	default:
		d.errorf(v, "scheme %q is not supported (use https, http or webcal)", u.Scheme)
	}
	return u.String()
}
