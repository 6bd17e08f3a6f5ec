package awssim

import (
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/pledge-dev/pledge/shared/awsconfig"
)

// BufferingTransport is awsconfig.BufferingTransport: SDK clients that talk
// to the simulator on loopback need it (see there for why). The functions'
// binaries get it from awsconfig.Load whenever an endpoint is set.
type BufferingTransport = awsconfig.BufferingTransport

// HTTPClient returns base sending through BufferingTransport; see
// awsconfig.HTTPClient.
func HTTPClient(base aws.HTTPClient) *http.Client { return awsconfig.HTTPClient(base) }
