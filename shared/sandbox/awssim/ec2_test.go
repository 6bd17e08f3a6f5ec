package awssim_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"github.com/pledge-dev/pledge/shared/sandbox/awssim"
)

// fleet returns n instance ids i-00000000000000001...
func fleet(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("i-%017x", i+1)
	}
	return ids
}

func apiCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}

func newEC2(t *testing.T) (*awssim.Server, *ec2.Client) {
	t.Helper()
	srv, url := start(t, awssim.Options{Now: (&testClock{t: t0}).Now})
	var instances []awssim.EC2Instance
	for i, id := range fleet(120) {
		in := awssim.EC2Instance{InstanceId: id, Tags: []awssim.Tag{{Key: "Name", Value: fmt.Sprintf("app-%03d", i)}}}
		switch {
		case i < 100:
			in.Tags = append(in.Tags, awssim.Tag{Key: "pledge:timesync", Value: "check"})
		case i < 110:
			in.State = "stopped"
			in.Tags = append(in.Tags, awssim.Tag{Key: "pledge:timesync", Value: "check"})
		}
		if i == 7 {
			in.Platform = "windows"
		}
		instances = append(instances, in)
	}
	if err := srv.EC2().Seed(awssim.EC2Seed{Instances: instances}); err != nil {
		t.Fatal(err)
	}
	return srv, ec2.NewFromConfig(sdkConfig(url, 1))
}

func TestEC2_DescribeInstancesPaginatesTaggedRunningInstances(t *testing.T) {
	ctx := context.Background()
	srv, client := newEC2(t)
	filters := []ec2types.Filter{
		{Name: aws.String("instance-state-name"), Values: []string{"running"}},
		{Name: aws.String("tag:pledge:timesync"), Values: []string{"check"}},
	}
	for _, tc := range []struct {
		name      string
		limit     int32
		wantPages int
	}{
		{"one page without MaxResults", 0, 1},
		{"pages of 25", 25, 4},
		{"pages of 30", 30, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv.ResetCounts()
			seen := map[string]int{}
			p := ec2.NewDescribeInstancesPaginator(client, &ec2.DescribeInstancesInput{Filters: filters},
				func(o *ec2.DescribeInstancesPaginatorOptions) { o.Limit = tc.limit })
			for p.HasMorePages() {
				page, err := p.NextPage(ctx)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range page.Reservations {
					if aws.ToString(r.OwnerId) != awssim.DefaultAccountID {
						t.Errorf("reservation owner = %q", aws.ToString(r.OwnerId))
					}
					for _, in := range r.Instances {
						seen[aws.ToString(in.InstanceId)]++
						if in.State == nil || in.State.Name != ec2types.InstanceStateNameRunning || aws.ToInt32(in.State.Code) != 16 {
							t.Errorf("%s: state = %+v, want running (16)", aws.ToString(in.InstanceId), in.State)
						}
					}
				}
			}
			if got, want := len(seen), 100; got != want {
				t.Errorf("distinct instances = %d, want %d", got, want)
			}
			for id, n := range seen {
				if n != 1 {
					t.Errorf("%s seen %d times", id, n)
				}
			}
			if got := srv.Count("ec2", "DescribeInstances"); got != tc.wantPages {
				t.Errorf("DescribeInstances requests = %d, want %d", got, tc.wantPages)
			}
		})
	}
}

