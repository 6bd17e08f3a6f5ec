package check

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aws/smithy-go"

	"github.com/pledge-dev/pledge/shared/control"
)

// Status is the outcome of one check on one resource.
type Status string

// The statuses. ERROR means the check could not be evaluated.
const (
	Pass  Status = "PASS"
	Fail  Status = "FAIL"
	Error Status = "ERROR"
)

// Control is an ISO/IEC 27017 control, titled in English and Japanese.
type Control = control.Control

// Controls are the controls Pledge evidences, in the standard's order
// (package control).
var Controls = control.Controls

// ControlByID returns the control with the id.
func ControlByID(id string) (Control, bool) { return control.ByID(id) }

// Definition describes one check.
type Definition struct {
	// ID is the check's id, one of config.CheckIDs.
	ID string `json:"id"`
	// English and Japanese say what the check verifies.
	English  string `json:"en"`
	Japanese string `json:"ja"`
	// Controls are the ids of the controls the check evidences.
	Controls []string `json:"controls"`
	// ConfigRules are the AWS Config managed rules that check the same thing
	// or the nearest part of it; empty when none exists.
	ConfigRules []string `json:"configRules,omitempty"`
}

// The check ids, as in config.CheckIDs.
const (
	TimeSyncChrony         = "timesync.chrony"
	TimeSyncManaged        = "timesync.managed"
	RDSStorageEncrypted    = "rds.storage-encrypted"
	RDSSnapshotEncrypted   = "rds.snapshot-encrypted"
	EBSEncryptionByDefault = "ec2.ebs-encryption-by-default"
	S3DefaultEncryption    = "s3.default-encryption"
	S3TLSOnly              = "s3.tls-only"
	KMSKeyRotation         = "kms.key-rotation"
	CloudTrailProtected    = "cloudtrail.encrypted-validated-multiregion"
	RDSTLSEnforced         = "rds.tls-enforced"
	ELBTLS12Policy         = "elb.tls12-policy"
	GuardDutyEnabled       = "guardduty.enabled"
	RDSSnapshotFresh       = "rds.snapshot-fresh"
	RDSPITRRetention       = "rds.pitr-retention"
	LogsRetention          = "logs.retention"
	S3NoncurrentRetention  = "s3.noncurrent-version-retention"
)

