package main

// A generated year of a sales team's mail in which every message carries
// the answer the matcher must give. The answers come from the story (who
// talks to whom about which deal), never from a second matcher: each story
// below is one case of the matching order in DESIGN.md.

import (
	"fmt"
	"math/rand/v2"
	"net/mail"
	"slices"
	"strings"
	"time"
)

// teamHistorySeed makes the history the tests use; any seed gives a valid one.
const teamHistorySeed = 2025

// Answers other than a deal ID.
const (
	wantReview   = "review"   // in the review queue with the candidates, on no deal
	wantNone     = "none"     // stored, on no deal, not in review
	wantInternal = "internal" // not stored at all
)

// The cases of the story; every message belongs to one.
const (
	caseOwnerDecides    = "owner-decides"     // one account, two live deals of two reps: the rep on the thread owns it
	caseBothOwners      = "both-owners"       // both owners on the thread: review
	caseSameOwner       = "same-owner"        // one account, two live deals of one rep: review
	caseOneLiveDeal     = "one-live-deal"     // the same account while only its first deal was live
	caseSubdomain       = "subdomain"         // contacts write from mail.initech.example
	caseLateDeal        = "late-deal"         // a deal imported after the sync picks its mail up
	casePublicSuffix    = "public-suffix"     // a customer under .co.uk, some from a subdomain
	caseSuffixStranger  = "suffix-stranger"   // another company under .co.uk, not a customer
	caseFreeMailContact = "freemail-contact"  // a gmail address listed on the deal
	caseFreeMailStrange = "freemail-stranger" // gmail and outlook addresses nobody listed
	caseThirdParty      = "third-party"       // outside counsel joins a thread and stays on it
	caseLookbackIn      = "lookback-in"       // before the deal was created, within 30 days
	caseLookbackOut     = "lookback-out"      // before the deal was created, earlier than that
	caseGraceIn         = "grace-in"          // after the deal was lost, within 14 days
	caseGraceOut        = "grace-out"         // after the deal was lost, later than that
	caseCcColleague     = "cc-colleague"      // a colleague in Cc: one activity, two sightings
	caseDealMail        = "deal-mail"         // plain mail about an account's one live deal
	caseInternal        = "internal"          // nobody outside the team
	caseNewsletter      = "newsletter"        // from an ignored domain or a customer's ignored subdomain
	caseIgnoredAddress  = "ignored-address"   // a customer's robot, ignored by address
	caseUnknownCompany  = "unknown-company"   // vendors, recruiters, prospects without a deal
)

// teamDomain is the team's own domain; teamList an address there that
// every member receives.
const (
	teamDomain = "ourco.example"
	teamList   = "sales@ourco.example"
)

type person struct{ name, email string }

func (p person) String() string { return (&mail.Address{Name: p.name, Address: p.email}).String() }

// user is the mailbox (and Dovecot user) of a team member.
func (p person) user() string { u, _, _ := strings.Cut(p.email, "@"); return u }

func (p person) internal() bool { return strings.HasSuffix(p.email, "@"+teamDomain) }

var (
	alice = person{"Alice Archer", "alice@ourco.example"}
	bob   = person{"Bob Brandt", "bob@ourco.example"}
	carol = person{"Carol Chen", "carol@ourco.example"}
	dave  = person{"Dave Dunn", "dave@ourco.example"}
	lena  = person{"Lena Lindqvist", "lena@ourco.example"} // the leader; owns no deal
	team  = []person{alice, bob, carol, dave, lena}
)

// dealRow is a deal as the CRM exports it. Late deals are imported only
// after the first sync.
type dealRow struct {
	id, name, account, domains, contacts string
	owner                                person
	stage, status, created, closed       string
	late                                 bool
}

