package awssim

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

func init() { RegisterService("elasticloadbalancing", newELBService) }

// ELBDefaultSSLPolicy is the policy an HTTPS or TLS listener gets when it
// names none (what CreateListener uses outside the console).
const ELBDefaultSSLPolicy = "ELBSecurityPolicy-2016-08"

// ELBSSLPolicy is a predefined security policy: the TLS protocol versions
// and ciphers (in priority order) a listener using it offers.
type ELBSSLPolicy struct {
	Name         string
	SslProtocols []string
	Ciphers      []string
}

// elbCiphers is the cipher order of ELB's pre-TLS 1.3 policies, from the
// security policy tables of the Application and Network Load Balancer user
// guides.
var elbCiphers = []string{
	"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES128-SHA256", "ECDHE-RSA-AES128-SHA256",
	"ECDHE-ECDSA-AES128-SHA", "ECDHE-RSA-AES128-SHA", "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
	"ECDHE-ECDSA-AES256-SHA384", "ECDHE-RSA-AES256-SHA384", "ECDHE-RSA-AES256-SHA", "ECDHE-ECDSA-AES256-SHA",
	"AES128-GCM-SHA256", "AES128-SHA256", "AES128-SHA", "AES256-GCM-SHA384", "AES256-SHA256", "AES256-SHA", "DES-CBC3-SHA",
}

var tls13Ciphers = []string{"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"}

// ciphers returns elbCiphers without DES-CBC3-SHA (unless des) and without
// those drop rejects.
func ciphers(des bool, drop func(string) bool) []string {
	var out []string
	for _, c := range elbCiphers {
		if (c != "DES-CBC3-SHA" || des) && (drop == nil || !drop(c)) {
			out = append(out, c)
		}
	}
	return out
}

func sha1Cipher(c string) bool   { return strings.HasSuffix(c, "-SHA") }
func nonECDHE(c string) bool     { return !strings.HasPrefix(c, "ECDHE-") }
func fsRestricted(c string) bool { return nonECDHE(c) || sha1Cipher(c) }

// ELBPredefinedPolicies are the security policies DescribeSSLPolicies
// knows. Protocols and ciphers of the policies from before TLS 1.3 follow
// the Elastic Load Balancing user guides' tables; the TLS 1.3 policies offer
// TLSv1.3 plus the versions their names give, with the three TLS 1.3 suites
// ahead of the TLS 1.2 ciphers they keep.
var ELBPredefinedPolicies = []ELBSSLPolicy{
	{"ELBSecurityPolicy-2016-08", []string{"TLSv1", "TLSv1.1", "TLSv1.2"}, ciphers(false, nil)},
	{"ELBSecurityPolicy-2015-05", []string{"TLSv1", "TLSv1.1", "TLSv1.2"}, ciphers(false, nil)},
	{"ELBSecurityPolicy-TLS-1-0-2015-04", []string{"TLSv1", "TLSv1.1", "TLSv1.2"}, ciphers(true, nil)},
	{"ELBSecurityPolicy-TLS-1-1-2017-01", []string{"TLSv1.1", "TLSv1.2"}, ciphers(false, nil)},
	{"ELBSecurityPolicy-TLS-1-2-2017-01", []string{"TLSv1.2"}, ciphers(false, sha1Cipher)},
	{"ELBSecurityPolicy-TLS-1-2-Ext-2018-06", []string{"TLSv1.2"}, ciphers(false, nil)},
	{"ELBSecurityPolicy-FS-2018-06", []string{"TLSv1", "TLSv1.1", "TLSv1.2"}, ciphers(false, nonECDHE)},
	{"ELBSecurityPolicy-FS-1-1-2019-08", []string{"TLSv1.1", "TLSv1.2"}, ciphers(false, nonECDHE)},
	{"ELBSecurityPolicy-FS-1-2-2019-08", []string{"TLSv1.2"}, ciphers(false, nonECDHE)},
	{"ELBSecurityPolicy-FS-1-2-Res-2019-08", []string{"TLSv1.2"}, ciphers(false, fsRestricted)},
	{"ELBSecurityPolicy-TLS13-1-0-2021-06", []string{"TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"}, append(slices.Clone(tls13Ciphers), ciphers(false, nil)...)},
	{"ELBSecurityPolicy-TLS13-1-2-2021-06", []string{"TLSv1.2", "TLSv1.3"}, append(slices.Clone(tls13Ciphers), ciphers(false, sha1Cipher)...)},
	{"ELBSecurityPolicy-TLS13-1-2-Res-2021-06", []string{"TLSv1.2", "TLSv1.3"}, append(slices.Clone(tls13Ciphers),
		"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384")},
	{"ELBSecurityPolicy-TLS13-1-3-2021-06", []string{"TLSv1.3"}, slices.Clone(tls13Ciphers)},
}

