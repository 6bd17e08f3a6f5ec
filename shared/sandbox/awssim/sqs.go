package awssim

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

func init() { RegisterService("sqs", newSQSService) }

// SQSAttribute is a message attribute (the JSON shape of the SQS API).
type SQSAttribute struct {
	DataType    string
	StringValue string `json:",omitempty"`
	BinaryValue []byte `json:",omitempty"`
}

// SQSMessage is a message in a queue.
type SQSMessage struct {
	MessageId               string
	Body                    string
	MessageAttributes       map[string]SQSAttribute `json:",omitempty"`
	SentTimestamp           time.Time
	ApproximateReceiveCount int
	// InFlight is true while the message is received and not yet visible again.
	InFlight bool
	// VisibleAt is when the message can be received (again).
	VisibleAt time.Time `json:",omitzero"`
}

// SQSQueueSeed is one queue to create, with messages to put in it.
type SQSQueueSeed struct {
	QueueName  string
	Attributes map[string]string `json:",omitempty"`
	Messages   []SQSMessageSeed  `json:",omitempty"`
}

// SQSMessageSeed is a message to put in a seeded queue.
type SQSMessageSeed struct {
	Body              string
	MessageAttributes map[string]SQSAttribute `json:",omitempty"`
}

// SQSSeed is state to add to the SQS simulator (POST /_sim/seed/sqs).
type SQSSeed struct {
	Queues []SQSQueueSeed
}

// SQSQueueState is one queue's state.
type SQSQueueState struct {
	QueueName  string
	QueueArn   string
	Attributes map[string]string
	Messages   []SQSMessage
}

// SQSState is the SQS simulator's state (GET /_sim/state/sqs).
type SQSState struct {
	Queues []SQSQueueState
}

// SQS is the SQS simulator's state. Get it with Server.SQS.
type SQS struct {
	srv    *Server
	mu     sync.Mutex
	queues map[string]*sqsQueue
	notify chan struct{} // closed and replaced whenever a message is sent
}

type sqsQueue struct {
	name     string
	attrs    map[string]string
	created  time.Time
	modified time.Time
	messages []*sqsMessage
}

type sqsMessage struct {
	id, body, md5Body string
	attrs             map[string]SQSAttribute
	sent              time.Time
	visibleAt         time.Time
	receiveCount      int
	firstReceive      time.Time
	handle            string
}

// SQS returns the SQS simulator's state.
func (s *Server) SQS() *SQS {
	svc, _ := s.Service("sqs")
	return svc.Backend.(*SQS)
}

func newSQSService(s *Server) *Service {
	q := &SQS{srv: s, queues: map[string]*sqsQueue{}, notify: make(chan struct{})}
	return &Service{
		Name:            "sqs",
		Protocol:        ProtocolJSON10,
		TargetPrefix:    "AmazonSQS",
		QueryCompatible: true,
		Operations: map[string]Handler{
			"CreateQueue":             q.createQueue,
			"GetQueueUrl":             q.getQueueURL,
			"DeleteQueue":             q.deleteQueue,
			"PurgeQueue":              q.purgeQueue,
			"GetQueueAttributes":      q.getQueueAttributes,
			"SetQueueAttributes":      q.setQueueAttributes,
			"SendMessage":             q.sendMessage,
			"SendMessageBatch":        q.sendMessageBatch,
			"ReceiveMessage":          q.receiveMessage,
			"DeleteMessage":           q.deleteMessage,
			"DeleteMessageBatch":      q.deleteMessageBatch,
			"ChangeMessageVisibility": q.changeMessageVisibility,
		},
		Dump: func() any { return q.State() },
		Seed: func(data []byte) error {
			var seed SQSSeed
			if err := seedJSON(data, &seed); err != nil {
				return err
			}
			return q.Seed(seed)
		},
		Backend: q,
	}
}

// ---- errors ----

func sqsError(typ, queryCode, format string, args ...any) *APIError {
	return &APIError{Status: 400, Code: typ, Type: "com.amazonaws.sqs#" + typ, QueryCode: queryCode, Message: fmt.Sprintf(format, args...)}
}

