package preflight

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/guardduty"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/pledge-dev/pledge/shared/awsconfig"
	"github.com/pledge-dev/pledge/shared/config"
)

// The stack's output keys preflight reads (infra/stack names its outputs
// with these; `cdk deploy --outputs-file FILE` writes them under the
// stack's name).
const (
	OutputEvidenceBucket = "EvidenceBucket"
	OutputSigningKeyArn  = "SigningKeyArn"
	OutputOpsTopicArn    = "OpsTopicArn"
)

// contextFlags collects -c KEY=VALUE (the CDK CLI's context arguments).
type contextFlags map[string]string

func (c contextFlags) String() string { return fmt.Sprint(map[string]string(c)) }

func (c contextFlags) Set(kv string) error {
	k, v, ok := strings.Cut(kv, "=")
	if !ok || k == "" {
		return fmt.Errorf("%q is not KEY=VALUE", kv)
	}
	c[k] = v
	return nil
}

const usage = `usage: preflight [-c pledge:configFile=FILE | -c pledge=JSON]... [-config FILE]
                 [-outputs FILE [-stack NAME]] [-evidence-bucket B] [-signing-key K] [-ops-topic ARN] [-json]

Checks, read-only and with your own credentials, that the account is ready
for the configuration (the one the CDK app reads: -c as in CDK_ARGS, else
-config, else ./cdk.json). Pass the stack's outputs (cdk deploy
--outputs-file FILE) after deploying to check what the stack created too.
Exits 1 on any FAIL or ERROR, 2 on bad usage.`

// Command runs preflight as a command: it parses args, reads the
// configuration and the stack's outputs, checks the account the SDK
// environment reaches in the configured region, prints the report on
// stdout and returns the exit code.
func Command(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("preflight", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, usage) }
	cdkContext := contextFlags{}
	fs.Var(cdkContext, "c", "CDK context KEY=VALUE (repeatable), as in CDK_ARGS")
	fs.Var(cdkContext, "context", "same as -c")
	configFile := fs.String("config", "", "configuration file or cdk.json (default ./cdk.json)")
	outputs := fs.String("outputs", "", "the stack's outputs file (cdk deploy --outputs-file)")
	stackName := fs.String("stack", "", "the stack's name in the outputs file (default Pledge-<stage>)")
	res := Resources{}
	fs.StringVar(&res.EvidenceBucket, "evidence-bucket", "", "evidence bucket (default: evidence.bucket, or the outputs)")
	fs.StringVar(&res.SigningKey, "signing-key", "", "deletion-certificate key id, ARN or alias (default: the outputs)")
	fs.StringVar(&res.OpsTopicArn, "ops-topic", "", "ops topic ARN (default: notifications.opsTopicArn, or the outputs)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "preflight: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "preflight: %s\n", strings.Join(strings.Fields(err.Error()), " "))
		return 1
	}
	cfg, err := loadConfig(cdkContext, *configFile)
	if err != nil {
		return fail(err)
	}
	if *outputs != "" {
		name := *stackName
		if name == "" {
			name = "Pledge-" + cfg.Stage
		}
		if err := readOutputs(*outputs, name, &res); err != nil {
			return fail(err)
		}
	}
	aws, err := awsconfig.Load(ctx, cfg.Region)
	if err != nil {
		return fail(err)
	}
	// The stack's region, whatever the environment's default is.
	aws.Region = cfg.Region
	report := Run(ctx, cfg, res, Clients{
		SES: sesv2.NewFromConfig(aws), GuardDuty: guardduty.NewFromConfig(aws), CloudTrail: cloudtrail.NewFromConfig(aws),
		RDS: rds.NewFromConfig(aws), S3: awsconfig.NewS3(aws), EC2: ec2.NewFromConfig(aws), SSM: ssm.NewFromConfig(aws),
		KMS: kms.NewFromConfig(aws), Lambda: lambda.NewFromConfig(aws), SNS: sns.NewFromConfig(aws),
	})
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(report)
	} else {
		fmt.Fprintf(stdout, "Pledge preflight: stage %q, region %s\n", cfg.Stage, cfg.Region)
		err = report.Write(stdout)
	}
	if err != nil {
		return fail(err)
	}
	if !report.OK() {
		return 1
	}
	return 0
}

// loadConfig reads the configuration as the CDK app does: context
// pledge:configFile, else context pledge (JSON), else file (a
// configuration or cdk.json, default ./cdk.json). It validates every
// section.
func loadConfig(ctx contextFlags, file string) (config.Config, error) {
	var (
		cfg config.Config
		err error
	)
	switch {
	case ctx[config.ContextFileKey] != "":
		cfg, err = config.Load(ctx[config.ContextFileKey])
	case ctx[config.ContextKey] != "":
		cfg, err = config.Decode(strings.NewReader(ctx[config.ContextKey]))
		if err != nil {
			err = fmt.Errorf("context %s: %w", config.ContextKey, err)
		}
	default:
		if file == "" {
			file = "cdk.json"
		}
		cfg, err = config.Load(file)
	}
	if err != nil {
		return config.Config{}, err
	}
	if err := cfg.Validate(); err != nil {
		return config.Config{}, err
	}
	return cfg, nil
}

// readOutputs fills what res lacks from the stack's outputs in file.
func readOutputs(file, stack string, res *Resources) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("read the stack's outputs: %w", err)
	}
	var all map[string]map[string]string
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&all); err != nil {
		return fmt.Errorf("%s: not a cdk outputs file: %w", file, err)
	}
	out, ok := all[stack]
	if !ok {
		var names []string
		for n := range all {
			names = append(names, n)
		}
		return errors.New(file + ": no outputs of stack " + stack + " (it has " + strings.Join(names, ", ") + "); pass -stack")
	}
	fill := func(dst *string, key string) {
		if *dst == "" {
			*dst = out[key]
		}
	}
	fill(&res.EvidenceBucket, OutputEvidenceBucket)
	fill(&res.SigningKey, OutputSigningKeyArn)
	fill(&res.OpsTopicArn, OutputOpsTopicArn)
	res.Deployed = true
	return nil
}
