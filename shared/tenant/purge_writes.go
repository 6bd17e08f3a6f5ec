package tenant

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// The registry's writes on the way to a purge: the claim, the advance
// notice, checkpoints and the final mark. Each is a conditional write.

// MaxOwnerBytes bounds a purge owner's name.
const MaxOwnerBytes = 256

// StartPurge claims the tenant's purge for owner (for example the Lambda
// request id): a terminated tenant moves to purging, only when its purge may
// start (see Tenant.Blocked: due, the advance notice out for long enough, a
// purge day); a tenant already purging is resumed, and owner takes it over.
// Either way PurgeAttempts goes up by one and the record is returned with
// its checkpoint. A tenant in any other state, or not yet startable, gives
// ErrConflict; this and a reinstatement can race, and exactly one of them
// wins.
//
// now is the caller's clock. The claim is decided by the earlier of now and
// the registry's WallClock, so a caller whose clock runs ahead (invoke -now
// in the future) cannot start a purge before its time; purge_started_at is
// stamped with the wall clock.
func (r *Registry) StartPurge(ctx context.Context, id, owner string, now time.Time) (Tenant, error) {
	if err := ValidateID(id); err != nil {
		return Tenant{}, fmt.Errorf("start purge: %w", err)
	}
	if owner == "" || len(owner) > MaxOwnerBytes || !printableASCII(owner) {
		return Tenant{}, fmt.Errorf("start purge of tenant %s: owner %s is %w: want 1-%d printable ASCII characters", id, show(owner), ErrInvalid, MaxOwnerBytes)
	}
	wall := r.wall()
	at := now
	if wall.Before(at) {
		at = wall
	}
	names := map[string]string{
		"#k": KeyAttribute, "#s": StatusAttribute, "#ps": "purge_started_at",
		"#po": "purge_owner", "#pa": "purge_attempts", "#v": "version", "#u": "updated_at",
	}
	values := map[string]types.AttributeValue{
		":purging": sAttr(string(StatusPurging)), ":started": sAttr(stamp(wall)),
		":owner": sAttr(owner), ":zero": num(0), ":one": num(1),
	}
	// A terminated tenant may start only on a purge day, once due, and once
	// the advance notice has been out for long enough; a purging one may
	// always resume.
	cond := "attribute_exists(#k) AND #s = :purging"
	if PurgeDay(r.Config, at) {
		start := "#s = :terminated AND #pd <= :now"
		names["#pd"] = PurgeDueAttribute
		values[":terminated"], values[":now"] = sAttr(string(StatusTerminated)), sAttr(stamp(at))
		if r.Config.AdvanceNoticeDays > 0 {
			start += " AND #ns <= :noticed"
			names["#ns"] = NoticeSentAttribute
			values[":noticed"] = sAttr(stamp(at.Add(-NoticePeriod(r.Config))))
		}
		cond = "attribute_exists(#k) AND ((" + start + ") OR #s = :purging)"
	}
	out, err := r.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(r.Table),
		Key:                       key(id),
		ConditionExpression:       aws.String(cond),
		UpdateExpression:          aws.String("SET #s = :purging, #ps = if_not_exists(#ps, :started), #po = :owner, #pa = if_not_exists(#pa, :zero) + :one, #v = #v + :one, #u = :started"),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
		ReturnValues:              types.ReturnValueAllNew,
	})
	if err != nil {
		if conditionFailed(err) {
			return Tenant{}, r.explain(ctx, id, "start purge", func(t Tenant) string {
				if why := t.Blocked(r.Config, at); why != "" {
					return why
				}
				return "its state changed while it was being claimed"
			})
		}
		return Tenant{}, fmt.Errorf("start purge of tenant %s: %w", id, err)
	}
	t, err := fromItem(out.Attributes)
	if err != nil {
		return Tenant{}, fmt.Errorf("start purge of tenant %s: %w", id, err)
	}
	r.log().Info("tenant purge started", "tenant_id", id, "status", string(t.Status), "purge_attempts", t.PurgeAttempts, "purge_owner", owner, "version", t.Version)
	return t, nil
}

