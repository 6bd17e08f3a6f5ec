// Package resourcetag looks up, read-only, the tags of the resources a
// security finding names, so that the finding-notifier can place a finding
// with the tenant whose resource it is when the finding itself does not
// carry the tenant tag (real GuardDuty findings rarely do, and CloudTrail
// records never do). Package finding routes on the tags found; this
// package only reads them.
//
// Rules:
//   - Only resources without the tenant tag are looked up, one call per
//     resource (EC2 resources of one finding share one DescribeTags call),
//     and each answer is kept for the rest of the invocation (Session), so
//     that a resource named twice is read once.
//   - Calls per kind: EC2 instances, EBS volumes and snapshots, images,
//     security groups, VPCs, network ACLs, route tables and internet
//     gateways: ec2:DescribeTags; EKS clusters: eks:DescribeCluster; RDS instances,
//     clusters and snapshots: rds:ListTagsForResource; Lambda functions:
//     lambda:ListTags; ECS clusters and tasks: ecs:ListTagsForResource; IAM
//     users and roles: iam:ListUserTags / iam:ListRoleTags. A long-term
//     access key (AKIA...) without its user in the finding resolves to its
//     user with iam:GetAccessKeyLastUsed, and the user is added to the
//     finding as a resource of its own; a temporary key (ASIA...) belongs to
//     a session whose role GuardDuty names (finding.KindIAMRole). Other
//     kinds (S3, KMS, accounts, Kubernetes workloads, containers) are not
//     looked up: S3 routes by prefix, and the rest by registration.
//   - Tags found are merged into the resource (tags the finding carried
//     win) and the resource is marked TagsLookedUp, so that the route says
//     the tenant was found by a lookup.
//   - A lookup that AWS refuses for a reason that will not change on retry
//     (access denied, the resource is gone, a malformed id) is recorded in
//     the Report and routing goes on without those tags: the finding may
//     then be unrouted, and ops see why. Any other failure (throttling
//     after the SDK's own retries, a 5xx, a network error) is returned, so
//     that EventBridge retries the whole event rather than routing it on
//     half the facts.
//   - A kind whose client is not configured is skipped and reported.
package resourcetag
