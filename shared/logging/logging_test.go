package logging_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/pledge-dev/pledge/shared/logging"
)

func decode(t *testing.T, b *bytes.Buffer) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b.Bytes(), &m); err != nil {
		t.Fatalf("log line is not JSON: %v: %s", err, b)
	}
	return m
}

func TestNew_LambdaJSONFormat(t *testing.T) {
	var b bytes.Buffer
	log := logging.New(&b, slog.LevelInfo)
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-123"})
	log.InfoContext(ctx, "snapshot created", logging.KeySnapshotID, "pledge-db-1")
	m := decode(t, &b)
	for key, want := range map[string]string{"message": "snapshot created", "level": "INFO", "requestId": "req-123", "snapshot_id": "pledge-db-1"} {
		if got, _ := m[key].(string); got != want {
			t.Errorf("%s = %q, want %q (line %s)", key, got, want, b.String())
		}
	}
	if _, ok := m["timestamp"]; !ok {
		t.Errorf("no timestamp key: %s", b.String())
	}
	if _, ok := m["msg"]; ok {
		t.Errorf("slog's msg key leaked: %s", b.String())
	}
}

func TestNew_RedactsEmail(t *testing.T) {
	var b bytes.Buffer
	log := logging.New(&b, slog.LevelInfo)
	log.Info("sent to ops@example.co.jp", "recipient", "Taro <taro.yamada+sec@example.co.jp>", logging.KeyError, errors.New("rejected: a@b.io"))
	out := b.String()
	if strings.Contains(out, "@example") || strings.Contains(out, "a@b.io") {
		t.Fatalf("email leaked into log: %s", out)
	}
	if got := strings.Count(out, logging.Redacted); got != 3 {
		t.Errorf("want 3 redactions, got %d: %s", got, out)
	}
}

func TestNew_Level(t *testing.T) {
	var b bytes.Buffer
	log := logging.New(&b, logging.Level("WARN"))
	log.Info("hidden")
	if b.Len() != 0 {
		t.Errorf("INFO logged at WARN level: %s", b.String())
	}
	if got := logging.Level("nonsense"); got != slog.LevelInfo {
		t.Errorf("Level(nonsense) = %v", got)
	}
}