// ELBListener is a listener of a load balancer. SslPolicy applies to HTTPS
// and TLS listeners only (ELBDefaultSSLPolicy when empty).
type ELBListener struct {
	Port           int32
	Protocol       string // HTTP, HTTPS (application); TCP, TLS, UDP, TCP_UDP (network); GENEVE (gateway)
	SslPolicy      string `json:",omitempty"`
	CertificateArn string `json:",omitempty"`
	ListenerArn    string `json:",omitempty"` // output
}

// ELBLoadBalancer is an Elastic Load Balancing v2 load balancer with its
// listeners. Type is application (default), network or gateway.
type ELBLoadBalancer struct {
	LoadBalancerName string
	Type             string        `json:",omitempty"`
	Scheme           string        `json:",omitempty"` // internet-facing (default) or internal
	State            string        `json:",omitempty"` // active (default), provisioning, failed
	VpcId            string        `json:",omitempty"`
	CreatedTime      time.Time     `json:",omitzero"`
	LoadBalancerArn  string        `json:",omitempty"` // output
	DNSName          string        `json:",omitempty"` // output
	Listeners        []ELBListener `json:",omitempty"`
}

// ELBSeed is state to add to the ELBv2 simulator
// (POST /_sim/seed/elasticloadbalancing); load balancers replace load
// balancers of the same name, listeners included.
type ELBSeed struct {
	LoadBalancers []ELBLoadBalancer
}

// ELBState is the ELBv2 simulator's state (GET /_sim/state/elasticloadbalancing).
type ELBState struct {
	LoadBalancers []ELBLoadBalancer
}

// ELB is the ELBv2 simulator's state. Get it with Server.ELB.
type ELB struct {
	srv *Server
	mu  sync.Mutex
	lbs map[string]*ELBLoadBalancer // by name
}

// ELB returns the Elastic Load Balancing v2 simulator's state.
func (s *Server) ELB() *ELB {
	svc, _ := s.Service("elasticloadbalancing")
	return svc.Backend.(*ELB)
}

func newELBService(s *Server) *Service {
	e := &ELB{srv: s, lbs: map[string]*ELBLoadBalancer{}}
	return &Service{
		Name:         "elasticloadbalancing",
		Protocol:     ProtocolQuery,
		XMLNamespace: "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/",
		Operations: map[string]Handler{
			"DescribeLoadBalancers": e.describeLoadBalancers,
			"DescribeListeners":     e.describeListeners,
			"DescribeSSLPolicies":   e.describeSSLPolicies,
		},
		Dump: func() any { return e.State() },
		Seed: func(data []byte) error {
			var seed ELBSeed
			if err := seedJSON(data, &seed); err != nil {
				return err
			}
			return e.Seed(seed)
		},
		Backend: e,
	}
}

func findPolicy(name string) (ELBSSLPolicy, bool) {
	for _, p := range ELBPredefinedPolicies {
		if p.Name == name {
			return p, true
		}
	}
	return ELBSSLPolicy{}, false
}

var lbNameRE = regexp.MustCompile(`^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,30}[a-zA-Z0-9])?$`)

var lbProtocols = map[string][]string{
	"application": {"HTTP", "HTTPS"},
	"network":     {"TCP", "TLS", "UDP", "TCP_UDP"},
	"gateway":     {"GENEVE"},
}

