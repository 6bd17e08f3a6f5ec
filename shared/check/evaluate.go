package check

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/pledge-dev/pledge/shared/chrony"
	"github.com/pledge-dev/pledge/shared/config"
)

// ---- time sync ----

// TimeSync judges the output of `chronyc -c tracking` (or `chronyc
// tracking`) run on an instance, under chrony.Evaluate's rule: the clock
// must follow one of rule.Sources (Amazon Time Sync Service when none)
// within rule.MaxOffset. The result names the source the clock follows
// (TimeSource, and Group for grouping). Output that cannot be read is an
// ERROR, not a FAIL: the clock's state is unknown.
func TimeSync(instanceID, chronycOutput string, rule chrony.Rule, now time.Time) Result {
	t, err := chrony.Parse(chronycOutput)
	if err != nil {
		return NewResult(TimeSyncChrony, instanceID, Error, fmt.Sprintf("The chronyc output could not be read, so the clock's state is unknown: %v.", err), now).
			ja("chronyc の出力を読み取れないため、時計の状態は不明です: %v。", err)
	}
	v := chrony.Evaluate(t, rule)
	r := verdict(TimeSyncChrony, instanceID, v.OK, v.Reason, now).ja("%s", v.ReasonJA)
	r.TimeSource = v.Source
	switch {
	case v.Source == "":
		r.Group = "no source"
	case v.Accepted && strings.LastIndex(v.Source, " (") > 0:
		r.Group = strings.TrimSpace(v.Source[:strings.LastIndex(v.Source, " (")])
	case v.Accepted:
		// Any source accepted: "NTP source 192.0.2.10", grouped by server.
		r.Group = v.Source
	default:
		r.Group = "not an accepted source"
	}
	return r
}

// TimeSources converts the configuration's accepted time sources to
// chrony's; none gives none (chrony then accepts Amazon Time Sync Service
// alone). Call after the configuration is validated.
func TimeSources(list []config.TimeSource) []chrony.Source {
	var out []chrony.Source
	for _, s := range list {
		var addrs []netip.Addr
		for _, a := range s.Addresses {
			if ip, err := netip.ParseAddr(a); err == nil {
				addrs = append(addrs, ip)
			}
		}
		switch {
		case s.Service == config.TimeServiceAmazon:
			out = append(out, chrony.AmazonTimeSync)
		case s.Service == config.TimeServiceNICT:
			out = append(out, chrony.NICT(addrs...))
		case s.Service == config.TimeServiceAny:
			out = append(out, chrony.AnySource)
		default:
			if ip, err := netip.ParseAddr(s.Server); err == nil {
				addrs = append(addrs, ip)
			}
			out = append(out, chrony.Server(s.Server, addrs...))
		}
	}
	return out
}

// ManagedService is a compute service whose clock AWS operates.
type ManagedService string

// The managed services reported under timesync.managed.
const (
	Lambda  ManagedService = "Lambda"
	Fargate ManagedService = "Fargate"
	RDS     ManagedService = "RDS"
)

var managedReasonsJA = map[ManagedService]string{
	Lambda:  "この時計は AWS が管理しています。Lambda 関数は AWS が運用するホストで実行され、その時刻同期は責任共有モデルにおける AWS の責任範囲です。関数側で設定・変更することはできません。",
	Fargate: "この時計は AWS が管理しています。Fargate タスクは AWS が運用するホストで実行され、その時刻同期は責任共有モデルにおける AWS の責任範囲です。タスク側で設定・変更することはできません。",
	RDS:     "この時計は AWS が管理しています。RDS は AWS が運用するホストでデータベースを実行し、その時刻同期は責任共有モデルにおける AWS の責任範囲です。データベースの所有者が設定・変更することはできません。",
}

var managedReasons = map[ManagedService]string{
	Lambda:  "AWS manages this clock: a Lambda function runs on hosts AWS operates, and keeping their clocks synchronised is AWS's part of the shared responsibility model; the function can neither configure nor change it.",
	Fargate: "AWS manages this clock: a Fargate task runs on hosts AWS operates, and keeping their clocks synchronised is AWS's part of the shared responsibility model; the task can neither configure nor change it.",
	RDS:     "AWS manages this clock: RDS runs the database on hosts AWS operates, and keeping their clocks synchronised is AWS's part of the shared responsibility model; the database owner can neither configure nor change it.",
}

