package awssim

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultAccountID is the account the simulator answers for unless
// Options.AccountID says otherwise.
const DefaultAccountID = "000000000000"

// DefaultRegion is the region used in ARNs when a request's credential scope
// names none.
const DefaultRegion = "ap-northeast-1"

// maxBody bounds a request body; AWS's largest bodies for the simulated calls
// (SQS batches, KMS messages) are far smaller.
const maxBody = 8 << 20

// Options configures a Server. The zero value is usable.
type Options struct {
	// AccountID is the account in ARNs and GetCallerIdentity (default 000000000000).
	AccountID string
	// Region is used in ARNs when a request's credential scope names no region
	// (default ap-northeast-1). Requests otherwise use their own scope's region.
	Region string
	// Now is the server clock (default time.Now). Snapshot creation times,
	// message timestamps and state transitions all read it.
	Now func() time.Time
	// SnapshotCreateDelay is how long a new RDS snapshot stays "creating"
	// on the server clock. Zero makes it "available" at the next Describe.
	SnapshotCreateDelay time.Duration
	// MaxLongPoll caps how long an SQS ReceiveMessage waits for a message,
	// whatever WaitTimeSeconds asks for (default 2s), so tests stay fast.
	MaxLongPoll time.Duration
	// Logger receives one debug line per request (default: discard).
	Logger *slog.Logger
}

// Server is the simulator: one http.Handler for every registered service.
// Create it with New; it is safe for concurrent use.
type Server struct {
	opts     Options
	log      *slog.Logger
	services map[string]*Service
	control  *http.ServeMux

	mu       sync.Mutex
	counts   map[string]int
	faults   []*activeFault
	clockSet bool
	clockAt  time.Time // server time when the clock was set
	clockRef time.Time // wall time when the clock was set
}

// New returns a Server with every registered service and empty state.
func New(opts Options) *Server {
	if opts.AccountID == "" {
		opts.AccountID = DefaultAccountID
	}
	if opts.Region == "" {
		opts.Region = DefaultRegion
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxLongPoll == 0 {
		opts.MaxLongPoll = 2 * time.Second
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Server{opts: opts, log: log, services: map[string]*Service{}, counts: map[string]int{}}
	registryMu.Lock()
	names := make([]string, 0, len(registry))
	for name := range registry {
		names = append(names, name)
	}
	sort.Strings(names)
	factories := make([]func(*Server) *Service, 0, len(names))
	for _, name := range names {
		factories = append(factories, registry[name])
	}
	registryMu.Unlock()
	for _, f := range factories {
		s.Register(f(s))
	}
	s.control = s.controlMux()
	return s
}

// Options returns the options the server runs with, defaults filled in.
func (s *Server) Options() Options { return s.opts }

// Now returns the server clock: Options.Now, or the time set through
// SetClock advancing in real time.
func (s *Server) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.clockSet {
		return s.clockAt.Add(time.Since(s.clockRef))
	}
	return s.opts.Now()
}

// SetClock makes the server clock read t now and advance in real time from
// there; the zero time returns it to Options.Now.
func (s *Server) SetClock(t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clockSet = !t.IsZero()
	s.clockAt, s.clockRef = t, time.Now()
}

// Listen serves the simulator on addr ("" means 127.0.0.1 on a free port)
// and returns its base URL (for AWS_ENDPOINT_URL_<SERVICE>) and a function
// that stops it, waiting for in-flight requests for up to five seconds.
func (s *Server) Listen(addr string) (baseURL string, stop func(), err error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	hs := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("awssim serve", "error", err.Error())
		}
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := hs.Shutdown(ctx); err != nil {
				hs.Close()
			}
			<-done
		})
	}
	return "http://" + ln.Addr().String(), stop, nil
}

// Protocol is an AWS wire protocol.
type Protocol string

