package awssim

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

func init() { RegisterService("sns", newSNSService) }

// SNSAnyTopic, seeded as a topic, makes Publish accept every topic ARN.
const SNSAnyTopic = "*"

// SNSAttribute is one message attribute of a published message.
type SNSAttribute struct {
	DataType    string
	StringValue string `json:",omitempty"`
	BinaryValue []byte `json:",omitempty"`
}

// SNSMessage is a message published to a topic.
type SNSMessage struct {
	MessageId         string
	TopicArn          string
	Subject           string `json:",omitempty"`
	Message           string
	MessageStructure  string                  `json:",omitempty"`
	MessageAttributes map[string]SNSAttribute `json:",omitempty"`
	MessageGroupId    string                  `json:",omitempty"`
	Timestamp         time.Time
}

// SNSSubscription is a subscription to a topic; Pending until its
// endpoint confirms it (an e-mail subscription's link).
type SNSSubscription struct {
	TopicArn string
	Protocol string
	Endpoint string
	Pending  bool `json:",omitempty"`
}

// SNSSeed is state to add to the SNS simulator (POST /_sim/seed/sns):
// topic ARNs that exist, or "*" to accept any topic, and subscriptions,
// which GetTopicAttributes counts.
type SNSSeed struct {
	Topics        []string
	Subscriptions []SNSSubscription `json:",omitempty"`
}

// SNSState is the SNS simulator's state (GET /_sim/state/sns).
type SNSState struct {
	Topics   []string
	Messages []SNSMessage
}

// SNS is the SNS simulator's state. Get it with Server.SNS.
type SNS struct {
	srv      *Server
	mu       sync.Mutex
	topics   map[string]bool
	subs     []SNSSubscription
	messages []SNSMessage
	seq      int
}

// SNS returns the SNS simulator's state.
func (s *Server) SNS() *SNS {
	svc, _ := s.Service("sns")
	return svc.Backend.(*SNS)
}

func newSNSService(s *Server) *Service {
	n := &SNS{srv: s, topics: map[string]bool{}}
	return &Service{
		Name:         "sns",
		Protocol:     ProtocolQuery,
		XMLNamespace: "http://sns.amazonaws.com/doc/2010-03-31/",
		Operations: map[string]Handler{
			"Publish":            n.publish,
			"CreateTopic":        n.createTopic,
			"GetTopicAttributes": n.getTopicAttributes,
		},
		Dump: func() any { return n.State() },
		Seed: func(data []byte) error {
			var seed SNSSeed
			if err := seedJSON(data, &seed); err != nil {
				return err
			}
			return n.Seed(seed)
		},
		Backend: n,
	}
}

var topicARNRE = regexp.MustCompile(`^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$`)

// Seed adds topics ("*" accepts every topic).
func (n *SNS) Seed(seed SNSSeed) error {
	for _, t := range seed.Topics {
		if t != SNSAnyTopic && !topicARNRE.MatchString(t) {
			return fmt.Errorf("topic %q is not a topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME) or \"*\"", t)
		}
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, t := range seed.Topics {
		n.topics[t] = true
	}
	n.subs = append(n.subs, seed.Subscriptions...)
	return nil
}

// getTopicAttributes answers the attributes a reader of a topic's health
// needs: its ARN and how many subscriptions are confirmed and pending.
func (n *SNS) getTopicAttributes(c *Call) (any, error) {
	topic := c.Param("TopicArn")
	n.mu.Lock()
	defer n.mu.Unlock()
	if !topicARNRE.MatchString(topic) || !n.topics[topic] {
		return nil, NewError(404, "NotFound", "Topic does not exist")
	}
	confirmed, pending := 0, 0
	for _, s := range n.subs {
		if s.TopicArn != topic {
			continue
		}
		if s.Pending {
			pending++
		} else {
			confirmed++
		}
	}
	type entry struct {
		Key   string `xml:"key"`
		Value string `xml:"value"`
	}
	return struct {
		Entries []entry `xml:"Attributes>entry"`
	}{[]entry{
		{"TopicArn", topic}, {"SubscriptionsConfirmed", fmt.Sprint(confirmed)}, {"SubscriptionsPending", fmt.Sprint(pending)},
		{"SubscriptionsDeleted", "0"}, {"Owner", c.Account()},
	}}, nil
}

// Messages returns every message published so far, oldest first.
func (n *SNS) Messages() []SNSMessage {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]SNSMessage(nil), n.messages...)
}