// ManagedClock reports a resource of a service whose clock AWS manages. It
// is a PASS with the reason; an unknown service is an ERROR.
func ManagedClock(service ManagedService, resource string, now time.Time) Result {
	reason, ok := managedReasons[service]
	if !ok {
		return NewResult(TimeSyncManaged, resource, Error, fmt.Sprintf("%q is not a service whose clock AWS is known to manage (Lambda, Fargate, RDS).", service), now).
			ja("%q は時計を AWS が管理していることが分かっているサービス (Lambda、Fargate、RDS) ではありません。", service)
	}
	return NewResult(TimeSyncManaged, resource, Pass, reason, now).ja("%s", managedReasonsJA[service]).in(string(service))
}

// ---- encryption at rest ----

// Database is an RDS DB instance or Aurora DB cluster.
type Database struct {
	// Kind is "DB instance" or "DB cluster".
	Kind string `json:"kind"`
	ID   string `json:"id"`
	ARN  string `json:"arn"`
	// Engine is RDS's engine name, e.g. "postgres", "aurora-mysql".
	Engine           string `json:"engine"`
	StorageEncrypted bool   `json:"storageEncrypted"`
	KMSKeyID         string `json:"kmsKeyId,omitempty"`
	// BackupRetentionDays is the automated-backup (point-in-time recovery)
	// retention; 0 means automated backups are off.
	BackupRetentionDays int `json:"backupRetentionDays"`
}

func (d Database) name() string { return d.Kind + " " + d.ID }

// nameJA is name in Japanese.
func (d Database) nameJA() string { return kindJA(d.Kind) + " " + d.ID }

// kindJA translates the resource kinds the checks name.
func kindJA(kind string) string {
	switch kind {
	case "DB instance":
		return "DB インスタンス"
	case "DB cluster":
		return "DB クラスター"
	case "DB snapshot":
		return "DB スナップショット"
	case "DB cluster snapshot":
		return "DB クラスタースナップショット"
	}
	return kind
}

func (d Database) resource() string {
	if d.ARN != "" {
		return d.ARN
	}
	return d.ID
}

// StorageEncryption judges whether a database encrypts its storage.
func StorageEncryption(d Database, now time.Time) Result {
	if d.StorageEncrypted {
		return verdict(RDSStorageEncrypted, d.resource(), true, fmt.Sprintf("%s encrypts its storage (AES-256) with KMS key %s.", d.name(), orUnknown(d.KMSKeyID)), now).
			ja("%s はストレージを KMS キー %s で暗号化 (AES-256) しています。", d.nameJA(), orUnknownJA(d.KMSKeyID))
	}
	return verdict(RDSStorageEncrypted, d.resource(), false, fmt.Sprintf("%s does not encrypt its storage (StorageEncrypted is false); encryption can only be turned on by restoring an encrypted copy of a snapshot.", d.name()), now).
		ja("%s はストレージを暗号化していません (StorageEncrypted が false)。暗号化はスナップショットの暗号化コピーから復元することでのみ有効にできます。", d.nameJA())
}

func orUnknown(s string) string {
	if s == "" {
		return "(not reported)"
	}
	return s
}

func orUnknownJA(s string) string {
	if s == "" {
		return "(報告なし)"
	}
	return s
}

// Snapshot is an RDS DB snapshot or Aurora DB cluster snapshot.
type Snapshot struct {
	// Kind is "DB snapshot" or "DB cluster snapshot".
	Kind string `json:"kind"`
	ID   string `json:"id"`
	ARN  string `json:"arn"`
	// Database is the id of the instance or cluster it was taken of.
	Database  string    `json:"database"`
	Encrypted bool      `json:"encrypted"`
	KMSKeyID  string    `json:"kmsKeyId,omitempty"`
	Created   time.Time `json:"created"`
	// Status is RDS's snapshot status, e.g. "available", "creating".
	Status string `json:"status"`
}

func (s Snapshot) resource() string {
	if s.ARN != "" {
		return s.ARN
	}
	return s.ID
}