func errNoQueue() *APIError {
	return sqsError("QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist.")
}

func errInvalidParam(format string, args ...any) *APIError {
	return &APIError{Status: 400, Code: "InvalidParameterValue", Type: "com.amazon.coral.validate#ValidationException", QueryCode: "InvalidParameterValue", Message: fmt.Sprintf(format, args...)}
}

// ---- queues and attributes ----

var queueNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)

var queueAttrDefaults = map[string]string{
	"VisibilityTimeout":             "30",
	"DelaySeconds":                  "0",
	"MessageRetentionPeriod":        "345600",
	"ReceiveMessageWaitTimeSeconds": "0",
	"MaximumMessageSize":            "262144",
}

var queueAttrRanges = map[string][2]int{
	"VisibilityTimeout":             {0, 43200},
	"DelaySeconds":                  {0, 900},
	"MessageRetentionPeriod":        {60, 1209600},
	"ReceiveMessageWaitTimeSeconds": {0, 20},
	"MaximumMessageSize":            {1024, 262144},
}

// checkQueueAttrs validates settable queue attributes.
func checkQueueAttrs(attrs map[string]string) *APIError {
	for k, v := range attrs {
		if r, ok := queueAttrRanges[k]; ok {
			n, err := strconv.Atoi(v)
			if err != nil || n < r[0] || n > r[1] {
				return sqsError("InvalidAttributeValue", "InvalidAttributeValue", "Invalid value for the parameter %s.", k)
			}
			continue
		}
		switch k {
		case "RedrivePolicy":
			var rp struct {
				DeadLetterTargetArn string `json:"deadLetterTargetArn"`
				MaxReceiveCount     any    `json:"maxReceiveCount"`
			}
			if err := json.Unmarshal([]byte(v), &rp); err != nil || rp.DeadLetterTargetArn == "" || redriveMax(v) < 1 {
				return sqsError("InvalidAttributeValue", "InvalidAttributeValue", "Value %s for parameter RedrivePolicy is invalid.", v)
			}
		case "Policy", "KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds", "SqsManagedSseEnabled", "RedriveAllowPolicy":
		case "FifoQueue", "ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit":
			if k == "FifoQueue" && v == "false" {
				continue
			}
			return sqsError("UnsupportedOperation", "AWS.SimpleQueueService.UnsupportedOperation", "the simulator does not simulate FIFO queues (%s)", k)
		default:
			return sqsError("InvalidAttributeName", "InvalidAttributeName", "Unknown Attribute %s.", k)
		}
	}
	return nil
}

// redriveMax returns a RedrivePolicy's maxReceiveCount (given as a number or a string).
func redriveMax(policy string) int {
	var rp struct {
		MaxReceiveCount json.RawMessage `json:"maxReceiveCount"`
	}
	if json.Unmarshal([]byte(policy), &rp) != nil {
		return 0
	}
	s := strings.Trim(string(rp.MaxReceiveCount), `"`)
	n, _ := strconv.Atoi(s)
	return n
}

func (q *SQS) arn(name string) string {
	return fmt.Sprintf("arn:aws:sqs:%s:%s:%s", q.srv.opts.Region, q.srv.opts.AccountID, name)
}

// create makes a queue, or checks an existing one has the same attributes.
// The caller holds q.mu.
func (q *SQS) create(name string, attrs map[string]string, now time.Time) (*sqsQueue, *APIError) {
	if strings.HasSuffix(name, ".fifo") {
		return nil, sqsError("UnsupportedOperation", "AWS.SimpleQueueService.UnsupportedOperation", "the simulator does not simulate FIFO queues (%s)", name)
	}
	if !queueNameRE.MatchString(name) {
		return nil, errInvalidParam("Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length")
	}
	if err := checkQueueAttrs(attrs); err != nil {
		return nil, err
	}
	if existing, ok := q.queues[name]; ok {
		for k, v := range attrs {
			if existing.attrs[k] != v {
				return nil, sqsError("QueueNameExists", "QueueAlreadyExists", "A queue already exists with the same name and a different value for attribute %s", k)
			}
		}
		return existing, nil
	}
	qu := &sqsQueue{name: name, attrs: map[string]string{}, created: now, modified: now}
	for k, v := range queueAttrDefaults {
		qu.attrs[k] = v
	}
	for k, v := range attrs {
		qu.attrs[k] = v
	}
	q.queues[name] = qu
	return qu, nil
}

