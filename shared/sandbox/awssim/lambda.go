package awssim

import (
	"fmt"
	"regexp"
	"strconv"
	"sync"
	"time"
)

func init() { RegisterService("lambda", newLambdaService) }

// lambdaPageMax is the most functions one ListFunctions page returns,
// whatever MaxItems asks for.
const lambdaPageMax = 50

// LambdaFunction is a Lambda function. Seed it with at least FunctionName;
// empty fields get the defaults of a Go function on the OS-only runtime
// (provided.al2023, handler bootstrap, arm64, 128 MB, 3 s).
type LambdaFunction struct {
	FunctionName  string
	Runtime       string    `json:",omitempty"`
	Handler       string    `json:",omitempty"`
	Architectures []string  `json:",omitempty"`
	MemorySize    int       `json:",omitempty"`
	Timeout       int       `json:",omitempty"`
	Role          string    `json:",omitempty"`
	Description   string    `json:",omitempty"`
	PackageType   string    `json:",omitempty"` // Zip (default) or Image
	CodeSize      int64     `json:",omitempty"`
	LastModified  time.Time `json:",omitzero"`
}

// LambdaSeed is state to add to the Lambda simulator (POST /_sim/seed/lambda);
// functions replace functions of the same name.
type LambdaSeed struct {
	Functions []LambdaFunction
	// ConcurrentExecutions and ReservedConcurrentExecutions set the
	// account's concurrency quota and how much of it functions reserve,
	// as GetAccountSettings reports them (when non-zero).
	ConcurrentExecutions         int `json:",omitempty"`
	ReservedConcurrentExecutions int `json:",omitempty"`
}

// LambdaState is the Lambda simulator's state (GET /_sim/state/lambda).
type LambdaState struct {
	Functions []LambdaFunction
}

// Lambda is the Lambda simulator's state. Get it with Server.Lambda.
type Lambda struct {
	srv       *Server
	mu        sync.Mutex
	functions map[string]*LambdaFunction
	// concurrency is the account's quota (DefaultLambdaConcurrency when 0)
	// and reserved the concurrency reserved by functions.
	concurrency, reserved int
}

// Lambda returns the Lambda simulator's state.
func (s *Server) Lambda() *Lambda {
	svc, _ := s.Service("lambda")
	return svc.Backend.(*Lambda)
}

func newLambdaService(s *Server) *Service {
	l := &Lambda{srv: s, functions: map[string]*LambdaFunction{}}
	list := Route{Operation: "ListFunctions", Handler: l.listFunctions}
	return &Service{
		Name:     "lambda",
		Protocol: ProtocolRESTJSON,
		Routes: map[string]Route{
			"GET /2015-03-31/functions":            list,
			"GET /2015-03-31/functions/{$}":        list,
			"GET /2016-08-19/account-settings":     {Operation: "GetAccountSettings", Handler: l.getAccountSettings},
			"GET /2016-08-19/account-settings/{$}": {Operation: "GetAccountSettings", Handler: l.getAccountSettings},
		},
		Dump: func() any { return l.State() },
		Seed: func(data []byte) error {
			var seed LambdaSeed
			if err := seedJSON(data, &seed); err != nil {
				return err
			}
			return l.Seed(seed)
		},
		Backend: l,
	}
}

var functionNameRE = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

// Seed adds (or replaces) functions. Nothing is stored when any is invalid.
func (l *Lambda) Seed(seed LambdaSeed) error {
	for i, f := range seed.Functions {
		if !functionNameRE.MatchString(f.FunctionName) {
			return fmt.Errorf("function %d: FunctionName %q is not 1-64 letters, digits, hyphens or underscores", i, f.FunctionName)
		}
		for _, a := range f.Architectures {
			if a != "x86_64" && a != "arm64" {
				return fmt.Errorf("function %s: architecture %q is not x86_64 or arm64", f.FunctionName, a)
			}
		}
		if len(f.Architectures) > 1 {
			return fmt.Errorf("function %s: a function has one architecture", f.FunctionName)
		}
	}
	if seed.ReservedConcurrentExecutions > max(seed.ConcurrentExecutions, DefaultLambdaConcurrency) {
		return fmt.Errorf("reserved concurrency %d exceeds the account's %d", seed.ReservedConcurrentExecutions, max(seed.ConcurrentExecutions, DefaultLambdaConcurrency))
	}
	now := l.srv.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if seed.ConcurrentExecutions != 0 {
		l.concurrency = seed.ConcurrentExecutions
	}
	if seed.ReservedConcurrentExecutions != 0 {
		l.reserved = seed.ReservedConcurrentExecutions
	}
	for _, f := range seed.Functions {
		if f.PackageType == "" {
			f.PackageType = "Zip"
		}
		if f.Runtime == "" && f.PackageType == "Zip" {
			f.Runtime = "provided.al2023"
		}
		if f.Handler == "" && f.PackageType == "Zip" {
			f.Handler = "bootstrap"
		}
		if len(f.Architectures) == 0 {
			f.Architectures = []string{"arm64"}
		}
		f.Architectures = append([]string(nil), f.Architectures...)
		if f.MemorySize == 0 {
			f.MemorySize = 128
		}
		if f.Timeout == 0 {
			f.Timeout = 3
		}
		if f.Role == "" {
			f.Role = fmt.Sprintf("arn:aws:iam::%s:role/%s-role", l.srv.opts.AccountID, f.FunctionName)
		}
		if f.CodeSize == 0 {
			f.CodeSize = 9 << 20
		}
		if f.LastModified.IsZero() {
			f.LastModified = now.Add(-24 * time.Hour).UTC().Truncate(time.Millisecond)
		}
		l.functions[f.FunctionName] = &f
	}
	return nil
}

