package calsync

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The WebDAV requests this package makes itself. go-webdav v0.6.0's caldav
// client has no getctag, no sync-collection, and decodes calendar data
// into go-ical values (one undecodable object fails a whole multiget, and
// the raw bytes are gone), so these are written here with encoding/xml.
const (
	// propfindCalendars lists the members of a calendar home with all
	// there is to know of each: which are event calendars, and their tags.
	propfindCalendars = `<propfind xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:S="http://calendarserver.org/ns/">` +
		`<prop><resourcetype/><S:getctag/><sync-token/><C:supported-calendar-component-set/></prop></propfind>`
	// propfindCalendarsBare lists the calendars of a home without their
	// tags, which a server may fail to compute for a broken calendar.
	propfindCalendarsBare = `<propfind xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">` +
		`<prop><resourcetype/><C:supported-calendar-component-set/></prop></propfind>`
	// propfindTags asks for both tags: of one calendar, or of the members
	// of a home whose calendars are not all compared by the same tag.
	propfindTags = `<propfind xmlns="DAV:" xmlns:S="http://calendarserver.org/ns/">` +
		`<prop><S:getctag/><sync-token/></prop></propfind>`
	// propfindSyncTokens and propfindCTags ask the members of a home for
	// one tag: all that an unchanged poll needs to know.
	propfindSyncTokens = `<propfind xmlns="DAV:"><prop><sync-token/></prop></propfind>`
	propfindCTags      = `<propfind xmlns="DAV:" xmlns:S="http://calendarserver.org/ns/"><prop><S:getctag/></prop></propfind>`
	// propfindETags lists the members of a calendar with their ETags.
	propfindETags = `<propfind xmlns="DAV:"><prop><resourcetype/><getetag/></prop></propfind>`
)

// errBadResponse marks an answer that could not be understood.
var errBadResponse = errors.New("unreadable answer")

// queryETags returns a calendar-query REPORT body that lists the ETags of
// the objects holding a VEVENT, only those that end after since when it
// is not zero.
func queryETags(since time.Time) string {
	filter := `<C:comp-filter name="VEVENT"/>`
	if !since.IsZero() {
		filter = `<C:comp-filter name="VEVENT"><C:time-range start="` +
			since.UTC().Format("20060102T150405Z") + `"/></C:comp-filter>`
	}
	return `<C:calendar-query xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">` +
		`<prop><getetag/></prop><C:filter><C:comp-filter name="VCALENDAR">` + filter +
		`</C:comp-filter></C:filter></C:calendar-query>`
}

// syncCollection returns the body of an RFC 6578 sync-collection REPORT
// asking for the changes since token.
func syncCollection(token string) string {
	return `<sync-collection xmlns="DAV:"><sync-token>` + escapeXML(token) +
		`</sync-token><sync-level>1</sync-level><prop><getetag/></prop></sync-collection>`
}

// calendarMultiget returns the body of a calendar-multiget REPORT for the
// objects at paths.
func calendarMultiget(paths []string) string {
	var b strings.Builder
	b.WriteString(`<C:calendar-multiget xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">` +
		`<prop><getetag/><C:calendar-data/></prop>`)
	for _, p := range paths {
		b.WriteString("<href>")
		b.WriteString(escapeXML(escapePath(p)))
		b.WriteString("</href>")
	}
	b.WriteString(`</C:calendar-multiget>`)
	return b.String()
}