// The wire protocols a Service can speak.
const (
	ProtocolQuery    Protocol = "awsquery"   // RDS, STS, SNS, ELBv2
	ProtocolEC2Query Protocol = "ec2query"   // EC2
	ProtocolJSON10   Protocol = "awsJson1_0" // SQS
	ProtocolJSON11   Protocol = "awsJson1_1" // KMS, SSM, CloudTrail, Logs
	ProtocolRESTJSON Protocol = "restJson1"  // GuardDuty
)

// Handler runs one operation. It returns the operation's result, which the
// server encodes for the service's protocol (XML-marshalled inside
// <OperationResult> for awsquery, the response's children for ec2query,
// JSON-marshalled otherwise; nil means an empty result), or an error,
// normally an *APIError. Any other error becomes an InternalFailure.
type Handler func(c *Call) (any, error)

// Route is one restJson1 operation.
type Route struct {
	// Operation is the operation's name, used in counts and faults.
	Operation string
	// Handler runs it. Path parameters are in c.Request.PathValue.
	Handler Handler
}

// RESTResult lets a restJson1 handler choose its HTTP status.
type RESTResult struct {
	Status int
	Body   any
}

// Service describes one simulated AWS service.
type Service struct {
	// Name is the SigV4 signing name in the credential scope ("rds", "sqs",
	// "elasticloadbalancing").
	Name string
	// Protocol is the wire protocol the SDK client speaks.
	Protocol Protocol
	// XMLNamespace is the xmlns of awsquery and ec2query responses.
	XMLNamespace string
	// TargetPrefix is the X-Amz-Target prefix of awsJson services
	// ("AmazonSQS", "TrentService").
	TargetPrefix string
	// QueryCompatible services (SQS) also send x-amzn-query-error for errors
	// that carry a QueryCode.
	QueryCompatible bool
	// Operations maps an awsquery Action or awsJson target operation to its handler.
	Operations map[string]Handler
	// Routes maps a restJson1 pattern in net/http.ServeMux syntax
	// ("GET /detector/{detectorId}") to its operation.
	Routes map[string]Route
	// Dump returns a JSON-encodable copy of the service's state, for
	// GET /_sim/state/<name>.
	Dump func() any
	// Seed adds state from a JSON document, for POST /_sim/seed/<name>.
	Seed func(data []byte) error
	// Backend is the service's typed state, for Go accessors such as Server.RDS.
	Backend any

	mux *http.ServeMux
}

var (
	registryMu sync.Mutex
	registry   = map[string]func(*Server) *Service{}
)

// RegisterService makes every Server created afterwards include the service
// that factory builds. Each service file calls it from init with the
// service's signing name. Registering a name twice panics, as a programming
// error.
func RegisterService(name string, factory func(*Server) *Service) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[name]; dup {
		panic("awssim: service " + name + " registered twice")
	}
	registry[name] = factory
}

