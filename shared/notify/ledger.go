package notify

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/pledge-dev/pledge/shared/finding"
)

// Ledger table layout, shared with the CDK stack (infra/stack/notifier.go).
const (
	// FindingKey is the partition key (S): the finding id.
	FindingKey = "finding_id"
	// TenantKey is the sort key (S): the tenant id, or OpsTenantID.
	TenantKey = "tenant_id"
	// ExpiresAttribute is the TTL attribute (N, epoch seconds).
	ExpiresAttribute = "expires_at"
)

// OpsTenantID is the ledger's sort key for the ops message of a finding.
// Tenant ids are lower-case letters, digits and '-', so no tenant can have
// it.
const OpsTenantID = "_ops"

// DefaultRetention is how long a ledger entry is kept after its last write
// when Ledger.Retention is zero: longer than GuardDuty keeps findings (90
// days), so an old finding updated again is still known.
const DefaultRetention = 180 * 24 * time.Hour

// DefaultSendLease is how long a sender holds a notice before another
// delivery of it may send it, when Ledger.SendLease is zero. It is longer
// than the function's timeout (one minute) and shorter than the queue's
// visibility timeout (six minutes), so a redelivery after a crash finds the
// lease expired.
const DefaultSendLease = 2 * time.Minute

// timeLayout is the stored time format: UTC, fixed width, so that stored
// times compare correctly as strings in condition expressions.
const timeLayout = "2006-01-02T15:04:05.000Z"

// Attribute names of a ledger item.
const (
	attrType         = "finding_type"
	attrBand         = "band"
	attrBandRank     = "band_rank"
	attrCount        = "finding_count"
	attrSeq          = "notice_seq"
	attrDetected     = "detected_at"
	attrUpdated      = "updated_at"
	attrQueued       = "queued_at"
	attrLastNotified = "last_notified"
	attrSent         = "sent_at"
	attrMessageID    = "message_id"
	attrMessageIDs   = "message_ids"
	attrSending      = "sending_at"
	attrSentGroups   = "sent_groups"
)

// LedgerDB is the part of the DynamoDB client the ledger uses.
type LedgerDB interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
}

// Ledger records, per finding and tenant, the notices claimed, queued and
// sent, in one DynamoDB table (partition key FindingKey, sort key
// TenantKey, TTL ExpiresAttribute).
type Ledger struct {
	DB    LedgerDB
	Table string
	// QuietPeriod after the last notice before an unchanged finding is
	// notified again. It must be positive.
	QuietPeriod time.Duration
	// Retention after the last write before DynamoDB's TTL removes an
	// entry; DefaultRetention when zero.
	Retention time.Duration
	// SendLease is how long BeginSend holds a notice; DefaultSendLease when
	// zero.
	SendLease time.Duration
}

// Entry is one ledger item.
type Entry struct {
	FindingID string
	TenantID  string
	Type      string
	// Band is the band of the last notice claimed.
	Band finding.Band
	// Count is the finding's count when the last notice was claimed.
	Count int
	// Seq numbers the notices claimed for this finding and tenant: 1 for
	// the first. Zero means none is claimed.
	Seq int
	// Detected and Updated are the finding's times at the last claim.
	Detected, Updated time.Time
	// Queued is when the last notice was claimed and queued; it is also the
	// last-notified time the quiet period runs from.
	Queued time.Time
	// Sent is when the last notice was sent; zero until then.
	Sent time.Time
	// MessageIDs are SES's ids of the last notice's e-mails.
	MessageIDs []string
	// Sending is when a sender leased the last notice; zero when none holds
	// it.
	Sending time.Time
	// SentGroups are the contact groups (Audience.Key) already mailed for
	// the last notice.
	SentGroups []string
}

// Kind is why a notice is due.
type Kind string

// The kinds of notice.
const (
	KindFirst    Kind = "first"
	KindUpgrade  Kind = "upgrade"
	KindReminder Kind = "reminder"
)

// Suppression says why no notice is due.
type Suppression string

