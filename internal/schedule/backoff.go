package schedule

import (
	"math"
	"time"
)

// Backoff is a jittered exponential backoff: the delay after the n-th
// consecutive failure is Min doubled n-1 times, capped at Max, then spread
// by ±Jitter so that sources failing together do not retry together.
type Backoff struct {
	Min    time.Duration
	Max    time.Duration
	Jitter float64 // fraction, such as 0.2 for ±20%; at most 0.5
}

// DefaultBackoff starts at 30 seconds and doubles up to an hour, ±20%.
var DefaultBackoff = Backoff{Min: 30 * time.Second, Max: time.Hour, Jitter: 0.2}

// Delay returns the wait after the failures-th consecutive failure (1 for
// the first). rnd returns a number in [0, 1), such as rand.Float64; it is
// a parameter so that tests can fix it (nil means no jitter). The base
// delay is capped at Max before the jitter is applied, so the result lies
// within Min·(1-Jitter) and Max·(1+Jitter) and sources that have been
// failing for long still spread out.
func (b Backoff) Delay(failures int, rnd func() float64) time.Duration {
	b = b.withDefaults()
	if failures < 1 {
		failures = 1
	}
	d := float64(b.Min) * math.Pow(2, float64(failures-1))
	if d > float64(b.Max) || math.IsInf(d, 1) {
		d = float64(b.Max)
	}
	if b.Jitter > 0 && rnd != nil {
		d *= 1 + b.Jitter*(2*rnd()-1)
	}
	return time.Duration(d)
}

func (b Backoff) withDefaults() Backoff {
	if b.Min <= 0 {
		b.Min = DefaultBackoff.Min
	}
	if b.Max < b.Min {
		b.Max = b.Min
	}
	if b.Jitter < 0 {
		b.Jitter = 0
	}
	if b.Jitter > 0.5 {
		b.Jitter = 0.5
	}
	return b
}
