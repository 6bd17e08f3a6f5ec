// Package awsfake provides an in-memory AWS account for testing the
// compliance checks' adapters without a network: one Account holds the
// resources, and its RDS, EC2, SSM, S3, KMS, CloudTrail, GuardDuty, ELB,
// Logs, Lambda and STS methods return fakes of check's consumer interfaces.
//
// Rules the fakes keep, because the adapters rely on them:
//   - Every fake embeds the interface it fakes, so a call to a method the
//     fake does not implement panics loudly instead of passing silently.
//   - Listings are paginated with PageSize items a page (default 2) and
//     opaque tokens, so the SDK's paginators run over several pages.
//   - Every call is counted per "service:Operation" (the API operation, e.g.
//     "s3:GetBucketEncryption") and can be denied with
//     the service's real access-denied error code (Deny).
//   - SendCommand rejects more than 50 instance ids, as SSM does, and
//     rejects instances whose agent is not online (InvalidInstanceId).
//   - ListCommandInvocations reports a command InProgress for the first
//     PendingPolls reads, then each instance's outcome.
package awsfake

import (
	"context"
	"fmt"
	"maps"
	"strconv"
	"sync"
	"time"

	"github.com/aws/smithy-go"
)

// Account is a fake AWS account in one region.
type Account struct {
	// PageSize is how many items a listing returns a page (2 when 0).
	PageSize int
	// Deny lists operations ("kms:DescribeKey") or operations on one
	// resource ("kms:DescribeKey KEY-ID") that answer access denied.
	Deny map[string]bool
	// Latency is added to every call, to make concurrency observable.
	Latency time.Duration
	// PendingPolls is how many reads of a command's invocations report it
	// still InProgress.
	PendingPolls int

	AccountID string
	Region    string

	// RDS
	DBInstances []DBInstance
	DBClusters  []DBCluster
	DBSnapshots []DBSnapshot
	// DBParameters and ClusterParameters map a parameter group's name to
	// its parameters' values (an empty value is a parameter without one).
	DBParameters      map[string]map[string]string
	ClusterParameters map[string]map[string]string

	// EC2
	EBSByDefault bool
	EBSKey       string
	Instances    []Instance

	// TimeSyncDocument, when set, is the account's own document that runs
	// chronyc: SendCommand must name it, with no parameters, instead of
	// AWS-RunShellScript.
	TimeSyncDocument string

	// SSM: Ping maps an instance id to its agent's ping status ("Online",
	// "ConnectionLost"); an instance not in it is not managed by SSM.
	// Chrony is each instance's outcome of the chronyc command, and
	// DefaultChrony the outcome of instances not in it.
	Ping          map[string]string
	Chrony        map[string]Outcome
	DefaultChrony Outcome

	Buckets       map[string]Bucket
	Keys          []Key
	Trails        []Trail
	Detectors     map[string]string // detector id -> ENABLED or DISABLED
	LoadBalancers []LoadBalancer
	// SSLPolicies maps a security policy to its protocols; a policy not in
	// it is unknown (SSLPolicyNotFound).
	SSLPolicies map[string][]string
	LogGroups   []LogGroup
	// Functions are Lambda function names.
	Functions []string

	mu          sync.Mutex
	calls       map[string]int
	inFlight    int
	maxInFlight int
	sent        [][]string // instance ids of each SendCommand
	polls       map[string]int
	commands    map[string][]string
	nextCommand int
}

// New returns an empty account 123456789012 in ap-northeast-1.
func New() *Account {
	return &Account{AccountID: "123456789012", Region: "ap-northeast-1",
		DBParameters: map[string]map[string]string{}, ClusterParameters: map[string]map[string]string{},
		Ping: map[string]string{}, Chrony: map[string]Outcome{}, Buckets: map[string]Bucket{}, Detectors: map[string]string{},
		SSLPolicies: map[string][]string{}, Deny: map[string]bool{},
	}
}

// deniedCodes are each service's access-denied error code.
var deniedCodes = map[string]string{
	"rds": "AccessDenied", "ec2": "UnauthorizedOperation", "s3": "AccessDenied", "sts": "AccessDenied",
	"ssm": "AccessDeniedException", "kms": "AccessDeniedException", "cloudtrail": "AccessDeniedException",
	"guardduty": "AccessDeniedException", "elasticloadbalancing": "AccessDenied", "logs": "AccessDeniedException",
	"lambda": "AccessDeniedException",
}

// enter counts a call, applies latency and denial, and returns a function
// to call when it ends.
func (a *Account) enter(ctx context.Context, service, op, resource string) (func(), error) {
	name := service + ":" + op
	a.mu.Lock()
	if a.calls == nil {
		a.calls = map[string]int{}
	}
	a.calls[name]++
	a.inFlight++
	a.maxInFlight = max(a.maxInFlight, a.inFlight)
	deny := a.Deny[name] || (resource != "" && a.Deny[name+" "+resource])
	a.mu.Unlock()
	leave := func() {
		a.mu.Lock()
		a.inFlight--
		a.mu.Unlock()
	}
	if a.Latency > 0 {
		select {
		case <-time.After(a.Latency):
		case <-ctx.Done():
			leave()
			return func() {}, ctx.Err()
		}
	}
	if deny {
		leave()
		return func() {}, &smithy.GenericAPIError{Code: deniedCodes[service], Message: fmt.Sprintf("User: arn:aws:sts::%s:assumed-role/verifier/x is not authorized to perform: %s", a.AccountID, name)}
	}
	return leave, nil
}

// Calls returns how many times each operation was called.
func (a *Account) Calls() map[string]int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return maps.Clone(a.calls)
}

// TotalCalls returns how many calls were made.
func (a *Account) TotalCalls() int {
	n := 0
	for _, c := range a.Calls() {
		n += c
	}
	return n
}

// MaxInFlight returns the most calls that were in flight at once.
func (a *Account) MaxInFlight() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.maxInFlight
}

// SentCommands returns the instance ids of each SendCommand call.
func (a *Account) SentCommands() [][]string {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([][]string, len(a.sent))
	copy(out, a.sent)
	return out
}

// ResetCounts forgets the call counts.
func (a *Account) ResetCounts() {
	a.mu.Lock()
	a.calls = map[string]int{}
	a.maxInFlight = 0
	a.mu.Unlock()
}

func (a *Account) size() int {
	if a.PageSize > 0 {
		return a.PageSize
	}
	return 2
}

// page returns the page of items that starts at token, and the next token.
func page[T any](items []T, token *string, size int) ([]T, *string, error) {
	start := 0
	if token != nil && *token != "" {
		n, err := strconv.Atoi(*token)
		if err != nil || n < 0 || n > len(items) {
			return nil, nil, &smithy.GenericAPIError{Code: "InvalidNextToken", Message: fmt.Sprintf("token %q is not valid", *token)}
		}
		start = n
	}
	end := min(start+size, len(items))
	var next *string
	if end < len(items) {
		s := strconv.Itoa(end)
		next = &s
	}
	return items[start:end], next, nil
}

func (a *Account) arn(service, resource string) string {
	return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, a.Region, a.AccountID, resource)
}
