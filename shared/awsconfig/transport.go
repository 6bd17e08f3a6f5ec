package awsconfig

import (
	"bytes"
	"fmt"
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// maxBufferedBody is the largest request body BufferingTransport copies
// into memory; larger bodies (S3 uploads) pass through unchanged.
const maxBufferedBody = 1 << 20

// BufferingTransport is an http.RoundTripper for SDK clients that talk to a
// server on loopback (a sandbox stand-in); Load installs it whenever an
// AWS_ENDPOINT_URL variable is set. It copies each small request body into memory before
// sending it.
//
// Why: smithy-go closes a request's body as soon as the response headers
// arrive, while net/http's write loop may still read that body once more
// (to check for bytes beyond Content-Length). Against a server that answers
// within microseconds, such as this simulator, that read fails, the
// transport closes the connection, and the SDK reports "use of closed
// network connection" while decoding a good response (aws-sdk-go-v2 issues
// 1825 and 2737). With the body in memory, net/http sends headers and body
// in one write and the SDK's close no longer reaches it. Against AWS the
// network's latency hides the race, so the wrapper changes nothing there.
type BufferingTransport struct {
	// Base sends the request (default http.DefaultTransport).
	Base http.RoundTripper
}

// RoundTrip buffers a small body and sends the request with Base.
func (t BufferingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength < 0 || r.ContentLength > maxBufferedBody {
		return base.RoundTrip(r)
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, r.ContentLength+1))
	r.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("buffer request body: %w", err)
	}
	r2 := r.Clone(r.Context())
	r2.Body = io.NopCloser(bytes.NewReader(b))
	r2.ContentLength = int64(len(b))
	r2.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	return base.RoundTrip(r2)
}

// HTTPClient returns a client that sends requests as base does but through
// BufferingTransport. base is what config.LoadDefaultConfig put in
// aws.Config.HTTPClient: an *awshttp.BuildableClient (its transport, with
// any AWS_CA_BUNDLE roots, and its timeout are kept), an *http.Client, nil
// (the SDK's default client) or any other aws.HTTPClient. Use it after loading
// the configuration:
//
//	cfg.HTTPClient = awsconfig.HTTPClient(cfg.HTTPClient)
func HTTPClient(base aws.HTTPClient) *http.Client {
	switch c := base.(type) {
	case nil:
		return HTTPClient(awshttp.NewBuildableClient())
	case *awshttp.BuildableClient:
		return &http.Client{Transport: BufferingTransport{Base: c.GetTransport()}, Timeout: c.GetTimeout()}
	case *http.Client:
		cp := *c
		cp.Transport = BufferingTransport{Base: c.Transport}
		return &cp
	default:
		return &http.Client{Transport: BufferingTransport{Base: doer{c}}}
	}
}

// doer adapts an aws.HTTPClient to http.RoundTripper.
type doer struct{ c aws.HTTPClient }

func (d doer) RoundTrip(r *http.Request) (*http.Response, error) { return d.c.Do(r) }
