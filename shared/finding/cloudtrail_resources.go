package finding

import (
	"encoding/json"
	"strings"
)

// callParams are the request parameters that name a resource, across the
// services in the catalogue.
type callParams struct {
	BucketName                  string `json:"bucketName"`
	Name                        string `json:"name"`
	DetectorID                  string `json:"detectorId"`
	KeyID                       string `json:"keyId"`
	DBSnapshotIdentifier        string `json:"dBSnapshotIdentifier"`
	DBClusterSnapshotIdentifier string `json:"dBClusterSnapshotIdentifier"`
	DBInstanceIdentifier        string `json:"dBInstanceIdentifier"`
	DBClusterIdentifier         string `json:"dBClusterIdentifier"`
	DBParameterGroupName        string `json:"dBParameterGroupName"`
	DBClusterParameterGroupName string `json:"dBClusterParameterGroupName"`
	GroupID                     string `json:"groupId"`
	UserName                    string `json:"userName"`
	RoleName                    string `json:"roleName"`
	GroupName                   string `json:"groupName"`
	PolicyArn                   string `json:"policyArn"`
	SnapshotID                  string `json:"snapshotId"`
	ImageID                     string `json:"imageId"`
	VpcID                       string `json:"vpcId"`
	NetworkACLID                string `json:"networkAclId"`
	RouteTableID                string `json:"routeTableId"`
	InternetGatewayID           string `json:"internetGatewayId"`
	LogGroupName                string `json:"logGroupName"`
}