// Register adds (or replaces) a service on this server only.
func (s *Server) Register(svc *Service) {
	if svc.Protocol == ProtocolRESTJSON {
		svc.mux = http.NewServeMux()
		for pattern := range svc.Routes {
			svc.mux.HandleFunc(pattern, func(http.ResponseWriter, *http.Request) {})
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.services[svc.Name] = svc
}

// Service returns the registered service with this signing name.
func (s *Server) Service(name string) (*Service, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	svc, ok := s.services[name]
	return svc, ok
}

// ServiceNames returns the signing names of every registered service, sorted.
func (s *Server) ServiceNames() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := make([]string, 0, len(s.services))
	for n := range s.services {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Call is one request to an operation.
type Call struct {
	// Service is the signing name, Operation the operation's name.
	Service, Operation string
	// Region and AccessKeyID come from the SigV4 credential scope.
	Region, AccessKeyID string
	// RequestID is the id the response carries.
	RequestID string
	// Request is the HTTP request; its body has been read into Body.
	Request *http.Request
	// Form holds the parameters of awsquery and ec2query requests.
	Form url.Values
	// Body is the raw request body.
	Body []byte
	// Now is the server clock when the request arrived.
	Now time.Time
	// Server is the simulator serving the call.
	Server *Server
}

// DecodeJSON decodes the JSON body into v, or returns the
// SerializationException AWS answers for a malformed body.
func (c *Call) DecodeJSON(v any) error {
	if len(bytes.TrimSpace(c.Body)) == 0 {
		return nil
	}
	if err := json.Unmarshal(c.Body, v); err != nil {
		return &APIError{Status: 400, Code: "SerializationException", Message: "cannot parse request body: " + err.Error()}
	}
	return nil
}

// Account returns the simulated account id.
func (c *Call) Account() string { return c.Server.opts.AccountID }

// BaseURL returns the scheme and host the client used, for URLs such as SQS
// queue URLs that point back at the simulator.
func (c *Call) BaseURL() string {
	scheme := "http"
	if c.Request.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + c.Request.Host
}

// Param returns an awsquery parameter.
func (c *Call) Param(name string) string { return c.Form.Get(name) }

// IntParam returns an integer awsquery parameter and whether it was present,
// or an InvalidParameterValue error naming it.
func (c *Call) IntParam(name string) (int, bool, error) {
	v := c.Form.Get(name)
	if v == "" {
		return 0, false, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, true, NewError(400, "InvalidParameterValue", "Invalid value %q for %s: not an integer", v, name)
	}
	return n, true, nil
}

// BoolParam returns a boolean awsquery parameter and whether it was present.
func (c *Call) BoolParam(name string) (bool, bool, error) {
	v := c.Form.Get(name)
	if v == "" {
		return false, false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, true, NewError(400, "InvalidParameterValue", "Invalid value %q for %s: not a boolean", v, name)
	}
	return b, true, nil
}

// QueryList returns the awsquery list prefix.1, prefix.2, ... (for example
// "TagKeys.member" or "Filters.Filter.1.Values.Value").
func QueryList(form url.Values, prefix string) []string {
	var out []string
	for i := 1; ; i++ {
		v, ok := form[prefix+"."+strconv.Itoa(i)]
		if !ok {
			return out
		}
		out = append(out, v[0])
	}
}

// QueryStructs returns the members of the awsquery list of structures under
// prefix ("Tags.Tag", "Filters.Filter", "MessageAttributes.entry"), each
// with its keys relative to the member ("Key", "Values.Value.1").
func QueryStructs(form url.Values, prefix string) []url.Values {
	var out []url.Values
	for i := 1; ; i++ {
		p := prefix + "." + strconv.Itoa(i) + "."
		member := url.Values{}
		for k, v := range form {
			if strings.HasPrefix(k, p) {
				member[strings.TrimPrefix(k, p)] = v
			}
		}
		if len(member) == 0 {
			return out
		}
		out = append(out, member)
	}
}

// APIError is an AWS error response.
type APIError struct {
	// Status is the HTTP status (400 when zero).
	Status int
	// Code is the error code the SDK maps to a typed error ("DBSnapshotNotFound").
	Code string
	// Message is the human-readable message.
	Message string
	// Type overrides the JSON "__type" (default Code).
	Type string
	// Receiver marks a server fault (<Type>Receiver</Type> in awsquery).
	Receiver bool
	// QueryCode is the awsquery code that query-compatible JSON services
	// send in x-amzn-query-error ("AWS.SimpleQueueService.NonExistentQueue").
	QueryCode string
}

// NewError returns an APIError with a formatted message.
func NewError(status int, code, format string, args ...any) *APIError {
	return &APIError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

func (e *APIError) Error() string { return e.Code + ": " + e.Message }

func (e *APIError) status() int {
	if e.Status == 0 {
		return 400
	}
	return e.Status
}

// ServeHTTP serves both the AWS APIs and the /_sim/ control endpoints.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_sim/") {
		s.control.ServeHTTP(w, r)
		return
	}
	reqID := newRequestID()
	akid, region, name, ok := credentialScope(r)
	guess := guessProtocol(r)
	if !ok {
		s.writeError(w, guess, "", false, reqID, &APIError{Status: 403, Code: "MissingAuthenticationToken", Message: "Request is missing Authentication Token"})
		return
	}
	svc, found := s.Service(name)
	if !found {
		s.writeError(w, guess, "", false, reqID, NewError(400, "UnrecognizedService", "the simulator has no service %q (it has %s)", name, strings.Join(s.ServiceNames(), ", ")))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		s.writeError(w, svc.Protocol, svc.XMLNamespace, false, reqID, NewError(400, "MalformedInput", "read request body: %v", err))
		return
	}
	if len(body) > maxBody {
		s.writeError(w, svc.Protocol, svc.XMLNamespace, false, reqID, NewError(413, "RequestEntityTooLarge", "request body exceeds %d bytes", maxBody))
		return
	}
	if region == "" {
		region = s.opts.Region
	}
	c := &Call{Service: name, Region: region, AccessKeyID: akid, RequestID: reqID, Request: r, Body: body, Server: s}
	handler, apiErr := s.resolve(svc, c)
	if c.Operation == "" {
		c.Operation = "Unknown"
	}
	s.count(name, c.Operation)
	if apiErr == nil {
		apiErr = s.injectFault(r.Context(), svc, c)
	}
	if apiErr != nil {
		s.log.Debug("awssim request", "service", name, "operation", c.Operation, "error_code", apiErr.Code)
		s.writeError(w, svc.Protocol, svc.XMLNamespace, svc.QueryCompatible, reqID, apiErr)
		return
	}
	c.Now = s.Now()
	result, err := handler(c)
	if err != nil {
		var ae *APIError
		if !errors.As(err, &ae) {
			ae = &APIError{Status: 500, Code: "InternalFailure", Message: err.Error(), Receiver: true}
		}
		s.log.Debug("awssim request", "service", name, "operation", c.Operation, "error_code", ae.Code)
		s.writeError(w, svc.Protocol, svc.XMLNamespace, svc.QueryCompatible, reqID, ae)
		return
	}
	s.log.Debug("awssim request", "service", name, "operation", c.Operation)
	s.writeResult(w, svc, c, result)
}

// resolve finds the operation a request names.
func (s *Server) resolve(svc *Service, c *Call) (Handler, *APIError) {
	r := c.Request
	switch svc.Protocol {
	case ProtocolQuery, ProtocolEC2Query:
		form, err := url.ParseQuery(string(c.Body))
		if err != nil {
			return nil, NewError(400, "MalformedQueryString", "cannot parse form body: %v", err)
		}
		for k, v := range r.URL.Query() {
			if _, ok := form[k]; !ok {
				form[k] = v
			}
		}
		c.Form = form
		c.Operation = form.Get("Action")
		if c.Operation == "" {
			return nil, NewError(400, "MissingAction", "Missing Action")
		}
		h, ok := svc.Operations[c.Operation]
		if !ok {
			return nil, NewError(400, "InvalidAction", "The action %s is not valid for this web service.", c.Operation)
		}
		return h, nil
	case ProtocolJSON10, ProtocolJSON11:
		// The operation follows the last dot: the SDKs send the short
		// "CloudTrail_20131101.DescribeTrails", and AWS also accepts the
		// prefix in its namespaced form,
		// "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.DescribeTrails".
		target := r.Header.Get("X-Amz-Target")
		dot := strings.LastIndex(target, ".")
		prefix, op := target, ""
		if dot >= 0 {
			prefix, op = target[:dot], target[dot+1:]
		}
		c.Operation = op
		if dot < 0 || op == "" || (prefix != svc.TargetPrefix && !strings.HasSuffix(prefix, "."+svc.TargetPrefix)) {
			return nil, &APIError{Status: 400, Code: "UnknownOperationException", Message: fmt.Sprintf("X-Amz-Target %q does not name an operation of %s", target, svc.TargetPrefix)}
		}
		h, found := svc.Operations[op]
		if !found {
			return nil, &APIError{Status: 400, Code: "UnknownOperationException", Message: fmt.Sprintf("the simulator does not implement %s", target)}
		}
		return h, nil
	case ProtocolRESTJSON:
		_, pattern := svc.mux.Handler(r)
		route, ok := svc.Routes[pattern]
		if !ok {
			return nil, NewError(404, "UnknownOperationException", "no operation for %s %s", r.Method, r.URL.Path)
		}
		c.Request = withPathValues(r, pattern)
		c.Operation = route.Operation
		return route.Handler, nil
	}
	return nil, NewError(500, "InternalFailure", "service %s has unknown protocol %q", svc.Name, svc.Protocol)
}

// withPathValues fills r's path values from a ServeMux pattern.
func withPathValues(r *http.Request, pattern string) *http.Request {
	_, path, ok := strings.Cut(pattern, " ")
	if !ok {
		path = pattern
	}
	pp := strings.Split(strings.Trim(path, "/"), "/")
	rp := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	for i, seg := range pp {
		if i >= len(rp) {
			break
		}
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			name := strings.TrimSuffix(strings.TrimPrefix(seg, "{"), "}")
			if strings.HasSuffix(name, "...") {
				r.SetPathValue(strings.TrimSuffix(name, "..."), strings.Join(rp[i:], "/"))
				break
			}
			if v, err := url.PathUnescape(rp[i]); err == nil {
				r.SetPathValue(name, v)
			}
		}
	}
	return r
}

// credentialScope reads the SigV4 credential scope from the Authorization
// header or a presigned URL's X-Amz-Credential.
func credentialScope(r *http.Request) (akid, region, service string, ok bool) {
	cred := ""
	if auth := r.Header.Get("Authorization"); auth != "" {
		_, rest, found := strings.Cut(auth, "Credential=")
		if !found {
			return "", "", "", false
		}
		cred, _, _ = strings.Cut(rest, ",")
	} else {
		cred = r.URL.Query().Get("X-Amz-Credential")
	}
	parts := strings.Split(strings.TrimSpace(cred), "/")
	if len(parts) != 5 || parts[0] == "" || parts[3] == "" || parts[4] != "aws4_request" {
		return "", "", "", false
	}
	return parts[0], parts[2], parts[3], true
}

func guessProtocol(r *http.Request) Protocol {
	if r.Header.Get("X-Amz-Target") != "" {
		return ProtocolJSON11
	}
	if strings.Contains(r.Header.Get("Content-Type"), "json") {
		return ProtocolRESTJSON
	}
	return ProtocolQuery
}

func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func (s *Server) writeResult(w http.ResponseWriter, svc *Service, c *Call, result any) {
	switch svc.Protocol {
	case ProtocolQuery:
		var buf bytes.Buffer
		buf.WriteString(xml.Header)
		fmt.Fprintf(&buf, `<%sResponse xmlns="%s">`, c.Operation, svc.XMLNamespace)
		if result != nil {
			if err := xml.NewEncoder(&buf).EncodeElement(result, xml.StartElement{Name: xml.Name{Local: c.Operation + "Result"}}); err != nil {
				s.writeError(w, svc.Protocol, svc.XMLNamespace, false, c.RequestID, &APIError{Status: 500, Code: "InternalFailure", Message: "encode result: " + err.Error(), Receiver: true})
				return
			}
		}
		fmt.Fprintf(&buf, `<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></%sResponse>`, c.RequestID, c.Operation)
		w.Header().Set("Content-Type", "text/xml")
		w.Header().Set("x-amzn-RequestId", c.RequestID)
		w.Write(buf.Bytes())
	case ProtocolEC2Query:
		var inner bytes.Buffer
		if result != nil {
			if err := xml.NewEncoder(&inner).EncodeElement(result, xml.StartElement{Name: xml.Name{Local: "r"}}); err != nil {
				s.writeError(w, svc.Protocol, svc.XMLNamespace, false, c.RequestID, &APIError{Status: 500, Code: "InternalError", Message: "encode result: " + err.Error(), Receiver: true})
				return
			}
		}
		children := strings.TrimSuffix(strings.TrimPrefix(inner.String(), "<r>"), "</r>")
		var buf bytes.Buffer
		buf.WriteString(xml.Header)
		fmt.Fprintf(&buf, `<%sResponse xmlns="%s"><requestId>%s</requestId>%s</%sResponse>`, c.Operation, svc.XMLNamespace, c.RequestID, children, c.Operation)
		w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
		w.Write(buf.Bytes())
	default:
		status := http.StatusOK
		if rr, ok := result.(RESTResult); ok {
			status, result = rr.Status, rr.Body
		}
		body := []byte("{}")
		if result != nil {
			b, err := json.Marshal(result)
			if err != nil {
				s.writeError(w, svc.Protocol, svc.XMLNamespace, false, c.RequestID, &APIError{Status: 500, Code: "InternalFailure", Message: "encode result: " + err.Error(), Receiver: true})
				return
			}
			body = b
		}
		w.Header().Set("Content-Type", jsonContentType(svc.Protocol))
		w.Header().Set("x-amzn-RequestId", c.RequestID)
		w.WriteHeader(status)
		w.Write(body)
	}
}

func jsonContentType(p Protocol) string {
	switch p {
	case ProtocolJSON10:
		return "application/x-amz-json-1.0"
	case ProtocolJSON11:
		return "application/x-amz-json-1.1"
	}
	return "application/json"
}

func (s *Server) writeError(w http.ResponseWriter, p Protocol, ns string, queryCompatible bool, reqID string, e *APIError) {
	switch p {
	case ProtocolQuery:
		typ := "Sender"
		if e.Receiver {
			typ = "Receiver"
		}
		var buf bytes.Buffer
		buf.WriteString(xml.Header)
		if ns != "" {
			fmt.Fprintf(&buf, `<ErrorResponse xmlns="%s">`, ns)
		} else {
			buf.WriteString(`<ErrorResponse>`)
		}
		buf.WriteString(`<Error><Type>` + typ + `</Type><Code>`)
		xml.EscapeText(&buf, []byte(e.Code))
		buf.WriteString(`</Code><Message>`)
		xml.EscapeText(&buf, []byte(e.Message))
		buf.WriteString(`</Message></Error><RequestId>` + reqID + `</RequestId></ErrorResponse>`)
		w.Header().Set("Content-Type", "text/xml")
		w.Header().Set("x-amzn-RequestId", reqID)
		w.WriteHeader(e.status())
		w.Write(buf.Bytes())
	case ProtocolEC2Query:
		var buf bytes.Buffer
		buf.WriteString(xml.Header)
		buf.WriteString(`<Response><Errors><Error><Code>`)
		xml.EscapeText(&buf, []byte(e.Code))
		buf.WriteString(`</Code><Message>`)
		xml.EscapeText(&buf, []byte(e.Message))
		buf.WriteString(`</Message></Error></Errors><RequestID>` + reqID + `</RequestID></Response>`)
		w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
		w.WriteHeader(e.status())
		w.Write(buf.Bytes())
	default:
		typ := e.Type
		if typ == "" {
			typ = e.Code
		}
		body, _ := json.Marshal(map[string]string{"__type": typ, "message": e.Message})
		w.Header().Set("Content-Type", jsonContentType(p))
		w.Header().Set("x-amzn-RequestId", reqID)
		if p == ProtocolRESTJSON {
			w.Header().Set("X-Amzn-ErrorType", e.Code)
		}
		if queryCompatible && e.QueryCode != "" {
			fault := "Sender"
			if e.Receiver {
				fault = "Receiver"
			}
			w.Header().Set("x-amzn-query-error", e.QueryCode+";"+fault)
		}
		w.WriteHeader(e.status())
		w.Write(body)
	}
}

// count records one request.
func (s *Server) count(service, operation string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts[service+":"+operation]++
}

// Counts returns the number of requests per "service:Operation" since the
// server started or ResetCounts, including requests answered by a fault.
func (s *Server) Counts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.counts))
	for k, v := range s.counts {
		out[k] = v
	}
	return out
}

