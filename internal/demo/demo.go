// Package demo runs dealtrail without anything to configure: an in-process
// IMAP server (go-imap's imapserver over an in-memory backend) holding the
// mailboxes of a small sales team, seeded with a generated year of their
// mail, a stream of new messages to deliver while the real pollers run,
// and an in-process HTTP server with each member's calendar as an ICS
// feed.
//
// Generate builds the team's year from a seed: customer accounts, won, lost
// and open deals, threads between reps and customer contacts, internal
// chatter, and every copy of every message in the members' INBOX and Sent
// folders. It is deterministic, and its cases (the deal that went dark, the
// company with two live deals, the free-mail contact, the outside lawyer)
// are named in Team.Cases, so tests of matching and timelines can reuse it.
package demo

import (
	"time"

	"github.com/dealtrail/dealtrail/internal/config"
	"github.com/dealtrail/dealtrail/internal/model"
)

// Domain is the demo team's own mail domain.
const Domain = "ourco.example"

// DefaultSeed is the seed the demo command generates its team with.
const DefaultSeed uint64 = 2024

// Folder names of the demo mailboxes. Sent carries no special-use
// attribute (go-imap's in-memory backend has none), so the pollers find it
// by name, as they do on servers without SPECIAL-USE.
const (
	Inbox = "INBOX"
	Sent  = "Sent"
)

// Member is a person of the demo team with a mailbox on the demo server.
type Member struct {
	// User is the IMAP user name: the local part of Email.
	User  string
	Email string
	Name  string
	// Role is config.RoleRep or config.RoleLeader.
	Role string
}

// Members returns the demo team: three reps and their leader.
func Members() []Member {
	return []Member{
		{User: "alice", Email: "alice@" + Domain, Name: "Alice Archer", Role: config.RoleRep},
		{User: "bob", Email: "bob@" + Domain, Name: "Bob Brandt", Role: config.RoleRep},
		{User: "carol", Email: "carol@" + Domain, Name: "Carol Chen", Role: config.RoleRep},
		{User: "lena", Email: "lena@" + Domain, Name: "Lena Larsen", Role: config.RoleLeader},
	}
}

// Contact is a person outside the team.
type Contact struct {
	Name  string
	Email string
	Title string
}

// Account is a customer company with its mail domains and the people the
// team writes to there. Domains lists the registrable domains; a contact
// may write from a subdomain of one, or from a free-mail address.
type Account struct {
	Name     string
	Domains  []string
	Contacts []Contact
}

// Copy is where the team sees an email: a member's folder.
type Copy struct {
	User   string
	Folder string
}

// Email is one message as written, with every copy the team's mailboxes
// hold of it: in the sender's Sent folder when a member sent it, and in the
// INBOX of every member it was addressed to. It is one activity however
// many copies there are.
type Email struct {
	// MessageID is the Message-ID without angle brackets. For the
	// generated year it depends on the seed only, not on the time.
	MessageID string
	Date      time.Time
	Subject   string
	InReplyTo string
	// References lists the thread's earlier Message-IDs, oldest first.
	References []string
	// Participants are the From, To and Cc addresses, lower-cased.
	Participants []model.Participant
	// Direction is how dealtrail classifies the email: internal ones are
	// not stored as activities.
	Direction model.Direction
	// Deal is the deal the email belongs to in the story, or "" for
	// internal chatter, mail from nobody's customer, and mail that is
	// ambiguous on purpose (a contact writing about both of a company's
	// live deals).
	Deal string
	// Attachments names the files attached, with their types and sizes.
	Attachments []model.Attachment
	// Raw is the message in RFC 5322 form (CRLF line endings).
	Raw    []byte
	Copies []Copy
}

// Message is one message in a mailbox folder, ready to be appended: the
// demo server's view of an Email copy.
type Message struct {
	Folder    string
	MessageID string
	Date      time.Time
	Raw       []byte
}

// Cases names the parts of the story that tests and the README point at.
type Cases struct {
	// GoneDark is the deal whose customer asked for the contract and then
	// stopped replying while the rep kept following up.
	GoneDark string
	// TwoDeals are the two live deals of one company, owned by different
	// reps.
	TwoDeals [2]string
	// FreeMail is a customer contact writing from gmail.com.
	FreeMail string
	// Lawyer is an outside counsel, from a domain of no account, who
	// joins a contract thread.
	Lawyer string
	// CcCopy is the Message-ID of a rep's email to a customer with a
	// colleague on Cc: one activity seen in two mailboxes.
	CcCopy string
	// Series is the UID of the weekly meeting on a deal with one
	// instance moved and one cancelled; SeriesDeal is its deal.
	Series, SeriesDeal string
}

// Team is a generated year of a small sales team: who they are, their
// customers and deals, and every email with its copies.
type Team struct {
	Domain   string
	Members  []Member
	Accounts []Account
	// Deals are the CRM's deals, to import before syncing.
	Deals []model.Deal
	// Emails are in time order.
	Emails []Email
	// Mailboxes holds each member's messages by user name, in time order
	// (the order to append them in).
	Mailboxes map[string][]Message
	// Meetings are the team's calendar events, deals' and internal ones,
	// around Now (see CalendarFeed).
	Meetings []Meeting
	Cases    Cases
	// Now is the time the year ends at.
	Now time.Time
}

// Member returns the member with the given user name.
func (t *Team) Member(user string) (Member, bool) {
	for _, m := range t.Members {
		if m.User == user {
			return m, true
		}
	}
	return Member{}, false
}

// Users returns the members' user names, in the order of Members.
func (t *Team) Users() []string {
	users := make([]string, len(t.Members))
	for i, m := range t.Members {
		users[i] = m.User
	}
	return users
}

// Deal returns the deal with the given ID.
func (t *Team) Deal(id string) (model.Deal, bool) {
	for _, d := range t.Deals {
		if d.ID == id {
			return d, true
		}
	}
	return model.Deal{}, false
}

// mailboxes lays the emails out as per-user folder contents.
func mailboxes(emails []Email) map[string][]Message {
	out := map[string][]Message{}
	for _, e := range emails {
		for _, c := range e.Copies {
			out[c.User] = append(out[c.User], Message{Folder: c.Folder, MessageID: e.MessageID, Date: e.Date, Raw: e.Raw})
		}
	}
	return out
}
