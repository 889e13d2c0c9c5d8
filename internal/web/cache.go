package web

import (
	"context"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// listTTL is how long the deals list and review counts are kept: the
// pages answer from memory under load, and a sync's changes show within
// seconds. Any change made through this server drops them at once.
const listTTL = 2 * time.Second

// cached keeps one value for ttl; concurrent misses share one load, and
// drop makes the next get load afresh (even while a load runs).
type cached[T any] struct {
	ttl        time.Duration
	mu         sync.Mutex
	gen        uint64
	val        T
	at         time.Time
	valid      bool
	refreshing bool
	group      singleflight.Group
}

// get returns the kept value, or loads it. A value older than ttl is
// still returned while one load in the background replaces it; only a
// dropped value (or none yet) makes the caller wait.
func (c *cached[T]) get(ctx context.Context, load func(context.Context) (T, error)) (T, error) {
	c.mu.Lock()
	if c.valid {
		v := c.val
		if time.Since(c.at) >= c.ttl && !c.refreshing {
			c.refreshing = true
			gen := c.gen
			go func() {
				v, err := load(context.WithoutCancel(ctx))
				c.mu.Lock()
				defer c.mu.Unlock()
				c.refreshing = false
				if err == nil && c.gen == gen {
					c.val, c.at, c.valid = v, time.Now(), true
				}
			}()
		}
		c.mu.Unlock()
		return v, nil
	}
	gen := c.gen
	c.mu.Unlock()
	// The generation is the key: a load started before a drop is not
	// joined by the requests after it.
	v, err, _ := c.group.Do(strconv.FormatUint(gen, 10), func() (any, error) {
		v, err := load(context.WithoutCancel(ctx))
		if err != nil {
			return v, err
		}
		c.mu.Lock()
		if c.gen == gen {
			c.val, c.at, c.valid = v, time.Now(), true
		}
		c.mu.Unlock()
		return v, nil
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return v.(T), nil
}

// drop forgets the kept value.
func (c *cached[T]) drop() {
	c.mu.Lock()
	c.gen++
	c.valid = false
	var zero T
	c.val = zero
	c.mu.Unlock()
}

// keyedCounts keeps one count per key (the review queue's size for each
// rep, and for everyone).
type keyedCounts struct {
	ttl time.Duration
	mu  sync.Mutex
	m   map[string]*cached[int]
}

// get returns the count for key, loading it when not kept.
func (k *keyedCounts) get(ctx context.Context, key string, load func(context.Context) (int, error)) (int, error) {
	k.mu.Lock()
	if k.m == nil {
		k.m = map[string]*cached[int]{}
	}
	c := k.m[key]
	if c == nil {
		c = &cached[int]{ttl: k.ttl}
		k.m[key] = c
	}
	k.mu.Unlock()
	return c.get(ctx, load)
}

// drop forgets every count.
func (k *keyedCounts) drop() {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, c := range k.m {
		c.drop()
	}
}

// dropCaches forgets everything kept in memory: called after every change
// this server makes, so the next page shows it.
func (s *Server) dropCaches() {
	s.deals.drop()
	s.reviewCount.drop()
	s.timelines.drop()
}
