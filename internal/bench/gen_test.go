package bench

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"iter"
	"math/rand/v2"
	"mime"
	"mime/quotedprintable"
	"slices"
	"strings"
	"time"

	"github.com/dealtrail/dealtrail/internal/testenv/dovecot"
)

// mailboxSpec describes a generated mailbox: whose it is, how many
// messages each folder holds and what they look like. The same spec (and
// seed) always gives the same bytes.
type mailboxSpec struct {
	seed uint64
	// idPrefix makes Message-IDs unique across mailboxes generated in one
	// test.
	idPrefix string
	// rep owns the mailbox; colleagues are the rest of the team.
	rep        person
	colleagues []person
	teamDomain string
	// inbox and sent are the message counts of INBOX and Sent.
	inbox, sent int
	// customers is the number of customer domains mail is spread over.
	customers int
	// internalShare is the part of the mail sent only within the team.
	internalShare float64
	// attachShare is the part of the mail carrying one attachment of
	// attachMin to attachMax bytes (before base64).
	attachShare          float64
	attachMin, attachMax int
	// end is the date of the newest message; the mail spans span before.
	end  time.Time
	span time.Duration
}

// person is a mail address with its display name.
type person struct {
	name, email string
}

// header formats the person as an address header value, with an RFC 2047
// encoded name where it is not ASCII.
func (p person) header() string {
	name := p.name
	if name == "" {
		return "<" + p.email + ">"
	}
	if isASCII(name) {
		return `"` + name + `" <` + p.email + ">"
	}
	return mime.QEncoding.Encode("utf-8", name) + " <" + p.email + ">"
}

// customer is an account the team sells to: its domain, its people and
// the conversation going on with it.
type customer struct {
	company  string
	domain   string
	contacts []person
	thread   *thread
}

// thread is a conversation: its subject and the Message-IDs so far, oldest
// first.
type thread struct {
	subject string
	ids     []string
}

// genMessage is one generated message and what dealtrail should make of
// it.
type genMessage struct {
	folder string
	msg    dovecot.Message
	// key is the Message-ID without angle brackets.
	key string
	// direction is "inbound" or "outbound" for mail with an outsider,
	// "internal" for mail within the team (which is not stored).
	direction string
	// attached is set when the message carries an attachment.
	attached bool
}

// generator produces a mailbox from a spec.
type generator struct {
	spec      mailboxSpec
	rng       *rand.Rand
	bytes     *rand.ChaCha8 // attachment content
	customers []*customer
	// weights is the cumulative share of mail of each customer: a few
	// busy accounts and a long tail.
	weights  []float64
	internal *thread
}

// newGenerator builds the team's customers from spec.
func newGenerator(spec mailboxSpec) *generator {
	g := &generator{
		spec: spec,
		rng:  rand.New(rand.NewPCG(spec.seed, spec.seed^0x9e3779b97f4a7c15)),
	}
	var key [32]byte
	for i := range key {
		key[i] = byte(g.rng.Uint32())
	}
	g.bytes = rand.NewChaCha8(key)
	total := 0.0
	for i := range spec.customers {
		company := companyName(i)
		c := &customer{company: company, domain: domainOf(company, i)}
		for range 2 + g.rng.IntN(4) {
			c.contacts = append(c.contacts, g.contact(c.domain))
		}
		g.customers = append(g.customers, c)
		total += 1 / float64(i+3)
		g.weights = append(g.weights, total)
	}
	for i := range g.weights {
		g.weights[i] /= total
	}
	return g
}

// contact invents a person at domain.
func (g *generator) contact(domain string) person {
	first := firstNames[g.rng.IntN(len(firstNames))]
	last := lastNames[g.rng.IntN(len(lastNames))]
	local := strings.ToLower(asciiFold(first) + "." + asciiFold(last))
	return person{name: first + " " + last, email: local + "@" + domain}
}

// pickWeighted returns the index x (in [0, 1)) falls at in cumulative,
// a list of ascending cumulative shares ending at 1.
func pickWeighted(cumulative []float64, x float64) int {
	i, _ := slices.BinarySearch(cumulative, x)
	return min(i, len(cumulative)-1)
}

// pickCustomer chooses a customer by weight.
func (g *generator) pickCustomer() *customer {
	return g.customers[pickWeighted(g.weights, g.rng.Float64())]
}