func cloudTrailResources(d *CloudTrailDetail, partition, region, account string) []Resource {
	var p callParams
	// Rules have already read the parameters they need; a parameter of an
	// unexpected type here only costs a resource, so the error is dropped
	// and the finding still carries detail.resources.
	_ = json.Unmarshal(d.RequestParameters, &p)
	arn := func(service, rest string) string {
		return "arn:" + partition + ":" + service + ":" + region + ":" + account + ":" + rest
	}
	orARN := func(id, built string) string {
		if strings.HasPrefix(id, "arn:") {
			return id
		}
		return built
	}
	var out []Resource
	add := func(r Resource) {
		for _, have := range out {
			if (r.ARN != "" && have.ARN == r.ARN) || (r.ARN == "" && have.Kind == r.Kind && have.ID == r.ID) {
				return
			}
		}
		out = append(out, r)
	}
	switch d.EventSource {
	case "s3.amazonaws.com":
		if p.BucketName != "" {
			add(Resource{Kind: KindS3Bucket, ID: p.BucketName, ARN: "arn:" + partition + ":s3:::" + p.BucketName, Bucket: p.BucketName})
		}
	case "cloudtrail.amazonaws.com":
		if p.Name != "" {
			id := p.Name
			if i := strings.LastIndex(id, "/"); strings.HasPrefix(id, "arn:") && i >= 0 {
				id = id[i+1:]
			}
			add(Resource{Kind: KindTrail, ID: id, ARN: orARN(p.Name, arn("cloudtrail", "trail/"+p.Name))})
		}
	case "guardduty.amazonaws.com":
		if p.DetectorID != "" {
			add(Resource{Kind: KindDetector, ID: p.DetectorID, ARN: arn("guardduty", "detector/"+p.DetectorID)})
		}
	case "kms.amazonaws.com":
		var resp struct {
			KeyID string `json:"keyId"`
		}
		_ = json.Unmarshal(d.ResponseElements, &resp)
		if p.KeyID != "" {
			id := p.KeyID
			if i := strings.LastIndex(id, "/"); strings.HasPrefix(id, "arn:") && i >= 0 {
				id = id[i+1:]
			}
			keyARN := orARN(p.KeyID, orARN(resp.KeyID, arn("kms", "key/"+p.KeyID)))
			if strings.HasPrefix(p.KeyID, "alias/") {
				keyARN = orARN(resp.KeyID, arn("kms", p.KeyID))
			}
			add(Resource{Kind: KindKMSKey, ID: id, ARN: keyARN})
		}
	case "rds.amazonaws.com":
		if p.DBSnapshotIdentifier != "" {
			add(Resource{Kind: KindRDSSnapshot, ID: p.DBSnapshotIdentifier, ARN: orARN(p.DBSnapshotIdentifier, arn("rds", "snapshot:"+p.DBSnapshotIdentifier))})
		}
		if p.DBClusterSnapshotIdentifier != "" {
			add(Resource{Kind: KindRDSClusterSn, ID: p.DBClusterSnapshotIdentifier, ARN: orARN(p.DBClusterSnapshotIdentifier, arn("rds", "cluster-snapshot:"+p.DBClusterSnapshotIdentifier))})
		}
		if p.DBInstanceIdentifier != "" {
			add(Resource{Kind: KindRDSInstance, ID: p.DBInstanceIdentifier, ARN: orARN(p.DBInstanceIdentifier, arn("rds", "db:"+p.DBInstanceIdentifier))})
		}
		if p.DBClusterIdentifier != "" {
			add(Resource{Kind: KindRDSCluster, ID: p.DBClusterIdentifier, ARN: orARN(p.DBClusterIdentifier, arn("rds", "cluster:"+p.DBClusterIdentifier))})
		}
		if p.DBParameterGroupName != "" {
			add(Resource{Kind: KindRDSParamGroup, ID: p.DBParameterGroupName, ARN: arn("rds", "pg:"+p.DBParameterGroupName)})
		}
		if p.DBClusterParameterGroupName != "" {
			add(Resource{Kind: KindRDSParamGroup, ID: p.DBClusterParameterGroupName, ARN: arn("rds", "cluster-pg:"+p.DBClusterParameterGroupName)})
		}
	case "ec2.amazonaws.com":
		for _, r := range []struct{ kind, id, arnType string }{
			{KindSecurityGroup, p.GroupID, "security-group/"}, {KindEBSSnapshot, p.SnapshotID, "snapshot/"}, {KindImage, p.ImageID, "image/"},
			{KindVPC, p.VpcID, "vpc/"}, {KindNetworkACL, p.NetworkACLID, "network-acl/"}, {KindRouteTable, p.RouteTableID, "route-table/"},
			{KindInternetGateway, p.InternetGatewayID, "internet-gateway/"},
		} {
			if r.id != "" {
				res := Resource{Kind: r.kind, ID: r.id, ARN: arn("ec2", r.arnType+r.id)}
				if r.kind == KindEBSSnapshot || r.kind == KindImage {
					res.ARN = "arn:" + partition + ":ec2:" + region + "::" + r.arnType + r.id
				}
				add(res)
			}
		}
	case "logs.amazonaws.com":
		if p.LogGroupName != "" {
			add(Resource{Kind: KindLogGroup, ID: p.LogGroupName, ARN: arn("logs", "log-group:"+p.LogGroupName)})
		}
	case "iam.amazonaws.com", "signin.amazonaws.com":
		if d.IsRoot() && d.EventSource == "signin.amazonaws.com" || d.IsRoot() && p.UserName == "" && d.EventName == "CreateAccessKey" {
			add(Resource{Kind: KindAccount, ID: account, ARN: "arn:" + partition + ":iam::" + account + ":root"})
		}
		if p.UserName != "" {
			add(Resource{Kind: KindIAMUser, ID: p.UserName, ARN: "arn:" + partition + ":iam::" + account + ":user/" + p.UserName})
		}
		if p.RoleName != "" {
			add(Resource{Kind: KindIAMRole, ID: p.RoleName, ARN: "arn:" + partition + ":iam::" + account + ":role/" + p.RoleName})
		}
		if p.GroupName != "" {
			add(Resource{Kind: KindIAMGroup, ID: p.GroupName, ARN: "arn:" + partition + ":iam::" + account + ":group/" + p.GroupName})
		}
		if strings.HasPrefix(p.PolicyArn, "arn:") && !strings.Contains(p.PolicyArn, ":iam::aws:policy/") && p.UserName == "" && p.RoleName == "" && p.GroupName == "" {
			add(Resource{Kind: KindIAMPolicy, ID: lastPathSegment(p.PolicyArn), ARN: p.PolicyArn})
		}
		var resp struct {
			AccessKey struct {
				AccessKeyID string `json:"accessKeyId"`
			} `json:"accessKey"`
		}
		_ = json.Unmarshal(d.ResponseElements, &resp)
		if resp.AccessKey.AccessKeyID != "" {
			add(Resource{Kind: KindAccessKey, ID: resp.AccessKey.AccessKeyID})
		}
	}
	for _, r := range d.Resources {
		if r.ARN == "" {
			continue
		}
		kind, id := kindOfARN(r.Type, r.ARN)
		res := Resource{Kind: kind, ID: id, ARN: r.ARN}
		if kind == KindS3Bucket {
			res.Bucket = id
		}
		add(res)
	}
	return out
}

// kindOfARN maps a CloudTrail resource type to a kind, and an ARN to the id
// it ends with.
func kindOfARN(typ, arn string) (kind, id string) {
	id = arn
	if i := strings.LastIndexAny(arn, "/:"); i >= 0 && i < len(arn)-1 {
		id = arn[i+1:]
	}
	switch typ {
	case "AWS::S3::Bucket":
		return KindS3Bucket, arn[strings.LastIndex(arn, ":")+1:]
	case "AWS::KMS::Key":
		return KindKMSKey, id
	case "AWS::RDS::DBInstance":
		return KindRDSInstance, id
	case "AWS::RDS::DBCluster":
		return KindRDSCluster, id
	case "AWS::EC2::SecurityGroup":
		return KindSecurityGroup, id
	case "AWS::CloudTrail::Trail":
		return KindTrail, id
	}
	return strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(typ, "AWS::"), "::", "-")), id
}
