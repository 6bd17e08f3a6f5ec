package tenant

import (
	"cmp"
	"context"
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
