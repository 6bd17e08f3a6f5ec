package awssim

import (
	"fmt"
	"regexp"
	"strconv"
	"sync"
	"time"
)

func init() { RegisterService("guardduty", newGuardDutyService) }

// GuardDutyFeature is one protection plan of a detector ("S3_DATA_EVENTS",
// "RDS_LOGIN_EVENTS"...) and whether it is ENABLED or DISABLED.
type GuardDutyFeature struct {
	Name   string
	Status string
}

// GuardDutyDetector is a GuardDuty detector. A region has at most one, as
// in AWS. Empty fields get defaults: an id derived from the account and
// region, ENABLED, SIX_HOURS publishing, and the foundational data sources
// (CloudTrail, DNS logs, VPC flow logs) enabled.
type GuardDutyDetector struct {
	DetectorId string `json:",omitempty"`
	// Status is ENABLED (default) or DISABLED.
	Status                     string             `json:",omitempty"`
	FindingPublishingFrequency string             `json:",omitempty"`
	Features                   []GuardDutyFeature `json:",omitempty"`
	CreatedAt                  time.Time          `json:",omitzero"`
	UpdatedAt                  time.Time          `json:",omitzero"`
	Tags                       map[string]string  `json:",omitempty"`
}

// GuardDutySeed is state to add to the GuardDuty simulator
// (POST /_sim/seed/guardduty). Seeding a detector replaces the region's
// detector; Delete removes it (a region without GuardDuty).
type GuardDutySeed struct {
	Detectors []GuardDutyDetector `json:",omitempty"`
	Delete    bool                `json:",omitempty"`
}

// GuardDutyState is the GuardDuty simulator's state (GET /_sim/state/guardduty).
type GuardDutyState struct {
	Detectors []GuardDutyDetector
}

// GuardDuty is the GuardDuty simulator's state. Get it with Server.GuardDuty.
type GuardDuty struct {
	srv      *Server
	mu       sync.Mutex
	detector *GuardDutyDetector
}

// GuardDuty returns the GuardDuty simulator's state.
func (s *Server) GuardDuty() *GuardDuty {
	svc, _ := s.Service("guardduty")
	return svc.Backend.(*GuardDuty)
}

func newGuardDutyService(s *Server) *Service {
	g := &GuardDuty{srv: s}
	return &Service{
		Name:     "guardduty",
		Protocol: ProtocolRESTJSON,
		Routes: map[string]Route{
			"GET /detector":              {Operation: "ListDetectors", Handler: g.listDetectors},
			"GET /detector/{detectorId}": {Operation: "GetDetector", Handler: g.getDetector},
		},
		Dump: func() any { return g.State() },
		Seed: func(data []byte) error {
			var seed GuardDutySeed
			if err := seedJSON(data, &seed); err != nil {
				return err
			}
			return g.Seed(seed)
		},
		Backend: g,
	}
}

var detectorIDRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

// Seed sets (or removes) the region's detector.
func (g *GuardDuty) Seed(seed GuardDutySeed) error {
	if len(seed.Detectors) > 1 {
		return fmt.Errorf("%d detectors: a region has at most one GuardDuty detector", len(seed.Detectors))
	}
	if seed.Delete && len(seed.Detectors) > 0 {
		return fmt.Errorf("a seed cannot both delete and add detectors")
	}
	now := g.srv.Now()
	g.mu.Lock()
	defer g.mu.Unlock()
	if seed.Delete {
		g.detector = nil
		return nil
	}
	for _, d := range seed.Detectors {
		if d.DetectorId == "" {
			d.DetectorId = hexID("detector:"+g.srv.opts.AccountID+":"+g.srv.opts.Region, 32)
		}
		if !detectorIDRE.MatchString(d.DetectorId) {
			return fmt.Errorf("detector %q: DetectorId is 32 lower-case hex digits", d.DetectorId)
		}
		switch d.Status {
		case "":
			d.Status = "ENABLED"
		case "ENABLED", "DISABLED":
		default:
			return fmt.Errorf("detector %s: Status %q is not ENABLED or DISABLED", d.DetectorId, d.Status)
		}
		switch d.FindingPublishingFrequency {
		case "":
			d.FindingPublishingFrequency = "SIX_HOURS"
		case "FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS":
		default:
			return fmt.Errorf("detector %s: FindingPublishingFrequency %q is not FIFTEEN_MINUTES, ONE_HOUR or SIX_HOURS", d.DetectorId, d.FindingPublishingFrequency)
		}
		if len(d.Features) == 0 {
			d.Features = []GuardDutyFeature{
				{"CLOUD_TRAIL", "ENABLED"}, {"DNS_LOGS", "ENABLED"}, {"FLOW_LOGS", "ENABLED"},
				{"S3_DATA_EVENTS", "ENABLED"}, {"EBS_MALWARE_PROTECTION", "DISABLED"}, {"RDS_LOGIN_EVENTS", "DISABLED"},
				{"LAMBDA_NETWORK_LOGS", "DISABLED"}, {"RUNTIME_MONITORING", "DISABLED"},
			}
		}
		for _, f := range d.Features {
			if f.Name == "" || (f.Status != "ENABLED" && f.Status != "DISABLED") {
				return fmt.Errorf("detector %s: feature %q: Status %q is not ENABLED or DISABLED", d.DetectorId, f.Name, f.Status)
			}
		}
		d.Features = append([]GuardDutyFeature(nil), d.Features...)
		if d.CreatedAt.IsZero() {
			d.CreatedAt = now.Add(-90 * 24 * time.Hour).UTC().Truncate(time.Millisecond)
		}
		if d.UpdatedAt.IsZero() {
			d.UpdatedAt = d.CreatedAt
		}
		g.detector = &d
	}
	return nil
}

