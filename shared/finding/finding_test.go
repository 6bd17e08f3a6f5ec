package finding_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pledge-dev/pledge/shared/finding"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

const eventsDir = "../../events"

// fixtures returns the GuardDuty and CloudTrail fixtures in events/.
func fixtures(t testing.TB) []string {
	t.Helper()
	var out []string
	for _, pat := range []string{"guardduty-*.json", "cloudtrail-*.json"} {
		m, err := filepath.Glob(filepath.Join(eventsDir, pat))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m...)
	}
	if len(out) < 10 {
		t.Fatalf("found %d fixtures in %s, want the GuardDuty and CloudTrail set", len(out), eventsDir)
	}
	return out
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(eventsDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ignored lists the fixtures that are well-formed but not security relevant.
var ignored = map[string]bool{
	"cloudtrail-describe-instances.json": true,
}

// TestParse_Fixtures parses every fixture, compares the normalised finding
// with its golden file, and checks the finding survives a JSON round trip
// (it travels on the notice queue).
func TestParse_Fixtures(t *testing.T) {
	for _, path := range fixtures(t) {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			f, err := finding.Parse(raw, finding.Default())
			if ignored[name] {
				if !errors.Is(err, finding.ErrIgnored) {
					t.Fatalf("Parse: err = %v, want ErrIgnored", err)
				}
				if errors.Is(err, finding.ErrMalformed) {
					t.Fatalf("ignored event also reported malformed: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !f.Band.Valid() || f.ID == "" || f.Type == "" || f.Title == "" || f.Detected.IsZero() || f.Account == "" || f.Region == "" {
				t.Fatalf("incomplete finding: %+v", f)
			}
			var compact bytes.Buffer
			if err := json.Compact(&compact, raw); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(f.Raw, compact.Bytes()) {
				t.Errorf("Raw is not the event as received")
			}

			// Round trip.
			b, err := json.Marshal(f)
			if err != nil {
				t.Fatalf("marshal: %v", err)
			}
			var back finding.Finding
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatalf("unmarshal: %v", err)
			}
			if !jsonEqual(t, back.Raw, f.Raw) {
				t.Errorf("Raw changed in the round trip")
			}
			back.Raw, f.Raw = nil, nil
			if !reflect.DeepEqual(back, f) {
				t.Errorf("round trip changed the finding:\n got %+v\nwant %+v", back, f)
			}

			// Golden.
			got, err := json.MarshalIndent(f, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", strings.TrimSuffix(name, ".json")+".golden")
			if *update {
				if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if string(want) != string(got)+"\n" {
				t.Errorf("finding differs from %s (run go test -update to accept):\n%s", golden, got)
			}
		})
	}
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(x, y)
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestParse_Fields checks the fields the notifier relies on, fixture by
// fixture, independently of the golden files.
func TestParse_Fields(t *testing.T) {
	tests := []struct {
		fixture  string
		id       string
		source   finding.Source
		typ      string
		band     finding.Band
		severity float64
		detected string
		count    int
		sample   bool
		// resources: kind:id
		resources []string
		tags      map[string]string // tags of the first resource
		keys      []string          // keys of the first S3 resource
	}{
		{fixture: "guardduty-ec2-backdoor.json", id: "16c4f1e8a2b64c0f9d4b3a2e1f0c9d8b", source: finding.SourceGuardDuty,
			typ: "Backdoor:EC2/C&CActivity.B", band: finding.High, severity: 8, detected: "2026-11-21T09:04:10.482Z", count: 3,
			resources: []string{"ec2-instance:i-0a1b2c3d4e5f60718"}, tags: map[string]string{"Name": "tenant-2-worker-a", "pledge:tenant": "tenant-2"}},
		{fixture: "guardduty-ec2-ssh-brute-force.json", id: "2ac4e5f6a7b8c9d0e1f2a3b4c5d6e7f8", source: finding.SourceGuardDuty,
			typ: "UnauthorizedAccess:EC2/SSHBruteForce", band: finding.Low, severity: 2, detected: "2026-11-21T03:16:30.007Z", count: 41,
			resources: []string{"ec2-instance:i-0b2c3d4e5f6071829"}},
		{fixture: "guardduty-iam-credential-exfiltration.json", id: "3bd5f6a7b8c9d0e1f2a3b4c5d6e7f809", source: finding.SourceGuardDuty,
			typ: "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS", band: finding.High, severity: 8, detected: "2026-11-21T11:42:37.115Z", count: 1,
			resources: []string{"iam-access-key:ASIAEXAMPLEEXFIL0001", "iam-role:pledge-app-role"}},
		{fixture: "guardduty-s3-exfiltration.json", id: "4ce6a7b8c9d0e1f2a3b4c5d6e7f8091a", source: finding.SourceGuardDuty,
			typ: "Exfiltration:S3/AnomalousBehavior", band: finding.High, severity: 8, detected: "2026-11-21T14:05:51.930Z", count: 1,
			resources: []string{"iam-access-key:ASIAEXAMPLEEXFIL0002", "iam-user:reporting-batch", "s3-bucket:pledge-tenant-data-111122223333"},
			keys:      []string{"tenants/tenant-1/invoices/2026-10.csv", "tenants/tenant-1/invoices/2026-11.csv"}},
		{fixture: "guardduty-s3-attack-sequence.json", id: "5df7b8c9d0e1f2a3b4c5d6e7f8091a2b", source: finding.SourceGuardDuty,
			typ: "AttackSequence:S3/CompromisedData", band: finding.Critical, severity: 9.2, detected: "2026-11-22T01:25:14.208Z", count: 1,
			resources: []string{"s3-bucket:pledge-tenant-data-111122223333"}, keys: []string{"tenants/tenant-10/exports/customers.json"}},
		{fixture: "guardduty-kubernetes-exec-kube-system.json", id: "7f19d0e1f2a3b4c5d6e7f8091a2b3c4d", source: finding.SourceGuardDuty,
			typ: "Execution:Kubernetes/ExecInKubeSystemPod", band: finding.Medium, severity: 5, detected: "2026-11-21T20:28:16.741Z", count: 1,
			resources: []string{"eks-cluster:tenant-3-cluster", "kubernetes-workload:kube-system/coredns-6c9f8b7d5-x2k4p"},
			tags:      map[string]string{"pledge:tenant": "tenant-3", "env": "prod"}},
		{fixture: "guardduty-ec2-malicious-file.json", id: "802ae1f2a3b4c5d6e7f8091a2b3c4d5e", source: finding.SourceGuardDuty,
			typ: "Execution:EC2/MaliciousFile", band: finding.High, severity: 8, detected: "2026-11-22T02:11:09.330Z", count: 1,
			resources: []string{"ec2-instance:i-0d4e5f60718293a4b", "ebs-volume:vol-0a1b2c3d4e5f67890"}},
		{fixture: "guardduty-ecs-reverse-shell.json", id: "a13c5e7f9b1d3f5a7c9e1b3d5f7a9c1e", source: finding.SourceGuardDuty,
			typ: "Execution:Runtime/ReverseShell", band: finding.High, severity: 8, detected: "2026-11-22T04:40:07.512Z", count: 1,
			resources: []string{"ecs-cluster:tenant-2-workers", "ecs-task:5c2e8f1a9b7d4c3e8f6a2b1c0d9e8f7a", "container:report-worker"},
			tags:      map[string]string{"pledge:tenant": "tenant-2"}},
		{fixture: "guardduty-lambda-cryptocurrency.json", id: "b24d6f8a0c2e4a6c8e0a2c4e6a8c0e2a", source: finding.SourceGuardDuty,
			typ: "CryptoCurrency:Lambda/BitcoinTool.B", band: finding.High, severity: 8, detected: "2026-11-22T06:00:15.044Z", count: 4,
			resources: []string{"lambda-function:tenant-10-export"}},
		{fixture: "guardduty-rds-brute-force-login.json", id: "c35e7a9c1e3a5c7e9a1c3e5a7c9e1a3c", source: finding.SourceGuardDuty,
			typ: "CredentialAccess:RDS/AnomalousBehavior.SuccessfulBruteForce", band: finding.Critical, severity: 9, detected: "2026-11-22T07:13:58.220Z", count: 1,
			resources: []string{"rds-db-instance:pledge-shared-db-1", "rds-db-cluster:pledge-shared-db"}},
		{fixture: "guardduty-sample-finding.json", id: "913bf2a3b4c5d6e7f8091a2b3c4d5e6f", source: finding.SourceGuardDuty,
			typ: "CryptoCurrency:EC2/BitcoinTool.B!DNS", band: finding.High, severity: 8, detected: "2026-11-20T00:00:00Z", count: 1, sample: true,
			resources: []string{"ec2-instance:i-99999999"}},
		{fixture: "cloudtrail-root-console-login.json", id: "5b4a3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d", source: finding.SourceCloudTrail,
			typ: "signin/RootConsoleSignIn", band: finding.High, severity: 8, detected: "2026-11-21T09:40:12Z", count: 1,
			resources: []string{"aws-account:111122223333"}},
		{fixture: "cloudtrail-stop-logging.json", id: "0d9c8b7a-6f5e-4d3c-2b1a-09f8e7d6c5b4", source: finding.SourceCloudTrail,
			typ: "cloudtrail/LoggingStopped", band: finding.High, severity: 8, detected: "2026-11-21T09:12:03Z", count: 1,
			resources: []string{"cloudtrail-trail:pledge-org-trail"}},
		{fixture: "cloudtrail-put-bucket-policy-public.json", id: "2f1e0d9c-8b7a-4f6e-9d4c-3b2a1f0e9d8c", source: finding.SourceCloudTrail,
			typ: "s3/BucketPolicyPublic", band: finding.High, severity: 8, detected: "2026-11-21T10:02:44Z", count: 1,
			resources: []string{"s3-bucket:pledge-tenant-data-111122223333"}},
		{fixture: "cloudtrail-rds-snapshot-public.json", id: "5c4b3a2f-1e0d-4c9b-8a7f-6e5d4c3b2a1f", source: finding.SourceCloudTrail,
			typ: "rds/SnapshotPublic", band: finding.Critical, severity: 9, detected: "2026-11-21T11:05:40Z", count: 1,
			resources: []string{"rds-db-snapshot:pledge-shared-db-2026-11-21-09"}},
		{fixture: "cloudtrail-sg-ingress-postgres-world.json", id: "7e6d5c4b-3a2f-4e1d-8c0b-9a8f7e6d5c4b", source: finding.SourceCloudTrail,
			typ: "ec2/DatabasePortOpenToInternet", band: finding.High, severity: 8, detected: "2026-11-21T12:00:31Z", count: 1,
			resources: []string{"ec2-security-group:sg-0dd44ee55ff66aa77"}},
		{fixture: "cloudtrail-kms-schedule-key-deletion.json", id: "9a8f7e6d-5c4b-4a3f-8e2d-1c0b9a8f7e6d", source: finding.SourceCloudTrail,
			typ: "kms/KeyDeletionScheduled", band: finding.High, severity: 8, detected: "2026-11-21T13:14:15Z", count: 1,
			resources: []string{"kms-key:1234abcd-12ab-34cd-56ef-1234567890ab"}},
		{fixture: "cloudtrail-root-create-access-key.json", id: "0b9a8f7e-6d5c-4b4a-9f3e-2d1c0b9a8f7e", source: finding.SourceCloudTrail,
			typ: "iam/RootAccessKeyCreated", band: finding.High, severity: 8, detected: "2026-11-21T09:44:58Z", count: 1,
			resources: []string{"aws-account:111122223333", "iam-access-key:AKIAEXAMPLEROOTKEY01"}},
		{fixture: "cloudtrail-delete-bucket-encryption.json", id: "4b3a2f1e-0d9c-4b8a-9f6e-5d4c3b2a1f0e", source: finding.SourceCloudTrail,
			typ: "s3/BucketEncryptionDeleted", band: finding.Medium, severity: 5, detected: "2026-11-21T10:31:19Z", count: 1,
			resources: []string{"s3-bucket:pledge-tenant-3-exports"}},
		{fixture: "cloudtrail-guardduty-detector-disabled.json", id: "1c0b9a8f-7e6d-4c5b-8a4f-3e2d1c0b9a8f", source: finding.SourceCloudTrail,
			typ: "guardduty/DetectorDisabled", band: finding.High, severity: 8, detected: "2026-11-21T09:15:40Z", count: 1,
			resources: []string{"guardduty-detector:54b0a3c2d1e0f9a8b7c6d5e4f3a2b1c0"}},
		{fixture: "cloudtrail-rds-deletion-protection-off.json", id: "6d5c4b3a-2f1e-4d0c-9b8a-7f6e5d4c3b2a", source: finding.SourceCloudTrail,
			typ: "rds/ClusterDeletionProtectionOff", band: finding.Medium, severity: 5, detected: "2026-11-21T11:20:02Z", count: 1,
			resources: []string{"rds-db-cluster:pledge-shared-db"}},
		{fixture: "cloudtrail-delete-trail.json", id: "1e0d9c8b-7a6f-4e5d-3c2b-1a09f8e7d6c5", source: finding.SourceCloudTrail,
			typ: "cloudtrail/TrailDeleted", band: finding.High, severity: 8, detected: "2026-11-21T09:13:27Z", count: 1,
			resources: []string{"cloudtrail-trail:pledge-org-trail"}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			f, err := finding.Parse(readFixture(t, tt.fixture), finding.Default())
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			id := f.ID
			if f.Source == finding.SourceCloudTrail {
				// A CloudTrail finding's ID groups identical calls; the
				// event's own id is kept apart.
				id = f.EventID
				if !strings.HasPrefix(f.ID, "ct-") {
					t.Errorf("ID = %q, want a group id ct-...", f.ID)
				}
			}
			if got, want := id, tt.id; got != want {
				t.Errorf("ID = %q, want %q", got, want)
			}
			if got, want := f.Source, tt.source; got != want {
				t.Errorf("Source = %q, want %q", got, want)
			}
			if got, want := f.Type, tt.typ; got != want {
				t.Errorf("Type = %q, want %q", got, want)
			}
			if got, want := f.Band, tt.band; got != want {
				t.Errorf("Band = %v, want %v", got, want)
			}
			if got, want := f.Severity, tt.severity; got != want {
				t.Errorf("Severity = %v, want %v", got, want)
			}
			if got, want := f.Detected, mustTime(tt.detected); !got.Equal(want) {
				t.Errorf("Detected = %v, want %v", got, want)
			}
			if f.Detected.Location() != time.UTC {
				t.Errorf("Detected is in %v, want UTC", f.Detected.Location())
			}
			if got, want := f.Count, tt.count; got != want {
				t.Errorf("Count = %d, want %d", got, want)
			}
			if got, want := f.Sample, tt.sample; got != want {
				t.Errorf("Sample = %v, want %v", got, want)
			}
			var res []string
			for _, r := range f.Resources {
				res = append(res, r.Kind+":"+r.ID)
			}
			if !reflect.DeepEqual(res, tt.resources) {
				t.Errorf("Resources = %v, want %v", res, tt.resources)
			}
			if tt.tags != nil && !reflect.DeepEqual(f.Resources[0].Tags, tt.tags) {
				t.Errorf("Tags = %v, want %v", f.Resources[0].Tags, tt.tags)
			}
			if tt.keys != nil {
				var keys []string
				for _, r := range f.Resources {
					if r.Kind == finding.KindS3Bucket {
						keys = r.Keys
					}
				}
				if !reflect.DeepEqual(keys, tt.keys) {
					t.Errorf("Keys = %v, want %v", keys, tt.keys)
				}
			}
		})
	}
}

// TestParse_FirstSeen: GuardDuty's activity window is kept apart from the
// detection time that the promise counts from.
func TestParse_FirstSeen(t *testing.T) {
	f, err := finding.Parse(readFixture(t, "guardduty-ec2-backdoor.json"), finding.Default())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := f.FirstSeen, mustTime("2026-11-21T08:58:02Z"); !got.Equal(want) {
		t.Errorf("FirstSeen = %v, want %v", got, want)
	}
	if got, want := f.LastSeen, mustTime("2026-11-21T09:03:40Z"); !got.Equal(want) {
		t.Errorf("LastSeen = %v, want %v", got, want)
	}
	if !f.FirstSeen.Before(f.Detected) {
		t.Errorf("FirstSeen %v should precede Detected %v in this fixture", f.FirstSeen, f.Detected)
	}
}

// TestParse_CloudTrailLocalTitle: catalogue rules carry a Japanese title.
func TestParse_CloudTrailLocalTitle(t *testing.T) {
	f, err := finding.Parse(readFixture(t, "cloudtrail-stop-logging.json"), finding.Default())
	if err != nil {
		t.Fatal(err)
	}
	if got := f.LocalTitles["ja"]; !strings.Contains(got, "CloudTrail") || got == f.Title {
		t.Errorf("LocalTitles[ja] = %q, want a Japanese title", got)
	}
	if !strings.Contains(f.Description, "arn:aws:sts::111122223333:assumed-role/ops-admin/mallory") {
		t.Errorf("Description = %q, want the caller", f.Description)
	}
}

// edit returns the fixture with its JSON changed by fn.
func edit(t *testing.T, name string, fn func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(readFixture(t, name), &m); err != nil {
		t.Fatal(err)
	}
	fn(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func detail(m map[string]any) map[string]any { return m["detail"].(map[string]any) }

func TestParse_Malformed(t *testing.T) {
	const gd = "guardduty-ec2-backdoor.json"
	const ct = "cloudtrail-stop-logging.json"
	tests := []struct {
		name    string
		event   []byte
		wantErr string
		is      error
	}{
		{"NotJSON", []byte("{"), "eventbridge event: not valid JSON", finding.ErrMalformed},
		{"Empty", []byte(""), "eventbridge event", finding.ErrMalformed},
		{"Null", []byte("null"), "eventbridge event: detail-type: missing", finding.ErrMalformed},
		{"NoDetail", edit(t, gd, func(m map[string]any) { delete(m, "detail") }), "eventbridge event: detail: missing", finding.ErrMalformed},
		{"DetailNotObject", edit(t, gd, func(m map[string]any) { m["detail"] = []any{1} }), "eventbridge event: detail: not a JSON object", finding.ErrMalformed},
		{"EnvelopeTime", edit(t, gd, func(m map[string]any) { m["time"] = "yesterday" }), "eventbridge event", finding.ErrMalformed},
		{"Unsupported", edit(t, gd, func(m map[string]any) {
			m["detail-type"] = "EC2 Instance State-change Notification"
			m["source"] = "aws.ec2"
		}),
			`eventbridge event: source "aws.ec2", detail-type "EC2 Instance State-change Notification": unsupported event`, finding.ErrUnsupported},
		{"GuardDutyWrongSource", edit(t, gd, func(m map[string]any) { m["source"] = "my.app" }), `guardduty finding: source: "my.app": want "aws.guardduty"`, finding.ErrMalformed},
		{"SeverityMissing", edit(t, gd, func(m map[string]any) { delete(detail(m), "severity") }), "guardduty finding: detail.severity: missing", finding.ErrMalformed},
		{"SeverityString", edit(t, gd, func(m map[string]any) { detail(m)["severity"] = "HIGH" }), "guardduty finding: detail.severity: want float64, got JSON string", finding.ErrMalformed},
		{"SeverityTooHigh", edit(t, gd, func(m map[string]any) { detail(m)["severity"] = 11 }), "guardduty finding: detail.severity: severity 11: out of range 0-10", finding.ErrMalformed},
		{"SeverityNegative", edit(t, gd, func(m map[string]any) { detail(m)["severity"] = -1 }), "guardduty finding: detail.severity: severity -1: out of range 0-10", finding.ErrMalformed},
		{"IDMissing", edit(t, gd, func(m map[string]any) { delete(detail(m), "id") }), "guardduty finding: detail.id: missing", finding.ErrMalformed},
		{"TypeMissing", edit(t, gd, func(m map[string]any) { detail(m)["type"] = "" }), "guardduty finding: detail.type: missing", finding.ErrMalformed},
		{"ResourceMissing", edit(t, gd, func(m map[string]any) { delete(detail(m), "resource") }), "guardduty finding: detail.resource: missing", finding.ErrMalformed},
		{"CreatedAtMissing", edit(t, gd, func(m map[string]any) { delete(detail(m), "createdAt") }), "guardduty finding: detail.createdAt: missing", finding.ErrMalformed},
		{"CreatedAtBad", edit(t, gd, func(m map[string]any) { detail(m)["createdAt"] = "21/11/2026" }), `guardduty finding: detail.createdAt: "21/11/2026" is not an RFC 3339 time`, finding.ErrMalformed},
		{"FirstSeenBad", edit(t, gd, func(m map[string]any) { detail(m)["service"].(map[string]any)["eventFirstSeen"] = "soon" }), `guardduty finding: detail.service.eventFirstSeen: "soon" is not an RFC 3339 time`, finding.ErrMalformed},
		{"CountNegative", edit(t, gd, func(m map[string]any) { detail(m)["service"].(map[string]any)["count"] = -3 }), "guardduty finding: detail.service.count: -3 is negative", finding.ErrMalformed},
		{"TagsWrongType", edit(t, gd, func(m map[string]any) {
			detail(m)["resource"].(map[string]any)["instanceDetails"].(map[string]any)["tags"] = "pledge:tenant=tenant-2"
		}), "guardduty finding: detail.resource.instanceDetails.tags: want []finding.GuardDutyTag, got JSON string", finding.ErrMalformed},
		{"EventIDMissing", edit(t, ct, func(m map[string]any) { delete(detail(m), "eventID") }), "cloudtrail event: detail.eventID: missing", finding.ErrMalformed},
		{"EventNameMissing", edit(t, ct, func(m map[string]any) { delete(detail(m), "eventName") }), "cloudtrail event: detail.eventName: missing", finding.ErrMalformed},
		{"EventTimeBad", edit(t, ct, func(m map[string]any) { detail(m)["eventTime"] = "now" }), `cloudtrail event: detail.eventTime: "now" is not an RFC 3339 time`, finding.ErrMalformed},
		{"PolicyNotPolicy", edit(t, "cloudtrail-put-bucket-policy-public.json", func(m map[string]any) {
			detail(m)["requestParameters"].(map[string]any)["bucketPolicy"] = []any{"x"}
		}), "cloudtrail event: detail.requestParameters.bucketPolicy: not a policy document", finding.ErrMalformed},
		{"ValuesToAddNotList", edit(t, "cloudtrail-rds-snapshot-public.json", func(m map[string]any) {
			detail(m)["requestParameters"].(map[string]any)["valuesToAdd"] = "all"
		}), "cloudtrail event: detail.requestParameters.valuesToAdd: want []string, got JSON string", finding.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := finding.Parse(tt.event, finding.Default())
			if err == nil {
				t.Fatal("Parse: no error")
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %q, want it to contain %q", err, tt.wantErr)
			}
			if !errors.Is(err, tt.is) {
				t.Errorf("err = %v, want errors.Is %v", err, tt.is)
			}
			if errors.Is(err, finding.ErrIgnored) {
				t.Errorf("malformed event reported as ignored: %v", err)
			}
		})
	}
}

// TestParse_FailedCallIgnored: a failed call changed nothing, so it never
// fires its own rule; a refusal for lack of permission is counted by the
// unauthorized-calls rule instead (CIS 4.1), any other failure is ignored.
func TestParse_FailedCallIgnored(t *testing.T) {
	failed := func(code string) []byte {
		return edit(t, "cloudtrail-stop-logging.json", func(m map[string]any) {
			detail(m)["errorCode"] = code
			detail(m)["errorMessage"] = "User is not authorized to perform: cloudtrail:StopLogging"
		})
	}
	f, err := finding.Parse(failed("AccessDenied"), finding.Default())
	if err != nil {
		t.Fatal(err)
	}
	if f.Type != "api/UnauthorizedCalls" || f.Threshold != 10 || f.WindowEnd.Sub(f.WindowStart) != time.Hour {
		t.Errorf("refused StopLogging: type %q threshold %d window %s-%s; want the counted unauthorized-calls rule", f.Type, f.Threshold, f.WindowStart, f.WindowEnd)
	}
	if _, err := finding.Parse(failed("TrailNotFoundException"), finding.Default()); !errors.Is(err, finding.ErrIgnored) {
		t.Fatalf("StopLogging of no trail: err = %v, want ErrIgnored", err)
	}
}

// TestParse_RootSignInFailed: failed root sign-ins are a rule of their own.
func TestParse_RootSignInFailed(t *testing.T) {
	ev := edit(t, "cloudtrail-root-console-login.json", func(m map[string]any) {
		detail(m)["responseElements"] = map[string]any{"ConsoleLogin": "Failure"}
		detail(m)["errorMessage"] = "Failed authentication"
	})
	f, err := finding.Parse(ev, finding.Default())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := f.Type, "signin/RootConsoleSignInFailed"; got != want {
		t.Errorf("Type = %q, want %q", got, want)
	}
	if got, want := f.Band, finding.Medium; got != want {
		t.Errorf("Band = %v, want %v", got, want)
	}
	nonRoot := edit(t, "cloudtrail-root-console-login.json", func(m map[string]any) {
		detail(m)["userIdentity"] = map[string]any{"type": "IAMUser", "userName": "alice", "arn": "arn:aws:iam::111122223333:user/alice"}
	})
	if _, err := finding.Parse(nonRoot, finding.Default()); !errors.Is(err, finding.ErrIgnored) {
		t.Errorf("IAM user sign-in: err = %v, want ErrIgnored", err)
	}
}

// TestFromEvent_SameAsParse: the runtime-decoded path gives the same finding.
func TestFromEvent_SameAsParse(t *testing.T) {
	for _, path := range fixtures(t) {
		name := filepath.Base(path)
		if ignored[name] {
			continue
		}
		raw := readFixture(t, name)
		want, err := finding.Parse(raw, finding.Default())
		if err != nil {
			t.Fatal(err)
		}
		got, err := finding.FromEvent(decodeEnvelope(t, raw), finding.Default())
		if err != nil {
			t.Fatalf("%s: FromEvent: %v", name, err)
		}
		if !jsonEqual(t, got.Raw, want.Raw) {
			t.Errorf("%s: FromEvent Raw differs from the event", name)
		}
		got.Raw, want.Raw = nil, nil
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: FromEvent = %+v, want %+v", name, got, want)
		}
	}
}

func TestBandOf(t *testing.T) {
	tests := []struct {
		severity float64
		want     finding.Band
		wantErr  bool
	}{
		{0, finding.Low, false}, {0.5, finding.Low, false}, {1.0, finding.Low, false}, {3.9, finding.Low, false}, {3.99, finding.Low, false},
		{4.0, finding.Medium, false}, {6.9, finding.Medium, false},
		{7.0, finding.High, false}, {8.9, finding.High, false},
		{9.0, finding.Critical, false}, {10.0, finding.Critical, false},
		{-0.1, 0, true}, {10.1, 0, true},
	}
	for _, tt := range tests {
		got, err := finding.BandOf(tt.severity)
		if (err != nil) != tt.wantErr {
			t.Errorf("BandOf(%v) err = %v, wantErr %v", tt.severity, err, tt.wantErr)
		}
		if got != tt.want {
			t.Errorf("BandOf(%v) = %v, want %v", tt.severity, got, tt.want)
		}
	}
}

func TestParseBand(t *testing.T) {
	for _, s := range []string{"Low", "Medium", "High", "Critical"} {
		b, err := finding.ParseBand(s)
		if err != nil || b.String() != s {
			t.Errorf("ParseBand(%q) = %v, %v", s, b, err)
		}
	}
	if b, err := finding.ParseBand("high"); err != nil || b != finding.High {
		t.Errorf("ParseBand(high) = %v, %v; want High", b, err)
	}
	if _, err := finding.ParseBand("Severe"); err == nil || !strings.Contains(err.Error(), "want one of Low, Medium, High, Critical") {
		t.Errorf("ParseBand(Severe) err = %v", err)
	}
	if !(finding.Low < finding.Medium && finding.Medium < finding.High && finding.High < finding.Critical) {
		t.Error("bands are not ordered")
	}
	var b finding.Band
	if err := json.Unmarshal([]byte(`"Critical"`), &b); err != nil || b != finding.Critical {
		t.Errorf("unmarshal Critical = %v, %v", b, err)
	}
	if _, err := json.Marshal(finding.Band(0)); err == nil {
		t.Error("marshal of the zero band: no error")
	}
}