// SnapshotEncryption judges whether a snapshot is encrypted.
func SnapshotEncryption(s Snapshot, now time.Time) Result {
	if s.Encrypted {
		return verdict(RDSSnapshotEncrypted, s.resource(), true, fmt.Sprintf("%s %s of %s is encrypted with KMS key %s.", s.Kind, s.ID, s.Database, orUnknown(s.KMSKeyID)), now).
			ja("%s の %s %s は KMS キー %s で暗号化されています。", s.Database, kindJA(s.Kind), s.ID, orUnknownJA(s.KMSKeyID)).in(s.Database)
	}
	return verdict(RDSSnapshotEncrypted, s.resource(), false, fmt.Sprintf("%s %s of %s is not encrypted; copy it with a KMS key and delete the unencrypted one.", s.Kind, s.ID, s.Database), now).
		ja("%s の %s %s は暗号化されていません。KMS キーで暗号化したコピーを作成し、暗号化されていないものを削除してください。", s.Database, kindJA(s.Kind), s.ID).in(s.Database)
}

// EBSDefaultEncryption judges the account's EBS encryption-by-default
// setting in one region; scope names it, e.g. "arn:aws:ec2:ap-northeast-1:123456789012:".
func EBSDefaultEncryption(scope string, enabled bool, defaultKMSKeyID string, now time.Time) Result {
	if enabled {
		return verdict(EBSEncryptionByDefault, scope, true, fmt.Sprintf("EBS encryption by default is on; new volumes are encrypted with KMS key %s.", orUnknown(defaultKMSKeyID)), now).
			ja("EBS のデフォルト暗号化が有効で、新しいボリュームは KMS キー %s で暗号化されます。", orUnknownJA(defaultKMSKeyID))
	}
	return verdict(EBSEncryptionByDefault, scope, false, "EBS encryption by default is off, so new volumes can be created unencrypted.", now).
		ja("EBS のデフォルト暗号化が無効なため、暗号化されていないボリュームを作成できてしまいます。")
}

// BucketEncryption is a bucket's default-encryption configuration.
type BucketEncryption struct {
	Bucket string `json:"bucket"`
	// Configured is false when the bucket has no default-encryption
	// configuration (ServerSideEncryptionConfigurationNotFoundError).
	Configured bool `json:"configured"`
	// Algorithm is "AES256" (SSE-S3), "aws:kms" (SSE-KMS) or
	// "aws:kms:dsse" (DSSE-KMS).
	Algorithm        string `json:"algorithm,omitempty"`
	KMSKeyID         string `json:"kmsKeyId,omitempty"`
	BucketKeyEnabled bool   `json:"bucketKeyEnabled,omitempty"`
}

// BucketDefaultEncryption judges a bucket's default encryption. When
// requireKMS is set (the bucket is configured for SSE-KMS) only aws:kms or
// aws:kms:dsse passes, and when wantKeyID is also set the key must be that
// key (compared as given: pass the same form, id or ARN, that S3 reports).
func BucketDefaultEncryption(b BucketEncryption, requireKMS bool, wantKeyID string, now time.Time) Result {
	res := "arn:aws:s3:::" + b.Bucket
	kms := b.Algorithm == "aws:kms" || b.Algorithm == "aws:kms:dsse"
	switch {
	case !b.Configured || b.Algorithm == "":
		return verdict(S3DefaultEncryption, res, false, fmt.Sprintf("Bucket %s has no default encryption configuration.", b.Bucket), now).
			ja("バケット %s にはデフォルト暗号化の設定がありません。", b.Bucket)
	case b.Algorithm != "AES256" && !kms:
		return verdict(S3DefaultEncryption, res, false, fmt.Sprintf("Bucket %s uses default encryption %q, which is not SSE-S3 (AES256) or SSE-KMS (aws:kms).", b.Bucket, b.Algorithm), now).
			ja("バケット %s のデフォルト暗号化 %q は SSE-S3 (AES256) でも SSE-KMS (aws:kms) でもありません。", b.Bucket, b.Algorithm)
	case requireKMS && !kms:
		return verdict(S3DefaultEncryption, res, false, fmt.Sprintf("Bucket %s encrypts with SSE-S3 (AES256), but SSE-KMS is configured for it.", b.Bucket), now).
			ja("バケット %s は SSE-S3 (AES256) で暗号化していますが、設定では SSE-KMS が指定されています。", b.Bucket)
	case requireKMS && wantKeyID != "" && b.KMSKeyID != wantKeyID:
		return verdict(S3DefaultEncryption, res, false, fmt.Sprintf("Bucket %s encrypts with KMS key %s, not the configured key %s.", b.Bucket, orUnknown(b.KMSKeyID), wantKeyID), now).
			ja("バケット %s は設定されたキー %s ではなく KMS キー %s で暗号化しています。", b.Bucket, wantKeyID, orUnknownJA(b.KMSKeyID))
	case kms:
		return verdict(S3DefaultEncryption, res, true, fmt.Sprintf("Bucket %s encrypts new objects with SSE-KMS (%s) using KMS key %s.", b.Bucket, b.Algorithm, orUnknown(b.KMSKeyID)), now).
			ja("バケット %s は新しいオブジェクトを KMS キー %s の SSE-KMS (%s) で暗号化します。", b.Bucket, orUnknownJA(b.KMSKeyID), b.Algorithm)
	default:
		return verdict(S3DefaultEncryption, res, true, fmt.Sprintf("Bucket %s encrypts new objects with SSE-S3 (AES-256).", b.Bucket), now).
			ja("バケット %s は新しいオブジェクトを SSE-S3 (AES-256) で暗号化します。", b.Bucket)
	}
}