// The reasons a notice is not due.
const (
	// SuppressedDuplicate: same band (or a lower one) within the quiet
	// period: a redelivery, a re-emitted finding with a higher count, or a
	// change another delivery claimed concurrently.
	SuppressedDuplicate Suppression = "duplicate"
)

// Decision is whether a notice is due for one finding and tenant.
type Decision struct {
	Due bool
	// Kind is set when Due.
	Kind Kind
	// Suppressed is set when not Due.
	Suppressed Suppression
}

// Decide is the ledger's rule, pure: prev is the stored entry (nil or Seq 0
// when no notice was ever claimed), band and updated the finding's band and
// last update now. A notice is due when none was claimed (first), when band
// is above the band last notified (upgrade), or when quiet has passed since
// the last notice and the finding has been updated since (reminder). A
// finding that has not changed is never notified again, however late it is
// delivered again: a replay sends nothing.
func Decide(prev *Entry, band finding.Band, updated, now time.Time, quiet time.Duration) Decision {
	switch {
	case prev == nil || prev.Seq == 0:
		return Decision{Due: true, Kind: KindFirst}
	case band > prev.Band:
		return Decision{Due: true, Kind: KindUpgrade}
	case !prev.Queued.After(now.Add(-quiet)) && updated.Truncate(time.Millisecond).After(prev.Updated):
		return Decision{Due: true, Kind: KindReminder}
	}
	return Decision{Suppressed: SuppressedDuplicate}
}

// Claim is a notice claimed in the ledger.
type Claim struct {
	FindingID, TenantID string
	Seq                 int
	Kind                Kind
	Queued              time.Time
	// old is the item before the claim, for Release; nil when there was
	// none.
	old map[string]types.AttributeValue
}

func (l *Ledger) key(findingID, tenantID string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		FindingKey: &types.AttributeValueMemberS{Value: findingID},
		TenantKey:  &types.AttributeValueMemberS{Value: tenantID},
	}
}

func (l *Ledger) retention() time.Duration {
	if l.Retention > 0 {
		return l.Retention
	}
	return DefaultRetention
}

func (l *Ledger) lease() time.Duration {
	if l.SendLease > 0 {
		return l.SendLease
	}
	return DefaultSendLease
}

func (l *Ledger) expires(now time.Time) types.AttributeValue {
	return num(now.Add(l.retention()).Unix())
}

func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }
func num[T int | int64](n T) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(int64(n), 10)}
}
func stamp(t time.Time) types.AttributeValue { return str(t.UTC().Format(timeLayout)) }