// teamDeals is the CRM: 13 deals of 10 accounts over 2025.
var teamDeals = []dealRow{
	{"D-101", "Acme Platform", "Acme Corp", "acme.example", "", alice, "proposal", "open", "2025-02-10", "", false},
	{"D-102", "Acme Support Contract", "Acme Corp", "acme.example", "", bob, "negotiation", "open", "2025-03-03", "", false},
	{"D-103", "Globex Pilot", "Globex", "globex.example", "", carol, "pilot", "open", "2025-03-10", "", false},
	{"D-104", "Globex Expansion", "Globex", "globex.example", "", carol, "discovery", "open", "2025-07-01", "", true},
	{"D-105", "Initech Rollout", "Initech", "initech.example", "", dave, "closed", "won", "2025-01-15", "2025-07-18", false},
	{"D-106", "Initech Phase 2", "Initech", "initech.example", "", dave, "discovery", "open", "2025-10-06", "", true},
	{"D-107", "Hooli Analytics", "Hooli", "hooli.example", "", bob, "closed", "lost", "2025-02-03", "2025-08-15", false},
	{"D-108", "Umbrella Security Audit", "Umbrella", "umbrella.example", "", carol, "proposal", "open", "2025-05-12", "", true},
	{"D-109", "Harbour Foods Logistics", "Harbour Foods", "harbourfoods.co.uk", "", alice, "closed", "won", "2025-03-03", "2025-10-01", false},
	{"D-110", "Stark Advisory", "Stark Consulting", "stark.example", "tony.stark.consult@gmail.com", dave, "negotiation", "open", "2025-04-07", "", false},
	{"D-111", "Wayne Licence", "Wayne Enterprises", "wayne.example", "", bob, "closed", "won", "2025-04-14", "2025-09-26", false},
	{"D-112", "Soylent Renewal", "Soylent Foods", "soylent.example", "", alice, "closed", "won", "2025-01-06", "2025-05-30", false},
	{"D-113", "Vandelay Import Tool", "Vandelay Industries", "vandelay.example", "", dave, "closed", "lost", "2025-06-02", "2025-11-14", true},
}

// The people outside the team.
var (
	acmeTech    = []person{{"Maria Chen", "maria.chen@acme.example"}, {"Tom Reyes", "tom.reyes@acme.example"}}
	acmeSupport = []person{{"Linda Park", "linda.park@acme.example"}, {"Omar Haddad", "omar.haddad@acme.example"}}
	acmeCFO     = person{"Grace Liu", "grace.liu@acme.example"}
	acmePortal  = person{"Acme Supplier Portal", "no-reply@acme.example"}
	globex      = []person{{"Hank Scorpio", "hank@globex.example"}, {"Mindy Simmons", "mindy.simmons@globex.example"}}
	initech     = []person{{"Peter Gibbons", "peter.gibbons@mail.initech.example"}, {"Joanna Park", "joanna.park@mail.initech.example"}}
	hooli       = []person{{"Gavin Belson", "gavin@hooli.example"}, {"Denise Wong", "denise.wong@hooli.example"}}
	umbrella    = []person{{"Alicia Marcus", "alicia.marcus@umbrella.example"}, {"Raj Iyer", "raj.iyer@umbrella.example"}}
	harbour     = []person{{"Oliver Hughes", "oliver.hughes@harbourfoods.co.uk"}, {"Amelia Clarke", "amelia.clarke@orders.harbourfoods.co.uk"}}
	thornbury   = []person{{"George Hale", "george.hale@thornbury.co.uk"}, {"Emma Price", "emma.price@thornbury.co.uk"}}
	tonyGmail   = person{"Tony Stark", "tony.stark.consult@gmail.com"}
	pepper      = person{"Pepper Potts", "pepper.potts@stark.example"}
	strangers   = []person{{"Jamie Rivera", "jamie.rivera1990@gmail.com"}, {"Kenji Tanaka", "k.tanaka@outlook.com"},
		{"Sam Okafor", "sam.builds.things@gmail.com"}}
	wayne    = []person{{"Lucius Fox", "lucius.fox@wayne.example"}, {"Bruce Wayne", "bruce@wayne.example"}}
	counsel  = person{"Rachel Dawes", "rdawes@dawes-legal.example"}
	soylent  = []person{{"Helen Thorn", "helen.thorn@soylent.example"}, {"Frank Sobotka", "frank.s@soylent.example"}}
	vandelay = []person{{"Art Vandelay", "art@vandelay.example"}}
	unknowns = []person{{"Priya Nair", "priya@brightleads.example"}, {"Cloudvendor Sales", "sales@cloudvendor.example"},
		{"Ken Adams", "ken.adams@talentbridge.example"}, {"Rosa Diaz", "rosa.diaz@prospect-one.example"}, {"Henrik Olsen", "h.olsen@nordlys.example"}}
	hooliMarketing = person{"Hooli Insider", "insider@marketing.hooli.example"}
	newsDigest     = person{"Sales Weekly", "digest@news.example"}
	newsEvents     = person{"Sales Weekly Events", "events@mailer.news.example"}
)

