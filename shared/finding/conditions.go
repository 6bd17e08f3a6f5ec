package finding

import (
	"encoding/json"
	"slices"
	"strings"
)

// DatabasePorts are the ports AuthorizeSecurityGroupIngress must not open to
// the internet: MySQL/MariaDB/Aurora MySQL, PostgreSQL, SQL Server, Oracle,
// MongoDB/DocumentDB, Redis/Valkey.
var DatabasePorts = []int{3306, 5432, 1433, 1521, 27017, 6379}

func consoleLogin(d *CloudTrailDetail) string {
	var r struct {
		ConsoleLogin string `json:"ConsoleLogin"`
	}
	if json.Unmarshal(d.ResponseElements, &r) != nil {
		return ""
	}
	return r.ConsoleLogin
}

func detectorDisabled(d *CloudTrailDetail) (bool, error) {
	var p struct {
		Enable *bool `json:"enable"`
	}
	if err := d.Params(&p); err != nil {
		return false, err
	}
	return p.Enable != nil && !*p.Enable, nil
}

// oneOrMany decodes a JSON value that is either one T or a list of T, as
// CloudTrail writes XML-derived lists and IAM policy elements.
type oneOrMany[T any] []T

func (o *oneOrMany[T]) UnmarshalJSON(b []byte) error {
	var many []T
	if err := json.Unmarshal(b, &many); err == nil {
		*o = many
		return nil
	}
	var one T
	if err := json.Unmarshal(b, &one); err != nil {
		return err
	}
	*o = []T{one}
	return nil
}

// snapshotMadePublic: the restore attribute gains "all".
func snapshotMadePublic(d *CloudTrailDetail) (bool, error) {
	var p struct {
		AttributeName string   `json:"attributeName"`
		ValuesToAdd   []string `json:"valuesToAdd"`
	}
	if err := d.Params(&p); err != nil {
		return false, err
	}
	if !strings.EqualFold(p.AttributeName, "restore") {
		return false, nil
	}
	return slices.ContainsFunc(p.ValuesToAdd, func(v string) bool { return strings.EqualFold(v, "all") }), nil
}

func deletionProtectionOff(d *CloudTrailDetail) (bool, error) {
	var p struct {
		DeletionProtection *bool `json:"deletionProtection"`
	}
	if err := d.Params(&p); err != nil {
		return false, err
	}
	return p.DeletionProtection != nil && !*p.DeletionProtection, nil
}

// tlsNoLongerRequired: rds.force_ssl (PostgreSQL, SQL Server) set to 0 or
// require_secure_transport (MySQL, MariaDB) set to 0/OFF.
func tlsNoLongerRequired(d *CloudTrailDetail) (bool, error) {
	var p struct {
		Parameters []struct {
			ParameterName  string `json:"parameterName"`
			ParameterValue string `json:"parameterValue"`
		} `json:"parameters"`
	}
	if err := d.Params(&p); err != nil {
		return false, err
	}
	for _, prm := range p.Parameters {
		name, val := strings.ToLower(prm.ParameterName), strings.ToLower(strings.TrimSpace(prm.ParameterValue))
		if (name == "rds.force_ssl" || name == "require_secure_transport") && (val == "0" || val == "off" || val == "false") {
			return true, nil
		}
	}
	return false, nil
}

// createdUnencrypted: storageEncrypted is not true. An instance that joins a
// cluster takes the cluster's encryption and is not judged here.
func createdUnencrypted(d *CloudTrailDetail) (bool, error) {
	var p struct {
		StorageEncrypted    *bool  `json:"storageEncrypted"`
		DBClusterIdentifier string `json:"dBClusterIdentifier"`
	}
	if err := d.Params(&p); err != nil {
		return false, err
	}
	if d.EventName == "CreateDBInstance" && p.DBClusterIdentifier != "" {
		return false, nil
	}
	return p.StorageEncrypted == nil || !*p.StorageEncrypted, nil
}

type ipPermission struct {
	IPProtocol string `json:"ipProtocol"`
	FromPort   *int   `json:"fromPort"`
	ToPort     *int   `json:"toPort"`
	IPRanges   struct {
		Items []struct {
			CidrIP string `json:"cidrIp"`
		} `json:"items"`
	} `json:"ipRanges"`
	IPv6Ranges struct {
		Items []struct {
			CidrIPv6 string `json:"cidrIpv6"`
		} `json:"items"`
	} `json:"ipv6Ranges"`
}

// ingressOpensDatabase: a rule from 0.0.0.0/0 or ::/0 that covers a database
// port or every port. Both request shapes are read: ipPermissions.items and
// the flat cidrIp/ipProtocol/fromPort/toPort form.
func ingressOpensDatabase(d *CloudTrailDetail) (bool, error) {
	var p struct {
		IPPermissions struct {
			Items []ipPermission `json:"items"`
		} `json:"ipPermissions"`
		CidrIP     string `json:"cidrIp"`
		IPProtocol string `json:"ipProtocol"`
		FromPort   *int   `json:"fromPort"`
		ToPort     *int   `json:"toPort"`
	}
	if err := d.Params(&p); err != nil {
		return false, err
	}
	perms := p.IPPermissions.Items
	if p.CidrIP != "" {
		flat := ipPermission{IPProtocol: p.IPProtocol, FromPort: p.FromPort, ToPort: p.ToPort}
		flat.IPRanges.Items = append(flat.IPRanges.Items, struct {
			CidrIP string `json:"cidrIp"`
		}{p.CidrIP})
		perms = append(perms, flat)
	}
	for _, perm := range perms {
		world := false
		for _, r := range perm.IPRanges.Items {
			world = world || strings.TrimSpace(r.CidrIP) == "0.0.0.0/0"
		}
		for _, r := range perm.IPv6Ranges.Items {
			world = world || strings.TrimSpace(r.CidrIPv6) == "::/0"
		}
		if world && coversDatabasePort(perm) {
			return true, nil
		}
	}
	return false, nil
}

