package notify

import (
	"encoding/json"
	"time"
)

// SampleEvent returns a GuardDuty sample finding as EventBridge delivers
// it, detected at now: what `finding-notifier invoke` handles when given no
// event. Sample findings reach ops only (never tenants), so the default run
// exercises parsing, routing, the ledger and the ops topic end to end
// without e-mailing any customer — the same reason AWS offers sample
// findings for testing notification pipelines.
func SampleEvent(now time.Time) []byte {
	t := now.UTC().Truncate(time.Millisecond).Format(timeLayout)
	ev := map[string]any{
		"version": "0", "id": "local-sample-" + now.UTC().Format("20060102T150405Z"),
		"detail-type": "GuardDuty Finding", "source": "aws.guardduty",
		"account": "000000000000", "time": now.UTC().Format(time.RFC3339), "region": "local", "resources": []string{},
		"detail": map[string]any{
			"schemaVersion": "2.0", "accountId": "000000000000", "region": "local", "partition": "aws",
			"id":       "sample" + now.UTC().Format("20060102T150405"),
			"type":     "Recon:EC2/PortProbeUnprotectedPort",
			"severity": 2, "title": "[SAMPLE] Unprotected port on EC2 instance i-99999999 is being probed.",
			"description": "This is a sample finding made by finding-notifier invoke: it reaches ops only.",
			"createdAt":   t, "updatedAt": t,
			"resource": map[string]any{
				"resourceType":    "Instance",
				"instanceDetails": map[string]any{"instanceId": "i-99999999", "tags": []any{}},
			},
			"service": map[string]any{
				"serviceName": "guardduty", "detectorId": "sample", "eventFirstSeen": t, "eventLastSeen": t,
				"archived": false, "count": 1, "additionalInfo": map[string]any{"sample": true},
			},
		},
	}
	b, _ := json.Marshal(ev) // maps of strings, numbers and slices always encode
	return b
}
