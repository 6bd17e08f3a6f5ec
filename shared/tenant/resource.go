package tenant

import (
	"strings"

	"github.com/pledge-dev/pledge/shared/lazyregexp"
)

// resourceIDRE validates the identifiers a shared resource may be given
// where AWS has no ARN to name it by, or where a finding names the
// resource without one: "<kind>:<id>", the kind being the notifier's
// resource kind (package finding) and the id AWS's own, checked against
// AWS's rules for that kind. Routing compares them exactly.
var resourceIDRE = map[string]*lazyregexp.Regexp{
	"iam-user":           lazyregexp.New(`^[\w+=,.@-]{1,64}$`),
	"iam-role":           lazyregexp.New(`^[\w+=,.@-]{1,64}$`),
	"iam-access-key":     lazyregexp.New(`^(AKIA|ASIA)[A-Z0-9]{16}$`),
	"eks-cluster":        lazyregexp.New(`^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$`),
	"ecs-cluster":        lazyregexp.New(`^[A-Za-z0-9_-]{1,255}$`),
	"ec2-instance":       lazyregexp.New(`^i-[0-9a-f]{8}([0-9a-f]{9})?$`),
	"ec2-security-group": lazyregexp.New(`^sg-[0-9a-f]{8}([0-9a-f]{9})?$`),
	"lambda-function":    lazyregexp.New(`^[A-Za-z0-9_-]{1,64}$`),
	"rds-db-instance":    lazyregexp.New(`^[a-z][a-z0-9-]{0,62}$`),
	"rds-db-cluster":     lazyregexp.New(`^[a-z][a-z0-9-]{0,62}$`),
}

// ResourceKinds lists the kinds a typed shared-resource identifier may
// have, for error messages.
const ResourceKinds = "iam-user, iam-role, iam-access-key, eks-cluster, ecs-cluster, ec2-instance, ec2-security-group, lambda-function, rds-db-instance, rds-db-cluster"

// validTypedResource reports whether s is "<kind>:<id>" with a known kind
// and an id valid for it.
func validTypedResource(s string) bool {
	kind, id, ok := strings.Cut(s, ":")
	re := resourceIDRE[kind]
	return ok && re != nil && re.MatchString(id)
}
