package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/retention"
)

// planUsage is the `plan` subcommand's argument line.
const planUsage = "[--keep-last N] [--keep-hourly N] [--keep-daily N] [--keep-weekly N] [--keep-monthly N] [--keep-yearly N] [--tz ZONE] < snapshots.json"

// planExample is a valid stdin for `plan`, shown in errors about stdin.
const planExample = `[{"id": "snap-1", "created": "2026-11-21T10:00:00+09:00"}]`

// maxInputErrors bounds how many bad snapshots one error lists.
const maxInputErrors = 10

// runPlan is `snapshot-rotator plan`: it reads snapshots as a JSON array of
// {"id", "created"} on stdin, applies the retention policy given by the
// --keep-* flags with periods cut in --tz, and prints the plan as indented
// JSON on stdout, keep and delete each newest first. It changes nothing
// anywhere. -h prints the usage on stdout and returns nil.
//
// The input is read as a stream (plan_input.go) and the plan written as it
// goes through a buffer (plan_output.go), so a million snapshots need
// neither the whole input nor the whole output in memory. Any problem with
// the input is reported before anything is printed.
func runPlan(args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are returned; usage is printed on -h only
	var p retention.Policy
	fs.IntVar(&p.Last, "keep-last", 0, "keep the `N` newest snapshots (-1: all)")
	fs.IntVar(&p.Hourly, "keep-hourly", 0, "keep the newest snapshot of each of the last `N` hours that have one (-1: all)")
	fs.IntVar(&p.Daily, "keep-daily", 0, "keep the newest snapshot of each of the last `N` days that have one (-1: all)")
	fs.IntVar(&p.Weekly, "keep-weekly", 0, "keep the newest snapshot of each of the last `N` ISO weeks that have one (-1: all)")
	fs.IntVar(&p.Monthly, "keep-monthly", 0, "keep the newest snapshot of each of the last `N` months that have one (-1: all)")
	fs.IntVar(&p.Yearly, "keep-yearly", 0, "keep the newest snapshot of each of the last `N` years that have one (-1: all)")
	tz := fs.String("tz", config.DefaultTimezone, "IANA time `ZONE` in which hours, days, weeks, months and years are cut")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			var b strings.Builder
			fmt.Fprintf(&b, "usage: plan %s\n\nReads [{\"id\": ..., \"created\": RFC 3339}] on stdin and prints which snapshots the policy keeps, and why, and which it deletes.\n\n", planUsage)
			fs.SetOutput(&b)
			fs.PrintDefaults()
			_, err := io.WriteString(stdout, b.String())
			return err
		}
		return fmt.Errorf("%w (usage: plan %s)", err, planUsage)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q: snapshots are read from stdin (usage: plan %s)", fs.Arg(0), planUsage)
	}
	if err := flagPolicyError(p.Validate()); err != nil {
		return err
	}
	loc, err := loadZone(*tz)
	if err != nil {
		return err
	}

	// The snapshots, their plan and the planner's order are most of the
	// heap and live to the end; the default GC goal (twice the live heap)
	// would put a million snapshots near 160 MB of RSS. A goal of 1.5x
	// keeps them near 140 MB.
	defer debug.SetGCPercent(debug.SetGCPercent(50))
	// The plan is one sequential stream: a second P only runs the GC's
	// workers beside it, and on a machine where waking threads is dear
	// (a 2-core VM measured 2 December 2026) their cross-thread wake-ups
	// cost more than they save: with a goal of 1.25x, 1,000,000 snapshots
	// took 3.5-4.3 s of CPU and 2.4-2.6 s of wall time on two Ps, 1.9-2.0 s
	// and 1.9 s on one; with 1.5x on one P, 1.7-1.8 s of CPU and 140 MB
	// (bench-plan.sh). GOMAXPROCS in the environment still wins.
	if os.Getenv("GOMAXPROCS") == "" {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	}
	snaps, err := readSnapshots(stdin)
	if err != nil {
		return err
	}
	// Reading leaves garbage (the compact store and its growth, per-element
	// buffers) in small spans the plan's large arrays cannot reuse: collect
	// it and give the pages back before planning allocates.
	debug.FreeOSMemory()
	plan, err := retention.Apply(snaps, p, loc)
	if err != nil {
		return err
	}
	if err := writePlan(stdout, loc, p, plan); err != nil {
		return fmt.Errorf("write plan: %w", err)
	}
	return nil
}

// flagPolicyError renames the policy's fields ("keep.daily") to the flags
// that set them ("--keep-daily").
func flagPolicyError(err error) error {
	if err == nil {
		return nil
	}
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	var msgs []string
	for _, e := range errs {
		var fe config.FieldError
		switch {
		case errors.As(e, &fe) && fe.Field == "keep":
			msgs = append(msgs, "no --keep-* flag given: want at least one non-zero tier, e.g. --keep-hourly 24 --keep-daily 7 --keep-weekly 4")
		case errors.As(e, &fe):
			msgs = append(msgs, fmt.Sprintf("--%s: %v is not valid: want %s", strings.ReplaceAll(fe.Field, ".", "-"), fe.Value, fe.Want))
		default:
			msgs = append(msgs, e.Error())
		}
	}
	return errors.New(strings.Join(msgs, "; "))
}

// loadZone loads an IANA zone by name, refusing "" and "Local", which
// would make the plan depend on the machine it runs on.
func loadZone(name string) (*time.Location, error) {
	const want = "want an IANA zone name such as Asia/Tokyo or UTC"
	if name == "" || name == "Local" {
		return nil, fmt.Errorf("--tz %q is not valid: %s", name, want)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("--tz %q is not a known time zone: %s", name, want)
	}
	return loc, nil
}

// stringField reads a required, non-empty string field of element i.
func stringField(i int, obj map[string]json.RawMessage, name string, fail func(int, string, ...any)) (string, bool) {
	raw, ok := obj[name]
	if !ok {
		fail(i, "%q is missing", name)
		return "", false
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		fail(i, "%q: want a string, got %s", name, jsonKind(raw))
		return "", false
	}
	if strings.TrimSpace(s) == "" {
		fail(i, "%q is empty", name)
		return "", false
	}
	return s, true
}

// jsonKind names the kind of a JSON value: "a string", "null", ...
func jsonKind(raw json.RawMessage) string {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 {
		return "nothing"
	}
	switch t[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		return "a number"
	}
}

// article puts "a" or "an" before a JSON type name from encoding/json.
func article(kind string) string {
	switch {
	case kind == "null":
		return kind
	case strings.HasPrefix(kind, "a") || strings.HasPrefix(kind, "o"):
		return "an " + kind
	default:
		return "a " + kind
	}
}

// position turns a byte offset into a 1-based line and column.
func position(input []byte, offset int64) (line, col int) {
	if offset > int64(len(input)) {
		offset = int64(len(input))
	}
	before := input[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(offset) - (bytes.LastIndexByte(before, '\n') + 1)
	if col == 0 {
		col = 1 // at the start of a line (or of the input)
	}
	return line, col
}
