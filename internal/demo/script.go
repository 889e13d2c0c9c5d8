package demo

// actor is a part in a deal's story, resolved per deal.
type actor int

const (
	none    actor = iota
	rep           // the deal's owner
	buyer         // the deal's first contact
	buyer2        // the deal's second contact; the first when there is none
	peer          // the colleague the plan names (plan.cc), if any
	boss          // the team's leader
	counsel       // the outside lawyer
)

// step is one message of a stage.
type step struct {
	from actor
	// to overrides the recipients (default: the previous sender).
	to []actor
	// join adds people to the thread before this message, on Cc.
	join []actor
	// text is the body before the signature; {to}, {me}, {account},
	// {amount}, {peer}, {boss}, {buyer} and {buyer2} are filled in. A
	// [bracketed] part is left out when it names someone the deal lacks
	// (no second contact, no colleague), as is a join of such a person.
	text string
	// file is an attachment name ({slug} is the account's short name).
	file string
	// after is the range, in days, since the previous message of the stage.
	after [2]float64
}

// stage is one conversation of a deal's story.
type stage struct {
	subject string
	// cont continues the previous stage's thread instead of a new one.
	cont bool
	// ambiguous marks mail that is about more than one deal (Deal "").
	ambiguous bool
	steps     []step
}

// stages are the conversations deals are made of, by name.
var stages = map[string]stage{
	"intro": {subject: "OurCo × {account}: quick intro", steps: []step{
		{from: rep, text: "Hi {to},\n\nI look after {account} at OurCo. Teams like yours use us to cut weekly reporting from a day to an hour.\nWould you have 20 minutes next week for a quick intro call?"},
		{from: buyer, after: [2]float64{1, 4}, text: "Hi {to},\n\nThanks for reaching out. The timing is good: we are reviewing our tooling this quarter.\nTuesday at 10:00 works for me."},
		{from: rep, after: [2]float64{0.05, 0.5}, text: "Perfect, the invite for Tuesday 10:00 is on its way. Talk soon!"},
	}},
	"inbound": {subject: "Pricing question", steps: []step{
		{from: buyer, text: "Hello,\n\nA colleague recommended OurCo, and we would like to understand your pricing for our team.\nCould someone walk us through it?"},
		{from: rep, after: [2]float64{0.05, 1}, text: "Hi {to},\n\nThanks for getting in touch! I'm {me} and I look after your region.\nHappy to walk you through pricing: would Thursday afternoon work?"},
		{from: buyer, after: [2]float64{0.2, 2}, text: "Thursday at 2pm works for us."},
	}},
	"discovery": {subject: "Follow-up from our discovery call", steps: []step{
		{from: rep, file: "Discovery-notes-{slug}.pdf", text: "Hi {to},\n\nThanks for your time today. My notes, attached in full: about 300 shipments a week across three sites,\nreporting takes two people a full day each week, and leadership wants one view of it all.\nDid I get that right?"},
		{from: buyer, join: []actor{buyer2}, after: [2]float64{1, 3}, text: "Thanks {to}, that is accurate.[ I'm copying {buyer2}, who will own the technical evaluation.]"},
		{from: buyer2, after: [2]float64{0.5, 3}, text: "Hi {to},\n\nCould you share your API documentation and your SSO options before the demo?"},
		{from: rep, after: [2]float64{0.1, 1}, text: "Of course: the docs are at docs.ourco.example and we support SAML and OpenID Connect.\nLooking forward to the demo."},
	}},
	"demo": {subject: "Demo recording and next steps", steps: []step{
		{from: rep, file: "OurCo-demo-slides.pdf", text: "Hi {to},\n\nThank you and the team for joining the demo. The recording is in the shared folder and the slides are attached.\nNext step, as agreed: a proposal by the end of next week."},
		{from: buyer, after: [2]float64{1, 4}, text: "Great session, the team especially liked the weekly digest. Looking forward to the proposal."},
	}},
	"proposal": {subject: "Proposal for {account}", steps: []step{
		{from: rep, join: []actor{peer}, file: "Proposal-{slug}.pdf", text: "Hi {to},\n\nAs promised, our proposal is attached: {amount} per year, onboarding and premium support included.[\nI've copied {peer} from our side for visibility.]"},
		{from: buyer, after: [2]float64{2, 6}, text: "Thanks {to}. The scope looks right. Is there any flexibility on price for a two-year term?"},
		{from: rep, after: [2]float64{0.1, 1}, text: "There is: a two-year term brings it down by 8%. I can send an updated version if that helps."},
		{from: buyer, after: [2]float64{0.5, 3}, text: "Please do, I'll take it to our budget meeting on Thursday."},
	}},
	"security": {subject: "Vendor security questionnaire", steps: []step{
		{from: buyer2, file: "Vendor-security-questionnaire.xlsx", text: "Hi {to},\n\nBefore we can move forward, our security team needs the attached questionnaire completed."},
		{from: rep, after: [2]float64{2, 5}, file: "OurCo-security-answers.xlsx", text: "Hi {to},\n\nThe completed questionnaire is attached, with a summary of our SOC 2 report."},
		{from: buyer2, after: [2]float64{1, 6}, text: "Thank you, this covers everything we needed."},
	}},
	"negotiation": {subject: "Commercial terms", steps: []step{
		{from: buyer, text: "Hi {to},\n\nWe reviewed the updated proposal internally. We would need payment terms of net 60\nand a cap on the yearly price increase."},
		{from: rep, join: []actor{boss}, after: [2]float64{0.2, 1}, text: "Hi {to},\n\nI've looped in {boss}, who leads our team. Net 60 is fine, and we can cap the increase at 5%."},
		{from: boss, after: [2]float64{0.1, 1}, text: "Hi {to}, good to meet you. Happy to confirm both points on our side."},
		{from: buyer, after: [2]float64{1, 4}, text: "That works for us. Thank you both."},
	}},
	"contract": {subject: "Order form and MSA", steps: []step{
		{from: rep, file: "OurCo-MSA-and-order-form.docx", text: "Hi {to},\n\nPlease find the order form and our master services agreement attached.\nWho should sign on your side?"},
		{from: buyer, after: [2]float64{1, 3}, text: "Thanks, I've passed it on to our legal team."},
	}},
	"legal": {cont: true, steps: []step{
		{from: buyer, join: []actor{counsel}, after: [2]float64{4, 9}, text: "Hi {to},\n\nLooping in Martin Keller, our outside counsel, who has a few comments on the MSA."},
		{from: counsel, after: [2]float64{1, 4}, file: "MSA-redline-KP.docx", text: "Dear {to},\n\nPlease see our redline attached. The main points are the limitation of liability\nand the data processing addendum."},
		{from: rep, after: [2]float64{1, 3}, file: "OurCo-MSA-v2.docx", text: "Thank you, Martin. We accept the DPA changes; on liability we can go to twelve months of fees.\nThe updated draft is attached."},
		{from: counsel, after: [2]float64{1, 5}, text: "That is acceptable. {buyer}, you are clear to sign from our side."},
	}},
	"won": {subject: "Signed order form", steps: []step{
		{from: buyer, file: "Order-form-signed.pdf", text: "Hi {to},\n\nThe signed order form is attached. Looking forward to getting started!"},
		{from: rep, join: []actor{boss}, after: [2]float64{0.05, 0.5}, text: "Fantastic news, thank you {to}! I've copied {boss}.\nI'll introduce you to our onboarding team tomorrow."},
	}},
	"onboarding": {subject: "Welcome to OurCo: onboarding plan", steps: []step{
		{from: rep, file: "Onboarding-plan-{slug}.pdf", text: "Hi {to},\n\nWelcome aboard! The onboarding plan is attached: kickoff next Monday,\ndata connection in week two and training in week three."},
		{from: buyer, after: [2]float64{0.5, 2}, text: "Thanks, the kickoff is in everyone's calendar."},
	}},
	"lost-vendor": {subject: "Our decision", steps: []step{
		{from: buyer, text: "Hi {to},\n\nThank you for all the work over the last months. After a long discussion we decided\nto go with another vendor, mainly because of their existing integration with our ERP."},
		{from: rep, after: [2]float64{0.1, 1}, text: "Thank you for letting me know, {to}. I'm sorry to hear it, but I understand.\nIf anything changes, I'm one email away."},
	}},
	"lost-budget": {subject: "Budget update", steps: []step{
		{from: buyer, text: "Hi {to},\n\nI'm afraid our budget for new tools has been frozen for the rest of the year,\nso we have to stop the evaluation here."},
		{from: rep, after: [2]float64{0.1, 1}, text: "Understood, {to}, and thanks for being upfront. Shall I check back with you next quarter?"},
		{from: buyer, after: [2]float64{1, 3}, text: "Yes, please do."},
	}},
	// The customer asks for the contract, gets it, and never answers
	// again; the rep keeps following up in the same thread.
	"dark": {subject: "Next steps", steps: []step{
		{from: buyer, text: "Hi {to},\n\nWe are ready to move ahead. Could you send over the contract so our legal team can review it?"},
		{from: rep, after: [2]float64{0.1, 1}, file: "OurCo-contract-{slug}.pdf", text: "Hi {to},\n\nGreat to hear! The contract and order form are attached.\nHappy to walk your legal team through it."},
		{from: rep, after: [2]float64{6, 9}, text: "Hi {to}, just checking that the contract reached you. Any questions from legal?"},
		{from: rep, after: [2]float64{7, 10}, text: "Hi {to}, following up on the contract. Is anything holding things up on your side?"},
		{from: rep, after: [2]float64{8, 11}, text: "Hi {to}, I know things get busy. Would a short call with your legal team help?"},
		{from: rep, after: [2]float64{8, 11}, text: "Hi {to}, circling back once more. Should I keep the proposed start date?"},
		{from: rep, after: [2]float64{8, 12}, text: "Hi {to}, I haven't heard back in a while. If priorities have changed, just let me know\nand I'll close the file for now."},
	}},
	// A contact writes to both owners about the company's two live deals.
	"both-deals": {subject: "Budget for both projects", ambiguous: true, steps: []step{
		{from: buyer2, to: []actor{rep, peer}, text: "Hi both,\n\nAs we plan next year's budget, could you each send me a one-page summary\nof where the warehouse rollout and the EU expansion stand?"},
		{from: rep, after: [2]float64{0.2, 1}, text: "Hi {to},\n\nOf course, you'll have both summaries by Friday. {peer} and I will coordinate."},
	}},
}