// Seed adds (or replaces) load balancers. Nothing is stored when any is
// invalid.
func (e *ELB) Seed(seed ELBSeed) error {
	for i, lb := range seed.LoadBalancers {
		if !lbNameRE.MatchString(lb.LoadBalancerName) || strings.HasPrefix(lb.LoadBalancerName, "internal-") {
			return fmt.Errorf("load balancer %d: LoadBalancerName %q is not 1-32 letters, digits and inner hyphens", i, lb.LoadBalancerName)
		}
		typ := lb.Type
		if typ == "" {
			typ = "application"
		}
		protocols, ok := lbProtocols[typ]
		if !ok {
			return fmt.Errorf("load balancer %s: Type %q is not application, network or gateway", lb.LoadBalancerName, lb.Type)
		}
		ports := map[int32]bool{}
		for _, l := range lb.Listeners {
			if !slices.Contains(protocols, l.Protocol) {
				return fmt.Errorf("load balancer %s: listener protocol %q is not one a %s load balancer takes (%s)", lb.LoadBalancerName, l.Protocol, typ, strings.Join(protocols, ", "))
			}
			if l.Port < 1 || l.Port > 65535 {
				return fmt.Errorf("load balancer %s: listener port %d is not 1-65535", lb.LoadBalancerName, l.Port)
			}
			if ports[l.Port] {
				return fmt.Errorf("load balancer %s: two listeners on port %d", lb.LoadBalancerName, l.Port)
			}
			ports[l.Port] = true
			secure := l.Protocol == "HTTPS" || l.Protocol == "TLS"
			if !secure && l.SslPolicy != "" {
				return fmt.Errorf("load balancer %s: a %s listener takes no SslPolicy", lb.LoadBalancerName, l.Protocol)
			}
			if _, ok := findPolicy(l.SslPolicy); secure && l.SslPolicy != "" && !ok {
				return fmt.Errorf("load balancer %s: SslPolicy %q is not a predefined policy the simulator knows", lb.LoadBalancerName, l.SslPolicy)
			}
		}
	}
	now := e.srv.Now()
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, lb := range seed.LoadBalancers {
		if lb.Type == "" {
			lb.Type = "application"
		}
		if lb.Scheme == "" {
			lb.Scheme = "internet-facing"
		}
		if lb.State == "" {
			lb.State = "active"
		}
		if lb.VpcId == "" {
			lb.VpcId = "vpc-0a1b2c3d4e5f60718"
		}
		if lb.CreatedTime.IsZero() {
			lb.CreatedTime = now.Add(-60 * 24 * time.Hour).UTC().Truncate(time.Millisecond)
		}
		kind := map[string]string{"application": "app", "network": "net", "gateway": "gwy"}[lb.Type]
		lbID := hexID("lb:"+lb.LoadBalancerName, 16)
		lb.LoadBalancerArn = fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:loadbalancer/%s/%s/%s", e.srv.opts.Region, e.srv.opts.AccountID, kind, lb.LoadBalancerName, lbID)
		lb.DNSName = fmt.Sprintf("%s-%s.%s.elb.amazonaws.com", lb.LoadBalancerName, hexID("dns:"+lb.LoadBalancerName, 10), e.srv.opts.Region)
		if lb.Scheme == "internal" {
			lb.DNSName = "internal-" + lb.DNSName
		}
		ls := make([]ELBListener, len(lb.Listeners))
		for i, l := range lb.Listeners {
			if (l.Protocol == "HTTPS" || l.Protocol == "TLS") && l.SslPolicy == "" {
				l.SslPolicy = ELBDefaultSSLPolicy
			}
			if (l.Protocol == "HTTPS" || l.Protocol == "TLS") && l.CertificateArn == "" {
				l.CertificateArn = fmt.Sprintf("arn:aws:acm:%s:%s:certificate/%s", e.srv.opts.Region, e.srv.opts.AccountID, newRequestID())
			}
			l.ListenerArn = fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:listener/%s/%s/%s/%s", e.srv.opts.Region, e.srv.opts.AccountID, kind, lb.LoadBalancerName, lbID, hexID(fmt.Sprintf("listener:%s:%d", lb.LoadBalancerName, l.Port), 16))
			ls[i] = l
		}
		lb.Listeners = ls
		e.lbs[lb.LoadBalancerName] = &lb
	}
	return nil
}

// State returns a copy of the load balancers, sorted by name.
func (e *ELB) State() ELBState {
	e.mu.Lock()
	defer e.mu.Unlock()
	var st ELBState
	for _, lb := range sortedValues(e.lbs) {
		c := *lb
		c.Listeners = append([]ELBListener(nil), lb.Listeners...)
		st.LoadBalancers = append(st.LoadBalancers, c)
	}
	return st
}

// elbPage applies PageSize (1-400, default 400) and an opaque Marker.
func elbPage[T any](c *Call, scope string, items []T, key func(T) string) ([]T, string, error) {
	size, present, err := c.IntParam("PageSize")
	if err != nil {
		return nil, "", err
	}
	if !present {
		size = 400
	} else if size < 1 || size > 400 {
		return nil, "", NewError(400, "ValidationError", "1 validation error detected: Value '%d' at 'pageSize' failed to satisfy constraint: Member must have value between 1 and 400", size)
	}
	after := ""
	if m := c.Param("Marker"); m != "" {
		k, ok := decodeToken(scope, m)
		if !ok {
			return nil, "", NewError(400, "ValidationError", "Invalid Marker: %s", m)
		}
		after = k
	}
	page, last := keyPage(items, key, after, size)
	next := ""
	if last != "" {
		next = encodeToken(scope, last)
	}
	return page, next, nil
}

