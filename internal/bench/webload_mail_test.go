package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/dealtrail/dealtrail/internal/ingest"
	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/store"
)

// The mail of the web load benchmark (webload_test.go) beyond the world's
// own: a big deal's two years of mail, and the new mail a sync keeps
// writing while the pages are read. Both go in through the ingester, as
// mail sync stores a folder batch: the linker matches the new messages,
// the store saves them with their links and the folder checkpoint, and
// the queue is drained.

// bigDeal is the deal the timeline is read from: a company of its own,
// not in the world's CRM, with mail over the two years of the world.
type bigDeal struct {
	deal   model.Deal
	people []person
	owner  person
	// mates are other reps sometimes copied.
	mates []person
}

// newBigDeal makes the big deal of world w, owned by its first rep.
func newBigDeal(w *world) *bigDeal {
	const domain = "oceanic-airlines.example"
	rng := rand.New(rand.NewPCG(5, 5000))
	bd := &bigDeal{owner: w.reps[0], mates: w.reps[1:4]}
	for range 8 {
		bd.people = append(bd.people, personAt(rng, domain))
	}
	bd.deal = model.Deal{
		ID: "D-BIG", Name: "Oceanic Airlines Global Rollout", Account: "Oceanic Airlines", Domains: []string{domain},
		Contacts: []string{bd.people[0].email, bd.people[1].email}, Owner: bd.owner.email, Stage: "negotiation",
		Status: model.DealOpen, Amount: 2_400_000, Created: w.spec.end.Add(-w.spec.span - 30*24*time.Hour),
	}
	return bd
}

// personAt invents a person at domain with rng.
func personAt(rng *rand.Rand, domain string) person {
	first := firstNames[rng.IntN(len(firstNames))]
	last := lastNames[rng.IntN(len(lastNames))]
	local := strings.ToLower(strings.NewReplacer("'", "", " ", "").Replace(asciiFold(first) + "." + asciiFold(last)))
	return person{name: first + " " + last, email: fmt.Sprintf("%s.%d@%s", local, rng.IntN(100), domain)}
}

// mailThread is a conversation of generated mail: its subject and its
// messages' keys so far.
type mailThread struct {
	subject string
	keys    []string
}

// reply returns the next message of thread t (its first when t is new)
// between rep and customer, inbound or not, at at; cc are copied. One in
// ten carries an attachment.
func (t *mailThread) reply(rng *rand.Rand, key string, at time.Time, rep, customer person, inbound bool, cc []person) model.Message {
	m := model.Message{Key: key, MessageID: key, Date: at, Subject: t.subject,
		Snippet: sentences[rng.IntN(len(sentences))] + " " + sentences[rng.IntN(len(sentences))]}
	from, to := rep, customer
	if inbound {
		from, to = customer, rep
	}
	m.Participants = []model.Participant{{Email: from.email, Name: from.name, Role: model.RoleFrom},
		{Email: to.email, Name: to.name, Role: model.RoleTo}}
	for _, p := range cc {
		m.Participants = append(m.Participants, model.Participant{Email: p.email, Name: p.name, Role: model.RoleCc})
	}
	if len(t.keys) > 0 {
		m.Subject = "Re: " + t.subject
		m.InReplyTo = t.keys[len(t.keys)-1]
		m.References = slices.Clone(t.keys[max(0, len(t.keys)-10):])
	}
	if rng.IntN(10) == 0 {
		kind := attachmentKinds[rng.IntN(len(attachmentKinds))]
		m.Attachments = []model.Attachment{{Name: fmt.Sprintf(kind.name, "oceanic"), ContentType: kind.mediaType,
			Size: int64(20_000 + rng.IntN(2_000_000))}}
	}
	t.keys = append(t.keys, key)
	return m
}

// folderOf names the folder of rep's mailbox where a message is seen:
// Sent for what the rep sent, INBOX otherwise.
func folderOf(rep person, m model.Message) (mailbox, folder string) {
	if m.Participants[0].Email == rep.email {
		return mailboxOf(rep.email), "Sent"
	}
	return mailboxOf(rep.email), "INBOX"
}

// folders hands out the UIDs of new messages in the world's folders,
// after those already stored, under the folders' UIDVALIDITY.
type folders struct {
	st    *store.Store
	state map[[2]string]model.FolderState
}

// batch returns the next UIDs of mailbox's folder for msgs, as the batch
// of a sync that fetched them.
func (f *folders) batch(ctx context.Context, mailbox, folder string, msgs []model.Message) (model.MailBatch, error) {
	k := [2]string{mailbox, folder}
	s, ok := f.state[k]
	if !ok {
		var err error
		if s, err = f.st.FolderState(ctx, mailbox, folder); err != nil {
			return model.MailBatch{}, err
		}
		if s.UIDValidity == 0 {
			s.UIDValidity = 7
		}
	}
	b := model.MailBatch{Mailbox: mailbox, Folder: folder, UIDValidity: s.UIDValidity}
	for _, m := range msgs {
		s.LastUID++
		b.Messages = append(b.Messages, model.FetchedMessage{UID: s.LastUID, InternalDate: m.Date, Size: 4096, Message: m})
	}
	b.LastUID = s.LastUID
	f.state[k] = s
	return b, nil
}