// KMSKey is a KMS key and its rotation status.
type KMSKey struct {
	ID  string `json:"id"`
	ARN string `json:"arn"`
	// Manager is "CUSTOMER" or "AWS".
	Manager string `json:"manager"`
	// Spec is the key spec, e.g. "SYMMETRIC_DEFAULT", "RSA_2048", "HMAC_256".
	Spec string `json:"spec"`
	// State is e.g. "Enabled", "Disabled", "PendingDeletion".
	State string `json:"state"`
	// Origin is "AWS_KMS", "EXTERNAL", "AWS_CLOUDHSM" or "EXTERNAL_KEY_STORE".
	Origin             string `json:"origin"`
	RotationEnabled    bool   `json:"rotationEnabled"`
	RotationPeriodDays int    `json:"rotationPeriodDays,omitempty"`
}

// Rotatable reports whether KMS can rotate the key automatically and the
// check applies: an enabled, customer-managed, symmetric encryption key
// whose material KMS generated. Asymmetric and HMAC keys, imported
// material and custom key stores cannot rotate automatically; AWS-managed
// keys rotate yearly by themselves.
func (k KMSKey) Rotatable() bool {
	return k.Manager == "CUSTOMER" && k.Spec == "SYMMETRIC_DEFAULT" && k.Origin == "AWS_KMS" && k.State == "Enabled"
}

// KeyRotation judges a key's automatic rotation; with maxDays > 0 the
// rotation period must also be at most maxDays (KMS allows 90 to 2,560
// days; a key that reports no period rotates every 365). A key the check
// does not apply to (see Rotatable) is an ERROR naming why: the caller
// should not have selected it.
func KeyRotation(k KMSKey, maxDays int, now time.Time) Result {
	res := k.ARN
	if res == "" {
		res = k.ID
	}
	if !k.Rotatable() {
		return NewResult(KMSKeyRotation, res, Error, fmt.Sprintf("Key %s cannot be judged for automatic rotation: it is not an enabled, customer-managed symmetric key with KMS-generated material (manager %s, spec %s, origin %s, state %s).", k.ID, k.Manager, k.Spec, k.Origin, k.State), now).
			ja("キー %s は自動ローテーションの判定対象外です。有効なカスタマー管理の対称キーで、鍵素材が KMS で生成されたものではありません (管理 %s、仕様 %s、生成元 %s、状態 %s)。", k.ID, k.Manager, k.Spec, k.Origin, k.State)
	}
	if !k.RotationEnabled {
		return verdict(KMSKeyRotation, res, false, fmt.Sprintf("Customer-managed key %s does not rotate automatically.", k.ID), now).
			ja("カスタマー管理キー %s は自動ローテーションされません。", k.ID)
	}
	period := k.RotationPeriodDays
	if period <= 0 {
		period = 365
	}
	if maxDays > 0 && period > maxDays {
		return verdict(KMSKeyRotation, res, false, fmt.Sprintf("Customer-managed key %s rotates automatically every %s, longer than the %s allowed.", k.ID, days(period), days(maxDays)), now).
			ja("カスタマー管理キー %s の自動ローテーション間隔は %d 日で、許容される %d 日より長くなっています。", k.ID, period, maxDays)
	}
	limit, limitJA := "", ""
	if maxDays > 0 {
		limit = fmt.Sprintf(", within the %s allowed", days(maxDays))
		limitJA = fmt.Sprintf(" (許容 %d 日以内)", maxDays)
	}
	return verdict(KMSKeyRotation, res, true, fmt.Sprintf("Customer-managed key %s rotates automatically every %s%s.", k.ID, days(period), limit), now).
		ja("カスタマー管理キー %s は %d 日ごとに自動ローテーションされます%s。", k.ID, period, limitJA)
}

