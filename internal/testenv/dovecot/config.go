package dovecot

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"text/template"
)

// accounts are the system users Dovecot runs as. As root: login processes
// as dovenull, internal processes (auth, anvil, stats) and mail processes as
// dovecot, the owner of every mailbox; Dovecot refuses to run mail
// processes as root. Not as root: everything as the current user.
type accounts struct {
	root          bool
	loginUser     string
	internalUser  string
	internalGroup string
	mailUID       int
	mailGID       int
}

// currentAccounts works out the accounts for this process.
func currentAccounts() (accounts, error) {
	if os.Geteuid() == 0 {
		if _, err := user.Lookup("dovenull"); err != nil {
			return accounts{}, fmt.Errorf("looking up login user dovenull (made by the dovecot-core package): %w", err)
		}
		u, err := user.Lookup("dovecot")
		if err != nil {
			return accounts{}, fmt.Errorf("looking up internal user dovecot (made by the dovecot-core package): %w", err)
		}
		return accountsFor(true, "dovenull", u)
	}
	u, err := user.Current()
	if err != nil {
		return accounts{}, fmt.Errorf("looking up the current user: %w", err)
	}
	return accountsFor(false, u.Username, u)
}

// accountsFor fills accounts with u as internal and mail user.
func accountsFor(root bool, login string, u *user.User) (accounts, error) {
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return accounts{}, fmt.Errorf("uid of %s: %w", u.Username, err)
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		return accounts{}, fmt.Errorf("gid of %s: %w", u.Username, err)
	}
	g, err := user.LookupGroupId(u.Gid)
	if err != nil {
		return accounts{}, fmt.Errorf("group of %s: %w", u.Username, err)
	}
	return accounts{
		root:          root,
		loginUser:     login,
		internalUser:  u.Username,
		internalGroup: g.Name,
		mailUID:       uid,
		mailGID:       gid,
	}, nil
}

// chown gives path to the mail user when running as root.
func (a accounts) chown(path string) error {
	if !a.root {
		return nil
	}
	return os.Lchown(path, a.mailUID, a.mailGID)
}

// makeRoot creates the server's private directory, mode 0755 so the
// unprivileged Dovecot users can traverse it. Its path is short and plain
// because it holds Unix sockets (at most 108 bytes) and is written into the
// configuration unquoted.
func makeRoot(a accounts) (string, error) {
	for _, parent := range []string{os.TempDir(), "/tmp"} {
		if !usableParent(parent, a.root) {
			continue
		}
		dir, err := os.MkdirTemp(parent, "dovecot-")
		if err != nil {
			continue
		}
		if err := os.Chmod(dir, 0o755); err != nil {
			_ = os.RemoveAll(dir)
			return "", err
		}
		return dir, nil
	}
	return "", errors.New("no usable temporary directory: need a short, plain path that everyone can traverse (set TMPDIR=/tmp)")
}

// usableParent tells whether dir is short, plain and (when root, for the
// unprivileged Dovecot users) traversable by everyone all the way up.
func usableParent(dir string, root bool) bool {
	if !filepath.IsAbs(dir) || len(dir) > 48 {
		return false
	}
	for _, r := range dir {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-", r)) {
			return false
		}
	}
	if !root {
		return true
	}
	for p := filepath.Clean(dir); ; p = filepath.Dir(p) {
		st, err := os.Stat(p)
		if err != nil || st.Mode().Perm()&0o001 == 0 {
			return false
		}
		if p == "/" {
			return true
		}
	}
}

// prepare creates the directory layout and the TLS files.
func (s *Server) prepare() error {
	for _, d := range []string{"run", "state", "users", "home", "tmp"} {
		if err := os.Mkdir(filepath.Join(s.dir, d), 0o755); err != nil {
			return err
		}
	}
	if err := s.acct.chown(filepath.Join(s.dir, "home")); err != nil {
		return err
	}
	ca, certPEM, keyPEM, err := newCertificates()
	if err != nil {
		return err
	}
	s.ca = ca
	if err := os.WriteFile(filepath.Join(s.dir, "cert.pem"), certPEM, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(s.dir, "key.pem"), keyPEM, 0o600)
}

// configData feeds configTemplate.
type configData struct {
	Dir           string
	Instance      string
	Port          int
	TLSPort       int
	LoginUser     string
	InternalUser  string
	InternalGroup string
	MailUID       int
	MailGID       int
}

// writeConfig writes dovecot.conf for the given ports.
func (s *Server) writeConfig(port, tlsPort int) error {
	var b strings.Builder
	err := configTemplate.Execute(&b, configData{
		Dir:           s.dir,
		Instance:      s.instance,
		Port:          port,
		TLSPort:       tlsPort,
		LoginUser:     s.acct.loginUser,
		InternalUser:  s.acct.internalUser,
		InternalGroup: s.acct.internalGroup,
		MailUID:       s.acct.mailUID,
		MailGID:       s.acct.mailGID,
	})
	if err != nil {
		return err
	}
	return os.WriteFile(s.conf, []byte(b.String()), 0o644)
}

// configTemplate is a complete Dovecot 2.3 configuration: nothing from
// /etc/dovecot is read.
var configTemplate = template.Must(template.New("dovecot.conf").Parse(`# Written by internal/testenv/dovecot for one test server.
base_dir = {{.Dir}}/run
state_dir = {{.Dir}}/state
instance_name = {{.Instance}}
log_path = {{.Dir}}/dovecot.log
listen = 127.0.0.1
protocols = imap
shutdown_clients = yes

default_login_user = {{.LoginUser}}
default_internal_user = {{.InternalUser}}
default_internal_group = {{.InternalGroup}}
first_valid_uid = {{.MailUID}}
first_valid_gid = 1

ssl = yes
ssl_cert = <{{.Dir}}/cert.pem
ssl_key = <{{.Dir}}/key.pem

# Tests log in in the clear, fail fast on a wrong password and open many
# connections. Without the anvil-auth-penalty socket (mode 0, below), a
# failed login does not delay the next logins from 127.0.0.1 by 2, 4, 8...
# seconds. A failure is still answered at the auth process's next 500 ms
# tick, whatever auth_failure_delay says.
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
auth_verbose = yes
mail_max_userip_connections = 1000

# One passwd-file per user: Dovecot stats a passwd-file at most once a
# second, so a user added to a shared file could stay unknown for a second.
passdb {
  driver = passwd-file
  args = {{.Dir}}/users/%u
}
userdb {
  driver = static
  args = uid={{.MailUID}} gid={{.MailGID}} home={{.Dir}}/home/%u allow_all_users=yes
}

# mdbox keeps many messages per file: Fill appends 20,000 messages in well
# under a second and SELECT opens such a folder in milliseconds, where
# Maildir needs a file per message and a second per SELECT.
mail_location = mdbox:~/mdbox
mail_fsync = never

# No chroot anywhere: it needs root, and these are throwaway test servers.
service anvil {
  chroot =
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service ipc {
  chroot =
}
service old-stats {
  chroot =
}
service imap-urlauth-login {
  chroot =
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = {{.Port}}
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = {{.TLSPort}}
    ssl = yes
  }
}

namespace inbox {
  inbox = yes
  separator = /
  mailbox Sent {
    special_use = \Sent
    auto = subscribe
  }
  mailbox Drafts {
    special_use = \Drafts
    auto = subscribe
  }
  mailbox Trash {
    special_use = \Trash
    auto = subscribe
  }
  mailbox Archive {
    special_use = \Archive
    auto = subscribe
  }
}
`))
