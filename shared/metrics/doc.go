// Package metrics provides CloudWatch metrics in the embedded metric format
// (EMF): JSON log lines that CloudWatch Logs turns into metrics, so
// functions never call PutMetricData and metrics cost no API requests.
//
// A Recorder collects values during an invocation and Flush writes one line
// per set of dimensions, each holding at most 100 metrics as EMF allows.
// Every line carries the recorder's base dimensions (at least the function
// name) plus the dimensions given with the value.
package metrics