// State returns a copy of the functions, sorted by name.
func (l *Lambda) State() LambdaState {
	l.mu.Lock()
	defer l.mu.Unlock()
	var st LambdaState
	for _, f := range sortedValues(l.functions) {
		c := *f
		c.Architectures = append([]string(nil), f.Architectures...)
		st.Functions = append(st.Functions, c)
	}
	return st
}

func (l *Lambda) listFunctions(c *Call) (any, error) {
	q := c.Request.URL.Query()
	limit := lambdaPageMax
	if v := q.Get("MaxItems"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			return nil, &APIError{Status: 400, Code: "InvalidParameterValueException", Message: fmt.Sprintf("1 validation error detected: Value '%s' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 10000", v)}
		}
		limit = min(n, lambdaPageMax)
	}
	after := ""
	if m := q.Get("Marker"); m != "" {
		k, ok := decodeToken("lambda:ListFunctions", m)
		if !ok {
			return nil, &APIError{Status: 400, Code: "InvalidParameterValueException", Message: "Invalid marker: " + m}
		}
		after = k
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var items []*LambdaFunction
	for _, f := range l.functions {
		items = append(items, f)
	}
	page, last := keyPage(items, func(f *LambdaFunction) string { return f.FunctionName }, after, limit)
	type fn struct {
		FunctionName     string
		FunctionArn      string
		Runtime          string `json:",omitempty"`
		Role             string
		Handler          string `json:",omitempty"`
		CodeSize         int64
		Description      string
		Timeout          int
		MemorySize       int
		LastModified     string
		CodeSha256       string
		Version          string
		PackageType      string
		Architectures    []string
		TracingConfig    struct{ Mode string }
		RevisionId       string
		EphemeralStorage struct{ Size int }
		LoggingConfig    struct {
			LogFormat string
			LogGroup  string
		}
	}
	out := struct {
		Functions  []fn
		NextMarker string `json:",omitempty"`
	}{Functions: []fn{}}
	if last != "" {
		out.NextMarker = encodeToken("lambda:ListFunctions", last)
	}
	for _, f := range page {
		j := fn{
			FunctionName: f.FunctionName, FunctionArn: fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", l.srv.opts.Region, l.srv.opts.AccountID, f.FunctionName),
			Runtime: f.Runtime, Role: f.Role, Handler: f.Handler, CodeSize: f.CodeSize, Description: f.Description,
			Timeout: f.Timeout, MemorySize: f.MemorySize, LastModified: f.LastModified.UTC().Format("2006-01-02T15:04:05.000-0700"),
			CodeSha256: hexID("code:"+f.FunctionName, 43) + "=", Version: "$LATEST", PackageType: f.PackageType,
			Architectures: f.Architectures, RevisionId: newRequestID(),
		}
		j.TracingConfig.Mode = "PassThrough"
		j.EphemeralStorage.Size = 512
		j.LoggingConfig.LogFormat = "Text"
		j.LoggingConfig.LogGroup = "/aws/lambda/" + f.FunctionName
		out.Functions = append(out.Functions, j)
	}
	return out, nil
}

// DefaultLambdaConcurrency is the account's concurrent executions quota the
// simulator reports unless LambdaSeed.ConcurrentExecutions says otherwise.
const DefaultLambdaConcurrency = 1000

func (l *Lambda) getAccountSettings(c *Call) (any, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	limit := l.concurrency
	if limit == 0 {
		limit = DefaultLambdaConcurrency
	}
	return map[string]any{
		"AccountLimit": map[string]any{"ConcurrentExecutions": limit, "UnreservedConcurrentExecutions": limit - l.reserved,
			"CodeSizeUnzipped": 262144000, "CodeSizeZipped": 52428800, "TotalCodeSize": 80530636800},
		"AccountUsage": map[string]any{"FunctionCount": len(l.functions), "TotalCodeSize": 0},
	}, nil
}
