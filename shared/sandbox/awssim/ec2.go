package awssim

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"
)

func init() { RegisterService("ec2", newEC2Service) }

// ec2Time is the timestamp format EC2 answers with.
const ec2Time = "2006-01-02T15:04:05.000Z"

// DefaultEBSKMSKey is what GetEbsDefaultKmsKeyId answers while no
// customer-managed key has been set: the AWS managed key for EBS.
const DefaultEBSKMSKey = "alias/aws/ebs"

// EC2Instance is an EC2 instance. Seed it with at least InstanceId
// (i- and 8 or 17 hex digits); empty fields get plausible defaults
// (running, t3.micro, Linux/UNIX). Instances that share a ReservationId are
// one reservation in DescribeInstances.
type EC2Instance struct {
	InstanceId string
	// State is pending, running (default), stopping, stopped, shutting-down
	// or terminated.
	State string `json:",omitempty"`
	// InstanceType defaults to t3.micro.
	InstanceType string `json:",omitempty"`
	// PlatformDetails defaults to "Linux/UNIX" ("Windows" when Platform is windows).
	PlatformDetails string `json:",omitempty"`
	// Platform is "windows" for Windows instances and empty otherwise.
	Platform         string    `json:",omitempty"`
	ImageId          string    `json:",omitempty"`
	LaunchTime       time.Time `json:",omitzero"`
	PrivateIpAddress string    `json:",omitempty"`
	AvailabilityZone string    `json:",omitempty"`
	SubnetId         string    `json:",omitempty"`
	VpcId            string    `json:",omitempty"`
	ReservationId    string    `json:",omitempty"`
	Tags             []Tag     `json:",omitempty"`
}

// EC2Seed is state to add to the EC2 simulator (POST /_sim/seed/ec2).
// EbsEncryptionByDefault, when set, turns the region's EBS encryption by
// default on or off (AWS's default is off); EbsDefaultKmsKeyId, when set, is
// the key new volumes are encrypted with (default DefaultEBSKMSKey).
type EC2Seed struct {
	Instances              []EC2Instance `json:",omitempty"`
	EbsEncryptionByDefault *bool         `json:",omitempty"`
	EbsDefaultKmsKeyId     string        `json:",omitempty"`
}

// EC2State is the EC2 simulator's state (GET /_sim/state/ec2), instances
// sorted by id.
type EC2State struct {
	Instances              []EC2Instance
	EbsEncryptionByDefault bool
	EbsDefaultKmsKeyId     string
}

// EC2 is the EC2 simulator's state. Get it with Server.EC2.
type EC2 struct {
	srv *Server

	mu        sync.Mutex
	instances map[string]*EC2Instance
	ebsOn     bool
	ebsKey    string
}

// EC2 returns the EC2 simulator's state.
func (s *Server) EC2() *EC2 {
	svc, _ := s.Service("ec2")
	return svc.Backend.(*EC2)
}

func newEC2Service(s *Server) *Service {
	e := &EC2{srv: s, instances: map[string]*EC2Instance{}, ebsKey: DefaultEBSKMSKey}
	return &Service{
		Name:         "ec2",
		Protocol:     ProtocolEC2Query,
		XMLNamespace: "http://ec2.amazonaws.com/doc/2016-11-15/",
		Operations: map[string]Handler{
			"DescribeInstances":            e.describeInstances,
			"DescribeTags":                 e.describeTags, // ec2_tags.go
			"GetEbsEncryptionByDefault":    e.getEbsEncryptionByDefault,
			"EnableEbsEncryptionByDefault": func(c *Call) (any, error) { return e.setEbsEncryptionByDefault(c, true) },
			"DisableEbsEncryptionByDefault": func(c *Call) (any, error) {
				return e.setEbsEncryptionByDefault(c, false)
			},
			"GetEbsDefaultKmsKeyId": e.getEbsDefaultKmsKeyId,
		},
		Dump: func() any { return e.State() },
		Seed: func(data []byte) error {
			var seed EC2Seed
			if err := seedJSON(data, &seed); err != nil {
				return err
			}
			return e.Seed(seed)
		},
		Backend: e,
	}
}

// instanceIDRE is EC2's instance id format.
var instanceIDRE = regexp.MustCompile(`^i-([0-9a-f]{8}|[0-9a-f]{17})$`)

