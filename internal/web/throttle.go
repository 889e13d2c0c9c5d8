package web

import (
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Login throttling: after maxFailures failed logins within failureWindow
// for one account (or ipFailures from one client address), logins there
// are refused for lockBase, doubling with every further lock up to
// lockMax. It lives in memory: a restart forgives.
const (
	failureWindow = 15 * time.Minute
	maxFailures   = 5
	ipFailures    = 20
	lockBase      = time.Minute
	lockMax       = time.Hour
	// forgetAfter drops an entry that saw no failure for this long.
	forgetAfter = 24 * time.Hour
)

// throttle counts failed logins per key ("account:..." and "ip:...").
type throttle struct {
	mu        sync.Mutex
	entries   map[string]*throttleEntry
	lastSweep time.Time
}

// throttleEntry is the failure history of one key.
type throttleEntry struct {
	failures    []time.Time // within failureWindow
	locks       int         // how often the key was locked
	lockedUntil time.Time
	last        time.Time
}

func newThrottle() *throttle { return &throttle{entries: map[string]*throttleEntry{}} }

// wait returns how long logins for any of keys must wait; 0 when they
// may go ahead.
func (t *throttle) wait(now time.Time, keys ...string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	var longest time.Duration
	for _, k := range keys {
		if e := t.entries[k]; e != nil {
			longest = max(longest, e.lockedUntil.Sub(now))
		}
	}
	return longest
}

// fail records a failed login for each key, limit[i] being key i's
// allowance within the window, and locks the keys that used it up.
func (t *throttle) fail(now time.Time, keys []string, limits []int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sweep(now)
	for i, k := range keys {
		e := t.entries[k]
		if e == nil {
			e = &throttleEntry{}
			t.entries[k] = e
		}
		kept := e.failures[:0]
		for _, f := range e.failures {
			if now.Sub(f) < failureWindow {
				kept = append(kept, f)
			}
		}
		e.failures, e.last = append(kept, now), now
		if len(e.failures) >= limits[i] {
			delay := min(lockBase<<min(e.locks, 16), lockMax)
			e.locks++
			e.lockedUntil, e.failures = now.Add(delay), nil
		}
	}
}

// forget clears key after a successful login.
func (t *throttle) forget(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.entries, key)
}

// sweep drops entries idle for forgetAfter, at most once a minute.
func (t *throttle) sweep(now time.Time) {
	if now.Sub(t.lastSweep) < time.Minute {
		return
	}
	t.lastSweep = now
	for k, e := range t.entries {
		if now.Sub(e.last) > forgetAfter && now.After(e.lockedUntil) {
			delete(t.entries, k)
		}
	}
}

// dummyHash returns a function giving a bcrypt hash of nothing anyone
// knows, made once at cost: a login for an unknown email is checked
// against it, so it takes as long as one for a real account.
func dummyHash(cost int) func() []byte {
	return sync.OnceValue(func() []byte {
		// New checked the cost, and the password is short: this cannot
		// fail, and a nil hash would only make the check quick.
		h, _ := bcrypt.GenerateFromPassword([]byte(randomToken(24)), cost)
		return h
	})
}
