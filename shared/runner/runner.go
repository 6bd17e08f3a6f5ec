package runner

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/pledge-dev/pledge/shared/clock"
	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/logging"
)

// Env is what a function's Setup receives.
type Env struct {
	// Getenv reads the environment; PLEDGE_CONFIG is the configuration.
	Getenv func(string) string
	// DryRun asks the handler to plan everything and change nothing.
	DryRun bool
	// Now is the clock.
	Now clock.Func
	// Logger writes JSON logs.
	Logger *slog.Logger
	// Metrics is where EMF lines go.
	Metrics io.Writer
}

// Handler handles one invocation's raw event.
type Handler func(ctx context.Context, event json.RawMessage) (any, error)

// Command is an extra subcommand, run outside Lambda.
type Command struct {
	// Usage is one line: the arguments the command takes.
	Usage string
	Run   func(args []string, stdin io.Reader, stdout, stderr io.Writer) error
}

// Function describes one Lambda function.
type Function struct {
	Name string
	// Setup builds the handler once per process.
	Setup func(ctx context.Context, env Env) (Handler, error)
	// DefaultEvent is what `invoke` sends without -event.
	DefaultEvent func(now time.Time) []byte
	// Commands are extra subcommands by name.
	Commands map[string]Command
	// RealTimeOnly marks a function whose real runs delete or create data
	// (the tenant-purger, the snapshot-rotator): `invoke -now` is refused
	// without -dry-run, since those acts always follow the real clock. A
	// dry run may preview any time.
	RealTimeOnly bool
}

// Main runs f and exits.
func Main(f Function) {
	if os.Getenv("AWS_LAMBDA_RUNTIME_API") != "" {
		startLambda(f)
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Run(ctx, f, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

func startLambda(f Function) {
	log := logging.New(os.Stdout, logging.Level(os.Getenv("AWS_LAMBDA_LOG_LEVEL"))).With(logging.KeyFunction, f.Name)
	env := Env{Getenv: os.Getenv, DryRun: os.Getenv("PLEDGE_DRY_RUN") == "true", Now: clock.Real(), Logger: log, Metrics: os.Stdout}
	h, err := f.Setup(context.Background(), env)
	if err != nil {
		// Keep serving so every invocation fails with the reason and the
		// error metric and alarm fire, rather than a crash loop.
		log.Error("setup failed", logging.KeyError, err)
		h = func(context.Context, json.RawMessage) (any, error) { return nil, err }
	}
	lambda.Start(func(ctx context.Context, ev json.RawMessage) (any, error) { return h(ctx, ev) })
}

// Run is Main without the process: it returns the exit code.
func Run(ctx context.Context, f Function, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	usage := func() {
		if f.RealTimeOnly {
			fmt.Fprintf(stderr, "usage:\n  %s invoke [-event FILE|-] [-dry-run [-now TIME]] [-config FILE] [-timeout DURATION]\n", f.Name)
		} else {
			fmt.Fprintf(stderr, "usage:\n  %s invoke [-event FILE|-] [-dry-run] [-config FILE] [-now TIME] [-timeout DURATION]\n", f.Name)
		}
		names := make([]string, 0, len(f.Commands))
		for n := range f.Commands {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintf(stderr, "  %s %s %s\n", f.Name, n, f.Commands[n].Usage)
		}
	}
	if len(args) == 0 {
		usage()
		return 2
	}
	if cmd, ok := f.Commands[args[0]]; ok {
		if err := cmd.Run(args[1:], stdin, stdout, stderr); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return 2
			}
			fmt.Fprintf(stderr, "%s %s: %s\n", f.Name, args[0], oneLine(err))
			return 1
		}
		return 0
	}
	if args[0] != "invoke" {
		fmt.Fprintf(stderr, "%s: unknown command %q\n", f.Name, args[0])
		usage()
		return 2
	}
	fs := flag.NewFlagSet(f.Name+" invoke", flag.ContinueOnError)
	fs.SetOutput(stderr)
	eventFile := fs.String("event", "", "event JSON file, or - for stdin (default: a scheduled event for now)")
	dryRun := fs.Bool("dry-run", false, "plan everything, change nothing")
	configFile := fs.String("config", "", "configuration file or cdk.json (default: $PLEDGE_CONFIG, else ./cdk.json)")
	nowHelp := "run as if the clock read this RFC 3339 time"
	if f.RealTimeOnly {
		nowHelp += " (only with -dry-run: " + f.Name + " deletes and creates data by the real clock, whatever -now says)"
	}
	now := fs.String("now", "", nowHelp)
	timeout := fs.Duration("timeout", 15*time.Minute, "give up after this long, like Lambda's limit")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "%s invoke: unexpected argument %q\n", f.Name, fs.Arg(0))
		return 2
	}
	if f.RealTimeOnly && *now != "" && !*dryRun {
		fmt.Fprintf(stderr, "%s invoke: -now needs -dry-run: %s deletes and creates data only by the real clock, so a real run cannot be moved in time (preview one with -dry-run -now %s)\n", f.Name, f.Name, *now)
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "%s: %s\n", f.Name, oneLine(err))
		return 1
	}
	clk, err := clock.Parse(*now)
	if err != nil {
		return fail(err)
	}
	getenv, err = withConfig(getenv, *configFile)
	if err != nil {
		return fail(err)
	}
	var event []byte
	switch *eventFile {
	case "":
		event = f.DefaultEvent(clk())
	case "-":
		event, err = io.ReadAll(stdin)
	default:
		event, err = os.ReadFile(*eventFile)
	}
	if err != nil {
		return fail(fmt.Errorf("read event: %w", err))
	}
	if !json.Valid(event) {
		return fail(fmt.Errorf("event %s is not valid JSON", nameOr(*eventFile, "from stdin")))
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	log := logging.New(stderr, logging.Level(getenv("PLEDGE_LOG_LEVEL"))).With(logging.KeyFunction, f.Name)
	h, err := f.Setup(ctx, Env{Getenv: getenv, DryRun: *dryRun, Now: clk, Logger: log, Metrics: stderr})
	if err != nil {
		return fail(err)
	}
	result, err := h(ctx, event)
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("gave up after -timeout %s: %w", *timeout, err)
		}
		return fail(err)
	}
	out, err := json.MarshalIndent(result, "", "  ")
	if err != nil {
		return fail(fmt.Errorf("encode result: %w", err))
	}
	fmt.Fprintf(stdout, "%s\n", out)
	return 0
}

