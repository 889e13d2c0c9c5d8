package config

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// UI defaults.
const (
	DefaultGoneDarkAfter   = 21 * 24 * time.Hour
	DefaultGapAtLeast      = 14 * 24 * time.Hour
	DefaultSessionLifetime = 30 * 24 * time.Hour
)

// MinSessionLifetime is the shortest session_lifetime accepted: a shorter
// one would log people out while they work.
const MinSessionLifetime = 5 * time.Minute

// Keys known in the ui section.
var uiKeys = []string{"gone_dark_after", "gap_at_least", "session_lifetime"}

// UI tunes the web UI.
type UI struct {
	// GoneDarkAfter: an open deal whose customer has not written or met
	// for this long while the team kept writing has gone dark.
	GoneDarkAfter time.Duration
	// GapAtLeast: a silence this long or longer shows as a gap on a
	// deal's timeline.
	GapAtLeast time.Duration
	// SessionLifetime is how long a login lasts.
	SessionLifetime time.Duration
}

// DefaultUI is the ui section of a config that has none.
func DefaultUI() UI {
	return UI{GoneDarkAfter: DefaultGoneDarkAfter, GapAtLeast: DefaultGapAtLeast, SessionLifetime: DefaultSessionLifetime}
}

// ui decodes the ui section into defaults overridden by v.
func (d *decoder) ui(v value) UI {
	u := DefaultUI()
	if !v.present() {
		return u
	}
	m, ok := d.mapping(v, uiKeys)
	if !ok {
		return u
	}
	for _, f := range []struct {
		key string
		dst *time.Duration
		min time.Duration
	}{
		{"gone_dark_after", &u.GoneDarkAfter, 24 * time.Hour},
		{"gap_at_least", &u.GapAtLeast, 24 * time.Hour},
		{"session_lifetime", &u.SessionLifetime, MinSessionLifetime},
	} {
		if dv := m.at(f.key); dv.present() {
			if dur, ok := d.duration(dv); ok {
				if dur < f.min {
					d.errorf(dv, "must be at least %s", formatDuration(f.min))
					continue
				}
				*f.dst = dur
			}
		}
	}
	return u
}

// trustedProxies decodes the list of proxy addresses (IPs or CIDR
// ranges) whose X-Forwarded-For and X-Forwarded-Proto headers are
// believed.
func (d *decoder) trustedProxies(v value) []string {
	return d.uniqueList(v, "proxy", false, func(s string) string {
		if strings.Contains(s, "/") {
			if _, err := netip.ParsePrefix(s); err != nil {
				return notProxy(s)
			}
			return ""
		}
		if _, err := netip.ParseAddr(s); err != nil {
			return notProxy(s)
		}
		return ""
	})
}

// notProxy says that s is not a proxy address.
func notProxy(s string) string {
	return fmt.Sprintf("%q is not an IP address or CIDR range (write e.g. 10.0.0.1 or 10.0.0.0/8)", s)
}

// formatDuration writes whole days as "1d", other durations as Go does.
func formatDuration(dur time.Duration) string {
	if dur >= 24*time.Hour && dur%(24*time.Hour) == 0 {
		return strconv.FormatInt(int64(dur/(24*time.Hour)), 10) + "d"
	}
	return dur.String()
}