// Definitions are every check, in config.CheckIDs order.
var Definitions = []Definition{
	{TimeSyncChrony, "EC2 instance clocks follow Amazon Time Sync Service within the offset threshold", "EC2 インスタンスの時刻が Amazon Time Sync Service に許容誤差内で同期している",
		[]string{"A.12.4.4"}, nil},
	{TimeSyncManaged, "Clocks of AWS-managed compute (Lambda, Fargate, RDS) are synchronised by AWS", "AWS が管理する実行環境 (Lambda, Fargate, RDS) の時刻は AWS が同期している",
		[]string{"A.12.4.4"}, nil},
	{RDSStorageEncrypted, "RDS instances and Aurora clusters encrypt their storage", "RDS インスタンスと Aurora クラスターのストレージが暗号化されている",
		[]string{"A.10.1.1"}, []string{"rds-storage-encrypted", "rds-cluster-encrypted-at-rest"}},
	{RDSSnapshotEncrypted, "RDS and Aurora snapshots are encrypted", "RDS と Aurora のスナップショットが暗号化されている",
		[]string{"A.10.1.1", "A.12.3.1"}, []string{"rds-snapshot-encrypted"}},
	{EBSEncryptionByDefault, "EBS encryption by default is on", "EBS のデフォルト暗号化が有効",
		[]string{"A.10.1.1"}, []string{"ec2-ebs-encryption-by-default"}},
	{S3DefaultEncryption, "S3 buckets encrypt new objects by default (SSE-KMS where configured)", "S3 バケットのデフォルト暗号化 (指定時は SSE-KMS) が有効",
		[]string{"A.10.1.1"}, []string{"s3-bucket-server-side-encryption-enabled", "s3-default-encryption-kms"}},
	{S3TLSOnly, "S3 bucket policies deny requests not sent over TLS", "S3 バケットポリシーが TLS 以外のリクエストを拒否している",
		[]string{"A.10.1.1", "A.13.1.1"}, []string{"s3-bucket-ssl-requests-only"}},
	{KMSKeyRotation, "Customer-managed KMS keys rotate automatically", "カスタマー管理の KMS キーが自動ローテーションされている",
		[]string{"A.10.1.2"}, []string{"cmk-backing-key-rotation-enabled"}},
	{CloudTrailProtected, "CloudTrail trails log all regions, KMS-encrypted, with log file validation", "CloudTrail 証跡が全リージョンを記録し、KMS で暗号化され、ログファイルの検証が有効",
		[]string{"A.12.4.1", "A.12.4.2", "A.10.1.1"}, []string{"multi-region-cloudtrail-enabled", "cloud-trail-encryption-enabled", "cloud-trail-log-file-validation-enabled"}},
	{RDSTLSEnforced, "RDS parameter groups force TLS 1.2 or newer", "RDS パラメータグループが TLS 1.2 以上を強制している",
		[]string{"A.10.1.1", "A.13.1.1"}, []string{"rds-postgres-instance-encrypted-in-transit", "rds-mysql-instance-encrypted-in-transit"}},
	{ELBTLS12Policy, "Load balancer HTTPS/TLS listeners allow TLS 1.2 and newer only", "ロードバランサーの HTTPS/TLS リスナーが TLS 1.2 以上のみを許可している",
		[]string{"A.10.1.1", "A.14.1.2", "A.14.1.3"}, []string{"elbv2-predefined-security-policy-ssl-check"}},
	{GuardDutyEnabled, "GuardDuty monitors the account", "GuardDuty がアカウントを監視している",
		[]string{"CLD.12.4.5"}, []string{"guardduty-enabled-centralized"}},
	{RDSSnapshotFresh, "Each protected database's newest snapshot is younger than twice its schedule", "保護対象データベースの最新スナップショットがスケジュール間隔の 2 倍より新しい",
		[]string{"A.12.3.1"}, nil},
	{RDSPITRRetention, "Point-in-time recovery retention is at least as promised", "ポイントインタイムリカバリの保持期間が約束以上",
		[]string{"A.12.3.1"}, []string{"db-instance-backup-enabled"}},
	{LogsRetention, "CloudWatch log groups keep logs at least as long as promised", "CloudWatch ロググループの保持期間が約束以上",
		[]string{"A.12.4.1"}, []string{"cw-loggroup-retention-period-check"}},
	{S3NoncurrentRetention, "Tenant buckets keep changed and deleted versions as long as promised, then expire them", "テナントのバケットが変更・削除前の版を約束の期間保管し、その後失効させている",
		[]string{"A.12.3.1"}, []string{"s3-bucket-versioning-enabled", "s3-lifecycle-policy-check"}},
}

// Lookup returns the definition of a check id.
func Lookup(id string) (Definition, bool) {
	i := slices.IndexFunc(Definitions, func(d Definition) bool { return d.ID == id })
	if i < 0 {
		return Definition{}, false
	}
	return Definitions[i], true
}

// Result is one check's verdict on one resource.
type Result struct {
	CheckID string `json:"checkId"`
	// Controls and ConfigRules are copied from the check's Definition so
	// that a stored report stands on its own.
	Controls    []string `json:"controls"`
	ConfigRules []string `json:"configRules,omitempty"`
	Status      Status   `json:"status"`
	// Resource is the ARN or id the verdict is about.
	Resource string `json:"resource"`
	// Reason is one or more English sentences saying why.
	Reason string `json:"reason"`
	// ReasonJA is the reason in Japanese; empty in reports written before
	// reasons were bilingual (readers fall back to Reason).
	ReasonJA string `json:"reasonJa,omitempty"`
	// Group names what similar results share, so that a report can show
	// them as one row: the database a snapshot was taken of, the class of
	// a log group, the source a clock follows. Empty when a result stands
	// alone.
	Group string `json:"group,omitempty"`
	// TimeSource is, for the clock check, the source the clock follows
	// and its endpoint, accepted or not; empty when it follows none.
	TimeSource string `json:"timeSource,omitempty"`
	// EvaluatedAt is when the facts were judged, in UTC.
	EvaluatedAt time.Time `json:"evaluatedAt"`
}

