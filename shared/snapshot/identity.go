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

// NamePrefix is how the name of every snapshot a stage's rotator creates
// begins: "pledge-<m>-<stage>-", m the length of the stage name. No other
// stage's names begin so (the length tells "prod" from "prod-2"), so IAM
// can limit a stage's creates to it.
func NamePrefix(stage string) string {
	return fmt.Sprintf("pledge-%d-%s-", len(stage), stage)
}

// Name returns the deterministic snapshot identifier for a stage's policy,
// target and slot: "pledge-<m>-<stage>-<n>-<policy>-<target>-<slot>", where
// m and n are the lengths of the stage and policy names and slot is the
// slot's UTC time to the minute (yyyymmddhhmm), all lower case. The lengths
// make the name unambiguous: policy "a-b" with database "c" gives
// pledge-4-prod-3-a-b-c-..., policy "a" with database "b-c" gives
// pledge-4-prod-1-a-b-c-..., and staging's snapshot of the same database
// under the same policy is pledge-7-staging-3-a-b-c-..., so no two stages,
// policies or databases share a name and a second stage never finds its
// slot's name taken by the first. Stage and policy names start with a
// letter and database identifiers too, so no name of this form is also a
// StagelessName or a LegacyName.
func Name(stage, policy, target string, slot time.Time) string {
	return strings.ToLower(fmt.Sprintf("%s%d-%s-%s-%s", NamePrefix(stage), len(policy), policy, target, slot.UTC().Format(slotLayout)))
}

// StagelessName is the name Pledge gave managed snapshots after names became
// unambiguous and before the stage became part of them:
// "pledge-<n>-<policy>-<target>-<slot>". Like LegacyName, it is recognised
// only on a snapshot without a pledge:stage tag; no new snapshot gets it.
func StagelessName(policy, target string, slot time.Time) string {
	return strings.ToLower(fmt.Sprintf("pledge-%d-%s-%s-%s", len(policy), policy, target, slot.UTC().Format(slotLayout)))
}

// LegacyName is the name Pledge gave managed snapshots before names became
// unambiguous: "pledge-<policy>-<target>-<slot>". Snapshots that carry it in
// a deployed account are still recognised, for deletion by their policy's
// retention, but only when they have no pledge:stage tag, the name is
// exactly the legacy name of their own tags and every other check of
// Recognize holds; no new snapshot gets it.
func LegacyName(policy, target string, slot time.Time) string {
	return strings.ToLower(fmt.Sprintf("pledge-%s-%s-%s", policy, target, slot.UTC().Format(slotLayout)))
}

// ClaimedBy reports whether s is a manual snapshot whose tags say that
// Pledge manages it under the named policy of the named stage: tagged
// pledge:managed=true and pledge:policy=<policy>, and pledge:stage=<stage>
// or (a legacy snapshot, made before the stage was part of a snapshot's
// identity) no pledge:stage tag at all. Tags are not proof: a copy inherits
// them, and anyone who may tag can add them. Recognize decides whether the
// snapshot really is the policy's.
func (s Snapshot) ClaimedBy(stage, policy string) bool {
	st, staged := s.Tags[TagStage]
	return s.Type == "manual" && s.Tags[TagManaged] == "true" && s.Tags[TagPolicy] == policy && (!staged || st == stage)
}

// OtherStage reports whether s is claimed by the policy's tags in another
// stage: a manual snapshot tagged pledge:managed=true and
// pledge:policy=<policy> whose pledge:stage tag is not stage. Another
// stage's rotator made it (or it is tagged so); this stage never deletes
// nor counts it. other is the tag's value.
func (s Snapshot) OtherStage(stage, policy string) (other string, ok bool) {
	st, staged := s.Tags[TagStage]
	if !staged || st == stage || s.Type != "manual" || s.Tags[TagManaged] != "true" || s.Tags[TagPolicy] != policy {
		return "", false
	}
	return st, true
}

// Identity is what a recognised managed snapshot is: the slot it was made
// for, and whether it is a legacy snapshot (no pledge:stage tag, named
// StagelessName or LegacyName).
type Identity struct {
	Slot   time.Time
	Legacy bool
}

// ErrUnrecognised is wrapped by Recognize's errors.
var ErrUnrecognised = errors.New("not recognised as a snapshot this policy made")

// ErrOtherStage is wrapped by Recognize's error for a snapshot tagged as
// another stage's: it is that stage's to keep or delete, never this one's.
var ErrOtherStage = errors.New("another stage's snapshot")

// Recognize says whether s, a snapshot claimed by the policy's tags, is one
// the stage's rotator made of target t, and if so for which slot. It is,
// only when every one of these holds:
//
//   - it is a manual snapshot of t, tagged pledge:managed=true,
//     pledge:policy=<policy> and pledge:target=<t>, with a pledge:slot time;
//   - it is tagged pledge:stage=<stage>, or it has no pledge:stage tag (a
//     legacy snapshot, made before the stage was part of a snapshot's
//     identity). A snapshot tagged with another stage is that stage's: the
//     error wraps ErrOtherStage;
//   - it is not a copy: RDS names no source snapshot, and (for instance
//     snapshots) its original creation time is its own;
//   - its identifier is exactly Name(stage, policy, target, slot) for those
//     tags; or, for a legacy snapshot, exactly StagelessName or LegacyName
//     of them. A copy, which RDS must give another identifier in the same
//     region, never matches;
//   - its creation time (and original creation time) falls in that slot:
//     from the slot's start to the schedule's next fire, give or take
//     ClockTolerance. A snapshot still being created has no time yet and
//     passes this check (it is never deleted while not available).
//
// Otherwise it returns an error wrapping ErrUnrecognised that says which
// check failed. sched is the policy's schedule, evaluated in loc.
//
// A legacy snapshot carries nothing that says which stage made it, so every
// stage whose policy of that name backs up the same database recognises it;
// no new snapshot is made without the stage tag, so the legacy ones only
// age out.
func Recognize(s Snapshot, stage, policy string, t Target, sched schedule.Schedule, loc *time.Location) (Identity, error) {
	no := func(format string, args ...any) (Identity, error) {
		return Identity{}, fmt.Errorf("snapshot %s is %w: %s", s.ID, ErrUnrecognised, fmt.Sprintf(format, args...))
	}
	if other, ok := s.OtherStage(stage, policy); ok {
		return Identity{}, fmt.Errorf("snapshot %s is %w: it is tagged %s=%q, %w, which stage %s never deletes nor counts", s.ID, ErrUnrecognised, TagStage, other, ErrOtherStage, stage)
	}
	switch {
	case !s.ClaimedBy(stage, policy):
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
	if _, staged := s.Tags[TagStage]; staged {
		if want := Name(stage, policy, t.ID, slot); s.ID != want {
			return no("its name is not the one stage %s's policy %s gives %s for slot %s (%s): a copy, or a snapshot someone else named and tagged", stage, policy, t.ID, slot.UTC().Format(time.RFC3339), want)
		}
	} else {
		switch s.ID {
		case StagelessName(policy, t.ID, slot), LegacyName(policy, t.ID, slot):
			id.Legacy = true
		default:
			return no("it has no %s tag, and its name is neither of the ones policy %s gave %s for slot %s before stages (%s, %s): a copy, or a snapshot someone else named and tagged", TagStage, policy, t.ID, slot.UTC().Format(time.RFC3339), StagelessName(policy, t.ID, slot), LegacyName(policy, t.ID, slot))
		}
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
