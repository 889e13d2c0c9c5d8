package demo

import "github.com/dealtrail/dealtrail/internal/model"

// customer is an account of the story with the UTC offset its people
// write from, in hours.
type customer struct {
	Account
	zone int
}

// customers are the team's accounts. Contacts are referred to by index in
// the plans below.
var customers = []customer{
	{Account{"Acme Robotics", []string{"acme-robotics.example"}, []Contact{
		{"Dana Ortiz", "dana.ortiz@acme-robotics.example", "VP Operations"},
		{"Sam Patel", "sam.patel@acme-robotics.example", "IT Lead"},
	}}, -5},
	{Account{"Globex Logistics", []string{"globex.example"}, []Contact{
		// Writes from a subdomain: globex.example is the registrable domain.
		{"Hanna Vogel", "h.vogel@eu.globex.example", "Head of Procurement"},
		{"Pierre Lefèvre", "p.lefevre@eu.globex.example", "Transport Director"},
	}}, 1},
	{Account{"Initech", []string{"initech.example"}, []Contact{
		{"Peter Gibbons", "peter.gibbons@initech.example", "Director of Engineering"},
		{"Joanna Park", "joanna.park@initech.example", "Procurement Manager"},
	}}, -6},
	{Account{"Northwind Traders", []string{"northwind.example"}, []Contact{
		{"Nancy Davolio", "nancy.davolio@northwind.example", "Warehouse Operations Manager"},
		{"Andrew Fuller", "andrew.fuller@northwind.example", "VP International"},
		{"Janet Leverling", "janet.leverling@northwind.example", "CFO"},
	}}, -8},
	{Account{"Umbrella Health", []string{"umbrella-health.example"}, []Contact{
		{"Alicia Marcus", "alicia.marcus@umbrella-health.example", "COO"},
		{"Raj Iyer", "raj.iyer@umbrella-health.example", "CISO"},
	}}, -5},
	{Account{"Baker & Sons", []string{"bakerandsons.example"}, []Contact{
		// The owner runs the business from a free-mail address.
		{"Ruth Baker", "ruth.baker.bakes@gmail.com", "Owner"},
	}}, 0},
	{Account{"Stark Fabrication", []string{"starkfab.example"}, []Contact{
		{"Miguel Santos", "miguel.santos@starkfab.example", "Plant Manager"},
		{"Olivia Hart", "olivia.hart@starkfab.example", "Finance Director"},
	}}, -5},
	{Account{"Wayne Mobility", []string{"waynemobility.example"}, []Contact{
		{"Grace Kim", "grace.kim@waynemobility.example", "Head of Fleet"},
	}}, -5},
	{Account{"Hooli Cloud", []string{"hooli.example", "hooli-mail.example"}, []Contact{
		{"Gavin Bell", "gavin.bell@hooli.example", "SVP Platform"},
		{"Denise Wong", "denise.wong@hooli-mail.example", "Vendor Manager"},
	}}, -8},
	{Account{"Vandelay Imports", []string{"vandelay.example"}, []Contact{
		{"Art Vandelay", "art@vandelay.example", "Managing Director"},
	}}, -5},
	{Account{"Cyberdyne Systems", []string{"cyberdyne.example"}, []Contact{
		{"Miles Dyson", "miles.dyson@cyberdyne.example", "CTO"},
		{"Sarah Connor", "s.connor@cyberdyne.example", "Security Architect"},
	}}, -8},
	{Account{"Soylent Foods", []string{"soylent.example"}, []Contact{
		{"Helen Thorn", "helen.thorn@soylent.example", "Supply Chain Lead"},
	}}, -6},
	{Account{"Tyrell Biotech", []string{"tyrell.example"}, []Contact{
		{"Zoë Ångström", "zoe.angstrom@tyrell.example", "Head of Lab Operations"},
		{"Eldon Reyes", "eldon.reyes@tyrell.example", "Procurement"},
	}}, 1},
	{Account{"Oscorp Materials", []string{"oscorp.example"}, []Contact{
		{"Norman Osei", "norman.osei@oscorp.example", "VP Manufacturing"},
	}}, -5},
	{Account{"Massive Dynamic", []string{"massivedynamic.example"}, []Contact{
		{"Nina Sharp", "nina.sharp@massivedynamic.example", "Chief of Staff"},
		{"William Bell", "william.bell@massivedynamic.example", "Research Director"},
	}}, -5},
}

// outsiders write to the team without being any account's people.
var (
	lawyer    = Contact{"Martin Keller", "m.keller@keller-partners.example", "Partner"}
	organizer = Contact{"Events Team", "events@saasconf.example", "SaaSConf 2025"}
)

