package stack

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"github.com/aws/constructs-go/constructs/v10"

	"github.com/pledge-dev/pledge/shared/config"
)

// DefaultConfigFile is read when the app runs without the CDK CLI (plain
// `go run ./infra`), which passes no context: cdk.json in the working
// directory holds the configuration under config.ContextKey.
const DefaultConfigFile = "cdk.json"

// ConfigFromContext reads the configuration the app was given and validates
// every section. The sources, first match wins: the file named by context
// key config.ContextFileKey ("pledge:configFile"); the object under context
// key config.ContextKey ("pledge"); DefaultConfigFile when that exists.
func ConfigFromContext(node constructs.Node) (config.Config, error) {
	var (
		cfg config.Config
		err error
	)
	switch file, raw := node.TryGetContext(strPtr(config.ContextFileKey)), node.TryGetContext(strPtr(config.ContextKey)); {
	case file != nil && file != "":
		name, ok := file.(string)
		if !ok {
			return config.Config{}, fmt.Errorf("context %s: %v is not valid: want a file name", config.ContextFileKey, file)
		}
		cfg, err = config.Load(name)
	case raw != nil:
		// The CLI may pass the object, or a JSON string when given with -c.
		var b []byte
		if s, ok := raw.(string); ok {
			b = []byte(s)
		} else if b, err = json.Marshal(raw); err != nil {
			return config.Config{}, fmt.Errorf("context %s: encode: %w", config.ContextKey, err)
		}
		cfg, err = config.Decode(bytes.NewReader(b))
		if err != nil {
			err = fmt.Errorf("context %s: %w", config.ContextKey, err)
		}
	default:
		if _, statErr := os.Stat(DefaultConfigFile); statErr != nil {
			return config.Config{}, fmt.Errorf("no configuration: set context %q (cdk.json) or %q (-c %s=FILE)", config.ContextKey, config.ContextFileKey, config.ContextFileKey)
		}
		cfg, err = config.Load(DefaultConfigFile)
	}
	if err != nil {
		return config.Config{}, err
	}
	if err := cfg.Validate(); err != nil {
		return config.Config{}, err
	}
	return cfg, nil
}

func strPtr(s string) *string { return &s }