// Trail is a CloudTrail trail and its status.
type Trail struct {
	Name              string `json:"name"`
	ARN               string `json:"arn"`
	HomeRegion        string `json:"homeRegion"`
	MultiRegion       bool   `json:"multiRegion"`
	LogFileValidation bool   `json:"logFileValidation"`
	KMSKeyID          string `json:"kmsKeyId,omitempty"`
	// Logging is GetTrailStatus's IsLogging.
	Logging bool `json:"logging"`
}

// Trails judges every trail: each must log, cover all regions, encrypt its
// log files with KMS and validate them. No trail at all is a FAIL against
// scope (e.g. the account and region).
func Trails(trails []Trail, scope string, now time.Time) []Result {
	if len(trails) == 0 {
		return []Result{verdict(CloudTrailProtected, scope, false, "No CloudTrail trail exists, so management events are kept only 90 days in the event history, unencrypted by a customer key and unvalidated.", now).
			ja("CloudTrail の証跡がないため、管理イベントはイベント履歴に 90 日間しか残らず、カスタマーキーでの暗号化も検証もされません。")}
	}
	out := make([]Result, 0, len(trails))
	for _, t := range trails {
		res := t.ARN
		if res == "" {
			res = t.Name
		}
		var fails, failsJA []string
		if !t.Logging {
			fails = append(fails, "is not logging")
			failsJA = append(failsJA, "ログを記録していません")
		}
		if !t.MultiRegion {
			fails = append(fails, "records only its home region "+t.HomeRegion)
			failsJA = append(failsJA, "ホームリージョン "+t.HomeRegion+" のみを記録しています")
		}
		if t.KMSKeyID == "" {
			fails = append(fails, "does not encrypt its log files with a KMS key")
			failsJA = append(failsJA, "ログファイルを KMS キーで暗号化していません")
		}
		if !t.LogFileValidation {
			fails = append(fails, "has log file validation off")
			failsJA = append(failsJA, "ログファイルの検証が無効です")
		}
		if len(fails) > 0 {
			out = append(out, verdict(CloudTrailProtected, res, false, fmt.Sprintf("Trail %s %s.", t.Name, joinAnd(fails)), now).
				ja("証跡 %s は%s。", t.Name, strings.Join(failsJA, "。また、")))
			continue
		}
		out = append(out, verdict(CloudTrailProtected, res, true, fmt.Sprintf("Trail %s is logging all regions, encrypts its log files with KMS key %s and validates them.", t.Name, t.KMSKeyID), now).
			ja("証跡 %s は全リージョンを記録し、ログファイルを KMS キー %s で暗号化し、検証しています。", t.Name, t.KMSKeyID))
	}
	return out
}

func joinAnd(parts []string) string {
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	default:
		return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
	}
}

// ---- monitoring and backups ----

// Detector is a GuardDuty detector.
type Detector struct {
	ID string `json:"id"`
	// Status is "ENABLED" or "DISABLED".
	Status string `json:"status"`
}

// GuardDuty judges whether GuardDuty monitors the region (scope names it):
// a PASS needs an ENABLED detector.
func GuardDuty(scope string, detectors []Detector, now time.Time) Result {
	if len(detectors) == 0 {
		return verdict(GuardDutyEnabled, scope, false, "GuardDuty has no detector in this region, so nothing monitors it for threats.", now).
			ja("このリージョンには GuardDuty の検出器がなく、脅威の監視が行われていません。")
	}
	for _, d := range detectors {
		if d.Status == "ENABLED" {
			return verdict(GuardDutyEnabled, scope, true, fmt.Sprintf("GuardDuty detector %s is enabled.", d.ID), now).
				ja("GuardDuty 検出器 %s は有効です。", d.ID)
		}
	}
	return verdict(GuardDutyEnabled, scope, false, fmt.Sprintf("GuardDuty detector %s is %s, so nothing monitors the region for threats.", detectors[0].ID, strings.ToLower(orUnknown(detectors[0].Status))), now).
		ja("GuardDuty 検出器 %s の状態が %s のため、リージョンの脅威が監視されていません。", detectors[0].ID, orUnknownJA(detectors[0].Status))
}

