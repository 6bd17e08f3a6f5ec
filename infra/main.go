// Command infra is Pledge's CDK app: `cdk synth` (cdk.json's "app" is
// `go run ./infra`) reads the configuration from context, validates it
// (config.Config.Validate and ValidateDeployment: a stage and an ops
// destination are required), and synthesizes the stage's stack
// "Pledge-<stage>", plus "Pledge-<stage>-global" in us-east-1 when
// forwardGlobalEvents is set, with cdk-nag's AwsSolutions and Serverless
// checks applied.
//
// Without the CDK CLI, `go run ./infra` reads cdk.json from the working
// directory and writes the cloud assembly to cdk.out. Context keys:
// "pledge" (the configuration), "pledge:configFile" (a file that replaces
// it) and "pledge:codeRoot" (where <function>/bootstrap are; default bin).
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/pledge-dev/pledge/infra/stack"
)

// codeRootKey is the context key that overrides where the functions'
// bootstraps are (default stack.DefaultCodeRoot, "bin").
const codeRootKey = "pledge:codeRoot"

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "pledge infra:", err)
		jsii.Close()
		os.Exit(1)
	}
	jsii.Close()
}

func run() error {
	var props *awscdk.AppProps
	if os.Getenv("CDK_OUTDIR") == "" {
		// Run without the CLI: read cdk.json's context (configuration and
		// feature flags) as the CLI would, and write where it would.
		ctx, err := cdkJSONContext(stack.DefaultConfigFile)
		if err != nil {
			return err
		}
		props = &awscdk.AppProps{Outdir: jsii.String("cdk.out"), Context: &ctx}
	}
	app := awscdk.NewApp(props)
	cfg, err := stack.ConfigFromContext(app.Node())
	if err != nil {
		return err
	}
	sp := awscdk.StackProps{}
	if acct := os.Getenv("CDK_DEFAULT_ACCOUNT"); acct != "" {
		sp.Env = &awscdk.Environment{Account: jsii.String(acct)}
	}
	if err := cfg.ValidateDeployment(); err != nil {
		return err
	}
	root, _ := app.Node().TryGetContext(jsii.String(codeRootKey)).(string)
	names := stack.NamingFor(cfg)
	if _, err := stack.NewPledgeStack(app, names.StackName(), &stack.PledgeStackProps{StackProps: sp, Config: cfg, CodeRoot: root}); err != nil {
		return err
	}
	if cfg.ForwardGlobalEvents {
		gsp := awscdk.StackProps{}
		if sp.Env != nil {
			gsp.Env = &awscdk.Environment{Account: sp.Env.Account}
		}
		if _, err := stack.NewGlobalEventsStack(app, names.GlobalStackName(), &stack.GlobalEventsStackProps{StackProps: gsp, Config: cfg}); err != nil {
			return err
		}
	}
	stack.ApplyNag(app)
	app.Synth(nil)
	return nil
}

// cdkJSONContext returns the "context" object of a cdk.json, or nothing when
// the file does not exist.
func cdkJSONContext(path string) (map[string]interface{}, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]interface{}{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	var f struct {
		Context map[string]interface{} `json:"context"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if f.Context == nil {
		f.Context = map[string]interface{}{}
	}
	return f.Context, nil
}
