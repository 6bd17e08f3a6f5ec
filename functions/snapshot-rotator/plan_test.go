package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// planResult is runPlan's output, parsed.
type planResult struct {
	Timezone string `json:"timezone"`
	Policy   string `json:"policy"`
	Keep     []struct {
		ID      string   `json:"id"`
		Created string   `json:"created"`
		Reasons []string `json:"reasons"`
	} `json:"keep"`
	Delete []struct {
		ID      string `json:"id"`
		Created string `json:"created"`
	} `json:"delete"`
}

func plan(t *testing.T, stdin string, args ...string) (planResult, string) {
	t.Helper()
	var out bytes.Buffer
	if err := runPlan(args, strings.NewReader(stdin), &out); err != nil {
		t.Fatalf("runPlan(%q): %v", args, err)
	}
	var r planResult
	dec := json.NewDecoder(bytes.NewReader(out.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("output is not the plan's JSON: %v\n%s", err, out.String())
	}
	return r, out.String()
}

func (r planResult) keepIDs() []string {
	ids := []string{}
	for _, k := range r.Keep {
		ids = append(ids, k.ID)
	}
	return ids
}

func (r planResult) deleteIDs() []string {
	ids := []string{}
	for _, d := range r.Delete {
		ids = append(ids, d.ID)
	}
	return ids
}

const twoTokyoDays = `[
  {"id": "a", "created": "2026-11-20T14:00:00Z"},
  {"id": "b", "created": "2026-11-20T16:00:00Z"},
  {"id": "c", "created": "2026-11-20T15:30:00Z"},
  {"id": "d", "created": "2026-11-20T13:00:00Z"}
]`

func TestRunPlan_KeepsAndDeletesNewestFirst(t *testing.T) {
	// In Tokyo, a and d fall on the 20th (23:00, 22:00 JST), b and c on the 21st.
	r, _ := plan(t, twoTokyoDays, "--keep-daily", "2")
	if got, want := r.Timezone, "Asia/Tokyo"; got != want {
		t.Errorf("timezone %q, want %q (the default)", got, want)
	}
	if got, want := r.keepIDs(), []string{"b", "a"}; !slices.Equal(got, want) {
		t.Errorf("keep %q, want %q", got, want)
	}
	if got, want := r.deleteIDs(), []string{"c", "d"}; !slices.Equal(got, want) {
		t.Errorf("delete %q, want %q", got, want)
	}
	if got, want := r.Keep[0].Reasons, []string{"daily snapshot 2026-11-21"}; !slices.Equal(got, want) {
		t.Errorf("reasons of b %q, want %q", got, want)
	}
	if got, want := r.Keep[0].Created, "2026-11-21T01:00:00+09:00"; got != want {
		t.Errorf("created of b %q, want %q (in the zone)", got, want)
	}
	if got, want := r.Policy, "2 daily"; got != want {
		t.Errorf("policy %q, want %q", got, want)
	}
}

func TestRunPlan_TZCutsTheDays(t *testing.T) {
	// In UTC all four fall on the 20th: only the newest is kept.
	r, _ := plan(t, twoTokyoDays, "-keep-daily=2", "--tz", "UTC")
	if got, want := r.keepIDs(), []string{"b"}; !slices.Equal(got, want) {
		t.Errorf("keep %q, want %q", got, want)
	}
	if got, want := r.Keep[0].Created, "2026-11-20T16:00:00Z"; got != want {
		t.Errorf("created %q, want %q", got, want)
	}
}

func TestRunPlan_AllTiers(t *testing.T) {
	r, _ := plan(t, twoTokyoDays, "--keep-last", "1", "--keep-hourly", "2", "--keep-weekly", "1", "--keep-monthly", "1", "--keep-yearly", "-1")
	if got, want := r.keepIDs(), []string{"b", "c"}; !slices.Equal(got, want) {
		t.Errorf("keep %q, want %q", got, want)
	}
	if got, want := r.Keep[0].Reasons, []string{
		"last snapshot #1", "hourly snapshot 2026-11-21T01:00+09:00", "weekly snapshot 2026-W47", "monthly snapshot 2026-11", "yearly snapshot 2026",
	}; !slices.Equal(got, want) {
		t.Errorf("reasons %q, want %q", got, want)
	}
}

func TestRunPlan_EmptyArray(t *testing.T) {
	_, out := plan(t, " [ ] ", "--keep-daily", "7")
	// Empty lists print as [], not null, so consumers can iterate.
	if !strings.Contains(out, `"keep": []`) || !strings.Contains(out, `"delete": []`) {
		t.Errorf("output %s: want empty keep and delete arrays", out)
	}
}

func TestRunPlan_Golden(t *testing.T) {
	input, err := os.ReadFile(filepath.Join("testdata", "plan-input.json"))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := runPlan([]string{"--keep-hourly", "3", "--keep-daily", "4", "--keep-weekly", "3"}, bytes.NewReader(input), &out); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "plan.golden")
	if *update {
		if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(out.Bytes(), want) {
		t.Errorf("plan differs from %s (run with -update if the change is intended):\n%s", golden, out.String())
	}
}

func TestRunPlan_Help(t *testing.T) {
	var out bytes.Buffer
	if err := runPlan([]string{"-h"}, strings.NewReader(""), &out); err != nil {
		t.Fatalf("-h: %v", err)
	}
	for _, want := range []string{"usage: plan", "-keep-hourly N", "-tz ZONE", `(default "Asia/Tokyo")`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("usage lacks %q:\n%s", want, out.String())
		}
	}
}

