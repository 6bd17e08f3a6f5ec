// Package runtimeapi provides a fake of the Lambda Runtime API, on loopback,
// and a cold-start measurement that runs a real bootstrap against it the way
// Lambda would. It is test and benchmark tooling: no function links it.
//
// Rules:
//   - The fake serves the documented endpoints of API version 2018-06-01:
//     GET /runtime/invocation/next (blocks until an event is queued, then
//     answers 200 with the event and the Lambda-Runtime-Aws-Request-Id,
//     -Deadline-Ms, -Invoked-Function-Arn and -Trace-Id headers), POST
//     /runtime/invocation/{id}/response and /runtime/invocation/{id}/error
//     (202), and POST /runtime/init/error (202). Anything else is 404.
//   - It listens on 127.0.0.1 on a free port and stops with Close.
//   - A cold start is measured from just before the process is started to
//     the first GET of /next (init: exec, Go runtime, package init, the
//     function's setup); an invocation from the moment /next hands the event
//     over to the moment the response or error is posted; peak RSS is the
//     process's peak resident set (VmHWM in /proc/PID/status) read after
//     the invocations, before it is stopped.
//   - AWS calls made while measuring go to DenyAll, a loopback stand-in that
//     answers every request 403 AccessDenied (not retryable), so they fail
//     fast and nothing leaves the machine.
package runtimeapi