// messages yields the mailbox in time order, INBOX and Sent interleaved.
func (g *generator) messages() iter.Seq[genMessage] {
	return func(yield func(genMessage) bool) {
		s := g.spec
		total := s.inbox + s.sent
		sentLeft := s.sent
		start := s.end.Add(-s.span)
		for i := range total {
			folder := "INBOX"
			if g.rng.IntN(total-i) < sentLeft {
				folder = "Sent"
				sentLeft--
			}
			at := start.Add(time.Duration(float64(s.span) * float64(i) / float64(total)))
			at = at.Add(time.Duration(g.rng.IntN(600)) * time.Second).Truncate(time.Second)
			if !yield(g.message(i, folder, at)) {
				return
			}
		}
	}
}

// message generates message number n of folder, dated at.
func (g *generator) message(n int, folder string, at time.Time) genMessage {
	s := g.spec
	sent := folder == "Sent"
	var (
		from     person
		to, cc   []person
		th       *thread
		company  string
		host     string
		dir      = "internal"
		internal = g.rng.Float64() < s.internalShare
	)
	if internal {
		other := s.colleagues[g.rng.IntN(len(s.colleagues))]
		if sent {
			from, to = s.rep, []person{other}
		} else {
			from, to = other, []person{s.rep}
		}
		if g.rng.IntN(3) == 0 {
			cc = append(cc, s.colleagues[g.rng.IntN(len(s.colleagues))])
		}
		if g.internal == nil || g.rng.IntN(3) == 0 {
			g.internal = &thread{subject: internalSubjects[g.rng.IntN(len(internalSubjects))] +
				" (" + g.customers[g.rng.IntN(len(g.customers))].company + ")"}
		}
		th, company, host = g.internal, "OurCo", "mail."+s.teamDomain
	} else {
		c := g.pickCustomer()
		contact := c.contacts[g.rng.IntN(len(c.contacts))]
		if sent {
			from, to, dir = s.rep, []person{contact}, "outbound"
			host = "mail." + s.teamDomain
		} else {
			from, to, dir = contact, []person{s.rep}, "inbound"
			host = "mx." + c.domain
		}
		if g.rng.IntN(3) == 0 {
			if other := c.contacts[g.rng.IntN(len(c.contacts))]; other != contact {
				cc = append(cc, other)
			}
		}
		if g.rng.IntN(6) == 0 {
			cc = append(cc, s.colleagues[g.rng.IntN(len(s.colleagues))])
		}
		if c.thread == nil || g.rng.IntN(3) == 0 {
			c.thread = &thread{subject: fmt.Sprintf(customerSubjects[g.rng.IntN(len(customerSubjects))], c.company)}
		}
		th, company = c.thread, c.company
	}
	key := fmt.Sprintf("%s%06d.%016x@%s", s.idPrefix, n, g.rng.Uint64(), host)

	var h bytes.Buffer
	hdr := func(name, value string) { h.WriteString(name + ": " + value + "\n") }
	if !sent {
		hdr("Return-Path", "<"+from.email+">")
		hdr("Received", fmt.Sprintf("from %s (%s [192.0.2.%d])\n\tby mx.%s with ESMTPS id %x\n\tfor <%s>; %s",
			host, host, 1+g.rng.IntN(250), s.teamDomain, g.rng.Uint32(), s.rep.email, at.Format(time.RFC1123Z)))
		hdr("DKIM-Signature", fmt.Sprintf("v=1; a=rsa-sha256; c=relaxed/relaxed; d=%s; s=sel1;\n\th=from:to:subject:date:message-id; bh=%s;\n\tb=%s",
			strings.TrimPrefix(host, "mx."), g.b64(32), g.b64(180)))
	}
	hdr("Message-ID", "<"+key+">")
	hdr("Date", at.Format(time.RFC1123Z))
	hdr("From", from.header())
	hdr("To", joinPeople(to))
	if len(cc) > 0 {
		hdr("Cc", joinPeople(cc))
	}
	subject := th.subject
	if len(th.ids) > 0 {
		subject = "Re: " + subject
		refs := th.ids[max(0, len(th.ids)-10):]
		hdr("In-Reply-To", "<"+refs[len(refs)-1]+">")
		hdr("References", "<"+strings.Join(refs, ">\n\t<")+">")
	}
	if isASCII(subject) {
		hdr("Subject", subject)
	} else {
		hdr("Subject", mime.QEncoding.Encode("utf-8", subject))
	}
	hdr("MIME-Version", "1.0")
	hdr("X-Mailer", mailers[g.rng.IntN(len(mailers))])
	replying := len(th.ids) > 0
	th.ids = append(th.ids, key)

	text := g.text(from, to[0], company, replying)
	alt := g.boundary()
	var body bytes.Buffer
	writeAlternative := func(w *bytes.Buffer) {
		fmt.Fprintf(w, "--%s\nContent-Type: text/plain; charset=\"utf-8\"\nContent-Transfer-Encoding: quoted-printable\n\n", alt)
		w.Write(qp(text))
		fmt.Fprintf(w, "\n--%s\nContent-Type: text/html; charset=\"utf-8\"\nContent-Transfer-Encoding: quoted-printable\n\n", alt)
		w.Write(qp(htmlOf(text)))
		fmt.Fprintf(w, "\n--%s--\n", alt)
	}
	attached := g.rng.Float64() < s.attachShare
	if attached {
		mixed := g.boundary()
		hdr("Content-Type", `multipart/mixed; boundary="`+mixed+`"`)
		fmt.Fprintf(&body, "This is a multi-part message in MIME format.\n\n--%s\n", mixed)
		fmt.Fprintf(&body, "Content-Type: multipart/alternative; boundary=\"%s\"\n\n", alt)
		writeAlternative(&body)
		kind := attachmentKinds[g.rng.IntN(len(attachmentKinds))]
		name := fmt.Sprintf(kind.name, strings.ReplaceAll(company, " ", "_"))
		fmt.Fprintf(&body, "\n--%s\nContent-Type: %s; name=\"%s\"\nContent-Disposition: attachment; filename=\"%s\"\nContent-Transfer-Encoding: base64\n\n",
			mixed, kind.mediaType, name, name)
		g.attachment(&body, s.attachMin+g.rng.IntN(s.attachMax-s.attachMin+1))
		fmt.Fprintf(&body, "--%s--\n", mixed)
	} else {
		hdr("Content-Type", `multipart/alternative; boundary="`+alt+`"`)
		writeAlternative(&body)
	}
	h.WriteString("\n")
	raw := append(h.Bytes(), body.Bytes()...)
	return genMessage{
		folder:    folder,
		msg:       dovecot.Message{Raw: raw, Date: at.Add(time.Duration(5+g.rng.IntN(55)) * time.Second)},
		key:       key,
		direction: dir,
		attached:  attached,
	}
}

