package bench

import (
	"container/heap"
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
)

// The mail of a generated world (world_test.go): threads planned up front
// so that their lengths add up exactly, then written in time order, each
// message answering the one before.

// threadKind is what a conversation is about.
type threadKind uint8

const (
	kindAccount     threadKind = iota // people of one account and their reps
	kindCross                         // people of two accounts (review or owner tie-break)
	kindFreeContact                   // a deal's contact writing from free mail
	kindProspect                      // a company not in the CRM
	kindStranger                      // somebody on free mail
	kindNewsletter                    // an ignored sender, one message
	kindReserve                       // a company whose deal comes later
	kindCount
)

// plannedThread is a thread before it starts: its kind and length.
type plannedThread struct {
	kind    threadKind
	length  uint8
	reserve int16
}

// threadLength draws a thread's length: 1 to 10 messages, 2.7 on average.
func (w *world) threadLength() int {
	n := 1
	for n < 10 && w.rng.Float64() < 0.63 {
		n++
	}
	return n
}

// planThreads decides the kind and length of every thread, so that their
// lengths add up to exactly spec.activities. The reserves' threads come
// at a rate that uses up their budgets about two thirds into the span.
func (w *world) planThreads() {
	budget := 0
	for _, r := range w.reserves {
		budget += r.budget
	}
	pReserve := float64(budget) / (0.65 * float64(w.spec.activities))
	left := w.spec.activities
	for left > 0 {
		n := min(w.threadLength(), left)
		t := plannedThread{length: uint8(n)}
		var open []int
		if w.rng.Float64() < pReserve {
			for i, r := range w.reserves {
				if r.budget > 0 {
					open = append(open, i)
				}
			}
		}
		switch x := w.rng.IntN(100); {
		case len(open) > 0:
			t.kind, t.reserve = kindReserve, int16(open[w.rng.IntN(len(open))])
			r := w.reserves[t.reserve]
			n = min(n, r.budget)
			r.budget -= n
			t.length = uint8(n)
		case x < 4:
			t.kind, t.length, n = kindNewsletter, 1, 1
		case x < 12:
			t.kind = kindStranger
		case x < 24:
			t.kind = kindProspect
		case x < 29 && len(w.free) > 0:
			t.kind = kindFreeContact
		case x < 32:
			t.kind = kindCross
		default:
			t.kind = kindAccount
		}
		w.plan = append(w.plan, t)
		w.kinds[t.kind] += n
		left -= n
	}
}

// liveThread is a conversation under way.
type liveThread struct {
	plannedThread
	next     time.Time // when its next message is written
	reps     []int
	outside  []person
	alias    person // a reserve's person on free mail
	subject  string
	keys     []string // the thread's messages so far, oldest first
	inbound  bool     // whether its first message came from outside
	company  string
	maxGap   time.Duration
	messages int
}

// threadHeap orders the threads under way by the time of their next
// message.
type threadHeap []*liveThread

func (h threadHeap) Len() int           { return len(h) }
func (h threadHeap) Less(i, j int) bool { return h[i].next.Before(h[j].next) }
func (h threadHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *threadHeap) Push(x any)        { *h = append(*h, x.(*liveThread)) }
func (h *threadHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	*h = old[:len(old)-1]
	return t
}

// activities yields the mail in time order, each activity with one
// sighting per rep on it (Sent for its sender, INBOX for the others; at
// most three). Threads start evenly over the span; replies follow within
// days, each answering the one before.
func (w *world) activities() iter.Seq[model.Activity] {
	return func(yield func(model.Activity) bool) {
		start := w.spec.end.Add(-w.spec.span)
		step := float64(w.spec.span-7*24*time.Hour) / float64(len(w.plan))
		startAt := func(k int) time.Time {
			return start.Add(time.Duration((float64(k) + w.rng.Float64()) * step)).Truncate(time.Second)
		}
		var live threadHeap
		n, next, nextAt := 0, 0, startAt(0)
		for next < len(w.plan) || live.Len() > 0 {
			var t *liveThread
			if next < len(w.plan) && (live.Len() == 0 || !live[0].next.Before(nextAt)) {
				t = w.startThread(w.plan[next], nextAt)
				next++
				nextAt = startAt(next)
			} else {
				t = heap.Pop(&live).(*liveThread)
			}
			a := w.message(t, n)
			w.hashActivity(a)
			if !yield(a) {
				return
			}
			n++
			if t.messages < int(t.length) {
				gap := time.Duration(w.rng.ExpFloat64() * float64(20*time.Hour))
				t.next = t.next.Add(min(max(gap, 2*time.Minute), t.maxGap)).Truncate(time.Second)
				heap.Push(&live, t)
			}
		}
	}
}

