package runner_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/runner"
)

type seen struct {
	env   runner.Env
	event runner.ScheduledEvent
}

func echo(s *seen, fail error) runner.Function {
	return runner.Function{
		Name: "echo",
		Setup: func(ctx context.Context, env runner.Env) (runner.Handler, error) {
			s.env = env
			if _, err := config.FromEnv(env.Getenv, config.SectionBackup); err != nil {
				return nil, err
			}
			return func(ctx context.Context, ev json.RawMessage) (any, error) {
				env.Logger.Info("handling")
				if err := json.Unmarshal(ev, &s.event); err != nil {
					return nil, err
				}
				return map[string]any{"dry_run": env.DryRun, "source": s.event.Source}, fail
			}, nil
		},
		DefaultEvent: func(now time.Time) []byte { return runner.ScheduledEventJSON(now, map[string]string{"policy": "p"}) },
		Commands: map[string]runner.Command{"plan": {Usage: "< snapshots.json", Run: func(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
			b, _ := io.ReadAll(stdin)
			if string(b) == "bad" {
				return errors.New("stdin: line 1:\nbroken")
			}
			_, err := stdout.Write(b)
			return err
		}}},
	}
}

func run(t *testing.T, f runner.Function, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := runner.Run(context.Background(), f, args, strings.NewReader(stdin), &out, &errb, func(string) string { return "" })
	return code, out.String(), errb.String()
}

func cdkJSON(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "..", "cdk.json"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRun_InvokeDefaultScheduledEvent(t *testing.T) {
	var s seen
	code, out, errOut := run(t, echo(&s, nil), "", "invoke", "-dry-run", "-config", cdkJSON(t), "-now", "2026-12-01T03:00:00+09:00")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var res map[string]any
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("stdout is not the JSON result: %q", out)
	}
	if res["dry_run"] != true || res["source"] != "aws.scheduler" {
		t.Errorf("result = %v", res)
	}
	if want := time.Date(2026, 11, 30, 18, 0, 0, 0, time.UTC); s.event.Time.Sub(want) > time.Second || s.event.Time.Before(want) {
		t.Errorf("scheduled event time = %v, want -now", s.event.Time)
	}
	if !strings.Contains(errOut, `"message":"handling"`) || strings.Contains(out, "handling") {
		t.Errorf("logs belong on stderr only: stdout %q stderr %q", out, errOut)
	}
}

func TestRun_InvokeEventFileAndStdin(t *testing.T) {
	var s seen
	ev := filepath.Join(t.TempDir(), "ev.json")
	os.WriteFile(ev, []byte(`{"source":"aws.guardduty"}`), 0o600)
	if code, out, errOut := run(t, echo(&s, nil), "", "invoke", "-event", ev, "-config", cdkJSON(t)); code != 0 || !strings.Contains(out, "aws.guardduty") {
		t.Errorf("-event FILE: exit %d out %q err %q", code, out, errOut)
	}
	if code, out, _ := run(t, echo(&s, nil), `{"source":"stdin"}`, "invoke", "-event", "-", "-config", cdkJSON(t)); code != 0 || !strings.Contains(out, `"stdin"`) {
		t.Errorf("-event -: exit %d out %q", code, out)
	}
}

