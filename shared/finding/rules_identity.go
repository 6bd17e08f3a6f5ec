package finding

// identityRules: sign-in, the root user, and IAM permissions.
func identityRules() []Rule {
	const signin, iam = "signin.amazonaws.com", "iam.amazonaws.com"
	return []Rule{
		{EventSource: signin, EventNames: names("ConsoleLogin"), Type: "signin/RootConsoleSignIn", Severity: 8, Scope: ScopePlatform, CIS: "4.3",
			Title: "The AWS account's root user signed in to the console", TitleJA: "AWS アカウントのルートユーザーがコンソールにサインインしました",
			About:   "Someone signed in with the root user of the AWS account the service runs in, which can do anything in the account. Operators reserve it for rare tasks; we confirm that this sign-in was ours and intended.",
			AboutJA: "サービスが稼働する AWS アカウントのルートユーザー（アカウント内のあらゆる操作が可能）でサインインがありました。ルートユーザーはごく限られた作業にのみ使用するため、弊社による意図した操作であったかを確認します。",
			When:    func(d *CloudTrailDetail) (bool, error) { return d.IsRoot() && consoleLogin(d) == "Success", nil }},
		{EventSource: signin, EventNames: names("ConsoleLogin"), Type: "signin/RootConsoleSignInFailed", Severity: 5, Scope: ScopePlatform, CIS: "4.6", IncludeFailed: true,
			Aggregate: &Aggregation{Window: signInFailureWindow, Threshold: 1},
			Title:     "Console sign-ins as the AWS account's root user failed", TitleJA: "AWS アカウントのルートユーザーによるコンソールへのサインインが失敗しました",
			About:   "Attempts to sign in as the root user of the AWS account the service runs in failed. Failed attempts can be someone trying to guess the password; they are counted over an hour and reported once.",
			AboutJA: "サービスが稼働する AWS アカウントのルートユーザーとしてのサインインが失敗しました。パスワードを推測しようとする試みの可能性があります。1 時間ごとに回数をまとめて一度お知らせします。",
			When:    func(d *CloudTrailDetail) (bool, error) { return d.IsRoot() && consoleLogin(d) != "Success", nil }},
		{EventSource: signin, EventNames: names("ConsoleLogin"), Type: "signin/ConsoleSignInFailures", Severity: 4, Scope: ScopeResource, CIS: "4.6", IncludeFailed: true,
			Aggregate: &Aggregation{Window: signInFailureWindow, Threshold: 5},
			Title:     "Repeated console sign-in failures of an IAM user", TitleJA: "IAM ユーザーのコンソールへのサインインが繰り返し失敗しました",
			About:   "Five or more attempts to sign in to the AWS console as the same IAM user failed within an hour. This can be someone guessing that user's password.",
			AboutJA: "同じ IAM ユーザーとしての AWS コンソールへのサインインが、1 時間以内に 5 回以上失敗しました。そのユーザーのパスワードを推測しようとする試みの可能性があります。",
			When:    func(d *CloudTrailDetail) (bool, error) { return !d.IsRoot() && consoleLogin(d) == "Failure", nil }},
		{EventSource: signin, EventNames: names("ConsoleLogin"), Type: "signin/ConsoleSignInWithoutMFA", Severity: 4, Scope: ScopeResource, CIS: "4.2",
			Title: "An IAM user signed in to the console without multi-factor authentication", TitleJA: "IAM ユーザーが多要素認証なしでコンソールにサインインしました",
			About:   "An IAM user signed in to the AWS console with a password alone. Without a second factor, a stolen password is enough to act as that user.",
			AboutJA: "IAM ユーザーがパスワードのみで AWS コンソールにサインインしました。二要素目がない場合、パスワードが盗まれるだけでそのユーザーとして操作できてしまいます。",
			When:    signInWithoutMFA},

		{EventSource: iam, EventNames: names("CreateAccessKey"), Type: "iam/RootAccessKeyCreated", Severity: 8, Scope: ScopePlatform, CIS: "4.3",
			Title: "An access key was created for the AWS account's root user", TitleJA: "AWS アカウントのルートユーザーのアクセスキーが作成されました",
			About:   "A long-term key was created for the root user of the AWS account the service runs in. Whoever holds it can do anything in the account without signing in; such keys should not exist.",
			AboutJA: "サービスが稼働する AWS アカウントのルートユーザーに長期のアクセスキーが作成されました。このキーを持つ者はサインインせずにアカウント内のあらゆる操作が可能になるため、本来存在すべきではありません。",
			When:    rootAccessKey},
		{EventSource: iam, EventNames: names("AttachUserPolicy", "AttachRolePolicy", "AttachGroupPolicy"), Type: "iam/AdministratorAccessGranted", Severity: 8, Scope: ScopeResource, CIS: "4.4",
			Title: "Full administrator access was granted to an IAM identity", TitleJA: "IAM のユーザーまたはロールに管理者権限が付与されました",
			About:   "The AdministratorAccess policy, which allows every action on every resource, was attached to a user, role or group. Whoever uses that identity can now read, change or delete anything in the account.",
			AboutJA: "すべてのリソースに対するすべての操作を許可する AdministratorAccess ポリシーが、ユーザー、ロールまたはグループに付与されました。その権限を使う者はアカウント内のあらゆるデータを読み取り、変更、削除できるようになります。",
			When:    administratorAccess},
		{EventSource: iam, EventNames: names("DeleteGroupPolicy", "DeleteRolePolicy", "DeleteUserPolicy", "PutGroupPolicy", "PutRolePolicy", "PutUserPolicy",
			"CreatePolicy", "DeletePolicy", "CreatePolicyVersion", "DeletePolicyVersion", "SetDefaultPolicyVersion", "AttachRolePolicy", "DetachRolePolicy",
			"AttachUserPolicy", "DetachUserPolicy", "AttachGroupPolicy", "DetachGroupPolicy"),
			Type: "iam/PolicyChanged", Severity: 3, Scope: ScopeResource, CIS: "4.4",
			Title: "IAM permissions were changed", TitleJA: "IAM の権限が変更されました",
			About:   "A permissions policy of a user, role or group was added, changed or removed. Permissions decide who can reach your data; we review changes that widen them.",
			AboutJA: "ユーザー、ロールまたはグループの権限ポリシーが追加、変更または削除されました。権限はお客様のデータに誰がアクセスできるかを決めるため、権限を広げる変更を確認します。"},
	}
}
