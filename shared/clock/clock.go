// Package clock provides the injected time source of Pledge's functions.
//
// Business rules never call time.Now: they take now as an argument, and the
// structs that drive them hold a Func. Outside Lambda, `invoke -now TIME`
// runs a function as if the clock read TIME (it keeps ticking from there),
// so an operator can preview what a schedule will do next week.
package clock

import (
	"fmt"
	"time"
)

// Func returns the current time.
type Func func() time.Time

// Real is the wall clock.
func Real() Func { return time.Now }

// Fixed always returns t.
func Fixed(t time.Time) Func { return func() time.Time { return t } }

// From returns a clock that reads start now and advances in real time.
func From(start time.Time) Func {
	began := time.Now()
	return func() time.Time { return start.Add(time.Since(began)) }
}

// Parse returns From(t) for an RFC 3339 time, or Real for "".
func Parse(s string) (Func, error) {
	if s == "" {
		return Real(), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return nil, fmt.Errorf("-now %q is not an RFC 3339 time such as 2026-12-01T03:00:00+09:00", s)
	}
	return From(t), nil
}