// RecordNotice records that ops received the advance notice of the purge of
// the tenant terminated at terminated, stamped with the wall clock, and
// returns the recorded time. Only the first notice is recorded: once set,
// notice_sent_at does not move. It is conditional on the tenant still being
// terminated at that time: a notice about a termination since reinstated or
// re-dated gives ErrConflict, and the next sweep sends a fresh one.
func (r *Registry) RecordNotice(ctx context.Context, id string, terminated time.Time) (time.Time, error) {
	if err := ValidateID(id); err != nil {
		return time.Time{}, fmt.Errorf("record advance notice: %w", err)
	}
	if terminated.IsZero() {
		return time.Time{}, fmt.Errorf("record advance notice of tenant %s: the termination time is zero: %w", id, ErrInvalid)
	}
	ts := stamp(r.wall())
	out, err := r.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(r.Table), Key: key(id),
		ConditionExpression: aws.String("#s = :terminated AND #ta = :ta"),
		UpdateExpression:    aws.String("SET #ns = if_not_exists(#ns, :at), #v = #v + :one, #u = :at"),
		ExpressionAttributeNames: map[string]string{
			"#s": StatusAttribute, "#ta": "terminated_at", "#ns": NoticeSentAttribute, "#v": "version", "#u": "updated_at",
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":terminated": sAttr(string(StatusTerminated)), ":ta": sAttr(stamp(terminated)), ":at": sAttr(ts), ":one": num(1),
		},
		ReturnValues: types.ReturnValueAllNew,
	})
	if err != nil {
		if conditionFailed(err) {
			return time.Time{}, r.explain(ctx, id, "record advance notice", func(t Tenant) string {
				if t.Status == StatusTerminated {
					return fmt.Sprintf("the termination was re-dated from %s to %s since the notice was planned", stamp(terminated), stamp(t.Terminated))
				}
				return fmt.Sprintf("status is %s, no longer terminated", t.Status)
			})
		}
		return time.Time{}, fmt.Errorf("record advance notice of tenant %s: %w", id, err)
	}
	t, err := fromItem(out.Attributes)
	if err != nil {
		return time.Time{}, fmt.Errorf("record advance notice of tenant %s: %w", id, err)
	}
	r.log().Info("tenant advance notice recorded", "tenant_id", id, "notice_sent_at", stamp(t.NoticeSent))
	return t.NoticeSent, nil
}

// MaxCheckpointBytes bounds a checkpoint; a DynamoDB item holds 400 KB in
// all.
const MaxCheckpointBytes = 300 << 10

// SaveCheckpoint stores the purger's progress, conditional on the tenant
// being purging. blob must be JSON; it is returned byte for byte by Get.
func (r *Registry) SaveCheckpoint(ctx context.Context, id string, blob []byte) error {
	return r.saveCheckpoint(ctx, id, "", blob)
}

// SaveCheckpointAs is SaveCheckpoint conditional also on owner still
// holding the purge (see StartPurge): a purger that has been taken over gets
// ErrConflict and must stop, so two invocations never interleave their
// progress.
func (r *Registry) SaveCheckpointAs(ctx context.Context, id, owner string, blob []byte) error {
	if owner == "" {
		return fmt.Errorf("save checkpoint of tenant %s: owner is empty: %w", id, ErrInvalid)
	}
	return r.saveCheckpoint(ctx, id, owner, blob)
}

