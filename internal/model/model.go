// Package model holds the plain domain types that every layer of dealtrail
// shares: messages as parsed from mail, activities as stored, deals as
// imported. It does no I/O and carries little behaviour.
package model

import "time"

// Kind says what an activity is.
type Kind string

// Activity kinds.
const (
	KindEmail   Kind = "email"
	KindMeeting Kind = "meeting"
	KindNote    Kind = "note"
	KindCall    Kind = "call"
)

// Direction says which way an activity went between the team and outsiders.
type Direction string

// Directions. Internal activities have no external participant.
const (
	Inbound  Direction = "inbound"
	Outbound Direction = "outbound"
	Internal Direction = "internal"
)

// Role is the part a participant plays in a message or meeting.
type Role string

// Participant roles taken from mail headers.
const (
	RoleFrom    Role = "from"
	RoleSender  Role = "sender"
	RoleTo      Role = "to"
	RoleCc      Role = "cc"
	RoleBcc     Role = "bcc"
	RoleReplyTo Role = "reply-to"
)

// Participant is one address taking part in an activity. Email is always
// lower-cased; Name is the display name as decoded from the header.
type Participant struct {
	Email string `json:"email"`
	Name  string `json:"name,omitempty"`
	Role  Role   `json:"role"`
	// Status is a meeting attendee's answer; "" for mail.
	Status PartStat `json:"status,omitempty"`
}

// Attachment describes a file attached to a message. Its body is never kept.
type Attachment struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
}

// Message is one email normalised from MIME: what dealtrail keeps of it.
type Message struct {
	// Key identifies the message across mailboxes: the Message-ID without
	// angle brackets, or a stable hash of the headers when it has none.
	Key string
	// MessageID is the Message-ID header without angle brackets, or "".
	MessageID    string
	Date         time.Time
	Subject      string
	Participants []Participant
	InReplyTo    string
	References   []string
	// Snippet is the start of the first text part as plain text.
	Snippet     string
	Attachments []Attachment
	// Calendars holds the raw text/calendar parts (iMIP invitations).
	Calendars [][]byte
	// Problems lists what could not be read, in words; the message is
	// still stored with what could.
	Problems []string
}

// Sighting is one place where the team saw an activity: a message in a
// mailbox folder, identified by UIDVALIDITY and UID, or a meeting in a
// calendar source.
type Sighting struct {
	Mailbox     string `json:"mailbox,omitempty"`
	Folder      string `json:"folder,omitempty"`
	UIDValidity uint32 `json:"uidvalidity,omitempty"`
	UID         uint32 `json:"uid,omitempty"`
	// Calendar names the calendar source that holds a meeting; the
	// mailbox fields are then empty.
	Calendar string `json:"calendar,omitempty"`
}

// Activity is one email, meeting, note or call as stored.
type Activity struct {
	ID           int64
	Kind         Kind
	Key          string
	At           time.Time
	Direction    Direction
	Subject      string
	Snippet      string
	ThreadKey    string
	InReplyTo    string
	References   []string
	Participants []Participant
	Attachments  []Attachment
	Sightings    []Sighting
	Link         *Link
	// Meeting holds the details of a meeting activity; nil otherwise.
	Meeting *Meeting
}

// DealStatus is where a deal stands.
type DealStatus string

// Deal statuses.
const (
	DealOpen DealStatus = "open"
	DealWon  DealStatus = "won"
	DealLost DealStatus = "lost"
)

// Deal is a sales opportunity with a customer account, as imported from the
// CRM. ID is the CRM's identifier.
type Deal struct {
	ID       string
	Name     string
	Account  string
	Domains  []string
	Contacts []string
	Owner    string
	Stage    string
	Status   DealStatus
	Amount   float64
	Created  time.Time
	Closed   time.Time // zero while open
}