// SnapshotFreshness judges whether a protected database's newest available
// snapshot is younger than twice its schedule's interval. database is the
// resource (ARN or id) and name the human name, e.g. "DB instance app-db".
func SnapshotFreshness(database, name string, snapshots []Snapshot, interval time.Duration, now time.Time) Result {
	if interval <= 0 {
		return NewResult(RDSSnapshotFresh, database, Error, fmt.Sprintf("The schedule interval %s is not positive, so freshness cannot be judged.", interval), now).
			ja("スケジュールの間隔 %s が正の値でないため、鮮度を判定できません。", interval)
	}
	var newest Snapshot
	for _, s := range snapshots {
		if s.Status == "available" && s.Created.After(newest.Created) {
			newest = s
		}
	}
	limit := 2 * interval
	nameJA := translateName(name)
	if newest.ID == "" {
		return verdict(RDSSnapshotFresh, database, false, fmt.Sprintf("%s has no available snapshot; one is due every %s.", name, fmtDuration(interval)), now).
			ja("%s には利用可能なスナップショットがありません。%s ごとに取得されるはずです。", nameJA, fmtDuration(interval))
	}
	age := now.Sub(newest.Created)
	if age >= limit {
		return verdict(RDSSnapshotFresh, database, false, fmt.Sprintf("The newest snapshot of %s, %s, is %s old, not younger than %s (twice the %s schedule).", name, newest.ID, fmtDuration(age), fmtDuration(limit), fmtDuration(interval)), now).
			ja("%s の最新スナップショット %s は取得から %s 経過しており、%s (スケジュール間隔 %s の 2 倍) 未満ではありません。", nameJA, newest.ID, fmtDuration(age), fmtDuration(limit), fmtDuration(interval))
	}
	return verdict(RDSSnapshotFresh, database, true, fmt.Sprintf("The newest snapshot of %s, %s, is %s old, younger than %s (twice the %s schedule).", name, newest.ID, fmtDuration(age), fmtDuration(limit), fmtDuration(interval)), now).
		ja("%s の最新スナップショット %s は取得から %s で、%s (スケジュール間隔 %s の 2 倍) 未満です。", nameJA, newest.ID, fmtDuration(age), fmtDuration(limit), fmtDuration(interval))
}

// translateName translates a human name such as "DB instance app-db".
func translateName(name string) string {
	name = strings.Replace(name, "(backup policy ", "(バックアップポリシー ", 1)
	for _, k := range []string{"DB cluster snapshot", "DB snapshot", "DB instance", "DB cluster"} {
		if rest, ok := strings.CutPrefix(name, k+" "); ok {
			return kindJA(k) + " " + rest
		}
	}
	return name
}

// fmtDuration prints a duration to the minute (to the second below one
// minute), e.g. "2h0m", "25h13m", "45s".
func fmtDuration(d time.Duration) string {
	if d < 0 {
		return "-" + fmtDuration(-d)
	}
	if d < time.Minute {
		return d.Round(time.Second).String()
	}
	s := d.Round(time.Minute).String()
	return strings.TrimSuffix(s, "0s")
}

// PITR judges a database's point-in-time-recovery retention against the
// promised days (0: nothing promised, so any retention passes but off is
// still reported).
func PITR(d Database, promisedDays int, now time.Time) Result {
	switch {
	case d.BackupRetentionDays == 0 && promisedDays > 0:
		return verdict(RDSPITRRetention, d.resource(), false, fmt.Sprintf("%s has automated backups off, so there is no point-in-time recovery; %d days are promised.", d.name(), promisedDays), now).
			ja("%s は自動バックアップが無効で、ポイントインタイムリカバリができません。約束は %d 日間です。", d.nameJA(), promisedDays)
	case d.BackupRetentionDays < promisedDays:
		return verdict(RDSPITRRetention, d.resource(), false, fmt.Sprintf("%s keeps point-in-time recovery for %s, fewer than the %d days promised.", d.name(), days(d.BackupRetentionDays), promisedDays), now).
			ja("%s のポイントインタイムリカバリの保持期間は %d 日で、約束の %d 日に足りません。", d.nameJA(), d.BackupRetentionDays, promisedDays)
	case promisedDays == 0:
		return verdict(RDSPITRRetention, d.resource(), true, fmt.Sprintf("%s keeps point-in-time recovery for %s; no retention is promised.", d.name(), days(d.BackupRetentionDays)), now).
			ja("%s のポイントインタイムリカバリの保持期間は %d 日です (保持期間の約束はありません)。", d.nameJA(), d.BackupRetentionDays)
	default:
		return verdict(RDSPITRRetention, d.resource(), true, fmt.Sprintf("%s keeps point-in-time recovery for %s, at least the %d days promised.", d.name(), days(d.BackupRetentionDays), promisedDays), now).
			ja("%s のポイントインタイムリカバリの保持期間は %d 日で、約束の %d 日以上です。", d.nameJA(), d.BackupRetentionDays, promisedDays)
	}
}

