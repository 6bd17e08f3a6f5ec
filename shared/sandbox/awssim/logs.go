package awssim

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"
)

func init() { RegisterService("logs", newLogsService) }

// LogsRetentionDays are the retention periods CloudWatch Logs accepts, in
// days; a log group without one never expires.
var LogsRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// LogGroup is a CloudWatch Logs log group. RetentionInDays 0 means the
// group's events never expire (DescribeLogGroups then omits retentionInDays).
type LogGroup struct {
	LogGroupName    string
	RetentionInDays int       `json:",omitempty"`
	KmsKeyId        string    `json:",omitempty"`
	StoredBytes     int64     `json:",omitempty"`
	LogGroupClass   string    `json:",omitempty"` // STANDARD (default) or INFREQUENT_ACCESS
	CreationTime    time.Time `json:",omitzero"`
}

// LogsSeed is state to add to the CloudWatch Logs simulator
// (POST /_sim/seed/logs); groups replace groups of the same name.
type LogsSeed struct {
	LogGroups []LogGroup
}

// LogsState is the CloudWatch Logs simulator's state (GET /_sim/state/logs).
type LogsState struct {
	LogGroups []LogGroup
}

// Logs is the CloudWatch Logs simulator's state. Get it with Server.Logs.
type Logs struct {
	srv    *Server
	mu     sync.Mutex
	groups map[string]*LogGroup
}

// Logs returns the CloudWatch Logs simulator's state.
func (s *Server) Logs() *Logs {
	svc, _ := s.Service("logs")
	return svc.Backend.(*Logs)
}

func newLogsService(s *Server) *Service {
	l := &Logs{srv: s, groups: map[string]*LogGroup{}}
	return &Service{
		Name:         "logs",
		Protocol:     ProtocolJSON11,
		TargetPrefix: "Logs_20140328",
		Operations: map[string]Handler{
			"DescribeLogGroups":  l.describeLogGroups,
			"PutRetentionPolicy": l.putRetentionPolicy,
		},
		Dump: func() any { return l.State() },
		Seed: func(data []byte) error {
			var seed LogsSeed
			if err := seedJSON(data, &seed); err != nil {
				return err
			}
			return l.Seed(seed)
		},
		Backend: l,
	}
}

// logGroupNameRE is CloudWatch Logs' rule for log group names.
var logGroupNameRE = regexp.MustCompile(`^[\.\-_/#A-Za-z0-9]{1,512}$`)

func validRetention(days int) bool {
	for _, d := range LogsRetentionDays {
		if d == days {
			return true
		}
	}
	return false
}

// Seed adds (or replaces) log groups. Nothing is stored when any is invalid.
func (l *Logs) Seed(seed LogsSeed) error {
	for i, g := range seed.LogGroups {
		if !logGroupNameRE.MatchString(g.LogGroupName) {
			return fmt.Errorf("log group %d: LogGroupName %q is not 1-512 letters, digits, '.', '-', '_', '/' or '#'", i, g.LogGroupName)
		}
		if g.RetentionInDays != 0 && !validRetention(g.RetentionInDays) {
			return fmt.Errorf("log group %s: RetentionInDays %d is not one of %v (0: never expire)", g.LogGroupName, g.RetentionInDays, LogsRetentionDays)
		}
		switch g.LogGroupClass {
		case "", "STANDARD", "INFREQUENT_ACCESS", "DELIVERY":
		default:
			return fmt.Errorf("log group %s: LogGroupClass %q is not STANDARD, INFREQUENT_ACCESS or DELIVERY", g.LogGroupName, g.LogGroupClass)
		}
	}
	now := l.srv.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, g := range seed.LogGroups {
		if g.LogGroupClass == "" {
			g.LogGroupClass = "STANDARD"
		}
		if g.CreationTime.IsZero() {
			g.CreationTime = now.Add(-200 * 24 * time.Hour).UTC().Truncate(time.Millisecond)
		}
		l.groups[g.LogGroupName] = &g
	}
	return nil
}

