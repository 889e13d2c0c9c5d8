package config

import (
	"errors"
	"strings"
	"testing"
)

// assertErrors checks that err lists exactly want, one per line, each
// prefixed with prefix.
func assertErrors(t *testing.T, err error, prefix string, want []string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want\n%s", strings.Join(want, "\n"))
	}
	got := strings.Split(err.Error(), "\n")
	ok := len(got) == len(want)
	for i := 0; ok && i < len(want); i++ {
		ok = got[i] == prefix+want[i]
	}
	if !ok {
		t.Errorf("errors:\n%s\nwant (after %q):\n%s", err, prefix, strings.Join(want, "\n"))
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string // after "dealtrail.yaml:"
	}{{
		name: "empty file",
		yaml: "# nothing yet\n",
		want: []string{" team: required"},
	}, {
		name: "invalid yaml",
		yaml: "team: [a\n",
		want: []string{"1: invalid YAML: did not find expected ',' or ']'"},
	}, {
		name: "two documents",
		yaml: teamYAML + "---\n" + teamYAML,
		want: []string{"6: only one YAML document is allowed"},
	}, {
		name: "top level not a mapping",
		yaml: "- team\n",
		want: []string{"1: must be a mapping of keys to values, not a list"},
	}, {
		name: "unknown key, no near miss",
		yaml: teamYAML + "colour: blue\n",
		want: []string{"6: colour: unknown key (known: database, listen, poll_interval, backfill, team, matching, mailboxes, calendar, calendars, trusted_proxies, ui, log, retention)"},
	}, {
		name: "unknown key with hint and the missing key it meant",
		yaml: teamYAML + `mailboxes:
  - owner: rep1@ourco.example
    hots: imap.example.com
    username: rep1
    password: ${PW}
`,
		want: []string{
			"7: mailboxes[0].host: required",
			"8: mailboxes[0].hots: unknown key (did you mean host?)",
		},
	}, {
		name: "misspelt top-level key",
		yaml: `Team:
  domain: [ourco.example]
  members:
    - {email: rep1@ourco.example, rol: leader}
`,
		want: []string{
			"1: Team: unknown key (did you mean team?)",
			"1: team: required",
		},
	}, {
		name: "misspelt keys inside team",
		yaml: `team:
  domain: [ourco.example]
  members:
    - {email: rep1@ourco.example, rol: leader}
poll_intervall: 5m
`,
		want: []string{
			"2: team.domain: unknown key (did you mean domains?)",
			"2: team.domains: required",
			"4: team.members[0].rol: unknown key (did you mean role?)",
			"5: poll_intervall: unknown key (did you mean poll_interval?)",
		},
	}, {
		name: "missing required fields",
		yaml: `team:
  domains: []
mailboxes:
  - name: x
`,
		want: []string{
			"2: team.domains: list at least one domain of the team",
			"2: team.members: required",
			"4: mailboxes[0].owner: required",
			"4: mailboxes[0].host: required",
			"4: mailboxes[0].username: required",
			"4: mailboxes[0].password: required for auth plain (or give password_file)",
		},
	}, {
		name: "null and empty values",
		yaml: teamYAML + `mailboxes:
  - owner: rep1@ourco.example
    host:
    username: ""
    password: ${EMPTY}
    folders: [INBOX, ~]
`,
		want: []string{
			"8: mailboxes[0].host: required",
			"9: mailboxes[0].username: must not be empty",
			"10: mailboxes[0].password: must not be empty",
			"11: mailboxes[0].folders[1]: empty list item",
		},
	}, {
		name: "wrong types",
		yaml: `team: [ourco.example]
mailboxes:
  owner: rep1@ourco.example
`,
		want: []string{
			"1: team: must be a mapping of keys to values, not a list",
			"3: mailboxes: must be a list, not a mapping",
		},
	}, {
		name: "wrong types inside",
		yaml: `team:
  domains: ourco.example
  members:
    - rep1@ourco.example
mailboxes:
  - owner: [rep1@ourco.example]
    host: {name: imap.example.com}
    username: u
    password: x
    folders: INBOX
`,
		want: []string{
			"2: team.domains: must be a list, not a single value",
			"4: team.members[0]: must be a mapping of keys to values, not a single value",
			"6: mailboxes[0].owner: must be a single value, not a list",
			"7: mailboxes[0].host: must be a single value, not a mapping",
			"10: mailboxes[0].folders: must be a list, not a single value",
		},
	}, {
		name: "duplicate keys",
		yaml: teamYAML + `listen: :8080
mailboxes:
  - owner: rep1@ourco.example
    host: a.example
    host: b.example
    username: u
    password: x
listen: :9090
`,
		want: []string{
			"10: mailboxes[0].host: duplicate key (first on line 9)",
			"13: listen: duplicate key (first on line 6)",
		},
	}, {
		name: "bad durations",
		yaml: teamYAML + `poll_interval: 2 minutes
backfill: -1d
`,
		want: []string{
			`6: poll_interval: invalid duration "2 minutes" (write e.g. 90s, 2m, 1h30m, 365d or 0)`,
			`7: backfill: invalid duration "-1d" (write e.g. 90s, 2m, 1h30m, 365d or 0)`,
		},
	}, {
		name: "durations out of range",
		yaml: teamYAML + `poll_interval: 5s
backfill: -2h
`,
		want: []string{
			"6: poll_interval: must be at least 10s",
			"7: backfill: must not be negative (0 means everything)",
		},
	}, {
		name: "bad matching",
		yaml: teamYAML + `matching:
  lookback: -3h
  grace: soon
  freemail_domains: ["@gmail.com"]
  ignore:
    domain: [news.example]
    addresses: [not-an-address, a@b.example, A@b.example]
`,
		want: []string{
			`7: matching.lookback: must not be negative`,
			`8: matching.grace: invalid duration "soon" (write e.g. 90s, 2m, 1h30m, 365d or 0)`,
			`9: matching.freemail_domains[0]: write the domain without @, as "gmail.com"`,
			`11: matching.ignore.domain: unknown key (did you mean domains?)`,
			`12: matching.ignore.addresses[0]: "not-an-address" is not a valid email address`,
			`12: matching.ignore.addresses[2]: duplicate address "a@b.example" (first on line 12)`,
		},
	}, {
		name: "bad calendars",
		yaml: teamYAML + `calendar: {past: 30d, allow_private_networks: maybe}
calendars:
  - owner: rep1@ourco.example
  - owner: rep1@ourco.example
    url: https://cal.example.com/a.ics
    file: /tmp/x.ics
  - owner: nobody@ourco.example
    url: ftp://cal.example.com/a.ics
  - owner: rep1@ourco.example
    url: https://user:pw@cal.example.com/private-token/basic.ics
  - owner: rep1@ourco.example
    caldav: https://dav.example.com/
    username: rep1
  - owner: lead@ourco.example
    url: https://cal.example.com/b.ics
    password: x
`,
		want: []string{
			`6: calendar.allow_private_networks: must be true or false, not "maybe"`,
			`8: calendars[0]: give the calendar's url (an ICS feed), caldav (a CalDAV server) or file (an exported .ics)`,
			`11: calendars[1].file: give only one of url, caldav and file`,
			`12: calendars[2].owner: nobody@ourco.example is not a member of the team (add it under team.members)`,
			`13: calendars[2].url: scheme "ftp" is not supported (use https, http or webcal)`,
			`15: calendars[3].url: must not contain a user name or password; use username and password`,
			`16: calendars[4].password: required for caldav (or give password_file)`,
			`21: calendars[5].password: only used with caldav (put a feed's secret token in its url)`,
		},
	}, {
		name: "bad listen",
		yaml: teamYAML + "listen: localhost\n",
		want: []string{`6: listen: "localhost" is not host:port (e.g. 127.0.0.1:8080 or :8080)`},
	}, {
		name: "bad listen port",
		yaml: teamYAML + "listen: 127.0.0.1:http\n",
		want: []string{`6: listen: port "http" must be a number between 0 and 65535`},
	}, {
		name: "unset and malformed variables",
		yaml: teamYAML + `database: ${DATA_DIR}/dt.db
mailboxes:
  - owner: rep1@ourco.example
    host: imap.example.com
    username: rep1
    password: ${REP1_IMAP_PASSWORD}
  - owner: lead@ourco.example
    host: imap.example.com
    username: lead
    password: "${oops"
`,
		want: []string{
			"6: database: environment variable DATA_DIR is not set",
			"11: mailboxes[0].password: environment variable REP1_IMAP_PASSWORD is not set",
			"15: mailboxes[1].password: malformed ${...} reference (write ${NAME} with letters, digits and _, or $${ for a literal ${)",
		},
	}, {
		name: "tls none on a remote host",
		yaml: teamYAML + `mailboxes:
  - owner: rep1@ourco.example
    host: imap.example.com
    tls: none
    username: rep1
    password: ${PW}
  - owner: lead@ourco.example
    host: 127.0.0.1
    tls: none
    username: lead
    password: ${PW}
`,
		want: []string{"9: mailboxes[0].tls: none sends the password in clear text; it is only allowed for a loopback host (localhost, 127.0.0.0/8, ::1), not imap.example.com"},
	}, {
		name: "bad tls, auth and host",
		yaml: teamYAML + `mailboxes:
  - owner: rep1@ourco.example
    host: imaps://imap.example.com
    tls: ssl
    auth: oauth
    username: rep1
`,
		want: []string{
			`8: mailboxes[0].host: "imaps://imap.example.com" is not a host name or IP address; give the port under port and no scheme`,
			`9: mailboxes[0].tls: unknown value "ssl" (allowed: implicit, starttls, none)`,
			`10: mailboxes[0].auth: unknown value "oauth" (allowed: plain, xoauth2)`,
		},
	}, {
		name: "owner not a member",
		yaml: teamYAML + `mailboxes:
  - {owner: rep9@ourco.example, host: imap.example.com, username: rep9, password: x}
`,
		want: []string{"7: mailboxes[0].owner: rep9@ourco.example is not a member of the team (add it under team.members)"},
	}, {
		name: "duplicate mailbox names",
		yaml: teamYAML + `mailboxes:
  - {name: main, owner: rep1@ourco.example, host: a.example, username: u, password: x}
  - {name: Main, owner: lead@ourco.example, host: b.example, username: u, password: x}
  - {owner: rep1@ourco.example, host: a.example, username: u, password: x}
  - {owner: REP1@ourco.example, host: b.example, username: u, password: x}
`,
		want: []string{
			`8: mailboxes[1].name: duplicate mailbox name "Main" (also mailboxes[0], line 7); give each mailbox its own name`,
			`10: mailboxes[3].name: duplicate mailbox name "rep1@ourco.example" (also mailboxes[2], line 9); the name defaults to the owner; give each mailbox its own name`,
		},
	}, {
		name: "bad members and domains",
		yaml: `team:
  domains: [ourco.example, "@ourco.example", bad domain, OURCO.example]
  members:
    - {email: rep1@ourco.example, role: boss}
    - {email: REP1@OurCo.example}
    - {email: not-an-address}
    - {email: Alice <alice@ourco.example>}
    - {name: Nobody}
`,
		want: []string{
			`2: team.domains[1]: write the domain without @, as "ourco.example"`,
			`2: team.domains[2]: "bad domain" is not a valid domain name`,
			`2: team.domains[3]: duplicate domain "ourco.example" (first on line 2)`,
			`4: team.members[0].role: unknown role "boss" (allowed: rep, leader, admin)`,
			`5: team.members[1].email: duplicate member rep1@ourco.example (first on line 4)`,
			`6: team.members[2].email: "not-an-address" is not a valid email address`,
			`7: team.members[3].email: "alice <alice@ourco.example>" is not a valid email address`,
			`8: team.members[4].email: required`,
		},
	}, {
		name: "bad ports",
		yaml: teamYAML + `mailboxes:
  - {name: a, owner: rep1@ourco.example, host: a.example, port: 993, username: u, password: x}
  - name: b
    owner: rep1@ourco.example
    host: b.example
    port: 70000
    username: u
    password: x
  - {name: c, owner: rep1@ourco.example, host: c.example, port: 0, username: u, password: x}
  - {name: d, owner: rep1@ourco.example, host: d.example, port: imaps, username: u, password: x}
`,
		want: []string{
			"11: mailboxes[1].port: must be between 1 and 65535",
			"14: mailboxes[2].port: must be between 1 and 65535",
			`15: mailboxes[3].port: must be a whole number, not "imaps"`,
		},
	}, {
		name: "credentials that do not fit the auth",
		yaml: teamYAML + `mailboxes:
  - {name: a, owner: rep1@ourco.example, host: h.example, username: u, password: x, password_file: f}
  - {name: b, owner: rep1@ourco.example, host: h.example, username: u, password: x,
     oauth2: {token_url: https://t.example, client_id: c, refresh_token: r}}
  - {name: c, owner: rep1@ourco.example, host: h.example, username: u, auth: xoauth2, password: x}
  - name: d
    owner: rep1@ourco.example
    host: h.example
    username: u
    auth: xoauth2
    oauth2:
      token_url: http://login.example.com/token
      client_secret: ${PW}
      scope: [imap]
`,
		want: []string{
			"7: mailboxes[0].password_file: give either password or password_file, not both",
			"9: mailboxes[1].oauth2: only used with auth: xoauth2",
			"10: mailboxes[2].password: not used with auth: xoauth2 (credentials go under oauth2)",
			"10: mailboxes[2].oauth2: required",
			"17: mailboxes[3].oauth2.token_url: must use https (http only for a loopback host)",
			"17: mailboxes[3].oauth2.client_id: required",
			"17: mailboxes[3].oauth2.refresh_token: required",
			"19: mailboxes[3].oauth2.scope: unknown key (did you mean scopes?)",
		},
	}, {
		name: "merge keys",
		yaml: teamYAML + `mailboxes:
  - &base {name: a, owner: rep1@ourco.example, host: h.example, username: u, password: x}
  - <<: *base
    name: b
`,
		want: []string{
			"8: mailboxes[1].<<: merge keys (<<) are not supported",
			"8: mailboxes[1].owner: required",
			"8: mailboxes[1].host: required",
			"8: mailboxes[1].username: required",
			"8: mailboxes[1].password: required for auth plain (or give password_file)",
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse("dealtrail.yaml", []byte(tt.yaml), envOf(map[string]string{"PW": "pw", "EMPTY": ""}))
			if cfg != nil {
				t.Errorf("Parse returned a config along with errors")
			}
			assertErrors(t, err, "dealtrail.yaml:", tt.want)
			var first *Error
			if !errors.As(err, &first) || first.File != "dealtrail.yaml" {
				t.Errorf("errors.As(*Error) = %+v", first)
			}
		})
	}
}
