package scenario

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/pledge-dev/pledge/shared/preflight"
	"github.com/pledge-dev/pledge/shared/sandbox/awssim"
)

// PreflightMissing is the one prerequisite the scenario leaves missing for
// preflight to find: the organisation's trail logs data events only, no
// management events, so the notifier's CloudTrail rules would never fire.
// (The verifier's trail check, which looks at encryption, validation and
// regions, still passes: it is a different promise.)
const PreflightMissing = "cloudtrail.management-events"

// PreflightWorld is what preflight needs to know beyond the configuration:
// the resources the stack would have created.
type PreflightWorld struct {
	Resources preflight.Resources
	// Expected is each check's status on the scenario.
	Expected map[string]preflight.Status
}

// SeedPreflight seeds, on top of SeedRDS, SeedEvidence and
// SeedVerification, what only preflight reads: the SES account out of the
// sandbox with the sender verified and a rate above the configured one,
// the deletion-certificate key (signingKey, as SeedTenants made it, or a
// new one when empty), the ops topic with a confirmed e-mail subscription;
// then it makes the trail select no management events (PreflightMissing).
func SeedPreflight(sim *awssim.Server, signingKey string) (PreflightWorld, error) {
	w := PreflightWorld{}
	cfg := Config()
	if err := sim.SES().Seed(awssim.SESSeed{ProductionAccessEnabled: aws.Bool(true), MaxSendRate: aws.Float64(100), Max24HourSend: aws.Float64(50000),
		Identities: []awssim.SESIdentity{{Name: "pledge-demo.example", Verified: true}}}); err != nil {
		return w, fmt.Errorf("seed SES: %w", err)
	}
	key := signingKey
	if key == "" {
		var err error
		if key, err = sim.KMS().CreateSigningKey(SigningKeyAlias); err != nil {
			return w, fmt.Errorf("signing key: %w", err)
		}
	}
	if err := sim.SNS().Seed(awssim.SNSSeed{Topics: []string{OpsTopicARN}, Subscriptions: []awssim.SNSSubscription{
		{TopicArn: OpsTopicARN, Protocol: "email", Endpoint: "ops@pledge-demo.example"},
	}}); err != nil {
		return w, fmt.Errorf("ops topic: %w", err)
	}
	st := sim.CloudTrail().State()
	var trails []awssim.CloudTrailTrail
	for _, t := range st.Trails {
		if t.Name == Trail {
			t.EventSelectors = []awssim.CloudTrailEventSelector{{ReadWriteType: "All", IncludeManagementEvents: false}}
			trails = append(trails, t)
		}
	}
	if len(trails) != 1 {
		return w, fmt.Errorf("seed preflight: run SeedVerification first (trail %s)", Trail)
	}
	if err := sim.CloudTrail().Seed(awssim.CloudTrailSeed{Trails: trails}); err != nil {
		return w, fmt.Errorf("trail without management events: %w", err)
	}
	w.Resources = preflight.Resources{EvidenceBucket: cfg.Evidence.Bucket, SigningKey: key, OpsTopicArn: OpsTopicARN}
	w.Expected = map[string]preflight.Status{
		"ses.sender-verified": preflight.Pass, "ses.production-access": preflight.Pass, "ses.send-rate": preflight.Pass,
		"guardduty.enabled": preflight.Pass, PreflightMissing: preflight.Fail,
		"rds.target-exists": preflight.Pass, "rds.snapshot-quota": preflight.Pass,
		"s3.tenant-bucket-versioned": preflight.Pass, "s3.evidence-object-lock": preflight.Pass,
		"ssm.instances-online": preflight.Pass, "kms.signing-key": preflight.Pass,
		"lambda.concurrency": preflight.Pass, "sns.ops-subscribed": preflight.Pass,
	}
	return w, nil
}

// FixPreflight restores what SeedPreflight left missing: the trail logs
// management events again.
func FixPreflight(sim *awssim.Server) error {
	st := sim.CloudTrail().State()
	for _, t := range st.Trails {
		if t.Name == Trail {
			t.EventSelectors = nil
			return sim.CloudTrail().Seed(awssim.CloudTrailSeed{Trails: []awssim.CloudTrailTrail{t}})
		}
	}
	return fmt.Errorf("fix preflight: no trail %s", Trail)
}
