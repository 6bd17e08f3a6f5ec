package finding

import (
	"slices"
	"strings"
)

// DefaultTenantTag is the tag key that names the tenant owning a resource.
const DefaultTenantTag = "pledge:tenant"

// Status is a tenant's lifecycle status as far as routing cares.
type Status string

// The statuses routing knows.
const (
	StatusActive     Status = "active"
	StatusSuspended  Status = "suspended"
	StatusTerminated Status = "terminated"
	StatusPurging    Status = "purging"
	StatusPurged     Status = "purged"
)

// HoldsData reports whether the operator still holds the tenant's data, so
// that findings about that data must reach the tenant: every known status
// but purged.
func (s Status) HoldsData() bool {
	switch s {
	case StatusActive, StatusSuspended, StatusTerminated, StatusPurging:
		return true
	}
	return false
}

// Location is an S3 prefix that holds a tenant's data.
type Location struct {
	Bucket string `json:"bucket"`
	// Prefix is the key prefix, e.g. "tenants/tenant-1/". It is matched as
	// a whole path segment: a missing trailing "/" is added, and an empty
	// prefix matches no object key (only findings about the whole bucket).
	Prefix string `json:"prefix"`
}

// Tenant is what routing needs to know about one tenant.
type Tenant struct {
	ID     string `json:"id"`
	Status Status `json:"status"`
	// Prefixes are where the tenant's objects live.
	Prefixes []Location `json:"prefixes,omitempty"`
	// SharedResources are ARNs or ids of shared resources that hold the
	// tenant's data (a shared database, its security group, its KMS key).
	SharedResources []string `json:"sharedResources,omitempty"`
}

// Policy holds the routing settings from configuration.
type Policy struct {
	// TagKey is the tenant tag key; empty means DefaultTenantTag.
	TagKey string
	// Threshold is the lowest band that reaches tenants.
	Threshold Band
	// PlatformSeverity is the lowest band at which a platform-wide finding
	// (ScopePlatform) that names no tenant's resource goes to every active
	// tenant.
	PlatformSeverity Band
}

// ReasonKind says why a finding concerns a tenant.
type ReasonKind string

// The reasons.
const (
	ReasonTag       ReasonKind = "tag"             // a resource carries the tenant tag
	ReasonTagLookup ReasonKind = "tag-lookup"      // a resource's own tags, looked up, name the tenant
	ReasonPrefix    ReasonKind = "s3-prefix"       // an object key is under the tenant's prefix
	ReasonBucket    ReasonKind = "s3-bucket"       // the whole bucket holding the tenant's prefix
	ReasonShared    ReasonKind = "shared-resource" // a shared resource that holds the tenant's data
	ReasonPlatform  ReasonKind = "platform"        // platform-wide finding at or above PlatformSeverity
)

// Reason is one ground on which a finding concerns a tenant.
type Reason struct {
	Kind ReasonKind `json:"kind"`
	// Resource is the ARN or id of the resource that matched (empty for
	// platform-wide).
	Resource string `json:"resource,omitempty"`
}

// Recipient is one tenant to notify, with the finding's resources narrowed
// to that tenant's: object keys of other tenants are never included.
type Recipient struct {
	TenantID  string     `json:"tenantId"`
	Reasons   []Reason   `json:"reasons"`
	Resources []Resource `json:"resources,omitempty"`
}

// OpsReason says why a route reaches ops only.
type OpsReason string

// The ops-only reasons.
const (
	OpsBelowThreshold OpsReason = "below-threshold"
	OpsSample         OpsReason = "sample-finding"
	OpsNoTenant       OpsReason = "no-tenant-concerned"
	// OpsUnrouted: a finding about particular resources (ScopeResource)
	// that matched no tenant. Ops must place its resources (Route.Unrouted)
	// by tagging or registering them; it never goes to every tenant.
	OpsUnrouted OpsReason = "unrouted"
	// OpsPlatformBelowSeverity: a platform-wide finding below the platform
	// severity.
	OpsPlatformBelowSeverity OpsReason = "platform-below-platform-severity"
	// OpsUnknownTenant: a resource is tagged with a tenant id the directory
	// does not know. The finding is somebody's, so it is not platform-wide;
	// ops must look (see Route.UnknownTenants).
	OpsUnknownTenant OpsReason = "unknown-tenant-tag"
)

// Route is the routing decision for one finding. Ops always receive the
// finding; Recipients are the tenant notices to send.
type Route struct {
	// Recipients are the tenants to notify, ordered by tenant id. Empty
	// when OpsOnly.
	Recipients []Recipient `json:"recipients,omitempty"`
	// OpsOnly is true when no tenant is notified; OpsReason says why.
	OpsOnly   bool      `json:"opsOnly"`
	OpsReason OpsReason `json:"opsReason,omitempty"`
	// Concerned are the ids of tenants the finding concerns whether or not
	// they are notified (for the ops message), ordered.
	Concerned []string `json:"concerned,omitempty"`
	// UnknownTenants are tenant tag values that name no known tenant, for
	// ops to look into, ordered.
	UnknownTenants []string `json:"unknownTenants,omitempty"`
	// Unrouted is true when the finding is about particular resources
	// (ScopeResource) and none of them is a known tenant's, whether or not
	// it would have reached tenants otherwise (a sample finding is never
	// unrouted). UnroutedResources names them ("kind:id", or the ARN), so
	// that ops can tag or register them.
	Unrouted          bool     `json:"unrouted,omitempty"`
	UnroutedResources []string `json:"unroutedResources,omitempty"`
}

func normPrefix(p string) string {
	if p == "" || strings.HasSuffix(p, "/") {
		return p
	}
	return p + "/"
}