// ReasonIn returns the reason in a language ("ja" or "en"), falling back
// to English when the Japanese one is missing.
func (r Result) ReasonIn(lang string) string {
	if lang == "ja" && r.ReasonJA != "" {
		return r.ReasonJA
	}
	return r.Reason
}

// ja sets the Japanese reason (after any prefix NewResult gave an invalid
// result) and returns r.
func (r Result) ja(format string, args ...any) Result {
	r.ReasonJA += fmt.Sprintf(format, args...)
	return r
}

// in sets the group and returns r.
func (r Result) in(group string) Result {
	r.Group = group
	return r
}

// NewResult makes a result of a known check. An unknown check id gives an
// ERROR result that says so, rather than a verdict nobody can map to a
// control.
func NewResult(checkID, resource string, status Status, reason string, now time.Time) Result {
	r := Result{CheckID: checkID, Status: status, Resource: resource, Reason: reason, EvaluatedAt: now.UTC()}
	d, ok := Lookup(checkID)
	if !ok {
		r.Status = Error
		r.Reason = fmt.Sprintf("%q is not a known check id, so its result cannot be mapped to a control. %s", checkID, reason)
		r.ReasonJA = fmt.Sprintf("%q は既知のチェック ID ではないため、結果を管理策に対応付けられません。", checkID)
		return r
	}
	if status != Pass && status != Fail && status != Error {
		r.Status = Error
		r.Reason = fmt.Sprintf("%q is not a status (want PASS, FAIL or ERROR). %s", status, reason)
		r.ReasonJA = fmt.Sprintf("%q は判定結果ではありません (PASS、FAIL、ERROR のいずれか)。", status)
	}
	r.Controls = slices.Clone(d.Controls)
	r.ConfigRules = slices.Clone(d.ConfigRules)
	return r
}

func verdict(checkID, resource string, ok bool, reason string, now time.Time) Result {
	s := Fail
	if ok {
		s = Pass
	}
	return NewResult(checkID, resource, s, reason, now)
}

// accessDeniedCodes are the error codes AWS services use for a missing
// permission.
var accessDeniedCodes = []string{
	"AccessDenied",          // S3, STS, CloudWatch Logs (query), IAM
	"AccessDeniedException", // KMS, GuardDuty, SSM, CloudTrail, CloudWatch Logs
	"UnauthorizedOperation", // EC2
	"AuthorizationError",    // SNS
	"UnauthorizedAccess",
	"Forbidden",
}

// IsAccessDenied reports whether err, anywhere in its chain, is an AWS API
// error that means the caller lacks permission.
func IsAccessDenied(err error) bool {
	var api smithy.APIError
	return errors.As(err, &api) && slices.Contains(accessDeniedCodes, api.ErrorCode())
}

// Errored makes the ERROR result of a check that could not be evaluated
// because fetching its facts failed. A denied permission is named as such.
func Errored(checkID, resource string, err error, now time.Time) Result {
	var reason, ja string
	switch {
	case err == nil:
		reason = "The check could not be evaluated, and no error was given."
		ja = "チェックを評価できませんでした (エラーの詳細はありません)。"
	case IsAccessDenied(err):
		reason = fmt.Sprintf("The verifier was denied permission, so this could not be evaluated (%v). Grant the verifier's role the read permission the check needs.", err)
		ja = fmt.Sprintf("検証機能に権限がなく、評価できませんでした (%v)。チェックに必要な読み取り権限を検証機能のロールに付与してください。", err)
	default:
		reason = fmt.Sprintf("The check could not be evaluated: %v.", err)
		ja = fmt.Sprintf("チェックを評価できませんでした: %v。", err)
	}
	return NewResult(checkID, resource, Error, reason, now).ja("%s", ja)
}
