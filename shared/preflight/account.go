package preflight

import (
	"context"
	"fmt"
	"net/mail"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/guardduty"
	gdtypes "github.com/aws/aws-sdk-go-v2/service/guardduty/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sns"
)

// SESAPI is the part of the SES v2 client the checks call.
type SESAPI interface {
	GetAccount(ctx context.Context, in *sesv2.GetAccountInput, optFns ...func(*sesv2.Options)) (*sesv2.GetAccountOutput, error)
	GetEmailIdentity(ctx context.Context, in *sesv2.GetEmailIdentityInput, optFns ...func(*sesv2.Options)) (*sesv2.GetEmailIdentityOutput, error)
}

// GuardDutyAPI is the part of the GuardDuty client the checks call.
type GuardDutyAPI interface {
	guardduty.ListDetectorsAPIClient
	GetDetector(ctx context.Context, in *guardduty.GetDetectorInput, optFns ...func(*guardduty.Options)) (*guardduty.GetDetectorOutput, error)
}

// CloudTrailAPI is the part of the CloudTrail client the checks call.
type CloudTrailAPI interface {
	DescribeTrails(ctx context.Context, in *cloudtrail.DescribeTrailsInput, optFns ...func(*cloudtrail.Options)) (*cloudtrail.DescribeTrailsOutput, error)
	GetTrailStatus(ctx context.Context, in *cloudtrail.GetTrailStatusInput, optFns ...func(*cloudtrail.Options)) (*cloudtrail.GetTrailStatusOutput, error)
	GetEventSelectors(ctx context.Context, in *cloudtrail.GetEventSelectorsInput, optFns ...func(*cloudtrail.Options)) (*cloudtrail.GetEventSelectorsOutput, error)
}

// LambdaAPI is the part of the Lambda client the checks call.
type LambdaAPI interface {
	GetAccountSettings(ctx context.Context, in *lambda.GetAccountSettingsInput, optFns ...func(*lambda.Options)) (*lambda.GetAccountSettingsOutput, error)
}

// SNSAPI is the part of the SNS client the checks call.
type SNSAPI interface {
	GetTopicAttributes(ctx context.Context, in *sns.GetTopicAttributesInput, optFns ...func(*sns.Options)) (*sns.GetTopicAttributesOutput, error)
}

// MinUnreservedConcurrency is what Lambda keeps unreserved in an account:
// a reservation that would leave less fails the deployment.
const MinUnreservedConcurrency = 100

// sesSender: the sender is verified for sending, as an address or through
// its domain.
func (r *run) sesSender(ctx context.Context) {
	const check = "ses.sender-verified"
	sender := r.cfg.Notifications.Sender
	addr, err := mail.ParseAddress(sender)
	if err != nil {
		r.fail(check, sender, "not an e-mail address", "Set notifications.sender to the address notices are sent from.")
		return
	}
	domain := addr.Address[strings.LastIndex(addr.Address, "@")+1:]
	var found []string
	for _, id := range []string{addr.Address, domain} {
		out, err := r.c.SES.GetEmailIdentity(ctx, &sesv2.GetEmailIdentityInput{EmailIdentity: aws.String(id)})
		if errorCode(err) == "NotFoundException" {
			continue
		}
		if err != nil {
			r.errored(check, id, "ses:GetEmailIdentity", err)
			return
		}
		if out.VerifiedForSendingStatus {
			r.pass(check, addr.Address, fmt.Sprintf("identity %s is verified for sending in %s", id, r.cfg.Region))
			return
		}
		found = append(found, id+" (verification pending)")
	}
	detail := "no SES identity for " + addr.Address + " or " + domain
	if len(found) > 0 {
		detail = "identity " + strings.Join(found, ", ") + " not verified"
	}
	r.fail(check, addr.Address, detail+" in "+r.cfg.Region,
		fmt.Sprintf("Verify %s (its DNS records) or %s (the link mailed to it) in SES in %s.", domain, addr.Address, r.cfg.Region))
}

