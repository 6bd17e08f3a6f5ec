package awssim_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/pledge-dev/pledge/shared/sandbox/awssim"
)

func TestELB_LoadBalancersListenersAndPolicies(t *testing.T) {
	ctx := context.Background()
	srv, url := start(t, awssim.Options{})
	client := elbv2.NewFromConfig(sdkConfig(url, 1))
	var lbs []awssim.ELBLoadBalancer
	for i := range 30 {
		lbs = append(lbs, awssim.ELBLoadBalancer{LoadBalancerName: fmt.Sprintf("tenant-%02d", i), Listeners: []awssim.ELBListener{
			{Port: 80, Protocol: "HTTP"},
			{Port: 443, Protocol: "HTTPS", SslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06"},
		}})
	}
	lbs = append(lbs,
		awssim.ELBLoadBalancer{LoadBalancerName: "legacy-api", Listeners: []awssim.ELBListener{{Port: 443, Protocol: "HTTPS"}}},
		awssim.ELBLoadBalancer{LoadBalancerName: "mqtt", Type: "network", Listeners: []awssim.ELBListener{{Port: 8883, Protocol: "TLS", SslPolicy: "ELBSecurityPolicy-TLS-1-1-2017-01"}}},
	)
	if err := srv.ELB().Seed(awssim.ELBSeed{LoadBalancers: lbs}); err != nil {
		t.Fatal(err)
	}

	var all []elbtypes.LoadBalancer
	p := elbv2.NewDescribeLoadBalancersPaginator(client, &elbv2.DescribeLoadBalancersInput{PageSize: aws.Int32(7)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page.LoadBalancers...)
	}
	if len(all) != 32 || srv.Count("elasticloadbalancing", "DescribeLoadBalancers") != 5 {
		t.Fatalf("%d load balancers in %d pages, want 32 in 5", len(all), srv.Count("elasticloadbalancing", "DescribeLoadBalancers"))
	}
	policies := map[string]string{} // load balancer/port -> policy
	protocols := map[string]elbtypes.ProtocolEnum{}
	for _, lb := range all {
		lp := elbv2.NewDescribeListenersPaginator(client, &elbv2.DescribeListenersInput{LoadBalancerArn: lb.LoadBalancerArn, PageSize: aws.Int32(1)})
		for lp.HasMorePages() {
			page, err := lp.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range page.Listeners {
				k := fmt.Sprintf("%s/%d", aws.ToString(lb.LoadBalancerName), aws.ToInt32(l.Port))
				policies[k], protocols[k] = aws.ToString(l.SslPolicy), l.Protocol
				if aws.ToString(l.LoadBalancerArn) != aws.ToString(lb.LoadBalancerArn) {
					t.Errorf("%s: listener of %s", k, aws.ToString(l.LoadBalancerArn))
				}
			}
		}
	}
	for k, want := range map[string]string{
		"tenant-00/443": "ELBSecurityPolicy-TLS13-1-2-2021-06", "tenant-00/80": "",
		"legacy-api/443": awssim.ELBDefaultSSLPolicy, "mqtt/8883": "ELBSecurityPolicy-TLS-1-1-2017-01",
	} {
		if policies[k] != want {
			t.Errorf("%s policy = %q, want %q", k, policies[k], want)
		}
	}
	if protocols["mqtt/8883"] != elbtypes.ProtocolEnumTls || protocols["tenant-00/80"] != elbtypes.ProtocolEnumHttp {
		t.Errorf("protocols %v", protocols)
	}

	t.Run("DescribeSSLPolicies", func(t *testing.T) {
		names := []string{"ELBSecurityPolicy-TLS13-1-2-2021-06", "ELBSecurityPolicy-2016-08", "ELBSecurityPolicy-TLS-1-2-2017-01", "ELBSecurityPolicy-TLS13-1-3-2021-06", "ELBSecurityPolicy-TLS-1-1-2017-01"}
		out, err := client.DescribeSSLPolicies(ctx, &elbv2.DescribeSSLPoliciesInput{Names: names, PageSize: aws.Int32(int32(len(names)))})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string][]string{}
		for _, p := range out.SslPolicies {
			got[aws.ToString(p.Name)] = p.SslProtocols
			if len(p.Ciphers) == 0 || aws.ToInt32(p.Ciphers[0].Priority) != 1 {
				t.Errorf("%s ciphers %+v", aws.ToString(p.Name), p.Ciphers)
			}
		}
		for name, want := range map[string][]string{
			"ELBSecurityPolicy-TLS13-1-2-2021-06": {"TLSv1.2", "TLSv1.3"},
			"ELBSecurityPolicy-2016-08":           {"TLSv1", "TLSv1.1", "TLSv1.2"},
			"ELBSecurityPolicy-TLS-1-2-2017-01":   {"TLSv1.2"},
			"ELBSecurityPolicy-TLS13-1-3-2021-06": {"TLSv1.3"},
			"ELBSecurityPolicy-TLS-1-1-2017-01":   {"TLSv1.1", "TLSv1.2"},
		} {
			if !slices.Equal(got[name], want) {
				t.Errorf("%s protocols = %v, want %v", name, got[name], want)
			}
		}
		_, err = client.DescribeSSLPolicies(ctx, &elbv2.DescribeSSLPoliciesInput{Names: []string{"ELBSecurityPolicy-2016-08", "MyCustomPolicy"}})
		var nf *elbtypes.SSLPolicyNotFoundException
		if !errors.As(err, &nf) {
			t.Errorf("unknown policy: %v, want SSLPolicyNotFoundException", err)
		}
		// The SDK has no paginator for DescribeSSLPolicies: check the marker by hand.
		first, err := client.DescribeSSLPolicies(ctx, &elbv2.DescribeSSLPoliciesInput{PageSize: aws.Int32(4)})
		if err != nil {
			t.Fatal(err)
		}
		second, err := client.DescribeSSLPolicies(ctx, &elbv2.DescribeSSLPoliciesInput{PageSize: aws.Int32(400), Marker: first.NextMarker})
		if err != nil {
			t.Fatal(err)
		}
		if len(first.SslPolicies) != 4 || aws.ToString(first.NextMarker) == "" || len(second.SslPolicies) != len(awssim.ELBPredefinedPolicies)-4 || second.NextMarker != nil {
			t.Errorf("pages of %d (marker %q) and %d, want 4 and %d", len(first.SslPolicies), aws.ToString(first.NextMarker), len(second.SslPolicies), len(awssim.ELBPredefinedPolicies)-4)
		}
	})

	t.Run("Errors", func(t *testing.T) {
		_, err := client.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{Names: []string{"nope"}})
		var lbnf *elbtypes.LoadBalancerNotFoundException
		if !errors.As(err, &lbnf) {
			t.Errorf("unknown load balancer: %v", err)
		}
		_, err = client.DescribeListeners(ctx, &elbv2.DescribeListenersInput{})
		if apiCode(err) != "ValidationError" {
			t.Errorf("DescribeListeners without an ARN: %v", err)
		}
		_, err = client.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{PageSize: aws.Int32(401)})
		if apiCode(err) != "ValidationError" {
			t.Errorf("PageSize 401: %v", err)
		}
		if err := srv.SetFault(awssim.Fault{Service: "elasticloadbalancing", Operation: "DescribeSSLPolicies", Kind: awssim.FaultAccessDenied, Count: 1}); err != nil {
			t.Fatal(err)
		}
		_, err = client.DescribeSSLPolicies(ctx, &elbv2.DescribeSSLPoliciesInput{})
		if apiCode(err) != "AccessDenied" {
			t.Errorf("denied: %v", err)
		}
	})

	for _, bad := range []awssim.ELBLoadBalancer{
		{LoadBalancerName: "x", Listeners: []awssim.ELBListener{{Port: 443, Protocol: "TLS"}}},                                        // TLS on an ALB
		{LoadBalancerName: "x", Listeners: []awssim.ELBListener{{Port: 443, Protocol: "HTTPS", SslPolicy: "Custom"}}},                 // unknown policy
		{LoadBalancerName: "x", Listeners: []awssim.ELBListener{{Port: 80, Protocol: "HTTP", SslPolicy: awssim.ELBDefaultSSLPolicy}}}, // policy on HTTP
		{LoadBalancerName: "-x"},
	} {
		if err := srv.ELB().Seed(awssim.ELBSeed{LoadBalancers: []awssim.ELBLoadBalancer{bad}}); err == nil {
			t.Errorf("seed %+v: no error", bad)
		}
	}
}

