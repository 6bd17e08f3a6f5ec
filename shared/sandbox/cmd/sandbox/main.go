// Command sandbox runs Pledge's local stand-ins for AWS.
//
//	sandbox serve                  start, seed the scenario, print the exports, wait for Ctrl-C
//	sandbox demo [-bin DIR] [-out DIR]
//	                               start, seed, run every function's binary once, print a
//	                               summary, keep the artifacts in -out, stop
//	sandbox demo -profile NAME|all [-bin DIR] [-out DIR]
//	                               start, seed, prove every promise a seed operator's profile
//	                               keeps (package proof), reports in -out/profiles, stop
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: sandbox serve | sandbox demo [-bin DIR] [-out DIR] [-profile NAME|all]")
		return 2
	}
	switch args[0] {
	case "serve":
		if err := serve(ctx, stdout); err != nil {
			fmt.Fprintf(stderr, "sandbox: %v\n", err)
			return 1
		}
		return 0
	case "demo":
		fs := flag.NewFlagSet("sandbox demo", flag.ContinueOnError)
		fs.SetOutput(stderr)
		bin := fs.String("bin", "bin/local", "directory holding the functions' binaries (make build-local)")
		out := fs.String("out", "out", "directory for the artifacts: results, logs, evidence, emails")
		profile := fs.String("profile", "", "instead, prove a seed operator's profile (infra/config/NAME.json) or \"all\" of them in the sandbox")
		if err := fs.Parse(args[1:]); err != nil {
			return 2
		}
		if *profile != "" {
			if err := proveProfiles(ctx, *bin, *out, *profile, stdout); err != nil {
				fmt.Fprintf(stderr, "sandbox demo: %v\n", err)
				return 1
			}
			return 0
		}
		if err := demo(ctx, *bin, *out, stdout, stderr); err != nil {
			fmt.Fprintf(stderr, "sandbox demo: %v\n", err)
			return 1
		}
		return 0
	}
	fmt.Fprintf(stderr, "sandbox: unknown command %q\n", args[0])
	return 2
}
