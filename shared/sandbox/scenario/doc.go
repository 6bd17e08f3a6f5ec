// Package scenario provides the sandbox's seeded world: one operator's
// configuration and the state that makes every function have work to do.
//
// The scenario, part by part:
//   - Backups: three databases — orders-db (a PostgreSQL instance, selected
//     by tag), billing-aurora (an Aurora cluster, selected by id) and
//     analytics-db (not targeted) — with 60 days of hourly managed snapshots
//     on the targeted ones, plus unmanaged manual snapshots, automated
//     snapshots and an AWS Backup snapshot that must never be touched.
//   - Tenants: six tenants in the registry with versioned data and delete
//     markers — tenant-1 and tenant-2 terminated past their grace period,
//     tenant-3 terminated but within it, tenant-4 reinstated, tenant-5 and
//     tenant-10 active (tenant-1 and tenant-10 are prefixes of each other) —
//     plus the signing key, purge queue and ops topic (SeedTenants).
//   - Notices: the ledger table and notice queue (SeedNotices), and the
//     GuardDuty and CloudTrail events from events/ that the demo delivers,
//     re-timed to "just detected" (Findings, Retime).
//   - Verification: clocks that are synchronised, drifting and unsynchronised,
//     parameter groups with and without TLS, keys with and without rotation,
//     listeners on new and old TLS policies, log groups kept too briefly,
//     buckets with and without a TLS-only policy, and one denied call
//     (SeedVerification).
//   - Preflight: the SES account out of the sandbox with the sender's
//     domain verified, the ops topic with a confirmed subscription, and one
//     prerequisite left missing on purpose: the trail logs no management
//     events (SeedPreflight, PreflightMissing).
//   - Global events: an IAM event (root creates an access key) arriving
//     with region us-east-1, as the global stack forwards it (Findings).
//
// Each part has a Seed function that works against the stand-ins and an
// expectation the demo and the integration tests compare the outcome with.
package scenario