// sesAccount: production access (out of the SES sandbox), sending enabled,
// and a sending rate at least the configured one.
func (r *run) sesAccount(ctx context.Context) {
	out, err := r.c.SES.GetAccount(ctx, &sesv2.GetAccountInput{})
	if err != nil {
		r.errored("ses.production-access", r.cfg.Region, "ses:GetAccount", err)
		return
	}
	if !out.ProductionAccessEnabled {
		r.fail("ses.production-access", r.cfg.Region, "the account is in the SES sandbox: mail reaches verified addresses only, so tenant notices and certificates would fail",
			"Request SES production access for "+r.cfg.Region+" (SES console, Account dashboard).")
	} else if !out.SendingEnabled {
		r.fail("ses.production-access", r.cfg.Region, "sending is disabled for the account (enforcement status "+aws.ToString(out.EnforcementStatus)+")",
			"Resolve the SES enforcement case and re-enable sending.")
	} else {
		r.pass("ses.production-access", r.cfg.Region, "production access, sending enabled")
	}
	want := float64(r.cfg.Notifications.SendRatePerSecond)
	if out.SendQuota == nil {
		r.fail("ses.send-rate", r.cfg.Region, "SES reported no sending quota", "Check the account in the SES console.")
		return
	}
	if got := out.SendQuota.MaxSendRate; got < want {
		r.fail("ses.send-rate", r.cfg.Region, fmt.Sprintf("SES allows %g messages a second, notifications.sendRatePerSecond is %g", got, want),
			fmt.Sprintf("Lower notifications.sendRatePerSecond to %g or request a higher SES sending rate.", got))
		return
	}
	r.pass("ses.send-rate", r.cfg.Region, fmt.Sprintf("SES allows %g messages a second, %g configured", out.SendQuota.MaxSendRate, want))
}

// guardDuty: a detector is enabled in the region.
func (r *run) guardDuty(ctx context.Context) {
	const check = "guardduty.enabled"
	var ids []string
	p := guardduty.NewListDetectorsPaginator(r.c.GuardDuty, &guardduty.ListDetectorsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			r.errored(check, r.cfg.Region, "guardduty:ListDetectors", err)
			return
		}
		ids = append(ids, page.DetectorIds...)
	}
	for _, id := range ids {
		d, err := r.c.GuardDuty.GetDetector(ctx, &guardduty.GetDetectorInput{DetectorId: aws.String(id)})
		if err != nil {
			r.errored(check, id, "guardduty:GetDetector", err)
			return
		}
		if d.Status == gdtypes.DetectorStatusEnabled {
			r.pass(check, r.cfg.Region, "detector "+id+" is enabled")
			return
		}
	}
	detail := "no GuardDuty detector in " + r.cfg.Region
	if len(ids) > 0 {
		detail = "GuardDuty detector " + strings.Join(ids, ", ") + " is disabled"
	}
	r.fail(check, r.cfg.Region, detail+": no GuardDuty findings would reach the notifier",
		"Enable GuardDuty in "+r.cfg.Region+" (aws guardduty create-detector --enable).")
}

// trail: a multi-region trail that is logging write management events,
// which the notifier's CloudTrail rules depend on.
func (r *run) trail(ctx context.Context) {
	const check = "cloudtrail.management-events"
	out, err := r.c.CloudTrail.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{IncludeShadowTrails: aws.Bool(true)})
	if err != nil {
		r.errored(check, r.cfg.Region, "cloudtrail:DescribeTrails", err)
		return
	}
	var why []string
	for _, t := range out.TrailList {
		name := aws.ToString(t.Name)
		if !aws.ToBool(t.IsMultiRegionTrail) {
			why = append(why, name+" is single-region")
			continue
		}
		st, err := r.c.CloudTrail.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: t.TrailARN})
		if err != nil {
			r.errored(check, name, "cloudtrail:GetTrailStatus", err)
			return
		}
		if !aws.ToBool(st.IsLogging) {
			why = append(why, name+" is not logging")
			continue
		}
		sel, err := r.c.CloudTrail.GetEventSelectors(ctx, &cloudtrail.GetEventSelectorsInput{TrailName: t.TrailARN})
		if err != nil {
			r.errored(check, name, "cloudtrail:GetEventSelectors", err)
			return
		}
		if logsWriteManagementEvents(sel) {
			r.pass(check, name, "multi-region, logging, write management events selected")
			return
		}
		why = append(why, name+" selects no write management events")
	}
	detail := "no trail"
	if len(why) > 0 {
		detail = strings.Join(why, "; ")
	}
	r.fail(check, r.cfg.Region, detail+": the notifier's CloudTrail rules would never fire",
		"Create or fix a multi-region trail that logs write management events (aws cloudtrail create-trail --is-multi-region-trail, then start-logging).")
}

