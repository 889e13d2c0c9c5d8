package demo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/dealtrail/dealtrail/internal/config"
	"github.com/dealtrail/dealtrail/internal/model"
)

// teamZone is where the team works; the generated year's working hours are
// its office hours.
var teamZone = time.FixedZone("", -5*3600)

// person is someone who writes or receives demo mail.
type person struct {
	name, email string
	title, org  string
	// user is the member's user name; "" for outsiders.
	user string
	// zone is the UTC offset, in hours, of the person's Date headers.
	zone int
}

func (p person) first() string { return strings.Fields(p.name)[0] }

func (p person) location() *time.Location {
	if p.user != "" {
		return teamZone
	}
	return time.FixedZone("", p.zone*3600)
}

// memberPerson returns the member as a person.
func memberPerson(m Member) person {
	title := "Account Executive"
	if m.Role == config.RoleLeader {
		title = "Head of Sales"
	}
	return person{name: m.Name, email: m.Email, title: title, org: "OurCo", user: m.User, zone: -5}
}

// contactPerson returns a customer's contact as a person.
func contactPerson(c Contact, org string, zone int) person {
	return person{name: c.Name, email: c.Email, title: c.Title, org: org, zone: zone}
}

// thread is a conversation: its subject, the Message-IDs so far and who
// takes part. Replies go to whoever wrote last, the others on Cc.
type thread struct {
	subject string
	deal    string
	refs    []string
	people  []person
	// last is the previous message's sender and text, for replies.
	last     *person
	lastText string
	lastDate time.Time
}

// join adds people to the thread (from the next message on).
func (t *thread) join(ps ...person) {
	for _, p := range ps {
		if !slices.ContainsFunc(t.people, func(q person) bool { return q.email == p.email }) {
			t.people = append(t.people, p)
		}
	}
}

// writer builds emails: Message-IDs, bodies, attachments, copies.
type writer struct {
	rng *rand.Rand
	// idTime, if set, puts the time in Message-IDs (live mail, which must
	// be new on every run); the generated year's depend on the rng only.
	idTime bool
}

// send writes the next message of t from `from` at `at`, addressed to
// `to` (the previous sender when empty) with everyone else in the thread
// on Cc. write gives the body for the recipients.
func (w *writer) send(t *thread, from person, to []person, at time.Time, write func(to []person) string, files []attachment) Email {
	if len(to) == 0 {
		switch {
		case t.last != nil && t.last.email != from.email:
			to = []person{*t.last}
		default:
			to = counterparts(t.people, from)
		}
	}
	var cc []person
	for _, p := range t.people {
		if p.email != from.email && !slices.ContainsFunc(to, func(q person) bool { return q.email == p.email }) {
			cc = append(cc, p)
		}
	}
	t.join(from)
	t.join(to...)

	subject := t.subject
	var inReplyTo string
	if len(t.refs) > 0 {
		subject = "Re: " + t.subject
		inReplyTo = t.refs[len(t.refs)-1]
	}
	text := write(to)
	body := text + signature(w.rng, from)
	if t.last != nil {
		body += quote(*t.last, t.lastDate.In(from.location()), t.lastText)
	}
	d := draft{
		from: from, to: to, cc: cc,
		date:       at.In(from.location()),
		subject:    subject,
		messageID:  w.messageID(from, at),
		inReplyTo:  inReplyTo,
		references: slices.Clone(t.refs),
		text:       body,
		files:      files,
	}
	e := Email{
		MessageID:  d.messageID,
		Date:       at.UTC(),
		Subject:    subject,
		InReplyTo:  inReplyTo,
		References: d.references,
		Deal:       t.deal,
		Raw:        d.render(),
	}
	e.Participants = append(e.Participants, model.Participant{Email: from.email, Name: from.name, Role: model.RoleFrom})
	for _, p := range to {
		e.Participants = append(e.Participants, model.Participant{Email: p.email, Name: p.name, Role: model.RoleTo})
	}
	for _, p := range cc {
		e.Participants = append(e.Participants, model.Participant{Email: p.email, Name: p.name, Role: model.RoleCc})
	}
	for _, f := range files {
		e.Attachments = append(e.Attachments, model.Attachment{Name: f.name, ContentType: f.contentType, Size: int64(len(f.data))})
	}
	e.Direction = direction(from, append(slices.Clone(to), cc...))
	e.Copies = copies(from, to, cc)

	t.refs = append(t.refs, d.messageID)
	if len(t.refs) > 10 { // keep the root and the latest, as clients do
		t.refs = append(t.refs[:1], t.refs[len(t.refs)-9:]...)
	}
	f := from
	t.last, t.lastText, t.lastDate = &f, text, d.date
	return e
}