// plan is how one deal's story goes.
type plan struct {
	id, name string
	account  int // index into customers
	owner    string
	status   model.DealStatus
	stage    string
	amount   float64
	// contacts are indices into the account's contacts; the first is
	// the one the rep writes to.
	contacts []int
	// first is how many days before now the story starts; last is when
	// the deal closed (won, lost) or its latest mail (open).
	first, last int
	// lag is how many days after the first email the deal was created in
	// the CRM.
	lag int
	// story lists the stages, in order (see stages).
	story []string
	// cc is a colleague copied when the rep sends the proposal.
	cc string
}

// plans are the deals: five won, four lost, seven open (one gone dark, two
// at the same company).
var plans = []plan{
	{"D-101", "Acme Robotics – Fleet analytics", 0, "alice", model.DealWon, "Closed won", 48000, []int{0, 1},
		340, 200, 9, []string{"intro", "discovery", "demo", "proposal", "security", "contract", "won", "onboarding"}, "lena"},
	{"D-102", "Globex Logistics – Route planning", 1, "bob", model.DealLost, "Closed lost", 65000, []int{0, 1},
		320, 230, 5, []string{"intro", "discovery", "demo", "proposal", "lost-vendor"}, ""},
	{"D-103", "Initech – Platform license", 2, "carol", model.DealOpen, "Contract sent", 120000, []int{0, 1},
		350, 8, 14, []string{"inbound", "discovery", "demo", "proposal", "security", "negotiation", "dark"}, "lena"},
	{"D-104", "Northwind – Warehouse rollout", 3, "alice", model.DealOpen, "Demo", 54000, []int{0, 2},
		120, 3, 6, []string{"intro", "discovery", "demo", "both-deals"}, "bob"},
	{"D-105", "Northwind – EU expansion", 3, "bob", model.DealOpen, "Discovery", 80000, []int{1, 2},
		75, 2, 3, []string{"inbound", "discovery", "proposal"}, "alice"},
	{"D-106", "Umbrella Health – Clinic scheduling", 4, "carol", model.DealWon, "Closed won", 92000, []int{0, 1},
		300, 110, 10, []string{"intro", "discovery", "demo", "proposal", "security", "contract", "legal", "won", "onboarding"}, "lena"},
	{"D-107", "Baker & Sons – Starter plan", 5, "bob", model.DealOpen, "Proposal", 6000, []int{0},
		45, 4, 2, []string{"inbound", "proposal"}, ""},
	{"D-108", "Stark Fabrication – Shop floor", 6, "alice", model.DealWon, "Closed won", 38000, []int{0, 1},
		260, 150, 7, []string{"intro", "discovery", "demo", "proposal", "contract", "won"}, ""},
	{"D-109", "Wayne Mobility – Fleet pilot", 7, "carol", model.DealLost, "Closed lost", 30000, []int{0},
		230, 170, 4, []string{"intro", "discovery", "proposal", "lost-budget"}, ""},
	{"D-110", "Hooli Cloud – Enterprise", 8, "alice", model.DealOpen, "Negotiation", 150000, []int{0, 1},
		200, 1, 12, []string{"intro", "discovery", "demo", "proposal", "security", "negotiation"}, "lena"},
	{"D-111", "Vandelay Imports – Customs module", 9, "bob", model.DealLost, "Closed lost", 22000, []int{0},
		180, 120, 3, []string{"inbound", "discovery", "proposal", "lost-vendor"}, ""},
	{"D-112", "Cyberdyne Systems – Analytics", 10, "bob", model.DealWon, "Closed won", 110000, []int{0, 1},
		290, 90, 8, []string{"intro", "discovery", "demo", "proposal", "security", "negotiation", "contract", "won", "onboarding"}, "carol"},
	{"D-113", "Soylent Foods – Discovery", 11, "carol", model.DealOpen, "Discovery", 25000, []int{0},
		30, 5, 1, []string{"intro", "discovery"}, ""},
	{"D-114", "Tyrell Biotech – Lab tracking", 12, "carol", model.DealWon, "Closed won", 57000, []int{0, 1},
		210, 40, 6, []string{"inbound", "discovery", "demo", "proposal", "contract", "won", "onboarding"}, ""},
	{"D-115", "Oscorp Materials – Quality suite", 13, "alice", model.DealLost, "Closed lost", 44000, []int{0},
		160, 95, 5, []string{"intro", "discovery", "demo", "proposal", "lost-budget"}, ""},
	{"D-116", "Massive Dynamic – Research ops", 14, "bob", model.DealOpen, "Proposal", 70000, []int{0, 1},
		90, 6, 10, []string{"intro", "discovery", "demo", "proposal"}, "lena"},
}

// Cases of the story, by deal ID.
const (
	goneDarkDeal = "D-103"
	twoDealsA    = "D-104"
	twoDealsB    = "D-105"
	freeMailDeal = "D-107"
	lawyerDeal   = "D-106"
)
