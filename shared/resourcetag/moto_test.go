//go:build linux

package resourcetag_test

// A second opinion on the tag lookups: the real SDK clients against moto
// 5.2.1 (an independent AWS emulator, preinstalled on this machine kind),
// where the other tests use fakes. Where moto answers differently from AWS
// the sub-case is skipped, naming the gap.

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/pledge-dev/pledge/shared/finding"
	"github.com/pledge-dev/pledge/shared/resourcetag"
)

// startMoto runs moto_server on a port it picks and prints (-p0), returns
// its URL once it answers, and kills its process group when the test ends.
func startMoto(t *testing.T) string {
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		t.Skip("moto_server is not on PATH: this second opinion needs moto 5.2.1 (Python package moto, with its server)")
	}
	logPath := filepath.Join(t.TempDir(), "moto.log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p0")
	cmd.Stdout, cmd.Stderr, cmd.Env = logf, logf, append(os.Environ(), "PYTHONUNBUFFERED=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start moto_server: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); <-exited; logf.Close() })
	running := regexp.MustCompile(`Running on (http://127\.0\.0\.1:\d+)`)
	hc := &http.Client{Timeout: time.Second}
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
		out, _ := os.ReadFile(logPath)
		if m := running.FindSubmatch(out); m != nil {
			if resp, err := hc.Get(string(m[1]) + "/moto-api/"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return string(m[1])
				}
			}
		}
		select {
		case <-exited:
			t.Fatalf("moto_server exited before it answered: %s", out)
		case <-time.After(50 * time.Millisecond):
		}
	}
	out, _ := os.ReadFile(logPath)
	t.Fatalf("moto_server did not answer within 20s: %s", out)
	return ""
}

// motoConfig is an SDK configuration for endpoint with dummy credentials.
func motoConfig(endpoint string, attempts int) aws.Config {
	return aws.Config{Region: region, Credentials: credentials.NewStaticCredentialsProvider("AKIDMOTOTESTING", "moto-secret", ""),
		BaseEndpoint: aws.String(endpoint), RetryMaxAttempts: attempts}
}

// lookupFor wires SDK clients as the finding-notifier does (newTagLookup).
func lookupFor(cfg aws.Config) *resourcetag.Lookup {
	return &resourcetag.Lookup{EC2: ec2.NewFromConfig(cfg), EKS: eks.NewFromConfig(cfg), RDS: rds.NewFromConfig(cfg),
		Lambda: lambda.NewFromConfig(cfg), ECS: ecs.NewFromConfig(cfg), IAM: iam.NewFromConfig(cfg)}
}

// lambdaRecorder notes the ARNs the lookup asks Lambda about: moto 5.2.1
// finds a function by the name in the ARN alone (its account and region
// are ignored), so a wrongly built ARN would otherwise pass unseen.
type lambdaRecorder struct {
	resourcetag.LambdaAPI
	arns []string
}

func (r *lambdaRecorder) ListTags(ctx context.Context, in *lambda.ListTagsInput, o ...func(*lambda.Options)) (*lambda.ListTagsOutput, error) {
	r.arns = append(r.arns, aws.ToString(in.Resource))
	return r.LambdaAPI.ListTags(ctx, in, o...)
}

// motoWorld is what seed created: ids, names and the ARNs moto gave them.
type motoWorld struct {
	account, inst1, inst10, vol1, sg, eksName, eksARN, dbARN string
	ecsARN, fn, fnARN, role, user, userARN, key              string
}

func tenantTag(id string) []ec2types.Tag {
	return []ec2types.Tag{{Key: aws.String(finding.DefaultTenantTag), Value: aws.String(id)}}
}

// must(call(...))(t, what) is call's result, or the test fails naming what.
func must[T any](v T, err error) func(t *testing.T, what string) T {
	return func(t *testing.T, what string) T {
		t.Helper()
		if err != nil {
			t.Fatalf("seed moto: %s: %v", what, err)
		}
		return v
	}
}

