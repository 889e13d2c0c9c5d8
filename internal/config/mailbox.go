package config

import (
	"errors"
	"io/fs"
	"net/url"
	"os"
	"slices"
	"strings"
)

// Keys known in a mailbox and in its oauth2 section.
var (
	mailboxKeys = []string{"name", "owner", "host", "port", "tls", "username", "auth",
		"password", "password_file", "oauth2", "folders"}
	oauth2Keys = []string{"token_url", "client_id", "client_secret", "refresh_token", "scopes"}
)

// Allowed values of a mailbox's tls and auth keys.
var (
	tlsModes  = []string{TLSImplicit, TLSStartTLS, TLSNone}
	authModes = []string{AuthPlain, AuthXOAuth2}
)

// Default IMAP ports.
const (
	portIMAPS = 993
	portIMAP  = 143
)

// mailboxes decodes the mailbox list; members holds the team's emails.
func (d *decoder) mailboxes(v value, members map[string]bool) []Mailbox {
	items, _ := d.list(v)
	type first struct {
		path string
		line int
	}
	names := map[string]first{}
	var out []Mailbox
	for _, item := range items {
		mb, nameAt, ok := d.mailbox(item, members)
		if !ok {
			continue
		}
		key := strings.ToLower(mb.Name)
		if f, dup := names[key]; dup {
			hint := "give each mailbox its own name"
			if !nameAt.present() {
				hint = "the name defaults to the owner; " + hint
			}
			d.errorf(nameAt, "duplicate mailbox name %q (also %s, line %d); %s", mb.Name, f.path, f.line, hint)
			continue
		}
		names[key] = first{item.path, item.line}
		out = append(out, mb)
	}
	return out
}

// mailbox decodes one mailbox. nameAt locates its name, given or
// defaulted, for the duplicate check.
func (d *decoder) mailbox(v value, members map[string]bool) (mb Mailbox, nameAt value, ok bool) {
	m, ok := d.mapping(v, mailboxKeys)
	if !ok {
		return mb, v, false
	}
	ok = true
	need := func(key string) string {
		s, got := d.requiredText(m.at(key))
		ok = ok && got
		return s
	}

	ov := m.at("owner")
	mb.Owner, ok = d.owner(ov, members)
	mb.Name, nameAt = mb.Owner, m.at("name")
	if nameAt.present() {
		mb.Name = need("name")
	} else {
		nameAt.line = ov.line
	}

	hv := m.at("host")
	mb.Host = need("host")
	if mb.Host != "" && !validHost(mb.Host) {
		d.errorf(hv, "%q is not a host name or IP address; give the port under port and no scheme", mb.Host)
	}
	mb.TLS = d.choice(m.at("tls"), TLSImplicit, tlsModes)
	if mb.TLS == TLSNone && mb.Host != "" && !isLoopback(mb.Host) {
		d.errorf(m.at("tls"), "none sends the password in clear text; it is only allowed for a loopback host "+
			"(localhost, 127.0.0.0/8, ::1), not %s", mb.Host)
	}
	mb.Port = portIMAP
	if mb.TLS == TLSImplicit {
		mb.Port = portIMAPS
	}
	if pv := m.at("port"); pv.present() {
		if port, got := d.integer(pv); got {
			if port < 1 || port > 65535 {
				d.errorf(pv, "must be between 1 and 65535")
			}
			mb.Port = port
		}
	}
	mb.Username = need("username")
	mb.Auth = d.choice(m.at("auth"), AuthPlain, authModes)
	d.credentials(m, &mb)
	if fv := m.at("folders"); fv.present() {
		mb.Folders = d.folders(fv)
	}
	return mb, nameAt, ok
}

// choice returns the lower-cased value of v, one of allowed, or def when v
// is absent.
func (d *decoder) choice(v value, def string, allowed []string) string {
	if !v.present() {
		return def
	}
	s, ok := d.requiredText(v)
	s = strings.ToLower(s)
	if ok && !slices.Contains(allowed, s) {
		d.errorf(v, "unknown value %q (allowed: %s)", s, strings.Join(allowed, ", "))
	}
	return s
}

// credentials decodes the secrets that go with the mailbox's auth.
func (d *decoder) credentials(m mapping, mb *Mailbox) {
	oa := m.at("oauth2")
	switch mb.Auth {
	case AuthPlain:
		if oa.present() {
			d.errorf(oa, "only used with auth: xoauth2")
		}
		mb.Password = d.password(m, "required for auth plain (or give password_file)")
	case AuthXOAuth2:
		for _, v := range []value{m.at("password"), m.at("password_file")} {
			if v.present() {
				d.errorf(v, "not used with auth: xoauth2 (credentials go under oauth2)")
			}
		}
		if d.required(oa) {
			mb.OAuth2 = d.oauth2(oa)
		}
	}
}

// password decodes the password or password_file of m; missing says what
// to report when neither is given.
func (d *decoder) password(m mapping, missing string) Secret {
	pw, pf := m.at("password"), m.at("password_file")
	switch {
	case pw.present() && pf.present():
		d.errorf(pf, "give either password or password_file, not both")
	case pw.present():
		s, _ := d.requiredText(pw)
		return NewSecret(s)
	case pf.present():
		return d.secretFile(pf)
	default:
		d.errorf(pw, "%s", missing)
	}
	return Secret{}
}

// secretFile reads the secret in the file named by v, less one trailing
// newline. Errors name the file, never its contents.
func (d *decoder) secretFile(v value) Secret {
	name, ok := d.requiredText(v)
	if !ok {
		return Secret{}
	}
	data, err := os.ReadFile(d.resolve(name))
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		d.errorf(v, "cannot read %s: %v", name, err)
		return Secret{}
	}
	s := string(data)
	s = strings.TrimSuffix(s, "\n")
	s = strings.TrimSuffix(s, "\r")
	if s == "" {
		d.errorf(v, "file %s is empty", name)
	}
	return NewSecret(s)
}

// oauth2 decodes the XOAUTH2 token refresh settings.
func (d *decoder) oauth2(v value) *OAuth2 {
	m, ok := d.mapping(v, oauth2Keys)
	if !ok {
		return nil
	}
	o := &OAuth2{}
	uv := m.at("token_url")
	if s, ok := d.requiredText(uv); ok {
		u, err := url.Parse(s)
		switch {
		case err != nil || u.Host == "":
			d.errorf(uv, "%q is not an absolute URL", s)
		case u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname())):
			d.errorf(uv, "must use https (http only for a loopback host)")
		}
		o.TokenURL = s
	}
	o.ClientID, _ = d.requiredText(m.at("client_id"))
	if cv := m.at("client_secret"); cv.present() {
		s, _ := d.requiredText(cv)
		o.ClientSecret = NewSecret(s)
	}
	s, _ := d.requiredText(m.at("refresh_token"))
	o.RefreshToken = NewSecret(s)
	if sv := m.at("scopes"); sv.present() {
		o.Scopes = d.textList(sv)
	}
	return o
}

// folders decodes the list of folders to sync; names are unique.
func (d *decoder) folders(v value) []string {
	return d.uniqueList(v, "folder", false, func(string) string { return "" })
}
