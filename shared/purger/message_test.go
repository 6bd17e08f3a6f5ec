package purger_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pledge-dev/pledge/shared/purger"
	"github.com/pledge-dev/pledge/shared/tenant"
)

func TestParseMessage_RoundTrip(t *testing.T) {
	m := purger.Message{TenantID: "tenant-1", Reason: purger.ReasonResume, Enqueued: time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC), Round: 3}
	got, err := purger.ParseMessage(m.Encode())
	if err != nil || got != m {
		t.Fatalf("got %+v, %v; want %+v", got, err, m)
	}
	m.Reason, m.Shard = purger.ReasonShard, "l0-shard-02-of-04"
	if got, err := purger.ParseMessage(m.Encode()); err != nil || got != m {
		t.Fatalf("shard message: got %+v, %v; want %+v", got, err, m)
	}
}

func TestParseMessage_Rejects(t *testing.T) {
	tests := []struct {
		name, body, want string
		invalidID        bool
	}{
		{"ErrNotJSON", `tenant-1`, "not a JSON object", false},
		{"ErrUnknownField", `{"tenant_id":"tenant-1","reason":"due","enqueued":"2026-11-22T03:00:00Z","round":1,"prefix":"tenants/"}`, "unknown field", false},
		{"ErrWideningID", `{"tenant_id":"tenant-1/..","reason":"due","enqueued":"2026-11-22T03:00:00Z","round":1}`, "tenant_id", true},
		{"ErrEmptyID", `{"tenant_id":"","reason":"due","enqueued":"2026-11-22T03:00:00Z","round":1}`, "tenant_id", true},
		{"ErrReason", `{"tenant_id":"tenant-1","reason":"now","enqueued":"2026-11-22T03:00:00Z","round":1}`, "reason", false},
		{"ErrRound", `{"tenant_id":"tenant-1","reason":"due","enqueued":"2026-11-22T03:00:00Z","round":0}`, "round", false},
		{"ErrNoTime", `{"tenant_id":"tenant-1","reason":"due","round":1}`, "enqueued", false},
		{"ErrTwoValues", `{"tenant_id":"tenant-1","reason":"due","enqueued":"2026-11-22T03:00:00Z","round":1}{}`, "more than one", false},
		{"ErrTooLong", strings.Repeat(" ", purger.MaxMessageBytes+1), "bytes", false},
		{"ErrShardName", `{"tenant_id":"tenant-1","reason":"shard","enqueued":"2026-11-22T03:00:00Z","round":1,"shard":"../x"}`, "shard", false},
		{"ErrShardMissing", `{"tenant_id":"tenant-1","reason":"shard","enqueued":"2026-11-22T03:00:00Z","round":1}`, "without a shard", false},
		{"ErrDueWithShard", `{"tenant_id":"tenant-1","reason":"due","enqueued":"2026-11-22T03:00:00Z","round":1,"shard":"l0-shard-01-of-02"}`, "names shard", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := purger.ParseMessage(tt.body)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, tt.want)
			}
			if got := errors.Is(err, tenant.ErrInvalid); got != tt.invalidID {
				t.Errorf("errors.Is(err, tenant.ErrInvalid) = %v", got)
			}
		})
	}
}

func FuzzParseMessage(f *testing.F) {
	f.Add(purger.Message{TenantID: "tenant-1", Reason: purger.ReasonDue, Enqueued: time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC), Round: 1}.Encode())
	f.Add(`{"tenant_id":"a","reason":"resume","enqueued":"2026-01-01T00:00:00+09:00","round":99}`)
	f.Add(`{"tenant_id":"../x"}`)
	f.Fuzz(func(t *testing.T, body string) {
		m, err := purger.ParseMessage(body)
		if err != nil {
			return
		}
		if tenant.ValidateID(m.TenantID) != nil || m.Round < 1 {
			t.Fatalf("accepted %+v", m)
		}
		again, err := purger.ParseMessage(m.Encode())
		if err != nil || again.TenantID != m.TenantID || again.Round != m.Round || !again.Enqueued.Equal(m.Enqueued) {
			t.Fatalf("round trip of %+v: %+v, %v", m, again, err)
		}
	})
}