// escapeXML escapes s for XML character data.
func escapeXML(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// escapePath percent-encodes a decoded path for a URL or an href.
func escapePath(p string) string {
	return (&url.URL{Path: p}).EscapedPath()
}

// multistatus is a WebDAV 207 answer.
type multistatus struct {
	Responses []davResponse `xml:"DAV: response"`
	SyncToken string        `xml:"DAV: sync-token"`
}

type davResponse struct {
	Hrefs     []string   `xml:"DAV: href"`
	Status    string     `xml:"DAV: status"`
	Propstats []propstat `xml:"DAV: propstat"`
}

type propstat struct {
	Status string  `xml:"DAV: status"`
	Prop   davProp `xml:"DAV: prop"`
}

// davProp holds every property this package asks for; a property a
// response lacks stays zero.
type davProp struct {
	ResourceType *struct {
		Collection *struct{} `xml:"DAV: collection"`
		Calendar   *struct{} `xml:"urn:ietf:params:xml:ns:caldav calendar"`
	} `xml:"DAV: resourcetype"`
	CTag      string `xml:"http://calendarserver.org/ns/ getctag"`
	SyncToken string `xml:"DAV: sync-token"`
	CompSet   *struct {
		Comps []struct {
			Name string `xml:"name,attr"`
		} `xml:"urn:ietf:params:xml:ns:caldav comp"`
	} `xml:"urn:ietf:params:xml:ns:caldav supported-calendar-component-set"`
	ETag         string  `xml:"DAV: getetag"`
	CalendarData *string `xml:"urn:ietf:params:xml:ns:caldav calendar-data"`
}

// entry is one response of a multistatus, made plain.
type entry struct {
	path   string // decoded path of the href
	status int    // the response's own status, or 200 when it has propstats
	prop   davProp
	found  bool // some property came with a 2xx propstat
}

// parseMultistatus decodes a 207 body into its entries and sync token.
func parseMultistatus(body []byte) ([]entry, string, error) {
	var ms multistatus
	if err := xml.Unmarshal(body, &ms); err != nil {
		return nil, "", fmt.Errorf("%w: multistatus: %v", errBadResponse, err)
	}
	out := make([]entry, 0, len(ms.Responses))
	for _, r := range ms.Responses {
		if len(r.Hrefs) == 0 {
			continue
		}
		code := http.StatusOK
		if r.Status != "" {
			code = statusCode(r.Status)
		}
		for _, href := range r.Hrefs {
			p, err := hrefPath(href)
			if err != nil {
				return nil, "", fmt.Errorf("%w: href %q", errBadResponse, href)
			}
			e := entry{path: p, status: code}
			for _, ps := range r.Propstats {
				if c := statusCode(ps.Status); c >= 200 && c < 300 {
					mergeProp(&e.prop, ps.Prop)
					e.found = true
				}
			}
			out = append(out, e)
		}
	}
	return out, strings.TrimSpace(ms.SyncToken), nil
}

// mergeProp copies into dst the properties src has.
func mergeProp(dst *davProp, src davProp) {
	if src.ResourceType != nil {
		dst.ResourceType = src.ResourceType
	}
	if src.CTag != "" {
		dst.CTag = strings.TrimSpace(src.CTag)
	}
	if src.SyncToken != "" {
		dst.SyncToken = strings.TrimSpace(src.SyncToken)
	}
	if src.CompSet != nil {
		dst.CompSet = src.CompSet
	}
	if src.ETag != "" {
		dst.ETag = strings.TrimSpace(src.ETag)
	}
	if src.CalendarData != nil {
		dst.CalendarData = src.CalendarData
	}
}

// statusCode reads the code of a status line such as
// "HTTP/1.1 404 Not Found"; 0 when there is none.
func statusCode(line string) int {
	fields := strings.Fields(line)
	if len(fields) < 2 {
		return 0
	}
	n, err := strconv.Atoi(fields[1])
	if err != nil {
		return 0
	}
	return n
}

// hrefPath returns the decoded path of an href, which may be a path or a
// whole URL.
func hrefPath(href string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(href))
	if err != nil {
		return "", err
	}
	if u.Path == "" {
		return "", errors.New("empty path")
	}
	return u.Path, nil
}

// isCollection tells whether an entry is a collection (not an object).
func (e entry) isCollection() bool {
	return (e.prop.ResourceType != nil && e.prop.ResourceType.Collection != nil) || strings.HasSuffix(e.path, "/")
}

// isEventCalendar tells whether an entry is a calendar that may hold
// events: a server that does not say which components it takes takes
// them all.
func (e entry) isEventCalendar() bool {
	if e.prop.ResourceType == nil || e.prop.ResourceType.Calendar == nil {
		return false
	}
	if e.prop.CompSet == nil || len(e.prop.CompSet.Comps) == 0 {
		return true
	}
	for _, c := range e.prop.CompSet.Comps {
		if strings.EqualFold(c.Name, "VEVENT") {
			return true
		}
	}
	return false
}

// samePath tells whether two collection paths are the same, whatever
// their trailing slashes.
func samePath(a, b string) bool {
	return strings.TrimSuffix(a, "/") == strings.TrimSuffix(b, "/")
}