// answer is what the matcher must do with a message.
type answer struct {
	want       string   // a deal ID, wantReview, wantNone or wantInternal
	candidates []string // the deals of a review, in no particular order
}

// The answers of the story.
var (
	noDeal    = answer{want: wantNone}
	notStored = answer{want: wantInternal}
)

func onDeal(id string) answer            { return answer{want: id} }
func inReview(ids ...string) answer      { return answer{want: wantReview, candidates: ids} }
func on(m time.Month, d int) time.Time   { return time.Date(2025, m, d, 0, 0, 0, 0, time.UTC) }
func (m *message) isReply() bool         { return m.inReplyTo != "" }
func (m *message) everyone() []person    { return append(append([]person{m.from}, m.to...), m.cc...) }
func others(ps []person, i int) []person { return append(slices.Clone(ps[:i]), ps[i+1:]...) }

func (a answer) String() string {
	if a.want == wantReview {
		return fmt.Sprintf("review %v", a.candidates)
	}
	return a.want
}

// copyOf is a folder of a member's mailbox holding a message.
type copyOf struct{ user, folder string }

// message is one generated email with its answer.
type message struct {
	id, story, account string // account: the customer the story is about, if any
	from               person
	to, cc             []person
	date               time.Time
	subject, body      string
	inReplyTo          string
	references         []string
	answer
	copies []copyOf
}

// teamHistory is the generated year.
type teamHistory struct {
	rng      *rand.Rand
	messages []*message
	byID     map[string]*message
	topics   map[string][]string // per subject title, the topics not yet used
	used     map[string]int      // per subject title, the subjects made
}

// newTeamHistory tells the story of the team's 2025, case by case.
func newTeamHistory(seed uint64) *teamHistory {
	h := &teamHistory{rng: rand.New(rand.NewPCG(seed, seed^0x5eed)), byID: map[string]*message{},
		topics: map[string][]string{}, used: map[string]int{}}
	h.acmeBuysFromTwoReps()
	h.acmeCFOWritesToBothReps()
	h.acmePortalIsIgnored()
	h.globexPilotThenExpansionWithCarol()
	h.initechWritesFromASubdomain()
	h.initechPhaseTwoEnteredLate()
	h.harbourFoodsUnderCoUK()
	h.thornburyIsNotACustomer()
	h.starkUsesGmail()
	h.freeMailStrangersWrite()
	h.wayneCounselJoinsTheThread()
	h.umbrellaTalksBeforeTheDeal()
	h.hooliAfterTheLoss()
	h.soylentWithCarolInCc()
	h.vandelayEnteredLate()
	h.coldMail()
	h.newsletters()
	h.teamTalk() // last: it forwards customer mail
	return h
}

// Acme buys a platform from Alice and support from Bob; both deals stay
// open all year, and whoever is on the thread owns the deal it is about.
func (h *teamHistory) acmeBuysFromTwoReps() {
	for range 9 {
		h.converse(conversation{story: caseOwnerDecides, account: "Acme Corp", title: "Acme Platform", rep: alice, outside: h.some(acmeTech),
			colleagues: h.maybe(0.3, lena), from: on(3, 10), until: on(12, 15), answer: onDeal("D-101")})
		h.converse(conversation{story: caseOwnerDecides, account: "Acme Corp", title: "Acme support", rep: bob, outside: h.some(acmeSupport),
			from: on(3, 10), until: on(12, 15), answer: onDeal("D-102")})
	}
}