// Claim claims a notice for tenantID about f at now, if one is due by
// Decide's rule. The rule is the write's condition, so of two concurrent
// claims of the same change exactly one succeeds; the other gets a Decision
// that is not Due (SuppressedDuplicate).
func (l *Ledger) Claim(ctx context.Context, f finding.Finding, tenantID string, now time.Time) (Claim, Decision, error) {
	if l.QuietPeriod <= 0 {
		return Claim{}, Decision{}, fmt.Errorf("ledger: quiet period %s is not positive", l.QuietPeriod)
	}
	out, err := l.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           aws.String(l.Table),
		Key:                 l.key(f.ID, tenantID),
		ConditionExpression: aws.String("attribute_not_exists(#seq) OR #rank < :rank OR (#last <= :cutoff AND #upd < :upd)"),
		UpdateExpression: aws.String("SET #type = :type, #band = :band, #rank = :rank, #count = :count, #det = :det, #upd = :upd, " +
			"#queued = :now, #last = :now, #exp = :exp, #seq = if_not_exists(#seq, :zero) + :one " +
			"REMOVE #sent, #msg, #msgs, #sending, #groups"),
		ExpressionAttributeNames: map[string]string{
			"#seq": attrSeq, "#rank": attrBandRank, "#last": attrLastNotified, "#type": attrType, "#band": attrBand,
			"#count": attrCount, "#det": attrDetected, "#upd": attrUpdated, "#queued": attrQueued, "#exp": ExpiresAttribute,
			"#sent": attrSent, "#msg": attrMessageID, "#msgs": attrMessageIDs, "#sending": attrSending, "#groups": attrSentGroups,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":rank": num(int(f.Band)), ":cutoff": stamp(now.Add(-l.QuietPeriod)), ":type": str(f.Type), ":band": str(f.Band.String()),
			":count": num(f.Count), ":det": stamp(f.Detected), ":upd": stamp(f.Updated), ":now": stamp(now),
			":exp": l.expires(now), ":zero": num(0), ":one": num(1),
		},
		ReturnValues: types.ReturnValueAllOld,
	})
	if conditionFailed(err) {
		// Either the rule says no, or a concurrent delivery claimed the
		// same change a moment earlier: to this delivery both are
		// duplicates.
		return Claim{}, Decision{Suppressed: SuppressedDuplicate}, nil
	}
	if err != nil {
		return Claim{}, Decision{}, fmt.Errorf("ledger: claim notice %s/%s: %w", f.ID, tenantID, err)
	}
	var prev *Entry
	if len(out.Attributes) > 0 {
		e, err := decodeEntry(out.Attributes)
		if err != nil {
			return Claim{}, Decision{}, fmt.Errorf("ledger: claim notice %s/%s: previous entry: %w", f.ID, tenantID, err)
		}
		prev = &e
	}
	d := Decide(prev, f.Band, f.Updated, now, l.QuietPeriod)
	if !d.Due {
		// The write's condition is Decide's rule, so this cannot happen
		// with entries this package wrote; the claim is made, so report it
		// as the one kind the condition allows without a rise in band.
		d = Decision{Due: true, Kind: KindReminder}
	}
	seq := 1
	if prev != nil {
		seq = prev.Seq + 1
	}
	return Claim{FindingID: f.ID, TenantID: tenantID, Seq: seq, Kind: d.Kind, Queued: now.UTC().Truncate(time.Millisecond), old: out.Attributes}, d, nil
}

// Release undoes a claim whose notice could not be queued, so that a retry
// of the same event claims it again. It restores the entry as it was, on
// condition that no later claim has been made.
func (l *Ledger) Release(ctx context.Context, c Claim) error {
	item := c.old
	if len(item) == 0 {
		item = l.key(c.FindingID, c.TenantID)
		item[ExpiresAttribute] = l.expires(c.Queued)
	}
	_, err := l.DB.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                 aws.String(l.Table),
		Item:                      item,
		ConditionExpression:       aws.String("#seq = :seq"),
		ExpressionAttributeNames:  map[string]string{"#seq": attrSeq},
		ExpressionAttributeValues: map[string]types.AttributeValue{":seq": num(c.Seq)},
	})
	if conditionFailed(err) {
		return nil // a later claim replaced it; nothing to undo
	}
	if err != nil {
		return fmt.Errorf("ledger: release notice %s/%s #%d: %w", c.FindingID, c.TenantID, c.Seq, err)
	}
	return nil
}

// Get reads an entry consistently; nil when there is none.
func (l *Ledger) Get(ctx context.Context, findingID, tenantID string) (*Entry, error) {
	out, err := l.DB.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(l.Table), Key: l.key(findingID, tenantID), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("ledger: read %s/%s: %w", findingID, tenantID, err)
	}
	if len(out.Item) == 0 {
		return nil, nil
	}
	e, err := decodeEntry(out.Item)
	if err != nil {
		return nil, fmt.Errorf("ledger: read %s/%s: %w", findingID, tenantID, err)
	}
	return &e, nil
}

// SendState says whether a queued notice may be sent.
type SendState string

// The answers of BeginSend.
const (
	// SendGo: the caller holds the lease and sends.
	SendGo SendState = "send"
	// SendDone: the notice was sent already (a redelivered message).
	SendDone SendState = "already-sent"
	// SendSuperseded: the ledger holds another notice for this finding and
	// tenant (a newer claim, or the claim was released); this one is not
	// sent.
	SendSuperseded SendState = "superseded"
	// SendBusy: another sender holds an unexpired lease; retry later.
	SendBusy SendState = "busy"
)

