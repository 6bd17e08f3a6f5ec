package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pledge-dev/pledge/shared/sandbox"
	"github.com/pledge-dev/pledge/shared/sandbox/proof"
)

// proveProfiles runs the sandbox scenario under seed operators' profiles
// (`make demo PROFILE=sotas`, or all of them) and prints each promise the
// profile keeps with what proved it; the reports go to out/profiles/.
func proveProfiles(ctx context.Context, bin, out, which string, stdout io.Writer) error {
	began := time.Now()
	names := proof.Profiles
	if which != "all" {
		if _, err := proof.Load(which); err != nil {
			return err
		}
		names = []string{which}
	}
	bins := map[string]string{}
	for _, f := range proof.Functions {
		bins[f] = filepath.Join(bin, f)
	}
	dir := filepath.Join(out, "profiles")
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(dir, "runs"), 0o755); err != nil {
		return err
	}
	data, err := os.MkdirTemp("", "pledge-proof-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(data)
	sb, err := sandbox.Start(ctx, sandbox.Options{Dir: data})
	if err != nil {
		return err
	}
	defer sb.Stop()
	w, err := proof.Seed(ctx, sb, bins, filepath.Join(dir, "runs"))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Pledge profiles — sandbox started and seeded in %.1fs (stand-ins on 127.0.0.1)\n\n", time.Since(began).Seconds())
	var failed []string
	total, proven := 0, 0
	for _, name := range names {
		start := time.Now()
		rep, err := proof.Run(ctx, w, name)
		if err != nil {
			return err
		}
		prof, _ := proof.Load(name)
		fmt.Fprintf(stdout, "%s — %s (%s)\n", name, prof.Profile.Service, prof.Profile.Whitepaper)
		for _, o := range rep.Outcomes {
			total++
			mark := "PROVEN"
			if o.OK {
				proven++
			} else {
				mark = "BROKEN"
				failed = append(failed, name+" "+o.Kind)
			}
			fmt.Fprintf(stdout, "  %-6s %-10s %-21s %s\n", mark, o.Control, o.Kind, o.Promise)
			for _, s := range o.Shown {
				fmt.Fprintf(stdout, "           %s\n", s)
			}
			for _, f := range o.Failures {
				fmt.Fprintf(stdout, "           NOT KEPT: %s\n", f)
			}
		}
		for _, g := range prof.Profile.NotKept {
			fmt.Fprintf(stdout, "  %-6s %-10s %-21s %s — %s\n", "—", g.Control, "not kept", g.Promise, g.Why)
		}
		b, _ := json.MarshalIndent(rep, "", "  ")
		if err := os.WriteFile(filepath.Join(dir, name+".json"), append(b, '\n'), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "  (%.1fs)\n\n", time.Since(start).Seconds())
	}
	fmt.Fprintf(stdout, "%d of %d promises proven over %d profile(s); reports and the binaries' output in %s/\n", proven, total, len(names), dir)
	fmt.Fprintf(stdout, "Finished in %.1fs\n", time.Since(began).Seconds())
	if len(failed) > 0 {
		return fmt.Errorf("%d promise(s) not proven: %s", len(failed), strings.Join(failed, ", "))
	}
	return nil
}