func days(n int) string {
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}

// LogGroup is a CloudWatch Logs log group.
type LogGroup struct {
	Name string `json:"name"`
	ARN  string `json:"arn"`
	// RetentionDays is 0 when the group never expires its events.
	RetentionDays int `json:"retentionDays"`
}

// LogRetention judges a log group's retention against the promised days
// of its class (empty class: the configuration's logRetentionDays, which
// every group outside a class is held to); a group that never expires its
// events passes. The class is the result's Group.
func LogRetention(g LogGroup, promisedDays int, class string, now time.Time) Result {
	res := g.ARN
	if res == "" {
		res = g.Name
	}
	of, ofJA := "", ""
	if class != "" {
		of = fmt.Sprintf(" for %s logs", class)
		ofJA = fmt.Sprintf("%s ログについて", class)
	}
	var r Result
	switch {
	case g.RetentionDays < 0:
		r = NewResult(LogsRetention, res, Error, fmt.Sprintf("Log group %s reports a negative retention (%d days).", g.Name, g.RetentionDays), now).
			ja("ロググループ %s の保持期間が負の値 (%d 日) になっています。", g.Name, g.RetentionDays)
	case g.RetentionDays == 0:
		r = verdict(LogsRetention, res, true, fmt.Sprintf("Log group %s never expires its events, so it keeps them at least the %s promised%s.", g.Name, days(promisedDays), of), now).
			ja("ロググループ %s はイベントを失効させないため、%s約束した %d 日以上保持します。", g.Name, ofJA, promisedDays)
	case g.RetentionDays < promisedDays:
		r = verdict(LogsRetention, res, false, fmt.Sprintf("Log group %s keeps events for %s, fewer than the %s promised%s.", g.Name, days(g.RetentionDays), days(promisedDays), of), now).
			ja("ロググループ %s のイベント保持期間は %d 日で、%s約束した %d 日に足りません。", g.Name, g.RetentionDays, ofJA, promisedDays)
	default:
		r = verdict(LogsRetention, res, true, fmt.Sprintf("Log group %s keeps events for %s, at least the %s promised%s.", g.Name, days(g.RetentionDays), days(promisedDays), of), now).
			ja("ロググループ %s のイベント保持期間は %d 日で、%s約束した %d 日以上です。", g.Name, g.RetentionDays, ofJA, promisedDays)
	}
	return r.in(class)
}

// ---- in transit ----

// Listener is an ELBv2 listener.
type Listener struct {
	ARN          string `json:"arn"`
	LoadBalancer string `json:"loadBalancer"`
	// Protocol is "HTTPS" or "TLS" for the listeners this check judges.
	Protocol  string `json:"protocol"`
	Port      int    `json:"port"`
	SSLPolicy string `json:"sslPolicy"`
}

// TLS12Policies are the predefined ELB security policies that offer TLS 1.2
// and newer only (no TLS 1.0 or 1.1), used when the policy's protocols are
// not known from DescribeSSLPolicies.
var TLS12Policies = []string{
	"ELBSecurityPolicy-TLS13-1-2-2021-06",
	"ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
	"ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
	"ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
	"ELBSecurityPolicy-TLS13-1-3-2021-06",
	"ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
	"ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
	"ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-2023-04",
	"ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-2023-04",
	"ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-2023-04",
	"ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
	"ELBSecurityPolicy-TLS13-1-2-PQ-2025-09",
	"ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
	"ELBSecurityPolicy-TLS13-1-2-Ext1-PQ-2025-09",
	"ELBSecurityPolicy-TLS13-1-2-Ext2-PQ-2025-09",
	"ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
	"ELBSecurityPolicy-TLS13-1-2-FIPS-PQ-2025-09",
	"ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09",
	"ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-PQ-2025-09",
	"ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-PQ-2025-09",
	"ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-PQ-2025-09",
	"ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09",
	"ELBSecurityPolicy-TLS-1-2-2017-01",
	"ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
	"ELBSecurityPolicy-FS-1-2-2019-08",
	"ELBSecurityPolicy-FS-1-2-Res-2019-08",
	"ELBSecurityPolicy-FS-1-2-Res-2020-10",
}

