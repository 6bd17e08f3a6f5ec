package sandbox

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pledge-dev/pledge/shared/sandbox/awssim"
)

// Options chooses what a sandbox starts. The zero value starts everything.
type Options struct {
	// Dir holds MinIO's data; empty uses a fresh temporary directory that
	// Stop removes.
	Dir string
	// Only, when not empty, starts just these stand-ins: "s3", "dynamodb",
	// "ses" (the simulator always runs: it is in-process and free).
	Only []string
	// Sim configures the control-plane simulator.
	Sim awssim.Options
}

// Sandbox is a running set of stand-ins.
type Sandbox struct {
	S3, DynamoDB, SES *Process
	Sim               *awssim.Server
	SimURL            string

	stopSim func()
	tmp     string
}

// Start starts the stand-ins. On error, whatever started is stopped again
// and the error names the stand-in that failed.
func Start(ctx context.Context, opts Options) (*Sandbox, error) {
	sb := &Sandbox{}
	want := func(name string) bool {
		if len(opts.Only) == 0 {
			return true
		}
		for _, o := range opts.Only {
			if o == name {
				return true
			}
		}
		return false
	}
	dir := opts.Dir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "pledge-sandbox-")
		if err != nil {
			return nil, err
		}
		sb.tmp, dir = tmp, tmp
	}
	var err error
	fail := func(e error) (*Sandbox, error) {
		sb.Stop()
		return nil, e
	}
	sb.Sim = awssim.New(opts.Sim)
	if sb.SimURL, sb.stopSim, err = sb.Sim.Listen("127.0.0.1:0"); err != nil {
		return fail(fmt.Errorf("control-plane simulator: %w", err))
	}
	if want("s3") {
		if sb.S3, err = StartMinIO(ctx, filepath.Join(dir, "minio")); err != nil {
			return fail(err)
		}
	}
	if want("dynamodb") {
		if sb.DynamoDB, err = StartDynalite(ctx); err != nil {
			return fail(err)
		}
	}
	if want("ses") {
		if sb.SES, err = StartSES(ctx); err != nil {
			return fail(err)
		}
	}
	return sb, nil
}

// Stop stops every stand-in and removes the temporary directory.
func (sb *Sandbox) Stop() {
	for _, p := range []*Process{sb.S3, sb.DynamoDB, sb.SES} {
		if p != nil {
			p.Stop()
		}
	}
	if sb.stopSim != nil {
		sb.stopSim()
	}
	if sb.tmp != "" {
		_ = os.RemoveAll(sb.tmp)
	}
}

// simServices are the SDK service ids (as AWS_ENDPOINT_URL_<ID> spells
// them) that the simulator answers.
var simServices = []string{"RDS", "EC2", "SSM", "KMS", "GUARDDUTY", "CLOUDTRAIL", "ELASTIC_LOAD_BALANCING_V2", "STS", "SNS", "SQS", "CLOUDWATCH_LOGS", "LAMBDA",
	// The notifier's tag lookups call these too; the simulator answers them
	// UnrecognizedService (a refusal the notifier records), so that nothing
	// reaches AWS.
	"EKS", "ECS", "IAM"}

// Env returns the environment that points the SDK at the stand-ins, as
// KEY=VALUE strings. It sets credentials and region, turns off the
// instance metadata service and shared config files so nothing reaches AWS,
// and sets no AWS_ENDPOINT_URL fallback: a service without a stand-in fails
// rather than calling AWS.
func (sb *Sandbox) Env() []string {
	env := map[string]string{
		"AWS_ACCESS_KEY_ID":           AccessKey,
		"AWS_SECRET_ACCESS_KEY":       SecretKey,
		"AWS_REGION":                  Region,
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_CONFIG_FILE":             os.DevNull,
		"AWS_SHARED_CREDENTIALS_FILE": os.DevNull,
	}
	for _, s := range simServices {
		env["AWS_ENDPOINT_URL_"+s] = sb.SimURL
	}
	if sb.S3 != nil {
		env["AWS_ENDPOINT_URL_S3"] = sb.S3.URL
	}
	if sb.DynamoDB != nil {
		env["AWS_ENDPOINT_URL_DYNAMODB"] = sb.DynamoDB.URL
	}
	if sb.SES != nil {
		env["AWS_ENDPOINT_URL_SESV2"] = sb.SES.URL
	}
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, k+"="+env[k])
	}
	return out
}

// ChildEnv returns the environment for a function's process: this
// process's environment without any AWS_* or PLEDGE_* variable of its own,
// then Env, then extra KEY=VALUE pairs.
func (sb *Sandbox) ChildEnv(extra ...string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "AWS_") || strings.HasPrefix(kv, "PLEDGE_") {
			continue
		}
		out = append(out, kv)
	}
	return append(append(out, sb.Env()...), extra...)
}
