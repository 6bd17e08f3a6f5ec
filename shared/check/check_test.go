package check_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/smithy-go"

	"github.com/pledge-dev/pledge/shared/check"
	"github.com/pledge-dev/pledge/shared/config"
)

var now = time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)

var errDenied = fmt.Errorf("get key rotation status: %w", &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized to perform: kms:GetKeyRotationStatus"})

func TestDefinitions_MatchConfigCheckIDs(t *testing.T) {
	var ids []string
	for _, d := range check.Definitions {
		ids = append(ids, d.ID)
		if len(d.Controls) == 0 {
			t.Errorf("%s evidences no control", d.ID)
		}
		for _, c := range d.Controls {
			if _, ok := check.ControlByID(c); !ok {
				t.Errorf("%s names control %s, which is not in Controls", d.ID, c)
			}
		}
		if d.English == "" || d.Japanese == "" {
			t.Errorf("%s has no title in both languages", d.ID)
		}
	}
	if !slices.Equal(ids, config.CheckIDs) {
		t.Errorf("Definitions ids = %v, want config.CheckIDs %v", ids, config.CheckIDs)
	}
}

func TestNewResult_CopiesDefinition(t *testing.T) {
	r := check.NewResult(check.CloudTrailProtected, "arn:aws:cloudtrail:ap-northeast-1:123456789012:trail/main", check.Pass, "ok.", now.In(time.FixedZone("JST", 9*3600)))
	if got, want := r.Controls, []string{"A.12.4.1", "A.12.4.2", "A.10.1.1"}; !slices.Equal(got, want) {
		t.Errorf("Controls = %v, want %v", got, want)
	}
	if got := r.ConfigRules; !slices.Contains(got, "cloud-trail-log-file-validation-enabled") || !slices.Contains(got, "multi-region-cloudtrail-enabled") || !slices.Contains(got, "cloud-trail-encryption-enabled") {
		t.Errorf("ConfigRules = %v", got)
	}
	if r.EvaluatedAt.Location() != time.UTC || !r.EvaluatedAt.Equal(now) {
		t.Errorf("EvaluatedAt = %v, want %v in UTC", r.EvaluatedAt, now)
	}
	// The copy is the result's own.
	r.Controls[0] = "changed"
	if d, _ := check.Lookup(check.CloudTrailProtected); d.Controls[0] != "A.12.4.1" {
		t.Error("mutating a result's controls changed the definition")
	}
}

func TestNewResult_RejectsUnknown(t *testing.T) {
	r := check.NewResult("s3.made-up", "x", check.Pass, "Looks fine.", now)
	if r.Status != check.Error || r.Reason != `"s3.made-up" is not a known check id, so its result cannot be mapped to a control. Looks fine.` {
		t.Errorf("unknown id: %+v", r)
	}
	r = check.NewResult(check.S3TLSOnly, "x", "MAYBE", "Hmm.", now)
	if r.Status != check.Error || r.Reason != `"MAYBE" is not a status (want PASS, FAIL or ERROR). Hmm.` {
		t.Errorf("unknown status: %+v", r)
	}
}

func TestErrored_AccessDeniedIsNeverPass(t *testing.T) {
	denied := &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "User: arn:aws:sts::123456789012:assumed-role/verifier/x is not authorized to perform: kms:GetKeyRotationStatus"}
	tests := []struct {
		name   string
		err    error
		denied bool
		reason string
	}{
		{"kms denied, wrapped", fmt.Errorf("get key rotation status of key-1: %w", denied), true,
			"The verifier was denied permission, so this could not be evaluated (get key rotation status of key-1: api error AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/verifier/x is not authorized to perform: kms:GetKeyRotationStatus). Grant the verifier's role the read permission the check needs."},
		{"s3 denied", &smithy.GenericAPIError{Code: "AccessDenied", Message: "Access Denied"}, true,
			"The verifier was denied permission, so this could not be evaluated (api error AccessDenied: Access Denied). Grant the verifier's role the read permission the check needs."},
		{"ec2 unauthorized", &smithy.GenericAPIError{Code: "UnauthorizedOperation", Message: "You are not authorized to perform this operation."}, true,
			"The verifier was denied permission, so this could not be evaluated (api error UnauthorizedOperation: You are not authorized to perform this operation.). Grant the verifier's role the read permission the check needs."},
		{"throttled", &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}, false,
			"The check could not be evaluated: api error ThrottlingException: Rate exceeded."},
		{"plain", errors.New("dial tcp: connection refused"), false,
			"The check could not be evaluated: dial tcp: connection refused."},
		{"nil", nil, false, "The check could not be evaluated, and no error was given."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := check.IsAccessDenied(tt.err); got != tt.denied {
				t.Errorf("IsAccessDenied = %v, want %v", got, tt.denied)
			}
			r := check.Errored(check.KMSKeyRotation, "key-1", tt.err, now)
			if r.Status != check.Error {
				t.Errorf("Status = %s, want ERROR", r.Status)
			}
			if r.Reason != tt.reason {
				t.Errorf("Reason =\n%s\nwant\n%s", r.Reason, tt.reason)
			}
			if !slices.Equal(r.Controls, []string{"A.10.1.2"}) {
				t.Errorf("Controls = %v", r.Controls)
			}
		})
	}
}
