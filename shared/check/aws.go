package check

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"

	"github.com/pledge-dev/pledge/shared/chrony"
	"github.com/pledge-dev/pledge/shared/config"
)

// Defaults of AWS's knobs, used when a field is zero.
const (
	// DefaultConcurrency bounds the AWS API calls in flight at once.
	DefaultConcurrency = 10
	// DefaultCommandPoll is the wait between two reads of SSM command
	// results.
	DefaultCommandPoll = 2 * time.Second
	// DefaultCommandWait is how long the verifier waits for chronyc's
	// output before reporting an instance as ERROR.
	DefaultCommandWait = 60 * time.Second
	// SSMBatchSize is how many instances one SendCommand call targets,
	// SSM's limit for InstanceIds.
	SSMBatchSize = 50
)

// ChronycCommand is the shell command the verifier runs on instances
// through SSM: the only line of the stack's own document
// (AWS.TimeSyncDocument), or the commands parameter of AWS-RunShellScript
// when no such document is named.
const ChronycCommand = "chronyc -c tracking"

// ShellDocument is the SSM document ChronycCommand is sent with when
// AWS.TimeSyncDocument is empty (a local run against an account without
// the stack).
const ShellDocument = "AWS-RunShellScript"

// STSAPI is the part of the STS client ResolveScope calls.
type STSAPI interface {
	GetCallerIdentity(ctx context.Context, in *sts.GetCallerIdentityInput, optFns ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

// Scope is the account and region the checks look at; it names the
// account-wide results (EBS encryption by default, GuardDuty) and the
// results of a check that could not list its resources at all.
type Scope struct {
	Partition string `json:"partition"`
	Region    string `json:"region"`
	Account   string `json:"account"`
}

// ARN returns arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE; with an empty
// resource it names the service in the account and region, e.g.
// "arn:aws:ec2:ap-northeast-1:123456789012:".
func (s Scope) ARN(service, resource string) string {
	return fmt.Sprintf("arn:%s:%s:%s:%s:%s", s.partition(), service, s.Region, s.Account, resource)
}

func (s Scope) partition() string {
	if s.Partition == "" {
		return "aws"
	}
	return s.Partition
}

// ResolveScope asks STS whom the credentials belong to and returns the
// account and partition with region.
func ResolveScope(ctx context.Context, api STSAPI, region string) (Scope, error) {
	out, err := api.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return Scope{}, fmt.Errorf("get caller identity: %w", err)
	}
	s := Scope{Region: region, Account: deref(out.Account), Partition: "aws"}
	if a, err := arn.Parse(deref(out.Arn)); err == nil {
		s.Partition = a.Partition
	}
	if s.Account == "" {
		return Scope{}, fmt.Errorf("get caller identity: STS returned no account")
	}
	return s, nil
}

// Bucket is an S3 bucket whose default encryption and TLS policy are
// checked.
type Bucket struct {
	Name string `json:"name"`
	// RequireKMS asks for SSE-KMS (or DSSE-KMS) rather than SSE-S3;
	// KMSKeyID, when also set, is the key the bucket must use.
	RequireKMS bool   `json:"requireKms,omitempty"`
	KMSKeyID   string `json:"kmsKeyId,omitempty"`
	// Tenant marks a bucket that holds tenant data: its noncurrent
	// versions are checked against the promise.
	Tenant bool `json:"tenant,omitempty"`
}

// Request is what one run checks.
type Request struct {
	// Checks are the check ids to run; empty runs every check.
	Checks []string
	// InstanceTags select the running EC2 instances whose clocks are
	// checked through SSM; an instance must carry every tag. Empty selects
	// every running instance.
	InstanceTags map[string]string
	// MaxClockOffset is the clock-error threshold.
	MaxClockOffset time.Duration
	// TimeSources are the sources clocks may follow (Amazon Time Sync
	// Service alone when empty).
	TimeSources []chrony.Source
	// Policies are the backup policies: their targets are the protected
	// databases, their schedules set the snapshot-freshness limit and
	// their PointInTimeRecoveryDays the promised PITR retention.
	Policies []config.BackupPolicy
	// Stage is the deployment's stage: freshness counts only the snapshots
	// its rotator recognises as its own (snapshot.Recognize), never another
	// stage's, a copy, or one someone else named and tagged.
	Stage string
	// Location is the zone schedules are evaluated in.
	Location *time.Location
	// Buckets are the tenant buckets and the evidence bucket.
	Buckets []Bucket
	// LogRetentionDays is the promised log retention of log groups in no
	// LogClasses class.
	LogRetentionDays int
	// LogClasses hold the promised minimum retention per class of log
	// groups (the longest matching prefix decides).
	LogClasses []config.LogClass
	// KeyRotationMaxDays is the longest automatic rotation period allowed
	// for customer-managed keys; 0 allows any.
	KeyRotationMaxDays int
	// NoncurrentVersionDays is how long noncurrent versions of tenant
	// objects are promised to be kept; 0 runs no noncurrent-version check.
	NoncurrentVersionDays int
	// TenantPrefix is the part of the tenant prefix template before the
	// tenant id, e.g. "tenants/": every tenant's data lies under it.
	TenantPrefix string
}

// RequestFromConfig makes the request a configuration asks for: its
// verification section, its backup policies, its tenant buckets plus the
// evidence bucket (when named), and its log retention.
func RequestFromConfig(c config.Config, evidenceBucket string) Request {
	v := c.Verification
	r := Request{
		Checks:                slices.Clone(v.Checks),
		InstanceTags:          v.InstanceTags,
		MaxClockOffset:        v.ClockOffset(),
		TimeSources:           TimeSources(v.TimeSources),
		Policies:              c.Backup.Policies,
		Stage:                 c.Stage,
		Location:              c.Location(),
		LogRetentionDays:      c.LogRetentionDays,
		LogClasses:            v.LogClasses,
		KeyRotationMaxDays:    v.KeyRotationMaxDays,
		NoncurrentVersionDays: v.NoncurrentVersionDays,
		TenantPrefix:          c.Tenants.PrefixTemplate[:max(0, strings.Index(c.Tenants.PrefixTemplate, config.TenantPlaceholder))],
	}
	seen := map[string]bool{}
	for i, b := range append(slices.Clone(c.Tenants.Buckets), evidenceBucket) {
		if b != "" && !seen[b] {
			seen[b] = true
			r.Buckets = append(r.Buckets, Bucket{Name: b, Tenant: i < len(c.Tenants.Buckets)})
		}
	}
	return r
}

// selected returns the check ids the request runs, in Definitions order.
func (r Request) selected() []string {
	var ids []string
	for _, d := range Definitions {
		if len(r.Checks) == 0 || slices.Contains(r.Checks, d.ID) {
			ids = append(ids, d.ID)
		}
	}
	return ids
}

// AWS fetches the facts each check needs from the AWS APIs and judges them
// with this package's rules. Each client is used only by the checks that
// need it; a check whose client is nil is an ERROR. Every call goes through
// one bound (Concurrency); paginated operations use the SDK's paginators,
// and throttling is left to the client's retryer.
type AWS struct {
	RDS        RDSAPI
	EC2        EC2API
	SSM        SSMAPI
	S3         S3API
	KMS        KMSAPI
	CloudTrail CloudTrailAPI
	GuardDuty  GuardDutyAPI
	ELB        ELBAPI
	Logs       LogsAPI
	Lambda     LambdaAPI

	// Scope names the account and region.
	Scope Scope
	// TimeSyncDocument names an SSM Command document that runs
	// ChronycCommand and nothing else, taking no parameters (the stack
	// creates one and grants ssm:SendCommand on it alone). Empty sends
	// ChronycCommand as AWS-RunShellScript's commands parameter.
	TimeSyncDocument string
	// Concurrency bounds the API calls in flight (DefaultConcurrency when 0).
	Concurrency int
	// CommandPoll is the wait between reads of SSM command results and
	// CommandWait the longest wait for them (DefaultCommandPoll,
	// DefaultCommandWait when 0).
	CommandPoll time.Duration
	CommandWait time.Duration
	// Sleep waits d or until ctx is done; nil uses a timer. Tests make it
	// return at once.
	Sleep func(ctx context.Context, d time.Duration) error
	// Log receives one line per check family that could not list its
	// resources; nil discards.
	Log *slog.Logger
}

// run is one Collect call's state.
type run struct {
	a   *AWS
	req Request
	now time.Time
	sem *semaphore.Weighted

	mu      sync.Mutex
	results []Result
}

func (r *run) add(rs ...Result) {
	r.mu.Lock()
	r.results = append(r.results, rs...)
	r.mu.Unlock()
}

// call runs one API call under the concurrency bound.
func (r *run) call(ctx context.Context, fn func(ctx context.Context) error) error {
	if err := r.sem.Acquire(ctx, 1); err != nil {
		return err
	}
	defer r.sem.Release(1)
	return fn(ctx)
}

func (r *run) limit() int {
	if r.a.Concurrency > 0 {
		return r.a.Concurrency
	}
	return DefaultConcurrency
}

// group returns an errgroup whose goroutines are bounded like the calls,
// so that fanning out over thousands of resources does not start
// thousands of goroutines at once.
func (r *run) group(ctx context.Context) (*errgroup.Group, context.Context) {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(2 * r.limit())
	return g, gctx
}

func (r *run) errored(checkID, resource string, err error) Result {
	if r.a.Log != nil {
		r.a.Log.Warn("check could not be evaluated", "check_id", checkID, "resource", resource, "error", err)
	}
	return Errored(checkID, resource, err, r.now)
}

// missingClient is the error of a check whose client was not configured.
func missingClient(name string) error {
	return fmt.Errorf("no %s client is configured for the verifier", name)
}

// Collect runs the requested checks and returns every result. It never
// fails as a whole: what could not be fetched is an ERROR result naming the
// call and the reason. It returns early only when ctx ends, with ERROR
// results for what was left.
func (a *AWS) Collect(ctx context.Context, req Request, now time.Time) []Result {
	r := &run{a: a, req: req, now: now}
	r.sem = semaphore.NewWeighted(int64(r.limit()))
	ids := req.selected()
	want := func(id string) bool { return slices.Contains(ids, id) }
	for _, id := range req.Checks {
		if _, ok := Lookup(id); !ok {
			r.add(NewResult(id, id, Error, "The configuration names this check, but the verifier has no such check.", now).ja("設定がこのチェックを指定していますが、検証機能にそのようなチェックはありません。"))
		}
	}
	families := []struct {
		checks []string
		run    func(ctx context.Context, want func(string) bool)
	}{
		{[]string{TimeSyncChrony}, r.timeSync},
		{[]string{TimeSyncManaged}, r.functions},
		{[]string{TimeSyncManaged, RDSStorageEncrypted, RDSSnapshotEncrypted, RDSTLSEnforced, RDSSnapshotFresh, RDSPITRRetention}, r.databases},
		{[]string{EBSEncryptionByDefault}, r.ebs},
		{[]string{S3DefaultEncryption, S3TLSOnly, S3NoncurrentRetention}, r.buckets},
		{[]string{KMSKeyRotation}, r.keys},
		{[]string{CloudTrailProtected}, r.trails},
		{[]string{GuardDutyEnabled}, r.guardDuty},
		{[]string{ELBTLS12Policy}, r.listeners},
		{[]string{LogsRetention}, r.logGroups},
	}
	var wg sync.WaitGroup
	for _, f := range families {
		if !slices.ContainsFunc(f.checks, want) {
			continue
		}
		wg.Go(func() { f.run(ctx, want) })
	}
	wg.Wait()
	return r.results
}

func (a *AWS) sleep(ctx context.Context, d time.Duration) error {
	if a.Sleep != nil {
		return a.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// errorCode returns the AWS error code in err's chain, or "".
func errorCode(err error) string {
	var api interface{ ErrorCode() string }
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}

// firstLine returns s's first non-empty line, clipped to n characters.
func firstLine(s string, n int) string {
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			if len(l) > n {
				return l[:n] + "..."
			}
			return l
		}
	}
	return ""
}
