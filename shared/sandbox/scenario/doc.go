// Package scenario provides the sandbox's seeded world: one operator's
// configuration and the state that makes every function have work to do.
//
// The scenario, part by part:
//   - Backups: three databases — orders-db (a PostgreSQL instance, selected
//     by tag), billing-aurora (an Aurora cluster, selected by id) and
//     analytics-db (not targeted) — with 60 days of hourly managed snapshots
//     on the targeted ones, plus unmanaged manual snapshots, automated
//     snapshots and an AWS Backup snapshot that must never be touched.
//
// Each part has a Seed function that works against the stand-ins and an
// expectation the demo and the integration tests compare the outcome with.
package scenario