// State returns a copy of the GuardDuty state.
func (g *GuardDuty) State() GuardDutyState {
	g.mu.Lock()
	defer g.mu.Unlock()
	var st GuardDutyState
	if g.detector != nil {
		d := *g.detector
		d.Features = append([]GuardDutyFeature(nil), d.Features...)
		st.Detectors = append(st.Detectors, d)
	}
	return st
}

func (g *GuardDuty) listDetectors(c *Call) (any, error) {
	q := c.Request.URL.Query()
	if v := q.Get("maxResults"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 50 {
			return nil, NewError(400, "BadRequestException", "The request is rejected because an invalid or out-of-range value is specified as an input parameter: maxResults %q is not between 1 and 50.", v)
		}
	}
	if tok := q.Get("nextToken"); tok != "" {
		if _, ok := decodeToken("guardduty:ListDetectors", tok); !ok {
			return nil, NewError(400, "BadRequestException", "The request is rejected because the nextToken is not valid.")
		}
		// A region has one detector, so a valid token always points past it.
		return struct {
			DetectorIds []string `json:"detectorIds"`
		}{[]string{}}, nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	ids := []string{}
	if g.detector != nil {
		ids = append(ids, g.detector.DetectorId)
	}
	return struct {
		DetectorIds []string `json:"detectorIds"`
	}{ids}, nil
}

func (g *GuardDuty) getDetector(c *Call) (any, error) {
	id := c.Request.PathValue("detectorId")
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.detector == nil || g.detector.DetectorId != id {
		return nil, NewError(400, "BadRequestException", "The request is rejected because the input detectorId is not owned by the current account.")
	}
	d := g.detector
	type feature struct {
		Name      string  `json:"name"`
		Status    string  `json:"status"`
		UpdatedAt float64 `json:"updatedAt"`
	}
	type status struct {
		Status string `json:"status"`
	}
	out := struct {
		CreatedAt                  string            `json:"createdAt"`
		UpdatedAt                  string            `json:"updatedAt"`
		FindingPublishingFrequency string            `json:"findingPublishingFrequency"`
		ServiceRole                string            `json:"serviceRole"`
		Status                     string            `json:"status"`
		Features                   []feature         `json:"features"`
		DataSources                map[string]any    `json:"dataSources"`
		Tags                       map[string]string `json:"tags"`
	}{
		CreatedAt: d.CreatedAt.UTC().Format("2006-01-02T15:04:05.000Z"), UpdatedAt: d.UpdatedAt.UTC().Format("2006-01-02T15:04:05.000Z"),
		FindingPublishingFrequency: d.FindingPublishingFrequency, Status: d.Status,
		ServiceRole: fmt.Sprintf("arn:aws:iam::%s:role/aws-service-role/guardduty.amazonaws.com/AWSServiceRoleForAmazonGuardDuty", c.Account()),
		Tags:        map[string]string{},
	}
	enabled := map[string]string{}
	for _, f := range d.Features {
		out.Features = append(out.Features, feature{Name: f.Name, Status: f.Status, UpdatedAt: epoch(d.UpdatedAt)})
		enabled[f.Name] = f.Status
	}
	for k, v := range d.Tags {
		out.Tags[k] = v
	}
	orDisabled := func(name string) string {
		if s := enabled[name]; s != "" {
			return s
		}
		return "DISABLED"
	}
	out.DataSources = map[string]any{
		"cloudTrail": status{orDisabled("CLOUD_TRAIL")},
		"dnsLogs":    status{orDisabled("DNS_LOGS")},
		"flowLogs":   status{orDisabled("FLOW_LOGS")},
		"s3Logs":     status{orDisabled("S3_DATA_EVENTS")},
	}
	return out, nil
}
