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
// are kept as 64-bit hashes and deals as small numbers, so a million
// messages fit in a few tens of megabytes. A hash collision (about one in
// 10^7 at that size) could at worst offer a reply a wrong thread deal,
// which the matcher still checks against the reply's own participants.
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

func (h *hashedDeals) set(key string, link model.Link) {
	k := maphash.String(h.seed, key)
	if !link.Linked() {
		delete(h.keys, k)
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
