// Package runner provides the entry point every Pledge function shares, so
// the same binary runs in Lambda and on a laptop.
//
// In Lambda (AWS_LAMBDA_RUNTIME_API is set) it builds the handler once and
// serves invocations; logs and EMF metrics go to stdout, where Lambda's JSON
// log format expects them. Outside Lambda:
//
//	<function> invoke [-event FILE|-] [-dry-run] [-config FILE] [-now TIME] [-timeout D]
//
// runs the handler once with the event (default: a scheduled event for now),
// prints the handler's result as JSON on stdout, logs and metrics on stderr,
// and exits 1 with a one-line error when the handler fails, 2 on bad usage.
// The configuration comes from -config (a configuration file or a cdk.json),
// else PLEDGE_CONFIG, else ./cdk.json. Functions may add subcommands (such
// as the rotator's `plan`).
//
// -now moves the function's clock. For a function marked RealTimeOnly (the
// tenant-purger and the snapshot-rotator, whose real runs delete or create
// data) it is accepted only with -dry-run: deletions, purge claims and
// snapshot creation always follow the real clock, and their domain code
// checks the wall clock again on its own.
package runner
