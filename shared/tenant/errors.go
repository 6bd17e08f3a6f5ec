package tenant

import (
	"errors"
	"fmt"
)

// ErrInvalid is wrapped by every error about bad input: an invalid tenant
// id, a malformed lifecycle event, a location outside the template.
var ErrInvalid = errors.New("invalid")

// ErrConflict is wrapped when the tenant's current state forbids a change:
// a transition not allowed from its status, a conditional write that lost a
// race, a checkpoint written by someone who no longer owns the purge.
var ErrConflict = errors.New("conflict")

// ErrNotFound is wrapped when the registry has no tenant with the id.
var ErrNotFound = errors.New("not found")

// FieldError names the part of a lifecycle event that is wrong. It matches
// ErrInvalid with errors.Is.
type FieldError struct {
	// Field is the JSON path of the bad field, e.g. "detail.contacts[1].timezone".
	Field string
	// Problem says what is wrong and what would be right.
	Problem string
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return "tenant lifecycle event: " + e.Problem
	}
	return fmt.Sprintf("tenant lifecycle event: %s: %s", e.Field, e.Problem)
}

// Is makes errors.Is(err, ErrInvalid) true.
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Problem: fmt.Sprintf(format, args...)}
}
