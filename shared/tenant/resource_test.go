package tenant_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/pledge-dev/pledge/shared/tenant"
)

// TestParse_SharedResourcesWithoutARN: where AWS gives a resource no ARN (an
// access key) or a finding names it by name (an IAM user, an EKS cluster),
// a tenant can register it as <kind>:<id>, validated by kind.
func TestParse_SharedResourcesWithoutARN(t *testing.T) {
	ok := []string{"iam-user:deployer", "iam-user:ci+bot@example.com", "iam-role:tenant-3-app", "iam-access-key:AKIAIOSFODNN7EXAMPLE",
		"eks-cluster:tenant-3-cluster", "ecs-cluster:tenant-3", "ec2-instance:i-0a1b2c3d4e5f60718", "ec2-instance:i-0a1b2c3d",
		"ec2-security-group:sg-0dd44ee55ff66aa77", "lambda-function:tenant-3-export", "rds-db-instance:tenant-3-db", "rds-db-cluster:shared-aurora",
		"arn:aws:iam::111122223333:user/deployer"}
	detail := `{"tenantId":"tenant-3","occurredAt":"2026-04-01T00:00:00Z","sharedResources":["` + strings.Join(ok, `","`) + `"]}`
	ev, err := tenant.Parse(envelope("Tenant Contact Changed", detail))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if !slices.Equal(ev.SharedResources, ok) {
		t.Errorf("SharedResources = %v, want %v", ev.SharedResources, ok)
	}
	for _, bad := range []string{
		"deployer",                            // no kind: ambiguous
		"iam-user:",                           // no id
		"iam-user:team/deployer",              // a path is not part of a name
		"iam-access-key:AKIA123",              // too short
		"iam-access-key:akiaiosfodnn7example", // lower case
		"eks-cluster:-starts-with-dash",
		"s3-bucket:tenant-data", // buckets are registered as locations
		"ec2-instance:i-XYZ",
		"rds-db-instance:Tenant_DB",
		"kms-key:1234",
	} {
		d := `{"tenantId":"tenant-3","occurredAt":"2026-04-01T00:00:00Z","sharedResources":["` + bad + `"]}`
		_, err := tenant.Parse(envelope("Tenant Contact Changed", d))
		if err == nil || !strings.Contains(err.Error(), "detail.sharedResources[0]") || !strings.Contains(err.Error(), "<kind>:<id>") {
			t.Errorf("%q: err = %v, want a field error naming the accepted forms", bad, err)
		}
	}
}