func coversDatabasePort(p ipPermission) bool {
	proto := strings.ToLower(p.IPProtocol)
	if proto == "-1" || proto == "all" {
		return true
	}
	if proto != "tcp" && proto != "6" {
		return false
	}
	if p.FromPort == nil || p.ToPort == nil || *p.FromPort == -1 {
		return true // no port range on TCP means every port
	}
	from, to := *p.FromPort, *p.ToPort
	for _, port := range DatabasePorts {
		if from <= port && port <= to {
			return true
		}
	}
	return false
}

// rootAccessKey: root creates an access key for itself (no userName).
func rootAccessKey(d *CloudTrailDetail) (bool, error) {
	if !d.IsRoot() {
		return false, nil
	}
	var p struct {
		UserName string `json:"userName"`
	}
	if err := d.Params(&p); err != nil {
		return false, err
	}
	return p.UserName == "", nil
}

func detectorCreatedDisabled(d *CloudTrailDetail) (bool, error) {
	var p struct {
		Enable *bool `json:"enable"`
	}
	if err := d.Params(&p); err != nil {
		return false, err
	}
	return p.Enable != nil && !*p.Enable, nil
}

// signInWithoutMFA: a successful console sign-in of an IAM user whose
// additionalEventData says MFAUsed is not "Yes". Root, federated and SSO
// sign-ins are judged elsewhere (the identity provider holds their MFA).
func signInWithoutMFA(d *CloudTrailDetail) (bool, error) {
	if d.UserIdentity.Type != "IAMUser" || consoleLogin(d) != "Success" {
		return false, nil
	}
	var a struct {
		MFAUsed string `json:"MFAUsed"`
	}
	if len(d.AdditionalEventData) > 0 && json.Unmarshal(d.AdditionalEventData, &a) != nil {
		return false, malformed(kindCloudTrail, "detail.additionalEventData", "not a JSON object")
	}
	return !strings.EqualFold(a.MFAUsed, "Yes"), nil
}

// administratorAccess: the AWS managed AdministratorAccess policy attached.
func administratorAccess(d *CloudTrailDetail) (bool, error) {
	var p struct {
		PolicyArn string `json:"policyArn"`
	}
	if err := d.Params(&p); err != nil {
		return false, err
	}
	return strings.HasPrefix(p.PolicyArn, "arn:") && strings.HasSuffix(p.PolicyArn, ":iam::aws:policy/AdministratorAccess"), nil
}

func madePubliclyAccessible(d *CloudTrailDetail) (bool, error) {
	var p struct {
		PubliclyAccessible *bool `json:"publiclyAccessible"`
	}
	if err := d.Params(&p); err != nil {
		return false, err
	}
	return p.PubliclyAccessible != nil && *p.PubliclyAccessible, nil
}

// permissionChange is the add/remove shape of EC2's
// createVolumePermission and launchPermission parameters.
type permissionChange struct {
	Add struct {
		Items []struct {
			Group  string `json:"group"`
			UserID string `json:"userId"`
		} `json:"items"`
	} `json:"add"`
}

func (c permissionChange) public() bool {
	for _, it := range c.Add.Items {
		if strings.EqualFold(it.Group, "all") {
			return true
		}
	}
	return false
}

// ebsSnapshotMadePublic: createVolumePermission gains the group "all".
func ebsSnapshotMadePublic(d *CloudTrailDetail) (bool, error) {
	var p struct {
		CreateVolumePermission permissionChange `json:"createVolumePermission"`
	}
	if err := d.Params(&p); err != nil {
		return false, err
	}
	return p.CreateVolumePermission.public(), nil
}

// imageMadePublic: launchPermission gains the group "all".
func imageMadePublic(d *CloudTrailDetail) (bool, error) {
	var p struct {
		LaunchPermission permissionChange `json:"launchPermission"`
	}
	if err := d.Params(&p); err != nil {
		return false, err
	}
	return p.LaunchPermission.public(), nil
}

// egressOpensToInternet: an egress rule to 0.0.0.0/0 or ::/0.
func egressOpensToInternet(d *CloudTrailDetail) (bool, error) {
	var p struct {
		IPPermissions struct {
			Items []ipPermission `json:"items"`
		} `json:"ipPermissions"`
	}
	if err := d.Params(&p); err != nil {
		return false, err
	}
	for _, perm := range p.IPPermissions.Items {
		for _, r := range perm.IPRanges.Items {
			if strings.TrimSpace(r.CidrIP) == "0.0.0.0/0" {
				return true, nil
			}
		}
		for _, r := range perm.IPv6Ranges.Items {
			if strings.TrimSpace(r.CidrIPv6) == "::/0" {
				return true, nil
			}
		}
	}
	return false, nil
}

// rootActivity: a call the root user made itself (not an AWS service acting
// for it), that changed something (not read-only).
func rootActivity(d *CloudTrailDetail) (bool, error) {
	readOnly := d.ReadOnly != nil && *d.ReadOnly
	return d.IsRoot() && d.UserIdentity.InvokedBy == "" && d.EventType != "AwsServiceEvent" && !readOnly, nil
}
