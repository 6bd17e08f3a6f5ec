package purge

import (
	"context"
	"sync"
)

// Outcome is what a call made under the Limiter ended with.
type Outcome int

// The outcomes a call reports to the Limiter.
const (
	// Neutral leaves the limit unchanged (an error that says nothing
	// about load, or a call that was never made).
	Neutral Outcome = iota
	// Success raises the limit by one, up to its maximum.
	Success
	// Throttled halves the limit, once per window.
	Throttled
)

// Limiter is an adaptive concurrency limit (additive increase,
// multiplicative decrease). Each successful call raises the limit by one up
// to Max; a throttled call halves it (never below 1). Only the first
// throttle among calls that started under the same limit halves it: calls
// already in flight when the limit dropped carry an older epoch, so one
// burst of SlowDown answers halves the limit once, not once per answer.
type Limiter struct {
	mu       sync.Mutex
	limit    int
	max      int
	inFlight int
	epoch    int
	wake     chan struct{}
	// peak is the highest limit reached, decreases counts the halvings.
	peak, decreases int
}

// NewLimiter returns a limiter starting at initial (at least 1) and
// growing up to max (at least initial).
func NewLimiter(initial, max int) *Limiter {
	if initial < 1 {
		initial = 1
	}
	if max < initial {
		max = initial
	}
	return &Limiter{limit: initial, max: max, peak: initial, wake: make(chan struct{})}
}

// Token is one admitted call; hand it back to Release.
type Token struct{ epoch int }

// Acquire waits until fewer calls than the limit are in flight, or ctx is
// done.
func (l *Limiter) Acquire(ctx context.Context) (Token, error) {
	for {
		l.mu.Lock()
		if l.inFlight < l.limit {
			l.inFlight++
			t := Token{epoch: l.epoch}
			l.mu.Unlock()
			return t, nil
		}
		wake := l.wake
		l.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return Token{}, ctx.Err()
		}
	}
}

// Release ends a call admitted by Acquire and adapts the limit to how it
// went.
func (l *Limiter) Release(t Token, o Outcome) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.inFlight--
	switch o {
	case Success:
		if l.limit < l.max {
			l.limit++
			if l.limit > l.peak {
				l.peak = l.limit
			}
		}
	case Throttled:
		if t.epoch == l.epoch {
			l.limit /= 2
			if l.limit < 1 {
				l.limit = 1
			}
			l.epoch++
			l.decreases++
		}
	}
	close(l.wake)
	l.wake = make(chan struct{})
}

// Stats returns the current limit, the highest limit reached and how many
// times the limit was halved.
func (l *Limiter) Stats() (limit, peak, decreases int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.limit, l.peak, l.decreases
}