// Route decides which tenants a finding concerns and which of them are
// notified (see the package doc for the rules). It does not modify f or
// tenants.
func (p Policy) Route(f Finding, tenants []Tenant) Route {
	tagKey := p.TagKey
	if tagKey == "" {
		tagKey = DefaultTenantTag
	}
	byID := make(map[string]*Tenant, len(tenants))
	for i := range tenants {
		byID[tenants[i].ID] = &tenants[i]
	}
	matches := map[string]*Recipient{}
	addReason := func(id string, why Reason, res Resource) {
		r := matches[id]
		if r == nil {
			r = &Recipient{TenantID: id}
			matches[id] = r
		}
		if !slices.Contains(r.Reasons, why) {
			r.Reasons = append(r.Reasons, why)
		}
		for i := range r.Resources {
			if r.Resources[i].Kind == res.Kind && r.Resources[i].ID == res.ID {
				for _, k := range res.Keys {
					if !slices.Contains(r.Resources[i].Keys, k) {
						r.Resources[i].Keys = append(r.Resources[i].Keys, k)
					}
				}
				return
			}
		}
		r.Resources = append(r.Resources, res)
	}
	var unknown []string
	for _, res := range f.Resources {
		name := firstNonEmpty(res.ARN, res.ID)
		// Tag.
		if v, ok := res.Tags[tagKey]; ok && v != "" {
			if _, known := byID[v]; known {
				why := ReasonTag
				if res.TagsLookedUp {
					why = ReasonTagLookup
				}
				addReason(v, Reason{Kind: why, Resource: name}, narrow(res, res.Keys))
			} else if !slices.Contains(unknown, v) {
				unknown = append(unknown, v)
			}
		}
		for i := range tenants {
			t := &tenants[i]
			// Shared resources.
			if res.ARN != "" && slices.Contains(t.SharedResources, res.ARN) || res.ID != "" && slices.Contains(t.SharedResources, res.Kind+":"+res.ID) {
				addReason(t.ID, Reason{Kind: ReasonShared, Resource: name}, narrow(res, nil))
			}
			// S3.
			if res.Bucket == "" {
				continue
			}
			for _, loc := range t.Prefixes {
				if loc.Bucket != res.Bucket {
					continue
				}
				if len(res.Keys) == 0 {
					addReason(t.ID, Reason{Kind: ReasonBucket, Resource: name}, narrow(res, nil))
					continue
				}
				prefix := normPrefix(loc.Prefix)
				if prefix == "" {
					continue
				}
				var keys []string
				for _, k := range res.Keys {
					if strings.HasPrefix(k, prefix) {
						keys = append(keys, k)
					}
				}
				if len(keys) > 0 {
					addReason(t.ID, Reason{Kind: ReasonPrefix, Resource: name}, narrow(res, keys))
				}
			}
		}
	}
	slices.Sort(unknown)
	route := Route{UnknownTenants: unknown}
	for id := range matches {
		route.Concerned = append(route.Concerned, id)
	}
	slices.Sort(route.Concerned)

	if len(matches) == 0 && len(unknown) == 0 && f.Scope != ScopePlatform && !f.Sample {
		route.Unrouted = true
		for _, res := range f.Resources {
			route.UnroutedResources = appendUnique(route.UnroutedResources, ResourceName(res))
		}
	}
	switch {
	case f.Sample:
		route.OpsOnly, route.OpsReason = true, OpsSample
		return route
	case f.Band < p.Threshold:
		route.OpsOnly, route.OpsReason = true, OpsBelowThreshold
		return route
	case len(matches) == 0 && len(unknown) > 0:
		route.OpsOnly, route.OpsReason = true, OpsUnknownTenant
		return route
	case route.Unrouted:
		route.OpsOnly, route.OpsReason = true, OpsUnrouted
		return route
	case len(matches) == 0:
		// Platform-wide, and no tenant's resource is named.
		if !p.PlatformSeverity.Valid() || f.Band < p.PlatformSeverity {
			route.OpsOnly, route.OpsReason = true, OpsPlatformBelowSeverity
			return route
		}
		for _, t := range tenants {
			if t.Status == StatusActive {
				route.Recipients = append(route.Recipients, Recipient{TenantID: t.ID, Reasons: []Reason{{Kind: ReasonPlatform}}})
			}
		}
		slices.SortFunc(route.Recipients, func(a, b Recipient) int { return strings.Compare(a.TenantID, b.TenantID) })
	default:
		for _, id := range route.Concerned {
			if byID[id].Status.HoldsData() {
				route.Recipients = append(route.Recipients, *matches[id])
			}
		}
	}
	if len(route.Recipients) == 0 {
		route.OpsOnly, route.OpsReason = true, OpsNoTenant
	}
	return route
}

// ResourceName names a resource for ops: its ARN, or "kind:id" where AWS
// gives it none (an access key, an IAM user known by name).
func ResourceName(r Resource) string {
	if r.ARN != "" {
		return r.ARN
	}
	return r.Kind + ":" + r.ID
}

func appendUnique(ss []string, s string) []string {
	if s == "" || slices.Contains(ss, s) {
		return ss
	}
	return append(ss, s)
}

// narrow copies a resource for one tenant: its tags are dropped (the notice
// needs none) and its object keys are limited to keys: the tenant's own, all
// of them for a resource tagged with the tenant, none for a shared one.
func narrow(r Resource, keys []string) Resource {
	return Resource{Kind: r.Kind, ID: r.ID, ARN: r.ARN, Detail: r.Detail, Bucket: r.Bucket, Keys: slices.Clone(keys)}
}