// Acme's CFO asks both reps at once: both owners are on it, so a person decides.
func (h *teamHistory) acmeCFOWritesToBothReps() {
	for range 2 {
		h.converse(conversation{story: caseBothOwners, account: "Acme Corp", title: "Acme budget", rep: alice, colleagues: []person{bob},
			outside: []person{acmeCFO}, length: 3, from: on(9, 1), until: on(10, 31), answer: inReview("D-101", "D-102")})
	}
}

// Acme's supplier portal mails purchase-order updates; config ignores it.
func (h *teamHistory) acmePortalIsIgnored() {
	for month := time.March; month <= time.December; month++ {
		rep := []person{alice, bob}[h.rng.IntN(2)]
		h.add(&message{story: caseIgnoredAddress, from: acmePortal, to: []person{rep}, date: h.at(on(month, 3), 20),
			subject: fmt.Sprintf("Purchase order PO-%d updated", 4400+int(month)), answer: noDeal}, nil)
	}
}

// Carol runs a Globex pilot; in July Globex opens an expansion, also hers.
// Until then Globex mail is the pilot's; after, nobody can tell which.
func (h *teamHistory) globexPilotThenExpansionWithCarol() {
	for range 7 {
		h.converse(conversation{story: caseOneLiveDeal, account: "Globex", rep: carol, outside: h.some(globex),
			from: on(3, 15), until: on(5, 20), answer: onDeal("D-103")})
	}
	for range 9 {
		h.converse(conversation{story: caseSameOwner, account: "Globex", rep: carol, outside: h.some(globex),
			colleagues: h.maybe(0.2, lena), from: on(6, 10), until: on(12, 15), answer: inReview("D-103", "D-104")})
	}
}

// Initech's people write from mail.initech.example.
func (h *teamHistory) initechWritesFromASubdomain() {
	for range 9 {
		h.converse(conversation{story: caseSubdomain, account: "Initech", rep: dave, outside: h.some(initech),
			from: on(1, 20), until: on(7, 14), answer: onDeal("D-105")})
	}
}

// Initech's second phase reaches the CRM after the first sync.
func (h *teamHistory) initechPhaseTwoEnteredLate() {
	for range 4 {
		h.converse(conversation{story: caseLateDeal, account: "Initech", rep: dave, outside: h.some(initech),
			from: on(10, 10), until: on(12, 15), answer: onDeal("D-106")})
	}
}

// Harbour Foods is at harbourfoods.co.uk, its orders desk at a subdomain.
func (h *teamHistory) harbourFoodsUnderCoUK() {
	for range 9 {
		h.converse(conversation{story: casePublicSuffix, account: "Harbour Foods", rep: alice, outside: h.some(harbour),
			from: on(3, 8), until: on(9, 26), answer: onDeal("D-109")})
	}
}

// Thornbury, also under .co.uk, pitches a partnership: not a customer.
func (h *teamHistory) thornburyIsNotACustomer() {
	for range 4 {
		rep := []person{alice, dave}[h.rng.IntN(2)]
		h.converse(conversation{story: caseSuffixStranger, title: "Partnership", rep: rep, outside: h.some(thornbury), length: 2 + h.rng.IntN(3),
			from: on(4, 1), until: on(11, 30), answer: noDeal})
	}
}

// Stark's founder writes from gmail (listed on the deal), his COO from stark.example.
func (h *teamHistory) starkUsesGmail() {
	for range 6 {
		h.converse(conversation{story: caseFreeMailContact, account: "Stark Consulting", rep: dave, outside: []person{tonyGmail},
			from: on(4, 12), until: on(12, 15), answer: onDeal("D-110")})
	}
	for range 3 {
		h.converse(conversation{story: caseDealMail, account: "Stark Consulting", rep: dave, outside: []person{pepper},
			from: on(4, 12), until: on(12, 15), answer: onDeal("D-110")})
	}
}

