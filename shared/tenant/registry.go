package tenant

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/pledge-dev/pledge/shared/config"
)

// DB is the part of the DynamoDB client the registry uses.
type DB interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
}

// Registry is the tenant registry in one DynamoDB table.
type Registry struct {
	// DB is the DynamoDB client.
	DB DB
	// Table is the registry table's name.
	Table string
	// Config gives the buckets, prefix template, grace period and deadline.
	Config config.Tenants
	// Now is the clock of the records' bookkeeping times (updated_at, the
	// future-event check of Apply); time.Now when nil.
	Now func() time.Time
	// WallClock is the real clock, which decides whether a purge may start
	// and stamps purge_started_at and notice_sent_at whatever Now says:
	// a caller running as if it were later (invoke -now) cannot purge a
	// tenant early. time.Now when nil; only tests replace it.
	WallClock func() time.Time
	// PageSize caps the items of one Query page (DynamoDB's Limit); 0 leaves
	// it to DynamoDB (1 MB pages).
	PageSize int32
	// Logger receives one line per applied event and status change; nothing
	// is logged when nil. Contacts' addresses are never logged.
	Logger *slog.Logger
}

// New returns a registry over the table, checking what it relies on: a
// table name, at least one bucket, and a prefix template ending in
// "{tenant}/".
func New(db DB, table string, cfg config.Tenants) (*Registry, error) {
	switch {
	case db == nil:
		return nil, fmt.Errorf("tenant registry: no DynamoDB client: %w", ErrInvalid)
	case table == "":
		return nil, fmt.Errorf("tenant registry: table name is empty: %w", ErrInvalid)
	case len(cfg.Buckets) == 0:
		return nil, fmt.Errorf("tenant registry: tenants.buckets is empty: %w: want at least one bucket that holds tenant data", ErrInvalid)
	case strings.Count(cfg.PrefixTemplate, config.TenantPlaceholder) != 1 || !strings.HasSuffix(cfg.PrefixTemplate, config.TenantPlaceholder+"/"):
		return nil, fmt.Errorf("tenant registry: tenants.prefixTemplate %q is %w: want one ending in %q", cfg.PrefixTemplate, ErrInvalid, config.TenantPlaceholder+"/")
	}
	return &Registry{DB: db, Table: table, Config: cfg}, nil
}

func (r *Registry) now() time.Time {
	if r.Now == nil {
		return time.Now()
	}
	return r.Now()
}

func (r *Registry) wall() time.Time {
	if r.WallClock == nil {
		return time.Now()
	}
	return r.WallClock()
}

func (r *Registry) log() *slog.Logger {
	if r.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return r.Logger
}

// MaxApplyAttempts bounds how often Apply re-reads a tenant and decides
// again after losing a conditional write to a concurrent writer.
const MaxApplyAttempts = 5

// Apply applies one lifecycle event: it reads the tenant, decides with
// Transition, and writes the new record conditionally on the version and
// status it read. When another writer changed the tenant in between, it
// reads and decides again (a reinstatement that lost the race to the start
// of the purge then fails with ErrConflict). Duplicate, out-of-order and
// redundant events return an Outcome saying so and a nil error.
func (r *Registry) Apply(ctx context.Context, ev Event) (Outcome, error) {
	for attempt := 1; ; attempt++ {
		cur, err := r.load(ctx, ev.TenantID)
		if err != nil {
			return Outcome{TenantID: ev.TenantID, EventID: ev.ID, Event: ev.Type}, fmt.Errorf("apply %s event %s: %w", ev.Type, ev.ID, err)
		}
		next, out, err := Transition(cur, ev, r.Config, r.now())
		if err != nil {
			r.log().Warn("tenant lifecycle event rejected", "tenant_id", ev.TenantID, "event_id", ev.ID, "event_type", string(ev.Type), "error", err.Error())
			return out, err
		}
		if out.Result != ResultApplied && out.Result != ResultRedundant {
			r.log().Info("tenant lifecycle event not applied", "tenant_id", ev.TenantID, "event_id", ev.ID, "event_type", string(ev.Type), "result", string(out.Result), "reason", out.Reason, "status", string(out.To))
			return out, nil
		}
		err = r.put(ctx, next, cur)
		if err == nil {
			r.log().Info("tenant lifecycle event applied", "tenant_id", ev.TenantID, "event_id", ev.ID, "event_type", string(ev.Type), "result", string(out.Result), "from_status", string(out.From), "to_status", string(out.To), "version", next.Version)
			return out, nil
		}
		if !conditionFailed(err) {
			return out, fmt.Errorf("apply %s event %s for tenant %s: %w", ev.Type, ev.ID, ev.TenantID, err)
		}
		if attempt >= MaxApplyAttempts {
			return out, fmt.Errorf("apply %s event %s for tenant %s: %w: the tenant changed under %d attempts in a row", ev.Type, ev.ID, ev.TenantID, ErrConflict, attempt)
		}
	}
}

