package finding

import (
	"errors"
	"fmt"
)

// ErrIgnored is returned for a well-formed event that is not security
// relevant: a CloudTrail call outside the catalogue, or one whose rule's
// condition does not hold (a bucket policy that opens nothing). Callers count
// it and move on; it is not a failure.
var ErrIgnored = errors.New("event ignored: not in the catalogue of security-relevant calls")

// ErrMalformed is wrapped by every error about an event that cannot be read:
// bad JSON, a missing or invalid required field.
var ErrMalformed = errors.New("malformed event")

// ErrUnsupported is wrapped when an event is well-formed EventBridge JSON but
// neither a GuardDuty finding nor a CloudTrail event.
var ErrUnsupported = errors.New("unsupported event")

// FieldError names the part of an event that is wrong. It matches
// ErrMalformed with errors.Is.
type FieldError struct {
	// Kind is what was being read: "guardduty finding", "cloudtrail event",
	// "eventbridge event".
	Kind string
	// Field is the JSON path of the bad field, e.g. "detail.severity".
	Field string
	// Problem says what is wrong: "missing", "not a number", ...
	Problem string
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%s: %s", e.Kind, e.Problem)
	}
	return fmt.Sprintf("%s: %s: %s", e.Kind, e.Field, e.Problem)
}

// Is makes errors.Is(err, ErrMalformed) true.
func (e *FieldError) Is(target error) bool { return target == ErrMalformed }

func malformed(kind, field, format string, args ...any) error {
	return &FieldError{Kind: kind, Field: field, Problem: fmt.Sprintf(format, args...)}
}