func (r *Registry) saveCheckpoint(ctx context.Context, id, owner string, blob []byte) error {
	if err := ValidateID(id); err != nil {
		return fmt.Errorf("save checkpoint: %w", err)
	}
	if len(blob) == 0 || len(blob) > MaxCheckpointBytes || !json.Valid(blob) {
		return fmt.Errorf("save checkpoint of tenant %s: the checkpoint is %w: want JSON of 1 to %d bytes, got %d bytes", id, ErrInvalid, MaxCheckpointBytes, len(blob))
	}
	ts := stamp(r.now())
	cond := "#s = :purging"
	names := map[string]string{"#s": StatusAttribute, "#c": "checkpoint", "#ca": "checkpoint_updated_at", "#v": "version", "#u": "updated_at"}
	values := map[string]types.AttributeValue{":purging": sAttr(string(StatusPurging)), ":blob": sAttr(string(blob)), ":now": sAttr(ts), ":one": num(1)}
	if owner != "" {
		cond += " AND #po = :owner"
		names["#po"] = "purge_owner"
		values[":owner"] = sAttr(owner)
	}
	_, err := r.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(r.Table), Key: key(id),
		ConditionExpression:       aws.String(cond),
		UpdateExpression:          aws.String("SET #c = :blob, #ca = :now, #v = #v + :one, #u = :now"),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	})
	if err != nil {
		if conditionFailed(err) {
			return r.explain(ctx, id, "save checkpoint", func(t Tenant) string {
				if t.Status == StatusPurging {
					return fmt.Sprintf("the purge is now owned by %q, not %q", t.PurgeOwner, owner)
				}
				return fmt.Sprintf("status is %s, not purging", t.Status)
			})
		}
		return fmt.Errorf("save checkpoint of tenant %s: %w", id, err)
	}
	return nil
}

// MarkPurged records that the tenant's purge is verified complete at at,
// conditional on the tenant being purging. Calling it again with the same
// time is not an error (a retried final step); with another time it is
// ErrConflict.
func (r *Registry) MarkPurged(ctx context.Context, id string, at time.Time) error {
	if err := ValidateID(id); err != nil {
		return fmt.Errorf("mark purged: %w", err)
	}
	if at.IsZero() {
		return fmt.Errorf("mark tenant %s purged: the purge time is zero: %w", id, ErrInvalid)
	}
	ts := stamp(at)
	_, err := r.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(r.Table), Key: key(id),
		ConditionExpression: aws.String("#s = :purging"),
		UpdateExpression:    aws.String("SET #s = :purged, #pa = :at, #v = #v + :one, #u = :now"),
		ExpressionAttributeNames: map[string]string{
			"#s": StatusAttribute, "#pa": "purged_at", "#v": "version", "#u": "updated_at",
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":purging": sAttr(string(StatusPurging)), ":purged": sAttr(string(StatusPurged)),
			":at": sAttr(ts), ":now": sAttr(stamp(r.now())), ":one": num(1),
		},
	})
	if err == nil {
		r.log().Info("tenant purged", "tenant_id", id, "purged_at", ts)
		return nil
	}
	if !conditionFailed(err) {
		return fmt.Errorf("mark tenant %s purged: %w", id, err)
	}
	t, gerr := r.Get(ctx, id)
	if gerr == nil && t.Status == StatusPurged && stamp(t.Purged) == ts {
		return nil
	}
	return r.explain(ctx, id, "mark purged", func(t Tenant) string {
		if t.Status == StatusPurged {
			return fmt.Sprintf("already purged at %s", stamp(t.Purged))
		}
		return fmt.Sprintf("status is %s: only a tenant whose purge has started can be marked purged", t.Status)
	})
}

// explain turns a failed condition into ErrNotFound or ErrConflict with the
// tenant's current state.
func (r *Registry) explain(ctx context.Context, id, doing string, why func(Tenant) string) error {
	t, err := r.load(ctx, id)
	switch {
	case err != nil:
		return fmt.Errorf("%s of tenant %s: %w (and reading it back failed: %v)", doing, id, ErrConflict, err)
	case t == nil:
		return fmt.Errorf("%s of tenant %s: %w", doing, id, ErrNotFound)
	}
	return fmt.Errorf("%s of tenant %s: %w: %s", doing, id, ErrConflict, why(*t))
}
