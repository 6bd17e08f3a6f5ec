package awssim

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

func init() { RegisterService("ssm", newSSMService) }

// SSM Run Command limits the simulator keeps.
const (
	// SSMMaxInstanceIds is how many InstanceIds one SendCommand accepts.
	SSMMaxInstanceIds = 50
	// ssmPluginOutputMax is how much of a plugin's output
	// ListCommandInvocations returns; GetCommandInvocation returns up to
	// ssmStdoutMax of standard output and ssmStderrMax of standard error.
	ssmPluginOutputMax = 2500
	ssmStdoutMax       = 24000
	ssmStderrMax       = 8000
	// ssmStderrMarker separates standard output from standard error in a
	// plugin's Output.
	ssmStderrMarker = "----------ERROR-------"
	// ssmShellDocument is the only document the simulator runs.
	ssmShellDocument = "AWS-RunShellScript"
	// ssmDefaultTimeout is SendCommand's default delivery timeout and
	// AWS-RunShellScript's default executionTimeout, in seconds.
	ssmDefaultTimeout = 3600
)

// Duration is a time.Duration that seed JSON writes as a Go duration
// string ("2s", "1m30s").
type Duration time.Duration

// MarshalJSON writes the duration as a string such as "2s".
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads a duration string such as "2s".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration: want a string such as \"2s\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration %q is not a duration such as \"2s\"", s)
	}
	*d = Duration(v)
	return nil
}

// SSMCommandResult is what running one command line prints on an instance.
type SSMCommandResult struct {
	// Stdout and Stderr are what the command writes.
	Stdout string `json:",omitempty"`
	Stderr string `json:",omitempty"`
	// ExitCode is the command's exit status; non-zero makes the invocation
	// Failed.
	ExitCode int `json:",omitempty"`
	// Delay is how long, on the server clock, the invocation stays
	// InProgress before it reports this result.
	Delay Duration `json:",omitempty"`
}

// SSMManagedInstance is an instance whose SSM agent has registered with
// Systems Manager. Instances not seeded here are not managed by SSM:
// SendCommand to them fails with InvalidInstanceId, as it does in AWS.
//
// Commands maps a command line (exactly as sent in the commands parameter,
// e.g. "chronyc -c tracking") to what it prints on this instance; a line
// not in it fails as the shell does for an unknown program ("command not
// found", exit status 127).
type SSMManagedInstance struct {
	InstanceId string
	// PingStatus is Online (default), ConnectionLost or Inactive. Commands
	// to a ConnectionLost instance stay Pending until their delivery
	// timeout, then end DeliveryTimedOut; Inactive instances are rejected.
	PingStatus       string                      `json:",omitempty"`
	PlatformType     string                      `json:",omitempty"` // Linux (default), Windows, MacOS
	PlatformName     string                      `json:",omitempty"`
	PlatformVersion  string                      `json:",omitempty"`
	AgentVersion     string                      `json:",omitempty"`
	ComputerName     string                      `json:",omitempty"`
	IPAddress        string                      `json:",omitempty"`
	LastPingDateTime time.Time                   `json:",omitzero"`
	Commands         map[string]SSMCommandResult `json:",omitempty"`
}

// SSMDocument is a Command document of the account's own (as a stack
// creates with AWS::SSM::Document) whose only step runs fixed shell lines
// with aws:runShellScript and takes no parameters. SendCommand with its
// name runs Commands as AWS-RunShellScript would run them as its
// "commands" parameter; any parameter is refused, as AWS refuses a
// parameter a document does not define.
type SSMDocument struct {
	Name     string
	Commands []string
}

// SSMSeed is state to add to the SSM simulator (POST /_sim/seed/ssm).
type SSMSeed struct {
	Instances []SSMManagedInstance
	Documents []SSMDocument `json:",omitempty"`
}

