package tenant

import (
	"regexp"
	"strings"
)

// resourceIDRE validates the identifiers a shared resource may be given
// where AWS has no ARN to name it by, or where a finding names the
// resource without one: "<kind>:<id>", the kind being the notifier's
// resource kind (package finding) and the id AWS's own, checked against
// AWS's rules for that kind. Routing compares them exactly.
var resourceIDRE = map[string]*regexp.Regexp{
	"iam-user":           regexp.MustCompile(`^[\w+=,.@-]{1,64}$`),
	"iam-role":           regexp.MustCompile(`^[\w+=,.@-]{1,64}$`),
	"iam-access-key":     regexp.MustCompile(`^(AKIA|ASIA)[A-Z0-9]{16}$`),
	"eks-cluster":        regexp.MustCompile(`^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$`),
	"ecs-cluster":        regexp.MustCompile(`^[A-Za-z0-9_-]{1,255}$`),
	"ec2-instance":       regexp.MustCompile(`^i-[0-9a-f]{8}([0-9a-f]{9})?$`),
	"ec2-security-group": regexp.MustCompile(`^sg-[0-9a-f]{8}([0-9a-f]{9})?$`),
	"lambda-function":    regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`),
	"rds-db-instance":    regexp.MustCompile(`^[a-z][a-z0-9-]{0,62}$`),
	"rds-db-cluster":     regexp.MustCompile(`^[a-z][a-z0-9-]{0,62}$`),
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
