package stack

import (
	"fmt"
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/preflight"
)

// DefaultCodeRoot is where the Makefile puts each function's bootstrap:
// bin/<function-name>/bootstrap, relative to the repository root.
const DefaultCodeRoot = "bin"

// PledgeStackProps configures the Pledge stack.
type PledgeStackProps struct {
	awscdk.StackProps
	// Config is the operator's configuration; it is validated in full.
	Config config.Config
	// CodeRoot holds <function-name>/bootstrap for every function;
	// empty means DefaultCodeRoot.
	CodeRoot string
}

// PledgeStack is the whole deployment: foundation and the four functions.
type PledgeStack interface {
	awscdk.Stack
	// Foundation is the ops topic and evidence bucket.
	Foundation() Foundation
	// SnapshotRotator is the snapshot-rotator construct; nil when no
	// backup policy takes snapshots (every one promises only point-in-time
	// recovery, which the verifier checks).
	SnapshotRotator() SnapshotRotator
	// TenantPurger is the tenant-purger construct.
	TenantPurger() TenantPurger
	// FindingNotifier is the finding-notifier construct.
	FindingNotifier() FindingNotifier
	// ComplianceVerifier is the compliance-verifier construct.
	ComplianceVerifier() ComplianceVerifier
	// EvidenceReporter is the evidence-reporter construct.
	EvidenceReporter() EvidenceReporter
}

type pledgeStack struct {
	awscdk.Stack
	foundation Foundation
	rotator    SnapshotRotator
	purger     TenantPurger
	notifier   FindingNotifier
	verifier   ComplianceVerifier
	reporter   EvidenceReporter
}

func (s *pledgeStack) Foundation() Foundation                 { return s.foundation }
func (s *pledgeStack) SnapshotRotator() SnapshotRotator       { return s.rotator }
func (s *pledgeStack) TenantPurger() TenantPurger             { return s.purger }
func (s *pledgeStack) FindingNotifier() FindingNotifier       { return s.notifier }
func (s *pledgeStack) ComplianceVerifier() ComplianceVerifier { return s.verifier }
func (s *pledgeStack) EvidenceReporter() EvidenceReporter     { return s.reporter }

// NewPledgeStack validates the configuration and, when it is valid, builds
// the stack in scope. An invalid configuration returns the validation error
// (every bad field, its value and what would be valid) and adds nothing to
// scope. The stack's region is the configured region unless props sets one.
func NewPledgeStack(scope constructs.Construct, id string, props *PledgeStackProps) (PledgeStack, error) {
	if props == nil {
		return nil, fmt.Errorf("pledge stack %s: no props", id)
	}
	cfg := props.Config
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := cfg.ValidateDeployment(); err != nil {
		return nil, err
	}
	if _, err := logRetention(cfg.LogRetentionDays); err != nil {
		return nil, err
	}
	root := props.CodeRoot
	if root == "" {
		root = DefaultCodeRoot
	}
	sp := props.StackProps
	if sp.Env == nil {
		sp.Env = &awscdk.Environment{}
	}
	if sp.Env.Region == nil {
		sp.Env.Region = jsii.String(cfg.Region)
	}
	if sp.Description == nil {
		sp.Description = jsii.String("Pledge: keeps the ISO/IEC 27017 whitepaper promises (snapshots, tenant purge, incident notices, compliance checks)")
	}
	s := &pledgeStack{}
	awscdk.NewStack_Override(s, scope, jsii.String(id), &sp)
	st := s
	s.foundation = NewFoundation(st, "Foundation", &FoundationProps{Config: cfg})
	fp := func(name string) *FunctionProps {
		return &FunctionProps{Foundation: s.foundation, CodeDir: filepath.Join(root, name)}
	}
	var err error
	if len(cfg.Backup.SnapshotPolicies()) > 0 {
		if s.rotator, err = NewSnapshotRotator(st, "SnapshotRotator", fp(SnapshotRotatorName)); err != nil {
			return nil, err
		}
	}
	if s.purger, err = NewTenantPurger(st, "TenantPurger", fp(TenantPurgerName)); err != nil {
		return nil, err
	}
	if s.notifier, err = NewFindingNotifier(st, "FindingNotifier", &FindingNotifierProps{
		FunctionProps: *fp(FindingNotifierName), Registry: s.purger.Registry(),
	}); err != nil {
		return nil, err
	}
	if s.verifier, err = NewComplianceVerifier(st, "ComplianceVerifier", fp(ComplianceVerifierName)); err != nil {
		return nil, err
	}
	if s.reporter, err = NewEvidenceReporter(st, "EvidenceReporter", &EvidenceReporterProps{
		FunctionProps: *fp(EvidenceReporterName), SigningKey: s.purger.SigningKey(),
	}); err != nil {
		return nil, err
	}
	s.addOutputs()
	return s, nil
}

// The stack's outputs, by key (`cdk deploy --outputs-file` writes them
// under the stack's name): what preflight and an operator's local runs
// need to find the resources the stack named or created.
const (
	OutputStage            = "Stage"
	OutputEvidenceBucket   = preflight.OutputEvidenceBucket
	OutputOpsTopicArn      = preflight.OutputOpsTopicArn
	OutputSigningKeyArn    = preflight.OutputSigningKeyArn
	OutputRegistryTable    = "RegistryTable"
	OutputTimeSyncDocument = "TimeSyncDocument"
)

func (s *pledgeStack) addOutputs() {
	out := func(key, desc string, value *string) {
		awscdk.NewCfnOutput(s, jsii.String(key), &awscdk.CfnOutputProps{Description: jsii.String(desc), Value: value})
	}
	cfg := s.foundation.Config()
	out(OutputStage, "The stage every physical name derives from", jsii.String(cfg.Stage))
	out(OutputEvidenceBucket, "Evidence bucket (Object Lock): PLEDGE_EVIDENCE_BUCKET", s.foundation.EvidenceBucket().BucketName())
	out(OutputOpsTopicArn, "Ops topic alarms and ops messages go to: PLEDGE_OPS_TOPIC_ARN", s.foundation.OpsTopic().TopicArn())
	out(OutputSigningKeyArn, "Deletion-certificate signing key (ECC_NIST_P256, SIGN_VERIFY): PLEDGE_SIGNING_KEY_ID", s.purger.SigningKey().KeyArn())
	out(OutputRegistryTable, "Tenant registry table: PLEDGE_REGISTRY_TABLE", s.purger.Registry().TableName())
	if doc := s.verifier.TimeSyncDocument(); doc != "" {
		out(OutputTimeSyncDocument, "SSM document that runs chronyc -c tracking: PLEDGE_TIMESYNC_DOCUMENT", jsii.String(doc))
	}
}
