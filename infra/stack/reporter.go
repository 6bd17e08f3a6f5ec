package stack

import (
	"fmt"
	"regexp"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/evidencepack"
)

// EvidenceReporterName is the evidence-reporter function's name.
const EvidenceReporterName = "evidence-reporter"

// ReporterSchedule makes the pack at 00:15 on the 1st of each month, in the
// configured zone: the month before has just ended there.
const ReporterSchedule = "cron(15 0 1 * ? *)"

// ReporterReadKinds are the evidence kinds the reporter lists and reads;
// it writes only evidencepack.KindPack.
var ReporterReadKinds = evidencepack.ReadKinds

// EvidenceReporterProps configures the reporter.
type EvidenceReporterProps struct {
	FunctionProps
	// SigningKey signs the pack's index: the deletion-certificate key, so
	// an auditor checks both with one public key.
	SigningKey awskms.IKey
}

// EvidenceReporter is the evidence-reporter function and what it owns.
type EvidenceReporter interface {
	constructs.Construct
	// Function is the Lambda function.
	Function() awslambda.Function
	// Role is its execution role.
	Role() awsiam.Role
	// Alarms are its alarms.
	Alarms() []awscloudwatch.Alarm
}

type evidenceReporter struct {
	constructs.Construct
	f *function
}

func (r *evidenceReporter) Function() awslambda.Function  { return r.f.fn }
func (r *evidenceReporter) Role() awsiam.Role             { return r.f.role }
func (r *evidenceReporter) Alarms() []awscloudwatch.Alarm { return r.f.alarms }

// NewEvidenceReporter creates the reporter: a monthly schedule
// (ReporterSchedule, in the configured zone), 15 minutes and 1 GiB to read
// a month of evidence, and IAM that lists and reads only the evidence
// kinds it reports on (s3:ListBucket limited by s3:prefix, s3:GetObject on
// kind/*), checks for an existing pack under evidence-pack/, writes only
// under evidence-pack/, and signs with the signing key only with
// ECDSA_SHA_256 over a digest.
func NewEvidenceReporter(scope constructs.Construct, id string, props *EvidenceReporterProps) (EvidenceReporter, error) {
	if props == nil || props.SigningKey == nil {
		return nil, fmt.Errorf("%s: no signing key", EvidenceReporterName)
	}
	r := &evidenceReporter{}
	constructs.NewConstruct_Override(r, scope, jsii.String(id))
	cfg := props.Foundation.Config()
	f, err := newFunction(r, &props.FunctionProps, functionSpec{
		name:        EvidenceReporterName,
		description: "makes the monthly evidence pack: per ISO/IEC 27017 control, what was promised and what happened, with a signed index",
		memoryMB:    1024,
		timeout:     15 * time.Minute,
		reserved:    float64(cfg.ReservedConcurrency()[EvidenceReporterName]),
		env:         map[string]string{config.EnvVar: cfg.Encode()},
		envToken:    map[string]*string{EnvSigningKeyID: props.SigningKey.KeyArn()},
	})
	if err != nil {
		return nil, err
	}
	r.f = f
	if _, err := f.addSchedule("Schedule", EvidenceReporterName+"/monthly", ReporterSchedule, nil); err != nil {
		return nil, err
	}
	bucket := props.Foundation.EvidenceBucket()
	var prefixes []interface{}
	var objects []*string
	var nag []interface{}
	for _, k := range append(append([]string{}, ReporterReadKinds...), evidencepack.KindPack) {
		prefixes = append(prefixes, k+"/*")
		if k == evidencepack.KindPack {
			continue // listed to find an existing pack, never read
		}
		objects = append(objects, bucket.ArnForObjects(jsii.String(k+"/*")))
		nag = append(nag, &cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::.*\/` + regexp.QuoteMeta(k) + `\/\*$/`)})
	}
	f.allow("ListEvidenceKinds", []string{"s3:ListBucket"}, &[]*string{bucket.BucketArn()},
		map[string]interface{}{"StringLike": map[string]interface{}{"s3:prefix": prefixes}})
	f.allow("ReadEvidenceKinds", []string{"s3:GetObject"}, &objects, nil)
	nag = append(nag, f.allowEvidence([]string{evidencepack.KindPack}, false)...)
	f.allow("SignIndex", []string{"kms:Sign"}, &[]*string{props.SigningKey.KeyArn()},
		map[string]interface{}{"StringEquals": map[string]interface{}{"kms:SigningAlgorithm": "ECDSA_SHA_256", "kms:MessageType": "DIGEST"}})
	f.allow("ReadSigningKey", []string{"kms:GetPublicKey"}, &[]*string{props.SigningKey.KeyArn()}, nil)
	suppress(f.role, true, suppression{
		id:        "AwsSolutions-IAM5",
		reason:    "The reporter reads every object of the evidence kinds it reports on (kind/*), whose keys are only known at run time, and writes only under evidence-pack/*.",
		appliesTo: nag,
	})
	return r, nil
}