// text writes a business email of one to three KB: a greeting, a few
// paragraphs, a signature and, in a reply, a quoted piece of the last one.
func (g *generator) text(from, to person, company string, replying bool) string {
	var b strings.Builder
	first, _, _ := strings.Cut(to.name, " ")
	fmt.Fprintf(&b, "%s %s,\n\n", greetings[g.rng.IntN(len(greetings))], first)
	size := 1000 + g.rng.IntN(2000)
	for b.Len() < size {
		for range 3 + g.rng.IntN(4) {
			b.WriteString(sentences[g.rng.IntN(len(sentences))])
			b.WriteString(" ")
		}
		b.WriteString("\n\n")
	}
	fmt.Fprintf(&b, "%s\n%s\n%s\n", closings[g.rng.IntN(len(closings))], from.name, company)
	if replying {
		fmt.Fprintf(&b, "\nOn an earlier day, %s wrote:\n", to.name)
		for range 4 + g.rng.IntN(6) {
			b.WriteString("> " + sentences[g.rng.IntN(len(sentences))] + "\n")
		}
	}
	return b.String()
}

// attachment writes n random bytes, base64 in lines of 76.
func (g *generator) attachment(w *bytes.Buffer, n int) {
	raw := make([]byte, n)
	_, _ = g.bytes.Read(raw)
	enc := make([]byte, base64.StdEncoding.EncodedLen(n))
	base64.StdEncoding.Encode(enc, raw)
	w.Grow(len(enc) + len(enc)/76 + 1)
	for len(enc) > 0 {
		k := min(76, len(enc))
		w.Write(enc[:k])
		w.WriteByte('\n')
		enc = enc[k:]
	}
}