// oldProtocols are the protocol names DescribeSSLPolicies uses for versions
// older than TLS 1.2.
var oldProtocols = []string{"SSLv2", "SSLv3", "TLSv1", "TLSv1.1"}

// ListenerTLS judges a listener's security policy. protocols are the
// policy's SslProtocols from DescribeSSLPolicies; when known they decide
// (no SSLv3, TLSv1 or TLSv1.1, and at least one of TLSv1.2, TLSv1.3); when
// nil the policy must be in TLS12Policies.
func ListenerTLS(l Listener, protocols []string, now time.Time) Result {
	name := fmt.Sprintf("%s listener %s:%d", l.Protocol, l.LoadBalancer, l.Port)
	res := l.ARN
	nameJA := fmt.Sprintf("%s リスナー %s:%d", l.Protocol, l.LoadBalancer, l.Port)
	if l.Protocol != "HTTPS" && l.Protocol != "TLS" {
		return NewResult(ELBTLS12Policy, res, Error, fmt.Sprintf("%s is not an HTTPS or TLS listener, so it has no security policy to judge.", name), now).
			ja("%s は HTTPS または TLS のリスナーではないため、判定するセキュリティポリシーがありません。", nameJA)
	}
	if l.SSLPolicy == "" {
		return verdict(ELBTLS12Policy, res, false, fmt.Sprintf("%s reports no security policy.", name), now).
			ja("%s のセキュリティポリシーが報告されていません。", nameJA)
	}
	if protocols != nil {
		var old []string
		modern := false
		for _, p := range protocols {
			if slices.Contains(oldProtocols, p) {
				old = append(old, p)
			}
			modern = modern || p == "TLSv1.2" || p == "TLSv1.3"
		}
		switch {
		case len(old) > 0:
			return verdict(ELBTLS12Policy, res, false, fmt.Sprintf("%s uses security policy %s, which allows %s; use a TLS 1.2+ policy such as ELBSecurityPolicy-TLS13-1-2-Res-2021-06.", name, l.SSLPolicy, joinAnd(old)), now).
				ja("%s のセキュリティポリシー %s は %s を許可しています。ELBSecurityPolicy-TLS13-1-2-Res-2021-06 など TLS 1.2 以上のポリシーを使用してください。", nameJA, l.SSLPolicy, strings.Join(old, "、"))
		case !modern:
			return verdict(ELBTLS12Policy, res, false, fmt.Sprintf("%s uses security policy %s, which offers neither TLS 1.2 nor TLS 1.3 (protocols: %s).", name, l.SSLPolicy, strings.Join(protocols, ", ")), now).
				ja("%s のセキュリティポリシー %s は TLS 1.2 も TLS 1.3 も提供していません (プロトコル: %s)。", nameJA, l.SSLPolicy, strings.Join(protocols, ", "))
		}
		return verdict(ELBTLS12Policy, res, true, fmt.Sprintf("%s uses security policy %s, which allows only %s.", name, l.SSLPolicy, strings.Join(protocols, ", ")), now).
			ja("%s のセキュリティポリシー %s が許可するのは %s のみです。", nameJA, l.SSLPolicy, strings.Join(protocols, ", "))
	}
	if slices.Contains(TLS12Policies, l.SSLPolicy) {
		return verdict(ELBTLS12Policy, res, true, fmt.Sprintf("%s uses security policy %s, which allows TLS 1.2 and newer only.", name, l.SSLPolicy), now).
			ja("%s のセキュリティポリシー %s は TLS 1.2 以上のみを許可します。", nameJA, l.SSLPolicy)
	}
	return verdict(ELBTLS12Policy, res, false, fmt.Sprintf("%s uses security policy %s, which is not one of the policies known to allow TLS 1.2 and newer only (ELBSecurityPolicy-2016-08, the default outside the console, allows TLS 1.0).", name, l.SSLPolicy), now).
		ja("%s のセキュリティポリシー %s は、TLS 1.2 以上のみを許可することが分かっているポリシーではありません (コンソール以外での既定 ELBSecurityPolicy-2016-08 は TLS 1.0 を許可します)。", nameJA, l.SSLPolicy)
}
