package notify

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Ledger sort keys of the tally items. Tenant ids are lower-case letters,
// digits and '-', so none can equal them.
const (
	// TallyTenantID holds a CloudTrail finding's count of calls and the
	// times of the first and the last in the current window.
	TallyTenantID = "_tally"
	// eventPrefix + event id marks one CloudTrail event as counted, then as
	// handled, so that a replay of it is recognised.
	eventPrefix = "_event#"
)

// Event states of the per-event marker.
const (
	eventCounted = "counted"
	eventHandled = "handled"
)

const (
	attrState = "event_state"
	attrFirst = "first_at"
	attrLast  = "last_at"
)

// Tally is the count of identical CloudTrail calls grouped into one finding
// in the current window, and what this delivery was.
type Tally struct {
	Count       int
	First, Last time.Time
	// Replayed: this event was handled before (a replay or a duplicate
	// delivery after success); nothing more is to be done for it.
	Replayed bool
	// Recounted: this event was counted by an earlier delivery that failed
	// later; it is not counted again, but the rest of the work is redone.
	Recounted bool
}

// Tally records one CloudTrail event (eventID, at) of the grouped finding
// findingID and returns the count so far in the current window: calls more
// than window after the window's first start a new window. An event already
// counted is not counted again. In a dry run nothing is written and the
// tally is what it would be.
func (l *Ledger) Tally(ctx context.Context, findingID, eventID string, at time.Time, window time.Duration, now time.Time, dryRun bool) (Tally, error) {
	marker, err := l.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(l.Table), Key: l.key(findingID, eventPrefix+eventID), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return Tally{}, fmt.Errorf("ledger: read event %s of %s: %w", eventID, findingID, err)
	}
	if len(marker.Item) > 0 {
		t, err := l.GetTally(ctx, findingID)
		if err != nil {
			return Tally{}, err
		}
		if s, _ := marker.Item[attrState].(*types.AttributeValueMemberS); s != nil && s.Value == eventHandled {
			t.Replayed = true
		} else {
			t.Recounted = true
		}
		return t, nil
	}
	at = at.UTC()
	cutoff := stamp(at.Add(-window))
	if dryRun {
		t, err := l.GetTally(ctx, findingID)
		if err != nil {
			return Tally{}, err
		}
		if t.Count == 0 || !t.First.After(at.Add(-window)) {
			return Tally{Count: 1, First: at, Last: at}, nil
		}
		t.Count++
		t.First, t.Last = minTime(t.First, at), maxTime(t.Last, at)
		return t, nil
	}
	_, err = l.DB.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(l.Table),
		Item: map[string]types.AttributeValue{
			FindingKey: str(findingID), TenantKey: str(eventPrefix + eventID), attrState: str(eventCounted), ExpiresAttribute: l.expires(now),
		},
		ConditionExpression:      aws.String("attribute_not_exists(#f)"),
		ExpressionAttributeNames: map[string]string{"#f": FindingKey},
	})
	if conditionFailed(err) {
		// A concurrent delivery of the same event counts it.
		t, err := l.GetTally(ctx, findingID)
		t.Recounted = true
		return t, err
	}
	if err != nil {
		return Tally{}, fmt.Errorf("ledger: mark event %s of %s: %w", eventID, findingID, err)
	}
	key := l.key(findingID, TallyTenantID)
	for attempt := 0; attempt < 3; attempt++ {
		out, err := l.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: aws.String(l.Table), Key: key,
			ConditionExpression:      aws.String("#first > :cutoff"),
			UpdateExpression:         aws.String("ADD #count :one SET #exp = :exp"),
			ExpressionAttributeNames: map[string]string{"#first": attrFirst, "#count": attrCount, "#exp": ExpiresAttribute},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":cutoff": cutoff, ":one": num(1), ":exp": l.expires(now),
			},
			ReturnValues: types.ReturnValueAllNew,
		})
		if err == nil {
			t, derr := decodeTally(out.Attributes)
			if derr != nil {
				return Tally{}, derr
			}
			return l.stretch(ctx, key, t, at)
		}
		if !conditionFailed(err) {
			return Tally{}, fmt.Errorf("ledger: count event %s of %s: %w", eventID, findingID, err)
		}
		// No window yet, or the last one is over: start one.
		_, err = l.DB.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: aws.String(l.Table),
			Item: map[string]types.AttributeValue{
				FindingKey: str(findingID), TenantKey: str(TallyTenantID), attrCount: num(1),
				attrFirst: stamp(at), attrLast: stamp(at), ExpiresAttribute: l.expires(now),
			},
			ConditionExpression:       aws.String("attribute_not_exists(#first) OR #first <= :cutoff"),
			ExpressionAttributeNames:  map[string]string{"#first": attrFirst},
			ExpressionAttributeValues: map[string]types.AttributeValue{":cutoff": cutoff},
		})
		if err == nil {
			return Tally{Count: 1, First: at, Last: at}, nil
		}
		if !conditionFailed(err) {
			return Tally{}, fmt.Errorf("ledger: start the count of %s: %w", findingID, err)
		}
		// Another delivery started the window a moment ago: count in it.
	}
	return Tally{}, fmt.Errorf("ledger: count event %s of %s: the window kept changing", eventID, findingID)
}