type xmlAZ struct {
	ZoneName string `xml:"ZoneName"`
	SubnetId string `xml:"SubnetId"`
}

type xmlLoadBalancer struct {
	LoadBalancerArn       string   `xml:"LoadBalancerArn"`
	DNSName               string   `xml:"DNSName"`
	CanonicalHostedZoneId string   `xml:"CanonicalHostedZoneId"`
	CreatedTime           string   `xml:"CreatedTime"`
	LoadBalancerName      string   `xml:"LoadBalancerName"`
	Scheme                string   `xml:"Scheme"`
	VpcId                 string   `xml:"VpcId"`
	State                 string   `xml:"State>Code"`
	Type                  string   `xml:"Type"`
	AvailabilityZones     []xmlAZ  `xml:"AvailabilityZones>member"`
	SecurityGroups        []string `xml:"SecurityGroups>member,omitempty"`
	IpAddressType         string   `xml:"IpAddressType"`
}

func (e *ELB) describeLoadBalancers(c *Call) (any, error) {
	arns := QueryList(c.Form, "LoadBalancerArns.member")
	names := QueryList(c.Form, "Names.member")
	if len(arns) > 0 && len(names) > 0 {
		return nil, NewError(400, "ValidationError", "Load balancer names and load balancer ARNs cannot be specified at the same time")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	var items []*ELBLoadBalancer
	switch {
	case len(names) > 0:
		for _, n := range names {
			lb, ok := e.lbs[n]
			if !ok {
				return nil, NewError(400, "LoadBalancerNotFound", "Load balancers '[%s]' not found", n)
			}
			items = append(items, lb)
		}
	case len(arns) > 0:
		for _, a := range arns {
			lb := e.byARN(a)
			if lb == nil {
				return nil, NewError(400, "LoadBalancerNotFound", "Load balancers '[%s]' not found", a)
			}
			items = append(items, lb)
		}
	default:
		for _, lb := range e.lbs {
			items = append(items, lb)
		}
	}
	page, next, err := elbPage(c, "elb:DescribeLoadBalancers", items, func(lb *ELBLoadBalancer) string { return lb.LoadBalancerName })
	if err != nil {
		return nil, err
	}
	out := struct {
		LoadBalancers []xmlLoadBalancer `xml:"LoadBalancers>member"`
		NextMarker    string            `xml:"NextMarker,omitempty"`
	}{NextMarker: next, LoadBalancers: []xmlLoadBalancer{}}
	for _, lb := range page {
		x := xmlLoadBalancer{
			LoadBalancerArn: lb.LoadBalancerArn, DNSName: lb.DNSName, CanonicalHostedZoneId: "Z14GRHDCWA56QT",
			CreatedTime: lb.CreatedTime.UTC().Format("2006-01-02T15:04:05.000Z"), LoadBalancerName: lb.LoadBalancerName,
			Scheme: lb.Scheme, VpcId: lb.VpcId, State: lb.State, Type: lb.Type, IpAddressType: "ipv4",
			AvailabilityZones: []xmlAZ{
				{ZoneName: e.srv.opts.Region + "a", SubnetId: "subnet-0a1b2c3d4e5f60718"},
				{ZoneName: e.srv.opts.Region + "c", SubnetId: "subnet-0a1b2c3d4e5f60719"},
			},
		}
		if lb.Type == "application" {
			x.SecurityGroups = []string{"sg-0" + hexID("sg:"+lb.LoadBalancerName, 16)}
		}
		out.LoadBalancers = append(out.LoadBalancers, x)
	}
	return out, nil
}

// byARN finds a load balancer by ARN. The caller holds e.mu.
func (e *ELB) byARN(arn string) *ELBLoadBalancer {
	for _, lb := range e.lbs {
		if lb.LoadBalancerArn == arn {
			return lb
		}
	}
	return nil
}

type xmlListener struct {
	ListenerArn     string `xml:"ListenerArn"`
	LoadBalancerArn string `xml:"LoadBalancerArn"`
	Port            int32  `xml:"Port"`
	Protocol        string `xml:"Protocol"`
	Certificates    []struct {
		CertificateArn string `xml:"CertificateArn"`
	} `xml:"Certificates>member,omitempty"`
	SslPolicy      string `xml:"SslPolicy,omitempty"`
	DefaultActions []struct {
		Type           string `xml:"Type"`
		TargetGroupArn string `xml:"TargetGroupArn"`
	} `xml:"DefaultActions>member"`
}

func (e *ELB) describeListeners(c *Call) (any, error) {
	lbARN := c.Param("LoadBalancerArn")
	listenerARNs := QueryList(c.Form, "ListenerArns.member")
	if lbARN == "" && len(listenerARNs) == 0 {
		return nil, NewError(400, "ValidationError", "You must specify either listener ARNs or a load balancer ARN")
	}
	if lbARN != "" && len(listenerARNs) > 0 {
		return nil, NewError(400, "ValidationError", "Listener ARNs and a load balancer ARN cannot be specified at the same time")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	type item struct {
		lb *ELBLoadBalancer
		l  ELBListener
	}
	var items []item
	if lbARN != "" {
		lb := e.byARN(lbARN)
		if lb == nil {
			return nil, NewError(400, "LoadBalancerNotFound", "Load balancer '%s' not found", lbARN)
		}
		for _, l := range lb.Listeners {
			items = append(items, item{lb, l})
		}
	} else {
		for _, a := range listenerARNs {
			found := false
			for _, lb := range e.lbs {
				for _, l := range lb.Listeners {
					if l.ListenerArn == a {
						items = append(items, item{lb, l})
						found = true
					}
				}
			}
			if !found {
				return nil, NewError(400, "ListenerNotFound", "One or more listeners not found")
			}
		}
	}
	page, next, err := elbPage(c, "elb:DescribeListeners", items, func(i item) string { return i.l.ListenerArn })
	if err != nil {
		return nil, err
	}
	out := struct {
		Listeners  []xmlListener `xml:"Listeners>member"`
		NextMarker string        `xml:"NextMarker,omitempty"`
	}{NextMarker: next, Listeners: []xmlListener{}}
	for _, it := range page {
		x := xmlListener{ListenerArn: it.l.ListenerArn, LoadBalancerArn: it.lb.LoadBalancerArn, Port: it.l.Port, Protocol: it.l.Protocol, SslPolicy: it.l.SslPolicy}
		if it.l.CertificateArn != "" {
			x.Certificates = append(x.Certificates, struct {
				CertificateArn string `xml:"CertificateArn"`
			}{it.l.CertificateArn})
		}
		x.DefaultActions = append(x.DefaultActions, struct {
			Type           string `xml:"Type"`
			TargetGroupArn string `xml:"TargetGroupArn"`
		}{"forward", strings.Replace(strings.Replace(it.lb.LoadBalancerArn, ":loadbalancer/", ":targetgroup/", 1), "/app/", "/", 1)})
		out.Listeners = append(out.Listeners, x)
	}
	return out, nil
}

type xmlCipher struct {
	Name     string `xml:"Name"`
	Priority int    `xml:"Priority"`
}

type xmlSSLPolicy struct {
	Name                       string      `xml:"Name"`
	SslProtocols               []string    `xml:"SslProtocols>member"`
	Ciphers                    []xmlCipher `xml:"Ciphers>member"`
	SupportedLoadBalancerTypes []string    `xml:"SupportedLoadBalancerTypes>member"`
}

func (e *ELB) describeSSLPolicies(c *Call) (any, error) {
	names := QueryList(c.Form, "Names.member")
	switch t := c.Param("LoadBalancerType"); t {
	case "", "application", "network":
	default:
		return nil, NewError(400, "ValidationError", "1 validation error detected: Value '%s' at 'loadBalancerType' failed to satisfy constraint: Member must satisfy enum value set: [application, network, gateway]", t)
	}
	var items []ELBSSLPolicy
	if len(names) > 0 {
		for _, n := range names {
			p, ok := findPolicy(n)
			if !ok {
				return nil, NewError(400, "SSLPolicyNotFound", "One or more SSL policies not found")
			}
			if !slices.ContainsFunc(items, func(q ELBSSLPolicy) bool { return q.Name == n }) {
				items = append(items, p)
			}
		}
	} else {
		items = slices.Clone(ELBPredefinedPolicies)
	}
	page, next, err := elbPage(c, "elb:DescribeSSLPolicies", items, func(p ELBSSLPolicy) string { return p.Name })
	if err != nil {
		return nil, err
	}
	out := struct {
		SslPolicies []xmlSSLPolicy `xml:"SslPolicies>member"`
		NextMarker  string         `xml:"NextMarker,omitempty"`
	}{NextMarker: next, SslPolicies: []xmlSSLPolicy{}}
	for _, p := range page {
		x := xmlSSLPolicy{Name: p.Name, SslProtocols: p.SslProtocols, SupportedLoadBalancerTypes: []string{"application", "network"}}
		for i, ci := range p.Ciphers {
			x.Ciphers = append(x.Ciphers, xmlCipher{Name: ci, Priority: i + 1})
		}
		out.SslPolicies = append(out.SslPolicies, x)
	}
	return out, nil
}
