package config

import (
	"log/slog"
	"time"
)

// Config is a validated dealtrail configuration with defaults applied.
type Config struct {
	// Path is the file the configuration was loaded from.
	Path string
	// Database is the SQLite file, resolved against the config file's
	// directory when relative.
	Database     string
	Listen       string
	PollInterval time.Duration
	// Backfill is how far back a first sync goes; 0 means everything.
	Backfill  time.Duration
	Team      Team
	Matching  Matching
	Mailboxes []Mailbox
	Calendar  CalendarSettings
	Calendars []Calendar
	// TrustedProxies lists the reverse proxies (IP addresses or CIDR
	// ranges) whose X-Forwarded-For and X-Forwarded-Proto headers the web
	// server believes; empty trusts none.
	TrustedProxies []string
	UI             UI
	Log            Log
	Retention      Retention
}

// Team is the sales team: its own domains and members.
type Team struct {
	Domains []string
	Members []Member
}

// Member roles.
const (
	RoleRep    = "rep"
	RoleLeader = "leader"
	RoleAdmin  = "admin"
)

// Member is a person of the team. Email is lower-cased.
type Member struct {
	Email string
	Name  string
	Role  string
}

// TLS modes of a mailbox connection.
const (
	TLSImplicit = "implicit"
	TLSStartTLS = "starttls"
	TLSNone     = "none"
)

// Authentication mechanisms of a mailbox.
const (
	AuthPlain   = "plain"
	AuthXOAuth2 = "xoauth2"
)

// Mailbox is one IMAP account to sync.
type Mailbox struct {
	// Name identifies the mailbox in the database and the UI; it defaults
	// to Owner and is unique.
	Name     string
	Owner    string
	Host     string
	Port     int
	TLS      string
	Username string
	Auth     string
	Password Secret
	OAuth2   *OAuth2
	// Folders lists the folders to sync; empty means INBOX and the folder
	// with the \Sent special use.
	Folders []string
}

// OAuth2 holds what is needed to refresh an access token for XOAUTH2.
type OAuth2 struct {
	TokenURL     string
	ClientID     string
	ClientSecret Secret
	RefreshToken Secret
	Scopes       []string
}

// Secret is a password or token. It never prints itself: fmt, %v, JSON
// and slog all show "[redacted]"; Reveal gives the value to the code that
// must send it.
type Secret struct{ value string }

// NewSecret wraps a value as a Secret.
func NewSecret(value string) Secret { return Secret{value: value} }

// Reveal returns the secret value.
func (s Secret) Reveal() string { return s.value }

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.value == "" }

// String implements fmt.Stringer without giving the value away.
func (s Secret) String() string { return "[redacted]" }

// GoString implements fmt.GoStringer without giving the value away.
func (s Secret) GoString() string { return "config.Secret([redacted])" }

// MarshalText implements encoding.TextMarshaler without giving the value away.
func (s Secret) MarshalText() ([]byte, error) { return []byte("[redacted]"), nil }

// LogValue implements slog.LogValuer without giving the value away.
func (s Secret) LogValue() slog.Value { return slog.StringValue("[redacted]") }
