package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// The secret texts of these tests; none may ever be printed.
const (
	pwText      = "Tr0ub4dor&3-horse-battery"
	fileText    = "file-held-secret-9f2c"
	clientText  = "client-secret-77aa"
	refreshText = "refresh-token-1b2c"
)

func TestErrorsNeverShowSecrets(t *testing.T) {
	vars := map[string]string{"PW": pwText, "CS": clientText, "RT": refreshText}
	files := map[string]string{"pw.txt": fileText + "\n"}
	bad := []string{
		// Mailboxes with a known password and every kind of problem beside it.
		`  - {owner: rep9@ourco.example, host: imap.example.com, tls: none, port: 0, hots: x, username: u, password: "${PW}"}`,
		`  - {owner: rep1@ourco.example, host: h.example, username: u, password: "${PW}", password_file: pw.txt}`,
		`  - {owner: rep1@ourco.example, host: h.example, username: u, auth: xoauth2, password: "${PW}"}`,
		`  - {owner: rep1@ourco.example, host: h.example, username: u, password: "` + pwText + `", password: x}`,
		`  - {owner: rep1@ourco.example, host: h.example, username: u, password: ["` + pwText + `"]}`,
		`  - {owner: rep1@ourco.example, host: h.example, username: u, password: {"` + pwText + `": 1}}`,
		`  - {owner: rep1@ourco.example, host: h.example, username: u, password: "` + pwText + `${"}`,
		`  - {owner: rep1@ourco.example, host: h.example, username: u, password: "` + pwText + `${NOT_SET}"}`,
		`  - {owner: rep1@ourco.example, host: h.example, username: u, password_file: pw.txt, tls: none}`,
		`  - {owner: rep1@ourco.example, host: h.example, username: u, auth: xoauth2,
     oauth2: {token_url: "http://t.example", client_secret: "${CS}", refresh_token: "${RT}", scopes: x}}`,
		`  - {owner: rep1@ourco.example, host: h.example, username: u, auth: plain, password: "${PW}",
     oauth2: {token_url: "http://t.example", client_secret: "${CS}", refresh_token: "${RT}"}}`,
	}
	for i, box := range bad {
		_, _, err := parseIn(t, teamYAML+"mailboxes:\n"+box+"\n", files, vars)
		if err == nil {
			t.Fatalf("case %d: no error", i)
		}
		for _, secret := range []string{pwText, fileText, clientText, refreshText} {
			if strings.Contains(err.Error(), secret) || strings.Contains(fmt.Sprintf("%+v %#v", err, err), secret) {
				t.Errorf("case %d: error shows a secret:\n%v", i, err)
			}
		}
	}
}

func TestConfigNeverShowsSecrets(t *testing.T) {
	text := teamYAML + `mailboxes:
  - {name: a, owner: rep1@ourco.example, host: h.example, username: u, password: "${PW}"}
  - {name: b, owner: rep1@ourco.example, host: h.example, username: u, password_file: pw.txt}
  - name: c
    owner: rep1@ourco.example
    host: h.example
    username: u
    auth: xoauth2
    oauth2: {token_url: "https://t.example", client_id: id, client_secret: "${CS}", refresh_token: "${RT}"}
`
	cfg, _, err := parseIn(t, text, map[string]string{"pw.txt": fileText + "\n"},
		map[string]string{"PW": pwText, "CS": clientText, "RT": refreshText})
	if err != nil {
		t.Fatal(err)
	}
	// The secrets are there for the code that needs them...
	o := cfg.Mailboxes[2].OAuth2
	got := []string{cfg.Mailboxes[0].Password.Reveal(), cfg.Mailboxes[1].Password.Reveal(),
		o.ClientSecret.Reveal(), o.RefreshToken.Reveal()}
	secrets := []string{pwText, fileText, clientText, refreshText}
	if strings.Join(got, " ") != strings.Join(secrets, " ") {
		t.Fatalf("revealed %q, want %q", got, secrets)
	}

	// ...and nowhere else.
	var out bytes.Buffer
	fmt.Fprintf(&out, "%v %+v %#v\n", cfg, cfg, cfg)
	fmt.Fprintf(&out, "%v %+v %#v %s %q %x\n", *cfg, cfg.Mailboxes, cfg.Mailboxes, cfg.Mailboxes[0].Password,
		cfg.Mailboxes[0].Password, cfg.Mailboxes[0].Password)
	fmt.Fprintf(&out, "%v %+v %#v\n", *o, *o, *o)
	for _, v := range []any{cfg, *o, o.RefreshToken} {
		data, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		out.Write(data)
	}
	for _, h := range []slog.Handler{slog.NewTextHandler(&out, nil), slog.NewJSONHandler(&out, nil)} {
		slog.New(h).Info("loaded", "config", cfg, "oauth2", o, "password", cfg.Mailboxes[0].Password,
			slog.Group("box", "secret", o.ClientSecret))
	}
	for _, s := range secrets {
		if strings.Contains(out.String(), s) {
			t.Errorf("output shows secret %q:\n%s", s, out.String())
		}
	}
	if !strings.Contains(out.String(), "[redacted]") {
		t.Errorf("output lacks [redacted]:\n%s", out.String())
	}
}