// People nobody listed write from gmail and outlook, some of them to Dave.
func (h *teamHistory) freeMailStrangersWrite() {
	for i := range 9 {
		rep := []person{dave, alice, bob}[i%3]
		h.converse(conversation{story: caseFreeMailStrange, title: "Question", rep: rep, outside: []person{strangers[i%len(strangers)]},
			length: 1 + h.rng.IntN(2), inboundFirst: true, from: on(2, 1), until: on(12, 15), answer: noDeal})
	}
}

// Wayne buys a licence from Bob; its counsel brings in outside counsel at
// an unknown firm, who then writes with Bob alone: still the deal's thread.
func (h *teamHistory) wayneCounselJoinsTheThread() {
	for range 6 {
		h.converse(conversation{story: caseDealMail, account: "Wayne Enterprises", rep: bob, outside: h.some(wayne),
			from: on(4, 16), until: on(9, 22), answer: onDeal("D-111")})
	}
	lucius := wayne[0]
	for _, start := range []time.Time{on(6, 2), on(7, 21)} {
		steps := []struct {
			from   person
			to, cc []person
		}{
			{bob, []person{lucius}, nil},
			{lucius, []person{bob}, []person{counsel}},
			{counsel, []person{bob}, []person{lucius}},
			{bob, []person{counsel}, []person{lucius}},
			{counsel, []person{bob}, nil}, // from here only counsel is outside
			{bob, []person{counsel}, nil},
			{counsel, []person{bob}, nil},
			{lucius, []person{bob}, []person{counsel}},
		}
		subject := h.subject("Wayne licence")
		var parent *message
		for i, at := range h.dates(start, start.AddDate(0, 0, 24), len(steps)) {
			s := steps[i]
			m := &message{story: caseThirdParty, account: "Wayne Enterprises", from: s.from, to: s.to, cc: s.cc, date: at,
				subject: subject, answer: onDeal("D-111")}
			h.add(m, parent)
			parent = m
		}
	}
}

// Umbrella talks to Carol from February; the deal is created on 12 May.
// Mail from 12 April on is within the 30-day look-back, earlier mail not.
func (h *teamHistory) umbrellaTalksBeforeTheDeal() {
	for i := range 3 {
		from := on(2, 3)
		if i == 0 {
			from = on(3, 28) // just before the look-back
		}
		h.converse(conversation{story: caseLookbackOut, account: "Umbrella", rep: carol, outside: h.some(umbrella),
			length: 2 + h.rng.IntN(3), from: from, until: on(4, 9), answer: noDeal})
	}
	for range 5 {
		h.converse(conversation{story: caseLookbackIn, account: "Umbrella", rep: carol, outside: h.some(umbrella),
			length: 2 + h.rng.IntN(3), from: on(4, 16), until: on(5, 9), answer: onDeal("D-108")})
	}
	for range 7 {
		h.converse(conversation{story: caseDealMail, account: "Umbrella", rep: carol, outside: h.some(umbrella),
			from: on(5, 15), until: on(12, 15), answer: onDeal("D-108")})
	}
}

// Bob loses Hooli on 15 August; Hooli keeps writing for a while.
func (h *teamHistory) hooliAfterTheLoss() {
	for range 9 {
		h.converse(conversation{story: caseDealMail, account: "Hooli", rep: bob, outside: h.some(hooli),
			colleagues: h.maybe(0.25, lena), from: on(2, 10), until: on(8, 12), answer: onDeal("D-107")})
	}
	for range 3 {
		h.converse(conversation{story: caseGraceIn, account: "Hooli", rep: bob, outside: h.some(hooli),
			length: 2 + h.rng.IntN(2), from: on(8, 17), until: on(8, 26), answer: onDeal("D-107")})
	}
	for i := range 4 {
		until := on(11, 28)
		if i == 0 {
			until = on(9, 10) // just past the grace
		}
		h.converse(conversation{story: caseGraceOut, account: "Hooli", rep: bob, outside: h.some(hooli),
			length: 2 + h.rng.IntN(3), from: on(9, 1), until: until, answer: noDeal})
	}
}

