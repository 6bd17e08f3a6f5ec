package awssim

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// FaultKind is what an injected fault does to a matching request.
type FaultKind string

// The kinds of fault the simulator can inject.
const (
	// FaultThrottle answers with the service's throttling error: Throttling
	// (HTTP 400) for awsquery, RequestLimitExceeded (503) for ec2query,
	// ThrottlingException (400, or 429 for restJson1) for JSON services.
	FaultThrottle FaultKind = "throttle"
	// FaultError5xx answers InternalFailure with HTTP 500.
	FaultError5xx FaultKind = "error5xx"
	// FaultUnavailable answers ServiceUnavailable with HTTP 503.
	FaultUnavailable FaultKind = "unavailable"
	// FaultAccessDenied answers AccessDenied (HTTP 403) for awsquery,
	// UnauthorizedOperation (403) for ec2query, AccessDeniedException for JSON.
	FaultAccessDenied FaultKind = "accessdenied"
	// FaultLatency delays the request by Latency, then serves it normally.
	FaultLatency FaultKind = "latency"
)

// Fault is an injected failure for one service's operations.
type Fault struct {
	// Service is the signing name ("rds").
	Service string `json:"service"`
	// Operation is the operation ("DeleteDBSnapshot"); empty means every
	// operation of the service.
	Operation string `json:"operation,omitempty"`
	// Kind is what the fault does.
	Kind FaultKind `json:"kind"`
	// Count is how many requests the fault affects; 0 means until cleared.
	// Faults() reports the requests still to be affected.
	Count int `json:"count,omitempty"`
	// Latency is the delay a FaultLatency adds (JSON: "200ms").
	Latency time.Duration `json:"-"`
}

type faultJSON struct {
	Service   string    `json:"service"`
	Operation string    `json:"operation,omitempty"`
	Kind      FaultKind `json:"kind"`
	Count     int       `json:"count,omitempty"`
	Latency   string    `json:"latency,omitempty"`
}

// MarshalJSON writes Latency as a duration string.
func (f Fault) MarshalJSON() ([]byte, error) {
	j := faultJSON{Service: f.Service, Operation: f.Operation, Kind: f.Kind, Count: f.Count}
	if f.Latency != 0 {
		j.Latency = f.Latency.String()
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads Latency as a duration string such as "200ms".
func (f *Fault) UnmarshalJSON(b []byte) error {
	var j faultJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*f = Fault{Service: j.Service, Operation: j.Operation, Kind: j.Kind, Count: j.Count}
	if j.Latency != "" {
		d, err := time.ParseDuration(j.Latency)
		if err != nil {
			return fmt.Errorf("latency %q is not a duration such as \"200ms\"", j.Latency)
		}
		f.Latency = d
	}
	return nil
}

type activeFault struct {
	Fault
	remaining int // -1: until cleared
}

// SetFault adds a fault. Faults are matched in the order they were added;
// a request is delayed by every matching latency fault and answered by the
// first matching error fault.
func (s *Server) SetFault(f Fault) error {
	if f.Service == "" {
		return fmt.Errorf("fault: service is required (one of the signing names %v)", s.ServiceNames())
	}
	if _, ok := s.Service(f.Service); !ok {
		return fmt.Errorf("fault: unknown service %q (services: %v)", f.Service, s.ServiceNames())
	}
	switch f.Kind {
	case FaultThrottle, FaultError5xx, FaultUnavailable, FaultAccessDenied:
	case FaultLatency:
		if f.Latency <= 0 {
			return fmt.Errorf("fault: kind latency needs a positive latency such as \"200ms\"")
		}
		if f.Latency > 5*time.Minute {
			return fmt.Errorf("fault: latency %s is longer than the 5m limit", f.Latency)
		}
	default:
		return fmt.Errorf("fault: unknown kind %q (want throttle, error5xx, unavailable, accessdenied or latency)", f.Kind)
	}
	if f.Count < 0 {
		return fmt.Errorf("fault: count %d is negative (0 means until cleared)", f.Count)
	}
	af := &activeFault{Fault: f, remaining: f.Count}
	if f.Count == 0 {
		af.remaining = -1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, af)
	return nil
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// Faults returns the active faults; Count is what remains (0: until cleared).
func (s *Server) Faults() []Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Fault, 0, len(s.faults))
	for _, af := range s.faults {
		f := af.Fault
		f.Count = max(af.remaining, 0)
		out = append(out, f)
	}
	return out
}

// injectFault applies the faults matching a call: it sleeps for latency
// faults and returns the error of the first error fault.
func (s *Server) injectFault(ctx context.Context, svc *Service, c *Call) *APIError {
	var delay time.Duration
	var hit *activeFault
	s.mu.Lock()
	kept := s.faults[:0]
	for _, af := range s.faults {
		match := af.Service == c.Service && (af.Operation == "" || af.Operation == c.Operation)
		if match && (af.Kind == FaultLatency || hit == nil) {
			if af.Kind == FaultLatency {
				delay += af.Latency
			} else {
				hit = af
			}
			if af.remaining > 0 {
				af.remaining--
				if af.remaining == 0 {
					continue
				}
			}
		}
		kept = append(kept, af)
	}
	s.faults = kept
	s.mu.Unlock()
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
	}
	if hit == nil {
		return nil
	}
	return faultError(svc.Protocol, hit.Kind, c)
}

