package main

// The plan command as it was before it streamed, kept only as the reference
// for plan_stream_test.go.

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/retention"
)

// planOutput is what `plan` printed.
type planOutput struct {
	Timezone string        `json:"timezone"`
	Policy   string        `json:"policy"`
	Keep     []planKept    `json:"keep"`
	Delete   []planDeleted `json:"delete"`
}

type planKept struct {
	ID      string   `json:"id"`
	Created string   `json:"created"`
	Reasons []string `json:"reasons"`
}

type planDeleted struct {
	ID      string `json:"id"`
	Created string `json:"created"`
}

// runPlanOld is `snapshot-rotator plan` as it was before it streamed
// (io.ReadAll, json.Unmarshal of the whole input, one encoding of the whole
// plan): the reference the streaming runPlan must match.
//
// runPlanOld was: it reads snapshots as a JSON array of
// {"id", "created"} on stdin, applies the retention policy given by the
// --keep-* flags with periods cut in --tz, and prints the plan as indented
// JSON on stdout, keep and delete each newest first. It changes nothing
// anywhere. -h prints the usage on stdout and returns nil.
func runPlanOld(args []string, stdin io.Reader, stdout io.Writer) error {
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

	input, err := io.ReadAll(stdin)
	if err != nil {
		return fmt.Errorf("read stdin: %w", err)
	}
	snaps, err := parseSnapshotsOld(input)
	if err != nil {
		return err
	}
	plan, err := retention.Apply(snaps, p, loc)
	if err != nil {
		return err
	}

	out := planOutput{Timezone: loc.String(), Policy: p.String(), Keep: make([]planKept, len(plan.Keep)), Delete: make([]planDeleted, len(plan.Delete))}
	for i, k := range plan.Keep {
		reasons := make([]string, len(k.Reasons))
		for j, r := range k.Reasons {
			reasons[j] = r.String()
		}
		out.Keep[i] = planKept{ID: k.ID, Created: k.Created.In(loc).Format(time.RFC3339Nano), Reasons: reasons}
	}
	for i, d := range plan.Delete {
		out.Delete[i] = planDeleted{ID: d.ID, Created: d.Created.In(loc).Format(time.RFC3339Nano)}
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("write plan: %w", err)
	}
	return nil
}

// parseSnapshotsOld reads the JSON array of snapshots, naming the element and
// field of every problem it finds (up to maxInputErrors).
func parseSnapshotsOld(input []byte) ([]retention.Snapshot, error) {
	if len(bytes.TrimSpace(input)) == 0 {
		return nil, fmt.Errorf("stdin: no input: want a JSON array of snapshots, e.g. %s", planExample)
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(input, &elems); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			line, col := position(input, syn.Offset)
			return nil, fmt.Errorf("stdin: JSON syntax error at line %d, column %d (byte %d): %s", line, col, syn.Offset, strings.TrimPrefix(syn.Error(), "json: "))
		case errors.As(err, &typ):
			return nil, fmt.Errorf("stdin: want a JSON array of snapshots, got %s, e.g. %s", article(typ.Value), planExample)
		default:
			return nil, fmt.Errorf("stdin: %w", err)
		}
	}
	if elems == nil {
		return nil, fmt.Errorf("stdin: want a JSON array of snapshots, got null, e.g. %s", planExample)
	}

	var (
		snaps = make([]retention.Snapshot, 0, len(elems))
		first = make(map[string]int, len(elems))
		errs  []string
		more  int
	)
	fail := func(i int, format string, a ...any) {
		if len(errs) == maxInputErrors {
			more++
			return
		}
		errs = append(errs, fmt.Sprintf("stdin: snapshot [%d]: ", i)+fmt.Sprintf(format, a...))
	}
	for i, raw := range elems {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
			fail(i, "want an object with \"id\" and \"created\", got %s", jsonKind(raw))
			continue
		}
		var unknown []string
		for k := range obj {
			if k != "id" && k != "created" {
				unknown = append(unknown, k)
			}
		}
		if len(unknown) > 0 {
			slices.Sort(unknown)
			fail(i, "unknown field %q: want only \"id\" and \"created\"", unknown[0])
			continue
		}
		id, ok := stringFieldOld(i, obj, "id", fail)
		if !ok {
			continue
		}
		created, ok := stringFieldOld(i, obj, "created", fail)
		if !ok {
			continue
		}
		at, err := time.Parse(time.RFC3339, created)
		if err != nil {
			fail(i, "\"created\": %q is not an RFC 3339 time: want e.g. \"2026-11-21T10:00:00+09:00\"", created)
			continue
		}
		if j, dup := first[id]; dup {
			fail(i, "\"id\": %q repeats snapshot [%d]", id, j)
			continue
		}
		first[id] = i
		snaps = append(snaps, retention.Snapshot{ID: id, Created: at})
	}
	if len(errs) > 0 {
		if more > 0 {
			errs = append(errs, fmt.Sprintf("and %d more", more))
		}
		return nil, errors.New(strings.Join(errs, "; "))
	}
	return snaps, nil
}

// stringFieldOld reads a required, non-empty string field of element i.
func stringFieldOld(i int, obj map[string]json.RawMessage, name string, fail func(int, string, ...any)) (string, bool) {
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