// BeginSend leases notice seq of findingID for tenantID to the caller at
// now. With SendGo it returns the entry, whose SentGroups lists the contact
// groups already mailed by an earlier, interrupted attempt.
func (l *Ledger) BeginSend(ctx context.Context, findingID, tenantID string, seq int, now time.Time) (SendState, *Entry, error) {
	out, err := l.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                aws.String(l.Table),
		Key:                      l.key(findingID, tenantID),
		ConditionExpression:      aws.String("#seq = :seq AND attribute_not_exists(#sent) AND (attribute_not_exists(#sending) OR #sending <= :cutoff)"),
		UpdateExpression:         aws.String("SET #sending = :now"),
		ExpressionAttributeNames: map[string]string{"#seq": attrSeq, "#sent": attrSent, "#sending": attrSending},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":seq": num(seq), ":cutoff": stamp(now.Add(-l.lease())), ":now": stamp(now),
		},
		ReturnValues: types.ReturnValueAllNew,
	})
	if conditionFailed(err) {
		e, gerr := l.Get(ctx, findingID, tenantID)
		if gerr != nil {
			return "", nil, gerr
		}
		switch {
		case e == nil || e.Seq != seq:
			return SendSuperseded, e, nil
		case !e.Sent.IsZero():
			return SendDone, e, nil
		}
		return SendBusy, e, nil
	}
	if err != nil {
		return "", nil, fmt.Errorf("ledger: lease notice %s/%s #%d: %w", findingID, tenantID, seq, err)
	}
	e, err := decodeEntry(out.Attributes)
	if err != nil {
		return "", nil, fmt.Errorf("ledger: lease notice %s/%s #%d: %w", findingID, tenantID, seq, err)
	}
	return SendGo, &e, nil
}

// MarkGroupSent records that one contact group of notice seq was mailed,
// with SES's message id, so that a retry does not mail it again.
func (l *Ledger) MarkGroupSent(ctx context.Context, findingID, tenantID string, seq int, group, messageID string) error {
	_, err := l.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                aws.String(l.Table),
		Key:                      l.key(findingID, tenantID),
		ConditionExpression:      aws.String("#seq = :seq"),
		UpdateExpression:         aws.String("ADD #groups :group, #msgs :msg"),
		ExpressionAttributeNames: map[string]string{"#seq": attrSeq, "#groups": attrSentGroups, "#msgs": attrMessageIDs},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":seq": num(seq), ":group": &types.AttributeValueMemberSS{Value: []string{group}},
			":msg": &types.AttributeValueMemberSS{Value: []string{messageID}},
		},
	})
	if err != nil {
		return fmt.Errorf("ledger: record group sent for %s/%s #%d: %w", findingID, tenantID, seq, err)
	}
	return nil
}

// MarkSent records that notice seq was sent at sent, with SES's message
// ids, and frees the lease.
func (l *Ledger) MarkSent(ctx context.Context, findingID, tenantID string, seq int, sent time.Time, messageIDs []string) error {
	_, err := l.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                aws.String(l.Table),
		Key:                      l.key(findingID, tenantID),
		ConditionExpression:      aws.String("#seq = :seq AND attribute_not_exists(#sent)"),
		UpdateExpression:         aws.String("SET #sent = :sent, #msg = :msg, #exp = :exp REMOVE #sending"),
		ExpressionAttributeNames: map[string]string{"#seq": attrSeq, "#sent": attrSent, "#msg": attrMessageID, "#sending": attrSending, "#exp": ExpiresAttribute},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":seq": num(seq), ":sent": stamp(sent), ":msg": str(strings.Join(messageIDs, ",")), ":exp": l.expires(sent),
		},
	})
	if err != nil {
		return fmt.Errorf("ledger: mark notice %s/%s #%d sent: %w", findingID, tenantID, seq, err)
	}
	return nil
}

