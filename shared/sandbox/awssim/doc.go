// Package awssim provides a control-plane simulator for the AWS services that
// have no installable emulator on this project's machines: RDS (instances,
// clusters, snapshots, parameter groups), EC2, SSM Run Command, KMS,
// GuardDuty, CloudTrail, ELBv2, CloudWatch Logs, Lambda, STS, SNS and SQS,
// plus the SES v2 account and identity reads preflight makes (GetAccount,
// GetEmailIdentity), which the sandbox's SES stand-in for sending,
// aws-ses-v2-local, does not implement.
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
//   - awsquery services (RDS, STS, SNS, ELBv2) read the form body's Action and answer
//     with <ActionResponse><ActionResult>...</ActionResult><ResponseMetadata>
//     XML; their errors are <ErrorResponse><Error><Type><Code><Message>.
//     EC2 speaks ec2query, which answers without the Result wrapper and
//     errors as <Response><Errors><Error>.
//   - awsJson1_0/1_1 services (SQS; KMS, SSM, CloudTrail, CloudWatch Logs)
//     read X-Amz-Target ("AmazonSQS.SendMessage"), split at its last dot so
//     that a namespaced prefix ("com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.DescribeTrails")
//     reaches the same operation as the short one, and answer JSON; errors
//     are {"__type": "...", "message": "..."}.
//   - restJson1 services (GuardDuty, Lambda) route by method and path pattern.
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
// Clients reach it with these variables set to the server's URL, any static
// credentials and a region:
//
//	AWS_ENDPOINT_URL_RDS                         RDS
//	AWS_ENDPOINT_URL_EC2                         EC2
//	AWS_ENDPOINT_URL_SSM                         SSM
//	AWS_ENDPOINT_URL_KMS                         KMS
//	AWS_ENDPOINT_URL_GUARDDUTY                   GuardDuty
//	AWS_ENDPOINT_URL_CLOUDTRAIL                  CloudTrail
//	AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2   ELBv2
//	AWS_ENDPOINT_URL_CLOUDWATCH_LOGS             CloudWatch Logs
//	AWS_ENDPOINT_URL_LAMBDA                      Lambda
//	AWS_ENDPOINT_URL_STS                         STS
//	AWS_ENDPOINT_URL_SNS                         SNS
//	AWS_ENDPOINT_URL_SQS                         SQS
//	AWS_ENDPOINT_URL_SESV2                       SES v2 reads (preflight only; the
//	                                             functions send through aws-ses-v2-local)
//
// Against a server this fast, aws-sdk-go-v2 sometimes loses a good response
// to "use of closed network connection"; clients that must not retry for
// that reason use HTTPClient (see BufferingTransport).
//
// A new service is one file that calls RegisterService from an init function
// with a factory returning its *Service: its signing name, protocol,
// operations (or REST routes), and state dump and seed functions.
package awssim
