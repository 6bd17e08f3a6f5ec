package stack

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
)

// arnPattern is an ARN written with the placeholders {partition} and
// {account}, which deploy-time values replace. Keeping the pattern lets the
// same text become both the policy resource and the cdk-nag finding it may
// cause, so a suppression names exactly the resource it covers.
type arnPattern string

// String returns the ARN with CloudFormation pseudo-parameter tokens.
func (p arnPattern) String() string {
	return strings.NewReplacer("{partition}", *awscdk.Aws_PARTITION(), "{account}", *awscdk.Aws_ACCOUNT_ID()).Replace(string(p))
}

// ptr returns String as a *string for CDK props.
func (p arnPattern) ptr() *string { s := p.String(); return &s }

// nagResource is how cdk-nag prints this resource in an IAM5 finding.
func (p arnPattern) nagResource() string {
	return "Resource::" + strings.NewReplacer("{partition}", "<AWS::Partition>", "{account}", "<AWS::AccountId>").Replace(string(p))
}

func arns(ps ...arnPattern) *[]*string {
	out := make([]*string, len(ps))
	for i, p := range ps {
		out[i] = p.ptr()
	}
	return &out
}
