// Package finding provides the normalised security finding that the
// finding-notifier routes to tenants, built from GuardDuty findings and
// CloudTrail management events as EventBridge delivers them, and the pure
// routing rules that decide which tenants a finding concerns.
//
// Sources and shapes:
//   - GuardDuty: source "aws.guardduty", detail-type "GuardDuty Finding",
//     detail is the finding in GuardDuty's camelCase JSON (the same shape as
//     the GetFindings API). Fields this package reads are typed in
//     GuardDutyDetail; everything else is kept in Finding.Raw.
//   - CloudTrail: detail-type "AWS API Call via CloudTrail" or
//     "AWS Console Sign In via CloudTrail", detail is the CloudTrail record
//     (CloudTrailDetail). Only calls matched by a Catalogue rule become
//     findings; every other call yields ErrIgnored.
//
// Rules:
//   - Severity bands are GuardDuty's: Low 1.0-3.9, Medium 4.0-6.9,
//     High 7.0-8.9, Critical 9.0-10.0 (GuardDuty User Guide, "Severity
//     levels of GuardDuty findings"). A value in [0, 1.0) is Low; a negative
//     value, a value above 10, NaN or infinity is malformed.
//   - Detected is when the finding came into being for the operator: for
//     GuardDuty the finding's createdAt (the moment GuardDuty detected it,
//     which is what the whitepapers' "within N hours of detection" counts
//     from), for CloudTrail the call's eventTime. The activity itself may
//     have started earlier: GuardDuty's service.eventFirstSeen is kept as
//     FirstSeen and shown in notices, but the promise is measured from
//     Detected. Updated is GuardDuty's updatedAt (CloudTrail: eventTime).
//   - A CloudTrail call that failed (errorCode set) changed nothing and is
//     ignored, except console sign-ins, whose failures are rules of their
//     own.
//   - GuardDuty sample findings (CreateSampleFindings) are marked Sample and
//     never reach tenants.
//   - Parsing never panics: malformed input yields an error wrapping
//     ErrMalformed that names the field, e.g.
//     "guardduty finding: detail.severity: missing"; an event of another
//     kind yields ErrUnsupported.
//
// Routing (Policy.Route) is pure: a finding concerns a tenant when one of
// its resources carries the tenant tag with the tenant's id, when an S3
// object key falls under one of the tenant's prefixes (a prefix always ends
// in "/", so "tenants/tenant-1/" never matches "tenants/tenant-10/..."), when
// a finding names a whole bucket (no object keys) that holds one of the
// tenant's prefixes, or when a resource is listed among the tenant's shared
// resources (a shared database that holds its data). Every match is exact.
//
// Each finding has a Scope, set by its catalogue rule (CloudTrail) or by its
// type (GuardDuty: GuardDutyScope). A resource-scoped finding that matches
// no tenant is "unrouted": it goes to ops only, naming its resources
// (Route.UnroutedResources) so that ops can tag or register them, and it
// never fans out to every tenant. A platform-scoped finding (logging
// stopped, the detector deleted, the root user used, a key disabled) goes to
// the tenants whose resources it names, or, naming none, to every active
// tenant when it is at or above the platform severity. Findings below the
// threshold, sample findings, platform findings below the platform
// severity, and findings whose resources carry a tenant tag naming no known
// tenant (somebody's resource, so not platform-wide) go to ops only.
// Everything goes to ops.
//
// Which tenants receive notices: a tenant whose data is still held — active,
// suspended, terminated (inside its grace period, not yet purged) or being
// purged — receives notices for findings that concern it, because the
// finding is about its data. A purged tenant, or one whose status is empty
// or unknown, never does. Platform-wide notices go to active tenants only, as
// the issue asks: a terminated customer is told about findings that touch
// its remaining data, not about the platform at large.
package finding
