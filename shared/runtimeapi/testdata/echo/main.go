// Command echo is the smallest Lambda bootstrap with aws-lambda-go: it
// returns its event, or fails when the event is {"fail": true}. The
// runtimeapi tests drive it, and the cold-start benchmark measures it as the
// peer of the real functions.
package main

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

func main() {
	lambda.Start(func(ctx context.Context, ev json.RawMessage) (any, error) {
		var probe struct {
			Fail bool `json:"fail"`
		}
		if json.Unmarshal(ev, &probe) == nil && probe.Fail {
			return nil, errors.New("asked to fail")
		}
		lc, _ := lambdacontext.FromContext(ctx)
		return map[string]any{"event": ev, "arn": lc.InvokedFunctionArn}, nil
	})
}
