package awssim

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

func init() { RegisterService("cloudtrail", newCloudTrailService) }

// CloudTrailTrail is a trail. Seed it with at least Name and S3BucketName.
// HomeRegion defaults to the simulator's region; a multi-region trail whose
// home is another region appears in this region as a shadow trail (only
// with includeShadowTrails, and GetTrailStatus needs its ARN), and a
// single-region trail of another region does not appear at all.
type CloudTrailTrail struct {
	Name                       string
	S3BucketName               string
	S3KeyPrefix                string `json:",omitempty"`
	HomeRegion                 string `json:",omitempty"`
	TrailARN                   string `json:",omitempty"`
	IsMultiRegionTrail         bool   `json:",omitempty"`
	IncludeGlobalServiceEvents bool   `json:",omitempty"`
	IsOrganizationTrail        bool   `json:",omitempty"`
	LogFileValidationEnabled   bool   `json:",omitempty"`
	// KmsKeyId is the ARN of the KMS key the log files are encrypted with
	// (empty: SSE-S3 only).
	KmsKeyId                  string `json:",omitempty"`
	CloudWatchLogsLogGroupArn string `json:",omitempty"`
	CloudWatchLogsRoleArn     string `json:",omitempty"`
	// EventSelectors are the trail's basic event selectors; empty is what
	// a trail gets when created: all management events, read and write.
	EventSelectors []CloudTrailEventSelector `json:",omitempty"`
	// Stopped makes GetTrailStatus report IsLogging false; seeded trails
	// log by default.
	Stopped          bool      `json:",omitempty"`
	StartLoggingTime time.Time `json:",omitzero"`
}

// CloudTrailEventSelector is a basic event selector: which management
// events (ReadWriteType All, ReadOnly or WriteOnly) a trail logs, if any.
type CloudTrailEventSelector struct {
	ReadWriteType           string
	IncludeManagementEvents bool
}

// CloudTrailSeed is state to add to the CloudTrail simulator
// (POST /_sim/seed/cloudtrail); trails replace trails of the same name and
// home region.
type CloudTrailSeed struct {
	Trails []CloudTrailTrail
}

// CloudTrailState is the CloudTrail simulator's state (GET /_sim/state/cloudtrail).
type CloudTrailState struct {
	Trails []CloudTrailTrail
}

// CloudTrail is the CloudTrail simulator's state. Get it with Server.CloudTrail.
type CloudTrail struct {
	srv    *Server
	mu     sync.Mutex
	trails map[string]*CloudTrailTrail // by ARN
}

// CloudTrail returns the CloudTrail simulator's state.
func (s *Server) CloudTrail() *CloudTrail {
	svc, _ := s.Service("cloudtrail")
	return svc.Backend.(*CloudTrail)
}

func newCloudTrailService(s *Server) *Service {
	t := &CloudTrail{srv: s, trails: map[string]*CloudTrailTrail{}}
	return &Service{
		Name:     "cloudtrail",
		Protocol: ProtocolJSON11,
		// aws-sdk-go-v2 sends the short form "CloudTrail_20131101.DescribeTrails";
		// AWS also accepts the namespaced com.amazonaws.cloudtrail.v20131101 form,
		// which Server.resolve handles too (it splits at the last dot).
		TargetPrefix: "CloudTrail_20131101",
		Operations: map[string]Handler{
			"DescribeTrails":    t.describeTrails,
			"GetTrailStatus":    t.getTrailStatus,
			"GetEventSelectors": t.getEventSelectors,
		},
		Dump: func() any { return t.State() },
		Seed: func(data []byte) error {
			var seed CloudTrailSeed
			if err := seedJSON(data, &seed); err != nil {
				return err
			}
			return t.Seed(seed)
		},
		Backend: t,
	}
}

