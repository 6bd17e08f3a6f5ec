package finding

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// IsSample reports whether the finding is a GuardDuty sample finding: its
// service.additionalInfo says sample=true (directly, or inside the JSON
// string additionalInfo.value as the API writes it), or its title starts
// with "[SAMPLE]".
func (d *GuardDutyDetail) IsSample() bool {
	if strings.HasPrefix(strings.TrimSpace(d.Title), "[SAMPLE]") {
		return true
	}
	if d.Service == nil || len(d.Service.AdditionalInfo) == 0 {
		return false
	}
	var info struct {
		Sample *bool  `json:"sample"`
		Value  string `json:"value"`
	}
	if json.Unmarshal(d.Service.AdditionalInfo, &info) != nil {
		return false
	}
	if info.Sample != nil {
		return *info.Sample
	}
	if info.Value != "" {
		var inner struct {
			Sample bool `json:"sample"`
		}
		if json.Unmarshal([]byte(info.Value), &inner) == nil {
			return inner.Sample
		}
	}
	return false
}

func fromGuardDuty(ev events.CloudWatchEvent, detail, raw []byte) (Finding, error) {
	var d GuardDutyDetail
	if err := json.Unmarshal(detail, &d); err != nil {
		return Finding{}, decodeError(kindGuardDuty, "detail", err)
	}
	if d.ID == "" {
		return Finding{}, malformed(kindGuardDuty, "detail.id", "missing")
	}
	if d.Type == "" {
		return Finding{}, malformed(kindGuardDuty, "detail.type", "missing")
	}
	if d.Severity == nil {
		return Finding{}, malformed(kindGuardDuty, "detail.severity", "missing")
	}
	band, err := BandOf(*d.Severity)
	if err != nil {
		return Finding{}, malformed(kindGuardDuty, "detail.severity", "%v", err)
	}
	if d.Resource == nil {
		return Finding{}, malformed(kindGuardDuty, "detail.resource", "missing")
	}
	created, err := parseTime(kindGuardDuty, "detail.createdAt", d.CreatedAt)
	if err != nil {
		return Finding{}, err
	}
	updated := created
	if d.UpdatedAt != "" {
		if updated, err = parseTime(kindGuardDuty, "detail.updatedAt", d.UpdatedAt); err != nil {
			return Finding{}, err
		}
	}
	account := firstNonEmpty(d.AccountID, ev.AccountID)
	if account == "" {
		return Finding{}, malformed(kindGuardDuty, "detail.accountId", "missing")
	}
	region := firstNonEmpty(d.Region, ev.Region)
	if region == "" {
		return Finding{}, malformed(kindGuardDuty, "detail.region", "missing")
	}
	f := Finding{
		ID:          d.ID,
		Source:      SourceGuardDuty,
		Type:        d.Type,
		Band:        band,
		Severity:    *d.Severity,
		Title:       firstNonEmpty(d.Title, d.Type),
		Description: d.Description,
		Detected:    created,
		Updated:     updated,
		FirstSeen:   created,
		LastSeen:    updated,
		Count:       1,
		Account:     account,
		Region:      region,
		Sample:      d.IsSample(),
		Scope:       GuardDutyScope(d.Type),
		LocalTitles: map[string]string{"ja": GuardDutyTitleJA(d.Type)},
		Raw:         raw,
	}
	if s := d.Service; s != nil {
		if s.Count != nil {
			if *s.Count < 0 {
				return Finding{}, malformed(kindGuardDuty, "detail.service.count", "%d is negative", *s.Count)
			}
			f.Count = *s.Count
		}
		if s.EventFirstSeen != "" {
			if f.FirstSeen, err = parseTime(kindGuardDuty, "detail.service.eventFirstSeen", s.EventFirstSeen); err != nil {
				return Finding{}, err
			}
		}
		if s.EventLastSeen != "" {
			if f.LastSeen, err = parseTime(kindGuardDuty, "detail.service.eventLastSeen", s.EventLastSeen); err != nil {
				return Finding{}, err
			}
		}
	}
	f.Resources = guardDutyResources(&d, firstNonEmpty(d.Partition, "aws"), region, account)
	return f, nil
}

