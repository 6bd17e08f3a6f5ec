package stack

import (
	"strings"

	"github.com/pledge-dev/pledge/shared/config"
)

// Naming derives every physical name the stack gives from the stage
// (config.Config.Stage), so that two stages (staging beside prod) deploy
// side by side in one account and region. Resources the stack does not
// name (roles, queues, tables, buckets, the topic, functions, log groups)
// get names from CloudFormation, unique by construction.
//
// Constructs call Name for anything new they must name; a test
// synthesizes two stages in one app and fails on any collision.
type Naming struct {
	// Stage is the validated stage name, e.g. "prod".
	Stage string
}

// NamingFor returns the naming of cfg's stage.
func NamingFor(cfg config.Config) Naming { return Naming{Stage: cfg.Stage} }

// StackName is the home stack's name: "Pledge-prod".
func (n Naming) StackName() string { return "Pledge-" + n.Stage }

// GlobalStackName is the us-east-1 stack's name: "Pledge-prod-global".
func (n Naming) GlobalStackName() string { return n.StackName() + "-global" }

// Name joins "pledge", the stage and parts with '-': Name("tenant-purger",
// "deadline") is "pledge-prod-tenant-purger-deadline".
func (n Naming) Name(parts ...string) string {
	return strings.Join(append([]string{"pledge", n.Stage}, parts...), "-")
}

// SigningKeyAlias is the deletion-certificate key's alias:
// "alias/pledge-prod-deletion-certificates".
func (n Naming) SigningKeyAlias() string { return "alias/" + n.Name("deletion-certificates") }

// ScheduleGroup is the EventBridge Scheduler group that holds the stage's
// schedules: "pledge-prod".
func (n Naming) ScheduleGroup() string { return n.Name() }

// TimeSyncDocument is the SSM document that runs chronyc:
// "pledge-prod-chronyc-tracking".
func (n Naming) TimeSyncDocument() string { return n.Name("chronyc-tracking") }