// Alice keeps Carol in Cc on the Soylent renewal.
func (h *teamHistory) soylentWithCarolInCc() {
	for range 8 {
		h.converse(conversation{story: caseCcColleague, account: "Soylent Foods", rep: alice, outside: h.some(soylent),
			colleagues: []person{carol}, from: on(1, 10), until: on(5, 26), answer: onDeal("D-112")})
	}
}

// Vandelay's deal reaches the CRM after the first sync, lost in November.
func (h *teamHistory) vandelayEnteredLate() {
	for range 7 {
		h.converse(conversation{story: caseLateDeal, account: "Vandelay Industries", rep: dave, outside: vandelay,
			from: on(6, 5), until: on(11, 10), answer: onDeal("D-113")})
	}
}

// Vendors, recruiters and prospects nobody has a deal with.
func (h *teamHistory) coldMail() {
	for i := range 12 {
		h.converse(conversation{story: caseUnknownCompany, title: "Introduction", rep: team[i%4], outside: []person{unknowns[i%len(unknowns)]},
			length: 1 + h.rng.IntN(3), from: on(1, 5), until: on(12, 20), answer: noDeal})
	}
}

// A newsletter every other week to the team list, from an ignored domain;
// and Hooli's marketing, from a subdomain the config ignores (Hooli's
// other mail still counts).
func (h *teamHistory) newsletters() {
	for month := time.February; month <= time.July; month++ {
		h.add(&message{story: caseNewsletter, from: hooliMarketing, to: []person{bob}, date: h.at(on(month, 10), 5),
			subject: fmt.Sprintf("Hooli Insider: %s product news", month), answer: noDeal}, nil)
	}
	for week := 0; week < 52; week += 2 {
		from := newsDigest
		if week%8 == 6 {
			from = newsEvents
		}
		h.add(&message{story: caseNewsletter, from: from, to: []person{{"OurCo Sales", teamList}},
			date: on(1, 7).AddDate(0, 0, 7*week).Add(6 * time.Hour), subject: fmt.Sprintf("Sales Weekly #%d", 100+week),
			answer: noDeal}, nil)
	}
}

// The team talks among itself: pipeline reviews, and forwards of customer mail.
func (h *teamHistory) teamTalk() {
	reps := team[:4]
	for week := 1; week < 52; week += 2 {
		review := &message{story: caseInternal, from: lena, to: reps, date: on(1, 6).AddDate(0, 0, 7*week).Add(8 * time.Hour),
			subject: fmt.Sprintf("Pipeline review, week %d", week), answer: notStored}
		h.add(review, nil)
		for _, rep := range h.some(reps) {
			h.add(&message{story: caseInternal, from: rep, to: []person{lena}, cc: others(reps, slices.Index(reps, rep)),
				date: review.date.Add(time.Duration(30+h.rng.IntN(24*60)) * time.Minute), answer: review.answer}, review)
		}
	}
	external := slices.DeleteFunc(slices.Clone(h.messages), func(m *message) bool { return m.want == wantInternal })
	for range 20 {
		orig := external[h.rng.IntN(len(external))]
		who := orig.copies[0].user
		from := team[slices.IndexFunc(team, func(p person) bool { return p.user() == who })]
		to := others(team, slices.Index(team, from))[h.rng.IntN(4)]
		h.add(&message{story: caseInternal, from: from, to: []person{to}, date: orig.date.Add(time.Duration(1+h.rng.IntN(5)) * time.Hour),
			subject: "Fwd: " + orig.subject, references: []string{orig.id}, answer: notStored,
			body: fmt.Sprintf("FYI, see below.\n\n---------- Forwarded message ---------\nFrom: %s\nSubject: %s\n\n%s",
				orig.from, orig.subject, orig.body)}, nil)
	}
}

// conversation is a thread between a rep (with colleagues in Cc) and
// people outside, alternating sides, every message with the same answer.
type conversation struct {
	story, account string
	title          string // of the subjects; the account's name when empty
	rep            person
	colleagues     []person // team members in Cc throughout
	outside        []person
	length         int // messages; 0 picks 3 to 7
	inboundFirst   bool
	from, until    time.Time
	answer
}

