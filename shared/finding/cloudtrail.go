package finding

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// CloudTrailDetail is the detail of an "AWS API Call via CloudTrail" or
// "AWS Console Sign In via CloudTrail" event: one CloudTrail record.
type CloudTrailDetail struct {
	EventVersion        string               `json:"eventVersion"`
	UserIdentity        CloudTrailIdentity   `json:"userIdentity"`
	EventTime           string               `json:"eventTime"`
	EventSource         string               `json:"eventSource"`
	EventName           string               `json:"eventName"`
	AWSRegion           string               `json:"awsRegion"`
	SourceIPAddress     string               `json:"sourceIPAddress"`
	UserAgent           string               `json:"userAgent"`
	ErrorCode           string               `json:"errorCode"`
	ErrorMessage        string               `json:"errorMessage"`
	RequestParameters   json.RawMessage      `json:"requestParameters"`
	ResponseElements    json.RawMessage      `json:"responseElements"`
	AdditionalEventData json.RawMessage      `json:"additionalEventData"`
	RequestID           string               `json:"requestID"`
	EventID             string               `json:"eventID"`
	ReadOnly            *bool                `json:"readOnly"`
	Resources           []CloudTrailResource `json:"resources"`
	EventType           string               `json:"eventType"`
	ManagementEvent     *bool                `json:"managementEvent"`
	RecipientAccountID  string               `json:"recipientAccountId"`
	EventCategory       string               `json:"eventCategory"`
}

// CloudTrailIdentity is the record's userIdentity.
type CloudTrailIdentity struct {
	Type           string `json:"type"`
	PrincipalID    string `json:"principalId"`
	ARN            string `json:"arn"`
	AccountID      string `json:"accountId"`
	AccessKeyID    string `json:"accessKeyId"`
	UserName       string `json:"userName"`
	InvokedBy      string `json:"invokedBy"`
	SessionContext *struct {
		SessionIssuer *struct {
			Type     string `json:"type"`
			ARN      string `json:"arn"`
			UserName string `json:"userName"`
		} `json:"sessionIssuer"`
		Attributes *struct {
			CreationDate     string `json:"creationDate"`
			MFAAuthenticated string `json:"mfaAuthenticated"`
		} `json:"attributes"`
	} `json:"sessionContext"`
}

// CloudTrailResource is one of the record's resources.
type CloudTrailResource struct {
	ARN       string `json:"ARN"`
	AccountID string `json:"accountId"`
	Type      string `json:"type"`
}

// IsRoot reports whether the call was made with the account's root user.
func (d *CloudTrailDetail) IsRoot() bool { return d.UserIdentity.Type == "Root" }

// Params decodes requestParameters into v. A missing or null
// requestParameters leaves v untouched. The error names the field.
func (d *CloudTrailDetail) Params(v any) error {
	p := bytes.TrimSpace(d.RequestParameters)
	if len(p) == 0 || bytes.Equal(p, []byte("null")) {
		return nil
	}
	if err := json.Unmarshal(p, v); err != nil {
		return decodeError(kindCloudTrail, "detail.requestParameters", err)
	}
	return nil
}

// Response decodes responseElements into v, like Params.
func (d *CloudTrailDetail) Response(v any) error {
	p := bytes.TrimSpace(d.ResponseElements)
	if len(p) == 0 || bytes.Equal(p, []byte("null")) {
		return nil
	}
	if err := json.Unmarshal(p, v); err != nil {
		return decodeError(kindCloudTrail, "detail.responseElements", err)
	}
	return nil
}

// Actor names who made the call: the principal ARN, the session issuer, or
// the identity type ("Root").
func (d *CloudTrailDetail) Actor() string {
	u := d.UserIdentity
	return firstNonEmpty(u.ARN, u.PrincipalID, u.Type, "unknown principal")
}