// stretch moves the window's first or last time to at when at lies
// outside them (events arrive in any order).
func (l *Ledger) stretch(ctx context.Context, key map[string]types.AttributeValue, t Tally, at time.Time) (Tally, error) {
	for _, b := range []struct {
		attr, cond string
		apply      bool
	}{{attrLast, "#t < :at", at.After(t.Last)}, {attrFirst, "#t > :at", at.Before(t.First)}} {
		if !b.apply {
			continue
		}
		_, err := l.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: aws.String(l.Table), Key: key,
			ConditionExpression:       aws.String(b.cond),
			UpdateExpression:          aws.String("SET #t = :at"),
			ExpressionAttributeNames:  map[string]string{"#t": b.attr},
			ExpressionAttributeValues: map[string]types.AttributeValue{":at": stamp(at)},
		})
		if err != nil && !conditionFailed(err) {
			return Tally{}, fmt.Errorf("ledger: record the time of a counted event: %w", err)
		}
	}
	t.First, t.Last = minTime(t.First, at), maxTime(t.Last, at)
	return t, nil
}

// MarkHandled records that a CloudTrail event was handled completely, so
// that a replay of it changes nothing.
func (l *Ledger) MarkHandled(ctx context.Context, findingID, eventID string) error {
	_, err := l.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(l.Table), Key: l.key(findingID, eventPrefix+eventID),
		UpdateExpression:          aws.String("SET #s = :s"),
		ExpressionAttributeNames:  map[string]string{"#s": attrState},
		ExpressionAttributeValues: map[string]types.AttributeValue{":s": str(eventHandled)},
	})
	if err != nil {
		return fmt.Errorf("ledger: mark event %s of %s handled: %w", eventID, findingID, err)
	}
	return nil
}

// GetTally reads a finding's current count; a zero Tally when none.
func (l *Ledger) GetTally(ctx context.Context, findingID string) (Tally, error) {
	out, err := l.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(l.Table), Key: l.key(findingID, TallyTenantID), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return Tally{}, fmt.Errorf("ledger: read the count of %s: %w", findingID, err)
	}
	return decodeTally(out.Item)
}

func decodeTally(item map[string]types.AttributeValue) (Tally, error) {
	if len(item) == 0 {
		return Tally{}, nil
	}
	var t Tally
	var err error
	if n, ok := item[attrCount].(*types.AttributeValueMemberN); ok {
		if _, err = fmt.Sscan(n.Value, &t.Count); err != nil {
			return Tally{}, fmt.Errorf("ledger: count %q: %w", n.Value, err)
		}
	}
	for _, f := range []struct {
		attr string
		dst  *time.Time
	}{{attrFirst, &t.First}, {attrLast, &t.Last}} {
		if s, ok := item[f.attr].(*types.AttributeValueMemberS); ok {
			if *f.dst, err = time.Parse(time.RFC3339, s.Value); err != nil {
				return Tally{}, fmt.Errorf("ledger: %s %q: %w", f.attr, s.Value, err)
			}
		}
	}
	return t, nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