// ec2StateCodes are the instance state codes DescribeInstances reports.
var ec2StateCodes = map[string]int{
	"pending": 0, "running": 16, "shutting-down": 32, "terminated": 48, "stopping": 64, "stopped": 80,
}

// Seed adds (or replaces, by id) instances and sets EBS encryption by
// default. Nothing is stored when any instance is invalid.
func (e *EC2) Seed(seed EC2Seed) error {
	for i, in := range seed.Instances {
		if !instanceIDRE.MatchString(in.InstanceId) {
			return fmt.Errorf("instance %d: InstanceId %q is not i- followed by 8 or 17 lower-case hex digits", i, in.InstanceId)
		}
		if _, ok := ec2StateCodes[in.State]; in.State != "" && !ok {
			return fmt.Errorf("instance %s: State %q is not pending, running, stopping, stopped, shutting-down or terminated", in.InstanceId, in.State)
		}
		for _, t := range in.Tags {
			if t.Key == "" || len(t.Key) > 128 || len(t.Value) > 256 {
				return fmt.Errorf("instance %s: tag %q: keys are 1-128 characters and values at most 256", in.InstanceId, t.Key)
			}
		}
	}
	now := e.srv.Now()
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, in := range seed.Instances {
		in.Tags = append([]Tag(nil), in.Tags...)
		e.fill(&in, now)
		e.instances[in.InstanceId] = &in
	}
	if seed.EbsEncryptionByDefault != nil {
		e.ebsOn = *seed.EbsEncryptionByDefault
	}
	if seed.EbsDefaultKmsKeyId != "" {
		e.ebsKey = seed.EbsDefaultKmsKeyId
	}
	return nil
}

func (e *EC2) fill(in *EC2Instance, now time.Time) {
	if in.State == "" {
		in.State = "running"
	}
	if in.InstanceType == "" {
		in.InstanceType = "t3.micro"
	}
	if in.PlatformDetails == "" {
		in.PlatformDetails = "Linux/UNIX"
		if strings.EqualFold(in.Platform, "windows") {
			in.PlatformDetails = "Windows"
		}
	}
	if in.ImageId == "" {
		in.ImageId = "ami-" + hexID("ami:"+in.InstanceId, 17)
	}
	if in.LaunchTime.IsZero() {
		in.LaunchTime = now.Add(-30 * 24 * time.Hour).UTC().Truncate(time.Second)
	}
	if in.AvailabilityZone == "" {
		in.AvailabilityZone = e.srv.opts.Region + "a"
	}
	if in.PrivateIpAddress == "" {
		h := hash8("ip:" + in.InstanceId)
		in.PrivateIpAddress = fmt.Sprintf("10.0.%d.%d", h[0]%64, 4+h[1]%250)
	}
	if in.VpcId == "" {
		in.VpcId = "vpc-0a1b2c3d4e5f60718"
	}
	if in.SubnetId == "" {
		in.SubnetId = "subnet-0a1b2c3d4e5f60718"
	}
	if in.ReservationId == "" {
		in.ReservationId = "r-" + hexID("r:"+in.InstanceId, 17)
	}
}

// State returns a copy of the EC2 state.
func (e *EC2) State() EC2State {
	e.mu.Lock()
	defer e.mu.Unlock()
	st := EC2State{EbsEncryptionByDefault: e.ebsOn, EbsDefaultKmsKeyId: e.ebsKey}
	for _, in := range sortedValues(e.instances) {
		c := *in
		c.Tags = append([]Tag(nil), in.Tags...)
		st.Instances = append(st.Instances, c)
	}
	return st
}

