package awssim_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/pledge-dev/pledge/shared/sandbox/awssim"
)

// TestEC2_DescribeTags: a real SDK client reads the tags of the seeded
// instances it names, and nothing of the others; an unknown id has none.
func TestEC2_DescribeTags(t *testing.T) {
	sim, base := start(t, awssim.Options{})
	if err := sim.EC2().Seed(awssim.EC2Seed{Instances: []awssim.EC2Instance{
		{InstanceId: "i-0a1b2c3d4e5f60718", Tags: []awssim.Tag{{Key: "pledge:tenant", Value: "tenant-5"}, {Key: "Name", Value: "web"}}},
		{InstanceId: "i-0b1b2c3d4e5f60718", Tags: []awssim.Tag{{Key: "pledge:tenant", Value: "tenant-10"}}},
	}}); err != nil {
		t.Fatal(err)
	}
	c := ec2.NewFromConfig(sdkConfig(base, 1))
	out, err := c.DescribeTags(context.Background(), &ec2.DescribeTagsInput{Filters: []ec2types.Filter{
		{Name: aws.String("resource-id"), Values: []string{"i-0a1b2c3d4e5f60718", "i-0c0c0c0c0c0c0c0c0"}}}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, tag := range out.Tags {
		if aws.ToString(tag.ResourceId) != "i-0a1b2c3d4e5f60718" || tag.ResourceType != ec2types.ResourceTypeInstance {
			t.Errorf("tag of %s (%s): only the named instance's", aws.ToString(tag.ResourceId), tag.ResourceType)
		}
		got[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
	}
	if got["pledge:tenant"] != "tenant-5" || got["Name"] != "web" || len(got) != 2 {
		t.Errorf("tags %v", got)
	}
}