func logsWriteManagementEvents(out *cloudtrail.GetEventSelectorsOutput) bool {
	for _, s := range out.EventSelectors {
		if aws.ToBool(s.IncludeManagementEvents) && s.ReadWriteType != cttypes.ReadWriteTypeReadOnly {
			return true
		}
	}
	for _, a := range out.AdvancedEventSelectors {
		management, readOnly := false, false
		for _, f := range a.FieldSelectors {
			switch aws.ToString(f.Field) {
			case "eventCategory":
				management = slices.Contains(f.Equals, "Management")
			case "readOnly":
				readOnly = slices.Equal(f.Equals, []string{"true"})
			}
		}
		if management && !readOnly {
			return true
		}
	}
	return false
}

// concurrency: the account can reserve what the stack reserves and keep
// Lambda's minimum unreserved.
func (r *run) concurrency(ctx context.Context) {
	const check = "lambda.concurrency"
	out, err := r.c.Lambda.GetAccountSettings(ctx, &lambda.GetAccountSettingsInput{})
	if err != nil {
		r.errored(check, r.cfg.Region, "lambda:GetAccountSettings", err)
		return
	}
	need := 0
	for _, n := range r.cfg.ReservedConcurrency() {
		need += n
	}
	unreserved := int(aws.ToInt32(out.AccountLimit.UnreservedConcurrentExecutions))
	left := unreserved - need
	if r.res.Deployed {
		// The stack's reservations are taken already.
		left = unreserved
	}
	if left < MinUnreservedConcurrency {
		r.fail(check, r.cfg.Region, fmt.Sprintf("the stack reserves %d concurrent executions; the account's quota is %d with %d unreserved, leaving %d (Lambda keeps at least %d)",
			need, out.AccountLimit.ConcurrentExecutions, unreserved, left, MinUnreservedConcurrency),
			fmt.Sprintf("Request a Lambda concurrent executions quota of at least %d in %s (Service Quotas).", int(out.AccountLimit.ConcurrentExecutions)+MinUnreservedConcurrency-left, r.cfg.Region))
		return
	}
	r.pass(check, r.cfg.Region, fmt.Sprintf("quota %d, %d unreserved, the stack reserves %d", out.AccountLimit.ConcurrentExecutions, unreserved, need))
}

// opsTopic: someone has confirmed a subscription to the ops topic, so
// alarms reach a person.
func (r *run) opsTopic(ctx context.Context) {
	const check = "sns.ops-subscribed"
	topic := r.res.OpsTopicArn
	if topic == "" {
		if r.cfg.Notifications.NoOpsDestination {
			r.notChecked(check + ": notifications.noOpsDestination is set, so alarms reach nobody by design")
		} else {
			r.notChecked(check + ": the stack creates the ops topic; run again with -outputs after deploying to check its subscriptions are confirmed")
		}
		return
	}
	out, err := r.c.SNS.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(topic)})
	if errorCode(err) == "NotFound" {
		r.fail(check, topic, "the topic does not exist", "Create the topic or fix notifications.opsTopicArn.")
		return
	}
	if err != nil {
		r.errored(check, topic, "sns:GetTopicAttributes", err)
		return
	}
	a := out.Attributes
	if key := a["KmsMasterKeyId"]; key == "alias/aws/sns" {
		r.fail(check, topic, "the topic is encrypted with the AWS-managed key alias/aws/sns, which CloudWatch alarms cannot use",
			"Encrypt the topic with a customer-managed key whose policy allows cloudwatch.amazonaws.com, or use the topic the stack creates.")
		return
	}
	if a["SubscriptionsConfirmed"] == "0" || a["SubscriptionsConfirmed"] == "" {
		r.fail(check, topic, fmt.Sprintf("no confirmed subscription (%s pending): alarms reach nobody", orZero(a["SubscriptionsPending"])),
			"Confirm the subscription e-mail AWS Notifications sent to each notifications.opsEmails address, or subscribe someone to the topic.")
		return
	}
	r.pass(check, topic, fmt.Sprintf("%s confirmed subscription(s), %s pending", a["SubscriptionsConfirmed"], orZero(a["SubscriptionsPending"])))
}

func orZero(s string) string {
	if s == "" {
		return "0"
	}
	return s
}
