package config

import (
	"reflect"
	"testing"
	"time"
)

func TestUISettings(t *testing.T) {
	text := teamYAML + `trusted_proxies: [10.0.0.1, "192.168.0.0/16", "::1"]
ui:
  gone_dark_after: 30d
  gap_at_least: 7d
  session_lifetime: 12h
`
	cfg, _, err := parseIn(t, text, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"10.0.0.1", "192.168.0.0/16", "::1"}; !reflect.DeepEqual(cfg.TrustedProxies, want) {
		t.Errorf("trusted_proxies = %q, want %q", cfg.TrustedProxies, want)
	}
	want := UI{GoneDarkAfter: 30 * 24 * time.Hour, GapAtLeast: 7 * 24 * time.Hour, SessionLifetime: 12 * time.Hour}
	if cfg.UI != want {
		t.Errorf("ui = %+v, want %+v", cfg.UI, want)
	}
}

func TestUIErrors(t *testing.T) {
	text := teamYAML + `trusted_proxies: [10.0.0.1, proxy.example, "10.0.0.0/33", 10.0.0.1]
ui:
  gone_dark_after: 2h
  gap_at_least: soon
  session_lifetime: 1m
  theme: dark
`
	_, err := Parse("dealtrail.yaml", []byte(text), nil)
	assertErrors(t, err, "dealtrail.yaml:", []string{
		`6: trusted_proxies[1]: "proxy.example" is not an IP address or CIDR range (write e.g. 10.0.0.1 or 10.0.0.0/8)`,
		`6: trusted_proxies[2]: "10.0.0.0/33" is not an IP address or CIDR range (write e.g. 10.0.0.1 or 10.0.0.0/8)`,
		`6: trusted_proxies[3]: duplicate proxy "10.0.0.1" (first on line 6)`,
		`8: ui.gone_dark_after: must be at least 1d`,
		`9: ui.gap_at_least: invalid duration "soon" (write e.g. 90s, 2m, 1h30m, 365d or 0)`,
		`10: ui.session_lifetime: must be at least 5m0s`,
		`11: ui.theme: unknown key (known: gone_dark_after, gap_at_least, session_lifetime)`,
	})
}