func TestRunPlan_Errors(t *testing.T) {
	ok := `[{"id": "a", "created": "2026-11-21T10:00:00+09:00"}]`
	daily := []string{"--keep-daily", "7"}
	tests := []struct {
		name  string
		args  []string
		stdin string
		want  string // the whole error
	}{
		{"bad created", daily, `[{"id":"a","created":"2026-11-21T10:00:00Z"},{"id":"b","created":"2026-11-21T11:00:00Z"},{"id":"c","created":"2026-11-21T12:00:00Z"},{"id":"d","created":"2026-13-01"}]`,
			`stdin: snapshot [3]: "created": "2026-13-01" is not an RFC 3339 time: want e.g. "2026-11-21T10:00:00+09:00"`},
		{"created without zone", daily, `[{"id": "a", "created": "2026-11-21T10:00:00"}]`,
			`stdin: snapshot [0]: "created": "2026-11-21T10:00:00" is not an RFC 3339 time: want e.g. "2026-11-21T10:00:00+09:00"`},
		{"empty id", daily, `[{"id":"a","created":"2026-11-21T10:00:00Z"},{"id":"b","created":"2026-11-21T11:00:00Z"},{"id":"","created":"2026-11-21T12:00:00Z"}]`,
			`stdin: snapshot [2]: "id" is empty`},
		{"missing id", daily, `[{"created": "2026-11-21T10:00:00Z"}]`, `stdin: snapshot [0]: "id" is missing`},
		{"missing created", daily, `[{"id": "a"}]`, `stdin: snapshot [0]: "created" is missing`},
		{"id not a string", daily, `[{"id": 42, "created": "2026-11-21T10:00:00Z"}]`, `stdin: snapshot [0]: "id": want a string, got a number`},
		{"created null", daily, `[{"id": "a", "created": null}]`, `stdin: snapshot [0]: "created": want a string, got null`},
		{"element not an object", daily, `[{"id": "a", "created": "2026-11-21T10:00:00Z"}, "b"]`, `stdin: snapshot [1]: want an object with "id" and "created", got a string`},
		{"null element", daily, `[null]`, `stdin: snapshot [0]: want an object with "id" and "created", got null`},
		{"unknown field", daily, `[{"id": "a", "created": "2026-11-21T10:00:00Z", "createdAt": "x"}]`, `stdin: snapshot [0]: unknown field "createdAt": want only "id" and "created"`},
		{"duplicate id", daily, `[{"id": "a", "created": "2026-11-21T10:00:00Z"}, {"id": "b", "created": "2026-11-21T11:00:00Z"}, {"id": "a", "created": "2026-11-21T12:00:00Z"}]`,
			`stdin: snapshot [2]: "id": "a" repeats snapshot [0]`},
		{"several errors", daily, `[{"id": ""}, {"id": "b", "created": "x"}]`,
			`stdin: snapshot [0]: "id" is empty; stdin: snapshot [1]: "created": "x" is not an RFC 3339 time: want e.g. "2026-11-21T10:00:00+09:00"`},
		{"syntax error", daily, "[\n  {\"id\": \"a\", \"created\": \"2026-11-21T10:00:00Z\"},\n  {\"id\": \"b\" \"created\": \"2026-11-21T11:00:00Z\"}\n]",
			`stdin: JSON syntax error at line 3, column 14 (byte 66): invalid character '"' after object key:value pair`},
		{"truncated", daily, `[{"id": "a"`, `stdin: JSON syntax error at line 1, column 11 (byte 11): unexpected end of JSON input`},
		{"trailing data", daily, ok + " x", `stdin: JSON syntax error at line 1, column 55 (byte 55): invalid character 'x' after top-level value`},
		{"not an array", daily, `{"id": "a", "created": "2026-11-21T10:00:00Z"}`,
			`stdin: want a JSON array of snapshots, got an object, e.g. [{"id": "snap-1", "created": "2026-11-21T10:00:00+09:00"}]`},
		{"null", daily, `null`, `stdin: want a JSON array of snapshots, got null, e.g. [{"id": "snap-1", "created": "2026-11-21T10:00:00+09:00"}]`},
		{"empty stdin", daily, " \n", `stdin: no input: want a JSON array of snapshots, e.g. [{"id": "snap-1", "created": "2026-11-21T10:00:00+09:00"}]`},
		{"unknown tz", []string{"--keep-daily", "7", "--tz", "Mars/Olympus"}, ok, `--tz "Mars/Olympus" is not a known time zone: want an IANA zone name such as Asia/Tokyo or UTC`},
		{"empty tz", []string{"--keep-daily", "7", "--tz="}, ok, `--tz "" is not valid: want an IANA zone name such as Asia/Tokyo or UTC`},
		{"Local tz", []string{"--keep-daily", "7", "--tz", "Local"}, ok, `--tz "Local" is not valid: want an IANA zone name such as Asia/Tokyo or UTC`},
		{"no tier", nil, ok, `no --keep-* flag given: want at least one non-zero tier, e.g. --keep-hourly 24 --keep-daily 7 --keep-weekly 4`},
		{"bad count", []string{"--keep-daily", "-2", "--keep-yearly", "-3"}, ok,
			`--keep-daily: -2 is not valid: want -1 (unlimited), 0 (tier off) or a positive count; --keep-yearly: -3 is not valid: want -1 (unlimited), 0 (tier off) or a positive count`},
		{"not a number", []string{"--keep-daily", "seven"}, ok, `invalid value "seven" for flag -keep-daily: parse error (usage: plan ` + planUsage + `)`},
		{"unknown flag", []string{"--keep-dialy", "7"}, ok, `flag provided but not defined: -keep-dialy (usage: plan ` + planUsage + `)`},
		{"extra argument", []string{"--keep-daily", "7", "snaps.json"}, ok, `unexpected argument "snaps.json": snapshots are read from stdin (usage: plan ` + planUsage + `)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := runPlan(tt.args, strings.NewReader(tt.stdin), &out)
			if err == nil {
				t.Fatalf("no error, printed %s", out.String())
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("error\n got %s\nwant %s", got, tt.want)
			}
			if out.Len() != 0 {
				t.Errorf("printed %q on error, want nothing", out.String())
			}
		})
	}
}

func TestRunPlan_ManyErrorsAreCapped(t *testing.T) {
	var b strings.Builder
	b.WriteString("[")
	for i := range 15 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"id": ""}`)
	}
	b.WriteString("]")
	err := runPlan([]string{"--keep-daily", "7"}, strings.NewReader(b.String()), &bytes.Buffer{})
	if err == nil {
		t.Fatal("no error")
	}
	if got, want := strings.Count(err.Error(), `"id" is empty`), maxInputErrors; got != want {
		t.Errorf("%d errors listed, want %d: %v", got, want, err)
	}
	if !strings.HasSuffix(err.Error(), "; and 5 more") {
		t.Errorf("error %v does not end with the count of the rest", err)
	}
}