// boundary returns a fresh MIME boundary.
func (g *generator) boundary() string {
	return fmt.Sprintf("----=_Part_%d_%016x", g.rng.IntN(1_000_000), g.rng.Uint64())
}

// b64 returns n characters that look like base64.
func (g *generator) b64(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[g.rng.IntN(len(alphabet))]
	}
	return string(b)
}

// dealsCSV writes one deal per customer, owned by the rep, in the format
// of "dealtrail deals import".
func (g *generator) dealsCSV() []byte {
	var b bytes.Buffer
	b.WriteString("id,name,account,domains,contacts,owner,stage,status,amount,created,closed\n")
	start := g.spec.end.Add(-g.spec.span)
	// A separate source, so the deals do not change the mail.
	rng := rand.New(rand.NewPCG(g.spec.seed+1, 7))
	for i, c := range g.customers {
		emails := make([]string, len(c.contacts))
		for j, p := range c.contacts {
			emails[j] = p.email
		}
		created := start.AddDate(0, 0, -30-rng.IntN(60))
		status, closed := "open", ""
		switch rng.IntN(6) {
		case 0:
			status, closed = "won", g.spec.end.AddDate(0, 0, -rng.IntN(30)).Format(time.DateOnly)
		case 1:
			status, closed = "lost", g.spec.end.AddDate(0, 0, -rng.IntN(30)).Format(time.DateOnly)
		}
		fmt.Fprintf(&b, "%s%04d,%s %s,%s,%s,%s,%s,%s,%s,%d,%s,%s\n",
			"D-", i+1, c.company, products[rng.IntN(len(products))], c.company, c.domain,
			strings.Join(emails, ";"), g.spec.rep.email, stages[rng.IntN(len(stages))], status,
			1000*(5+rng.IntN(500)), created.Format(time.DateOnly), closed)
	}
	return b.Bytes()
}

// joinPeople formats an address list.
func joinPeople(ps []person) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.header()
	}
	return strings.Join(s, ",\n ")
}

// qp encodes text as quoted-printable.
func qp(text string) []byte {
	var b bytes.Buffer
	w := quotedprintable.NewWriter(&b)
	_, _ = w.Write([]byte(text))
	_ = w.Close()
	return bytes.ReplaceAll(b.Bytes(), []byte("\r\n"), []byte("\n"))
}

// htmlOf turns the text into the HTML part a mail program would send
// beside it.
func htmlOf(text string) string {
	var b strings.Builder
	b.WriteString("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"></head>\n<body style=\"font-family: Arial, sans-serif; font-size: 11pt\">\n")
	for _, para := range strings.Split(text, "\n\n") {
		para = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\n", "<br>\n").Replace(para)
		b.WriteString("<p style=\"margin: 0 0 12px 0\">" + para + "</p>\n")
	}
	b.WriteString("</body></html>\n")
	return b.String()
}

// companyName returns the name of customer i: unique, and made of words.
func companyName(i int) string {
	a := companyWords[i%len(companyWords)]
	b := companySuffixes[(i/len(companyWords))%len(companySuffixes)]
	if n := i / (len(companyWords) * len(companySuffixes)); n > 0 {
		return fmt.Sprintf("%s %s %d", a, b, n+1)
	}
	return a + " " + b
}

// domainOf returns the mail domain of customer i.
func domainOf(company string, i int) string {
	name := strings.ToLower(strings.NewReplacer(" ", "-", "&", "and").Replace(asciiFold(company)))
	tlds := []string{"example", "example.com", "example.net", "example.org"}
	return name + "." + tlds[i%len(tlds)]
}

// asciiFold replaces the accented letters used in the name lists.
func asciiFold(s string) string {
	return strings.NewReplacer("é", "e", "è", "e", "ü", "ue", "ö", "oe", "ä", "ae", "ß", "ss",
		"ñ", "n", "ç", "c", "ø", "o", "å", "a", "í", "i", "ó", "o", "á", "a", "ł", "l").Replace(s)
}

// isASCII reports whether s has only ASCII characters.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