// Replies the live stream writes, by who writes them.
var (
	liveCustomer = []string{
		"Hi {to},\n\nThanks for the update. Could we set up a call next week to go through the open points?",
		"Hi {to},\n\nQuick question: does the annual price include the sandbox environment?",
		"Hi {to},\n\nI shared your note with the team; we should have feedback by Friday.",
		"Hi {to},\n\nOne more thing: can the weekly digest go to people outside the project team?",
		"Hi {to},\n\nWe're aligned internally. What would the timeline look like if we started next month?",
	}
	liveRep = []string{
		"Hi {to},\n\nThanks! I've sent an invite for Tuesday at 10:00; let me know if another time suits you better.",
		"Hi {to},\n\nYes, the sandbox is included at no extra cost.",
		"Hi {to},\n\nSounds good. I'll have the updated numbers for you tomorrow.",
		"Hi {to},\n\nIt can: any address can subscribe, and access can be revoked at any time.",
		"Hi {to},\n\nStarting next month works: kickoff in week one, first reports live in week three.",
	}
	liveFollowUp = []string{
		"Hi {to}, following up on the contract once more. Happy to answer any question from legal.",
		"Hi {to}, is the contract still with your legal team? Let me know if I can help move it along.",
	}
	liveInternal = []struct{ subject, text string }{
		{"Quick sync?", "Hi {to},\n\nDo you have ten minutes after lunch to go over {account}?"},
		{"Forecast numbers", "Hi {to},\n\nCould you update your commit numbers in the forecast sheet before Friday?"},
		{"Coffee", "Hi {to}, coffee at 3?"},
		{"Demo environment", "Hi {to},\n\nThe demo environment is back up; the {account} data is reloaded."},
	}
)
