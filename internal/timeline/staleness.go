package timeline

import (
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
)

// Staleness says how long the customer has been silent and whether the
// deal went dark: open, the customer's last word (inbound email, held
// meeting or logged call) at least GoneDarkAfter ago, and the team wrote
// after it. A deal where the customer never said a word has not gone dark
// (it never lit up); a won or lost deal never goes dark.
type Staleness struct {
	LastCustomer time.Time // the customer's last word; zero if never
	LastTeam     time.Time // last outbound email; zero if never
	// DaysSilent is the whole days (rounded down) from LastCustomer to
	// now: -1 if never; 0 if LastCustomer is after now.
	DaysSilent int
	GoneDark   bool
	// FollowUps counts the outbound emails after LastCustomer (all of
	// them when the customer never said a word). Build only; 0 from
	// Assess.
	FollowUps int
}

// Assess computes Staleness from a deal's figures (used by the deals
// list): lastInbound is the latest inbound email, lastMet the latest held
// meeting (pass the latest logged call instead when it is later: a call is
// customer contact), lastOutbound the latest outbound email; zero times
// mean never. opts.Status is ignored in favour of status.
func Assess(status model.DealStatus, lastInbound, lastMet, lastOutbound time.Time, opts Options) Staleness {
	if status == "" {
		status = model.DealOpen
	}
	lastCustomer := lastInbound
	if lastMet.After(lastCustomer) {
		lastCustomer = lastMet
	}
	if opts.Now.IsZero() {
		opts.Now = lastCustomer
		if lastOutbound.After(opts.Now) {
			opts.Now = lastOutbound
		}
	}
	return assess(status, lastCustomer, lastOutbound, opts.withDefaults())
}

// assess is Assess on the customer's last word, with opts defaulted and
// Now set.
func assess(status model.DealStatus, lastCustomer, lastTeam time.Time, opts Options) Staleness {
	s := Staleness{LastCustomer: lastCustomer, LastTeam: lastTeam, DaysSilent: -1}
	if lastCustomer.IsZero() {
		return s
	}
	silent := opts.Now.Sub(lastCustomer)
	s.DaysSilent = max(wholeDays(silent), 0)
	s.GoneDark = status == model.DealOpen &&
		silent >= opts.GoneDarkAfter &&
		lastTeam.After(lastCustomer)
	return s
}

// wholeDays is d in whole days, rounded down.
func wholeDays(d time.Duration) int {
	const day = 24 * time.Hour
	n := d / day
	if d < 0 && d%day != 0 {
		n--
	}
	return int(n)
}
