package runtimeapi

import (
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// DenyAll is a loopback stand-in for every AWS endpoint that answers each
// request 403 AccessDenied in the request's protocol (JSON for the JSON
// protocols, an ErrorResponse for the query protocols, S3's Error
// otherwise). The SDK does not retry it, so calls fail in
// one round trip.
type DenyAll struct {
	ln    net.Listener
	srv   *http.Server
	calls atomic.Int64
}

// NewDenyAll starts a DenyAll on a free loopback port.
func NewDenyAll() (*DenyAll, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	d := &DenyAll{ln: ln}
	d.srv = &http.Server{Handler: http.HandlerFunc(d.serve), ReadHeaderTimeout: 10 * time.Second}
	go d.srv.Serve(ln)
	return d, nil
}

// URL is the endpoint to put in AWS_ENDPOINT_URL.
func (d *DenyAll) URL() string { return "http://" + d.ln.Addr().String() }

// Calls is how many requests it has answered.
func (d *DenyAll) Calls() int64 { return d.calls.Load() }

// Close stops it.
func (d *DenyAll) Close() error { return d.srv.Close() }

func (d *DenyAll) serve(w http.ResponseWriter, r *http.Request) {
	d.calls.Add(1)
	const msg = "denied by the cold-start harness (no AWS here)"
	ct := r.Header.Get("Content-Type")
	if strings.Contains(ct, "json") || r.Header.Get("X-Amz-Target") != "" {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Header().Set("X-Amzn-ErrorType", "AccessDeniedException")
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte(`{"__type":"AccessDeniedException","message":"` + msg + `"}`))
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(http.StatusForbidden)
	if strings.HasPrefix(ct, "application/x-www-form-urlencoded") { // the query protocols (RDS, EC2, STS, SNS, ELB)
		w.Write([]byte(`<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>` + msg + `</Message></Error><RequestId>0</RequestId></ErrorResponse>`))
		return
	}
	w.Write([]byte(`<Error><Code>AccessDenied</Code><Message>` + msg + `</Message><RequestId>0</RequestId></Error>`)) // S3
}
