package finding_test

import (
	"encoding/json"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func decodeEnvelope(t *testing.T, raw []byte) events.CloudWatchEvent {
	t.Helper()
	var ev events.CloudWatchEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}