func TestEC2_DescribeInstancesFields(t *testing.T) {
	_, client := newEC2(t)
	out, err := client.DescribeInstances(context.Background(), &ec2.DescribeInstancesInput{InstanceIds: []string{fleet(8)[7], fleet(105)[104]}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]ec2types.Instance{}
	for _, r := range out.Reservations {
		for _, in := range r.Instances {
			got[aws.ToString(in.InstanceId)] = in
		}
	}
	win, stopped := got[fleet(8)[7]], got[fleet(105)[104]]
	// EC2 answers "windows" in lower case, whatever the SDK's enum constant says.
	if aws.ToString(win.PlatformDetails) != "Windows" || win.Platform != "windows" {
		t.Errorf("windows instance: PlatformDetails %q Platform %q", aws.ToString(win.PlatformDetails), win.Platform)
	}
	if aws.ToString(stopped.PlatformDetails) != "Linux/UNIX" || stopped.State.Name != ec2types.InstanceStateNameStopped || aws.ToInt32(stopped.State.Code) != 80 {
		t.Errorf("stopped instance: %q %+v", aws.ToString(stopped.PlatformDetails), stopped.State)
	}
	if len(stopped.Tags) != 2 || aws.ToString(stopped.Tags[1].Key) != "pledge:timesync" || stopped.LaunchTime == nil {
		t.Errorf("stopped instance tags %+v launch %v", stopped.Tags, stopped.LaunchTime)
	}
}

func TestEC2_Errors(t *testing.T) {
	ctx := context.Background()
	srv, client := newEC2(t)
	for _, tc := range []struct {
		name string
		in   *ec2.DescribeInstancesInput
		want string
	}{
		{"unknown filter", &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{{Name: aws.String("tags"), Values: []string{"x"}}}}, "InvalidParameterValue"},
		{"unknown instance", &ec2.DescribeInstancesInput{InstanceIds: []string{"i-0123456789abcdef0"}}, "InvalidInstanceID.NotFound"},
		{"malformed instance", &ec2.DescribeInstancesInput{InstanceIds: []string{"web-1"}}, "InvalidInstanceID.Malformed"},
		{"ids with MaxResults", &ec2.DescribeInstancesInput{InstanceIds: fleet(1), MaxResults: aws.Int32(10)}, "InvalidParameterCombination"},
		{"MaxResults too small", &ec2.DescribeInstancesInput{MaxResults: aws.Int32(4)}, "InvalidParameterValue"},
		{"forged token", &ec2.DescribeInstancesInput{NextToken: aws.String("bm90LWEtdG9rZW4")}, "InvalidPaginationToken"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := client.DescribeInstances(ctx, tc.in)
			if got := apiCode(err); got != tc.want {
				t.Errorf("error = %v, want code %s", err, tc.want)
			}
		})
	}
	t.Run("ErrAccessDenied", func(t *testing.T) {
		if err := srv.SetFault(awssim.Fault{Service: "ec2", Operation: "GetEbsEncryptionByDefault", Kind: awssim.FaultAccessDenied, Count: 1}); err != nil {
			t.Fatal(err)
		}
		_, err := client.GetEbsEncryptionByDefault(ctx, &ec2.GetEbsEncryptionByDefaultInput{})
		if got := apiCode(err); got != "UnauthorizedOperation" {
			t.Errorf("error = %v, want UnauthorizedOperation", err)
		}
		if _, err := client.GetEbsEncryptionByDefault(ctx, &ec2.GetEbsEncryptionByDefaultInput{}); err != nil {
			t.Errorf("after the one-shot fault: %v", err)
		}
		if got := srv.Count("ec2", "GetEbsEncryptionByDefault"); got != 2 {
			t.Errorf("count = %d, want 2 (the denied call is counted)", got)
		}
	})
}

func TestEC2_EBSEncryptionByDefault(t *testing.T) {
	ctx := context.Background()
	srv, client := newEC2(t)
	get := func() (bool, string) {
		t.Helper()
		on, err := client.GetEbsEncryptionByDefault(ctx, &ec2.GetEbsEncryptionByDefaultInput{})
		if err != nil {
			t.Fatal(err)
		}
		key, err := client.GetEbsDefaultKmsKeyId(ctx, &ec2.GetEbsDefaultKmsKeyIdInput{})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToBool(on.EbsEncryptionByDefault), aws.ToString(key.KmsKeyId)
	}
	if on, key := get(); on || key != awssim.DefaultEBSKMSKey {
		t.Errorf("fresh region: on=%v key=%q, want off and %s", on, key, awssim.DefaultEBSKMSKey)
	}
	cmk := "arn:aws:kms:ap-northeast-1:000000000000:key/0f8c6a52-1111-2222-3333-444455556666"
	if err := srv.EC2().Seed(awssim.EC2Seed{EbsEncryptionByDefault: aws.Bool(true), EbsDefaultKmsKeyId: cmk}); err != nil {
		t.Fatal(err)
	}
	if on, key := get(); !on || key != cmk {
		t.Errorf("seeded: on=%v key=%q", on, key)
	}
	if _, err := client.DisableEbsEncryptionByDefault(ctx, &ec2.DisableEbsEncryptionByDefaultInput{}); err != nil {
		t.Fatal(err)
	}
	if on, _ := get(); on || srv.EC2().State().EbsEncryptionByDefault {
		t.Errorf("after Disable: on=%v", on)
	}
}

func TestEC2_SeedRejectsBadInstances(t *testing.T) {
	srv := awssim.New(awssim.Options{})
	for _, in := range []awssim.EC2Instance{
		{InstanceId: "i-123"},
		{InstanceId: "i-0123456789abcdef0", State: "sleeping"},
		{InstanceId: "i-0123456789abcdef0", Tags: []awssim.Tag{{Key: ""}}},
	} {
		if err := srv.EC2().Seed(awssim.EC2Seed{Instances: []awssim.EC2Instance{in}}); err == nil {
			t.Errorf("seed %+v: no error", in)
		}
	}
	if n := len(srv.EC2().State().Instances); n != 0 {
		t.Errorf("%d instances stored from bad seeds", n)
	}
}