// SetInstanceState changes an instance's state ("stopped", "terminated"...).
func (e *EC2) SetInstanceState(id, state string) error {
	if _, ok := ec2StateCodes[state]; !ok {
		return fmt.Errorf("set state: %q is not an EC2 instance state", state)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	in, ok := e.instances[id]
	if !ok {
		return fmt.Errorf("set state: instance %s not found", id)
	}
	in.State = state
	return nil
}

// ---- XML shapes (element names from the SDK's ec2query deserializers) ----

type xmlEC2Tag struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

type xmlInstanceState struct {
	Code int    `xml:"code"`
	Name string `xml:"name"`
}

type xmlPlacement struct {
	AvailabilityZone string `xml:"availabilityZone"`
	Tenancy          string `xml:"tenancy"`
}

type xmlEC2Instance struct {
	InstanceId       string           `xml:"instanceId"`
	ImageId          string           `xml:"imageId"`
	InstanceState    xmlInstanceState `xml:"instanceState"`
	InstanceType     string           `xml:"instanceType"`
	LaunchTime       string           `xml:"launchTime"`
	Placement        xmlPlacement     `xml:"placement"`
	Platform         string           `xml:"platform,omitempty"`
	PlatformDetails  string           `xml:"platformDetails"`
	PrivateIpAddress string           `xml:"privateIpAddress"`
	SubnetId         string           `xml:"subnetId"`
	VpcId            string           `xml:"vpcId"`
	Architecture     string           `xml:"architecture"`
	RootDeviceType   string           `xml:"rootDeviceType"`
	TagSet           []xmlEC2Tag      `xml:"tagSet>item"`
}

type xmlReservation struct {
	ReservationId string           `xml:"reservationId"`
	OwnerId       string           `xml:"ownerId"`
	InstancesSet  []xmlEC2Instance `xml:"instancesSet>item"`
}

func xmlInstance(in *EC2Instance) xmlEC2Instance {
	x := xmlEC2Instance{
		InstanceId: in.InstanceId, ImageId: in.ImageId,
		InstanceState: xmlInstanceState{Code: ec2StateCodes[in.State], Name: in.State},
		InstanceType:  in.InstanceType, LaunchTime: in.LaunchTime.UTC().Format(ec2Time),
		Placement: xmlPlacement{AvailabilityZone: in.AvailabilityZone, Tenancy: "default"},
		Platform:  strings.ToLower(in.Platform), PlatformDetails: in.PlatformDetails,
		PrivateIpAddress: in.PrivateIpAddress, SubnetId: in.SubnetId, VpcId: in.VpcId,
		Architecture: "x86_64", RootDeviceType: "ebs",
	}
	for _, t := range in.Tags {
		x.TagSet = append(x.TagSet, xmlEC2Tag(t))
	}
	return x
}

// ---- operations ----

// ec2Filter is one Filter.N of an ec2query request.
type ec2Filter struct {
	name   string
	values []string
}

// instanceFilters are the DescribeInstances filters the simulator
// evaluates; tag:<key> filters are accepted for any key.
var instanceFilters = []string{"instance-state-name", "instance-state-code", "instance-id", "instance-type", "tag-key", "tag-value", "platform-details", "availability-zone", "vpc-id", "subnet-id", "reservation-id"}

func ec2Filters(c *Call) ([]ec2Filter, error) {
	var out []ec2Filter
	for _, f := range QueryStructs(c.Form, "Filter") {
		name := f.Get("Name")
		if name == "" {
			return nil, NewError(400, "InvalidParameterValue", "The filter 'null' is invalid")
		}
		known := strings.HasPrefix(name, "tag:") && len(name) > 4
		for _, k := range instanceFilters {
			known = known || k == name
		}
		if !known {
			return nil, NewError(400, "InvalidParameterValue", "The filter '%s' is invalid", name)
		}
		vals := QueryList(f, "Value")
		if len(vals) == 0 {
			return nil, NewError(400, "InvalidParameterValue", "The filter '%s' needs at least one value", name)
		}
		out = append(out, ec2Filter{name: name, values: vals})
	}
	return out, nil
}

// matchInstance reports whether an instance passes every filter (filters
// are ANDed, the values of one filter ORed).
func matchInstance(in *EC2Instance, filters []ec2Filter) bool {
	for _, f := range filters {
		var have []string
		switch {
		case f.name == "instance-state-name":
			have = []string{in.State}
		case f.name == "instance-state-code":
			have = []string{fmt.Sprint(ec2StateCodes[in.State])}
		case f.name == "instance-id":
			have = []string{in.InstanceId}
		case f.name == "instance-type":
			have = []string{in.InstanceType}
		case f.name == "platform-details":
			have = []string{in.PlatformDetails}
		case f.name == "availability-zone":
			have = []string{in.AvailabilityZone}
		case f.name == "vpc-id":
			have = []string{in.VpcId}
		case f.name == "subnet-id":
			have = []string{in.SubnetId}
		case f.name == "reservation-id":
			have = []string{in.ReservationId}
		case f.name == "tag-key":
			for _, t := range in.Tags {
				have = append(have, t.Key)
			}
		case f.name == "tag-value":
			for _, t := range in.Tags {
				have = append(have, t.Value)
			}
		case strings.HasPrefix(f.name, "tag:"):
			key := strings.TrimPrefix(f.name, "tag:")
			for _, t := range in.Tags {
				if t.Key == key {
					have = append(have, t.Value)
				}
			}
		}
		ok := false
		for _, h := range have {
			for _, v := range f.values {
				ok = ok || globMatch(v, h)
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func (e *EC2) describeInstances(c *Call) (any, error) {
	filters, err := ec2Filters(c)
	if err != nil {
		return nil, err
	}
	ids := QueryList(c.Form, "InstanceId")
	max, hasMax, err := c.IntParam("MaxResults")
	if err != nil {
		return nil, err
	}
	if hasMax && len(ids) > 0 {
		return nil, NewError(400, "InvalidParameterCombination", "The parameter instancesSet cannot be used with the parameter maxResults")
	}
	if hasMax && (max < 5 || max > 1000) {
		return nil, NewError(400, "InvalidParameterValue", "Value ( %d ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.", max)
	}
	if !hasMax {
		max = 1 << 30
	}
	after := ""
	if tok := c.Param("NextToken"); tok != "" {
		k, ok := decodeToken("ec2:DescribeInstances", tok)
		if !ok {
			return nil, NewError(400, "InvalidPaginationToken", "The specified pagination token is not valid or is expired.")
		}
		after = k
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	want := map[string]bool{}
	for _, id := range ids {
		if !instanceIDRE.MatchString(id) {
			return nil, NewError(400, "InvalidInstanceID.Malformed", "Invalid id: \"%s\"", id)
		}
		if _, ok := e.instances[id]; !ok {
			return nil, NewError(400, "InvalidInstanceID.NotFound", "The instance ID '%s' does not exist", id)
		}
		want[id] = true
	}
	var items []*EC2Instance
	for _, in := range e.instances {
		if (len(ids) == 0 || want[in.InstanceId]) && matchInstance(in, filters) {
			items = append(items, in)
		}
	}
	key := func(in *EC2Instance) string { return in.ReservationId + "\x00" + in.InstanceId }
	page, last := keyPage(items, key, after, max)
	out := struct {
		Reservations []xmlReservation `xml:"reservationSet>item"`
		NextToken    string           `xml:"nextToken,omitempty"`
	}{}
	if last != "" {
		out.NextToken = encodeToken("ec2:DescribeInstances", last)
	}
	for _, in := range page {
		n := len(out.Reservations)
		if n == 0 || out.Reservations[n-1].ReservationId != in.ReservationId {
			out.Reservations = append(out.Reservations, xmlReservation{ReservationId: in.ReservationId, OwnerId: c.Account()})
			n++
		}
		out.Reservations[n-1].InstancesSet = append(out.Reservations[n-1].InstancesSet, xmlInstance(in))
	}
	return out, nil
}

func (e *EC2) getEbsEncryptionByDefault(c *Call) (any, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return struct {
		EbsEncryptionByDefault bool   `xml:"ebsEncryptionByDefault"`
		SseType                string `xml:"sseType"`
	}{e.ebsOn, "sse-ebs"}, nil
}

func (e *EC2) setEbsEncryptionByDefault(c *Call, on bool) (any, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.ebsOn = on
	return struct {
		EbsEncryptionByDefault bool `xml:"ebsEncryptionByDefault"`
	}{on}, nil
}

func (e *EC2) getEbsDefaultKmsKeyId(c *Call) (any, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return struct {
		KmsKeyId string `xml:"kmsKeyId"`
	}{e.ebsKey}, nil
}

// hexID returns n lower-case hex digits derived from seed, for stable
// AWS-looking identifiers (ami-..., r-..., detector ids).
func hexID(seed string, n int) string {
	sum := sha256.Sum256([]byte(seed))
	return hex.EncodeToString(sum[:])[:n]
}