// SSMInvocation is one instance's copy of a sent command, as the state
// dump shows it.
type SSMInvocation struct {
	CommandId         string
	InstanceId        string
	DocumentName      string
	Commands          []string
	Comment           string `json:",omitempty"`
	RequestedDateTime time.Time
	Status            string
	StatusDetails     string
	ResponseCode      int
	Stdout            string `json:",omitempty"`
	Stderr            string `json:",omitempty"`
}

// SSMState is the SSM simulator's state (GET /_sim/state/ssm).
type SSMState struct {
	Instances   []SSMManagedInstance
	Invocations []SSMInvocation
}

// SSM is the SSM simulator's state. Get it with Server.SSM.
type SSM struct {
	srv *Server

	mu        sync.Mutex
	instances map[string]*SSMManagedInstance
	commands  map[string]*ssmCommand
	documents map[string][]string // the account's own documents by name
	seq       int                 // orders commands sent within one clock tick
}

type ssmCommand struct {
	id          string
	seq         int
	document    string
	lines       []string
	comment     string
	params      map[string][]string
	requested   time.Time
	timeout     int // delivery timeout, seconds
	instanceIDs []string
	invocations map[string]*ssmInvocation
}

type ssmInvocation struct {
	instanceID string
	delivered  bool // the agent was online when the command was sent
	result     SSMCommandResult
}

// SSM returns the SSM simulator's state.
func (s *Server) SSM() *SSM {
	svc, _ := s.Service("ssm")
	return svc.Backend.(*SSM)
}

func newSSMService(s *Server) *Service {
	m := &SSM{srv: s, instances: map[string]*SSMManagedInstance{}, commands: map[string]*ssmCommand{}, documents: map[string][]string{}}
	return &Service{
		Name:         "ssm",
		Protocol:     ProtocolJSON11,
		TargetPrefix: "AmazonSSM",
		Operations: map[string]Handler{
			"SendCommand":                 m.sendCommand,
			"ListCommandInvocations":      m.listCommandInvocations,
			"GetCommandInvocation":        m.getCommandInvocation,
			"DescribeInstanceInformation": m.describeInstanceInformation,
		},
		Dump: func() any { return m.State() },
		Seed: func(data []byte) error {
			var seed SSMSeed
			if err := seedJSON(data, &seed); err != nil {
				return err
			}
			return m.Seed(seed)
		},
		Backend: m,
	}
}