// put writes t, conditional on the tenant being absent (cur nil) or still
// at cur's version and status.
func (r *Registry) put(ctx context.Context, t Tenant, cur *Tenant) error {
	av, err := marshalTenant(t)
	if err != nil {
		return err
	}
	in := &dynamodb.PutItemInput{TableName: aws.String(r.Table), Item: av}
	if cur == nil {
		in.ConditionExpression = aws.String("attribute_not_exists(#k)")
		in.ExpressionAttributeNames = map[string]string{"#k": KeyAttribute}
	} else {
		in.ConditionExpression = aws.String("#v = :v AND #s = :s")
		in.ExpressionAttributeNames = map[string]string{"#v": "version", "#s": StatusAttribute}
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":v": num(cur.Version), ":s": sAttr(string(cur.Status))}
	}
	if _, err := r.DB.PutItem(ctx, in); err != nil {
		return fmt.Errorf("put tenant %s: %w", t.ID, err)
	}
	return nil
}

// Get returns the tenant, read consistently. The error wraps ErrNotFound
// when there is none and ErrInvalid when id is not a valid tenant id.
func (r *Registry) Get(ctx context.Context, id string) (Tenant, error) {
	t, err := r.load(ctx, id)
	if err != nil {
		return Tenant{}, err
	}
	if t == nil {
		return Tenant{}, fmt.Errorf("get tenant %s: %w", id, ErrNotFound)
	}
	return *t, nil
}

func (r *Registry) load(ctx context.Context, id string) (*Tenant, error) {
	if err := ValidateID(id); err != nil {
		return nil, err
	}
	out, err := r.DB.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(r.Table), Key: key(id), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("get tenant %s: %w", id, err)
	}
	if len(out.Item) == 0 {
		return nil, nil
	}
	t, err := fromItem(out.Item)
	if err != nil {
		return nil, fmt.Errorf("get tenant %s: %w", id, err)
	}
	return &t, nil
}

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

// Due returns the tenants whose purge may run at now: terminated ones whose
// purge may start (Tenant.Blocked: due, noticed long enough ago, on a purge
// day), and purging ones (to resume), ordered by PurgeDue then id. The index
// is eventually consistent: StartPurge checks again. Items that cannot be
// read are left out and reported in the error, alongside the tenants that
// could be read.
func (r *Registry) Due(ctx context.Context, now time.Time) ([]Tenant, error) {
	terminated, err1 := r.query(ctx, StatusTerminated, "#pd <= :hi", "", stamp(now))
	purging, err2 := r.query(ctx, StatusPurging, "", "", "")
	due := purging
	for _, t := range terminated {
		if t.Blocked(r.Config, now) == "" {
			due = append(due, t)
		}
	}
	return sortTenants(due), errors.Join(err1, err2)
}

// Upcoming returns the terminated tenants whose purge falls due within days
// of now but may not start at now: those not yet due, and those due but
// waiting (for the advance notice to have been out long enough, or for a
// purge day). These are the tenants the advance notice is about. A
// backdated termination is among them from its first sweep, however long
// ago its purge fell due.
func (r *Registry) Upcoming(ctx context.Context, now time.Time, days int) ([]Tenant, error) {
	if days < 0 {
		return nil, fmt.Errorf("upcoming purges: days %d is %w: want 0 or more", days, ErrInvalid)
	}
	ts, err := r.query(ctx, StatusTerminated, "#pd <= :hi", "", stamp(now.AddDate(0, 0, days)))
	var out []Tenant
	for _, t := range ts {
		if t.Blocked(r.Config, now) != "" {
			out = append(out, t)
		}
	}
	return sortTenants(out), err
}

// List returns every tenant with the status, for example StatusActive for
// platform-wide notices.
func (r *Registry) List(ctx context.Context, status Status) ([]Tenant, error) {
	if !status.Valid() {
		return nil, fmt.Errorf("list tenants: status %q is %w: want active, terminated, purging or purged", status, ErrInvalid)
	}
	ts, err := r.query(ctx, status, "", "", "")
	return sortTenants(ts), err
}

// query reads the by_status index for one status, with an optional
// condition on purge_due (placeholders #pd, :lo, :hi).
func (r *Registry) query(ctx context.Context, status Status, dueCond, lo, hi string) ([]Tenant, error) {
	cond := "#s = :s"
	names := map[string]string{"#s": StatusAttribute}
	values := map[string]types.AttributeValue{":s": sAttr(string(status))}
	if dueCond != "" {
		cond += " AND " + dueCond
		names["#pd"] = PurgeDueAttribute
		if lo != "" {
			values[":lo"] = sAttr(lo)
		}
		values[":hi"] = sAttr(hi)
	}
	p := dynamodb.NewQueryPaginator(r.DB, &dynamodb.QueryInput{
		TableName: aws.String(r.Table), IndexName: aws.String(StatusIndex),
		KeyConditionExpression:    aws.String(cond),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	}, func(o *dynamodb.QueryPaginatorOptions) {
		if r.PageSize > 0 {
			o.Limit = r.PageSize
		}
	})
	var out []Tenant
	var errs []error
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			errs = append(errs, fmt.Errorf("query %s tenants: %w", status, err))
			break
		}
		for _, av := range page.Items {
			t, err := fromItem(av)
			if err != nil {
				errs = append(errs, fmt.Errorf("query %s tenants: %w", status, err))
				continue
			}
			out = append(out, t)
		}
	}
	return out, errors.Join(errs...)
}

func sortTenants(ts []Tenant) []Tenant {
	slices.SortFunc(ts, func(a, b Tenant) int {
		return cmp.Or(a.PurgeDue.Compare(b.PurgeDue), strings.Compare(a.ID, b.ID))
	})
	return ts
}

func key(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{KeyAttribute: sAttr(id)}
}

func sAttr(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }

func num(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

func conditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}