// trailNameRE is CloudTrail's rule for trail names.
var trailNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{2,127}$`)

// Seed adds (or replaces) trails. Nothing is stored when any is invalid.
func (t *CloudTrail) Seed(seed CloudTrailSeed) error {
	for i, tr := range seed.Trails {
		if !trailNameRE.MatchString(tr.Name) || strings.Contains(tr.Name, "..") || strings.HasSuffix(tr.Name, "-") {
			return fmt.Errorf("trail %d: Name %q is not 3-128 letters, digits, periods, underscores or dashes starting with a letter or digit", i, tr.Name)
		}
		if tr.S3BucketName == "" {
			return fmt.Errorf("trail %s: S3BucketName is required", tr.Name)
		}
	}
	now := t.srv.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, tr := range seed.Trails {
		if tr.HomeRegion == "" {
			tr.HomeRegion = t.srv.opts.Region
		}
		if tr.TrailARN == "" {
			tr.TrailARN = fmt.Sprintf("arn:aws:cloudtrail:%s:%s:trail/%s", tr.HomeRegion, t.srv.opts.AccountID, tr.Name)
		}
		if tr.StartLoggingTime.IsZero() {
			tr.StartLoggingTime = now.Add(-180 * 24 * time.Hour).UTC().Truncate(time.Second)
		}
		t.trails[tr.TrailARN] = &tr
	}
	return nil
}

// SetLogging starts or stops a trail's logging.
func (t *CloudTrail) SetLogging(nameOrARN string, on bool) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	tr := t.find(nameOrARN, t.srv.opts.Region)
	if tr == nil {
		return fmt.Errorf("set logging: trail %s not found", nameOrARN)
	}
	tr.Stopped = !on
	return nil
}

// State returns a copy of the CloudTrail state, trails sorted by ARN.
func (t *CloudTrail) State() CloudTrailState {
	t.mu.Lock()
	defer t.mu.Unlock()
	var st CloudTrailState
	for _, tr := range sortedValues(t.trails) {
		st.Trails = append(st.Trails, *tr)
	}
	return st
}

// visible reports whether a trail is seen from region and whether it is a
// shadow trail there.
func visible(tr *CloudTrailTrail, region string) (seen, shadow bool) {
	if tr.HomeRegion == region {
		return true, false
	}
	return tr.IsMultiRegionTrail, tr.IsMultiRegionTrail
}

// find returns the trail a name or ARN names from region: an ARN names any
// visible trail, a bare name only a trail whose home is region. The caller
// holds t.mu.
func (t *CloudTrail) find(nameOrARN, region string) *CloudTrailTrail {
	if strings.HasPrefix(nameOrARN, "arn:") {
		if tr, ok := t.trails[nameOrARN]; ok {
			if seen, _ := visible(tr, region); seen {
				return tr
			}
		}
		return nil
	}
	for _, tr := range t.trails {
		if tr.Name == nameOrARN && tr.HomeRegion == region {
			return tr
		}
	}
	return nil
}

type trailJSON struct {
	Name                       string
	S3BucketName               string
	S3KeyPrefix                string `json:",omitempty"`
	IncludeGlobalServiceEvents bool
	IsMultiRegionTrail         bool
	HomeRegion                 string
	TrailARN                   string
	LogFileValidationEnabled   bool
	CloudWatchLogsLogGroupArn  string `json:",omitempty"`
	CloudWatchLogsRoleArn      string `json:",omitempty"`
	KmsKeyId                   string `json:",omitempty"`
	HasCustomEventSelectors    bool
	HasInsightSelectors        bool
	IsOrganizationTrail        bool
}

func (t *CloudTrail) describeTrails(c *Call) (any, error) {
	var in struct {
		TrailNameList       []string `json:"trailNameList"`
		IncludeShadowTrails *bool    `json:"includeShadowTrails"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	shadows := in.IncludeShadowTrails == nil || *in.IncludeShadowTrails
	t.mu.Lock()
	defer t.mu.Unlock()
	var list []*CloudTrailTrail
	if len(in.TrailNameList) > 0 {
		// Names that match nothing are left out, as CloudTrail does.
		seen := map[string]bool{}
		for _, n := range in.TrailNameList {
			if tr := t.find(n, c.Region); tr != nil && !seen[tr.TrailARN] {
				seen[tr.TrailARN] = true
				list = append(list, tr)
			}
		}
	} else {
		for _, tr := range t.trails {
			if seen, shadow := visible(tr, c.Region); seen && (shadows || !shadow) {
				list = append(list, tr)
			}
		}
		sort.Slice(list, func(i, j int) bool { return list[i].TrailARN < list[j].TrailARN })
	}
	out := struct {
		TrailList []trailJSON `json:"trailList"`
	}{TrailList: []trailJSON{}}
	for _, tr := range list {
		out.TrailList = append(out.TrailList, trailJSON{
			Name: tr.Name, S3BucketName: tr.S3BucketName, S3KeyPrefix: tr.S3KeyPrefix,
			IncludeGlobalServiceEvents: tr.IncludeGlobalServiceEvents, IsMultiRegionTrail: tr.IsMultiRegionTrail,
			HomeRegion: tr.HomeRegion, TrailARN: tr.TrailARN, LogFileValidationEnabled: tr.LogFileValidationEnabled,
			CloudWatchLogsLogGroupArn: tr.CloudWatchLogsLogGroupArn, CloudWatchLogsRoleArn: tr.CloudWatchLogsRoleArn,
			KmsKeyId: tr.KmsKeyId, IsOrganizationTrail: tr.IsOrganizationTrail,
		})
	}
	return out, nil
}

