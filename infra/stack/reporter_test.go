package stack_test

import (
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/pledge-dev/pledge/infra/stack"
	"github.com/pledge-dev/pledge/shared/evidencepack"
)

// TestEvidenceReporter_MonthlyInTheConfiguredZone: one schedule, on the
// 1st at 00:15 in the configured zone, invoking the reporter.
func TestEvidenceReporter_MonthlyInTheConfiguredZone(t *testing.T) {
	s := example(t)
	fnID := s.idOf(s.stack.EvidenceReporter().Function())
	var found []map[string]interface{}
	for _, sc := range s.resources("AWS::Scheduler::Schedule") {
		props := sc["Properties"].(map[string]interface{})
		if flatten(props["Target"].(map[string]interface{})["Arn"]) == "<"+fnID+".Arn>" {
			found = append(found, props)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d schedules invoke the reporter, want 1", len(found))
	}
	if got := found[0]["ScheduleExpression"]; got != stack.ReporterSchedule || stack.ReporterSchedule != "cron(15 0 1 * ? *)" {
		t.Errorf("schedule %v", got)
	}
	if got := found[0]["ScheduleExpressionTimezone"]; got != exampleConfig(t).Timezone {
		t.Errorf("zone %v", got)
	}
}

// TestEvidenceReporter_LeastPrivilege: the reporter lists and reads only
// the evidence kinds it reports on, writes only evidence-pack/*, signs
// only digests with ECDSA_SHA_256 on the certificate key, and may do
// nothing else.
func TestEvidenceReporter_LeastPrivilege(t *testing.T) {
	s := example(t)
	stmts := s.roleStatements(t, s.idOf(s.stack.EvidenceReporter().Role()))
	want := []string{"kms:GetPublicKey", "kms:Sign", "logs:CreateLogStream", "logs:PutLogEvents", "s3:GetObject", "s3:ListBucket", "s3:PutObject", "sqs:SendMessage"}
	if got := actions(stmts); !slices.Equal(got, want) {
		t.Errorf("reporter grants\n%v\nwant\n%v", got, want)
	}
	bucket := "<" + s.idOf(s.stack.Foundation().EvidenceBucket()) + ".Arn>"
	var wantRead []string
	for _, k := range evidencepack.ReadKinds {
		wantRead = append(wantRead, bucket+"/"+k+"/*")
	}
	sort.Strings(wantRead)
	if got := resourcesFor(stmts, "s3:GetObject"); !slices.Equal(got, wantRead) {
		t.Errorf("reads %v, want only its kinds %v", got, wantRead)
	}
	if got := resourcesFor(stmts, "s3:PutObject"); !slices.Equal(got, []string{bucket + "/evidence-pack/*"}) {
		t.Errorf("writes %v, want only evidence-pack/*", got)
	}
	for _, st := range granting(stmts, "s3:ListBucket") {
		like, _ := st.Conditions["StringLike"].(map[string]interface{})
		prefixes := flattenList(like["s3:prefix"])
		sort.Strings(prefixes)
		wantPrefixes := []string{"evidence-pack/*"}
		for _, k := range evidencepack.ReadKinds {
			wantPrefixes = append(wantPrefixes, k+"/*")
		}
		sort.Strings(wantPrefixes)
		if len(st.Conditions) != 1 || !slices.Equal(prefixes, wantPrefixes) || !slices.Equal(st.Resources, []string{bucket}) {
			t.Errorf("ListBucket on %v with %v, want the evidence bucket under %v", st.Resources, st.Conditions, wantPrefixes)
		}
	}
	key := "<" + s.idOf(s.stack.TenantPurger().SigningKey()) + ".Arn>"
	for _, st := range granting(stmts, "kms:Sign") {
		eq, _ := st.Conditions["StringEquals"].(map[string]interface{})
		if !slices.Equal(st.Resources, []string{key}) || eq["kms:SigningAlgorithm"] != "ECDSA_SHA_256" || eq["kms:MessageType"] != "DIGEST" {
			t.Errorf("kms:Sign on %v with %v, want the certificate key, ECDSA_SHA_256 over a DIGEST", st.Resources, st.Conditions)
		}
	}
	if got := resourcesFor(stmts, "kms:GetPublicKey"); !slices.Equal(got, []string{key}) {
		t.Errorf("GetPublicKey on %v", got)
	}
	for _, st := range stmts {
		if slices.Contains(st.Resources, "*") {
			t.Errorf("statement %s allows %v on every resource", st.Sid, st.Actions)
		}
	}
}

// TestEvidenceReporter_Function: arm64, 15 minutes, the signing key and the
// whole configuration in its environment.
func TestEvidenceReporter_Function(t *testing.T) {
	s := example(t)
	fn := s.resources("AWS::Lambda::Function")[s.idOf(s.stack.EvidenceReporter().Function())]["Properties"].(map[string]interface{})
	env := fn["Environment"].(map[string]interface{})["Variables"].(map[string]interface{})
	if !slices.Equal(flattenList(fn["Architectures"]), []string{"arm64"}) || fn["Timeout"] != float64(900) || fn["MemorySize"] != float64(1024) {
		t.Errorf("function %v %v %v", fn["Architectures"], fn["Timeout"], fn["MemorySize"])
	}
	if !strings.Contains(flatten(env["PLEDGE_SIGNING_KEY_ID"]), s.idOf(s.stack.TenantPurger().SigningKey())) || !strings.Contains(env["PLEDGE_CONFIG"].(string), `"notifications"`) {
		t.Errorf("environment %v", env)
	}
}
