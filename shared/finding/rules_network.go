package finding

// networkRules: security groups, network ACLs, gateways, routes and VPCs.
func networkRules() []Rule {
	const ec2 = "ec2.amazonaws.com"
	const reviewJA = "ネットワークの変更はサービスとお客様のデータに到達できる経路を変えるため、内容を確認します。"
	const review = "Network changes alter which paths reach the service and your data; we review them."
	return []Rule{
		{EventSource: ec2, EventNames: names("AuthorizeSecurityGroupIngress"), Type: "ec2/DatabasePortOpenToInternet", Severity: 8, Scope: ScopeResource, CIS: "4.10",
			Title: "A security group was opened to the whole internet on a database port", TitleJA: "セキュリティグループでデータベースのポートがインターネット全体に公開されました",
			About:   "A firewall rule now lets anyone on the internet connect to a database port. The database's password still protects it, but it can now be attacked directly from anywhere.",
			AboutJA: "ファイアウォールの規則が変更され、インターネット上の誰もがデータベースのポートに接続できる状態になりました。パスワードによる保護は残っていますが、どこからでも直接攻撃を受けうる状態です。",
			When:    ingressOpensDatabase},
		{EventSource: ec2, EventNames: names("AuthorizeSecurityGroupEgress"), Type: "ec2/EgressOpenToInternet", Severity: 4, Scope: ScopeResource, CIS: "4.10",
			Title: "A security group was allowed to send traffic anywhere on the internet", TitleJA: "セキュリティグループでインターネット全体への通信が許可されました",
			About:   "A firewall rule now lets servers send traffic to any address on the internet. Outbound rules limit where stolen data could be sent; this one no longer does.",
			AboutJA: "ファイアウォールの規則が変更され、サーバーからインターネット上の任意の宛先へ通信できる状態になりました。送信先の制限は、データが持ち出される先を限る役割を持っていますが、その制限がなくなりました。",
			When:    egressOpensToInternet},
		{EventSource: ec2, EventNames: names("AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress", "RevokeSecurityGroupIngress", "RevokeSecurityGroupEgress",
			"CreateSecurityGroup", "DeleteSecurityGroup"),
			Type: "ec2/SecurityGroupChanged", Severity: 2, Scope: ScopeResource, CIS: "4.10",
			Title: "A security group was changed", TitleJA: "セキュリティグループが変更されました",
			About: "A firewall rule of the service was added, changed or removed. " + review, AboutJA: "サービスのファイアウォールの規則が追加、変更または削除されました。" + reviewJA},
		{EventSource: ec2, EventNames: names("CreateNetworkAcl", "CreateNetworkAclEntry", "DeleteNetworkAcl", "DeleteNetworkAclEntry", "ReplaceNetworkAclEntry", "ReplaceNetworkAclAssociation"),
			Type: "ec2/NetworkACLChanged", Severity: 2, Scope: ScopePlatform, CIS: "4.11",
			Title: "A network ACL was changed", TitleJA: "ネットワーク ACL が変更されました",
			About: "A network access control list, which filters traffic between network segments, was changed. " + review, AboutJA: "ネットワークの区画間の通信を制御するネットワーク ACL が変更されました。" + reviewJA},
		{EventSource: ec2, EventNames: names("CreateCustomerGateway", "DeleteCustomerGateway", "AttachInternetGateway", "CreateInternetGateway", "DeleteInternetGateway", "DetachInternetGateway"),
			Type: "ec2/NetworkGatewayChanged", Severity: 3, Scope: ScopePlatform, CIS: "4.12",
			Title: "A network gateway was changed", TitleJA: "ネットワークゲートウェイが変更されました",
			About: "A gateway that connects the service's network to the internet or to another network was added, attached, detached or removed. " + review, AboutJA: "サービスのネットワークをインターネットや他のネットワークに接続するゲートウェイが追加、接続、切断または削除されました。" + reviewJA},
		{EventSource: ec2, EventNames: names("CreateRoute", "CreateRouteTable", "ReplaceRoute", "ReplaceRouteTableAssociation", "DeleteRouteTable", "DeleteRoute", "DisassociateRouteTable"),
			Type: "ec2/RouteTableChanged", Severity: 2, Scope: ScopePlatform, CIS: "4.13",
			Title: "A route table was changed", TitleJA: "ルートテーブルが変更されました",
			About: "The routes that decide where the service's network traffic goes were changed. " + review, AboutJA: "サービスのネットワーク通信の行き先を決める経路が変更されました。" + reviewJA},
		{EventSource: ec2, EventNames: names("CreateVpc", "DeleteVpc", "ModifyVpcAttribute", "AcceptVpcPeeringConnection", "CreateVpcPeeringConnection", "DeleteVpcPeeringConnection",
			"RejectVpcPeeringConnection", "AttachClassicLinkVpc", "DetachClassicLinkVpc", "DisableVpcClassicLink", "EnableVpcClassicLink"),
			Type: "ec2/VPCChanged", Severity: 3, Scope: ScopePlatform, CIS: "4.14",
			Title: "A VPC or a VPC peering connection was changed", TitleJA: "VPC または VPC ピアリング接続が変更されました",
			About: "A private network of the service, or a connection between it and another network, was created, changed or removed. " + review, AboutJA: "サービスのプライベートネットワーク、または他のネットワークとの接続が作成、変更または削除されました。" + reviewJA},
		{EventSource: ec2, EventNames: names("DeleteFlowLogs"), Type: "ec2/FlowLogsDeleted", Severity: 6, Scope: ScopePlatform,
			Title: "VPC flow logs were deleted", TitleJA: "VPC フローログが削除されました",
			About:   "The record of network connections to and from the service's servers was switched off. Until it is restored, connections made during an intrusion could not be traced.",
			AboutJA: "サービスのサーバーとの間の通信の記録が停止されました。復旧するまでの間、不正なアクセスがあった場合の通信を追跡できません。"},
	}
}

// anyCallRules: rules over calls of every service. They come last, so that
// a call's own rule wins.
func anyCallRules() []Rule {
	return []Rule{
		{AnyCall: true, IdentityTypes: []string{"Root"}, Type: "iam/RootActivity", Severity: 6, Scope: ScopePlatform, CIS: "4.3",
			Title: "The AWS account's root user made changes", TitleJA: "AWS アカウントのルートユーザーによる操作がありました",
			About:   "The root user of the AWS account the service runs in, which can do anything in the account, was used to make changes. Operators reserve it for rare tasks; we confirm that these were ours and intended.",
			AboutJA: "サービスが稼働する AWS アカウントのルートユーザー（アカウント内のあらゆる操作が可能）で変更操作が行われました。ルートユーザーはごく限られた作業にのみ使用するため、弊社による意図した操作であったかを確認します。",
			When:    rootActivity},
		{AnyCall: true, ErrorCodes: []string{"AccessDenied*", "*UnauthorizedOperation"}, Type: "api/UnauthorizedCalls", Severity: 4, Scope: ScopeResource, CIS: "4.1",
			Aggregate: &Aggregation{Window: accessDeniedWindow, Threshold: 10},
			Title:     "Repeated calls refused for lack of permission", TitleJA: "権限のない操作が繰り返し拒否されました",
			About:   "The same principal was refused ten or more times within an hour for lack of permission. This can be stolen credentials probing what they may reach, or a misconfigured program.",
			AboutJA: "同じ利用者による操作が、権限がないために 1 時間以内に 10 回以上拒否されました。盗まれた認証情報で到達できる範囲を探っている可能性や、設定を誤ったプログラムの可能性があります。"},
	}
}
