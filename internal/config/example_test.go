package config

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"testing"
)

// examplePath is the documented example configuration at the repository root.
const examplePath = "../../config/dealtrail.example.yaml"

func TestExampleParses(t *testing.T) {
	data, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	// Parse it as if it sat in a directory with the password file it names.
	cfg, dir, err := parseIn(t, string(data), map[string]string{"secrets/lena-imap.password": "lena-pw\n"},
		map[string]string{
			"ALICE_GMAIL_APP_PASSWORD": "abcd efgh ijkl mnop",
			"M365_CLIENT_SECRET":       "client-secret",
			"BOB_M365_REFRESH_TOKEN":   "refresh-token",
			"ALICE_CALENDAR_URL":       "https://calendar.google.com/calendar/ical/alice/private-x/basic.ics",
			"BOB_CALDAV_PASSWORD":      "dav-pw",
		})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Database != filepath.Join(dir, "data", "dealtrail.db") || len(cfg.Team.Members) != 4 || len(cfg.Mailboxes) != 3 ||
		len(cfg.Calendars) != 3 || cfg.Calendars[2].Location != filepath.Join(dir, "exports", "lena.ics") {
		t.Fatalf("example = %+v", cfg)
	}
	gmail, m365, dovecot := cfg.Mailboxes[0], cfg.Mailboxes[1], cfg.Mailboxes[2]
	if gmail.Host != "imap.gmail.com" || gmail.Port != 993 || gmail.Password.Reveal() != "abcd efgh ijkl mnop" ||
		!reflect.DeepEqual(gmail.Folders, []string{"INBOX", "[Gmail]/Sent Mail"}) {
		t.Errorf("gmail = %+v", gmail)
	}
	wantScopes := []string{"https://outlook.office365.com/IMAP.AccessAsUser.All", "offline_access"}
	if m365.Host != "outlook.office365.com" || m365.Auth != AuthXOAuth2 || m365.OAuth2 == nil ||
		!reflect.DeepEqual(m365.OAuth2.Scopes, wantScopes) || m365.OAuth2.RefreshToken.Reveal() != "refresh-token" {
		t.Errorf("m365 = %+v, oauth2 = %+v", m365, m365.OAuth2)
	}
	if dovecot.Name != "lena@ourco.example" || dovecot.Port != 143 || dovecot.Password.Reveal() != "lena-pw" {
		t.Errorf("dovecot = %+v", dovecot)
	}
}

// TestExampleDocumentsEveryKey keeps the example complete: each key the
// loader knows appears in it as "key:".
func TestExampleDocumentsEveryKey(t *testing.T) {
	data, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	for _, keys := range [][]string{topKeys, teamKeys, memberKeys, mailboxKeys, oauth2Keys, uiKeys, logKeys, retentionKeys} {
		for _, key := range keys {
			re := regexp.MustCompile(`(?m)^ *(- )?` + key + `:`)
			if !re.Match(data) {
				t.Errorf("%s does not show the key %s", examplePath, key)
			}
		}
	}
}
