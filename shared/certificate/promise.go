package certificate

import (
	"fmt"
	"time"
)

// Promise is the purge window promised for the tenant, computed from the
// real termination time (when the contract ended): the purge could start
// from Due and had to be done by Deadline. A purge that waited for the
// advance notice (a backdated termination) or for a purge day started later
// than Due; the certificate still states the promised window, so that the
// deletion times can be read against it.
type Promise struct {
	Terminated Time `json:"terminated"`
	Due        Time `json:"purge_due"`
	Deadline   Time `json:"purge_deadline"`
}

// PromiseOf returns the window of a tenant terminated at terminated, due and
// deadline as the registry holds them.
func PromiseOf(terminated, due, deadline time.Time) *Promise {
	return &Promise{Terminated: At(terminated), Due: At(due), Deadline: At(deadline)}
}

func (p *Promise) check() error {
	switch {
	case p == nil:
		return nil
	case p.Terminated.IsZero() || p.Due.IsZero() || p.Deadline.IsZero():
		return fmt.Errorf("promised window %s to %s (terminated %s) has a zero time", p.Due, p.Deadline, p.Terminated)
	case p.Due.Before(p.Terminated.Time) || p.Deadline.Before(p.Due.Time):
		return fmt.Errorf("promised window is out of order: terminated %s, due %s, deadline %s", p.Terminated, p.Due, p.Deadline)
	}
	return nil
}
