package purger_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pledge-dev/pledge/shared/purger"
	"github.com/pledge-dev/pledge/shared/tenant"
)

func TestParseReportRequest(t *testing.T) {
	sample, err := os.ReadFile(filepath.Join("..", "..", "events", "deletion-report-requested.json"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := purger.ParseReportRequest(sample)
	if err != nil {
		t.Fatal(err)
	}
	if want := (purger.ReportRequest{TenantID: "tenant-1", RequestID: "support-2027-0042", OccurredAt: time.Date(2027, 1, 15, 1, 0, 0, 0, time.UTC)}); r.TenantID != want.TenantID || r.RequestID != want.RequestID || !r.OccurredAt.Equal(want.OccurredAt) {
		t.Errorf("parsed %+v, want %+v", r, want)
	}
	for _, tc := range []struct{ name, from, to, want string }{
		{"WideningTenant", `"tenantId": "tenant-1"`, `"tenantId": "tenant-1/.."`, "tenantId"},
		{"RequestIDPath", `"requestId": "support-2027-0042"`, `"requestId": "../x"`, "requestId"},
		{"NoRequestID", `"requestId": "support-2027-0042",`, ``, "requestId"},
		{"UnknownField", `"tenantId": "tenant-1",`, `"tenantId": "tenant-1", "email": "a@b.c",`, "unknown field"},
		{"NoTime", `,
    "occurredAt": "2027-01-15T10:00:00+09:00"`, ``, "occurredAt"},
		{"OtherType", `"Tenant Deletion Report Requested"`, `"Tenant Terminated"`, "detail-type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := strings.Replace(string(sample), tc.from, tc.to, 1)
			if b == string(sample) {
				t.Fatal("the change did not apply")
			}
			_, err := purger.ParseReportRequest([]byte(b))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, tenant.ErrInvalid) {
				t.Errorf("err = %v, want ErrInvalid mentioning %q", err, tc.want)
			}
		})
	}
}

func FuzzParseReportRequest(f *testing.F) {
	sample, _ := os.ReadFile(filepath.Join("..", "..", "events", "deletion-report-requested.json"))
	f.Add(sample)
	f.Add([]byte(`{"source":"pledge.tenant-lifecycle","detail-type":"Tenant Deletion Report Requested","detail":{"tenantId":"a","requestId":"b","occurredAt":"2026-01-01T00:00:00Z"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := purger.ParseReportRequest(b)
		if err != nil {
			return
		}
		if tenant.ValidateID(r.TenantID) != nil || r.RequestID == "" || strings.ContainsAny(r.RequestID, "/\\ ") || r.OccurredAt.IsZero() {
			t.Fatalf("accepted %+v", r)
		}
	})
}