// queue finds the queue a QueueUrl names. The caller holds q.mu.
func (q *SQS) queue(queueURL string) (*sqsQueue, *APIError) {
	if queueURL == "" {
		return nil, errInvalidParam("Value for parameter QueueUrl is invalid. Reason: Must specify a queue URL.")
	}
	u, err := url.Parse(queueURL)
	if err != nil {
		return nil, errNoQueue()
	}
	name := u.Path[strings.LastIndex(u.Path, "/")+1:]
	qu, ok := q.queues[name]
	if !ok {
		return nil, errNoQueue()
	}
	return qu, nil
}

func (q *SQS) queueURL(c *Call, name string) string {
	return c.BaseURL() + "/" + c.Account() + "/" + name
}

// Seed creates queues and puts messages in them.
func (q *SQS) Seed(seed SQSSeed) error {
	now := q.srv.Now()
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, qs := range seed.Queues {
		qu, err := q.create(qs.QueueName, qs.Attributes, now)
		if err != nil {
			return fmt.Errorf("queue %d (%q): %s", i, qs.QueueName, err.Message)
		}
		for j, m := range qs.Messages {
			if err := checkBody(m.Body); err != nil {
				return fmt.Errorf("queue %q message %d: %s", qs.QueueName, j, err.Message)
			}
			qu.messages = append(qu.messages, &sqsMessage{id: newRequestID(), body: m.Body, md5Body: md5Hex(m.Body), attrs: m.MessageAttributes, sent: now, visibleAt: now})
		}
	}
	q.wake()
	return nil
}

// CreateQueue creates a standard queue with attributes (nil for defaults).
func (q *SQS) CreateQueue(name string, attrs map[string]string) error {
	return q.Seed(SQSSeed{Queues: []SQSQueueSeed{{QueueName: name, Attributes: attrs}}})
}

// Messages returns the messages in a queue, in flight or not, oldest first.
func (q *SQS) Messages(queueName string) ([]SQSMessage, error) {
	now := q.srv.Now()
	q.mu.Lock()
	defer q.mu.Unlock()
	qu, ok := q.queues[queueName]
	if !ok {
		return nil, fmt.Errorf("messages: queue %s does not exist", queueName)
	}
	return qu.snapshot(now), nil
}

func (qu *sqsQueue) snapshot(now time.Time) []SQSMessage {
	out := []SQSMessage{}
	for _, m := range qu.messages {
		out = append(out, SQSMessage{
			MessageId: m.id, Body: m.body, MessageAttributes: m.attrs, SentTimestamp: m.sent,
			ApproximateReceiveCount: m.receiveCount, InFlight: m.receiveCount > 0 && now.Before(m.visibleAt), VisibleAt: m.visibleAt,
		})
	}
	return out
}

// State returns every queue with its attributes and messages.
func (q *SQS) State() SQSState {
	now := q.srv.Now()
	q.mu.Lock()
	defer q.mu.Unlock()
	st := SQSState{Queues: []SQSQueueState{}}
	names := make([]string, 0, len(q.queues))
	for n := range q.queues {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		qu := q.queues[n]
		q.expire(qu, now)
		attrs := map[string]string{}
		for k, v := range qu.attrs {
			attrs[k] = v
		}
		st.Queues = append(st.Queues, SQSQueueState{QueueName: n, QueueArn: q.arn(n), Attributes: attrs, Messages: qu.snapshot(now)})
	}
	return st
}

// wake tells long-polling receivers a message arrived. The caller holds q.mu.
func (q *SQS) wake() {
	close(q.notify)
	q.notify = make(chan struct{})
}