// Count returns the number of requests to one operation ("rds", "DeleteDBSnapshot").
func (s *Server) Count(service, operation string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[service+":"+operation]
}

// ResetCounts sets every request counter back to zero.
func (s *Server) ResetCounts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts = map[string]int{}
}

// writeJSON answers a control endpoint.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func controlError(w http.ResponseWriter, status int, format string, args ...any) {
	writeJSON(w, status, map[string]string{"error": fmt.Sprintf(format, args...)})
}

// controlMux serves the /_sim/ endpoints.
func (s *Server) controlMux() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("GET /_sim/health", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"services": s.ServiceNames(), "account": s.opts.AccountID, "now": s.Now().UTC().Format(time.RFC3339Nano)})
	})
	m.HandleFunc("GET /_sim/counts", func(w http.ResponseWriter, r *http.Request) {
		counts := s.Counts()
		if svc := r.URL.Query().Get("service"); svc != "" {
			for k := range counts {
				if !strings.HasPrefix(k, svc+":") {
					delete(counts, k)
				}
			}
		}
		writeJSON(w, 200, counts)
	})
	m.HandleFunc("POST /_sim/counts/reset", func(w http.ResponseWriter, r *http.Request) {
		s.ResetCounts()
		writeJSON(w, 200, map[string]string{})
	})
	m.HandleFunc("GET /_sim/faults", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, s.Faults())
	})
	m.HandleFunc("POST /_sim/faults", func(w http.ResponseWriter, r *http.Request) {
		var f Fault
		dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			controlError(w, 400, "fault: %v", err)
			return
		}
		if err := s.SetFault(f); err != nil {
			controlError(w, 400, "%v", err)
			return
		}
		writeJSON(w, 200, s.Faults())
	})
	m.HandleFunc("DELETE /_sim/faults", func(w http.ResponseWriter, r *http.Request) {
		s.ClearFaults()
		writeJSON(w, 200, []Fault{})
	})
	m.HandleFunc("GET /_sim/state/{service}", func(w http.ResponseWriter, r *http.Request) {
		svc, ok := s.Service(r.PathValue("service"))
		if !ok || svc.Dump == nil {
			controlError(w, 404, "no state for service %q (services: %s)", r.PathValue("service"), strings.Join(s.ServiceNames(), ", "))
			return
		}
		writeJSON(w, 200, svc.Dump())
	})
	m.HandleFunc("POST /_sim/seed/{service}", func(w http.ResponseWriter, r *http.Request) {
		svc, ok := s.Service(r.PathValue("service"))
		if !ok || svc.Seed == nil {
			controlError(w, 404, "cannot seed service %q (services: %s)", r.PathValue("service"), strings.Join(s.ServiceNames(), ", "))
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 256<<20))
		if err != nil {
			controlError(w, 400, "read seed: %v", err)
			return
		}
		if err := svc.Seed(body); err != nil {
			controlError(w, 400, "seed %s: %v", svc.Name, err)
			return
		}
		writeJSON(w, 200, map[string]string{})
	})
	m.HandleFunc("POST /_sim/clock", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Now string `json:"now"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&body); err != nil {
			controlError(w, 400, "clock: %v", err)
			return
		}
		t, err := time.Parse(time.RFC3339Nano, body.Now)
		if err != nil {
			controlError(w, 400, "clock: now %q is not an RFC 3339 time", body.Now)
			return
		}
		s.SetClock(t)
		writeJSON(w, 200, map[string]string{"now": s.Now().UTC().Format(time.RFC3339Nano)})
	})
	m.HandleFunc("DELETE /_sim/clock", func(w http.ResponseWriter, r *http.Request) {
		s.SetClock(time.Time{})
		writeJSON(w, 200, map[string]string{"now": s.Now().UTC().Format(time.RFC3339Nano)})
	})
	m.HandleFunc("/_sim/", func(w http.ResponseWriter, r *http.Request) {
		controlError(w, 404, "no control endpoint %s %s; see GET /_sim/health, /_sim/counts, /_sim/faults, /_sim/state/<service>, POST /_sim/seed/<service>, /_sim/clock", r.Method, r.URL.Path)
	})
	return m
}

// seedJSON decodes a seed document strictly, so a misspelt field is an
// error rather than silently ignored state.
func seedJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("decode seed: %w", err)
	}
	return nil
}
