// Package awssim provides a control-plane simulator for the AWS services that
// have no installable emulator on this project's machines (RDS, STS, SNS, SQS,
// KMS, and later EC2, SSM, GuardDuty, CloudTrail, ELBv2 and CloudWatch Logs).
//
// One http.Handler serves every service on one port. It speaks each
// service's real wire protocol exactly as aws-sdk-go-v2 expects it, so that
// unmodified Lambda binaries reach it through the standard
// AWS_ENDPOINT_URL_<SERVICE> variables:
//
//   - A request is routed by the service name in its SigV4 credential scope
//     (Authorization: AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request).
//     Signatures are not verified, but a request without credentials gets the
//     real MissingAuthenticationToken error (HTTP 403).
//   - awsquery services (RDS, STS, SNS) read the form body's Action and answer
//     with <ActionResponse><ActionResult>...</ActionResult><ResponseMetadata>
//     XML; their errors are <ErrorResponse><Error><Type><Code><Message>.
//     ec2query answers without the Result wrapper and errors as
//     <Response><Errors><Error>.
//   - awsJson1_0/1_1 services (SQS, KMS) read X-Amz-Target ("AmazonSQS.SendMessage")
//     and answer JSON; errors are {"__type": "...", "message": "..."}.
//   - restJson1 services route by method and path pattern.
//
// The rules the simulator keeps, because the functions rely on them:
//
//   - State lives in memory for as long as the Server does; every service
//     guards its own state with a mutex.
//   - Every request is counted per service and operation ("rds:DescribeDBSnapshots"),
//     including requests answered by an injected fault, so tests can prove how
//     many calls a run made and that throttled calls were retried.
//   - Injected faults produce the real errors: Throttling (awsquery, HTTP 400),
//     ThrottlingException (JSON), InternalFailure (HTTP 500), ServiceUnavailable
//     (HTTP 503), AccessDenied (HTTP 403) / AccessDeniedException, or added latency.
//   - Paginated operations enforce AWS's page-size limits and return opaque
//     markers that stay correct when items are deleted between pages.
//   - RDS snapshot identifiers are stored in lower case and validated like
//     AWS does; manual snapshots count against the account's ManualSnapshots
//     (or ManualClusterSnapshots) quota; automated and AWS Backup snapshots
//     cannot be deleted through the RDS API.
//
// Other processes drive the simulator through control endpoints under /_sim/:
// GET /_sim/counts, POST /_sim/counts/reset, GET|POST|DELETE /_sim/faults,
// GET /_sim/state/<service>, POST /_sim/seed/<service>, POST|DELETE /_sim/clock.
//
// Clients reach it with AWS_ENDPOINT_URL_RDS, AWS_ENDPOINT_URL_STS,
// AWS_ENDPOINT_URL_SNS, AWS_ENDPOINT_URL_SQS and AWS_ENDPOINT_URL_KMS (later
// _EC2, _SSM, _GUARDDUTY, _CLOUDTRAIL, _ELASTIC_LOAD_BALANCING_V2,
// _CLOUDWATCH_LOGS) set to the server's URL, any static credentials and a
// region. Against a server this fast, aws-sdk-go-v2 sometimes loses a good
// response to "use of closed network connection"; clients that must not
// retry for that reason use HTTPClient (see BufferingTransport).
//
// A new service is one file that calls RegisterService from an init function
// with a factory returning its *Service: its signing name, protocol,
// operations (or REST routes), and state dump and seed functions.
package awssim