// expire drops messages older than the retention period. The caller holds q.mu.
func (q *SQS) expire(qu *sqsQueue, now time.Time) {
	ret, _ := strconv.Atoi(qu.attrs["MessageRetentionPeriod"])
	kept := qu.messages[:0]
	for _, m := range qu.messages {
		if now.Sub(m.sent) < time.Duration(ret)*time.Second {
			kept = append(kept, m)
		}
	}
	qu.messages = kept
}

// ---- message checks and checksums ----

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// md5OfAttributes is SQS's checksum of message attributes: for each
// attribute sorted by name, the length-prefixed name, data type, a transport
// byte (1 string/number, 2 binary) and the length-prefixed value.
func md5OfAttributes(attrs map[string]SQSAttribute) string {
	if len(attrs) == 0 {
		return ""
	}
	names := make([]string, 0, len(attrs))
	for n := range attrs {
		names = append(names, n)
	}
	sort.Strings(names)
	h := md5.New()
	put := func(b []byte) {
		var l [4]byte
		binary.BigEndian.PutUint32(l[:], uint32(len(b)))
		h.Write(l[:])
		h.Write(b)
	}
	for _, n := range names {
		a := attrs[n]
		put([]byte(n))
		put([]byte(a.DataType))
		if strings.HasPrefix(a.DataType, "Binary") {
			h.Write([]byte{2})
			put(a.BinaryValue)
		} else {
			h.Write([]byte{1})
			put([]byte(a.StringValue))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

func validSQSChar(r rune) bool {
	return r == 0x9 || r == 0xA || r == 0xD || (r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)
}

func checkBody(body string) *APIError {
	if body == "" {
		return sqsError("InvalidParameterValue", "MissingParameter", "The request must contain the parameter MessageBody.")
	}
	if len(body) > 262144 {
		return errInvalidParam("One or more parameters are invalid. Reason: Message must be shorter than 262144 bytes.")
	}
	if !utf8.ValidString(body) {
		return sqsError("InvalidMessageContents", "InvalidMessageContents", "Invalid binary character in message body")
	}
	for _, r := range body {
		if !validSQSChar(r) {
			return sqsError("InvalidMessageContents", "InvalidMessageContents", "Invalid binary character '#x%X' was found in the message body, the set of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF", r)
		}
	}
	return nil
}

func checkAttributes(attrs map[string]SQSAttribute) *APIError {
	if len(attrs) > 10 {
		return errInvalidParam("Number of message attributes [%d] exceeds the allowed maximum [10].", len(attrs))
	}
	for n, a := range attrs {
		switch {
		case n == "" || len(n) > 256:
			return errInvalidParam("Message attribute name '%s' is invalid.", n)
		case strings.HasPrefix(a.DataType, "String"), strings.HasPrefix(a.DataType, "Number"):
			if a.StringValue == "" {
				return errInvalidParam("Message attribute '%s' must contain a non-empty value of message attribute type '%s'.", n, a.DataType)
			}
		case strings.HasPrefix(a.DataType, "Binary"):
			if len(a.BinaryValue) == 0 {
				return errInvalidParam("Message attribute '%s' must contain a non-empty value of message attribute type '%s'.", n, a.DataType)
			}
		default:
			return errInvalidParam("The type of message (user) attribute '%s' is invalid. You must use only the following supported type prefixes: Binary, Number, String.", n)
		}
	}
	return nil
}

// ---- operations ----

func (q *SQS) createQueue(c *Call) (any, error) {
	var in struct {
		QueueName  string
		Attributes map[string]string
		Tags       map[string]string
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if _, err := q.create(in.QueueName, in.Attributes, c.Now); err != nil {
		return nil, err
	}
	return map[string]string{"QueueUrl": q.queueURL(c, in.QueueName)}, nil
}

func (q *SQS) getQueueURL(c *Call) (any, error) {
	var in struct{ QueueName string }
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if _, ok := q.queues[in.QueueName]; !ok {
		return nil, errNoQueue()
	}
	return map[string]string{"QueueUrl": q.queueURL(c, in.QueueName)}, nil
}

func (q *SQS) deleteQueue(c *Call) (any, error) {
	var in struct{ QueueUrl string }
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	qu, err := q.queue(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	delete(q.queues, qu.name)
	return nil, nil
}

func (q *SQS) purgeQueue(c *Call) (any, error) {
	var in struct{ QueueUrl string }
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	qu, err := q.queue(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	qu.messages = nil
	return nil, nil
}

func (q *SQS) getQueueAttributes(c *Call) (any, error) {
	var in struct {
		QueueUrl       string
		AttributeNames []string
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	qu, err := q.queue(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	q.expire(qu, c.Now)
	all := map[string]string{}
	for k, v := range qu.attrs {
		all[k] = v
	}
	var visible, inFlight, delayed int
	for _, m := range qu.messages {
		switch {
		case !c.Now.Before(m.visibleAt):
			visible++
		case m.receiveCount > 0:
			inFlight++
		default:
			delayed++
		}
	}
	all["ApproximateNumberOfMessages"] = strconv.Itoa(visible)
	all["ApproximateNumberOfMessagesNotVisible"] = strconv.Itoa(inFlight)
	all["ApproximateNumberOfMessagesDelayed"] = strconv.Itoa(delayed)
	all["CreatedTimestamp"] = strconv.FormatInt(qu.created.Unix(), 10)
	all["LastModifiedTimestamp"] = strconv.FormatInt(qu.modified.Unix(), 10)
	all["QueueArn"] = q.arn(qu.name)
	all["SqsManagedSseEnabled"] = "true"
	out := map[string]string{}
	for _, n := range in.AttributeNames {
		if n == "All" {
			out = all
			break
		}
		v, ok := all[n]
		if !ok {
			if _, known := queueAttrDefaults[n]; !known && n != "RedrivePolicy" && n != "Policy" && n != "KmsMasterKeyId" {
				return nil, sqsError("InvalidAttributeName", "InvalidAttributeName", "Unknown Attribute %s.", n)
			}
			continue
		}
		out[n] = v
	}
	if len(out) == 0 {
		return struct{}{}, nil
	}
	return map[string]any{"Attributes": out}, nil
}

func (q *SQS) setQueueAttributes(c *Call) (any, error) {
	var in struct {
		QueueUrl   string
		Attributes map[string]string
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	if err := checkQueueAttrs(in.Attributes); err != nil {
		return nil, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	qu, err := q.queue(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	for k, v := range in.Attributes {
		qu.attrs[k] = v
	}
	qu.modified = c.Now
	return nil, nil
}

type sqsSendEntry struct {
	Id                string
	MessageBody       string
	DelaySeconds      *int
	MessageAttributes map[string]SQSAttribute
}

type sqsSendResult struct {
	Id                     string `json:",omitempty"`
	MessageId              string
	MD5OfMessageBody       string
	MD5OfMessageAttributes string `json:",omitempty"`
}

// send puts one message on a queue. The caller holds q.mu.
func (q *SQS) send(qu *sqsQueue, e sqsSendEntry, now time.Time) (sqsSendResult, *APIError) {
	if err := checkBody(e.MessageBody); err != nil {
		return sqsSendResult{}, err
	}
	if err := checkAttributes(e.MessageAttributes); err != nil {
		return sqsSendResult{}, err
	}
	delay, _ := strconv.Atoi(qu.attrs["DelaySeconds"])
	if e.DelaySeconds != nil {
		delay = *e.DelaySeconds
		if delay < 0 || delay > 900 {
			return sqsSendResult{}, errInvalidParam("Value %d for parameter DelaySeconds is invalid. Reason: must be between 0 and 900, if provided.", delay)
		}
	}
	m := &sqsMessage{
		id: newRequestID(), body: e.MessageBody, md5Body: md5Hex(e.MessageBody), attrs: e.MessageAttributes,
		sent: now, visibleAt: now.Add(time.Duration(delay) * time.Second),
	}
	qu.messages = append(qu.messages, m)
	q.wake()
	return sqsSendResult{Id: e.Id, MessageId: m.id, MD5OfMessageBody: m.md5Body, MD5OfMessageAttributes: md5OfAttributes(m.attrs)}, nil
}

func (q *SQS) sendMessage(c *Call) (any, error) {
	var in struct {
		QueueUrl string
		sqsSendEntry
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	qu, err := q.queue(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	res, apiErr := q.send(qu, in.sqsSendEntry, c.Now)
	if apiErr != nil {
		return nil, apiErr
	}
	res.Id = ""
	return res, nil
}

var batchIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)

type sqsBatchFailure struct {
	Id          string
	SenderFault bool
	Code        string
	Message     string
}

// checkBatch applies SQS's rules for batch entry ids.
func checkBatch(ids []string) *APIError {
	if len(ids) == 0 {
		return sqsError("EmptyBatchRequest", "AWS.SimpleQueueService.EmptyBatchRequest", "There should be at least one entry in the request.")
	}
	if len(ids) > 10 {
		return sqsError("TooManyEntriesInBatchRequest", "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", "Maximum number of entries per request are 10. You have sent %d.", len(ids))
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if !batchIDRE.MatchString(id) {
			return sqsError("InvalidBatchEntryId", "AWS.SimpleQueueService.InvalidBatchEntryId", "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.")
		}
		if seen[id] {
			return sqsError("BatchEntryIdsNotDistinct", "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "Id %s repeated.", id)
		}
		seen[id] = true
	}
	return nil
}

func (q *SQS) sendMessageBatch(c *Call) (any, error) {
	var in struct {
		QueueUrl string
		Entries  []sqsSendEntry
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	ids := make([]string, len(in.Entries))
	total := 0
	for i, e := range in.Entries {
		ids[i] = e.Id
		total += len(e.MessageBody)
	}
	if err := checkBatch(ids); err != nil {
		return nil, err
	}
	if total > 262144 {
		return nil, sqsError("BatchRequestTooLong", "AWS.SimpleQueueService.BatchRequestTooLong", "Batch requests cannot be longer than 262144 bytes. You have sent %d bytes.", total)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	qu, err := q.queue(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	out := struct {
		Successful []sqsSendResult
		Failed     []sqsBatchFailure
	}{Successful: []sqsSendResult{}, Failed: []sqsBatchFailure{}}
	for _, e := range in.Entries {
		res, apiErr := q.send(qu, e, c.Now)
		if apiErr != nil {
			out.Failed = append(out.Failed, sqsBatchFailure{Id: e.Id, SenderFault: true, Code: apiErr.QueryCode, Message: apiErr.Message})
			continue
		}
		out.Successful = append(out.Successful, res)
	}
	return out, nil
}

type sqsOutMessage struct {
	MessageId              string
	ReceiptHandle          string
	MD5OfBody              string
	Body                   string
	Attributes             map[string]string       `json:",omitempty"`
	MD5OfMessageAttributes string                  `json:",omitempty"`
	MessageAttributes      map[string]SQSAttribute `json:",omitempty"`
}

func wants(names []string, name string) bool {
	for _, n := range names {
		if n == "All" || n == ".*" || n == name || (strings.HasSuffix(n, ".*") && strings.HasPrefix(name, strings.TrimSuffix(n, "*"))) {
			return true
		}
	}
	return false
}

func (q *SQS) receiveMessage(c *Call) (any, error) {
	var in struct {
		QueueUrl                    string
		AttributeNames              []string
		MessageSystemAttributeNames []string
		MessageAttributeNames       []string
		MaxNumberOfMessages         *int
		VisibilityTimeout           *int
		WaitTimeSeconds             *int
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	max := 1
	if in.MaxNumberOfMessages != nil {
		max = *in.MaxNumberOfMessages
		if max < 1 || max > 10 {
			return nil, errInvalidParam("Value %d for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.", max)
		}
	}
	if in.VisibilityTimeout != nil && (*in.VisibilityTimeout < 0 || *in.VisibilityTimeout > 43200) {
		return nil, errInvalidParam("Value %d for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200, if provided.", *in.VisibilityTimeout)
	}
	if in.WaitTimeSeconds != nil && (*in.WaitTimeSeconds < 0 || *in.WaitTimeSeconds > 20) {
		return nil, errInvalidParam("Value %d for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.", *in.WaitTimeSeconds)
	}
	sysNames := append(append([]string(nil), in.AttributeNames...), in.MessageSystemAttributeNames...)

	q.mu.Lock()
	qu, apiErr := q.queue(in.QueueUrl)
	if apiErr != nil {
		q.mu.Unlock()
		return nil, apiErr
	}
	wait, _ := strconv.Atoi(qu.attrs["ReceiveMessageWaitTimeSeconds"])
	q.mu.Unlock()
	if in.WaitTimeSeconds != nil {
		wait = *in.WaitTimeSeconds
	}
	deadline := time.Now().Add(min(time.Duration(wait)*time.Second, q.srv.opts.MaxLongPoll))
	for {
		now := q.srv.Now()
		q.mu.Lock()
		qu, apiErr = q.queue(in.QueueUrl)
		if apiErr != nil {
			q.mu.Unlock()
			return nil, apiErr
		}
		msgs := q.take(c, qu, max, in.VisibilityTimeout, sysNames, in.MessageAttributeNames, now)
		notify := q.notify
		q.mu.Unlock()
		remaining := time.Until(deadline)
		if len(msgs) > 0 || remaining <= 0 {
			return struct{ Messages []sqsOutMessage }{msgs}, nil
		}
		t := time.NewTimer(min(remaining, 100*time.Millisecond))
		select {
		case <-notify:
		case <-t.C:
		case <-c.Request.Context().Done():
			t.Stop()
			return nil, context.Cause(c.Request.Context())
		}
		t.Stop()
	}
}

// take receives up to max visible messages. The caller holds q.mu.
func (q *SQS) take(c *Call, qu *sqsQueue, max int, visibility *int, sysNames, attrNames []string, now time.Time) []sqsOutMessage {
	q.expire(qu, now)
	vis, _ := strconv.Atoi(qu.attrs["VisibilityTimeout"])
	if visibility != nil {
		vis = *visibility
	}
	maxReceives, dlq := 0, (*sqsQueue)(nil)
	if rp := qu.attrs["RedrivePolicy"]; rp != "" {
		var p struct {
			DeadLetterTargetArn string `json:"deadLetterTargetArn"`
		}
		json.Unmarshal([]byte(rp), &p)
		dlq = q.queues[p.DeadLetterTargetArn[strings.LastIndex(p.DeadLetterTargetArn, ":")+1:]]
		maxReceives = redriveMax(rp)
	}
	var out []sqsOutMessage
	kept := qu.messages[:0]
	for _, m := range qu.messages {
		if len(out) >= max || now.Before(m.visibleAt) {
			kept = append(kept, m)
			continue
		}
		if dlq != nil && dlq != qu && maxReceives > 0 && m.receiveCount >= maxReceives {
			m.handle, m.visibleAt = "", now
			dlq.messages = append(dlq.messages, m)
			continue
		}
		m.receiveCount++
		if m.firstReceive.IsZero() {
			m.firstReceive = now
		}
		m.visibleAt = now.Add(time.Duration(vis) * time.Second)
		m.handle = base64.RawURLEncoding.EncodeToString([]byte(qu.name + "\x00" + m.id + "\x00" + newRequestID()))
		om := sqsOutMessage{MessageId: m.id, ReceiptHandle: m.handle, MD5OfBody: m.md5Body, Body: m.body}
		sys := map[string]string{
			"SenderId":                         c.AccessKeyID,
			"SentTimestamp":                    strconv.FormatInt(m.sent.UnixMilli(), 10),
			"ApproximateReceiveCount":          strconv.Itoa(m.receiveCount),
			"ApproximateFirstReceiveTimestamp": strconv.FormatInt(m.firstReceive.UnixMilli(), 10),
		}
		for k, v := range sys {
			if wants(sysNames, k) {
				if om.Attributes == nil {
					om.Attributes = map[string]string{}
				}
				om.Attributes[k] = v
			}
		}
		for k, v := range m.attrs {
			if wants(attrNames, k) {
				if om.MessageAttributes == nil {
					om.MessageAttributes = map[string]SQSAttribute{}
				}
				om.MessageAttributes[k] = v
			}
		}
		om.MD5OfMessageAttributes = md5OfAttributes(om.MessageAttributes)
		out = append(out, om)
		kept = append(kept, m)
	}
	qu.messages = kept
	return out
}

// byHandle finds the message a receipt handle names, checking the handle is
// well formed for the queue. A well-formed handle of a message that is gone
// returns nil and no error. The caller holds q.mu.
func (q *SQS) byHandle(qu *sqsQueue, handle string) (*sqsMessage, int, *APIError) {
	raw, err := base64.RawURLEncoding.DecodeString(handle)
	parts := strings.Split(string(raw), "\x00")
	if handle == "" || err != nil || len(parts) != 3 || parts[0] != qu.name {
		return nil, -1, sqsError("ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid", "The input receipt handle \"%s\" is not a valid receipt handle.", handle)
	}
	for i, m := range qu.messages {
		if m.id == parts[1] {
			return m, i, nil
		}
	}
	return nil, -1, nil
}

func (q *SQS) deleteMessage(c *Call) (any, error) {
	var in struct{ QueueUrl, ReceiptHandle string }
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	qu, err := q.queue(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	if apiErr := q.delete(qu, in.ReceiptHandle); apiErr != nil {
		return nil, apiErr
	}
	return nil, nil
}

// delete removes the message a current receipt handle names; a stale
// handle succeeds without deleting, as SQS does. The caller holds q.mu.
func (q *SQS) delete(qu *sqsQueue, handle string) *APIError {
	m, i, apiErr := q.byHandle(qu, handle)
	if apiErr != nil {
		return apiErr
	}
	if m != nil && m.handle == handle {
		qu.messages = append(qu.messages[:i], qu.messages[i+1:]...)
	}
	return nil
}

func (q *SQS) deleteMessageBatch(c *Call) (any, error) {
	var in struct {
		QueueUrl string
		Entries  []struct{ Id, ReceiptHandle string }
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	ids := make([]string, len(in.Entries))
	for i, e := range in.Entries {
		ids[i] = e.Id
	}
	if err := checkBatch(ids); err != nil {
		return nil, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	qu, err := q.queue(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	type ok struct{ Id string }
	out := struct {
		Successful []ok
		Failed     []sqsBatchFailure
	}{Successful: []ok{}, Failed: []sqsBatchFailure{}}
	for _, e := range in.Entries {
		if apiErr := q.delete(qu, e.ReceiptHandle); apiErr != nil {
			out.Failed = append(out.Failed, sqsBatchFailure{Id: e.Id, SenderFault: true, Code: apiErr.QueryCode, Message: apiErr.Message})
			continue
		}
		out.Successful = append(out.Successful, ok{e.Id})
	}
	return out, nil
}

func (q *SQS) changeMessageVisibility(c *Call) (any, error) {
	var in struct {
		QueueUrl, ReceiptHandle string
		VisibilityTimeout       int
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	if in.VisibilityTimeout < 0 || in.VisibilityTimeout > 43200 {
		return nil, errInvalidParam("Value %d for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200.", in.VisibilityTimeout)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	qu, err := q.queue(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	m, _, apiErr := q.byHandle(qu, in.ReceiptHandle)
	if apiErr != nil {
		return nil, apiErr
	}
	if m == nil || m.handle != in.ReceiptHandle {
		return nil, sqsError("ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid", "The receipt handle has expired.")
	}
	if !c.Now.Before(m.visibleAt) {
		return nil, sqsError("MessageNotInflight", "AWS.SimpleQueueService.MessageNotInflight", "Message does not exist or is not available for visibility timeout change.")
	}
	m.visibleAt = c.Now.Add(time.Duration(in.VisibilityTimeout) * time.Second)
	if in.VisibilityTimeout == 0 {
		q.wake()
	}
	return nil, nil
}
