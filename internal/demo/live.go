package demo

import (
	"math/rand/v2"
	"strings"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
)

// Live writes the mail that keeps arriving while the demo runs: replies
// in the open deals' latest threads, the rep of the deal that went dark
// following up (its customer never answers), and now and then a note
// between members. Its Message-IDs carry the time, so every run's new mail
// is new.
type Live struct {
	w       *writer
	rng     *rand.Rand
	members []person
	threads []*liveThread
	n       int
}

// liveThread is an open deal's conversation that the stream continues.
type liveThread struct {
	t     *thread
	owner person
	dark  bool
}

// NewLive returns the stream of new mail that follows team's year.
func NewLive(team *Team, seed uint64) *Live {
	rng := rand.New(rand.NewPCG(seed, 3000))
	l := &Live{w: &writer{rng: rng, idTime: true}, rng: rng}
	byEmail := map[string]person{}
	for _, m := range team.Members {
		p := memberPerson(m)
		l.members = append(l.members, p)
		byEmail[m.Email] = p
	}
	for _, c := range customers {
		for _, ct := range c.Contacts {
			byEmail[ct.Email] = contactPerson(ct, c.Name, c.zone)
		}
	}
	for _, d := range team.Deals {
		if d.Status != model.DealOpen {
			continue
		}
		last := -1
		for i, e := range team.Emails {
			if e.Deal == d.ID {
				last = i
			}
		}
		if last < 0 {
			continue
		}
		e := team.Emails[last]
		t := &thread{
			subject:  strings.TrimPrefix(e.Subject, "Re: "),
			deal:     d.ID,
			refs:     append(append([]string(nil), e.References...), e.MessageID),
			lastDate: e.Date,
		}
		for _, p := range e.Participants {
			q, ok := byEmail[p.Email]
			if !ok {
				q = person{name: p.Name, email: p.Email}
			}
			t.join(q)
			if p.Role == model.RoleFrom {
				t.last = &q
			}
		}
		l.threads = append(l.threads, &liveThread{t: t, owner: byEmail[d.Owner], dark: d.ID == team.Cases.GoneDark})
	}
	return l
}

// Next writes the next new email, dated now.
func (l *Live) Next(now time.Time) Email {
	l.n++
	if l.n%5 == 0 || len(l.threads) == 0 {
		return l.internal(now)
	}
	lt := l.threads[l.rng.IntN(len(l.threads))]
	from, texts := lt.owner, liveRep
	switch {
	case lt.dark:
		texts = liveFollowUp
	case lt.t.last != nil && lt.t.last.user != "":
		for _, p := range lt.t.people {
			if p.user == "" {
				from, texts = p, liveCustomer
				break
			}
		}
	}
	text := texts[l.rng.IntN(len(texts))]
	write := func(to []person) string { return strings.ReplaceAll(text, "{to}", to[0].first()) }
	return l.w.send(lt.t, from, nil, now, write, nil)
}

// internal writes a note from one member to another.
func (l *Live) internal(now time.Time) Email {
	n := l.members[l.rng.IntN(len(l.members))]
	from, to := n, l.members[(l.rng.IntN(len(l.members)-1)+1+indexOf(l.members, n))%len(l.members)]
	note := liveInternal[l.rng.IntN(len(liveInternal))]
	account := customers[l.rng.IntN(len(customers))].Name
	t := &thread{subject: note.subject}
	write := func(to []person) string {
		return strings.NewReplacer("{to}", to[0].first(), "{account}", account).Replace(note.text)
	}
	return l.w.send(t, from, []person{to}, now, write, nil)
}

// indexOf is the position of p among ps, by address.
func indexOf(ps []person, p person) int {
	for i, q := range ps {
		if q.email == p.email {
			return i
		}
	}
	return -1
}
