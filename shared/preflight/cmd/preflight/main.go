// Command preflight checks, read-only and with the operator's credentials,
// that an AWS account is ready for a Pledge configuration before and after
// deploying it (see package preflight). `make preflight CDK_ARGS=...` runs
// it with the configuration the CDK app reads.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/pledge-dev/pledge/shared/preflight"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := preflight.Command(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