// startThread sets up the people of a planned thread.
func (w *world) startThread(p plannedThread, at time.Time) *liveThread {
	t := &liveThread{plannedThread: p, next: at, inbound: w.rng.IntN(2) == 0, maxGap: 3 * 24 * time.Hour}
	rep := w.rng.IntN(len(w.reps))
	switch p.kind {
	case kindAccount, kindCross:
		a := w.accounts[w.pickAccount()]
		if live := w.live[w.month(at)]; len(live) > 0 && w.rng.IntN(4) > 0 {
			// Mostly about a deal under way, with its owner.
			d := w.deals[live[w.rng.IntN(len(live))]]
			a, rep = w.byName[d.Account], w.indexOfRep(d.Owner)
		} else if w.rng.IntN(5) > 0 {
			rep = w.indexOfRep(w.currentDeal(a, at).Owner)
		}
		t.company = a.name
		t.outside = append(t.outside, a.people[w.rng.IntN(len(a.people))])
		if other := a.people[w.rng.IntN(len(a.people))]; w.rng.IntN(3) == 0 && other != t.outside[0] {
			t.outside = append(t.outside, other)
		}
		if p.kind == kindCross {
			b := w.accounts[w.pickAccount()]
			t.outside = append(t.outside, b.people[w.rng.IntN(len(b.people))])
		} else if w.rng.IntN(10) == 0 {
			// A consultant or a lawyer from a company not in the CRM.
			t.outside = append(t.outside, w.personAt(w.prospects[w.rng.IntN(len(w.prospects))]))
		}
	case kindFreeContact:
		t.outside = []person{w.free[w.rng.IntN(len(w.free))]}
		t.company = "you"
	case kindProspect:
		d := w.prospects[w.rng.IntN(len(w.prospects))]
		t.company = d
		t.outside = []person{w.personAt(d)}
	case kindStranger:
		t.outside = []person{w.stranger(w.rng.IntN(200_000))}
		t.company = "you"
	case kindNewsletter:
		t.outside = []person{{name: "Newsletter", email: newsletterFroms[w.rng.IntN(len(newsletterFroms))]}}
		t.inbound, t.company = true, "the industry"
	case kindReserve:
		r := w.reserves[p.reserve]
		rep, t.company = r.owner, r.deal.Account
		t.outside = []person{r.people[w.rng.IntN(len(r.people))]}
		if other := r.people[w.rng.IntN(len(r.people))]; w.rng.IntN(3) == 0 && other != t.outside[0] {
			t.outside = append(t.outside, other)
		}
		t.alias = w.stranger(1_000_000 + int(p.reserve))
	}
	t.reps = []int{rep}
	for k := w.rng.IntN(100); k < 30 && len(t.reps) < 3; k = w.rng.IntN(100) {
		if c := w.rng.IntN(len(w.reps)); c != rep {
			t.reps = append(t.reps, c)
		}
	}
	for len(t.reps)+len(t.outside) > 5 {
		t.reps = t.reps[:len(t.reps)-1]
	}
	t.subject = fmt.Sprintf(customerSubjects[w.rng.IntN(len(customerSubjects))], t.company)
	return t
}

// indexOfRep returns the index of the rep with this address.
func (w *world) indexOfRep(email string) int {
	for i, r := range w.reps {
		if r.email == email {
			return i
		}
	}
	return 0
}