func TestRun_Errors(t *testing.T) {
	var s seen
	for name, tc := range map[string]struct {
		f     runner.Function
		stdin string
		args  []string
		code  int
		want  string
	}{
		"ErrHandler":    {echo(&s, errors.New("describe DB instances:\nno credentials")), "", []string{"invoke", "-config", cdkJSON(t)}, 1, "echo: describe DB instances:; no credentials\n"},
		"ErrNoConfig":   {echo(&s, nil), "", []string{"invoke", "-config", "/nonexistent.json"}, 1, "echo: read configuration: open /nonexistent.json"},
		"ErrEventJSON":  {echo(&s, nil), "{", []string{"invoke", "-event", "-", "-config", cdkJSON(t)}, 1, "echo: event from stdin is not valid JSON"},
		"ErrEventFile":  {echo(&s, nil), "", []string{"invoke", "-event", "/nonexistent.json", "-config", cdkJSON(t)}, 1, "echo: read event: open /nonexistent.json"},
		"ErrNow":        {echo(&s, nil), "", []string{"invoke", "-now", "soon", "-config", cdkJSON(t)}, 1, `-now "soon" is not an RFC 3339 time`},
		"ErrUsage":      {echo(&s, nil), "", nil, 2, "usage:"},
		"ErrCommand":    {echo(&s, nil), "", []string{"deploy"}, 2, `unknown command "deploy"`},
		"ErrExtraArg":   {echo(&s, nil), "", []string{"invoke", "extra"}, 2, `unexpected argument "extra"`},
		"ErrSubcommand": {echo(&s, nil), "bad", []string{"plan"}, 1, "echo plan: stdin: line 1:; broken\n"},
	} {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := run(t, tc.f, tc.stdin, tc.args...)
			if code != tc.code || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, errOut, tc.code, tc.want)
			}
			if code != 0 && out != "" {
				t.Errorf("stdout on failure: %q", out)
			}
		})
	}
}

func TestRun_InvalidConfigNamesField(t *testing.T) {
	var s seen
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"region":"tokyo","evidence":{"retentionDays":1}}`), 0o600)
	code, _, errOut := run(t, echo(&s, nil), "", "invoke", "-config", bad)
	if code != 1 || !strings.Contains(errOut, `region: "tokyo" is not valid`) || strings.Count(errOut, "\n") != 1 {
		t.Errorf("exit %d stderr %q; want one line naming region", code, errOut)
	}
}

func TestRun_Subcommand(t *testing.T) {
	var s seen
	code, out, _ := run(t, echo(&s, nil), `[1]`, "plan")
	if code != 0 || out != "[1]" {
		t.Errorf("plan: exit %d out %q", code, out)
	}
}

// TestRun_NowNeedsDryRunForRealTimeOnly: a function that deletes or creates
// data refuses -now without -dry-run before it is even set up; with
// -dry-run, or for other functions, -now moves the clock.
func TestRun_NowNeedsDryRunForRealTimeOnly(t *testing.T) {
	var s seen
	destructive := echo(&s, nil)
	destructive.Name, destructive.RealTimeOnly = "tenant-purger", true
	s.env = runner.Env{}
	code, out, errOut := run(t, destructive, "", "invoke", "-now", "2030-01-01T00:00:00Z", "-config", cdkJSON(t))
	if code != 2 || out != "" || !strings.Contains(errOut, "tenant-purger invoke: -now needs -dry-run: tenant-purger deletes and creates data only by the real clock") {
		t.Errorf("-now without -dry-run: exit %d, stdout %q, stderr %q; want exit 2 and why", code, out, errOut)
	}
	if s.env.Now != nil {
		t.Error("the function was set up although -now was refused")
	}
	code, _, errOut = run(t, destructive, "", "invoke", "-dry-run", "-now", "2030-01-01T00:00:00Z", "-config", cdkJSON(t))
	if code != 0 || s.env.Now().Year() != 2030 || !s.env.DryRun {
		t.Errorf("-dry-run -now: exit %d (%s), clock %v", code, errOut, s.env.Now())
	}
	code, _, errOut = run(t, echo(&s, nil), "", "invoke", "-now", "2030-01-01T00:00:00Z", "-config", cdkJSON(t))
	if code != 0 || s.env.Now().Year() != 2030 {
		t.Errorf("a function that is not RealTimeOnly: exit %d (%s)", code, errOut)
	}
	// invoke -h says so.
	_, _, errOut = run(t, destructive, "", "invoke", "-h")
	if !strings.Contains(errOut, "only with -dry-run: tenant-purger deletes and creates data by the real clock") {
		t.Errorf("invoke -h does not say -now needs -dry-run:\n%s", errOut)
	}
	_, _, errOut = run(t, destructive, "")
	if !strings.Contains(errOut, "tenant-purger invoke [-event FILE|-] [-dry-run [-now TIME]]") {
		t.Errorf("usage does not say -now needs -dry-run:\n%s", errOut)
	}
}
