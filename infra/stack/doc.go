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
//     under its own stage's names (snapshot.NamePrefix,
//     "pledge-<m>-<stage>-*", which no other stage's names share), and only
//     when the request carries exactly the tags pledge:managed=true,
//     pledge:stage=<the stage>, pledge:policy (a configured policy),
//     pledge:target and pledge:slot (aws:RequestTag, aws:TagKeys, Null).
//     RDS authorises tags given to a create as rds:AddTagsToResource, which
//     the role holds only on its stage's names and only with that same tag
//     set; it holds no rds:RemoveTagsFromResource. It deletes only pledge-*
//     snapshots that carry pledge:managed=true and, where they have a
//     pledge:stage tag, this stage's (aws:ResourceTag and the
//     rds:*-snapshot-tag keys; StringEqualsIfExists, so that legacy
//     snapshots, made before the stage was part of a snapshot's identity
//     and without the tag, stay deletable by the code's rules below). So
//     one stage's role can neither create under another stage's names nor
//     delete a snapshot tagged as another stage's.
//   - Not guaranteed: IAM cannot tell the tagging RDS authorises during a
//     create from a stand-alone AddTagsToResource call (RDS has no condition
//     key for it, unlike EC2's ec2:CreateAction), nor who created a
//     snapshot. So the role itself could give its stage's managed tags to a
//     snapshot someone else made under its stage's names, and a copy of a
//     managed snapshot (which inherits its tags) looks managed to IAM; a
//     legacy snapshot carries nothing that says which stage made it, so
//     every stage's role may delete it. The rotator's code never tags
//     outside a create, and closes the rest in shared/snapshot
//     (snapshot.Recognize): before deleting, on the plan's listing and again
//     on a fresh listing just before each delete, a snapshot must be
//     listed for a target this policy selected; of type manual and of that
//     same instance or cluster id; tagged pledge:managed=true,
//     pledge:policy=<policy>, pledge:target=<target> and a pledge:slot
//     time, and pledge:stage=<stage> (another stage's snapshot is listed in
//     the plan and never deleted nor counted) or no pledge:stage tag at all
//     (legacy); not a copy (RDS names no SourceDBSnapshotIdentifier or
//     SourceDBClusterSnapshotArn); its id exactly the deterministic name for
//     its tags (snapshot.Name) or, without a stage tag, exactly one of the
//     legacy names (snapshot.StagelessName, snapshot.LegacyName); created,
//     and for an instance snapshot originally created, within its slot (from
//     the slot to the schedule's next fire, give or take five minutes); and
//     available, not kept by the policy's tiers, and not among the newest
//     recognised available snapshots the policy always keeps (nothing at
//     all is deleted while the newest recognised snapshot is not
//     available). What none of this can tell: a snapshot someone else made
//     of the target inside the slot, with exactly the slot's name and tags,
//     passes every check and is rotated as Pledge's. Only IAM can stop
//     that: grant nobody else rds:CreateDBSnapshot or
//     rds:CreateDBClusterSnapshot with the pledge:* tags on pledge-* names
//     (an SCP or permissions boundary can), nor rds:AddTagsToResource of
//     them.
//   - Names include the stage, so staging beside prod, backing up the same
//     database under the same policy name, never finds its slot's name
//     taken: each stage makes and rotates its own snapshots (and each
//     counts against the account's manual-snapshot quota). If a snapshot
//     tagged as another stage's ever holds a slot's name, the slot is
//     reported as having no backup and the run fails; it is never logged
//     as success.
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