func faultError(p Protocol, kind FaultKind, c *Call) *APIError {
	json := p == ProtocolJSON10 || p == ProtocolJSON11 || p == ProtocolRESTJSON
	switch kind {
	case FaultThrottle:
		switch {
		case p == ProtocolEC2Query:
			return &APIError{Status: 503, Code: "RequestLimitExceeded", Message: "Request limit exceeded."}
		case p == ProtocolRESTJSON:
			return &APIError{Status: 429, Code: "ThrottlingException", Message: "Rate exceeded"}
		case json:
			return &APIError{Status: 400, Code: "ThrottlingException", Message: "Rate exceeded"}
		}
		return &APIError{Status: 400, Code: "Throttling", Message: "Rate exceeded"}
	case FaultError5xx:
		if p == ProtocolEC2Query {
			return &APIError{Status: 500, Code: "InternalError", Message: "An internal error has occurred", Receiver: true}
		}
		return &APIError{Status: 500, Code: "InternalFailure", Message: "The request processing has failed because of an unknown error, exception or failure.", Receiver: true, QueryCode: "InternalFailure"}
	case FaultUnavailable:
		if p == ProtocolEC2Query {
			return &APIError{Status: 503, Code: "Unavailable", Message: "The server is overloaded and can't handle the request.", Receiver: true}
		}
		return &APIError{Status: 503, Code: "ServiceUnavailable", Message: "The request has failed due to a temporary failure of the server.", Receiver: true, QueryCode: "ServiceUnavailable"}
	case FaultAccessDenied:
		msg := fmt.Sprintf("User: arn:aws:iam::%s:user/sandbox is not authorized to perform: %s:%s because no identity-based policy allows the %s:%s action",
			c.Account(), c.Service, c.Operation, c.Service, c.Operation)
		switch {
		case p == ProtocolEC2Query:
			return &APIError{Status: 403, Code: "UnauthorizedOperation", Message: "You are not authorized to perform this operation. " + msg}
		case p == ProtocolRESTJSON:
			return &APIError{Status: 403, Code: "AccessDeniedException", Message: msg}
		case json:
			return &APIError{Status: 400, Code: "AccessDeniedException", Message: msg, QueryCode: "AccessDenied"}
		}
		return &APIError{Status: 403, Code: "AccessDenied", Message: msg}
	}
	return &APIError{Status: 500, Code: "InternalFailure", Message: "unknown fault kind " + string(kind), Receiver: true}
}