// EndSend frees the lease of a notice that could not be sent, so that the
// next delivery need not wait for it to expire.
func (l *Ledger) EndSend(ctx context.Context, findingID, tenantID string, seq int) error {
	_, err := l.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(l.Table),
		Key:                       l.key(findingID, tenantID),
		ConditionExpression:       aws.String("#seq = :seq AND attribute_not_exists(#sent)"),
		UpdateExpression:          aws.String("REMOVE #sending"),
		ExpressionAttributeNames:  map[string]string{"#seq": attrSeq, "#sent": attrSent, "#sending": attrSending},
		ExpressionAttributeValues: map[string]types.AttributeValue{":seq": num(seq)},
	})
	if conditionFailed(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("ledger: free lease of %s/%s #%d: %w", findingID, tenantID, seq, err)
	}
	return nil
}

func conditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

func decodeEntry(item map[string]types.AttributeValue) (Entry, error) {
	var e Entry
	var errs []error
	s := func(name string) string {
		v, ok := item[name]
		if !ok {
			return ""
		}
		sv, ok := v.(*types.AttributeValueMemberS)
		if !ok {
			errs = append(errs, fmt.Errorf("%s: not a string", name))
			return ""
		}
		return sv.Value
	}
	n := func(name string) int {
		v, ok := item[name]
		if !ok {
			return 0
		}
		nv, ok := v.(*types.AttributeValueMemberN)
		if !ok {
			errs = append(errs, fmt.Errorf("%s: not a number", name))
			return 0
		}
		i, err := strconv.Atoi(nv.Value)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %q is not an integer", name, nv.Value))
		}
		return i
	}
	t := func(name string) time.Time {
		v := s(name)
		if v == "" {
			return time.Time{}
		}
		tt, err := time.Parse(time.RFC3339, v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %q is not a time", name, v))
		}
		return tt
	}
	ss := func(name string) []string {
		v, ok := item[name]
		if !ok {
			return nil
		}
		sv, ok := v.(*types.AttributeValueMemberSS)
		if !ok {
			errs = append(errs, fmt.Errorf("%s: not a string set", name))
			return nil
		}
		out := slices.Clone(sv.Value)
		slices.Sort(out)
		return out
	}
	e.FindingID, e.TenantID, e.Type = s(FindingKey), s(TenantKey), s(attrType)
	if b := s(attrBand); b != "" {
		band, err := finding.ParseBand(b)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", attrBand, err))
		}
		e.Band = band
	}
	e.Count, e.Seq = n(attrCount), n(attrSeq)
	e.Detected, e.Updated, e.Queued, e.Sent, e.Sending = t(attrDetected), t(attrUpdated), t(attrLastNotified), t(attrSent), t(attrSending)
	e.MessageIDs = ss(attrMessageIDs)
	e.SentGroups = ss(attrSentGroups)
	if len(errs) > 0 {
		return e, fmt.Errorf("ledger entry %s/%s: %w", e.FindingID, e.TenantID, errors.Join(errs...))
	}
	return e, nil
}

// TableAPI is the part of the DynamoDB client CreateLedgerTable uses.
type TableAPI interface {
	CreateTable(ctx context.Context, in *dynamodb.CreateTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error)
	DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
}

// CreateLedgerTable creates a ledger table with the layout the CDK stack
// creates (partition key finding_id, sort key tenant_id, on-demand) and
// waits until it is active. It is for tests and the sandbox; in AWS the
// stack owns the table and its TTL on expires_at.
func CreateLedgerTable(ctx context.Context, db TableAPI, name string) error {
	_, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String(name),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String(FindingKey), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String(TenantKey), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String(FindingKey), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(TenantKey), KeyType: types.KeyTypeRange},
		},
		BillingMode: types.BillingModePayPerRequest,
	})
	if err != nil {
		return fmt.Errorf("create ledger table %s: %w", name, err)
	}
	if err := dynamodb.NewTableExistsWaiter(db).Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, time.Minute); err != nil {
		return fmt.Errorf("create ledger table %s: wait until active: %w", name, err)
	}
	return nil
}
