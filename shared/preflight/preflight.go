package preflight

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/aws/smithy-go"

	"github.com/pledge-dev/pledge/shared/config"
)

// Status is a check's outcome.
type Status string

// The outcomes.
const (
	Pass  Status = "PASS"
	Fail  Status = "FAIL"
	Error Status = "ERROR"
)

// Result is one check of one subject.
type Result struct {
	// Check is the check's id, e.g. "ses.production-access".
	Check string `json:"check"`
	// Subject is what was checked: an identity, a bucket, a database.
	Subject string `json:"subject"`
	Status  Status `json:"status"`
	// Detail says what was found.
	Detail string `json:"detail"`
	// Fix says in one sentence what to do; empty for PASS.
	Fix string `json:"fix,omitempty"`
	// Denied marks an ERROR caused by missing permissions.
	Denied bool `json:"denied,omitempty"`
}

// Resources are the names the stack gives or the configuration names, as
// far as they are known: from the stack's outputs after a deploy, or flags.
type Resources struct {
	// EvidenceBucket defaults to config.Evidence.Bucket.
	EvidenceBucket string
	// SigningKey is the deletion-certificate key's id, ARN or alias.
	SigningKey string
	// OpsTopicArn defaults to config.Notifications.OpsTopicArn.
	OpsTopicArn string
	// Deployed says the stack exists (its outputs were read): its
	// reserved concurrency is then already taken from the account.
	Deployed bool
}

// Clients are the SDK operations the checks call; each may be nil only if
// no check needs it.
type Clients struct {
	SES        SESAPI
	GuardDuty  GuardDutyAPI
	CloudTrail CloudTrailAPI
	RDS        RDSAPI
	S3         S3API
	EC2        EC2API
	SSM        SSMAPI
	KMS        KMSAPI
	Lambda     LambdaAPI
	SNS        SNSAPI
}

// Report is every result of one run.
type Report struct {
	Results []Result `json:"results"`
	// NotChecked names checks that could not run yet, and how to run them.
	NotChecked []string `json:"not_checked,omitempty"`
}

// OK reports whether every result passed.
func (r Report) OK() bool {
	for _, x := range r.Results {
		if x.Status != Pass {
			return false
		}
	}
	return true
}

// Count returns how many results have status s.
func (r Report) Count(s Status) int {
	n := 0
	for _, x := range r.Results {
		if x.Status == s {
			n++
		}
	}
	return n
}

// Run runs every check for cfg (validated) against the account.
func Run(ctx context.Context, cfg config.Config, res Resources, c Clients) Report {
	if res.EvidenceBucket == "" {
		res.EvidenceBucket = cfg.Evidence.Bucket
	}
	if res.OpsTopicArn == "" {
		res.OpsTopicArn = cfg.Notifications.OpsTopicArn
	}
	r := &run{cfg: cfg, res: res, c: c}
	for _, check := range []func(context.Context){
		r.sesSender, r.sesAccount, r.guardDuty, r.trail, r.databases, r.buckets, r.evidence,
		r.instances, r.signingKey, r.concurrency, r.opsTopic,
	} {
		check(ctx)
	}
	return r.report
}

type run struct {
	cfg    config.Config
	res    Resources
	c      Clients
	report Report
}

func (r *run) pass(check, subject, detail string) {
	r.report.Results = append(r.report.Results, Result{Check: check, Subject: subject, Status: Pass, Detail: detail})
}

func (r *run) fail(check, subject, detail, fix string) {
	r.report.Results = append(r.report.Results, Result{Check: check, Subject: subject, Status: Fail, Detail: detail, Fix: fix})
}

// errored records a check that could not run: denied (with the action to
// grant) or another error.
func (r *run) errored(check, subject, action string, err error) {
	res := Result{Check: check, Subject: subject, Status: Error}
	var ae smithy.APIError
	if errors.As(err, &ae) && isDenied(ae.ErrorCode()) {
		res.Denied = true
		res.Detail = fmt.Sprintf("%s was denied (%s)", action, ae.ErrorCode())
		res.Fix = fmt.Sprintf("Run preflight with credentials allowed %s (read-only).", action)
	} else {
		res.Detail = fmt.Sprintf("%s failed: %s", action, oneLine(err))
		res.Fix = "Check the credentials, region and network, then run preflight again."
	}
	r.report.Results = append(r.report.Results, res)
}

func (r *run) notChecked(what string) { r.report.NotChecked = append(r.report.NotChecked, what) }

func isDenied(code string) bool {
	switch code {
	case "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError", "AuthorizationErrorException", "UnrecognizedClientException", "InvalidClientTokenId":
		return true
	}
	return false
}

func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

// Write prints the report as a table, one line per result, then what was
// not checked and a summary line.
func (r Report) Write(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STATUS\tCHECK\tSUBJECT\tDETAIL")
	for _, x := range r.Results {
		status := string(x.Status)
		if x.Denied {
			status += " (denied)"
		}
		line := x.Detail
		if x.Fix != "" {
			line += " -> " + x.Fix
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", status, x.Check, x.Subject, line)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, n := range r.NotChecked {
		fmt.Fprintf(w, "not checked: %s\n", n)
	}
	_, err := fmt.Fprintf(w, "preflight: %d PASS, %d FAIL, %d ERROR\n", r.Count(Pass), r.Count(Fail), r.Count(Error))
	return err
}
