package finding

import "encoding/json"

// GuardDutyDetail is the detail of a "GuardDuty Finding" event: the finding
// in GuardDuty's camelCase JSON. Only the fields the notifier reads are
// typed; the full event is kept in Finding.Raw.
type GuardDutyDetail struct {
	SchemaVersion string             `json:"schemaVersion"`
	AccountID     string             `json:"accountId"`
	Region        string             `json:"region"`
	Partition     string             `json:"partition"`
	ID            string             `json:"id"`
	ARN           string             `json:"arn"`
	Type          string             `json:"type"`
	Resource      *GuardDutyResource `json:"resource"`
	Service       *GuardDutyService  `json:"service"`
	// Severity is a pointer so that a missing severity is told apart from 0.
	Severity    *float64 `json:"severity"`
	CreatedAt   string   `json:"createdAt"`
	UpdatedAt   string   `json:"updatedAt"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
}

// GuardDutyTag is one resource tag as GuardDuty reports it.
type GuardDutyTag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// GuardDutyResource is the finding's resource section.
type GuardDutyResource struct {
	ResourceType      string                `json:"resourceType"`
	InstanceDetails   *GuardDutyInstance    `json:"instanceDetails"`
	AccessKeyDetails  *GuardDutyAccessKey   `json:"accessKeyDetails"`
	S3BucketDetails   []GuardDutyS3Bucket   `json:"s3BucketDetails"`
	EksClusterDetails *GuardDutyEKSCluster  `json:"eksClusterDetails"`
	KubernetesDetails *GuardDutyKubernetes  `json:"kubernetesDetails"`
	EbsVolumeDetails  *GuardDutyEBSVolumes  `json:"ebsVolumeDetails"`
	RdsDbInstance     *GuardDutyRDSInstance `json:"rdsDbInstanceDetails"`
	RdsDbUser         *GuardDutyRDSUser     `json:"rdsDbUserDetails"`
	LambdaDetails     *GuardDutyLambda      `json:"lambdaDetails"`
	EcsClusterDetails *GuardDutyECSCluster  `json:"ecsClusterDetails"`
	ContainerDetails  *GuardDutyContainer   `json:"containerDetails"`
}

// GuardDutyECSCluster is resource.ecsClusterDetails (Runtime Monitoring and
// Malware Protection on ECS): the cluster and the task involved.
type GuardDutyECSCluster struct {
	Name        string         `json:"name"`
	ARN         string         `json:"arn"`
	Status      string         `json:"status"`
	Tags        []GuardDutyTag `json:"tags"`
	TaskDetails *struct {
		ARN           string               `json:"arn"`
		DefinitionARN string               `json:"definitionArn"`
		Group         string               `json:"group"`
		LaunchType    string               `json:"launchType"`
		Tags          []GuardDutyTag       `json:"tags"`
		Containers    []GuardDutyContainer `json:"containers"`
	} `json:"taskDetails"`
}

// GuardDutyContainer is resource.containerDetails, or one of an ECS task's
// containers.
type GuardDutyContainer struct {
	ContainerRuntime string `json:"containerRuntime"`
	ID               string `json:"id"`
	Name             string `json:"name"`
	Image            string `json:"image"`
}

// GuardDutyRDSUser is resource.rdsDbUserDetails (RDS Protection): the
// database user a login finding is about.
type GuardDutyRDSUser struct {
	User        string `json:"user"`
	Application string `json:"application"`
	Database    string `json:"database"`
}

// GuardDutyInstance is resource.instanceDetails.
type GuardDutyInstance struct {
	InstanceID       string         `json:"instanceId"`
	InstanceType     string         `json:"instanceType"`
	AvailabilityZone string         `json:"availabilityZone"`
	InstanceState    string         `json:"instanceState"`
	ImageID          string         `json:"imageId"`
	Tags             []GuardDutyTag `json:"tags"`
}

// GuardDutyAccessKey is resource.accessKeyDetails.
type GuardDutyAccessKey struct {
	AccessKeyID string `json:"accessKeyId"`
	PrincipalID string `json:"principalId"`
	UserName    string `json:"userName"`
	UserType    string `json:"userType"`
}

// GuardDutyS3Bucket is one of resource.s3BucketDetails.
type GuardDutyS3Bucket struct {
	ARN             string              `json:"arn"`
	Name            string              `json:"name"`
	Type            string              `json:"type"`
	Tags            []GuardDutyTag      `json:"tags"`
	S3ObjectDetails []GuardDutyS3Object `json:"s3ObjectDetails"`
}

// GuardDutyS3Object is one of s3BucketDetails[].s3ObjectDetails.
type GuardDutyS3Object struct {
	ObjectARN string `json:"objectArn"`
	Key       string `json:"key"`
	ETag      string `json:"eTag"`
	VersionID string `json:"versionId"`
}

// GuardDutyEKSCluster is resource.eksClusterDetails.
type GuardDutyEKSCluster struct {
	Name   string         `json:"name"`
	ARN    string         `json:"arn"`
	VpcID  string         `json:"vpcId"`
	Status string         `json:"status"`
	Tags   []GuardDutyTag `json:"tags"`
}

// GuardDutyKubernetes is resource.kubernetesDetails.
type GuardDutyKubernetes struct {
	KubernetesUserDetails *struct {
		Username string   `json:"username"`
		UID      string   `json:"uid"`
		Groups   []string `json:"groups"`
	} `json:"kubernetesUserDetails"`
	KubernetesWorkloadDetails *struct {
		Name      string `json:"name"`
		Type      string `json:"type"`
		Namespace string `json:"namespace"`
		UID       string `json:"uid"`
	} `json:"kubernetesWorkloadDetails"`
}

// GuardDutyEBSVolumes is resource.ebsVolumeDetails (Malware Protection).
type GuardDutyEBSVolumes struct {
	ScannedVolumeDetails []GuardDutyVolume `json:"scannedVolumeDetails"`
	SkippedVolumeDetails []GuardDutyVolume `json:"skippedVolumeDetails"`
}

// GuardDutyVolume is one scanned or skipped EBS volume.
type GuardDutyVolume struct {
	VolumeARN      string `json:"volumeArn"`
	VolumeType     string `json:"volumeType"`
	DeviceName     string `json:"deviceName"`
	VolumeSizeInGB int    `json:"volumeSizeInGB"`
	EncryptionType string `json:"encryptionType"`
	SnapshotARN    string `json:"snapshotArn"`
	KmsKeyARN      string `json:"kmsKeyArn"`
}

// GuardDutyRDSInstance is resource.rdsDbInstanceDetails (RDS Protection).
type GuardDutyRDSInstance struct {
	DBInstanceIdentifier string         `json:"dbInstanceIdentifier"`
	DBInstanceARN        string         `json:"dbInstanceArn"`
	DBClusterIdentifier  string         `json:"dbClusterIdentifier"`
	Engine               string         `json:"engine"`
	Tags                 []GuardDutyTag `json:"tags"`
}

// GuardDutyLambda is resource.lambdaDetails (Lambda Protection).
type GuardDutyLambda struct {
	FunctionName string         `json:"functionName"`
	FunctionARN  string         `json:"functionArn"`
	Tags         []GuardDutyTag `json:"tags"`
}

// GuardDutyService is the finding's service section.
type GuardDutyService struct {
	ServiceName    string          `json:"serviceName"`
	DetectorID     string          `json:"detectorId"`
	FeatureName    string          `json:"featureName"`
	ResourceRole   string          `json:"resourceRole"`
	EventFirstSeen string          `json:"eventFirstSeen"`
	EventLastSeen  string          `json:"eventLastSeen"`
	Archived       bool            `json:"archived"`
	Count          *int            `json:"count"`
	AdditionalInfo json.RawMessage `json:"additionalInfo"`
	// EbsVolumeScanDetails is set on Malware Protection findings.
	EbsVolumeScanDetails *GuardDutyEBSScan `json:"ebsVolumeScanDetails"`
}

// GuardDutyEBSScan is service.ebsVolumeScanDetails. Its timestamps are kept
// out: GuardDuty writes them as epoch numbers and the notifier does not need
// them.
type GuardDutyEBSScan struct {
	ScanID           string   `json:"scanId"`
	ScanType         string   `json:"scanType"`
	TriggerFindingID string   `json:"triggerFindingId"`
	Sources          []string `json:"sources"`
	ScanDetections   *struct {
		HighestSeverityThreatDetails *struct {
			Severity   string `json:"severity"`
			ThreatName string `json:"threatName"`
			Count      int    `json:"count"`
		} `json:"highestSeverityThreatDetails"`
		ThreatDetectedByName *struct {
			ItemCount   int `json:"itemCount"`
			ThreatNames []struct {
				Name      string `json:"name"`
				Severity  string `json:"severity"`
				ItemCount int    `json:"itemCount"`
				FilePaths []struct {
					FilePath  string `json:"filePath"`
					FileName  string `json:"fileName"`
					VolumeARN string `json:"volumeArn"`
					Hash      string `json:"hash"`
				} `json:"filePaths"`
			} `json:"threatNames"`
		} `json:"threatDetectedByName"`
	} `json:"scanDetections"`
}
