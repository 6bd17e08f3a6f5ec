// Package stack provides Pledge's CDK constructs and the stack that composes
// them from the operator's configuration.
//
// Rules:
//   - The stack is built only from a configuration that validates in full
//     (every section); an invalid configuration is an error, never a
//     half-built stack.
//   - One construct per function owns its function, log group, dead-letter
//     queue, triggers (EventBridge Scheduler schedules in the configured
//     timezone, rules, queues), the tables it alone uses, its alarms and its
//     least-privilege IAM. Nothing gets a managed policy or a wildcard action.
//   - A role grants exactly the IAM actions of the SDK calls its function's
//     code makes (functions/<name>/main.go and the shared packages it
//     wires), on the narrowest resources and conditions that still let the
//     call work. iam_test.go lists them per function: a grant added or
//     dropped without that list (and so without checking the code) fails a
//     test. The verifier gets only the grants of the checks the
//     configuration runs; a check in config.CheckIDs with no grants in
//     verifier.go is an error.
//   - The verifier's chronyc check never gets ssm:SendCommand on untagged
//     instances: without verification.instanceTags the stack grants none and
//     warns at synth (WarningNoInstanceTags).
//   - Every function runs the arm64 `bootstrap` the Makefile builds into
//     <CodeRoot>/<function-name>/, on provided.al2023, logging JSON to a log
//     group whose retention comes from the configuration and which is kept
//     when the stack is deleted.
//   - A function receives only the configuration sections it needs, in
//     PLEDGE_CONFIG (config.Config.Only(...).Encode()).
//   - Evidence (the Object Lock bucket), the registry and ledger tables and
//     the signing key are retained when the stack is deleted: they are what
//     an auditor asks for later.
//   - cdk-nag's AwsSolutions pack runs over the whole app; every suppression
//     names the exact finding it covers and says in one sentence why it is
//     safe (see nag.go).
package stack
