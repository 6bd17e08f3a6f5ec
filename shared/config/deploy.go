package config

import (
	"fmt"
	"strings"

	"github.com/pledge-dev/pledge/shared/lazyregexp"
)

// GlobalEventsRegion is where AWS delivers the EventBridge events of global
// services (IAM, console sign-in, Organizations...).
const GlobalEventsRegion = "us-east-1"

var (
	stageRE    = lazyregexp.New(`^[a-z](-?[a-z0-9]){0,15}$`)
	snsTopicRE = lazyregexp.New(`^arn:aws[a-z-]*:sns:[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]:[0-9]{12}:[A-Za-z0-9_-]{1,256}$`)
)

// MaxStageLength bounds Stage: it is part of every physical name the stack
// gives, some of which AWS limits to 64 characters.
const MaxStageLength = 16

func checkStage(k *checker, stage string) {
	if !stageRE.MatchString(stage) {
		k.fail("stage", stage, fmt.Sprintf(`1-%d lower-case letters, digits and single '-', starting with a letter, such as "prod" or "staging" (it becomes part of the stack's name and every physical name)`, MaxStageLength))
	}
}

// ValidateDeployment checks what only a deployment needs, on top of
// Validate: a stage name, an ops destination for alarms (or the explicit
// opt-out), and a home region from which global events can be forwarded.
// The CDK app calls both; the functions call only Validate, so a
// function's PLEDGE_CONFIG never has to carry these.
func (c Config) ValidateDeployment() error {
	var k checker
	if c.Stage == "" {
		k.fail("stage", c.Stage, `a stage name such as "prod" or "staging": every physical name of the stack derives from it, so that stages deploy side by side`)
	} else {
		checkStage(&k, c.Stage)
	}
	n := c.Notifications
	switch {
	case n.OpsTopicArn != "" && !snsTopicRE.MatchString(n.OpsTopicArn):
		k.fail("notifications.opsTopicArn", n.OpsTopicArn, "the ARN of an existing SNS topic, such as \"arn:aws:sns:ap-northeast-1:111122223333:ops-pager\"")
	case n.OpsTopicArn != "" && len(n.OpsEmails) > 0:
		k.fail("notifications.opsEmails", strings.Join(n.OpsEmails, ", "), "no addresses when opsTopicArn names the ops topic: subscribe them to that topic, which the stack does not own")
	case n.NoOpsDestination && (n.OpsTopicArn != "" || len(n.OpsEmails) > 0):
		k.fail("notifications.noOpsDestination", true, "false (or left out) when opsEmails or opsTopicArn gives a destination")
	case !n.NoOpsDestination && n.OpsTopicArn == "" && len(n.OpsEmails) == 0:
		k.fail("notifications.opsEmails", nil, "at least one address (or opsTopicArn naming an existing topic) so that alarms reach a person; "+
			`if nobody should be told, say so with "noOpsDestination": true`)
	}
	if c.ForwardGlobalEvents && c.Region == GlobalEventsRegion {
		k.fail("forwardGlobalEvents", true, "false in "+GlobalEventsRegion+", where global events arrive already: there is nothing to forward")
	}
	if len(k.errs) > 0 {
		return &ValidationError{Fields: k.errs}
	}
	return nil
}

// ReservedConcurrency is the reserved concurrency the stack gives each
// function that has one, by function name: the rotator runs one at a time
// (two runs never race on the same databases; there is no rotator when no
// backup policy takes snapshots); the purger runs the purge queue's
// consumers (at least two, as SQS event sources require) plus one for the
// sweep and lifecycle events; the notifier runs the notice queue's two
// consumers plus three for finding events (a burst waits in Lambda's
// asynchronous queue); the evidence reporter makes one pack at a time.
// Preflight checks the account has room for the sum.
func (c Config) ReservedConcurrency() map[string]int {
	m := map[string]int{
		"snapshot-rotator":  1,
		"tenant-purger":     max(2, c.Tenants.Concurrency) + 1,
		"finding-notifier":  5,
		"evidence-reporter": 1,
	}
	if len(c.Backup.SnapshotPolicies()) == 0 {
		// No policy takes snapshots: the stack has no rotator.
		delete(m, "snapshot-rotator")
	}
	return m
}