func fromCloudTrail(ev events.CloudWatchEvent, detail, raw []byte, cat Catalogue) (Finding, error) {
	var d CloudTrailDetail
	if err := json.Unmarshal(detail, &d); err != nil {
		return Finding{}, decodeError(kindCloudTrail, "detail", err)
	}
	switch {
	case d.EventID == "":
		return Finding{}, malformed(kindCloudTrail, "detail.eventID", "missing")
	case d.EventSource == "":
		return Finding{}, malformed(kindCloudTrail, "detail.eventSource", "missing")
	case d.EventName == "":
		return Finding{}, malformed(kindCloudTrail, "detail.eventName", "missing")
	}
	at, err := parseTime(kindCloudTrail, "detail.eventTime", d.EventTime)
	if err != nil {
		return Finding{}, err
	}
	rule, ok, err := cat.Match(&d)
	if err != nil {
		return Finding{}, err
	}
	if !ok {
		return Finding{}, fmt.Errorf("%s %s %s (%s): %w", kindCloudTrail, d.EventSource, d.EventName, d.EventID, ErrIgnored)
	}
	account := firstNonEmpty(d.RecipientAccountID, ev.AccountID, d.UserIdentity.AccountID)
	if account == "" {
		return Finding{}, malformed(kindCloudTrail, "detail.recipientAccountId", "missing")
	}
	region := firstNonEmpty(d.AWSRegion, ev.Region)
	if region == "" {
		return Finding{}, malformed(kindCloudTrail, "detail.awsRegion", "missing")
	}
	band, err := BandOf(rule.Severity)
	if err != nil {
		return Finding{}, fmt.Errorf("catalogue rule %s: %w", rule.Type, err)
	}
	f := Finding{
		Source:      SourceCloudTrail,
		Type:        rule.Type,
		Band:        band,
		Severity:    rule.Severity,
		Title:       rule.Title,
		Scope:       rule.Scope,
		Description: fmt.Sprintf("%s:%s called by %s from %s.", strings.TrimSuffix(d.EventSource, ".amazonaws.com"), d.EventName, d.Actor(), firstNonEmpty(d.SourceIPAddress, "an unknown address")),
		Detected:    at,
		Updated:     at,
		FirstSeen:   at,
		LastSeen:    at,
		Count:       1,
		Account:     account,
		Region:      region,
		EventID:     d.EventID,
		Principal:   d.Actor(),
		Raw:         raw,
	}
	if rule.TitleJA != "" {
		f.LocalTitles = map[string]string{"ja": rule.TitleJA}
	}
	if rule.About != "" || rule.AboutJA != "" {
		f.About = map[string]string{"en": rule.About, "ja": rule.AboutJA}
	}
	partition := partitionOf(d.UserIdentity.ARN)
	f.Resources = cloudTrailResources(&d, partition, region, account)
	if rule.AnyCall || rule.Aggregate != nil || d.EventSource == "signin.amazonaws.com" {
		// The finding is about whoever made the calls.
		if p := callerResource(&d, partition, account); p != nil && !slices.ContainsFunc(f.Resources, func(r Resource) bool { return r.Kind == p.Kind && r.ID == p.ID }) {
			f.Resources = append(f.Resources, *p)
		}
	}
	f.ID = groupID(&f, rule, principalKey(&d))
	return f, nil
}

// principalKey is who made a call, for grouping: the principal's ARN, but
// for an assumed-role session the role's, so that calls of one role in
// different sessions group together.
func principalKey(d *CloudTrailDetail) string {
	if sc := d.UserIdentity.SessionContext; d.UserIdentity.Type == "AssumedRole" && sc != nil && sc.SessionIssuer != nil && sc.SessionIssuer.ARN != "" {
		return sc.SessionIssuer.ARN
	}
	return d.Actor()
}

// groupID is a CloudTrail finding's id: calls of one rule by one principal
// (principalKey) about the same resources are one finding, so that a burst of identical
// calls becomes one notice (the notifier counts them). A counted rule's
// calls are grouped per principal and per window (Finding.WindowStart).
func groupID(f *Finding, rule Rule, principal string) string {
	h := sha256.New()
	for _, part := range []string{rule.Type, principal, f.Account, f.Region} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	if rule.Aggregate != nil {
		f.Threshold = rule.Aggregate.Threshold
		f.WindowStart = f.Detected.Truncate(rule.Aggregate.Window)
		f.WindowEnd = f.WindowStart.Add(rule.Aggregate.Window)
		return "ct-" + hex.EncodeToString(h.Sum(nil)[:12]) + "-" + f.WindowStart.Format("20060102T1504Z")
	}
	var names []string
	for _, r := range f.Resources {
		names = append(names, ResourceName(r))
	}
	slices.Sort(names)
	for _, n := range names {
		h.Write([]byte(n))
		h.Write([]byte{0})
	}
	return "ct-" + hex.EncodeToString(h.Sum(nil)[:12])
}

// callerResource is the principal who made a call, as a resource: an IAM
// user, the role behind an assumed-role session, or the account for root.
func callerResource(d *CloudTrailDetail, partition, account string) *Resource {
	u := d.UserIdentity
	switch u.Type {
	case "Root":
		return &Resource{Kind: KindAccount, ID: account, ARN: "arn:" + partition + ":iam::" + account + ":root"}
	case "IAMUser":
		name := firstNonEmpty(u.UserName, lastPathSegment(u.ARN))
		if name == "" {
			return nil
		}
		return &Resource{Kind: KindIAMUser, ID: name, ARN: firstNonEmpty(u.ARN, "arn:"+partition+":iam::"+account+":user/"+name)}
	case "AssumedRole":
		if sc := u.SessionContext; sc != nil && sc.SessionIssuer != nil && sc.SessionIssuer.UserName != "" {
			return &Resource{Kind: KindIAMRole, ID: sc.SessionIssuer.UserName, ARN: sc.SessionIssuer.ARN}
		}
	}
	return nil
}

func lastPathSegment(arn string) string {
	if i := strings.LastIndex(arn, "/"); i >= 0 && i < len(arn)-1 {
		return arn[i+1:]
	}
	return ""
}

func partitionOf(arn string) string {
	if p, rest, ok := strings.Cut(strings.TrimPrefix(arn, "arn:"), ":"); ok && strings.HasPrefix(arn, "arn:") && p != "" && rest != "" {
		return p
	}
	return "aws"
}