func tagMap(tags []GuardDutyTag) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		if t.Key != "" {
			m[t.Key] = t.Value
		}
	}
	if len(m) == 0 {
		return nil
	}
	return m
}

func guardDutyResources(d *GuardDutyDetail, partition, region, account string) []Resource {
	r := d.Resource
	var out []Resource
	if i := r.InstanceDetails; i != nil && i.InstanceID != "" {
		out = append(out, Resource{
			Kind: KindInstance, ID: i.InstanceID,
			ARN:  "arn:" + partition + ":ec2:" + region + ":" + account + ":instance/" + i.InstanceID,
			Tags: tagMap(i.Tags),
		})
	}
	if k := r.AccessKeyDetails; k != nil && k.AccessKeyID != "" {
		out = append(out, Resource{Kind: KindAccessKey, ID: k.AccessKeyID})
	}
	if p := principalOf(r.AccessKeyDetails, partition, account); p != nil {
		out = append(out, *p)
	}
	for _, b := range r.S3BucketDetails {
		if b.Name == "" && b.ARN == "" {
			continue
		}
		name := b.Name
		if name == "" {
			name = strings.TrimPrefix(b.ARN, "arn:"+partition+":s3:::")
		}
		res := Resource{Kind: KindS3Bucket, ID: name, ARN: firstNonEmpty(b.ARN, "arn:"+partition+":s3:::"+name), Tags: tagMap(b.Tags), Bucket: name}
		for _, o := range b.S3ObjectDetails {
			if o.Key != "" {
				res.Keys = append(res.Keys, o.Key)
			}
		}
		out = append(out, res)
	}
	var parentTags map[string]string
	if c := r.EksClusterDetails; c != nil && (c.Name != "" || c.ARN != "") {
		out = append(out, Resource{Kind: KindEKSCluster, ID: firstNonEmpty(c.Name, c.ARN), ARN: c.ARN, Tags: tagMap(c.Tags)})
		parentTags = tagMap(c.Tags)
	}
	if k := r.KubernetesDetails; k != nil && k.KubernetesWorkloadDetails != nil && k.KubernetesWorkloadDetails.Name != "" {
		w := k.KubernetesWorkloadDetails
		id := w.Name
		if w.Namespace != "" {
			id = w.Namespace + "/" + w.Name
		}
		// A workload is its cluster's.
		out = append(out, Resource{Kind: KindK8sWorkload, ID: id, Tags: cloneTags(parentTags)})
	}
	if v := r.EbsVolumeDetails; v != nil {
		for _, vol := range v.ScannedVolumeDetails {
			if vol.VolumeARN == "" {
				continue
			}
			id := vol.VolumeARN
			if i := strings.LastIndex(id, "/"); i >= 0 {
				id = id[i+1:]
			}
			out = append(out, Resource{Kind: KindEBSVolume, ID: id, ARN: vol.VolumeARN})
		}
	}
	if db := r.RdsDbInstance; db != nil && (db.DBInstanceIdentifier != "" || db.DBInstanceARN != "") {
		res := Resource{Kind: KindRDSInstance, ID: firstNonEmpty(db.DBInstanceIdentifier, db.DBInstanceARN), ARN: db.DBInstanceARN, Tags: tagMap(db.Tags), Detail: db.Engine}
		if u := r.RdsDbUser; u != nil && u.User != "" {
			res.Detail = strings.TrimSpace(db.Engine + " user " + u.User + " database " + u.Database)
		}
		out = append(out, res)
		if db.DBClusterIdentifier != "" {
			out = append(out, Resource{Kind: KindRDSCluster, ID: db.DBClusterIdentifier,
				ARN: "arn:" + partition + ":rds:" + region + ":" + account + ":cluster:" + db.DBClusterIdentifier})
		}
	}
	if l := r.LambdaDetails; l != nil && (l.FunctionName != "" || l.FunctionARN != "") {
		out = append(out, Resource{Kind: KindLambda, ID: firstNonEmpty(l.FunctionName, l.FunctionARN), ARN: l.FunctionARN, Tags: tagMap(l.Tags)})
	}
	var containers []GuardDutyContainer
	if c := r.EcsClusterDetails; c != nil && (c.Name != "" || c.ARN != "") {
		cluster := Resource{Kind: KindECSCluster, ID: firstNonEmpty(c.Name, lastPathSegment(c.ARN)), ARN: c.ARN, Tags: tagMap(c.Tags)}
		out = append(out, cluster)
		parentTags = cluster.Tags
		if t := c.TaskDetails; t != nil && t.ARN != "" {
			// A task without tags of its own is its cluster's.
			tags := tagMap(t.Tags)
			if tags == nil {
				tags = cloneTags(cluster.Tags)
			}
			out = append(out, Resource{Kind: KindECSTask, ID: lastPathSegment(t.ARN), ARN: t.ARN, Tags: tags, Detail: t.Group})
			parentTags = tags
			containers = append(containers, t.Containers...)
		}
	}
	if c := r.ContainerDetails; c != nil {
		containers = append(containers, *c)
	}
	for _, c := range containers {
		id := firstNonEmpty(c.Name, c.ID)
		if id == "" || slices.ContainsFunc(out, func(r Resource) bool { return r.Kind == KindContainer && r.ID == id }) {
			continue
		}
		// A container is its task's, or its cluster's (EKS, ECS).
		out = append(out, Resource{Kind: KindContainer, ID: id, Detail: c.Image, Tags: cloneTags(parentTags)})
	}
	return out
}