func (t *CloudTrail) getTrailStatus(c *Call) (any, error) {
	var in struct{ Name string }
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	if in.Name == "" {
		return nil, NewError(400, "InvalidTrailNameException", "Trail name or ARN can only contain uppercase letters, lowercase letters, numbers, periods (.), hyphens (-), and underscores (_).")
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	tr := t.find(in.Name, c.Region)
	if tr == nil {
		return nil, NewError(400, "TrailNotFoundException", "Unknown trail: %s for the user: %s", in.Name, c.Account())
	}
	out := struct {
		IsLogging                      bool
		StartLoggingTime               float64 `json:",omitempty"`
		StopLoggingTime                float64 `json:",omitempty"`
		TimeLoggingStarted             string  `json:",omitempty"`
		LatestDeliveryTime             float64 `json:",omitempty"`
		LatestDeliveryAttemptTime      string  `json:",omitempty"`
		LatestDigestDeliveryTime       float64 `json:",omitempty"`
		LatestDeliveryAttemptSucceeded string  `json:",omitempty"`
	}{IsLogging: !tr.Stopped, StartLoggingTime: epoch(tr.StartLoggingTime), TimeLoggingStarted: tr.StartLoggingTime.UTC().Format("2006-01-02T15:04:05Z")}
	if tr.Stopped {
		out.StopLoggingTime = epoch(c.Now.Add(-time.Hour))
	} else {
		last := c.Now.Add(-5 * time.Minute).Truncate(time.Second)
		out.LatestDeliveryTime = epoch(last)
		out.LatestDeliveryAttemptTime = last.UTC().Format("2006-01-02T15:04:05Z")
		out.LatestDeliveryAttemptSucceeded = out.LatestDeliveryAttemptTime
		if tr.LogFileValidationEnabled {
			out.LatestDigestDeliveryTime = epoch(c.Now.Add(-30 * time.Minute).Truncate(time.Second))
		}
	}
	return out, nil
}

func (t *CloudTrail) getEventSelectors(c *Call) (any, error) {
	var in struct{ TrailName string }
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	tr := t.find(in.TrailName, c.Region)
	if tr == nil {
		return nil, NewError(400, "TrailNotFoundException", "Unknown trail: %s for the user: %s", in.TrailName, c.Account())
	}
	sel := tr.EventSelectors
	if len(sel) == 0 {
		sel = []CloudTrailEventSelector{{ReadWriteType: "All", IncludeManagementEvents: true}}
	}
	type selector struct {
		ReadWriteType           string
		IncludeManagementEvents bool
		DataResources           []any
	}
	out := struct {
		TrailARN       string
		EventSelectors []selector
	}{TrailARN: tr.TrailARN}
	for _, s := range sel {
		out.EventSelectors = append(out.EventSelectors, selector{s.ReadWriteType, s.IncludeManagementEvents, []any{}})
	}
	return out, nil
}