// message writes message number n, the next of thread t.
func (w *world) message(t *liveThread, n int) model.Activity {
	i := t.messages
	t.messages++
	outside := t.outside
	if t.kind == kindReserve {
		r := w.reserves[t.reserve]
		if i > 0 && w.rng.IntN(100) < 15 {
			// The customer answers from a personal address: only the
			// thread ties this message to the company.
			outside = []person{t.alias}
			r.mates++
		} else {
			r.direct++
		}
	}
	inbound := t.inbound == (i%2 == 0)
	if t.kind == kindNewsletter {
		inbound = true
	}
	var ps []model.Participant
	add := func(p person, role model.Role) {
		ps = append(ps, model.Participant{Email: p.email, Name: p.name, Role: role})
	}
	sender := t.reps[0]
	if len(t.reps) > 1 && w.rng.IntN(4) == 0 {
		sender = t.reps[1+w.rng.IntN(len(t.reps)-1)]
	}
	if inbound {
		from := w.rng.IntN(len(outside))
		add(outside[from], model.RoleFrom)
		add(w.reps[t.reps[0]], model.RoleTo)
		for k, p := range outside {
			if k != from {
				add(p, model.RoleCc)
			}
		}
		for _, r := range t.reps[1:] {
			add(w.reps[r], model.RoleCc)
		}
	} else {
		add(w.reps[sender], model.RoleFrom)
		for _, p := range outside {
			add(p, model.RoleTo)
		}
		for _, r := range t.reps {
			if r != sender {
				add(w.reps[r], model.RoleCc)
			}
		}
	}
	fromDomain := ps[0].Email[strings.IndexByte(ps[0].Email, '@')+1:]
	a := model.Activity{
		Kind: model.KindEmail, Key: fmt.Sprintf("%08x.%07d@%s", w.rng.Uint32(), n, fromDomain),
		At: t.next, Direction: model.Outbound, Subject: t.subject, Participants: ps,
	}
	if inbound {
		a.Direction = model.Inbound
	}
	var snippet strings.Builder
	for range 2 + w.rng.IntN(3) {
		snippet.WriteString(sentences[w.rng.IntN(len(sentences))])
		snippet.WriteByte(' ')
	}
	a.Snippet = strings.TrimSpace(snippet.String())
	if w.rng.IntN(10) == 0 {
		kind := attachmentKinds[w.rng.IntN(len(attachmentKinds))]
		a.Attachments = []model.Attachment{{Name: fmt.Sprintf(kind.name, slug(t.company)), ContentType: kind.mediaType,
			Size: int64(20_000 + w.rng.IntN(2_000_000))}}
	}
	if len(t.keys) > 0 {
		a.Subject = "Re: " + t.subject
		a.References = t.keys[max(0, len(t.keys)-10):]
		a.InReplyTo = t.keys[len(t.keys)-1]
		a.ThreadKey = t.keys[0]
	} else {
		a.ThreadKey = a.Key
	}
	t.keys = append(t.keys, a.Key)
	// One sighting per rep on the message, at most three.
	for _, p := range ps {
		if len(a.Sightings) == 3 {
			break
		}
		if !strings.HasSuffix(p.Email, "@"+teamDomain) {
			continue
		}
		folder := "INBOX"
		if p.Role == model.RoleFrom {
			folder = "Sent"
		}
		a.Sightings = append(a.Sightings, model.Sighting{Mailbox: mailboxOf(p.Email), Folder: folder})
	}
	return a
}

// hashActivity adds what matching reads of a to the digest.
func (w *world) hashActivity(a model.Activity) {
	fmt.Fprintf(w.digest, "%s %d %s %s %v|", a.Key, a.At.Unix(), a.ThreadKey, a.InReplyTo, a.References)
	for _, p := range a.Participants {
		fmt.Fprintf(w.digest, "%s %s %s|", p.Email, p.Name, p.Role)
	}
	for _, s := range a.Sightings {
		fmt.Fprintf(w.digest, "%s %s|", s.Mailbox, s.Folder)
	}
}

// fingerprint names the world: its spec, its deals and its mail (once
// yielded), and the generator's bookkeeping.
func (w *world) fingerprint() string {
	var b strings.Builder
	fmt.Fprintf(&b, "spec %+v\nmail %x kinds %v\n", w.spec, w.digest.Sum64(), w.kinds)
	for _, d := range w.deals {
		fmt.Fprintf(&b, "%v\n", d)
	}
	for _, r := range w.reserves {
		fmt.Fprintf(&b, "%v direct %d mates %d\n", r.deal, r.direct, r.mates)
	}
	return b.String()
}