func nameOr(s, alt string) string {
	if s == "" || s == "-" {
		return alt
	}
	return s
}

// withConfig returns a getenv whose PLEDGE_CONFIG holds the configuration
// from file, or from ./cdk.json when neither file nor PLEDGE_CONFIG is set.
func withConfig(getenv func(string) string, file string) (func(string) string, error) {
	if file == "" {
		if getenv(config.EnvVar) != "" {
			return getenv, nil
		}
		if _, err := os.Stat("cdk.json"); err != nil {
			return nil, fmt.Errorf("no configuration: pass -config FILE, set %s, or run from the directory that holds cdk.json", config.EnvVar)
		}
		file = "cdk.json"
	}
	c, err := config.Load(file)
	if err != nil {
		return nil, err
	}
	enc := c.Encode()
	return func(k string) string {
		if k == config.EnvVar {
			return enc
		}
		return getenv(k)
	}, nil
}

// oneLine folds an error onto one line.
func oneLine(err error) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", "; ")), " ")
}

// ScheduledEvent is the event the stack's EventBridge Scheduler schedules
// send: the EventBridge "Scheduled Event" envelope with the schedule's
// scheduled time. Detail names the policy or job the schedule is for.
type ScheduledEvent struct {
	Version    string            `json:"version"`
	ID         string            `json:"id"`
	DetailType string            `json:"detail-type"`
	Source     string            `json:"source"`
	Account    string            `json:"account"`
	Time       time.Time         `json:"time"`
	Region     string            `json:"region"`
	Resources  []string          `json:"resources"`
	Detail     map[string]string `json:"detail"`
}

// ScheduledEventJSON returns a scheduled event for t, as `invoke` sends by
// default.
func ScheduledEventJSON(t time.Time, detail map[string]string) []byte {
	if detail == nil {
		detail = map[string]string{}
	}
	b, _ := json.Marshal(ScheduledEvent{
		Version: "0", ID: "local-invoke", DetailType: "Scheduled Event", Source: "aws.scheduler",
		Account: "000000000000", Time: t.UTC().Truncate(time.Second), Region: "local",
		Resources: []string{"arn:aws:scheduler:local:000000000000:schedule/default/local-invoke"}, Detail: detail,
	})
	return b
}