func (h *teamHistory) converse(c conversation) {
	n := c.length
	if n == 0 {
		n = 3 + h.rng.IntN(5)
	}
	title := c.title
	if title == "" {
		title = c.account
	}
	subject := h.subject(title)
	outbound := !c.inboundFirst && h.rng.IntN(2) == 0
	var parent *message
	for _, at := range h.dates(c.from, c.until, n) {
		m := &message{story: c.story, account: c.account, date: at, subject: subject, answer: c.answer}
		if outbound {
			m.from, m.to, m.cc = c.rep, c.outside[:1], append(slices.Clone(c.outside[1:]), c.colleagues...)
		} else {
			w := h.rng.IntN(len(c.outside))
			m.from, m.to, m.cc = c.outside[w], []person{c.rep}, append(others(c.outside, w), c.colleagues...)
		}
		h.add(m, parent)
		parent = m
		if h.rng.IntN(5) > 0 { // now and then the same side follows up
			outbound = !outbound
		}
	}
}

// add completes m (a reply to parent, when not nil) and records it.
func (h *teamHistory) add(m *message, parent *message) {
	host := m.from.email[strings.IndexByte(m.from.email, '@')+1:]
	m.id = fmt.Sprintf("%08x.%04d@%s", h.rng.Uint32(), len(h.messages), host)
	if parent != nil {
		m.subject = "Re: " + strings.TrimPrefix(parent.subject, "Re: ")
		m.inReplyTo = parent.id
		m.references = append(slices.Clone(parent.references), parent.id)
	}
	if m.body == "" {
		m.body = h.body(m)
	}
	m.copies = copiesOf(m)
	h.messages = append(h.messages, m)
	h.byID[m.id] = m
}