// addBigDeal imports the big deal, then stores n messages with its people
// over the world's two years through in, in time order, a folder batch
// per mailbox folder and chunk of 500.
func addBigDeal(ctx context.Context, st *store.Store, in *ingest.Ingester, f *folders, bd *bigDeal, w *world, n int) error {
	if _, err := st.ImportDeals(ctx, []model.Deal{bd.deal}); err != nil {
		return fmt.Errorf("import %s: %w", bd.deal.ID, err)
	}
	rng := rand.New(rand.NewPCG(5, 5001))
	start := w.spec.end.Add(-w.spec.span)
	step := w.spec.span / time.Duration(n)
	var threads []*mailThread
	type sighted struct {
		rep person
		m   model.Message
	}
	var chunk []sighted
	flush := func() error {
		byFolder := map[[2]string][]model.Message{}
		var order [][2]string
		for _, s := range chunk {
			mb, fo := folderOf(s.rep, s.m)
			k := [2]string{mb, fo}
			if _, ok := byFolder[k]; !ok {
				order = append(order, k)
			}
			byFolder[k] = append(byFolder[k], s.m)
		}
		for _, k := range order {
			b, err := f.batch(ctx, k[0], k[1], byFolder[k])
			if err == nil {
				err = in.SaveMailBatch(ctx, b)
			}
			if err != nil {
				return fmt.Errorf("store the big deal's mail: %w", err)
			}
		}
		chunk = chunk[:0]
		return nil
	}
	for i := range n {
		at := start.Add(time.Duration(i)*step + time.Duration(rng.Int64N(int64(step)))).Truncate(time.Second)
		// A new thread one time in three, else the next message of one
		// of the last few.
		var t *mailThread
		if len(threads) == 0 || rng.IntN(3) == 0 {
			t = &mailThread{subject: fmt.Sprintf(customerSubjects[rng.IntN(len(customerSubjects))], "Oceanic Airlines")}
			threads = append(threads, t)
		} else {
			t = threads[max(0, len(threads)-1-rng.IntN(min(4, len(threads))))]
		}
		rep := bd.owner
		var cc []person
		if rng.IntN(5) == 0 {
			cc = append(cc, bd.mates[rng.IntN(len(bd.mates))])
		}
		if rng.IntN(4) == 0 {
			cc = append(cc, bd.people[rng.IntN(len(bd.people))])
		}
		customer := bd.people[rng.IntN(len(bd.people))]
		inbound := len(t.keys)%2 == rng.IntN(2)
		key := fmt.Sprintf("big.%05d.%08x@oceanic-airlines.example", i, rng.Uint32())
		chunk = append(chunk, sighted{rep, t.reply(rng, key, at, rep, customer, inbound, cc)})
		if len(chunk) == 500 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// syncFeed makes the new mail of a running sync: each batch is a folder of
// one rep's mailbox (INBOX and Sent in turn, the reps in turn), with
// messages about open deals of the world, some of them about the big
// deal, replying to the feed's earlier messages half the time.
type syncFeed struct {
	w       *world
	bd      *bigDeal
	rng     *rand.Rand
	open    []model.Deal // the world's open deals
	threads map[string]*mailThread
	n       int // messages made
	// bigShare is the part of the messages about the big deal.
	bigShare float64
}

func newSyncFeed(w *world, bd *bigDeal, bigShare float64) *syncFeed {
	f := &syncFeed{w: w, bd: bd, rng: rand.New(rand.NewPCG(5, 5002)), threads: map[string]*mailThread{}, bigShare: bigShare}
	for _, d := range w.deals {
		if d.Status == model.DealOpen {
			f.open = append(f.open, d)
		}
	}
	return f
}

// next returns the next batch of size messages, written around now, and
// how many of them are about the big deal.
func (f *syncFeed) next(now time.Time, size int) (mailbox, folder string, msgs []model.Message, big int) {
	k := f.n / size
	rep := f.w.reps[(k/2)%len(f.w.reps)]
	inbound := k%2 == 0
	mailbox, folder = mailboxOf(rep.email), "Sent"
	if inbound {
		folder = "INBOX"
	}
	for i := range size {
		var customer person
		var company string
		if f.rng.Float64() < f.bigShare {
			customer, company = f.bd.people[f.rng.IntN(len(f.bd.people))], f.bd.deal.Account
			big++
		} else {
			d := f.open[f.rng.IntN(len(f.open))]
			a := f.w.byName[d.Account]
			customer, company = a.people[f.rng.IntN(len(a.people))], d.Account
		}
		t := f.threads[company]
		if t == nil || f.rng.IntN(2) == 0 {
			t = &mailThread{subject: fmt.Sprintf(customerSubjects[f.rng.IntN(len(customerSubjects))], company)}
			f.threads[company] = t
		}
		at := now.Add(-time.Duration(size-i) * time.Second).Truncate(time.Second)
		key := fmt.Sprintf("sync.%07d.%08x@%s", f.n, f.rng.Uint32(), customer.email[strings.IndexByte(customer.email, '@')+1:])
		msgs = append(msgs, t.reply(f.rng, key, at, rep, customer, inbound, nil))
		f.n++
	}
	return mailbox, folder, msgs, big
}
