package stack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// suppression is one justified cdk-nag exception.
type suppression struct {
	id     string
	reason string
	// appliesTo narrows an IAM5/IAM4 suppression to the named findings
	// (strings or *cdknag.RegexAppliesTo); empty covers the rule.
	appliesTo []interface{}
}

// suppress records ss on c (and its children when children is set).
func suppress(c constructs.IConstruct, children bool, ss ...suppression) {
	var out []*cdknag.NagPackSuppression
	for _, s := range ss {
		p := &cdknag.NagPackSuppression{Id: jsii.String(s.id), Reason: jsii.String(s.reason)}
		if len(s.appliesTo) > 0 {
			a := append([]interface{}(nil), s.appliesTo...)
			p.AppliesTo = &a
		}
		out = append(out, p)
	}
	cdknag.NagSuppressions_AddResourceSuppressions(c, &out, jsii.Bool(children))
}

// NagPacks are the cdk-nag packs ApplyNag runs, by their rule prefix.
var NagPacks = []string{"AwsSolutions", "Serverless"}

// ApplyNag runs cdk-nag's AwsSolutions and Serverless packs over scope (the
// app), with findings as annotations and a CSV report per pack in the
// cloud assembly.
func ApplyNag(scope constructs.IConstruct) {
	awscdk.Aspects_Of(scope).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	awscdk.Aspects_Of(scope).Add(cdknag.NewServerlessChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
}

func strs(ss ...string) []interface{} {
	out := make([]interface{}, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
