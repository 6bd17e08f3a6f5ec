package finding

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// EventBridge detail-types this package reads.
const (
	DetailTypeGuardDuty  = "GuardDuty Finding"
	DetailTypeAPICall    = "AWS API Call via CloudTrail"
	DetailTypeSignIn     = "AWS Console Sign In via CloudTrail"
	SourceNameGuardDuty  = "aws.guardduty"
	kindEnvelope         = "eventbridge event"
	kindGuardDuty        = "guardduty finding"
	kindCloudTrail       = "cloudtrail event"
	maxEventBytes        = 1 << 20 // EventBridge events are at most 256 KiB
	timeLayoutRFC3339Any = time.RFC3339Nano
)

// Parse reads one EventBridge event as delivered to a Lambda function and
// normalises it. GuardDuty findings always become a Finding; CloudTrail
// events become one only when cat has a rule for them, otherwise Parse
// returns ErrIgnored. Malformed events return an error wrapping
// ErrMalformed; events of other kinds one wrapping ErrUnsupported.
func Parse(raw []byte, cat Catalogue) (Finding, error) {
	if len(raw) > maxEventBytes {
		return Finding{}, malformed(kindEnvelope, "", "%d bytes is larger than any EventBridge event", len(raw))
	}
	var ev events.CloudWatchEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		return Finding{}, decodeError(kindEnvelope, "", err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		return Finding{}, decodeError(kindEnvelope, "", err)
	}
	return fromEvent(ev, compact.Bytes(), cat)
}

// FromEvent normalises an event already decoded by the Lambda runtime. The
// evidence copy (Finding.Raw) is the event re-encoded; Parse keeps the bytes
// as received and is preferred when they are at hand.
func FromEvent(ev events.CloudWatchEvent, cat Catalogue) (Finding, error) {
	raw, err := json.Marshal(ev)
	if err != nil {
		return Finding{}, decodeError(kindEnvelope, "", err)
	}
	return fromEvent(ev, raw, cat)
}

func fromEvent(ev events.CloudWatchEvent, raw []byte, cat Catalogue) (Finding, error) {
	if ev.DetailType == "" {
		return Finding{}, malformed(kindEnvelope, "detail-type", "missing")
	}
	detail := bytes.TrimSpace(ev.Detail)
	if len(detail) == 0 || bytes.Equal(detail, []byte("null")) {
		return Finding{}, malformed(kindEnvelope, "detail", "missing")
	}
	if detail[0] != '{' {
		return Finding{}, malformed(kindEnvelope, "detail", "not a JSON object")
	}
	switch ev.DetailType {
	case DetailTypeGuardDuty:
		if ev.Source != SourceNameGuardDuty {
			return Finding{}, malformed(kindGuardDuty, "source", "%q: want %q", ev.Source, SourceNameGuardDuty)
		}
		return fromGuardDuty(ev, detail, raw)
	case DetailTypeAPICall, DetailTypeSignIn:
		return fromCloudTrail(ev, detail, raw, cat)
	default:
		return Finding{}, fmt.Errorf("%s: source %q, detail-type %q: %w: want %q, %q or %q",
			kindEnvelope, ev.Source, ev.DetailType, ErrUnsupported, DetailTypeGuardDuty, DetailTypeAPICall, DetailTypeSignIn)
	}
}

// decodeError turns an encoding/json error into a FieldError naming the
// field where it can.
func decodeError(kind, prefix string, err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if prefix != "" && field != "" {
			field = prefix + "." + field
		} else if field == "" {
			field = prefix
		}
		return malformed(kind, field, "want %s, got JSON %s", te.Type, te.Value)
	}
	var pe *time.ParseError
	if errors.As(err, &pe) {
		return malformed(kind, prefix, "time %q: want RFC 3339", pe.Value)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return malformed(kind, prefix, "not valid JSON at byte %d: %v", se.Offset, se)
	}
	return malformed(kind, prefix, "%v", err)
}

// parseTime reads an RFC 3339 time field, naming it when it is wrong.
func parseTime(kind, field, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, malformed(kind, field, "missing")
	}
	t, err := time.Parse(timeLayoutRFC3339Any, v)
	if err != nil {
		return time.Time{}, malformed(kind, field, "%q is not an RFC 3339 time", v)
	}
	return t.UTC(), nil
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}