// counterparts are whom from writes to when starting a thread: the
// outsiders when from is a member, the members otherwise.
func counterparts(people []person, from person) []person {
	var out []person
	for _, p := range people {
		if p.email != from.email && (p.user == "") != (from.user == "") {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		for _, p := range people {
			if p.email != from.email {
				out = append(out, p)
			}
		}
	}
	return out[:min(1, len(out))]
}

// direction classifies the email as dealtrail does.
func direction(from person, rcpts []person) model.Direction {
	external := from.user == ""
	for _, p := range rcpts {
		external = external || p.user == ""
	}
	switch {
	case !external:
		return model.Internal
	case from.user != "":
		return model.Outbound
	}
	return model.Inbound
}

// copies lists where the team sees the email: the sender's Sent folder and
// the INBOX of every member addressed.
func copies(from person, to, cc []person) []Copy {
	var out []Copy
	if from.user != "" {
		out = append(out, Copy{User: from.user, Folder: Sent})
	}
	for _, p := range append(slices.Clone(to), cc...) {
		c := Copy{User: p.user, Folder: Inbox}
		if p.user != "" && p.user != from.user && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// messageID makes a Message-ID (without brackets) in the style of the
// sender's mail system.
func (w *writer) messageID(from person, at time.Time) string {
	local := fmt.Sprintf("%016x", w.rng.Uint64())
	if w.idTime {
		local = at.UTC().Format("20060102150405") + "." + local[:10]
	}
	domain := from.email[strings.LastIndexByte(from.email, '@')+1:]
	switch {
	case domain == "gmail.com":
		return "CA+" + strings.ToUpper(local) + "@mail.gmail.com"
	case from.user != "":
		return local + ".ourco@mail." + Domain
	}
	return local + "@" + domain
}

var closings = []string{"Best", "Best regards", "Thanks", "Kind regards", "Cheers"}

// signature ends a body the way the person signs.
func signature(rng *rand.Rand, p person) string {
	sig := "\n\n" + closings[rng.IntN(len(closings))] + ",\n" + p.first()
	if p.user != "" {
		sig += "\n\n-- \n" + p.name + "\n" + p.title + ", OurCo\n+1 555 0100 " + fmt.Sprintf("%03d", len(p.name)*7)
	} else if p.title != "" {
		sig += "\n\n" + p.name + "\n" + p.title + " | " + p.org
	}
	return sig
}

// quote cites the start of the previous message, as a reply does.
func quote(p person, at time.Time, text string) string {
	if text == "" {
		return ""
	}
	lines := strings.Split(strings.TrimSpace(text), "\n")
	if len(lines) > 4 {
		lines = lines[:4]
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n\nOn %s, %s <%s> wrote:", at.Format("Mon, 2 Jan 2006 at 15:04"), p.name, p.email)
	for _, l := range lines {
		b.WriteString("\n>")
		if l != "" {
			b.WriteString(" " + l)
		}
	}
	return b.String()
}

// files makes the attachments named, with small bodies of their type.
func files(rng *rand.Rand, names ...string) []attachment {
	var out []attachment
	for _, n := range names {
		if n == "" {
			continue
		}
		typ := "application/octet-stream"
		switch {
		case strings.HasSuffix(n, ".pdf"):
			typ = "application/pdf"
		case strings.HasSuffix(n, ".docx"):
			typ = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
		case strings.HasSuffix(n, ".xlsx"):
			typ = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		}
		data := make([]byte, 1024+rng.IntN(6*1024))
		for i := range data {
			data[i] = byte(rng.Uint32())
		}
		if typ == "application/pdf" {
			copy(data, "%PDF-1.4\n")
		} else if strings.HasPrefix(typ, "application/vnd.openxml") {
			copy(data, "PK\x03\x04")
		}
		out = append(out, attachment{name: n, contentType: typ, data: data})
	}
	return out
}
