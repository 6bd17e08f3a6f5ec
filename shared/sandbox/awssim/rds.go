package awssim

import (
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"maps"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

func init() { RegisterService("rds", newRDSService) }

// rdsTime is the timestamp format RDS answers with.
const rdsTime = "2006-01-02T15:04:05.000Z"

// Default RDS account quotas (the Max of DescribeAccountAttributes).
const (
	DefaultManualSnapshotsQuota        = 100
	DefaultManualClusterSnapshotsQuota = 100
)

// Tag is an AWS resource tag.
type Tag struct {
	Key   string
	Value string
}

// RDSInstance is a DB instance. Seed it with at least DBInstanceIdentifier;
// empty fields get plausible defaults (postgres, available, gp3, 20 GiB).
// Field names are the RDS API's, so seed JSON reads like an API response.
type RDSInstance struct {
	DBInstanceIdentifier  string
	DBInstanceArn         string    `json:",omitempty"`
	DBInstanceClass       string    `json:",omitempty"`
	Engine                string    `json:",omitempty"`
	EngineVersion         string    `json:",omitempty"`
	DBInstanceStatus      string    `json:",omitempty"`
	MasterUsername        string    `json:",omitempty"`
	AllocatedStorage      int32     `json:",omitempty"`
	StorageType           string    `json:",omitempty"`
	StorageEncrypted      bool      `json:",omitempty"`
	KmsKeyId              string    `json:",omitempty"`
	BackupRetentionPeriod int32     `json:",omitempty"`
	DBClusterIdentifier   string    `json:",omitempty"`
	DBParameterGroups     []string  `json:",omitempty"`
	MultiAZ               bool      `json:",omitempty"`
	CopyTagsToSnapshot    bool      `json:",omitempty"`
	DbiResourceId         string    `json:",omitempty"`
	AvailabilityZone      string    `json:",omitempty"`
	Port                  int32     `json:",omitempty"`
	InstanceCreateTime    time.Time `json:",omitzero"`
	TagList               []Tag     `json:",omitempty"`
}

// RDSClusterMember is one instance of an Aurora cluster.
type RDSClusterMember struct {
	DBInstanceIdentifier string
	IsClusterWriter      bool
}

// RDSCluster is an Aurora (or Multi-AZ) DB cluster. When DBClusterMembers is
// empty, the members are the instances whose DBClusterIdentifier names it,
// the first (by identifier) being the writer.
type RDSCluster struct {
	DBClusterIdentifier     string
	DBClusterArn            string             `json:",omitempty"`
	Engine                  string             `json:",omitempty"`
	EngineVersion           string             `json:",omitempty"`
	EngineMode              string             `json:",omitempty"`
	Status                  string             `json:",omitempty"`
	StorageEncrypted        bool               `json:",omitempty"`
	KmsKeyId                string             `json:",omitempty"`
	BackupRetentionPeriod   int32              `json:",omitempty"`
	DBClusterParameterGroup string             `json:",omitempty"`
	DBClusterMembers        []RDSClusterMember `json:",omitempty"`
	DbClusterResourceId     string             `json:",omitempty"`
	MasterUsername          string             `json:",omitempty"`
	Port                    int32              `json:",omitempty"`
	CopyTagsToSnapshot      bool               `json:",omitempty"`
	ClusterCreateTime       time.Time          `json:",omitzero"`
	TagList                 []Tag              `json:",omitempty"`
}

// RDSSnapshot is a DB instance snapshot. SnapshotType is manual (default),
// automated (identifiers rds:<db>-YYYY-MM-DD-HH-MM) or awsbackup
// (awsbackup:job-...). Fields left empty are copied from the instance when
// it exists. A seeded snapshot keeps its Status; one created through the API
// becomes available after Options.SnapshotCreateDelay.
type RDSSnapshot struct {
	DBSnapshotIdentifier string
	DBInstanceIdentifier string
	DBSnapshotArn        string    `json:",omitempty"`
	SnapshotType         string    `json:",omitempty"`
	Status               string    `json:",omitempty"`
	SnapshotCreateTime   time.Time `json:",omitzero"`
	Engine               string    `json:",omitempty"`
	EngineVersion        string    `json:",omitempty"`
	AllocatedStorage     int32     `json:",omitempty"`
	StorageType          string    `json:",omitempty"`
	Encrypted            bool      `json:",omitempty"`
	KmsKeyId             string    `json:",omitempty"`
	DbiResourceId        string    `json:",omitempty"`
	AvailabilityZone     string    `json:",omitempty"`
	Port                 int32     `json:",omitempty"`
	MasterUsername       string    `json:",omitempty"`
	InstanceCreateTime   time.Time `json:",omitzero"`
	PercentProgress      int32     `json:",omitempty"`
	TagList              []Tag     `json:",omitempty"`
	// SourceDBSnapshotIdentifier and OriginalSnapshotCreateTime describe a
	// copy: the source's ARN, and the source's creation time (zero: the
	// snapshot's own, as for an original).
	SourceDBSnapshotIdentifier string    `json:",omitempty"`
	OriginalSnapshotCreateTime time.Time `json:",omitzero"`
}

// RDSClusterSnapshot is a DB cluster snapshot, with the same rules as RDSSnapshot.
type RDSClusterSnapshot struct {
	DBClusterSnapshotIdentifier string
	DBClusterIdentifier         string
	DBClusterSnapshotArn        string    `json:",omitempty"`
	SnapshotType                string    `json:",omitempty"`
	Status                      string    `json:",omitempty"`
	SnapshotCreateTime          time.Time `json:",omitzero"`
	Engine                      string    `json:",omitempty"`
	EngineVersion               string    `json:",omitempty"`
	EngineMode                  string    `json:",omitempty"`
	AllocatedStorage            int32     `json:",omitempty"`
	StorageEncrypted            bool      `json:",omitempty"`
	KmsKeyId                    string    `json:",omitempty"`
	DbClusterResourceId         string    `json:",omitempty"`
	Port                        int32     `json:",omitempty"`
	MasterUsername              string    `json:",omitempty"`
	ClusterCreateTime           time.Time `json:",omitzero"`
	PercentProgress             int32     `json:",omitempty"`
	TagList                     []Tag     `json:",omitempty"`
	// SourceDBClusterSnapshotArn is the source of a copy.
	SourceDBClusterSnapshotArn string `json:",omitempty"`
}

// RDSAccountQuota is one DescribeAccountAttributes quota.
type RDSAccountQuota struct {
	AccountQuotaName string
	Used             int64
	Max              int64
}

// RDSSeed is state to add to the RDS simulator (POST /_sim/seed/rds).
// Quotas sets the Max of account quotas by name ("ManualSnapshots",
// "ManualClusterSnapshots", "DBInstances", "DBClusters").
// ParameterGroups and ClusterParameterGroups (DB and DB cluster parameter
// groups, separate namespaces) are added first, so the instances and
// clusters of the same seed can use them; an instance or cluster naming a
// group that does not exist is an error.
type RDSSeed struct {
	ParameterGroups        []RDSParameterGroup  `json:",omitempty"`
	ClusterParameterGroups []RDSParameterGroup  `json:",omitempty"`
	Instances              []RDSInstance        `json:",omitempty"`
	Clusters               []RDSCluster         `json:",omitempty"`
	Snapshots              []RDSSnapshot        `json:",omitempty"`
	ClusterSnapshots       []RDSClusterSnapshot `json:",omitempty"`
	Quotas                 map[string]int64     `json:",omitempty"`
}

// RDSState is the RDS simulator's state (GET /_sim/state/rds), each list
// sorted by identifier.
type RDSState struct {
	ParameterGroups        []RDSParameterGroup
	ClusterParameterGroups []RDSParameterGroup
	Instances              []RDSInstance
	Clusters               []RDSCluster
	Snapshots              []RDSSnapshot
	ClusterSnapshots       []RDSClusterSnapshot
	AccountQuotas          []RDSAccountQuota
}

// RDS is the RDS simulator's state. Get it with Server.RDS.
type RDS struct {
	srv *Server

	mu               sync.Mutex
	instances        map[string]*RDSInstance
	clusters         map[string]*RDSCluster
	snapshots        map[string]*RDSSnapshot
	clusterSnapshots map[string]*RDSClusterSnapshot
	readyAt          map[string]time.Time // "snapshot:id" / "cluster-snapshot:id" -> when it becomes available
	quotaMax         map[string]int64
	// paramGroups and clusterParamGroups are the seeded parameter groups
	// by lower-case name; default.<family> groups are made on demand.
	paramGroups        map[string]*RDSParameterGroup
	clusterParamGroups map[string]*RDSParameterGroup
}

// RDS returns the RDS simulator's state.
func (s *Server) RDS() *RDS {
	svc, _ := s.Service("rds")
	return svc.Backend.(*RDS)
}

func newRDSService(s *Server) *Service {
	r := &RDS{
		srv:                s,
		instances:          map[string]*RDSInstance{},
		clusters:           map[string]*RDSCluster{},
		snapshots:          map[string]*RDSSnapshot{},
		clusterSnapshots:   map[string]*RDSClusterSnapshot{},
		readyAt:            map[string]time.Time{},
		paramGroups:        map[string]*RDSParameterGroup{},
		clusterParamGroups: map[string]*RDSParameterGroup{},
		quotaMax: map[string]int64{
			"DBInstances":            40,
			"DBClusters":             40,
			"ManualSnapshots":        DefaultManualSnapshotsQuota,
			"ManualClusterSnapshots": DefaultManualClusterSnapshotsQuota,
		},
	}
	return &Service{
		Name:         "rds",
		Protocol:     ProtocolQuery,
		XMLNamespace: "http://rds.amazonaws.com/doc/2014-10-31/",
		Operations: map[string]Handler{
			"DescribeDBInstances":        r.describeDBInstances,
			"DescribeDBClusters":         r.describeDBClusters,
			"DescribeDBSnapshots":        r.describeDBSnapshots,
			"DescribeDBClusterSnapshots": r.describeDBClusterSnapshots,
			"CreateDBSnapshot":           r.createDBSnapshot,
			"CreateDBClusterSnapshot":    r.createDBClusterSnapshot,
			"DeleteDBSnapshot":           r.deleteDBSnapshot,
			"DeleteDBClusterSnapshot":    r.deleteDBClusterSnapshot,
			"AddTagsToResource":          r.addTagsToResource,
			"ListTagsForResource":        r.listTagsForResource,
			"RemoveTagsFromResource":     r.removeTagsFromResource,
			"DescribeAccountAttributes":  r.describeAccountAttributes,
			"DescribeDBParameters":       func(c *Call) (any, error) { return r.describeParameters(c, false) },
			"DescribeDBClusterParameters": func(c *Call) (any, error) {
				return r.describeParameters(c, true)
			},
		},
		Dump: func() any { return r.State() },
		Seed: func(data []byte) error {
			var seed RDSSeed
			if err := seedJSON(data, &seed); err != nil {
				return err
			}
			return r.Seed(seed)
		},
		Backend: r,
	}
}

// ---- ARNs and identifiers ----

func (r *RDS) arn(kind, id string) string {
	return fmt.Sprintf("arn:aws:rds:%s:%s:%s:%s", r.srv.opts.Region, r.srv.opts.AccountID, kind, id)
}

// identifierRE is RDS's rule for instance, cluster and snapshot identifiers.
var identifierRE = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9-]{0,254}$`)

func validIdentifier(param, id string) *APIError {
	if !identifierRE.MatchString(id) || strings.HasSuffix(id, "-") || strings.Contains(id, "--") {
		return NewError(400, "InvalidParameterValue", "The parameter %s is not a valid identifier. Identifiers must begin with a letter; must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens.", param)
	}
	return nil
}

// idFromARN returns the identifier an id-or-ARN names, lower-cased.
func idFromARN(v string) string {
	if strings.HasPrefix(v, "arn:") {
		parts := strings.SplitN(v, ":", 7)
		if len(parts) == 7 {
			v = parts[6]
		}
	}
	return strings.ToLower(v)
}

func hash8(s string) string {
	var h uint64 = 1469598103934665603
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	var b [26]byte
	for i := range b {
		b[i] = alphabet[h%32]
		h = h/32 ^ (h << 7) ^ uint64(i*131)
	}
	return string(b[:])
}

// ---- seeding and state ----

func (r *RDS) fillInstance(in *RDSInstance, now time.Time) {
	in.DBInstanceIdentifier = strings.ToLower(in.DBInstanceIdentifier)
	in.DBClusterIdentifier = strings.ToLower(in.DBClusterIdentifier)
	in.DBInstanceArn = r.arn("db", in.DBInstanceIdentifier)
	if in.Engine == "" {
		in.Engine = "postgres"
		if in.DBClusterIdentifier != "" {
			in.Engine = "aurora-postgresql"
		}
	}
	if in.EngineVersion == "" {
		in.EngineVersion = defaultEngineVersion(in.Engine)
	}
	if in.DBInstanceClass == "" {
		in.DBInstanceClass = "db.t4g.medium"
	}
	if in.DBInstanceStatus == "" {
		in.DBInstanceStatus = "available"
	}
	if in.MasterUsername == "" {
		in.MasterUsername = "pledge"
	}
	if in.AllocatedStorage == 0 {
		in.AllocatedStorage = 20
		if in.DBClusterIdentifier != "" {
			in.AllocatedStorage = 1
		}
	}
	if in.StorageType == "" {
		in.StorageType = "gp3"
		if in.DBClusterIdentifier != "" {
			in.StorageType = "aurora"
		}
	}
	if len(in.DBParameterGroups) == 0 {
		in.DBParameterGroups = []string{"default." + parameterFamily(in.Engine, in.EngineVersion)}
	}
	if in.DbiResourceId == "" {
		in.DbiResourceId = "db-" + hash8("db:"+in.DBInstanceIdentifier)
	}
	if in.AvailabilityZone == "" {
		in.AvailabilityZone = r.srv.opts.Region + "a"
	}
	if in.Port == 0 {
		in.Port = 5432
	}
	if in.InstanceCreateTime.IsZero() {
		in.InstanceCreateTime = now.Add(-365 * 24 * time.Hour).UTC().Truncate(time.Millisecond)
	}
}

func (r *RDS) fillCluster(cl *RDSCluster, now time.Time) {
	cl.DBClusterIdentifier = strings.ToLower(cl.DBClusterIdentifier)
	cl.DBClusterArn = r.arn("cluster", cl.DBClusterIdentifier)
	if cl.Engine == "" {
		cl.Engine = "aurora-postgresql"
	}
	if cl.EngineVersion == "" {
		cl.EngineVersion = defaultEngineVersion(cl.Engine)
	}
	if cl.EngineMode == "" {
		cl.EngineMode = "provisioned"
	}
	if cl.Status == "" {
		cl.Status = "available"
	}
	if cl.DBClusterParameterGroup == "" {
		cl.DBClusterParameterGroup = "default." + parameterFamily(cl.Engine, cl.EngineVersion)
	}
	if cl.DbClusterResourceId == "" {
		cl.DbClusterResourceId = "cluster-" + hash8("cluster:"+cl.DBClusterIdentifier)
	}
	if cl.MasterUsername == "" {
		cl.MasterUsername = "pledge"
	}
	if cl.Port == 0 {
		cl.Port = 5432
	}
	if cl.ClusterCreateTime.IsZero() {
		cl.ClusterCreateTime = now.Add(-365 * 24 * time.Hour).UTC().Truncate(time.Millisecond)
	}
	for i := range cl.DBClusterMembers {
		cl.DBClusterMembers[i].DBInstanceIdentifier = strings.ToLower(cl.DBClusterMembers[i].DBInstanceIdentifier)
	}
}

func (r *RDS) fillSnapshot(sn *RDSSnapshot, now time.Time) {
	sn.DBSnapshotIdentifier = strings.ToLower(sn.DBSnapshotIdentifier)
	sn.DBInstanceIdentifier = strings.ToLower(sn.DBInstanceIdentifier)
	sn.DBSnapshotArn = r.arn("snapshot", sn.DBSnapshotIdentifier)
	if sn.SnapshotType == "" {
		sn.SnapshotType = "manual"
	}
	if sn.Status == "" {
		sn.Status = "available"
	}
	if sn.SnapshotCreateTime.IsZero() {
		sn.SnapshotCreateTime = now.UTC().Truncate(time.Millisecond)
	}
	if in, ok := r.instances[sn.DBInstanceIdentifier]; ok {
		if sn.Engine == "" {
			sn.Engine = in.Engine
		}
		if sn.EngineVersion == "" {
			sn.EngineVersion = in.EngineVersion
		}
		if sn.AllocatedStorage == 0 {
			sn.AllocatedStorage = in.AllocatedStorage
		}
		if sn.StorageType == "" {
			sn.StorageType = in.StorageType
		}
		if !sn.Encrypted && sn.KmsKeyId == "" {
			sn.Encrypted, sn.KmsKeyId = in.StorageEncrypted, in.KmsKeyId
		}
		if sn.DbiResourceId == "" {
			sn.DbiResourceId = in.DbiResourceId
		}
		if sn.AvailabilityZone == "" {
			sn.AvailabilityZone = in.AvailabilityZone
		}
		if sn.Port == 0 {
			sn.Port = in.Port
		}
		if sn.MasterUsername == "" {
			sn.MasterUsername = in.MasterUsername
		}
		if sn.InstanceCreateTime.IsZero() {
			sn.InstanceCreateTime = in.InstanceCreateTime
		}
	}
	if sn.Engine == "" {
		sn.Engine = "postgres"
	}
	if sn.StorageType == "" {
		sn.StorageType = "gp3"
	}
	if sn.PercentProgress == 0 && sn.Status == "available" {
		sn.PercentProgress = 100
	}
}

func (r *RDS) fillClusterSnapshot(sn *RDSClusterSnapshot, now time.Time) {
	sn.DBClusterSnapshotIdentifier = strings.ToLower(sn.DBClusterSnapshotIdentifier)
	sn.DBClusterIdentifier = strings.ToLower(sn.DBClusterIdentifier)
	sn.DBClusterSnapshotArn = r.arn("cluster-snapshot", sn.DBClusterSnapshotIdentifier)
	if sn.SnapshotType == "" {
		sn.SnapshotType = "manual"
	}
	if sn.Status == "" {
		sn.Status = "available"
	}
	if sn.SnapshotCreateTime.IsZero() {
		sn.SnapshotCreateTime = now.UTC().Truncate(time.Millisecond)
	}
	if cl, ok := r.clusters[sn.DBClusterIdentifier]; ok {
		if sn.Engine == "" {
			sn.Engine = cl.Engine
		}
		if sn.EngineVersion == "" {
			sn.EngineVersion = cl.EngineVersion
		}
		if sn.EngineMode == "" {
			sn.EngineMode = cl.EngineMode
		}
		if !sn.StorageEncrypted && sn.KmsKeyId == "" {
			sn.StorageEncrypted, sn.KmsKeyId = cl.StorageEncrypted, cl.KmsKeyId
		}
		if sn.DbClusterResourceId == "" {
			sn.DbClusterResourceId = cl.DbClusterResourceId
		}
		if sn.Port == 0 {
			sn.Port = cl.Port
		}
		if sn.MasterUsername == "" {
			sn.MasterUsername = cl.MasterUsername
		}
		if sn.ClusterCreateTime.IsZero() {
			sn.ClusterCreateTime = cl.ClusterCreateTime
		}
	}
	if sn.Engine == "" {
		sn.Engine = "aurora-postgresql"
	}
	if sn.EngineMode == "" {
		sn.EngineMode = "provisioned"
	}
	if sn.AllocatedStorage == 0 {
		sn.AllocatedStorage = 1
	}
	if sn.PercentProgress == 0 && sn.Status == "available" {
		sn.PercentProgress = 100
	}
}

// Seed adds (or replaces, by identifier) instances, clusters and snapshots,
// and sets quota maxima. Instances and clusters are added before snapshots,
// so snapshots copy their engine and encryption.
func (r *RDS) Seed(seed RDSSeed) error {
	for i, in := range seed.Instances {
		if err := validIdentifier("DBInstanceIdentifier", in.DBInstanceIdentifier); err != nil {
			return fmt.Errorf("instance %d (%q): %s", i, in.DBInstanceIdentifier, err.Message)
		}
	}
	for i, cl := range seed.Clusters {
		if err := validIdentifier("DBClusterIdentifier", cl.DBClusterIdentifier); err != nil {
			return fmt.Errorf("cluster %d (%q): %s", i, cl.DBClusterIdentifier, err.Message)
		}
	}
	for i, sn := range seed.Snapshots {
		if err := validSeedSnapshot(sn.DBSnapshotIdentifier, sn.SnapshotType); err != nil {
			return fmt.Errorf("snapshot %d (%q): %w", i, sn.DBSnapshotIdentifier, err)
		}
		if sn.DBInstanceIdentifier == "" {
			return fmt.Errorf("snapshot %d (%q): DBInstanceIdentifier is required", i, sn.DBSnapshotIdentifier)
		}
	}
	for i, sn := range seed.ClusterSnapshots {
		if err := validSeedSnapshot(sn.DBClusterSnapshotIdentifier, sn.SnapshotType); err != nil {
			return fmt.Errorf("cluster snapshot %d (%q): %w", i, sn.DBClusterSnapshotIdentifier, err)
		}
		if sn.DBClusterIdentifier == "" {
			return fmt.Errorf("cluster snapshot %d (%q): DBClusterIdentifier is required", i, sn.DBClusterSnapshotIdentifier)
		}
	}
	for name, max := range seed.Quotas {
		if max < 0 {
			return fmt.Errorf("quota %s: max %d is negative", name, max)
		}
	}
	for i, g := range append(append([]RDSParameterGroup(nil), seed.ParameterGroups...), seed.ClusterParameterGroups...) {
		if err := validateGroup(g); err != nil {
			return fmt.Errorf("parameter group %d: %w", i, err)
		}
	}
	now := r.srv.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	// Check the groups instances and clusters name against the groups that
	// exist once this seed's groups are added, before storing anything.
	addGroups := func(names map[string]*RDSParameterGroup, add []RDSParameterGroup) {
		for _, g := range add {
			c := g
			c.DBParameterGroupName = strings.ToLower(g.DBParameterGroupName)
			c.Parameters = maps.Clone(g.Parameters)
			names[c.DBParameterGroupName] = &c
		}
	}
	snapshotGroups, snapshotClusterGroups := maps.Clone(r.paramGroups), maps.Clone(r.clusterParamGroups)
	undo := func() { r.paramGroups, r.clusterParamGroups = snapshotGroups, snapshotClusterGroups }
	r.paramGroups, r.clusterParamGroups = maps.Clone(snapshotGroups), maps.Clone(snapshotClusterGroups)
	addGroups(r.paramGroups, seed.ParameterGroups)
	addGroups(r.clusterParamGroups, seed.ClusterParameterGroups)
	filled := make([]RDSInstance, len(seed.Instances))
	for i, in := range seed.Instances {
		in.TagList = append([]Tag(nil), in.TagList...)
		in.DBParameterGroups = append([]string(nil), in.DBParameterGroups...)
		r.fillInstance(&in, now)
		if err := r.checkGroupUse("instance "+in.DBInstanceIdentifier, in.Engine, in.DBParameterGroups, false); err != nil {
			undo()
			return err
		}
		filled[i] = in
	}
	filledClusters := make([]RDSCluster, len(seed.Clusters))
	for i, cl := range seed.Clusters {
		cl.TagList = append([]Tag(nil), cl.TagList...)
		cl.DBClusterMembers = append([]RDSClusterMember(nil), cl.DBClusterMembers...)
		r.fillCluster(&cl, now)
		if err := r.checkGroupUse("cluster "+cl.DBClusterIdentifier, cl.Engine, []string{cl.DBClusterParameterGroup}, true); err != nil {
			undo()
			return err
		}
		filledClusters[i] = cl
	}
	for _, in := range filled {
		r.instances[in.DBInstanceIdentifier] = &in
	}
	for _, cl := range filledClusters {
		r.clusters[cl.DBClusterIdentifier] = &cl
	}
	for _, sn := range seed.Snapshots {
		sn.TagList = append([]Tag(nil), sn.TagList...)
		r.fillSnapshot(&sn, now)
		r.snapshots[sn.DBSnapshotIdentifier] = &sn
		delete(r.readyAt, "snapshot:"+sn.DBSnapshotIdentifier)
	}
	for _, sn := range seed.ClusterSnapshots {
		sn.TagList = append([]Tag(nil), sn.TagList...)
		r.fillClusterSnapshot(&sn, now)
		r.clusterSnapshots[sn.DBClusterSnapshotIdentifier] = &sn
		delete(r.readyAt, "cluster-snapshot:"+sn.DBClusterSnapshotIdentifier)
	}
	for name, max := range seed.Quotas {
		r.quotaMax[name] = max
	}
	return nil
}

// validSeedSnapshot checks a seeded snapshot's identifier: automated ones
// are "rds:<id>", AWS Backup ones "awsbackup:<id>", manual ones plain.
func validSeedSnapshot(id, typ string) error {
	switch typ {
	case "", "manual":
		if err := validIdentifier("DBSnapshotIdentifier", id); err != nil {
			return fmt.Errorf("%s", err.Message)
		}
	case "automated":
		if !strings.HasPrefix(id, "rds:") {
			return fmt.Errorf("an automated snapshot's identifier must start with %q", "rds:")
		}
	case "awsbackup":
		if !strings.HasPrefix(id, "awsbackup:") {
			return fmt.Errorf("an AWS Backup snapshot's identifier must start with %q", "awsbackup:")
		}
	default:
		return fmt.Errorf("SnapshotType %q is not manual, automated or awsbackup", typ)
	}
	return nil
}

// refresh turns snapshots whose creation delay has passed available. The
// caller holds r.mu.
func (r *RDS) refresh(now time.Time) {
	for key, at := range r.readyAt {
		if now.Before(at) {
			continue
		}
		kind, id, _ := strings.Cut(key, ":")
		switch kind {
		case "snapshot":
			if sn, ok := r.snapshots[id]; ok && sn.Status == "creating" {
				sn.Status, sn.PercentProgress = "available", 100
			}
		case "cluster-snapshot":
			if sn, ok := r.clusterSnapshots[id]; ok && sn.Status == "creating" {
				sn.Status, sn.PercentProgress = "available", 100
			}
		}
		delete(r.readyAt, key)
	}
}

// State returns a copy of the RDS state.
func (r *RDS) State() RDSState {
	now := r.srv.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.refresh(now)
	var st RDSState
	for _, g := range sortedValues(r.paramGroups) {
		c := *g
		c.Parameters = maps.Clone(g.Parameters)
		st.ParameterGroups = append(st.ParameterGroups, c)
	}
	for _, g := range sortedValues(r.clusterParamGroups) {
		c := *g
		c.Parameters = maps.Clone(g.Parameters)
		st.ClusterParameterGroups = append(st.ClusterParameterGroups, c)
	}
	for _, in := range sortedValues(r.instances) {
		c := *in
		c.TagList = append([]Tag(nil), in.TagList...)
		st.Instances = append(st.Instances, c)
	}
	for _, cl := range sortedValues(r.clusters) {
		c := *cl
		c.TagList = append([]Tag(nil), cl.TagList...)
		c.DBClusterMembers = r.members(cl)
		st.Clusters = append(st.Clusters, c)
	}
	for _, sn := range sortedValues(r.snapshots) {
		c := *sn
		c.TagList = append([]Tag(nil), sn.TagList...)
		st.Snapshots = append(st.Snapshots, c)
	}
	for _, sn := range sortedValues(r.clusterSnapshots) {
		c := *sn
		c.TagList = append([]Tag(nil), sn.TagList...)
		st.ClusterSnapshots = append(st.ClusterSnapshots, c)
	}
	st.AccountQuotas = r.quotas()
	return st
}

// Snapshot returns one DB snapshot by identifier.
func (r *RDS) Snapshot(id string) (RDSSnapshot, bool) {
	now := r.srv.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.refresh(now)
	sn, ok := r.snapshots[strings.ToLower(id)]
	if !ok {
		return RDSSnapshot{}, false
	}
	c := *sn
	c.TagList = append([]Tag(nil), sn.TagList...)
	return c, true
}

// ClusterSnapshot returns one DB cluster snapshot by identifier.
func (r *RDS) ClusterSnapshot(id string) (RDSClusterSnapshot, bool) {
	now := r.srv.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.refresh(now)
	sn, ok := r.clusterSnapshots[strings.ToLower(id)]
	if !ok {
		return RDSClusterSnapshot{}, false
	}
	c := *sn
	c.TagList = append([]Tag(nil), sn.TagList...)
	return c, true
}

// SetSnapshotStatus forces a DB snapshot's status ("creating", "copying",
// "available"...); it then stays so until set again.
func (r *RDS) SetSnapshotStatus(id, status string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	sn, ok := r.snapshots[strings.ToLower(id)]
	if !ok {
		return fmt.Errorf("set status: DB snapshot %s not found", id)
	}
	sn.Status = status
	delete(r.readyAt, "snapshot:"+sn.DBSnapshotIdentifier)
	return nil
}

// SetClusterSnapshotStatus forces a DB cluster snapshot's status.
func (r *RDS) SetClusterSnapshotStatus(id, status string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	sn, ok := r.clusterSnapshots[strings.ToLower(id)]
	if !ok {
		return fmt.Errorf("set status: DB cluster snapshot %s not found", id)
	}
	sn.Status = status
	delete(r.readyAt, "cluster-snapshot:"+sn.DBClusterSnapshotIdentifier)
	return nil
}

// SetQuota sets the Max of an account quota ("ManualSnapshots").
func (r *RDS) SetQuota(name string, max int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.quotaMax[name] = max
}

func sortedValues[T any](m map[string]*T) []*T {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]*T, len(keys))
	for i, k := range keys {
		out[i] = m[k]
	}
	return out
}

// members returns a cluster's members: the seeded list, or the instances
// that name the cluster. The caller holds r.mu.
func (r *RDS) members(cl *RDSCluster) []RDSClusterMember {
	if len(cl.DBClusterMembers) > 0 {
		return append([]RDSClusterMember(nil), cl.DBClusterMembers...)
	}
	var out []RDSClusterMember
	for _, in := range sortedValues(r.instances) {
		if in.DBClusterIdentifier == cl.DBClusterIdentifier {
			out = append(out, RDSClusterMember{DBInstanceIdentifier: in.DBInstanceIdentifier, IsClusterWriter: len(out) == 0})
		}
	}
	return out
}

// quotas counts usage. The caller holds r.mu.
func (r *RDS) quotas() []RDSAccountQuota {
	used := map[string]int64{
		"DBInstances": int64(len(r.instances)),
		"DBClusters":  int64(len(r.clusters)),
	}
	for _, sn := range r.snapshots {
		if sn.SnapshotType == "manual" {
			used["ManualSnapshots"]++
		}
	}
	for _, sn := range r.clusterSnapshots {
		if sn.SnapshotType == "manual" {
			used["ManualClusterSnapshots"]++
		}
	}
	names := make([]string, 0, len(r.quotaMax))
	for n := range r.quotaMax {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]RDSAccountQuota, 0, len(names))
	for _, n := range names {
		out = append(out, RDSAccountQuota{AccountQuotaName: n, Used: used[n], Max: r.quotaMax[n]})
	}
	return out
}

// ---- XML shapes (element names from the SDK's awsquery deserializers) ----

type xmlTag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

func xmlTags(tags []Tag) []xmlTag {
	out := make([]xmlTag, len(tags))
	for i, t := range tags {
		out[i] = xmlTag(t)
	}
	return out
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(rdsTime)
}

type xmlParameterGroup struct {
	DBParameterGroupName string `xml:"DBParameterGroupName"`
	ParameterApplyStatus string `xml:"ParameterApplyStatus"`
}

type xmlDBInstance struct {
	DBInstanceIdentifier  string              `xml:"DBInstanceIdentifier"`
	DBInstanceClass       string              `xml:"DBInstanceClass"`
	Engine                string              `xml:"Engine"`
	DBInstanceStatus      string              `xml:"DBInstanceStatus"`
	MasterUsername        string              `xml:"MasterUsername"`
	AllocatedStorage      int32               `xml:"AllocatedStorage"`
	InstanceCreateTime    string              `xml:"InstanceCreateTime,omitempty"`
	BackupRetentionPeriod int32               `xml:"BackupRetentionPeriod"`
	DBParameterGroups     []xmlParameterGroup `xml:"DBParameterGroups>DBParameterGroup"`
	AvailabilityZone      string              `xml:"AvailabilityZone"`
	LatestRestorableTime  string              `xml:"LatestRestorableTime,omitempty"`
	MultiAZ               bool                `xml:"MultiAZ"`
	EngineVersion         string              `xml:"EngineVersion"`
	StorageType           string              `xml:"StorageType"`
	DBClusterIdentifier   string              `xml:"DBClusterIdentifier,omitempty"`
	StorageEncrypted      bool                `xml:"StorageEncrypted"`
	KmsKeyId              string              `xml:"KmsKeyId,omitempty"`
	DbiResourceId         string              `xml:"DbiResourceId"`
	CopyTagsToSnapshot    bool                `xml:"CopyTagsToSnapshot"`
	DBInstanceArn         string              `xml:"DBInstanceArn"`
	TagList               []xmlTag            `xml:"TagList>Tag"`
}

func (r *RDS) xmlInstance(in *RDSInstance, now time.Time) xmlDBInstance {
	x := xmlDBInstance{
		DBInstanceIdentifier: in.DBInstanceIdentifier, DBInstanceClass: in.DBInstanceClass, Engine: in.Engine,
		DBInstanceStatus: in.DBInstanceStatus, MasterUsername: in.MasterUsername, AllocatedStorage: in.AllocatedStorage,
		InstanceCreateTime: fmtTime(in.InstanceCreateTime), BackupRetentionPeriod: in.BackupRetentionPeriod,
		AvailabilityZone: in.AvailabilityZone, MultiAZ: in.MultiAZ, EngineVersion: in.EngineVersion,
		StorageType: in.StorageType, DBClusterIdentifier: in.DBClusterIdentifier,
		StorageEncrypted: in.StorageEncrypted, KmsKeyId: in.KmsKeyId, DbiResourceId: in.DbiResourceId,
		CopyTagsToSnapshot: in.CopyTagsToSnapshot, DBInstanceArn: in.DBInstanceArn, TagList: xmlTags(in.TagList),
	}
	if in.BackupRetentionPeriod > 0 && in.DBClusterIdentifier == "" {
		x.LatestRestorableTime = fmtTime(now.Add(-5 * time.Minute).Truncate(time.Second))
	}
	for _, g := range in.DBParameterGroups {
		x.DBParameterGroups = append(x.DBParameterGroups, xmlParameterGroup{DBParameterGroupName: g, ParameterApplyStatus: "in-sync"})
	}
	return x
}

type xmlClusterMember struct {
	DBInstanceIdentifier          string `xml:"DBInstanceIdentifier"`
	IsClusterWriter               bool   `xml:"IsClusterWriter"`
	DBClusterParameterGroupStatus string `xml:"DBClusterParameterGroupStatus"`
	PromotionTier                 int32  `xml:"PromotionTier"`
}

type xmlDBCluster struct {
	AllocatedStorage        int32              `xml:"AllocatedStorage"`
	BackupRetentionPeriod   int32              `xml:"BackupRetentionPeriod"`
	DBClusterIdentifier     string             `xml:"DBClusterIdentifier"`
	DBClusterParameterGroup string             `xml:"DBClusterParameterGroup"`
	Status                  string             `xml:"Status"`
	EarliestRestorableTime  string             `xml:"EarliestRestorableTime,omitempty"`
	LatestRestorableTime    string             `xml:"LatestRestorableTime,omitempty"`
	Engine                  string             `xml:"Engine"`
	EngineVersion           string             `xml:"EngineVersion"`
	Port                    int32              `xml:"Port"`
	MasterUsername          string             `xml:"MasterUsername"`
	DBClusterMembers        []xmlClusterMember `xml:"DBClusterMembers>DBClusterMember"`
	StorageEncrypted        bool               `xml:"StorageEncrypted"`
	KmsKeyId                string             `xml:"KmsKeyId,omitempty"`
	DbClusterResourceId     string             `xml:"DbClusterResourceId"`
	DBClusterArn            string             `xml:"DBClusterArn"`
	ClusterCreateTime       string             `xml:"ClusterCreateTime,omitempty"`
	EngineMode              string             `xml:"EngineMode"`
	CopyTagsToSnapshot      bool               `xml:"CopyTagsToSnapshot"`
	TagList                 []xmlTag           `xml:"TagList>Tag"`
}

func (r *RDS) xmlCluster(cl *RDSCluster, now time.Time) xmlDBCluster {
	x := xmlDBCluster{
		AllocatedStorage: 1, BackupRetentionPeriod: cl.BackupRetentionPeriod, DBClusterIdentifier: cl.DBClusterIdentifier,
		DBClusterParameterGroup: cl.DBClusterParameterGroup, Status: cl.Status, Engine: cl.Engine,
		EngineVersion: cl.EngineVersion, Port: cl.Port, MasterUsername: cl.MasterUsername,
		StorageEncrypted: cl.StorageEncrypted, KmsKeyId: cl.KmsKeyId, DbClusterResourceId: cl.DbClusterResourceId,
		DBClusterArn: cl.DBClusterArn, ClusterCreateTime: fmtTime(cl.ClusterCreateTime), EngineMode: cl.EngineMode,
		CopyTagsToSnapshot: cl.CopyTagsToSnapshot, TagList: xmlTags(cl.TagList),
	}
	if cl.BackupRetentionPeriod > 0 {
		earliest := now.Add(-time.Duration(cl.BackupRetentionPeriod) * 24 * time.Hour)
		if earliest.Before(cl.ClusterCreateTime) {
			earliest = cl.ClusterCreateTime
		}
		x.EarliestRestorableTime = fmtTime(earliest.Truncate(time.Second))
		x.LatestRestorableTime = fmtTime(now.Add(-5 * time.Minute).Truncate(time.Second))
	}
	for i, m := range r.members(cl) {
		x.DBClusterMembers = append(x.DBClusterMembers, xmlClusterMember{
			DBInstanceIdentifier: m.DBInstanceIdentifier, IsClusterWriter: m.IsClusterWriter,
			DBClusterParameterGroupStatus: "in-sync", PromotionTier: int32(i + 1),
		})
	}
	return x
}

type xmlDBSnapshot struct {
	DBSnapshotIdentifier             string   `xml:"DBSnapshotIdentifier"`
	DBInstanceIdentifier             string   `xml:"DBInstanceIdentifier"`
	SnapshotCreateTime               string   `xml:"SnapshotCreateTime,omitempty"`
	Engine                           string   `xml:"Engine"`
	AllocatedStorage                 int32    `xml:"AllocatedStorage"`
	Status                           string   `xml:"Status"`
	Port                             int32    `xml:"Port"`
	AvailabilityZone                 string   `xml:"AvailabilityZone,omitempty"`
	InstanceCreateTime               string   `xml:"InstanceCreateTime,omitempty"`
	MasterUsername                   string   `xml:"MasterUsername,omitempty"`
	EngineVersion                    string   `xml:"EngineVersion,omitempty"`
	SnapshotType                     string   `xml:"SnapshotType"`
	PercentProgress                  int32    `xml:"PercentProgress"`
	StorageType                      string   `xml:"StorageType"`
	Encrypted                        bool     `xml:"Encrypted"`
	KmsKeyId                         string   `xml:"KmsKeyId,omitempty"`
	DBSnapshotArn                    string   `xml:"DBSnapshotArn"`
	IAMDatabaseAuthenticationEnabled bool     `xml:"IAMDatabaseAuthenticationEnabled"`
	DbiResourceId                    string   `xml:"DbiResourceId,omitempty"`
	TagList                          []xmlTag `xml:"TagList>Tag"`
	OriginalSnapshotCreateTime       string   `xml:"OriginalSnapshotCreateTime,omitempty"`
	SnapshotTarget                   string   `xml:"SnapshotTarget"`
	SourceDBSnapshotIdentifier       string   `xml:"SourceDBSnapshotIdentifier,omitempty"`
}

func xmlSnapshot(sn *RDSSnapshot) xmlDBSnapshot {
	original := sn.OriginalSnapshotCreateTime
	if original.IsZero() {
		original = sn.SnapshotCreateTime
	}
	return xmlDBSnapshot{
		DBSnapshotIdentifier: sn.DBSnapshotIdentifier, DBInstanceIdentifier: sn.DBInstanceIdentifier,
		SnapshotCreateTime: fmtTime(sn.SnapshotCreateTime), Engine: sn.Engine, AllocatedStorage: sn.AllocatedStorage,
		Status: sn.Status, Port: sn.Port, AvailabilityZone: sn.AvailabilityZone,
		InstanceCreateTime: fmtTime(sn.InstanceCreateTime), MasterUsername: sn.MasterUsername,
		EngineVersion: sn.EngineVersion, SnapshotType: sn.SnapshotType, PercentProgress: sn.PercentProgress,
		StorageType: sn.StorageType, Encrypted: sn.Encrypted, KmsKeyId: sn.KmsKeyId, DBSnapshotArn: sn.DBSnapshotArn,
		DbiResourceId: sn.DbiResourceId, TagList: xmlTags(sn.TagList),
		OriginalSnapshotCreateTime: fmtTime(original), SnapshotTarget: "region",
		SourceDBSnapshotIdentifier: sn.SourceDBSnapshotIdentifier,
	}
}

type xmlDBClusterSnapshot struct {
	DBClusterSnapshotIdentifier      string   `xml:"DBClusterSnapshotIdentifier"`
	DBClusterIdentifier              string   `xml:"DBClusterIdentifier"`
	SnapshotCreateTime               string   `xml:"SnapshotCreateTime,omitempty"`
	Engine                           string   `xml:"Engine"`
	EngineMode                       string   `xml:"EngineMode"`
	AllocatedStorage                 int32    `xml:"AllocatedStorage"`
	Status                           string   `xml:"Status"`
	Port                             int32    `xml:"Port"`
	ClusterCreateTime                string   `xml:"ClusterCreateTime,omitempty"`
	MasterUsername                   string   `xml:"MasterUsername,omitempty"`
	EngineVersion                    string   `xml:"EngineVersion,omitempty"`
	SnapshotType                     string   `xml:"SnapshotType"`
	PercentProgress                  int32    `xml:"PercentProgress"`
	StorageEncrypted                 bool     `xml:"StorageEncrypted"`
	KmsKeyId                         string   `xml:"KmsKeyId,omitempty"`
	DBClusterSnapshotArn             string   `xml:"DBClusterSnapshotArn"`
	IAMDatabaseAuthenticationEnabled bool     `xml:"IAMDatabaseAuthenticationEnabled"`
	DbClusterResourceId              string   `xml:"DbClusterResourceId,omitempty"`
	TagList                          []xmlTag `xml:"TagList>Tag"`
	SourceDBClusterSnapshotArn       string   `xml:"SourceDBClusterSnapshotArn,omitempty"`
}

func xmlClusterSnapshot(sn *RDSClusterSnapshot) xmlDBClusterSnapshot {
	return xmlDBClusterSnapshot{
		DBClusterSnapshotIdentifier: sn.DBClusterSnapshotIdentifier, DBClusterIdentifier: sn.DBClusterIdentifier,
		SnapshotCreateTime: fmtTime(sn.SnapshotCreateTime), Engine: sn.Engine, EngineMode: sn.EngineMode,
		AllocatedStorage: sn.AllocatedStorage, Status: sn.Status, Port: sn.Port,
		ClusterCreateTime: fmtTime(sn.ClusterCreateTime), MasterUsername: sn.MasterUsername,
		EngineVersion: sn.EngineVersion, SnapshotType: sn.SnapshotType, PercentProgress: sn.PercentProgress,
		StorageEncrypted: sn.StorageEncrypted, KmsKeyId: sn.KmsKeyId, DBClusterSnapshotArn: sn.DBClusterSnapshotArn,
		DbClusterResourceId: sn.DbClusterResourceId, TagList: xmlTags(sn.TagList),
		SourceDBClusterSnapshotArn: sn.SourceDBClusterSnapshotArn,
	}
}

// ---- request helpers ----

// rdsFilters parses Filters.Filter.N, allowing only the named filters.
func rdsFilters(c *Call, allowed ...string) (map[string][]string, error) {
	out := map[string][]string{}
	for _, f := range QueryStructs(c.Form, "Filters.Filter") {
		name := f.Get("Name")
		ok := false
		for _, a := range allowed {
			ok = ok || a == name
		}
		if !ok {
			return nil, NewError(400, "InvalidParameterValue", "Unrecognized filter name: %s. Supported filters: %s", name, strings.Join(allowed, ", "))
		}
		vals := QueryList(f, "Values.Value")
		if len(vals) == 0 {
			return nil, NewError(400, "InvalidParameterValue", "The filter %s needs at least one value", name)
		}
		for _, v := range vals {
			out[name] = append(out[name], idFromARN(v))
		}
	}
	return out, nil
}

// matches reports whether v passes the filter (case-insensitively); a
// missing filter passes everything.
func matches(filters map[string][]string, name, v string) bool {
	vals, ok := filters[name]
	if !ok {
		return true
	}
	v = strings.ToLower(v)
	for _, want := range vals {
		if want == v {
			return true
		}
	}
	return false
}

// rdsPage applies MaxRecords (20..100, default 100) and Marker to items
// sorted by key. Markers name the last item returned, so deleting items
// between pages neither skips nor repeats any.
func rdsPage[T any](c *Call, items []T, key func(T) string) ([]T, string, error) {
	max, present, err := c.IntParam("MaxRecords")
	if err != nil {
		return nil, "", err
	}
	if !present {
		max = 100
	} else if max < 20 || max > 100 {
		return nil, "", NewError(400, "InvalidParameterValue", "Invalid value %d for MaxRecords. Must be between 20 and 100", max)
	}
	sort.Slice(items, func(i, j int) bool { return key(items[i]) < key(items[j]) })
	start := 0
	if m := c.Param("Marker"); m != "" {
		after, err := base64.RawURLEncoding.DecodeString(m)
		if err != nil || len(after) == 0 {
			return nil, "", NewError(400, "InvalidParameterValue", "Invalid Marker %q", m)
		}
		start = sort.Search(len(items), func(i int) bool { return key(items[i]) > string(after) })
	}
	end := min(start+max, len(items))
	page := items[start:end]
	next := ""
	if end < len(items) {
		next = base64.RawURLEncoding.EncodeToString([]byte(key(items[end-1])))
	}
	return page, next, nil
}

func snapshotKey(t time.Time, id string) string {
	return t.UTC().Format("2006-01-02T15:04:05.000000000") + "\x00" + id
}

// parseTags reads Tags.Tag.N and checks AWS's tag rules.
func parseTags(c *Call) ([]Tag, error) {
	var tags []Tag
	for _, t := range QueryStructs(c.Form, "Tags.Tag") {
		k := t.Get("Key")
		if k == "" || len(k) > 128 {
			return nil, NewError(400, "InvalidParameterValue", "Tag keys must be between 1 and 128 characters")
		}
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return nil, NewError(400, "InvalidParameterValue", "Tag keys cannot start with 'aws:' (%s)", k)
		}
		if len(t.Get("Value")) > 256 {
			return nil, NewError(400, "InvalidParameterValue", "Tag values must be at most 256 characters (%s)", k)
		}
		tags = mergeTags(tags, []Tag{{Key: k, Value: t.Get("Value")}})
	}
	if len(tags) > 50 {
		return nil, NewError(400, "TagQuotaPerResourceExceeded", "A resource can have at most 50 tags")
	}
	return tags, nil
}

func mergeTags(tags, add []Tag) []Tag {
	out := append([]Tag(nil), tags...)
	for _, a := range add {
		replaced := false
		for i := range out {
			if out[i].Key == a.Key {
				out[i].Value, replaced = a.Value, true
			}
		}
		if !replaced {
			out = append(out, a)
		}
	}
	return out
}

// ---- operations ----

func (r *RDS) describeDBInstances(c *Call) (any, error) {
	filters, err := rdsFilters(c, "db-cluster-id", "db-instance-id", "dbi-resource-id", "engine")
	if err != nil {
		return nil, err
	}
	id := idFromARN(c.Param("DBInstanceIdentifier"))
	r.mu.Lock()
	defer r.mu.Unlock()
	if id != "" {
		if _, ok := r.instances[id]; !ok {
			return nil, NewError(404, "DBInstanceNotFound", "DBInstance %s not found.", id)
		}
	}
	var items []*RDSInstance
	for _, in := range r.instances {
		if (id == "" || in.DBInstanceIdentifier == id) &&
			matches(filters, "db-instance-id", in.DBInstanceIdentifier) &&
			matches(filters, "db-cluster-id", in.DBClusterIdentifier) &&
			matches(filters, "dbi-resource-id", in.DbiResourceId) &&
			matches(filters, "engine", in.Engine) {
			items = append(items, in)
		}
	}
	page, next, err := rdsPage(c, items, func(in *RDSInstance) string { return in.DBInstanceIdentifier })
	if err != nil {
		return nil, err
	}
	out := struct {
		DBInstances []xmlDBInstance `xml:"DBInstances>DBInstance"`
		Marker      string          `xml:"Marker,omitempty"`
	}{Marker: next, DBInstances: []xmlDBInstance{}}
	for _, in := range page {
		out.DBInstances = append(out.DBInstances, r.xmlInstance(in, c.Now))
	}
	return out, nil
}

func (r *RDS) describeDBClusters(c *Call) (any, error) {
	filters, err := rdsFilters(c, "clone-group-id", "db-cluster-id", "db-cluster-resource-id", "domain", "engine")
	if err != nil {
		return nil, err
	}
	id := idFromARN(c.Param("DBClusterIdentifier"))
	r.mu.Lock()
	defer r.mu.Unlock()
	if id != "" {
		if _, ok := r.clusters[id]; !ok {
			return nil, NewError(404, "DBClusterNotFoundFault", "DBCluster %s not found.", id)
		}
	}
	var items []*RDSCluster
	for _, cl := range r.clusters {
		if (id == "" || cl.DBClusterIdentifier == id) &&
			matches(filters, "db-cluster-id", cl.DBClusterIdentifier) &&
			matches(filters, "db-cluster-resource-id", cl.DbClusterResourceId) &&
			matches(filters, "engine", cl.Engine) &&
			!hasFilter(filters, "clone-group-id") && !hasFilter(filters, "domain") {
			items = append(items, cl)
		}
	}
	page, next, err := rdsPage(c, items, func(cl *RDSCluster) string { return cl.DBClusterIdentifier })
	if err != nil {
		return nil, err
	}
	out := struct {
		DBClusters []xmlDBCluster `xml:"DBClusters>DBCluster"`
		Marker     string         `xml:"Marker,omitempty"`
	}{Marker: next, DBClusters: []xmlDBCluster{}}
	for _, cl := range page {
		out.DBClusters = append(out.DBClusters, r.xmlCluster(cl, c.Now))
	}
	return out, nil
}

func hasFilter(filters map[string][]string, name string) bool {
	_, ok := filters[name]
	return ok
}

// snapshotTypes returns the SnapshotType values a Describe call selects.
// Without one, AWS returns manual and automated snapshots; AWS Backup's
// snapshots of DB instances are manual-like and are returned too (tools
// that list without a type meet them and fail to delete them).
func snapshotTypes(c *Call, backup bool) (map[string]bool, error) {
	switch t := c.Param("SnapshotType"); t {
	case "":
		m := map[string]bool{"manual": true, "automated": true}
		if backup {
			m["awsbackup"] = true
		}
		return m, nil
	case "manual", "automated", "shared", "public":
		return map[string]bool{t: true}, nil
	case "awsbackup":
		if backup {
			return map[string]bool{t: true}, nil
		}
	}
	return nil, NewError(400, "InvalidParameterValue", "Invalid snapshot type: %s", c.Param("SnapshotType"))
}

func (r *RDS) describeDBSnapshots(c *Call) (any, error) {
	filters, err := rdsFilters(c, "db-instance-id", "db-snapshot-id", "dbi-resource-id", "snapshot-type", "engine")
	if err != nil {
		return nil, err
	}
	types, err := snapshotTypes(c, true)
	if err != nil {
		return nil, err
	}
	instance := idFromARN(c.Param("DBInstanceIdentifier"))
	id := idFromARN(c.Param("DBSnapshotIdentifier"))
	dbi := c.Param("DbiResourceId")
	r.mu.Lock()
	defer r.mu.Unlock()
	r.refresh(c.Now)
	if id != "" {
		if _, ok := r.snapshots[id]; !ok {
			return nil, NewError(404, "DBSnapshotNotFound", "DBSnapshot %s not found.", id)
		}
	}
	var items []*RDSSnapshot
	for _, sn := range r.snapshots {
		if (id == "" || sn.DBSnapshotIdentifier == id) &&
			(instance == "" || sn.DBInstanceIdentifier == instance) &&
			(dbi == "" || sn.DbiResourceId == dbi) &&
			(id != "" || types[sn.SnapshotType]) &&
			matches(filters, "db-instance-id", sn.DBInstanceIdentifier) &&
			matches(filters, "db-snapshot-id", sn.DBSnapshotIdentifier) &&
			matches(filters, "dbi-resource-id", sn.DbiResourceId) &&
			matches(filters, "snapshot-type", sn.SnapshotType) &&
			matches(filters, "engine", sn.Engine) {
			items = append(items, sn)
		}
	}
	page, next, err := rdsPage(c, items, func(sn *RDSSnapshot) string { return snapshotKey(sn.SnapshotCreateTime, sn.DBSnapshotIdentifier) })
	if err != nil {
		return nil, err
	}
	out := struct {
		Marker      string          `xml:"Marker,omitempty"`
		DBSnapshots []xmlDBSnapshot `xml:"DBSnapshots>DBSnapshot"`
	}{Marker: next, DBSnapshots: []xmlDBSnapshot{}}
	for _, sn := range page {
		out.DBSnapshots = append(out.DBSnapshots, xmlSnapshot(sn))
	}
	return out, nil
}

func (r *RDS) describeDBClusterSnapshots(c *Call) (any, error) {
	filters, err := rdsFilters(c, "db-cluster-id", "db-cluster-snapshot-id", "snapshot-type", "engine")
	if err != nil {
		return nil, err
	}
	types, err := snapshotTypes(c, false)
	if err != nil {
		return nil, err
	}
	cluster := idFromARN(c.Param("DBClusterIdentifier"))
	id := idFromARN(c.Param("DBClusterSnapshotIdentifier"))
	r.mu.Lock()
	defer r.mu.Unlock()
	r.refresh(c.Now)
	if id != "" {
		if _, ok := r.clusterSnapshots[id]; !ok {
			return nil, NewError(404, "DBClusterSnapshotNotFoundFault", "DBClusterSnapshot %s not found.", id)
		}
	}
	var items []*RDSClusterSnapshot
	for _, sn := range r.clusterSnapshots {
		if (id == "" || sn.DBClusterSnapshotIdentifier == id) &&
			(cluster == "" || sn.DBClusterIdentifier == cluster) &&
			(id != "" || types[sn.SnapshotType]) &&
			matches(filters, "db-cluster-id", sn.DBClusterIdentifier) &&
			matches(filters, "db-cluster-snapshot-id", sn.DBClusterSnapshotIdentifier) &&
			matches(filters, "snapshot-type", sn.SnapshotType) &&
			matches(filters, "engine", sn.Engine) {
			items = append(items, sn)
		}
	}
	page, next, err := rdsPage(c, items, func(sn *RDSClusterSnapshot) string {
		return snapshotKey(sn.SnapshotCreateTime, sn.DBClusterSnapshotIdentifier)
	})
	if err != nil {
		return nil, err
	}
	out := struct {
		Marker             string                 `xml:"Marker,omitempty"`
		DBClusterSnapshots []xmlDBClusterSnapshot `xml:"DBClusterSnapshots>DBClusterSnapshot"`
	}{Marker: next, DBClusterSnapshots: []xmlDBClusterSnapshot{}}
	for _, sn := range page {
		out.DBClusterSnapshots = append(out.DBClusterSnapshots, xmlClusterSnapshot(sn))
	}
	return out, nil
}

func (r *RDS) createDBSnapshot(c *Call) (any, error) {
	id, instanceID := c.Param("DBSnapshotIdentifier"), c.Param("DBInstanceIdentifier")
	if id == "" || instanceID == "" {
		return nil, NewError(400, "MissingParameter", "CreateDBSnapshot needs DBSnapshotIdentifier and DBInstanceIdentifier")
	}
	if err := validIdentifier("DBSnapshotIdentifier", id); err != nil {
		return nil, err
	}
	tags, err := parseTags(c)
	if err != nil {
		return nil, err
	}
	id, instanceID = strings.ToLower(id), idFromARN(instanceID)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.refresh(c.Now)
	in, ok := r.instances[instanceID]
	if !ok {
		return nil, NewError(404, "DBInstanceNotFound", "DBInstance %s not found.", instanceID)
	}
	if in.DBClusterIdentifier != "" {
		return nil, NewError(400, "InvalidDBInstanceState", "The specified instance is a member of a cluster and a snapshot cannot be created directly. Please use the CreateDBClusterSnapshot API instead.")
	}
	if in.DBInstanceStatus != "available" {
		return nil, NewError(400, "InvalidDBInstanceState", "Cannot create a snapshot because the database instance %s is not currently in the available state.", instanceID)
	}
	if _, dup := r.snapshots[id]; dup {
		return nil, NewError(400, "DBSnapshotAlreadyExists", "Cannot create the snapshot because a snapshot with the identifier %s already exists.", id)
	}
	for _, q := range r.quotas() {
		if q.AccountQuotaName == "ManualSnapshots" && q.Used >= q.Max {
			return nil, NewError(400, "SnapshotQuotaExceeded", "Cannot create more than %d manual snapshots", q.Max)
		}
	}
	if len(tags) == 0 && in.CopyTagsToSnapshot {
		tags = append([]Tag(nil), in.TagList...)
	}
	sn := &RDSSnapshot{
		DBSnapshotIdentifier: id, DBInstanceIdentifier: instanceID, SnapshotType: "manual", Status: "creating",
		SnapshotCreateTime: c.Now.UTC().Truncate(time.Millisecond), TagList: tags,
	}
	r.fillSnapshot(sn, c.Now)
	sn.PercentProgress = 0
	r.snapshots[id] = sn
	r.readyAt["snapshot:"+id] = c.Now.Add(r.srv.opts.SnapshotCreateDelay)
	return struct {
		DBSnapshot xmlDBSnapshot `xml:"DBSnapshot"`
	}{xmlSnapshot(sn)}, nil
}

func (r *RDS) createDBClusterSnapshot(c *Call) (any, error) {
	id, clusterID := c.Param("DBClusterSnapshotIdentifier"), c.Param("DBClusterIdentifier")
	if id == "" || clusterID == "" {
		return nil, NewError(400, "MissingParameter", "CreateDBClusterSnapshot needs DBClusterSnapshotIdentifier and DBClusterIdentifier")
	}
	if err := validIdentifier("DBClusterSnapshotIdentifier", id); err != nil {
		return nil, err
	}
	tags, err := parseTags(c)
	if err != nil {
		return nil, err
	}
	id, clusterID = strings.ToLower(id), idFromARN(clusterID)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.refresh(c.Now)
	cl, ok := r.clusters[clusterID]
	if !ok {
		return nil, NewError(404, "DBClusterNotFoundFault", "DBCluster %s not found.", clusterID)
	}
	if cl.Status != "available" {
		return nil, NewError(400, "InvalidDBClusterStateFault", "DBCluster %s is not in the available state.", clusterID)
	}
	if _, dup := r.clusterSnapshots[id]; dup {
		return nil, NewError(400, "DBClusterSnapshotAlreadyExistsFault", "Cannot create the cluster snapshot because one with the identifier %s already exists.", id)
	}
	for _, q := range r.quotas() {
		if q.AccountQuotaName == "ManualClusterSnapshots" && q.Used >= q.Max {
			return nil, NewError(400, "SnapshotQuotaExceeded", "Cannot create more than %d manual cluster snapshots", q.Max)
		}
	}
	if len(tags) == 0 && cl.CopyTagsToSnapshot {
		tags = append([]Tag(nil), cl.TagList...)
	}
	sn := &RDSClusterSnapshot{
		DBClusterSnapshotIdentifier: id, DBClusterIdentifier: clusterID, SnapshotType: "manual", Status: "creating",
		SnapshotCreateTime: c.Now.UTC().Truncate(time.Millisecond), TagList: tags,
	}
	r.fillClusterSnapshot(sn, c.Now)
	sn.PercentProgress = 0
	r.clusterSnapshots[id] = sn
	r.readyAt["cluster-snapshot:"+id] = c.Now.Add(r.srv.opts.SnapshotCreateDelay)
	return struct {
		DBClusterSnapshot xmlDBClusterSnapshot `xml:"DBClusterSnapshot"`
	}{xmlClusterSnapshot(sn)}, nil
}

func (r *RDS) deleteDBSnapshot(c *Call) (any, error) {
	id := strings.ToLower(c.Param("DBSnapshotIdentifier"))
	if id == "" {
		return nil, NewError(400, "MissingParameter", "DeleteDBSnapshot needs DBSnapshotIdentifier")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.refresh(c.Now)
	sn, ok := r.snapshots[id]
	if !ok {
		return nil, NewError(404, "DBSnapshotNotFound", "DBSnapshot %s not found.", id)
	}
	switch {
	case sn.SnapshotType == "automated":
		return nil, NewError(400, "InvalidDBSnapshotState", "Only manual snapshots may be deleted.")
	case sn.SnapshotType == "awsbackup":
		return nil, NewError(400, "InvalidParameterValue", "This snapshot is managed by the AWS Backup service and cannot be deleted via RDS APIs. If you wish to delete this snapshot, please do so via the Backup console.")
	case sn.Status != "available" && sn.Status != "failed":
		return nil, NewError(400, "InvalidDBSnapshotState", "Cannot delete the snapshot because it is not in the available state (it is %s).", sn.Status)
	}
	delete(r.snapshots, id)
	deleted := *sn
	deleted.Status = "deleted"
	return struct {
		DBSnapshot xmlDBSnapshot `xml:"DBSnapshot"`
	}{xmlSnapshot(&deleted)}, nil
}

func (r *RDS) deleteDBClusterSnapshot(c *Call) (any, error) {
	id := strings.ToLower(c.Param("DBClusterSnapshotIdentifier"))
	if id == "" {
		return nil, NewError(400, "MissingParameter", "DeleteDBClusterSnapshot needs DBClusterSnapshotIdentifier")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.refresh(c.Now)
	sn, ok := r.clusterSnapshots[id]
	if !ok {
		return nil, NewError(404, "DBClusterSnapshotNotFoundFault", "DBClusterSnapshot %s not found.", id)
	}
	switch {
	case sn.SnapshotType != "manual":
		return nil, NewError(400, "InvalidDBClusterSnapshotStateFault", "Only manual snapshots may be deleted.")
	case sn.Status != "available" && sn.Status != "failed":
		return nil, NewError(400, "InvalidDBClusterSnapshotStateFault", "Cannot delete the cluster snapshot because it is not in the available state (it is %s).", sn.Status)
	}
	delete(r.clusterSnapshots, id)
	deleted := *sn
	deleted.Status = "deleted"
	return struct {
		DBClusterSnapshot xmlDBClusterSnapshot `xml:"DBClusterSnapshot"`
	}{xmlClusterSnapshot(&deleted)}, nil
}

// taggable finds the tag list of the resource an ARN names. The caller holds r.mu.
func (r *RDS) taggable(arn string) (*[]Tag, error) {
	parts := strings.SplitN(arn, ":", 7)
	if len(parts) != 7 || parts[0] != "arn" || parts[2] != "rds" {
		return nil, NewError(400, "InvalidParameterValue", "Invalid resource name: %s", arn)
	}
	kind, id := parts[5], strings.ToLower(parts[6])
	switch kind {
	case "db":
		if in, ok := r.instances[id]; ok {
			return &in.TagList, nil
		}
		return nil, NewError(404, "DBInstanceNotFound", "DBInstance %s not found.", id)
	case "cluster":
		if cl, ok := r.clusters[id]; ok {
			return &cl.TagList, nil
		}
		return nil, NewError(404, "DBClusterNotFoundFault", "DBCluster %s not found.", id)
	case "snapshot":
		if sn, ok := r.snapshots[id]; ok {
			return &sn.TagList, nil
		}
		return nil, NewError(404, "DBSnapshotNotFound", "DBSnapshot %s not found.", id)
	case "cluster-snapshot":
		if sn, ok := r.clusterSnapshots[id]; ok {
			return &sn.TagList, nil
		}
		return nil, NewError(404, "DBClusterSnapshotNotFoundFault", "DBClusterSnapshot %s not found.", id)
	}
	return nil, NewError(400, "InvalidParameterValue", "Invalid resource name: %s (the simulator tags db, cluster, snapshot and cluster-snapshot)", arn)
}

func (r *RDS) addTagsToResource(c *Call) (any, error) {
	tags, err := parseTags(c)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	list, err := r.taggable(c.Param("ResourceName"))
	if err != nil {
		return nil, err
	}
	merged := mergeTags(*list, tags)
	if len(merged) > 50 {
		return nil, NewError(400, "TagQuotaPerResourceExceeded", "A resource can have at most 50 tags")
	}
	*list = merged
	return nil, nil
}

func (r *RDS) listTagsForResource(c *Call) (any, error) {
	if len(QueryStructs(c.Form, "Filters.Filter")) > 0 {
		return nil, NewError(400, "InvalidParameterValue", "ListTagsForResource does not support filters")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	list, err := r.taggable(c.Param("ResourceName"))
	if err != nil {
		return nil, err
	}
	return struct {
		TagList []xmlTag `xml:"TagList>Tag"`
	}{xmlTags(*list)}, nil
}

func (r *RDS) removeTagsFromResource(c *Call) (any, error) {
	keys := QueryList(c.Form, "TagKeys.member")
	r.mu.Lock()
	defer r.mu.Unlock()
	list, err := r.taggable(c.Param("ResourceName"))
	if err != nil {
		return nil, err
	}
	kept := (*list)[:0:0]
	for _, t := range *list {
		remove := false
		for _, k := range keys {
			remove = remove || k == t.Key
		}
		if !remove {
			kept = append(kept, t)
		}
	}
	*list = kept
	return nil, nil
}

func (r *RDS) describeAccountAttributes(c *Call) (any, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	type quota struct {
		XMLName          xml.Name `xml:"AccountQuota"`
		AccountQuotaName string   `xml:"AccountQuotaName"`
		Used             int64    `xml:"Used"`
		Max              int64    `xml:"Max"`
	}
	out := struct {
		AccountQuotas []quota `xml:"AccountQuotas>AccountQuota"`
	}{}
	for _, q := range r.quotas() {
		out.AccountQuotas = append(out.AccountQuotas, quota{AccountQuotaName: q.AccountQuotaName, Used: q.Used, Max: q.Max})
	}
	return out, nil
}