// State returns the topics and published messages.
func (n *SNS) State() SNSState {
	n.mu.Lock()
	defer n.mu.Unlock()
	st := SNSState{Messages: append([]SNSMessage{}, n.messages...), Topics: []string{}}
	for t := range n.topics {
		st.Topics = append(st.Topics, t)
	}
	sort.Strings(st.Topics)
	return st
}

func (n *SNS) createTopic(c *Call) (any, error) {
	name := c.Param("Name")
	if !regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}(\.fifo)?$`).MatchString(name) {
		return nil, NewError(400, "InvalidParameter", "Invalid parameter: Topic Name")
	}
	arn := fmt.Sprintf("arn:aws:sns:%s:%s:%s", n.srv.opts.Region, c.Account(), name)
	n.mu.Lock()
	n.topics[arn] = true
	n.mu.Unlock()
	return struct {
		TopicArn string `xml:"TopicArn"`
	}{arn}, nil
}

func (n *SNS) publish(c *Call) (any, error) {
	topic := c.Param("TopicArn")
	if topic == "" {
		topic = c.Param("TargetArn")
	}
	if topic == "" {
		if c.Param("PhoneNumber") != "" {
			return nil, NewError(400, "InvalidParameter", "Invalid parameter: PhoneNumber (the simulator publishes to topics only)")
		}
		return nil, NewError(400, "InvalidParameter", "Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter")
	}
	if !topicARNRE.MatchString(topic) {
		return nil, NewError(400, "InvalidParameter", "Invalid parameter: TopicArn")
	}
	msg := c.Param("Message")
	if msg == "" {
		return nil, NewError(400, "InvalidParameter", "Invalid parameter: Empty message")
	}
	if len(msg) > 256*1024 {
		return nil, NewError(400, "InvalidParameter", "Invalid parameter: Message too long")
	}
	subject := c.Param("Subject")
	if len(subject) > 100 || strings.ContainsAny(subject, "\n\r") {
		return nil, NewError(400, "InvalidParameter", "Invalid parameter: Subject")
	}
	structure := c.Param("MessageStructure")
	if structure != "" && structure != "json" {
		return nil, NewError(400, "InvalidParameter", "Invalid parameter: MessageStructure")
	}
	attrs := map[string]SNSAttribute{}
	for _, e := range QueryStructs(c.Form, "MessageAttributes.entry") {
		name := e.Get("Name")
		a := SNSAttribute{DataType: e.Get("Value.DataType"), StringValue: e.Get("Value.StringValue")}
		if b := e.Get("Value.BinaryValue"); b != "" {
			raw, err := base64.StdEncoding.DecodeString(b)
			if err != nil {
				return nil, NewError(400, "InvalidParameterValue", "The message attribute '%s' has an invalid binary value", name)
			}
			a.BinaryValue = raw
		}
		if name == "" || a.DataType == "" {
			return nil, NewError(400, "InvalidParameterValue", "The message attribute '%s' must contain a non-empty attribute type", name)
		}
		attrs[name] = a
	}
	if len(attrs) > 10 {
		return nil, NewError(400, "InvalidParameterValue", "Number of message attributes [%d] exceeds the allowed maximum [10].", len(attrs))
	}
	fifo := strings.HasSuffix(topic, ".fifo")
	if fifo && c.Param("MessageGroupId") == "" {
		return nil, NewError(400, "InvalidParameter", "Invalid parameter: The MessageGroupId parameter is required for FIFO topics")
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.topics[topic] && !n.topics[SNSAnyTopic] {
		return nil, NewError(404, "NotFound", "Topic does not exist")
	}
	m := SNSMessage{
		MessageId: newRequestID(), TopicArn: topic, Subject: subject, Message: msg, MessageStructure: structure,
		MessageGroupId: c.Param("MessageGroupId"), Timestamp: c.Now.UTC(),
	}
	if len(attrs) > 0 {
		m.MessageAttributes = attrs
	}
	n.messages = append(n.messages, m)
	out := struct {
		MessageId      string `xml:"MessageId"`
		SequenceNumber string `xml:"SequenceNumber,omitempty"`
	}{MessageId: m.MessageId}
	if fifo {
		n.seq++
		out.SequenceNumber = fmt.Sprintf("%020d", n.seq)
	}
	return out, nil
}