func TestRDS_DescribeDBParameters(t *testing.T) {
	ctx := context.Background()
	srv, url := start(t, awssim.Options{})
	client := rds.NewFromConfig(sdkConfig(url, 1))
	err := srv.RDS().Seed(awssim.RDSSeed{
		ParameterGroups: []awssim.RDSParameterGroup{
			{DBParameterGroupName: "pg16-tls", DBParameterGroupFamily: "postgres16", Parameters: map[string]string{"rds.force_ssl": "1", "ssl_min_protocol_version": "TLSv1.3"}},
			{DBParameterGroupName: "pg14-legacy", DBParameterGroupFamily: "postgres14", Parameters: map[string]string{"ssl_min_protocol_version": "TLSv1"}},
		},
		ClusterParameterGroups: []awssim.RDSParameterGroup{
			{DBParameterGroupName: "apg16-tls", DBParameterGroupFamily: "aurora-postgresql16", Parameters: map[string]string{"rds.force_ssl": "1"}},
		},
		Instances: []awssim.RDSInstance{
			{DBInstanceIdentifier: "orders", DBParameterGroups: []string{"pg16-tls"}},
			{DBInstanceIdentifier: "legacy", EngineVersion: "14.12", DBParameterGroups: []string{"pg14-legacy"}},
			{DBInstanceIdentifier: "shop", Engine: "mysql"},
			{DBInstanceIdentifier: "billing-1", DBClusterIdentifier: "billing"},
		},
		Clusters: []awssim.RDSCluster{{DBClusterIdentifier: "billing", DBClusterParameterGroup: "apg16-tls"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	params := func(group string, cluster bool, source string, limit int32) (map[string]*string, map[string]string) {
		t.Helper()
		values, sources := map[string]*string{}, map[string]string{}
		add := func(ps []rdstypes.Parameter) {
			for _, p := range ps {
				n := aws.ToString(p.ParameterName)
				if _, dup := values[n]; dup {
					t.Errorf("%s: %s listed twice", group, n)
				}
				values[n], sources[n] = p.ParameterValue, aws.ToString(p.Source)
			}
		}
		var src *string
		if source != "" {
			src = aws.String(source)
		}
		if cluster {
			p := rds.NewDescribeDBClusterParametersPaginator(client, &rds.DescribeDBClusterParametersInput{DBClusterParameterGroupName: aws.String(group), Source: src},
				func(o *rds.DescribeDBClusterParametersPaginatorOptions) { o.Limit = limit })
			for p.HasMorePages() {
				page, err := p.NextPage(ctx)
				if err != nil {
					t.Fatal(err)
				}
				add(page.Parameters)
			}
			return values, sources
		}
		p := rds.NewDescribeDBParametersPaginator(client, &rds.DescribeDBParametersInput{DBParameterGroupName: aws.String(group), Source: src},
			func(o *rds.DescribeDBParametersPaginatorOptions) { o.Limit = limit })
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			add(page.Parameters)
		}
		return values, sources
	}

	srv.ResetCounts()
	v, s := params("pg16-tls", false, "", 20)
	if aws.ToString(v["rds.force_ssl"]) != "1" || s["rds.force_ssl"] != "user" || aws.ToString(v["ssl_min_protocol_version"]) != "TLSv1.3" ||
		aws.ToString(v["password_encryption"]) != "scram-sha-256" || s["password_encryption"] != "engine-default" || v["work_mem"] != nil {
		t.Errorf("pg16-tls: force_ssl %v/%s min %v work_mem %v", aws.ToString(v["rds.force_ssl"]), s["rds.force_ssl"], aws.ToString(v["ssl_min_protocol_version"]), v["work_mem"])
	}
	if pages := srv.Count("rds", "DescribeDBParameters"); len(v) <= 20 || pages != (len(v)+19)/20 {
		t.Errorf("%d parameters in %d pages of 20", len(v), pages)
	}
	if user, _ := params("pg16-tls", false, "user", 0); len(user) != 2 {
		t.Errorf("Source=user: %d parameters, want the 2 set", len(user))
	}
	for _, tc := range []struct {
		group   string
		cluster bool
		name    string
		want    *string
	}{
		{"default.postgres16", false, "rds.force_ssl", aws.String("1")}, // on by default from PostgreSQL 15
		{"pg14-legacy", false, "rds.force_ssl", aws.String("0")},
		{"pg14-legacy", false, "ssl_min_protocol_version", aws.String("TLSv1")},
		{"default.mysql8.0", false, "require_secure_transport", nil},
		{"default.mysql8.0", false, "tls_version", aws.String("TLSv1.2,TLSv1.3")},
		{"apg16-tls", true, "rds.force_ssl", aws.String("1")},
		{"default.aurora-postgresql16", true, "rds.force_ssl", aws.String("0")},
	} {
		v, _ := params(tc.group, tc.cluster, "", 0)
		got, ok := v[tc.name]
		if !ok || aws.ToString(got) != aws.ToString(tc.want) || (got == nil) != (tc.want == nil) {
			t.Errorf("%s %s = %v (listed %v), want %v", tc.group, tc.name, aws.ToString(got), ok, aws.ToString(tc.want))
		}
	}
	if v, _ := params("default.aurora-postgresql16", false, "", 0); v["rds.force_ssl"] != nil {
		t.Errorf("Aurora's DB (instance) parameter group holds rds.force_ssl; it is a cluster parameter")
	}

	t.Run("instances and clusters name their groups", func(t *testing.T) {
		out, err := client.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("shop")})
		if err != nil {
			t.Fatal(err)
		}
		if g := aws.ToString(out.DBInstances[0].DBParameterGroups[0].DBParameterGroupName); g != "default.mysql8.0" {
			t.Errorf("mysql instance's default group = %q, want default.mysql8.0", g)
		}
		cl, err := client.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String("billing")})
		if err != nil {
			t.Fatal(err)
		}
		if g := aws.ToString(cl.DBClusters[0].DBClusterParameterGroup); g != "apg16-tls" {
			t.Errorf("cluster group = %q", g)
		}
	})

	t.Run("Errors", func(t *testing.T) {
		_, err := client.DescribeDBParameters(ctx, &rds.DescribeDBParametersInput{DBParameterGroupName: aws.String("missing")})
		var nf *rdstypes.DBParameterGroupNotFoundFault
		if !errors.As(err, &nf) {
			t.Errorf("missing group: %v, want DBParameterGroupNotFoundFault", err)
		}
		_, err = client.DescribeDBClusterParameters(ctx, &rds.DescribeDBClusterParametersInput{DBClusterParameterGroupName: aws.String("pg16-tls")})
		if !errors.As(err, &nf) {
			t.Errorf("a DB parameter group asked for as a cluster group: %v, want DBParameterGroupNotFoundFault", err)
		}
		_, err = client.DescribeDBParameters(ctx, &rds.DescribeDBParametersInput{DBParameterGroupName: aws.String("pg16-tls"), Source: aws.String("mine")})
		if apiCode(err) != "InvalidParameterValue" {
			t.Errorf("bad Source: %v", err)
		}
		if err := srv.SetFault(awssim.Fault{Service: "rds", Operation: "DescribeDBParameters", Kind: awssim.FaultAccessDenied, Count: 1}); err != nil {
			t.Fatal(err)
		}
		_, err = client.DescribeDBParameters(ctx, &rds.DescribeDBParametersInput{DBParameterGroupName: aws.String("pg16-tls")})
		if apiCode(err) != "AccessDenied" {
			t.Errorf("denied: %v", err)
		}
	})

	t.Run("seeding checks group references", func(t *testing.T) {
		before := len(srv.RDS().State().Instances)
		for _, seed := range []awssim.RDSSeed{
			{Instances: []awssim.RDSInstance{{DBInstanceIdentifier: "stray", DBParameterGroups: []string{"no-such-group"}}}},
			{Instances: []awssim.RDSInstance{{DBInstanceIdentifier: "stray", Engine: "mysql", DBParameterGroups: []string{"pg16-tls"}}}},
			{Clusters: []awssim.RDSCluster{{DBClusterIdentifier: "stray", DBClusterParameterGroup: "pg16-tls"}}},
			{ParameterGroups: []awssim.RDSParameterGroup{{DBParameterGroupName: "default.postgres16", DBParameterGroupFamily: "postgres16"}}},
			{ParameterGroups: []awssim.RDSParameterGroup{{DBParameterGroupName: "x", DBParameterGroupFamily: "dbase4"}}},
		} {
			if err := srv.RDS().Seed(seed); err == nil {
				t.Errorf("seed %+v: no error", seed)
			}
		}
		st := srv.RDS().State()
		if len(st.Instances) != before || len(st.ParameterGroups) != 2 || len(st.ClusterParameterGroups) != 1 {
			t.Errorf("failed seeds left state: %d instances (want %d), %d groups, %d cluster groups", len(st.Instances), before, len(st.ParameterGroups), len(st.ClusterParameterGroups))
		}
	})
}
