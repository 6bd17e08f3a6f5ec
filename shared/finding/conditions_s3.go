package finding

import (
	"encoding/json"
	"slices"
	"strings"
)

type policyStatement struct {
	Effect    string                     `json:"Effect"`
	Principal json.RawMessage            `json:"Principal"`
	Condition map[string]json.RawMessage `json:"Condition"`
}

// principalConditionKeys are condition keys that limit who can use an
// Allow to a known set of principals or networks, so that a wildcard
// principal with one of them is not public (as S3's own "is public"
// evaluation treats them).
var principalConditionKeys = []string{
	"aws:principalorgid", "aws:principalorgpaths", "aws:principalaccount", "aws:principalarn",
	"aws:sourcevpce", "aws:sourcevpc", "aws:sourceip", "aws:sourceaccount", "aws:sourcearn",
	"aws:sourceowner", "aws:userid", "aws:username", "aws:principalservicename",
	"s3:dataaccesspointaccount", "s3:dataaccesspointarn",
}

func wildcardPrincipal(raw json.RawMessage) (bool, error) {
	if len(raw) == 0 {
		return false, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s == "*", nil
	}
	var m map[string]oneOrMany[string]
	if err := json.Unmarshal(raw, &m); err != nil {
		return false, malformed(kindCloudTrail, "detail.requestParameters.bucketPolicy.Statement.Principal", "want \"*\" or an object of principal lists")
	}
	for kind, vs := range m {
		if kind == "AWS" || kind == "CanonicalUser" {
			if slices.Contains(vs, "*") {
				return true, nil
			}
		}
	}
	return false, nil
}

func restrictedByCondition(cond map[string]json.RawMessage) bool {
	for _, byKey := range cond {
		var keys map[string]json.RawMessage
		if json.Unmarshal(byKey, &keys) != nil {
			continue
		}
		for k := range keys {
			if slices.Contains(principalConditionKeys, strings.ToLower(k)) {
				return true
			}
		}
	}
	return false
}

// bucketPolicyOpens: the new policy has an Allow statement for every
// principal ("*") not limited by a principal or network condition.
func bucketPolicyOpens(d *CloudTrailDetail) (bool, error) {
	var p struct {
		BucketPolicy json.RawMessage `json:"bucketPolicy"`
	}
	if err := d.Params(&p); err != nil {
		return false, err
	}
	doc := p.BucketPolicy
	var asString string
	if json.Unmarshal(doc, &asString) == nil {
		doc = json.RawMessage(asString)
	}
	if len(doc) == 0 {
		return false, malformed(kindCloudTrail, "detail.requestParameters.bucketPolicy", "missing")
	}
	var policy struct {
		Statement oneOrMany[policyStatement] `json:"Statement"`
	}
	if err := json.Unmarshal(doc, &policy); err != nil {
		return false, malformed(kindCloudTrail, "detail.requestParameters.bucketPolicy", "not a policy document: %v", err)
	}
	for _, st := range policy.Statement {
		if st.Effect != "Allow" {
			continue
		}
		wild, err := wildcardPrincipal(st.Principal)
		if err != nil {
			return false, err
		}
		if wild && !restrictedByCondition(st.Condition) {
			return true, nil
		}
	}
	return false, nil
}

var publicGroups = []string{
	"http://acs.amazonaws.com/groups/global/AllUsers",
	"http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
}

// bucketACLOpens: a canned public ACL, a grant header naming a public
// group, or an access control list granting to one.
func bucketACLOpens(d *CloudTrailDetail) (bool, error) {
	var p map[string]json.RawMessage
	if err := d.Params(&p); err != nil {
		return false, err
	}
	for k, v := range p {
		lk := strings.ToLower(k)
		if lk == "x-amz-acl" || strings.HasPrefix(lk, "x-amz-grant-") {
			var vals oneOrMany[string]
			if json.Unmarshal(v, &vals) != nil {
				continue
			}
			for _, val := range vals {
				switch {
				case lk == "x-amz-acl" && slices.Contains([]string{"public-read", "public-read-write", "authenticated-read"}, val):
					return true, nil
				case strings.Contains(val, "AllUsers") || strings.Contains(val, "AuthenticatedUsers"):
					return true, nil
				}
			}
		}
	}
	var acp struct {
		AccessControlPolicy struct {
			AccessControlList struct {
				Grant oneOrMany[struct {
					Grantee struct {
						URI string `json:"URI"`
					} `json:"Grantee"`
				}] `json:"Grant"`
			} `json:"AccessControlList"`
		} `json:"AccessControlPolicy"`
	}
	if err := d.Params(&acp); err != nil {
		return false, err
	}
	for _, g := range acp.AccessControlPolicy.AccessControlList.Grant {
		if slices.Contains(publicGroups, g.Grantee.URI) {
			return true, nil
		}
	}
	return false, nil
}

// publicAccessBlockWeakened: any of the four settings is not true (S3 reads
// an omitted setting as false).
func publicAccessBlockWeakened(d *CloudTrailDetail) (bool, error) {
	var p struct {
		Config *struct {
			BlockPublicAcls       bool `json:"BlockPublicAcls"`
			IgnorePublicAcls      bool `json:"IgnorePublicAcls"`
			BlockPublicPolicy     bool `json:"BlockPublicPolicy"`
			RestrictPublicBuckets bool `json:"RestrictPublicBuckets"`
		} `json:"PublicAccessBlockConfiguration"`
	}
	if err := d.Params(&p); err != nil {
		return false, err
	}
	if p.Config == nil {
		return false, malformed(kindCloudTrail, "detail.requestParameters.PublicAccessBlockConfiguration", "missing")
	}
	c := p.Config
	return !(c.BlockPublicAcls && c.IgnorePublicAcls && c.BlockPublicPolicy && c.RestrictPublicBuckets), nil
}