// seed creates, with the calls boto would make, resources of tenant-1
// (instance, volume), tenant-10 (instance), tenant-2 (EKS), tenant-3 (RDS),
// tenant-4 (Lambda), tenant-5 (ECS), tenant-6 (IAM role), tenant-7 (IAM
// user with an access key), and an untagged security group.
func seed(ctx context.Context, t *testing.T, cfg aws.Config) motoWorld {
	var w motoWorld
	ec2c, eksc, rdsc, lamc, ecsc, iamc := ec2.NewFromConfig(cfg), eks.NewFromConfig(cfg), rds.NewFromConfig(cfg), lambda.NewFromConfig(cfg), ecs.NewFromConfig(cfg), iam.NewFromConfig(cfg)
	run := func(tenant string) string {
		out := must(ec2c.RunInstances(ctx, &ec2.RunInstancesInput{
			ImageId: aws.String("ami-12c6146b"), InstanceType: ec2types.InstanceTypeT3Micro, MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
			TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeInstance,
				Tags: append(tenantTag(tenant), ec2types.Tag{Key: aws.String("Name"), Value: aws.String("web-" + tenant)})}},
		}))(t, "ec2:RunInstances")
		return aws.ToString(out.Instances[0].InstanceId)
	}
	w.inst1, w.inst10 = run("tenant-1"), run("tenant-10")
	w.vol1 = aws.ToString(must(ec2c.CreateVolume(ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String(region + "a"), Size: aws.Int32(8),
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeVolume, Tags: tenantTag("tenant-1")}}}))(t, "ec2:CreateVolume").VolumeId)
	w.sg = aws.ToString(must(ec2c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
		GroupName: aws.String("untagged"), Description: aws.String("no tags")}))(t, "ec2:CreateSecurityGroup").GroupId)
	w.role = "tenant-6-app"
	roleOut := must(iamc.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(w.role),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`),
		Tags:                     []iamtypes.Tag{{Key: aws.String(finding.DefaultTenantTag), Value: aws.String("tenant-6")}}}))(t, "iam:CreateRole")
	roleARN := aws.ToString(roleOut.Role.Arn)
	w.account = strings.Split(roleARN, ":")[4]
	w.user = "tenant-7-deployer"
	w.userARN = aws.ToString(must(iamc.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(w.user),
		Tags: []iamtypes.Tag{{Key: aws.String(finding.DefaultTenantTag), Value: aws.String("tenant-7")}}}))(t, "iam:CreateUser").User.Arn)
	w.key = aws.ToString(must(iamc.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(w.user)}))(t, "iam:CreateAccessKey").AccessKey.AccessKeyId)
	w.eksName = "tenant-2-cluster"
	w.eksARN = aws.ToString(must(eksc.CreateCluster(ctx, &eks.CreateClusterInput{Name: aws.String(w.eksName), RoleArn: aws.String(roleARN),
		ResourcesVpcConfig: &ekstypes.VpcConfigRequest{SubnetIds: []string{"subnet-0123456789abcdef0"}},
		Tags:               map[string]string{finding.DefaultTenantTag: "tenant-2"}}))(t, "eks:CreateCluster").Cluster.Arn)
	w.dbARN = aws.ToString(must(rdsc.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{DBInstanceIdentifier: aws.String("tenant-3-db"),
		DBInstanceClass: aws.String("db.t3.micro"), Engine: aws.String("postgres"), AllocatedStorage: aws.Int32(20),
		MasterUsername: aws.String("pledge"), MasterUserPassword: aws.String("not-a-secret-1"),
		Tags: []rdstypes.Tag{{Key: aws.String(finding.DefaultTenantTag), Value: aws.String("tenant-3")}}}))(t, "rds:CreateDBInstance").DBInstance.DBInstanceArn)
	var zipped bytes.Buffer
	zw := zip.NewWriter(&zipped)
	fw := must(zw.Create("index.py"))(t, "zip")
	must(fw.Write([]byte("def handler(event, context):\n    return None\n")))(t, "zip")
	must(0, zw.Close())(t, "zip")
	w.fn = "tenant-4-fn"
	w.fnARN = aws.ToString(must(lamc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String(w.fn), Role: aws.String(roleARN),
		Runtime: lambdatypes.RuntimePython312, Handler: aws.String("index.handler"), Code: &lambdatypes.FunctionCode{ZipFile: zipped.Bytes()},
		Tags: map[string]string{finding.DefaultTenantTag: "tenant-4"}}))(t, "lambda:CreateFunction").FunctionArn)
	w.ecsARN = aws.ToString(must(ecsc.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("tenant-5-cluster"),
		Tags: []ecstypes.Tag{{Key: aws.String(finding.DefaultTenantTag), Value: aws.String("tenant-5")}}}))(t, "ecs:CreateCluster").Cluster.ClusterArn)
	return w
}

func tenantsOf(f *finding.Finding) []string {
	var out []string
	for _, r := range f.Resources {
		out = append(out, tenantOf(r))
	}
	return out
}

// recipients is the route's tenants, each with why and the resources it is
// told about: "tag-lookup: i-1 vol-1".
func recipients(rt finding.Route) map[string]string {
	m := map[string]string{}
	for _, r := range rt.Recipients {
		var why, ids []string
		for _, x := range r.Reasons {
			why = append(why, string(x.Kind))
		}
		for _, x := range r.Resources {
			ids = append(ids, x.ID)
		}
		m[r.TenantID] = strings.Join(slices.Compact(why), ",") + ": " + strings.Join(ids, " ")
	}
	return m
}

func TestMoto_TagLookups(t *testing.T) {
	if testing.Short() {
		t.Skip("starts moto_server: not in -short")
	}
	url := startMoto(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	w := seed(ctx, t, motoConfig(url, 3))
	l := lookupFor(motoConfig(url, 3))
	lam := &lambdaRecorder{LambdaAPI: l.Lambda}
	l.Lambda = lam
	var dir []finding.Tenant
	for _, id := range []string{"tenant-1", "tenant-2", "tenant-3", "tenant-4", "tenant-5", "tenant-6", "tenant-7", "tenant-10"} {
		dir = append(dir, finding.Tenant{ID: id, Status: finding.StatusActive})
	}
	policy := finding.Policy{Threshold: finding.Low}
	newF := func(rs ...finding.Resource) *finding.Finding {
		return &finding.Finding{ID: "moto", Account: w.account, Region: region, Band: finding.High, Scope: finding.ScopeResource, Resources: rs}
	}
	// enrich is what the notifier does: a fresh session per event.
	enrich := func(t *testing.T, f *finding.Finding) resourcetag.Report {
		t.Helper()
		rep, err := l.Start().Enrich(ctx, f)
		if err != nil {
			t.Fatalf("Enrich: %v", err)
		}
		return rep
	}

	t.Run("EveryKindResolvesToItsTenant", func(t *testing.T) {
		f := newF(
			finding.Resource{Kind: finding.KindInstance, ID: w.inst1, Tags: map[string]string{"Name": "from-finding"}},
			finding.Resource{Kind: finding.KindEBSVolume, ID: w.vol1},
			finding.Resource{Kind: finding.KindEKSCluster, ID: w.eksName, ARN: w.eksARN},
			finding.Resource{Kind: finding.KindRDSInstance, ID: "tenant-3-db", ARN: w.dbARN},
			finding.Resource{Kind: finding.KindLambda, ID: w.fn}, // no ARN: built from the finding's account and region
			finding.Resource{Kind: finding.KindECSCluster, ID: "tenant-5-cluster", ARN: w.ecsARN},
			finding.Resource{Kind: finding.KindIAMRole, ID: w.role},
		)
		lam.arns = nil
		rep := enrich(t, f)
		if !slices.Equal(lam.arns, []string{w.fnARN}) {
			t.Errorf("lambda:ListTags asked about %v, want the function's own ARN %s", lam.arns, w.fnARN)
		}
		if got, want := tenantsOf(f), []string{"tenant-1", "tenant-1", "tenant-2", "tenant-3", "tenant-4", "tenant-5", "tenant-6"}; !slices.Equal(got, want) {
			t.Errorf("tenants %v, want %v (report %+v)", got, want, rep)
		}
		if got := f.Resources[0].Tags["Name"]; got != "from-finding" {
			t.Errorf("instance Name = %q: the finding's own tag must win over the looked-up web-tenant-1", got)
		}
		if rep.Calls != 6 || len(rep.LookedUp) != 7 || rep.Failed != nil || rep.Skipped != nil {
			t.Errorf("report %+v: want 6 calls (EC2 ids share one), 7 looked up, nothing failed or skipped", rep)
		}
		want := map[string]string{"tenant-1": "tag-lookup: " + w.inst1 + " " + w.vol1, "tenant-2": "tag-lookup: " + w.eksName, "tenant-3": "tag-lookup: tenant-3-db",
			"tenant-4": "tag-lookup: " + w.fn, "tenant-5": "tag-lookup: tenant-5-cluster", "tenant-6": "tag-lookup: " + w.role}
		if got := recipients(policy.Route(*f, dir)); !reflect.DeepEqual(got, want) {
			t.Errorf("route recipients %v, want %v (tag-lookup: TagsLookedUp set)", got, want)
		}
	})

	t.Run("AccessKeyResolvesToItsUser", func(t *testing.T) {
		if !strings.HasPrefix(w.key, "AKIA") {
			t.Skipf("moto gap: iam:CreateAccessKey gave %q, not an AKIA long-term key id", w.key)
		}
		f := newF(finding.Resource{Kind: finding.KindAccessKey, ID: w.key})
		rep := enrich(t, f)
		if len(f.Resources) != 2 {
			t.Fatalf("resources %+v: want the key's user added", f.Resources)
		}
		u := f.Resources[1]
		if u.Kind != finding.KindIAMUser || u.ID != w.user || u.ARN != w.userARN || tenantOf(u) != "tenant-7" || !u.TagsLookedUp {
			t.Errorf("added %+v: want iam-user %s, ARN %s (as IAM gave it), tenant-7 looked up", u, w.user, w.userARN)
		}
		if rep.Calls != 2 || !slices.Equal(rep.LookedUp, []string{"iam-user:" + w.user}) || rep.Failed != nil {
			t.Errorf("report %+v: want GetAccessKeyLastUsed then ListUserTags", rep)
		}
		if got := recipients(policy.Route(*f, dir)); !reflect.DeepEqual(got, map[string]string{"tenant-7": "tag-lookup: " + w.user}) {
			t.Errorf("route recipients %v, want tenant-7 for its user", got)
		}
	})

	t.Run("TenantOneNeverMatchesTenantTen", func(t *testing.T) {
		f := newF(finding.Resource{Kind: finding.KindInstance, ID: w.inst10}, finding.Resource{Kind: finding.KindInstance, ID: w.inst1})
		rep := enrich(t, f)
		if got := tenantsOf(f); !slices.Equal(got, []string{"tenant-10", "tenant-1"}) || rep.Calls != 1 {
			t.Errorf("tenants %v in %d calls, want [tenant-10 tenant-1] in one DescribeTags", got, rep.Calls)
		}
		want := map[string]string{"tenant-1": "tag-lookup: " + w.inst1, "tenant-10": "tag-lookup: " + w.inst10}
		if got := recipients(policy.Route(*f, dir)); !reflect.DeepEqual(got, want) {
			t.Errorf("route recipients %v, want %v", got, want)
		}
	})

	t.Run("UntaggedAndUnknownEC2AreUnrouted", func(t *testing.T) {
		const ghost = "i-0123456789abcdef0"
		f := newF(finding.Resource{Kind: finding.KindSecurityGroup, ID: w.sg}, finding.Resource{Kind: finding.KindInstance, ID: ghost})
		rep := enrich(t, f)
		for _, r := range f.Resources {
			if r.Tags != nil || r.TagsLookedUp {
				t.Errorf("%s:%s = %+v, want no tags found", r.Kind, r.ID, r)
			}
		}
		if rep.Calls != 1 || len(rep.LookedUp) != 2 || rep.Failed != nil {
			t.Errorf("report %+v: want one DescribeTags, both looked up, none failed (AWS answers an empty list)", rep)
		}
		rt := policy.Route(*f, dir)
		if !rt.Unrouted || rt.OpsReason != finding.OpsUnrouted || rt.Recipients != nil ||
			!slices.Equal(rt.UnroutedResources, []string{"ec2-security-group:" + w.sg, "ec2-instance:" + ghost}) {
			t.Errorf("route %+v: want unrouted, for ops, naming both", rt)
		}
	})

	t.Run("UnknownResourcesAreReportedNotFatal", func(t *testing.T) {
		f := newF(
			finding.Resource{Kind: finding.KindEKSCluster, ID: "no-such-cluster"},
			finding.Resource{Kind: finding.KindLambda, ID: "no-such-fn"},
			finding.Resource{Kind: finding.KindECSCluster, ID: "no-such-ecs", ARN: "arn:aws:ecs:" + region + ":" + w.account + ":cluster/no-such-ecs"},
			finding.Resource{Kind: finding.KindIAMRole, ID: "no-such-role"},
			finding.Resource{Kind: finding.KindIAMUser, ID: "no-such-user"},
		)
		rep := enrich(t, f)
		want := map[string]string{"eks-cluster:no-such-cluster": "ResourceNotFoundException", "lambda-function:no-such-fn": "ResourceNotFoundException",
			"ecs-cluster:no-such-ecs": "", "iam-role:no-such-role": "NoSuchEntity", "iam-user:no-such-user": "NoSuchEntity"}
		got := map[string]string{}
		for _, fl := range rep.Failed {
			got[fl.Resource] = fl.Error
		}
		for name, code := range want {
			if e, ok := got[name]; !ok || !strings.Contains(e, code) {
				t.Errorf("%s: failure %q (recorded %v), want it recorded naming %q", name, e, ok, code)
			}
		}
		if len(got) != len(want) || rep.LookedUp != nil || rep.Calls != 5 || slices.ContainsFunc(tenantsOf(f), func(s string) bool { return s != "" }) {
			t.Errorf("report %+v, tenants %v: want exactly the five failures, nothing looked up, no tenant", rep, tenantsOf(f))
		}
		k := newF(finding.Resource{Kind: finding.KindAccessKey, ID: "AKIAZZZZZZZZZZZZZZZZ"})
		rep = enrich(t, k)
		if len(k.Resources) != 1 || len(rep.Failed) != 1 || rep.Failed[0].Resource != "iam-access-key:AKIAZZZZZZZZZZZZZZZZ" {
			t.Errorf("unknown access key: resources %+v, report %+v; want it recorded, no user added", k.Resources, rep)
		}
		// A temporary key (ASIA) is a session's: IAM is not asked.
		a := newF(finding.Resource{Kind: finding.KindAccessKey, ID: "ASIA" + w.key[4:]})
		if rep = enrich(t, a); rep.Calls != 0 || rep.Failed != nil || len(a.Resources) != 1 {
			t.Errorf("temporary key: report %+v, resources %+v; want no call", rep, a.Resources)
		}
	})

	t.Run("UnknownRDSResourceIsReported", func(t *testing.T) {
		f := newF(finding.Resource{Kind: finding.KindRDSInstance, ID: "no-such-db", ARN: "arn:aws:rds:" + region + ":" + w.account + ":db:no-such-db"})
		rep := enrich(t, f)
		if rep.Failed == nil && slices.Equal(rep.LookedUp, []string{"rds-db-instance:no-such-db"}) {
			t.Skip("moto 5.2.1 gap: rds:ListTagsForResource on an unknown DB instance ARN answers an empty tag list; AWS answers DBInstanceNotFound")
		}
		if len(rep.Failed) != 1 || !strings.Contains(rep.Failed[0].Error, "DBInstanceNotFound") {
			t.Errorf("report %+v, want the unknown DB instance recorded as DBInstanceNotFound", rep)
		}
	})

	t.Run("SessionCachesAnswers", func(t *testing.T) {
		rs := []finding.Resource{{Kind: finding.KindInstance, ID: w.inst1}, {Kind: finding.KindEKSCluster, ID: w.eksName}, {Kind: finding.KindEKSCluster, ID: "no-such-cluster"}}
		s := l.Start()
		for i, wantCalls := range []int{3, 0} {
			f := newF(slices.Clone(rs)...)
			rep, err := s.Enrich(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if got := tenantsOf(f); rep.Calls != wantCalls || !slices.Equal(got, []string{"tenant-1", "tenant-2", ""}) || len(rep.Failed) != 1 {
				t.Errorf("event %d in one session: %d calls, tenants %v, failed %v; want %d calls, [tenant-1 tenant-2 ''], the unknown cluster failed",
					i+1, rep.Calls, got, rep.Failed, wantCalls)
			}
		}
		// A resource that carries the tenant tag is not looked up: AWS's
		// Name tag does not appear.
		f := newF(finding.Resource{Kind: finding.KindInstance, ID: w.inst1, Tags: map[string]string{finding.DefaultTenantTag: "tenant-1"}})
		if rep := enrich(t, f); rep.Calls != 0 || f.Resources[0].TagsLookedUp || len(f.Resources[0].Tags) != 1 {
			t.Errorf("tagged resource: %d calls, %+v; want no lookup", rep.Calls, f.Resources[0])
		}
	})

	t.Run("UnreachableEndpointIsTransient", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		dead := "http://" + ln.Addr().String()
		ln.Close()
		down := lookupFor(motoConfig(dead, 1))
		for _, r := range []finding.Resource{{Kind: finding.KindInstance, ID: w.inst1}, {Kind: finding.KindEKSCluster, ID: w.eksName}, {Kind: finding.KindAccessKey, ID: w.key}} {
			f := newF(r)
			before := slices.Clone(f.Resources)
			_, err := down.Start().Enrich(ctx, f)
			if !errors.Is(err, resourcetag.ErrTransient) || !reflect.DeepEqual(f.Resources, before) {
				t.Errorf("%s with AWS unreachable: err %v, resources %+v; want ErrTransient and the finding unchanged", r.Kind, err, f.Resources)
			}
		}
	})
}