// platformFindingTypes are the GuardDuty finding types about the AWS
// account itself rather than one of its resources: the root user's
// credentials used, CloudTrail logging or Bedrock logging switched off, the
// password policy weakened, S3 Block Public Access turned off for the whole
// account. Every other type names the resource it is about.
var platformFindingTypes = []string{
	"Policy:IAMUser/RootCredentialUsage",
	"Policy:IAMUser/ShortTermRootCredentialUsage",
	"Stealth:IAMUser/CloudTrailLoggingDisabled",
	"Stealth:IAMUser/PasswordPolicyChange",
	"DefenseEvasion:IAMUser/BedrockLoggingDisabled",
	"Policy:S3/AccountBlockPublicAccessDisabled",
}

// GuardDutyScope returns the scope of a GuardDuty finding type: platform
// for the account-level types above, resource for every other (instances,
// access keys and principals, buckets, clusters, containers, databases,
// functions). A "!" suffix or ".Variant" does not change it.
func GuardDutyScope(findingType string) Scope {
	if slices.Contains(platformFindingTypes, findingType) {
		return ScopePlatform
	}
	return ScopeResource
}

// principalOf returns the IAM principal behind a finding's access key, as
// GuardDuty names it (accessKeyDetails.userName and userType), so that the
// user's or role's tags can place the finding: an IAM user, or the role an
// assumed-role session belongs to. Root and federated users are not
// tenants' resources.
func principalOf(k *GuardDutyAccessKey, partition, account string) *Resource {
	if k == nil || k.UserName == "" || !iamNameRE(k.UserName) {
		return nil
	}
	switch k.UserType {
	case "IAMUser":
		return &Resource{Kind: KindIAMUser, ID: k.UserName, ARN: "arn:" + partition + ":iam::" + account + ":user/" + k.UserName}
	case "AssumedRole", "Role":
		return &Resource{Kind: KindIAMRole, ID: k.UserName, ARN: "arn:" + partition + ":iam::" + account + ":role/" + k.UserName}
	}
	return nil
}

// iamNameRE reports whether s is a valid IAM user or role name: 1-64
// characters of letters, digits and +=,.@_-.
func iamNameRE(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("+=,.@_-", r)) {
			return false
		}
	}
	return true
}

func cloneTags(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
