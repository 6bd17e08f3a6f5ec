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
//     warns at synth (WarningNoInstanceTags). With tags, it may send only
//     the stack's own SSM document (Naming.TimeSyncDocument), which runs
//     `chronyc -c tracking` and nothing else and takes no parameters; the
//     template has no AWS-RunShellScript.
//   - Every physical name the stack gives derives from config.Config.Stage
//     (Naming): the stack "Pledge-<stage>", the signing key's alias, the
//     schedule group and its schedules, alarms, the SSM document, the
//     global stack's rules. Two stages deploy side by side in one account
//     and region; a test synthesizes two and compares every name.
//   - Alarms reach a person: synth fails without an ops destination
//     (notifications.opsEmails, or opsTopicArn naming an existing topic)
//     unless notifications.noOpsDestination says so. Every alarm is named
//     for the stage and treats missing data on purpose (alarm.go):
//     MissingIsFailure for what a healthy function reports every run (the
//     stale-snapshot and purge-deadline alarms), MissingIsSilence for what
//     is only emitted when something went wrong (errors, dead letters,
//     notices at risk).
//   - Reserved concurrency (config.Config.ReservedConcurrency): the rotator
//     1, the purger its queue's consumers plus one, the notifier 5.
//
// What IAM guarantees about managed snapshots, and what it cannot:
//   - Guaranteed: the rotator's role creates snapshots only of the
//     configured databases (by id, or carrying the configured tags), only
//     named pledge-*, and only when the request carries exactly the tags
//     pledge:managed=true, pledge:policy (a configured policy), pledge:target
//     and pledge:slot (aws:RequestTag, aws:TagKeys, Null). RDS authorises
//     tags given to a create as rds:AddTagsToResource, which the role holds
//     only on pledge-* snapshots and only with that same tag set; it holds no
//     rds:RemoveTagsFromResource. It deletes only pledge-* snapshots that
//     carry pledge:managed=true (aws:ResourceTag and the rds:*-snapshot-tag
//     keys).
//   - Not guaranteed: IAM cannot tell the tagging RDS authorises during a
//     create from a stand-alone AddTagsToResource call (RDS has no condition
//     key for it, unlike EC2's ec2:CreateAction), nor who created a
//     snapshot. So the role itself could give the managed tags to a pledge-*
//     snapshot someone else made, and a copy of a managed snapshot (which
//     inherits its tags) looks managed to IAM. The rotator's code never
//     tags outside a create, and the rest is the code's to close in
//     shared/snapshot (Snapshot.ManagedBy): a snapshot may be deleted only
//     when its name is the deterministic name for its pledge:policy,
//     pledge:target and pledge:slot tags and its creation time falls in
//     that slot, which a copy or a hand-tagged snapshot does not satisfy.
//   - SES: the purger and the notifier may send only from the configured
//     sender (ses:FromAddress), under its address or domain identity. KMS:
//     the purger may sign only SHA-256 digests with ECDSA_SHA_256
//     (kms:SigningAlgorithm, kms:MessageType). Scheduler roles trust
//     scheduler.amazonaws.com only for their own function's schedules
//     (aws:SourceArn) in this account (aws:SourceAccount).
//   - Every function runs the arm64 `bootstrap` the Makefile builds into
//     <CodeRoot>/<function-name>/, on provided.al2023, logging JSON to a log
//     group whose retention comes from the configuration and which is kept
//     when the stack is deleted.
//   - A function receives only the configuration sections it needs, in
//     PLEDGE_CONFIG (config.Config.Only(...).Encode()).
//   - Evidence (the Object Lock bucket), the registry and ledger tables and
//     the signing key are retained when the stack is deleted: they are what
//     an auditor asks for later.
//   - cdk-nag's AwsSolutions and Serverless packs run over the whole app;
//     every suppression names the exact finding it covers and says in one
//     sentence why it is safe (see nag.go).
//   - With config.Config.ForwardGlobalEvents, a second stack in us-east-1
//     (global.go) forwards the global services' events the notifier's
//     catalogue covers to the home region's default bus.
package stack