// copiesOf lists where the team holds m: the sender's Sent and every
// receiving member's INBOX (all of them for the team list).
func copiesOf(m *message) []copyOf {
	var out []copyOf
	put := func(c copyOf) {
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	if m.from.internal() {
		put(copyOf{m.from.user(), "Sent"})
	}
	for _, p := range append(slices.Clone(m.to), m.cc...) {
		switch {
		case p.email == teamList:
			for _, member := range team {
				put(copyOf{member.user(), "INBOX"})
			}
		case p.internal() && p != m.from:
			put(copyOf{p.user(), "INBOX"})
		}
	}
	return out
}

var topics = []string{"pricing", "security questionnaire", "pilot scope", "implementation plan", "contract redlines",
	"SSO integration", "data migration", "reference call", "renewal terms", "onboarding schedule", "invoice question",
	"kickoff agenda", "SLA details", "procurement forms", "technical deep dive", "roadmap briefing", "user training",
	"budget approval", "quarterly review", "volume discount", "proof of concept results", "API limits",
	"support escalation", "reporting needs"}

// subject is a fresh subject under title: no two threads share one.
func (h *teamHistory) subject(title string) string {
	if len(h.topics[title]) == 0 {
		h.topics[title] = slices.Clone(topics)
		h.rng.Shuffle(len(topics), func(i, j int) { h.topics[title][i], h.topics[title][j] = h.topics[title][j], h.topics[title][i] })
	}
	t := h.topics[title][0]
	h.topics[title] = h.topics[title][1:]
	h.used[title]++
	if round := h.used[title] / len(topics); round > 0 {
		t += fmt.Sprintf(" (%d)", round+1)
	}
	return title + ": " + t
}

func (h *teamHistory) body(m *message) string {
	first := func(ps []person) string { return strings.Fields(ps[0].name)[0] }
	openers := []string{"Thanks for the quick turnaround.", "Following up on our call.", "As promised, a few notes.",
		"Quick question before Friday.", "Sorry for the delay on this one.", "Picking this up again."}
	asks := []string{"Could you send the latest version?", "Does Tuesday work for a call?", "Let me know if anything is missing.",
		"I have looped in the right people.", "We will review internally and come back.", "Attached is the updated draft."}
	return fmt.Sprintf("Hi %s,\n\n%s %s\n\nBest,\n%s\n", first(m.to), openers[h.rng.IntN(len(openers))],
		asks[h.rng.IntN(len(asks))], strings.Fields(m.from.name)[0])
}

// some picks one or two of ps, the first always among them.
func (h *teamHistory) some(ps []person) []person {
	out := []person{ps[h.rng.IntN(len(ps))]}
	if len(ps) > 1 && h.rng.IntN(3) == 0 {
		out = append(out, others(ps, slices.Index(ps, out[0]))[0])
	}
	return out
}

// maybe returns p with probability prob.
func (h *teamHistory) maybe(prob float64, p person) []person {
	if h.rng.Float64() < prob {
		return []person{p}
	}
	return nil
}

// at is a time of day on the day of t, up to days later.
func (h *teamHistory) at(t time.Time, days int) time.Time {
	return t.Truncate(24*time.Hour).AddDate(0, 0, h.rng.IntN(days+1)).Add(time.Duration(7*60+h.rng.IntN(11*60)) * time.Minute)
}

// dates returns n increasing times within [from, until], 1 to 48 hours
// apart, starting anywhere that leaves room for them.
func (h *teamHistory) dates(from, until time.Time, n int) []time.Time {
	need := time.Duration(n) * 48 * time.Hour
	room := until.Sub(from) - need
	if room < 0 {
		panic(fmt.Sprintf("no room for %d messages between %s and %s", n, from, until))
	}
	t := from.Add(time.Duration(h.rng.Int64N(int64(room) + 1))).Truncate(time.Minute)
	out := make([]time.Time, n)
	for i := range out {
		t = t.Add(time.Duration(60+h.rng.IntN(47*60)) * time.Minute)
		out[i] = t
	}
	return out
}

// raw renders m as RFC 5322 text, dated in the sender's time zone.
func (m *message) raw() []byte {
	zone := time.FixedZone("", -5*3600)
	switch {
	case m.from.internal():
		zone = time.FixedZone("", 3600)
	case strings.HasSuffix(m.from.email, ".uk"):
		zone = time.UTC
	}
	list := func(ps []person) string {
		s := make([]string, len(ps))
		for i, p := range ps {
			s[i] = p.String()
		}
		return strings.Join(s, ", ")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Date: %s\r\nFrom: %s\r\nTo: %s\r\n", m.date.In(zone).Format(time.RFC1123Z), m.from, list(m.to))
	if len(m.cc) > 0 {
		fmt.Fprintf(&b, "Cc: %s\r\n", list(m.cc))
	}
	fmt.Fprintf(&b, "Subject: %s\r\nMessage-ID: <%s>\r\n", m.subject, m.id)
	if m.inReplyTo != "" {
		fmt.Fprintf(&b, "In-Reply-To: <%s>\r\n", m.inReplyTo)
	}
	if len(m.references) > 0 {
		fmt.Fprintf(&b, "References: <%s>\r\n", strings.Join(m.references, ">\r\n <"))
	}
	if m.story == caseNewsletter {
		b.WriteString("List-Unsubscribe: <mailto:unsubscribe@news.example>\r\nPrecedence: bulk\r\n")
	}
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	b.WriteString(strings.ReplaceAll(m.body, "\n", "\r\n"))
	return []byte(b.String())
}

// dealsCSV is the CRM export: the deals known before the first sync, or
// all of them.
func dealsCSV(all bool) string {
	var b strings.Builder
	b.WriteString("id,name,account,domains,contacts,owner,stage,status,amount,created,closed\n")
	for i, d := range teamDeals {
		if d.late && !all {
			continue
		}
		fmt.Fprintf(&b, "%s,%s,%s,%s,%s,%s,%s,%s,%d,%s,%s\n", d.id, d.name, d.account, d.domains, d.contacts,
			d.owner.email, d.stage, d.status, 5000*(i+2), d.created, d.closed)
	}
	return b.String()
}
