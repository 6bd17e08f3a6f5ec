package check

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// ELBAPI is the part of the Elastic Load Balancing v2 client the listener
// check calls: DescribeLoadBalancers and DescribeListeners (paginated) and
// DescribeSSLPolicies (by name, so one page holds every policy asked for).
type ELBAPI interface {
	elbv2.DescribeLoadBalancersAPIClient
	elbv2.DescribeListenersAPIClient
	DescribeSSLPolicies(ctx context.Context, in *elbv2.DescribeSSLPoliciesInput, optFns ...func(*elbv2.Options)) (*elbv2.DescribeSSLPoliciesOutput, error)
}

// sslPolicyBatch is how many policy names one DescribeSSLPolicies call
// asks for.
const sslPolicyBatch = 20

// listeners judges the security policy of every HTTPS and TLS listener.
func (r *run) listeners(ctx context.Context, _ func(string) bool) {
	scope := r.a.Scope.ARN("elasticloadbalancing", "")
	if r.a.ELB == nil {
		r.add(r.errored(ELBTLS12Policy, scope, missingClient("Elastic Load Balancing")))
		return
	}
	var lbs []elbtypes.LoadBalancer
	p := elbv2.NewDescribeLoadBalancersPaginator(r.a.ELB, &elbv2.DescribeLoadBalancersInput{})
	for p.HasMorePages() {
		var page *elbv2.DescribeLoadBalancersOutput
		if err := r.call(ctx, func(ctx context.Context) (err error) { page, err = p.NextPage(ctx); return err }); err != nil {
			r.add(r.errored(ELBTLS12Policy, scope, fmt.Errorf("elasticloadbalancing:DescribeLoadBalancers: %w", err)))
			return
		}
		lbs = append(lbs, page.LoadBalancers...)
	}

	lists := make([][]Listener, len(lbs))
	g, gctx := r.group(ctx)
	for i, lb := range lbs {
		if lb.Type == elbtypes.LoadBalancerTypeEnumGateway {
			continue // Gateway Load Balancers terminate no TLS.
		}
		g.Go(func() error {
			lp := elbv2.NewDescribeListenersPaginator(r.a.ELB, &elbv2.DescribeListenersInput{LoadBalancerArn: lb.LoadBalancerArn})
			for lp.HasMorePages() {
				var page *elbv2.DescribeListenersOutput
				if err := r.call(gctx, func(ctx context.Context) (err error) { page, err = lp.NextPage(ctx); return err }); err != nil {
					r.add(r.errored(ELBTLS12Policy, aws.ToString(lb.LoadBalancerArn), fmt.Errorf("elasticloadbalancing:DescribeListeners %s: %w", aws.ToString(lb.LoadBalancerName), err)))
					return nil
				}
				for _, l := range page.Listeners {
					if l.Protocol != elbtypes.ProtocolEnumHttps && l.Protocol != elbtypes.ProtocolEnumTls {
						continue
					}
					lists[i] = append(lists[i], Listener{ARN: aws.ToString(l.ListenerArn), LoadBalancer: aws.ToString(lb.LoadBalancerName),
						Protocol: string(l.Protocol), Port: int(aws.ToInt32(l.Port)), SSLPolicy: aws.ToString(l.SslPolicy)})
				}
			}
			return nil
		})
	}
	_ = g.Wait()

	var all []Listener
	var names []string
	for _, ls := range lists {
		for _, l := range ls {
			all = append(all, l)
			if l.SSLPolicy != "" && !slices.Contains(names, l.SSLPolicy) {
				names = append(names, l.SSLPolicy)
			}
		}
	}
	protocols, errs := r.sslPolicies(ctx, names)
	for _, l := range all {
		if err := errs[l.SSLPolicy]; err != nil {
			r.add(r.errored(ELBTLS12Policy, l.ARN, err))
			continue
		}
		r.add(ListenerTLS(l, protocols[l.SSLPolicy], r.now))
	}
}

// sslPolicies returns the protocols of each named policy. A policy
// DescribeSSLPolicies does not know (SSLPolicyNotFound) gets nil protocols,
// so ListenerTLS falls back on TLS12Policies; any other error is that
// policy's error.
func (r *run) sslPolicies(ctx context.Context, names []string) (map[string][]string, map[string]error) {
	protocols := map[string][]string{}
	errs := map[string]error{}
	var lookup func(batch []string)
	lookup = func(batch []string) {
		var out *elbv2.DescribeSSLPoliciesOutput
		err := r.call(ctx, func(ctx context.Context) (err error) {
			out, err = r.a.ELB.DescribeSSLPolicies(ctx, &elbv2.DescribeSSLPoliciesInput{Names: batch, PageSize: aws.Int32(int32(len(batch)))})
			return err
		})
		switch {
		case errorCode(err) == "SSLPolicyNotFound" && len(batch) > 1:
			// One unknown name fails the whole call: ask one by one.
			for _, n := range batch {
				lookup([]string{n})
			}
		case errorCode(err) == "SSLPolicyNotFound":
			protocols[batch[0]] = nil
		case err != nil:
			for _, n := range batch {
				errs[n] = fmt.Errorf("elasticloadbalancing:DescribeSSLPolicies: %w", err)
			}
		default:
			for _, p := range out.SslPolicies {
				protocols[aws.ToString(p.Name)] = slices.Clone(p.SslProtocols)
			}
		}
	}
	for batch := range slices.Chunk(names, sslPolicyBatch) {
		lookup(batch)
	}
	return protocols, errs
}
