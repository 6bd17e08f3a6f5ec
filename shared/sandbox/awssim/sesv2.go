package awssim

import (
	"fmt"
	"net/mail"
	"strings"
	"sync"
)

func init() { RegisterService("ses", newSESService) }

// SESIdentity is an SES identity: an e-mail address or a domain.
type SESIdentity struct {
	Name string
	// Verified makes it verified for sending; otherwise verification is
	// pending.
	Verified bool `json:",omitempty"`
}

// SESSeed sets the SES v2 account state the simulator reports (POST
// /_sim/seed/ses). Unset fields keep their value; a new simulator is a new
// account: in the SES sandbox (no production access), sending enabled, one
// message a second and 200 a day, no identities.
type SESSeed struct {
	ProductionAccessEnabled *bool         `json:",omitempty"`
	SendingEnabled          *bool         `json:",omitempty"`
	MaxSendRate             *float64      `json:",omitempty"`
	Max24HourSend           *float64      `json:",omitempty"`
	Identities              []SESIdentity `json:",omitempty"`
}

// SESState is the SES simulator's state (GET /_sim/state/ses).
type SESState struct {
	ProductionAccessEnabled, SendingEnabled bool
	MaxSendRate, Max24HourSend              float64
	Identities                              []SESIdentity
}

// SES is the SES v2 simulator: the account and identity reads a preflight
// makes (GetAccount, GetEmailIdentity). Sending stays with the sandbox's
// aws-ses-v2-local, which does not implement these reads.
type SES struct {
	srv *Server
	mu  sync.Mutex
	st  SESState
}

// SES returns the SES simulator's state.
func (s *Server) SES() *SES {
	svc, _ := s.Service("ses")
	return svc.Backend.(*SES)
}

func newSESService(s *Server) *Service {
	e := &SES{srv: s, st: SESState{SendingEnabled: true, MaxSendRate: 1, Max24HourSend: 200}}
	return &Service{
		Name:     "ses",
		Protocol: ProtocolRESTJSON,
		Routes: map[string]Route{
			"GET /v2/email/account":                    {Operation: "GetAccount", Handler: e.getAccount},
			"GET /v2/email/identities/{EmailIdentity}": {Operation: "GetEmailIdentity", Handler: e.getEmailIdentity},
		},
		Dump: func() any { return e.State() },
		Seed: func(data []byte) error {
			var seed SESSeed
			if err := seedJSON(data, &seed); err != nil {
				return err
			}
			return e.Seed(seed)
		},
		Backend: e,
	}
}

// Seed changes the account state and adds (or replaces) identities.
func (e *SES) Seed(seed SESSeed) error {
	for _, id := range seed.Identities {
		if id.Name == "" || strings.ContainsAny(id.Name, " /") {
			return fmt.Errorf("identity %q is not an e-mail address or a domain", id.Name)
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if seed.ProductionAccessEnabled != nil {
		e.st.ProductionAccessEnabled = *seed.ProductionAccessEnabled
	}
	if seed.SendingEnabled != nil {
		e.st.SendingEnabled = *seed.SendingEnabled
	}
	if seed.MaxSendRate != nil {
		e.st.MaxSendRate = *seed.MaxSendRate
	}
	if seed.Max24HourSend != nil {
		e.st.Max24HourSend = *seed.Max24HourSend
	}
	for _, id := range seed.Identities {
		i := e.find(id.Name)
		if i < 0 {
			e.st.Identities = append(e.st.Identities, id)
		} else {
			e.st.Identities[i] = id
		}
	}
	return nil
}

// State returns a copy of the SES state.
func (e *SES) State() SESState {
	e.mu.Lock()
	defer e.mu.Unlock()
	st := e.st
	st.Identities = append([]SESIdentity(nil), e.st.Identities...)
	return st
}

func (e *SES) find(name string) int {
	for i, id := range e.st.Identities {
		if strings.EqualFold(id.Name, name) {
			return i
		}
	}
	return -1
}

func (e *SES) getAccount(c *Call) (any, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	status := "HEALTHY"
	if !e.st.SendingEnabled {
		status = "SHUTDOWN"
	}
	return map[string]any{
		"DedicatedIpAutoWarmupEnabled": false,
		"EnforcementStatus":            status,
		"ProductionAccessEnabled":      e.st.ProductionAccessEnabled,
		"SendingEnabled":               e.st.SendingEnabled,
		"SendQuota":                    map[string]any{"Max24HourSend": e.st.Max24HourSend, "MaxSendRate": e.st.MaxSendRate, "SentLast24Hours": 0},
	}, nil
}

func (e *SES) getEmailIdentity(c *Call) (any, error) {
	name := c.Request.PathValue("EmailIdentity")
	e.mu.Lock()
	defer e.mu.Unlock()
	i := e.find(name)
	if i < 0 {
		return nil, NewError(404, "NotFoundException", "Email identity %s does not exist.", name)
	}
	id := e.st.Identities[i]
	typ := "DOMAIN"
	if _, err := mail.ParseAddress(id.Name); err == nil {
		typ = "EMAIL_ADDRESS"
	}
	status := "PENDING"
	if id.Verified {
		status = "SUCCESS"
	}
	return map[string]any{
		"IdentityType": typ, "FeedbackForwardingStatus": true, "VerifiedForSendingStatus": id.Verified,
		"VerificationStatus": status, "DkimAttributes": map[string]any{"SigningEnabled": id.Verified, "Status": status},
		"Policies": map[string]string{}, "Tags": []any{},
	}, nil
}