func TestRunPlan_ReadError(t *testing.T) {
	boom := errors.New("boom")
	err := runPlan([]string{"--keep-daily", "7"}, iotest.ErrReader(boom), &bytes.Buffer{})
	if !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "read stdin: ") {
		t.Errorf("err = %v, want read stdin: boom", err)
	}
}

func FuzzRunPlan(f *testing.F) {
	f.Add([]byte(twoTokyoDays))
	f.Add([]byte(`[{"id": "a", "created": "2026-11-21T10:00:00.123456789+05:30"}, {"id": "b", "created": "1969-12-31T23:59:59Z"}]`))
	f.Add([]byte(`[{"id": "a", "created": "2026-11-21T10:00:00Z", "x": 1}, null, 3, "s", [], {}]`))
	f.Add([]byte("[\n{\"id\":\"a\"\n"))
	f.Add([]byte(`[{"id": "a", "created": "2026-11-21T10:00:00Z"}, {"id": "a", "created": "2026-11-21T10:00:00Z"}]`))
	f.Fuzz(func(t *testing.T, input []byte) {
		var out bytes.Buffer
		err := runPlan([]string{"--keep-hourly", "3", "--keep-daily", "2", "--keep-yearly", "-1", "--tz", "America/New_York"}, bytes.NewReader(input), &out)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "stdin: ") {
				t.Fatalf("error %q does not say it is about stdin", err)
			}
			if out.Len() != 0 {
				t.Fatalf("printed output and failed: %v", err)
			}
			return
		}
		var elems []json.RawMessage
		if err := json.Unmarshal(input, &elems); err != nil {
			t.Fatalf("accepted input that is not a JSON array: %v", err)
		}
		var r planResult
		if err := json.Unmarshal(out.Bytes(), &r); err != nil {
			t.Fatalf("output is not JSON: %v", err)
		}
		if got, want := len(r.Keep)+len(r.Delete), len(elems); got != want {
			t.Fatalf("keep+delete = %d, input has %d", got, want)
		}
		if len(elems) > 0 && len(r.Keep) == 0 {
			t.Fatalf("kept nothing of %d snapshots", len(elems))
		}
	})
}
