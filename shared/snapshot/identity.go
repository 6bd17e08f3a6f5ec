package snapshot

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pledge-dev/pledge/shared/schedule"
)

// slotLayout is the slot's form in snapshot names: UTC, to the minute.
const slotLayout = "200601021504"

// ClockTolerance bounds clock differences: a snapshot's creation time may
// fall this far outside its slot (the clocks of Lambda and RDS, and the
// moment RDS starts a snapshot requested at the very end of a slot), and a
// scheduled time may be this far ahead of the wall clock in a real run.
const ClockTolerance = 5 * time.Minute

// Name returns the deterministic snapshot identifier for a policy, target
// and slot: "pledge-<n>-<policy>-<target>-<slot>", where n is the length of
// the policy name and slot is the slot's UTC time to the minute
// (yyyymmddhhmm), all lower case. The length makes the name unambiguous:
// policy "a-b" with database "c" gives pledge-3-a-b-c-..., policy "a" with
// database "b-c" gives pledge-1-a-b-c-..., so two policies or two databases
// never share a name. Policy names start with a letter, so no name of this
// form is also a LegacyName.
func Name(policy, target string, slot time.Time) string {
	return strings.ToLower(fmt.Sprintf("pledge-%d-%s-%s-%s", len(policy), policy, target, slot.UTC().Format(slotLayout)))
}

// LegacyName is the name Pledge gave managed snapshots before Name became
// unambiguous: "pledge-<policy>-<target>-<slot>". Snapshots that carry it in
// a deployed account are still recognised, for deletion by their policy's
// retention, but only when the name is exactly the legacy name of their own
// tags and every other check of Recognize holds; no new snapshot gets it.
func LegacyName(policy, target string, slot time.Time) string {
	return strings.ToLower(fmt.Sprintf("pledge-%s-%s-%s", policy, target, slot.UTC().Format(slotLayout)))
}

// ClaimedBy reports whether s is a manual snapshot whose tags say that
// Pledge manages it under the named policy. Tags are not proof: a copy
// inherits them, and anyone who may tag can add them. Recognize decides
// whether the snapshot really is the policy's.
func (s Snapshot) ClaimedBy(policy string) bool {
	return s.Type == "manual" && s.Tags[TagManaged] == "true" && s.Tags[TagPolicy] == policy
}

// Identity is what a recognised managed snapshot is: the slot it was made
// for, and whether it carries a legacy name.
type Identity struct {
	Slot   time.Time
	Legacy bool
}

// ErrUnrecognised is wrapped by Recognize's errors.
var ErrUnrecognised = errors.New("not recognised as a snapshot this policy made")

// Recognize says whether s, a snapshot claimed by the policy's tags, is one
// the rotator made of target t, and if so for which slot. It is, only when
// every one of these holds:
//
//   - it is a manual snapshot of t, tagged pledge:managed=true,
//     pledge:policy=<policy> and pledge:target=<t>, with a pledge:slot time;
//   - it is not a copy: RDS names no source snapshot, and (for instance
//     snapshots) its original creation time is its own;
//   - its identifier is exactly Name(policy, target, slot) for those tags,
//     or exactly LegacyName of them (a snapshot made before names became
//     unambiguous). A copy, which RDS must give another identifier in the
//     same region, never matches;
//   - its creation time (and original creation time) falls in that slot:
//     from the slot's start to the schedule's next fire, give or take
//     ClockTolerance. A snapshot still being created has no time yet and
//     passes this check (it is never deleted while not available).
//
// Otherwise it returns an error wrapping ErrUnrecognised that says which
// check failed. sched is the policy's schedule, evaluated in loc.
func Recognize(s Snapshot, policy string, t Target, sched schedule.Schedule, loc *time.Location) (Identity, error) {
	no := func(format string, args ...any) (Identity, error) {
		return Identity{}, fmt.Errorf("snapshot %s is %w: %s", s.ID, ErrUnrecognised, fmt.Sprintf(format, args...))
	}
	switch {
	case !s.ClaimedBy(policy):
		return no("it is not a manual snapshot tagged %s=true and %s=%s", TagManaged, TagPolicy, policy)
	case s.Target != t.ID:
		return no("it is a snapshot of %q, not of %s", s.Target, t.ID)
	case s.Tags[TagTarget] != t.ID:
		return no("its %s tag is %q, not %s", TagTarget, s.Tags[TagTarget], t.ID)
	case s.SourceARN != "":
		return no("it is a copy of %s (a copy inherits the tags, not the management)", s.SourceARN)
	}
	slot, err := time.Parse(time.RFC3339, s.Tags[TagSlot])
	if err != nil {
		return no("its %s tag %q is not an RFC 3339 time", TagSlot, s.Tags[TagSlot])
	}
	id := Identity{Slot: slot.UTC()}
	switch s.ID {
	case Name(policy, t.ID, slot):
	case LegacyName(policy, t.ID, slot):
		id.Legacy = true
	default:
		return no("its name is not the one policy %s gives %s for slot %s (%s): a copy, or a snapshot someone else named and tagged", policy, t.ID, slot.UTC().Format(time.RFC3339), Name(policy, t.ID, slot))
	}
	from, to := slot.Add(-ClockTolerance), sched.Next(slot, loc).Add(ClockTolerance)
	for _, c := range []struct {
		what string
		at   time.Time
	}{{"created", s.Created}, {"originally created", s.OriginalCreated}} {
		if !c.at.IsZero() && (c.at.Before(from) || !c.at.Before(to)) {
			return no("it was %s at %s, outside its slot %s to %s (a copy, or a snapshot made for another time)", c.what, c.at.UTC().Format(time.RFC3339), slot.UTC().Format(time.RFC3339), sched.Next(slot, loc).UTC().Format(time.RFC3339))
		}
	}
	return id, nil
}
