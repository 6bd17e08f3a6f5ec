package finding

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"
)

// Source names where a finding came from.
type Source string

// The sources a Finding can have.
const (
	SourceGuardDuty  Source = "guardduty"
	SourceCloudTrail Source = "cloudtrail"
)

// Finding is one security finding in the notifier's own shape, whatever
// produced it. It marshals to JSON losslessly (the notice queue carries it).
type Finding struct {
	// ID identifies the finding: GuardDuty's finding id (stable across
	// updates of the same finding), or for CloudTrail a digest of the rule,
	// the principal and the resources (identical calls are one finding, see
	// EventID), with the window for a counted rule.
	ID string `json:"id"`
	// Source is guardduty or cloudtrail.
	Source Source `json:"source"`
	// Type is GuardDuty's finding type (e.g. "Backdoor:EC2/C&CActivity.B") or
	// the catalogue rule's type for a CloudTrail call (e.g.
	// "Stealth:CloudTrail/LoggingStopped").
	Type string `json:"type"`
	// Band is the severity band derived from Severity.
	Band Band `json:"band"`
	// Severity is the numeric severity, 1.0 to 10.0 on GuardDuty's scale.
	Severity float64 `json:"severity"`
	// Title is a one-line English summary.
	Title string `json:"title"`
	// LocalTitles holds translated titles by language ("ja"): the
	// catalogue rule's, or for GuardDuty the finding type's
	// (GuardDutyTitleJA).
	LocalTitles map[string]string `json:"localTitles,omitempty"`
	// Description is GuardDuty's description, or a sentence built from the
	// CloudTrail call (who called what from where).
	Description string `json:"description,omitempty"`
	// Detected is when the finding was detected (see the package doc).
	Detected time.Time `json:"detected"`
	// Updated is when the finding last changed.
	Updated time.Time `json:"updated"`
	// FirstSeen and LastSeen bound the observed activity (GuardDuty's
	// service.eventFirstSeen / eventLastSeen; CloudTrail: eventTime).
	FirstSeen time.Time `json:"firstSeen"`
	LastSeen  time.Time `json:"lastSeen"`
	// Count is how many times GuardDuty has seen the activity (1 for
	// CloudTrail). It rises when GuardDuty re-emits an updated finding.
	Count int `json:"count"`
	// Account and Region are where the finding was generated.
	Account string `json:"account"`
	Region  string `json:"region"`
	// Sample is true for GuardDuty sample findings, which never reach tenants.
	Sample bool `json:"sample,omitempty"`
	// Scope says whom the finding concerns when none of its resources is a
	// tenant's: the whole platform (every active tenant) or nobody but ops
	// (see Scope).
	Scope Scope `json:"scope"`
	// Resources are the resources the finding is about.
	Resources []Resource `json:"resources"`
	// About explains, by language ("ja", "en"), what the finding means for
	// a customer (catalogue rules).
	About map[string]string `json:"about,omitempty"`
	// EventID is the CloudTrail event behind a CloudTrail finding (whose ID
	// groups identical calls); Principal is who made the call.
	EventID   string `json:"eventId,omitempty"`
	Principal string `json:"principal,omitempty"`
	// Threshold, WindowStart and WindowEnd are set for a counted rule: the
	// finding exists once Threshold calls fall in the window.
	Threshold   int       `json:"threshold,omitempty"`
	WindowStart time.Time `json:"windowStart,omitzero"`
	WindowEnd   time.Time `json:"windowEnd,omitzero"`
	// Raw is the whole EventBridge event as received, kept for evidence.
	Raw json.RawMessage `json:"raw"`
}

// Resource kinds a finding can name.
const (
	KindInstance        = "ec2-instance"
	KindAccessKey       = "iam-access-key"
	KindS3Bucket        = "s3-bucket"
	KindEKSCluster      = "eks-cluster"
	KindK8sWorkload     = "kubernetes-workload"
	KindEBSVolume       = "ebs-volume"
	KindRDSInstance     = "rds-db-instance"
	KindRDSCluster      = "rds-db-cluster"
	KindRDSSnapshot     = "rds-db-snapshot"
	KindRDSClusterSn    = "rds-db-cluster-snapshot"
	KindRDSParamGroup   = "rds-parameter-group"
	KindLambda          = "lambda-function"
	KindSecurityGroup   = "ec2-security-group"
	KindKMSKey          = "kms-key"
	KindTrail           = "cloudtrail-trail"
	KindDetector        = "guardduty-detector"
	KindAccount         = "aws-account"
	KindIAMUser         = "iam-user"
	KindIAMRole         = "iam-role"
	KindECSCluster      = "ecs-cluster"
	KindECSTask         = "ecs-task"
	KindContainer       = "container"
	KindIAMGroup        = "iam-group"
	KindIAMPolicy       = "iam-policy"
	KindEBSSnapshot     = "ebs-snapshot"
	KindImage           = "ec2-image"
	KindVPC             = "ec2-vpc"
	KindNetworkACL      = "ec2-network-acl"
	KindRouteTable      = "ec2-route-table"
	KindInternetGateway = "ec2-internet-gateway"
	KindLogGroup        = "log-group"
)