var (
	firstNames = []string{"Anna", "Ben", "Chloé", "David", "Elif", "Frank", "Grace", "Hiro", "Inés", "Jonas",
		"Karin", "Liam", "María", "Noah", "Olga", "Pierre", "Quinn", "Rafał", "Sofia", "Tom",
		"Ursula", "Victor", "Wen", "Xavier", "Yara", "Zoë", "Jürgen", "Søren", "Ana", "Priya"}
	lastNames = []string{"Smith", "Müller", "García", "Rossi", "Nguyen", "Kowalski", "Johansson", "Dubois",
		"Okafor", "Tanaka", "Brown", "Schmidt", "López", "Bianchi", "Kim", "Nowak", "Larsen", "Martin",
		"Singh", "Walker", "Weiß", "Fernández", "Costa", "Novák", "Haddad", "O'Neil", "Berg", "Silva"}
	companyWords = []string{"Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne",
		"Cyberdyne", "Soylent", "Tyrell", "Wonka", "Gringotts", "Oscorp", "Aperture", "Black Mesa",
		"Monarch", "Pied Piper", "Dunder", "Massive", "Nakatomi", "Virtucon", "Gekko", "Sirius",
		"Prestige", "Zorg", "Blue Sun", "Weyland", "Rekall", "Omni"}
	companySuffixes = []string{"Corp", "Industries", "Labs", "Systems", "Logistics", "Health", "Foods",
		"Energy", "Bank", "Retail", "Media", "Motors", "Software", "Capital", "Group", "Partners", "AG"}
	customerSubjects = []string{"%s: pricing for the enterprise tier", "Follow-up on our call (%s)",
		"%s security questionnaire", "Proposal for %s", "%s pilot: next steps", "Contract redlines – %s",
		"Intro: %s and OurCo", "%s renewal", "Quick question about the %s rollout", "Demo recording for %s",
		"Référence client pour %s", "%s – Angebot und Zeitplan"}
	internalSubjects = []string{"Forecast review", "Deal desk approval", "Pipeline update", "Pricing exception",
		"Weekly sync notes", "Legal review needed", "Handover", "QBR prep"}
	greetings = []string{"Hi", "Hello", "Dear", "Good morning", "Hey"}
	closings  = []string{"Best regards,", "Thanks,", "Kind regards,", "Cheers,", "Best,"}
	sentences = []string{
		"Thanks for taking the time to walk us through the platform yesterday.",
		"Our procurement team asked whether the annual price includes premium support.",
		"I have attached the updated proposal with the volume discount we discussed.",
		"Could you send over the security documentation and your latest SOC 2 report?",
		"We would like to start the pilot with two teams before the end of the quarter.",
		"Legal has a few comments on the data processing agreement, mostly about sub-processors.",
		"Let me check with our CFO and come back to you by Friday.",
		"The integration with our CRM worked well in the test environment.",
		"Are you available for a short call on Tuesday or Wednesday afternoon?",
		"We are still comparing two other vendors, so timing is important for us.",
		"Please find the signed order form in the shared folder.",
		"I wanted to follow up on my last email in case it got buried.",
		"Our budget for next year is being finalised this month.",
		"The onboarding plan looks good; we would add a training session for managers.",
		"Can we extend the trial by two weeks? The holidays slowed us down.",
		"Ich melde mich nächste Woche mit dem Feedback unseres Teams.",
		"Nous avons bien reçu la proposition et revenons vers vous rapidement.",
		"The renewal date is approaching and we want to review the seat count.",
		"I've looped in our head of IT, who will own the rollout on our side.",
		"Happy to share references from customers in your industry.",
	}
	products = []string{"Platform", "Expansion", "Renewal", "Pilot", "Enterprise", "Analytics add-on"}
	stages   = []string{"discovery", "demo", "proposal", "negotiation", "contract"}
	mailers  = []string{"Microsoft Outlook 16.0", "Apple Mail (2.3731)", "Mozilla Thunderbird 115.6", "Gmail"}

	attachmentKinds = []struct{ mediaType, name string }{
		{"application/pdf", "Proposal_%s.pdf"},
		{"application/pdf", "Signed_Order_Form_%s.pdf"},
		{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Pricing_%s.xlsx"},
		{"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "DPA_%s.docx"},
		{"image/png", "architecture_%s.png"},
		{"application/zip", "security_docs_%s.zip"},
	}
)
