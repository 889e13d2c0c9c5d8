package linker

import (
	"hash/maphash"

	"github.com/dealtrail/dealtrail/internal/model"
)

// threadDeals remembers the deal of each message matched so far, by
// message key, so that a reply can inherit the deal of the message it
// answers.
type threadDeals interface {
	deal(key string) string
	set(key string, link model.Link)
}

// keyDeals is a threadDeals for one batch: the parents' deals as stored,
// overlaid with the batch's own results.
type keyDeals map[string]string

func (k keyDeals) deal(key string) string { return k[key] }

func (k keyDeals) set(key string, link model.Link) {
	if link.Linked() {
		k[key] = link.DealID
	} else {
		delete(k, key)
	}
}

// hashedDeals is a threadDeals for a full rematch of every activity: keys
// are kept as 64-bit hashes and deals as small numbers (0 for a message
// matched to no deal), so a million messages fit in a few tens of
// megabytes. A hash collision (about one in 10^7 at that size) could at
// worst offer a reply a wrong thread deal, which the matcher still checks
// against the reply's own participants.
type hashedDeals struct {
	seed  maphash.Seed
	keys  map[uint64]int32
	ids   map[string]int32
	deals []string
}

func newHashedDeals() *hashedDeals {
	return &hashedDeals{seed: maphash.MakeSeed(), keys: map[uint64]int32{}, ids: map[string]int32{}, deals: []string{""}}
}

func (h *hashedDeals) deal(key string) string {
	return h.deals[h.keys[maphash.String(h.seed, key)]]
}

// seen reports whether the message with this key was matched in this
// rematch.
func (h *hashedDeals) seen(key string) bool {
	_, ok := h.keys[maphash.String(h.seed, key)]
	return ok
}

func (h *hashedDeals) set(key string, link model.Link) {
	k := maphash.String(h.seed, key)
	if !link.Linked() {
		h.keys[k] = 0
		return
	}
	id, ok := h.ids[link.DealID]
	if !ok {
		id = int32(len(h.deals))
		h.ids[link.DealID] = id
		h.deals = append(h.deals, link.DealID)
	}
	h.keys[k] = id
}

// rematchDeals is the threadDeals of one chunk of a full rematch: the
// deals of the messages matched so far in this rematch, and for a parent
// not matched yet (dated after its reply, some clock being off) its deal
// as stored, as incremental matching saw it. Should that parent move when
// its turn comes, saving its link queues the reply again.
type rematchDeals struct {
	*hashedDeals
	stored keyDeals
}

func (r rematchDeals) deal(key string) string {
	if r.seen(key) {
		return r.hashedDeals.deal(key)
	}
	return r.stored.deal(key)
}