// Resource is one resource a finding is about.
type Resource struct {
	// Kind is one of the Kind constants.
	Kind string `json:"kind"`
	// ID is the resource's own identifier (instance id, bucket name, key id).
	ID string `json:"id"`
	// ARN is the resource's ARN when it is known or can be built.
	ARN string `json:"arn,omitempty"`
	// Tags are the resource's tags as the finding reported them, or as a
	// tag lookup found them (TagsLookedUp).
	Tags map[string]string `json:"tags,omitempty"`
	// TagsLookedUp is true when Tags were read from the resource itself
	// because the finding did not carry the tenant tag.
	TagsLookedUp bool `json:"tagsLookedUp,omitempty"`
	// Detail is what else identifies the resource to a reader: a
	// container's image, an ECS task's group, a database's engine and user.
	Detail string `json:"detail,omitempty"`
	// Bucket and Keys are set for S3: the bucket name and the object keys
	// the finding names (none when it is about the whole bucket).
	Bucket string   `json:"bucket,omitempty"`
	Keys   []string `json:"keys,omitempty"`
}

// Scope is what a kind of finding is about, which decides where it goes
// when routing places it with no tenant.
type Scope string

// The scopes.
const (
	// ScopeResource: the finding is about particular resources (an
	// instance, a bucket, a database, a principal). It reaches the tenants
	// whose resources they are; one that matches no tenant is "unrouted"
	// and goes to ops only, naming its resources so that ops can register
	// them. It never fans out to every tenant.
	ScopeResource Scope = "resource"
	// ScopePlatform: the finding is about the platform itself (logging
	// stopped, the detector deleted, the root user used, the platform's
	// keys disabled). It reaches the tenants whose resources it names, if
	// any; otherwise every active tenant, at or above the platform
	// severity.
	ScopePlatform Scope = "platform"
)

// Valid reports whether s is one of the two scopes.
func (s Scope) Valid() bool { return s == ScopeResource || s == ScopePlatform }

// Band is a severity band as GuardDuty defines them. The zero value is not a
// band.
type Band int

// The bands, lowest first.
const (
	Low Band = iota + 1
	Medium
	High
	Critical
)

var bandNames = [...]string{Low: "Low", Medium: "Medium", High: "High", Critical: "Critical"}

// String returns "Low", "Medium", "High" or "Critical" ("" for the zero value).
func (b Band) String() string {
	if b < Low || b > Critical {
		return ""
	}
	return bandNames[b]
}

// Valid reports whether b is one of the four bands.
func (b Band) Valid() bool { return b >= Low && b <= Critical }

// ParseBand reads a band name as written in configuration ("Low", "Medium",
// "High", "Critical"; case-insensitive).
func ParseBand(s string) (Band, error) {
	for b := Low; b <= Critical; b++ {
		if strings.EqualFold(strings.TrimSpace(s), bandNames[b]) {
			return b, nil
		}
	}
	return 0, fmt.Errorf("severity band %q: want one of Low, Medium, High, Critical", s)
}

// MarshalText writes the band's name.
func (b Band) MarshalText() ([]byte, error) {
	if !b.Valid() {
		return nil, fmt.Errorf("severity band %d: not a band", int(b))
	}
	return []byte(b.String()), nil
}

// UnmarshalText reads a band's name.
func (b *Band) UnmarshalText(text []byte) error {
	v, err := ParseBand(string(text))
	if err != nil {
		return err
	}
	*b = v
	return nil
}

// BandOf returns the band of a numeric severity on GuardDuty's scale:
// Low below 4.0, Medium 4.0-6.9, High 7.0-8.9, Critical 9.0-10.0. Values
// below 1.0 (GuardDuty reserves them) count as Low; negative values, values
// above 10, NaN and infinities are errors.
func BandOf(severity float64) (Band, error) {
	switch {
	case math.IsNaN(severity) || math.IsInf(severity, 0):
		return 0, fmt.Errorf("severity %v: not a number", severity)
	case severity < 0 || severity > 10:
		return 0, fmt.Errorf("severity %v: out of range 0-10", severity)
	case severity >= 9:
		return Critical, nil
	case severity >= 7:
		return High, nil
	case severity >= 4:
		return Medium, nil
	default:
		return Low, nil
	}
}