// State returns a copy of the log groups, sorted by name.
func (l *Logs) State() LogsState {
	l.mu.Lock()
	defer l.mu.Unlock()
	var st LogsState
	for _, g := range sortedValues(l.groups) {
		st.LogGroups = append(st.LogGroups, *g)
	}
	return st
}

func (l *Logs) arn(name string) string {
	return fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s", l.srv.opts.Region, l.srv.opts.AccountID, name)
}

func (l *Logs) describeLogGroups(c *Call) (any, error) {
	var in struct {
		LogGroupNamePrefix  string `json:"logGroupNamePrefix"`
		LogGroupNamePattern string `json:"logGroupNamePattern"`
		NextToken           string `json:"nextToken"`
		Limit               *int   `json:"limit"`
		LogGroupClass       string `json:"logGroupClass"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	if in.LogGroupNamePrefix != "" && in.LogGroupNamePattern != "" {
		return nil, NewError(400, "InvalidParameterException", "LogGroupNamePrefix and LogGroupNamePattern are mutually exclusive. Only one of them can be specified.")
	}
	limit := 50
	if in.Limit != nil {
		limit = *in.Limit
		if limit < 1 || limit > 50 {
			return nil, NewError(400, "InvalidParameterException", "1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value between 1 and 50", limit)
		}
	}
	after := ""
	if in.NextToken != "" {
		k, ok := decodeToken("logs:DescribeLogGroups", in.NextToken)
		if !ok {
			return nil, NewError(400, "InvalidParameterException", "The specified nextToken is invalid.")
		}
		after = k
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var items []*LogGroup
	for _, g := range l.groups {
		if strings.HasPrefix(g.LogGroupName, in.LogGroupNamePrefix) &&
			(in.LogGroupNamePattern == "" || strings.Contains(strings.ToLower(g.LogGroupName), strings.ToLower(in.LogGroupNamePattern))) &&
			(in.LogGroupClass == "" || g.LogGroupClass == in.LogGroupClass) {
			items = append(items, g)
		}
	}
	page, last := keyPage(items, func(g *LogGroup) string { return g.LogGroupName }, after, limit)
	type group struct {
		LogGroupName      string `json:"logGroupName"`
		CreationTime      int64  `json:"creationTime"`
		RetentionInDays   *int   `json:"retentionInDays,omitempty"`
		MetricFilterCount int    `json:"metricFilterCount"`
		Arn               string `json:"arn"`
		StoredBytes       int64  `json:"storedBytes"`
		KmsKeyId          string `json:"kmsKeyId,omitempty"`
		LogGroupClass     string `json:"logGroupClass"`
		LogGroupArn       string `json:"logGroupArn"`
	}
	out := struct {
		LogGroups []group `json:"logGroups"`
		NextToken string  `json:"nextToken,omitempty"`
	}{LogGroups: []group{}}
	if last != "" {
		out.NextToken = encodeToken("logs:DescribeLogGroups", last)
	}
	for _, g := range page {
		j := group{
			LogGroupName: g.LogGroupName, CreationTime: g.CreationTime.UnixMilli(), Arn: l.arn(g.LogGroupName) + ":*",
			StoredBytes: g.StoredBytes, KmsKeyId: g.KmsKeyId, LogGroupClass: g.LogGroupClass, LogGroupArn: l.arn(g.LogGroupName),
		}
		if g.RetentionInDays > 0 {
			days := g.RetentionInDays
			j.RetentionInDays = &days
		}
		out.LogGroups = append(out.LogGroups, j)
	}
	return out, nil
}

func (l *Logs) putRetentionPolicy(c *Call) (any, error) {
	var in struct {
		LogGroupName    string `json:"logGroupName"`
		RetentionInDays int    `json:"retentionInDays"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	if !validRetention(in.RetentionInDays) {
		return nil, NewError(400, "InvalidParameterException", "1 validation error detected: Value '%d' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: %v", in.RetentionInDays, LogsRetentionDays)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	g, ok := l.groups[in.LogGroupName]
	if !ok {
		return nil, NewError(400, "ResourceNotFoundException", "The specified log group does not exist.")
	}
	g.RetentionInDays = in.RetentionInDays
	return nil, nil
}