func ssmError(code, format string, args ...any) *APIError {
	return &APIError{Status: 400, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Seed adds (or replaces, by id) managed instances. Nothing is stored when
// any instance is invalid.
func (m *SSM) Seed(seed SSMSeed) error {
	for i, d := range seed.Documents {
		if !ssmDocumentNameRE.MatchString(d.Name) || strings.HasPrefix(strings.ToLower(d.Name), "aws") || strings.HasPrefix(strings.ToLower(d.Name), "amazon") {
			return fmt.Errorf("document %d: Name %q is not 3-128 letters, digits, '_', '-' or '.' not starting with aws or amazon", i, d.Name)
		}
		if len(d.Commands) == 0 {
			return fmt.Errorf("document %s: no commands", d.Name)
		}
	}
	for i, in := range seed.Instances {
		if !instanceIDRE.MatchString(in.InstanceId) && !strings.HasPrefix(in.InstanceId, "mi-") {
			return fmt.Errorf("instance %d: InstanceId %q is neither an EC2 instance id (i-...) nor a managed node id (mi-...)", i, in.InstanceId)
		}
		switch in.PingStatus {
		case "", "Online", "ConnectionLost", "Inactive":
		default:
			return fmt.Errorf("instance %s: PingStatus %q is not Online, ConnectionLost or Inactive", in.InstanceId, in.PingStatus)
		}
		for line, r := range in.Commands {
			if strings.TrimSpace(line) == "" {
				return fmt.Errorf("instance %s: a command line is empty", in.InstanceId)
			}
			if r.ExitCode < 0 || r.ExitCode > 255 {
				return fmt.Errorf("instance %s: command %q: ExitCode %d is not 0-255", in.InstanceId, line, r.ExitCode)
			}
			if r.Delay < 0 {
				return fmt.Errorf("instance %s: command %q: Delay is negative", in.InstanceId, line)
			}
		}
	}
	now := m.srv.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, d := range seed.Documents {
		m.documents[d.Name] = append([]string(nil), d.Commands...)
	}
	for _, in := range seed.Instances {
		cmds := make(map[string]SSMCommandResult, len(in.Commands))
		for k, v := range in.Commands {
			cmds[strings.TrimSpace(k)] = v
		}
		in.Commands = cmds
		if in.PingStatus == "" {
			in.PingStatus = "Online"
		}
		if in.PlatformType == "" {
			in.PlatformType = "Linux"
		}
		if in.PlatformName == "" && in.PlatformType == "Linux" {
			in.PlatformName = "Amazon Linux"
		}
		if in.PlatformVersion == "" && in.PlatformName == "Amazon Linux" {
			in.PlatformVersion = "2023"
		}
		if in.AgentVersion == "" {
			in.AgentVersion = "3.3.1142.0"
		}
		if in.ComputerName == "" {
			in.ComputerName = "ip-" + in.InstanceId[2:] + "." + m.srv.opts.Region + ".compute.internal"
		}
		if in.IPAddress == "" {
			h := hexID("ssm-ip:"+in.InstanceId, 4)
			a, _ := strconv.ParseUint(h, 16, 16)
			in.IPAddress = fmt.Sprintf("10.0.%d.%d", a>>8%64, 4+a%250)
		}
		if in.LastPingDateTime.IsZero() {
			in.LastPingDateTime = now.Add(-time.Minute).UTC().Truncate(time.Millisecond)
		}
		m.instances[in.InstanceId] = &in
	}
	return nil
}

// SetPingStatus changes a managed instance's agent status (Online,
// ConnectionLost, Inactive).
func (m *SSM) SetPingStatus(id, status string) error {
	switch status {
	case "Online", "ConnectionLost", "Inactive":
	default:
		return fmt.Errorf("set ping status: %q is not Online, ConnectionLost or Inactive", status)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	in, ok := m.instances[id]
	if !ok {
		return fmt.Errorf("set ping status: instance %s is not managed by SSM", id)
	}
	in.PingStatus = status
	return nil
}

// State returns a copy of the SSM state, invocations in the order their
// commands were sent.
func (m *SSM) State() SSMState {
	now := m.srv.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	var st SSMState
	for _, in := range sortedValues(m.instances) {
		c := *in
		c.Commands = make(map[string]SSMCommandResult, len(in.Commands))
		for k, v := range in.Commands {
			c.Commands[k] = v
		}
		st.Instances = append(st.Instances, c)
	}
	for _, cmd := range m.sortedCommands() {
		for _, id := range cmd.instanceIDs {
			v := m.view(cmd, cmd.invocations[id], now)
			st.Invocations = append(st.Invocations, SSMInvocation{
				CommandId: cmd.id, InstanceId: id, DocumentName: cmd.document, Commands: append([]string(nil), cmd.lines...),
				Comment: cmd.comment, RequestedDateTime: cmd.requested, Status: v.status, StatusDetails: v.details,
				ResponseCode: v.code, Stdout: v.stdout, Stderr: v.stderr,
			})
		}
	}
	return st
}

// sortedCommands returns the commands in the order they were sent. The
// caller holds m.mu.
func (m *SSM) sortedCommands() []*ssmCommand {
	out := make([]*ssmCommand, 0, len(m.commands))
	for _, c := range m.commands {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out
}

// run is what the instance prints for a script of command lines: each
// line's output in turn, the script's exit status being the last line's,
// and the longest delay of any line.
func (in *SSMManagedInstance) run(lines []string, commandID string) SSMCommandResult {
	var out SSMCommandResult
	var delay Duration
	for i, line := range lines {
		r, ok := in.Commands[strings.TrimSpace(line)]
		if !ok {
			prog := strings.Fields(line)[0]
			r = SSMCommandResult{
				Stderr:   fmt.Sprintf("/var/lib/amazon/ssm/%s/document/orchestration/%s/awsrunShellScript/0.awsrunShellScript/_script.sh: line %d: %s: command not found\n", in.InstanceId, commandID, i+1, prog),
				ExitCode: 127,
			}
		}
		out.Stdout += r.Stdout
		out.Stderr += r.Stderr
		out.ExitCode = r.ExitCode
		delay += r.Delay
	}
	if out.ExitCode != 0 {
		out.Stderr += fmt.Sprintf("failed to run commands: exit status %d", out.ExitCode)
	}
	out.Delay = delay
	return out
}

// invocationView is an invocation as the API reports it at one moment.
type invocationView struct {
	status, details   string
	code              int
	stdout, stderr    string
	started, finished time.Time
}

// view computes an invocation's status on the server clock. The caller
// holds m.mu.
func (m *SSM) view(cmd *ssmCommand, inv *ssmInvocation, now time.Time) invocationView {
	if !inv.delivered {
		if now.Before(cmd.requested.Add(time.Duration(cmd.timeout) * time.Second)) {
			return invocationView{status: "Pending", details: "Pending", code: -1}
		}
		return invocationView{status: "TimedOut", details: "DeliveryTimedOut", code: -1}
	}
	done := cmd.requested.Add(time.Duration(inv.result.Delay))
	if now.Before(done) {
		return invocationView{status: "InProgress", details: "InProgress", code: -1, started: cmd.requested}
	}
	v := invocationView{status: "Success", details: "Success", code: inv.result.ExitCode,
		stdout: inv.result.Stdout, stderr: inv.result.Stderr, started: cmd.requested, finished: done}
	if inv.result.ExitCode != 0 {
		v.status, v.details = "Failed", "Failed"
	}
	return v
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// ---- JSON shapes (member names from the SDK's schemas) ----

type ssmCommandJSON struct {
	CommandId              string
	DocumentName           string
	DocumentVersion        string
	Comment                string `json:",omitempty"`
	ExpiresAfter           float64
	Parameters             map[string][]string
	InstanceIds            []string
	Targets                []struct{}
	RequestedDateTime      float64
	Status                 string
	StatusDetails          string
	MaxConcurrency         string
	MaxErrors              string
	TargetCount            int
	CompletedCount         int
	ErrorCount             int
	DeliveryTimedOutCount  int
	TimeoutSeconds         int
	CloudWatchOutputConfig struct {
		CloudWatchOutputEnabled bool
	}
}

type ssmPluginJSON struct {
	Name                   string
	Status                 string
	StatusDetails          string
	ResponseCode           int
	ResponseStartDateTime  float64 `json:",omitempty"`
	ResponseFinishDateTime float64 `json:",omitempty"`
	Output                 string
	StandardOutputUrl      string
	StandardErrorUrl       string
}

type ssmInvocationJSON struct {
	CommandId         string
	InstanceId        string
	InstanceName      string
	Comment           string `json:",omitempty"`
	DocumentName      string
	DocumentVersion   string
	RequestedDateTime float64
	Status            string
	StatusDetails     string
	TraceOutput       string
	StandardOutputUrl string
	StandardErrorUrl  string
	CommandPlugins    []ssmPluginJSON `json:",omitempty"`
}

// ssmDocumentNameRE is SSM's rule for document names.
var ssmDocumentNameRE = regexp.MustCompile(`^[a-zA-Z0-9_.-]{3,128}$`)

// ---- operations ----

func (m *SSM) sendCommand(c *Call) (any, error) {
	var in struct {
		InstanceIds     []string
		Targets         []json.RawMessage
		DocumentName    string
		DocumentVersion string
		TimeoutSeconds  *int
		Comment         string
		Parameters      map[string][]string
		MaxConcurrency  string
		MaxErrors       string
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	docName := in.DocumentName
	if i := strings.LastIndex(docName, ":document/"); i >= 0 {
		docName = docName[i+len(":document/"):]
	}
	m.mu.Lock()
	ownLines, own := m.documents[docName]
	m.mu.Unlock()
	switch {
	case in.DocumentName == "":
		return nil, ssmError("ValidationException", "1 validation error detected: Value null at 'documentName' failed to satisfy constraint: Member must not be null")
	case own && len(in.Parameters) > 0:
		for name := range in.Parameters {
			return nil, ssmError("InvalidParameters", "Parameter \"%s\" is not defined in document %s.", name, docName)
		}
	case !own && docName != ssmShellDocument:
		return nil, ssmError("InvalidDocument", "Document with name %s does not exist (the simulator runs %s and the account's seeded documents only).", in.DocumentName, ssmShellDocument)
	case len(in.Targets) > 0:
		return nil, ssmError("InvalidParameters", "the simulator sends commands to InstanceIds only, not Targets")
	case len(in.InstanceIds) == 0:
		return nil, ssmError("InvalidParameters", "Either InstanceIds or Targets must be specified")
	case len(in.InstanceIds) > SSMMaxInstanceIds:
		return nil, ssmError("ValidationException", "1 validation error detected: Value '%v' at 'instanceIds' failed to satisfy constraint: Member must have length less than or equal to %d", in.InstanceIds, SSMMaxInstanceIds)
	case len([]rune(in.Comment)) > 100:
		return nil, ssmError("ValidationException", "1 validation error detected: Value at 'comment' failed to satisfy constraint: Member must have length less than or equal to 100")
	}
	timeout := ssmDefaultTimeout
	if in.TimeoutSeconds != nil {
		timeout = *in.TimeoutSeconds
		if timeout < 30 || timeout > 2592000 {
			return nil, ssmError("ValidationException", "1 validation error detected: Value '%d' at 'timeoutSeconds' failed to satisfy constraint: Member must have value between 30 and 2592000", timeout)
		}
	}
	lines := in.Parameters["commands"]
	if own {
		lines = ownLines
	}
	for name, vals := range in.Parameters {
		switch name {
		case "commands", "workingDirectory":
		case "executionTimeout":
			if len(vals) != 1 {
				return nil, ssmError("InvalidParameters", "Parameter \"executionTimeout\" takes one value.")
			}
			if n, err := strconv.Atoi(vals[0]); err != nil || n < 1 || n > 172800 {
				return nil, ssmError("InvalidParameters", "Parameter \"executionTimeout\" \"%s\" is not an integer between 1 and 172800.", vals[0])
			}
		default:
			return nil, ssmError("InvalidParameters", "Parameter \"%s\" is not defined in document %s.", name, ssmShellDocument)
		}
	}
	var script []string
	for _, l := range lines {
		for _, s := range strings.Split(l, "\n") {
			if strings.TrimSpace(s) != "" {
				script = append(script, s)
			}
		}
	}
	if len(script) == 0 {
		return nil, ssmError("InvalidParameters", "Parameter \"commands\" is required by document %s and must not be empty.", ssmShellDocument)
	}
	seen := map[string]bool{}
	var ids []string
	for _, id := range in.InstanceIds {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var bad []string
	for _, id := range ids {
		if inst, ok := m.instances[id]; !ok || inst.PingStatus == "Inactive" {
			bad = append(bad, id)
		}
	}
	if len(bad) > 0 {
		return nil, ssmError("InvalidInstanceId", "Instances [[%s]] not in a valid state for account %s", strings.Join(bad, ", "), c.Account())
	}
	m.seq++
	cmd := &ssmCommand{
		id: newRequestID(), seq: m.seq, document: docName, lines: script, comment: in.Comment,
		params: in.Parameters, requested: c.Now.UTC().Truncate(time.Millisecond), timeout: timeout,
		instanceIDs: ids, invocations: map[string]*ssmInvocation{},
	}
	for _, id := range ids {
		inst := m.instances[id]
		inv := &ssmInvocation{instanceID: id, delivered: inst.PingStatus == "Online"}
		if inv.delivered {
			inv.result = inst.run(script, cmd.id)
		}
		cmd.invocations[id] = inv
	}
	m.commands[cmd.id] = cmd
	out := ssmCommandJSON{
		CommandId: cmd.id, DocumentName: cmd.document, DocumentVersion: "$DEFAULT", Comment: cmd.comment,
		ExpiresAfter: epoch(cmd.requested.Add(time.Duration(timeout+ssmDefaultTimeout) * time.Second)),
		Parameters:   cmd.params, InstanceIds: ids, Targets: []struct{}{}, RequestedDateTime: epoch(cmd.requested),
		Status: "Pending", StatusDetails: "Pending", MaxConcurrency: orDefault(in.MaxConcurrency, "50"),
		MaxErrors: orDefault(in.MaxErrors, "0"), TargetCount: len(ids), TimeoutSeconds: timeout,
	}
	return struct{ Command ssmCommandJSON }{out}, nil
}

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

// commandIDOK reports whether id has the shape of a command id (36 characters).
func commandIDOK(id string) bool { return len(id) == 36 }

func (m *SSM) listCommandInvocations(c *Call) (any, error) {
	var in struct {
		CommandId  string
		InstanceId string
		MaxResults *int
		NextToken  string
		Details    bool
		Filters    []struct{ Key, Value string }
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	limit := 50
	if in.MaxResults != nil {
		limit = *in.MaxResults
		if limit < 1 || limit > 50 {
			return nil, ssmError("ValidationException", "1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 50", limit)
		}
	}
	if in.CommandId != "" && !commandIDOK(in.CommandId) {
		return nil, ssmError("ValidationException", "1 validation error detected: Value '%s' at 'commandId' failed to satisfy constraint: Member must have length equal to 36", in.CommandId)
	}
	statusFilter := ""
	for _, f := range in.Filters {
		if f.Key != "Status" {
			return nil, ssmError("InvalidFilterKey", "the simulator filters command invocations by Status only, not %s", f.Key)
		}
		statusFilter = f.Value
	}
	after := ""
	if in.NextToken != "" {
		k, ok := decodeToken("ssm:ListCommandInvocations", in.NextToken)
		if !ok {
			return nil, ssmError("InvalidNextToken", "The specified token is not valid.")
		}
		after = k
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if in.CommandId != "" {
		if _, ok := m.commands[in.CommandId]; !ok {
			return nil, ssmError("InvalidCommandId", "Command %s does not exist.", in.CommandId)
		}
	}
	type item struct {
		key string
		cmd *ssmCommand
		id  string
		v   invocationView
	}
	var items []item
	for _, cmd := range m.commands {
		if in.CommandId != "" && cmd.id != in.CommandId {
			continue
		}
		for _, id := range cmd.instanceIDs {
			if in.InstanceId != "" && id != in.InstanceId {
				continue
			}
			v := m.view(cmd, cmd.invocations[id], c.Now)
			if statusFilter != "" && v.status != statusFilter {
				continue
			}
			items = append(items, item{key: fmt.Sprintf("%012d\x00%s", cmd.seq, id), cmd: cmd, id: id, v: v})
		}
	}
	page, last := keyPage(items, func(i item) string { return i.key }, after, limit)
	out := struct {
		CommandInvocations []ssmInvocationJSON
		NextToken          string `json:",omitempty"`
	}{CommandInvocations: []ssmInvocationJSON{}}
	if last != "" {
		out.NextToken = encodeToken("ssm:ListCommandInvocations", last)
	}
	for _, it := range page {
		inst := m.instances[it.id]
		name := ""
		if inst != nil {
			name = inst.ComputerName
		}
		j := ssmInvocationJSON{
			CommandId: it.cmd.id, InstanceId: it.id, InstanceName: name, Comment: it.cmd.comment,
			DocumentName: it.cmd.document, DocumentVersion: "$DEFAULT", RequestedDateTime: epoch(it.cmd.requested),
			Status: it.v.status, StatusDetails: it.v.details,
		}
		if in.Details {
			p := ssmPluginJSON{Name: "aws:runShellScript", Status: it.v.status, StatusDetails: it.v.details, ResponseCode: it.v.code}
			if !it.v.started.IsZero() {
				p.ResponseStartDateTime = epoch(it.v.started)
			}
			if !it.v.finished.IsZero() {
				p.ResponseFinishDateTime = epoch(it.v.finished)
				p.Output = it.v.stdout
				if it.v.stderr != "" {
					if p.Output != "" && !strings.HasSuffix(p.Output, "\n") {
						p.Output += "\n"
					}
					p.Output += ssmStderrMarker + "\n" + it.v.stderr
				}
				p.Output = clip(p.Output, ssmPluginOutputMax)
			}
			j.CommandPlugins = []ssmPluginJSON{p}
		}
		out.CommandInvocations = append(out.CommandInvocations, j)
	}
	return out, nil
}

func (m *SSM) getCommandInvocation(c *Call) (any, error) {
	var in struct {
		CommandId  string
		InstanceId string
		PluginName string
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	if !commandIDOK(in.CommandId) {
		return nil, ssmError("InvalidCommandId", "Command id %q is not valid.", in.CommandId)
	}
	if in.InstanceId == "" {
		return nil, ssmError("ValidationException", "1 validation error detected: Value null at 'instanceId' failed to satisfy constraint: Member must not be null")
	}
	if in.PluginName != "" && in.PluginName != "aws:runShellScript" {
		return nil, ssmError("InvalidPluginName", "Plugin %s is not a step of document %s.", in.PluginName, ssmShellDocument)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	cmd, ok := m.commands[in.CommandId]
	if !ok {
		return nil, ssmError("InvocationDoesNotExist", "An invocation of command %s on instance %s does not exist.", in.CommandId, in.InstanceId)
	}
	inv, ok := cmd.invocations[in.InstanceId]
	if !ok {
		return nil, ssmError("InvocationDoesNotExist", "An invocation of command %s on instance %s does not exist.", in.CommandId, in.InstanceId)
	}
	v := m.view(cmd, inv, c.Now)
	out := struct {
		CommandId              string
		InstanceId             string
		Comment                string `json:",omitempty"`
		DocumentName           string
		DocumentVersion        string
		PluginName             string
		ResponseCode           int
		ExecutionStartDateTime string
		ExecutionElapsedTime   string
		ExecutionEndDateTime   string
		Status                 string
		StatusDetails          string
		StandardOutputContent  string
		StandardOutputUrl      string
		StandardErrorContent   string
		StandardErrorUrl       string
		CloudWatchOutputConfig struct{ CloudWatchOutputEnabled bool }
	}{
		CommandId: cmd.id, InstanceId: in.InstanceId, Comment: cmd.comment, DocumentName: cmd.document, DocumentVersion: "$DEFAULT",
		PluginName: "aws:runShellScript", ResponseCode: v.code, Status: v.status, StatusDetails: v.details,
		StandardOutputContent: clip(v.stdout, ssmStdoutMax), StandardErrorContent: clip(v.stderr, ssmStderrMax),
	}
	if !v.started.IsZero() {
		out.ExecutionStartDateTime = v.started.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	if !v.finished.IsZero() {
		out.ExecutionEndDateTime = v.finished.UTC().Format("2006-01-02T15:04:05.000Z")
		d := v.finished.Sub(v.started)
		out.ExecutionElapsedTime = fmt.Sprintf("PT%.3fS", d.Seconds())
	}
	return out, nil
}

func (m *SSM) describeInstanceInformation(c *Call) (any, error) {
	var in struct {
		InstanceInformationFilterList []struct {
			Key      string   `json:"key"`
			ValueSet []string `json:"valueSet"`
		}
		Filters []struct {
			Key    string
			Values []string
		}
		MaxResults *int
		NextToken  string
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	limit := 50
	if in.MaxResults != nil {
		limit = *in.MaxResults
		if limit < 5 || limit > 50 {
			return nil, ssmError("ValidationException", "1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value between 5 and 50", limit)
		}
	}
	if len(in.InstanceInformationFilterList) > 0 && len(in.Filters) > 0 {
		return nil, ssmError("InvalidFilterKey", "InstanceInformationFilterList and Filters cannot be used together.")
	}
	type filter struct {
		key    string
		values []string
	}
	var filters []filter
	for _, f := range in.InstanceInformationFilterList {
		filters = append(filters, filter{f.Key, f.ValueSet})
	}
	for _, f := range in.Filters {
		filters = append(filters, filter{f.Key, f.Values})
	}
	hasTag := false
	for _, f := range filters {
		switch {
		case strings.HasPrefix(f.key, "tag:") || f.key == "tag-key":
			hasTag = true
		case f.key == "InstanceIds" || f.key == "PingStatus" || f.key == "PlatformTypes" || f.key == "AgentVersion" || f.key == "ResourceType":
		default:
			return nil, ssmError("InvalidInstanceInformationFilterValue", "the simulator does not support filter key %q (it supports InstanceIds, PingStatus, PlatformTypes, AgentVersion, ResourceType)", f.key)
		}
		if len(f.values) == 0 {
			return nil, ssmError("InvalidInstanceInformationFilterValue", "Filter %s needs at least one value.", f.key)
		}
	}
	if hasTag {
		return nil, ssmError("InvalidFilterKey", "the simulator keeps no tags on managed nodes; filter by InstanceIds instead")
	}
	after := ""
	if in.NextToken != "" {
		k, ok := decodeToken("ssm:DescribeInstanceInformation", in.NextToken)
		if !ok {
			return nil, ssmError("InvalidNextToken", "The specified token is not valid.")
		}
		after = k
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var items []*SSMManagedInstance
	for _, inst := range m.instances {
		ok := true
		for _, f := range filters {
			var have string
			switch f.key {
			case "InstanceIds":
				have = inst.InstanceId
			case "PingStatus":
				have = inst.PingStatus
			case "PlatformTypes":
				have = inst.PlatformType
			case "AgentVersion":
				have = inst.AgentVersion
			case "ResourceType":
				have = "EC2Instance"
				if strings.HasPrefix(inst.InstanceId, "mi-") {
					have = "ManagedInstance"
				}
			}
			match := false
			for _, v := range f.values {
				match = match || v == have
			}
			ok = ok && match
		}
		if ok {
			items = append(items, inst)
		}
	}
	page, last := keyPage(items, func(i *SSMManagedInstance) string { return i.InstanceId }, after, limit)
	type info struct {
		InstanceId       string
		PingStatus       string
		LastPingDateTime float64
		AgentVersion     string
		IsLatestVersion  bool
		PlatformType     string
		PlatformName     string
		PlatformVersion  string
		ResourceType     string
		IPAddress        string
		ComputerName     string
		SourceId         string
		SourceType       string
	}
	out := struct {
		InstanceInformationList []info
		NextToken               string `json:",omitempty"`
	}{InstanceInformationList: []info{}}
	if last != "" {
		out.NextToken = encodeToken("ssm:DescribeInstanceInformation", last)
	}
	for _, inst := range page {
		rt, st := "EC2Instance", "AWS::EC2::Instance"
		if strings.HasPrefix(inst.InstanceId, "mi-") {
			rt, st = "ManagedInstance", "AWS::SSM::ManagedInstance"
		}
		out.InstanceInformationList = append(out.InstanceInformationList, info{
			InstanceId: inst.InstanceId, PingStatus: inst.PingStatus, LastPingDateTime: epoch(inst.LastPingDateTime),
			AgentVersion: inst.AgentVersion, IsLatestVersion: false, PlatformType: inst.PlatformType,
			PlatformName: inst.PlatformName, PlatformVersion: inst.PlatformVersion, ResourceType: rt,
			IPAddress: inst.IPAddress, ComputerName: inst.ComputerName, SourceId: inst.InstanceId, SourceType: st,
		})
	}
	return out, nil
}
