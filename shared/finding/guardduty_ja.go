package finding

import "strings"

// GuardDutyTypes are the GuardDuty finding types AWS documents (the User
// Guide's active finding types, by resource: EC2, IAM, S3 Protection, EKS
// Protection, Runtime Monitoring, Malware Protection, RDS Protection,
// Lambda Protection and attack sequences), and the retired types that
// still appear in older findings. Each has a Japanese title in
// guardDutyTitlesJA; a type AWS adds later gets a composed one
// (GuardDutyTitleJA).
var GuardDutyTypes = func() []string {
	out := make([]string, 0, len(guardDutyTitlesJA))
	for t := range guardDutyTitlesJA {
		out = append(out, t)
	}
	return out
}()

// GuardDutyTitleJA returns the Japanese title of a GuardDuty finding type:
// the curated one, or one composed from the type's threat purpose and
// resource for a type not in the list.
func GuardDutyTitleJA(findingType string) string {
	if t, ok := guardDutyTitlesJA[findingType]; ok {
		return t
	}
	return composeTitleJA(findingType)
}

// composeTitleJA writes "ThreatPurpose:Resource/Family.Variant!Artifact" as
// Japanese: the resource and the purpose, the facts the type carries.
func composeTitleJA(t string) string {
	purpose, rest, _ := strings.Cut(t, ":")
	resource, _, _ := strings.Cut(rest, "/")
	p := purposesJA[purpose]
	if p == "" {
		p = "不審な活動"
	}
	r := resourcesJA[resource]
	if r == "" {
		r = "AWS 環境"
	}
	return r + "で" + p + "の疑いがある活動が検知されました"
}

var purposesJA = map[string]string{
	"AttackSequence": "一連の攻撃", "Backdoor": "バックドア", "Behavior": "通常と異なる挙動", "CredentialAccess": "認証情報の窃取",
	"CryptoCurrency": "暗号資産の採掘", "DefenseEvasion": "防御の回避", "Discovery": "探索", "Execution": "不正なプログラムの実行",
	"Exfiltration": "データの持ち出し", "Impact": "改ざんや破壊", "InitialAccess": "不正な侵入", "Object": "不正なファイル",
	"PenTest": "侵入テストツールの使用", "Persistence": "不正アクセスの持続", "Policy": "セキュリティ設定の弱体化",
	"PrivilegeEscalation": "権限の昇格", "Recon": "偵察", "ResourceConsumption": "リソースの不正利用", "Stealth": "痕跡の隠蔽",
	"Trojan": "トロイの木馬", "UnauthorizedAccess": "不正アクセス",
}

var resourcesJA = map[string]string{
	"EC2": "EC2 インスタンス", "IAMUser": "IAM の認証情報", "IAM": "IAM の認証情報", "S3": "S3", "Kubernetes": "EKS クラスター",
	"EKS": "EKS クラスター", "ECS": "ECS クラスター", "Container": "コンテナ", "Runtime": "実行環境", "Lambda": "Lambda 関数", "RDS": "データベース",
	"EBS": "EBS ボリューム",
}

// k8sCaller is the four ways GuardDuty sees a Kubernetes API called, by
// the purpose the called API serves.
func k8sCallers(m map[string]string) {
	for purpose, what := range map[string]string{
		"CredentialAccess": "認証情報の取得", "DefenseEvasion": "防御の回避", "Discovery": "クラスターの探索", "Impact": "クラスターの改ざん", "Persistence": "不正アクセスの持続",
	} {
		m[purpose+":Kubernetes/MaliciousIPCaller"] = "既知の悪意ある IP アドレスから、" + what + "に使われる Kubernetes API が呼び出されました"
		m[purpose+":Kubernetes/MaliciousIPCaller.Custom"] = "カスタム脅威リストに載った IP アドレスから、" + what + "に使われる Kubernetes API が呼び出されました"
		m[purpose+":Kubernetes/TorIPCaller"] = "Tor の出口ノードから、" + what + "に使われる Kubernetes API が呼び出されました"
		m[purpose+":Kubernetes/SuccessfulAnonymousAccess"] = "認証されていない利用者が、" + what + "に使われる Kubernetes API の呼び出しに成功しました"
	}
}

// network are the titles shared by EC2, Runtime and Lambda findings about
// network traffic, written for one resource name.
func network(m map[string]string, res, who string) {
	add := func(typ, title string) { m[strings.Replace(typ, "X", res, 1)] = who + title }
	add("Backdoor:X/C&CActivity.B", "が既知のコマンド＆コントロールサーバーの IP アドレスと通信しています")
	add("Backdoor:X/C&CActivity.B!DNS", "が既知のコマンド＆コントロールサーバーのドメインに問い合わせています")
	add("CryptoCurrency:X/BitcoinTool.B", "が暗号資産の活動に関わる IP アドレスと通信しています")
	add("CryptoCurrency:X/BitcoinTool.B!DNS", "が暗号資産の活動に関わるドメインに問い合わせています")
	add("Trojan:X/BlackholeTraffic", "がブラックホール化された（到達できないようにされた）IP アドレスと通信しようとしています")
	add("Trojan:X/BlackholeTraffic!DNS", "がブラックホール化されたドメインに問い合わせています")
	add("Trojan:X/DropPoint", "が窃取したデータの送り先として知られる IP アドレスと通信しています")
	add("Trojan:X/DropPoint!DNS", "が窃取したデータの送り先として知られるドメインに問い合わせています")
	add("Trojan:X/DGADomainRequest.C!DNS", "がアルゴリズムで生成されたドメイン (DGA) に問い合わせています")
	add("Trojan:X/DriveBySourceTraffic!DNS", "がドライブバイダウンロード攻撃に使われるドメインに問い合わせています")
	add("Trojan:X/PhishingDomainRequest!DNS", "がフィッシングに使われるドメインに問い合わせています")
	add("UnauthorizedAccess:X/TorClient", "が Tor のノードに接続しています")
	add("UnauthorizedAccess:X/TorRelay", "が Tor のリレーとして通信しています")
	add("UnauthorizedAccess:X/MaliciousIPCaller.Custom", "がカスタム脅威リストに載った IP アドレスと通信しています")
	add("Impact:X/AbusedDomainRequest.Reputation", "が悪用されることの多いドメインに問い合わせています")
	add("Impact:X/BitcoinDomainRequest.Reputation", "が暗号資産の活動に関わる評判の低いドメインに問い合わせています")
	add("Impact:X/MaliciousDomainRequest.Reputation", "が既知の悪意あるドメインに問い合わせています")
	add("Impact:X/SuspiciousDomainRequest.Reputation", "が評判の低い不審なドメインに問い合わせています")
}

var guardDutyTitlesJA = func() map[string]string {
	m := map[string]string{
		// EC2.
		"Backdoor:EC2/DenialOfService.Dns":             "EC2 インスタンスが DNS を使ったサービス妨害 (DoS) 攻撃に使われているおそれがあります",
		"Backdoor:EC2/DenialOfService.Tcp":             "EC2 インスタンスが TCP を使ったサービス妨害 (DoS) 攻撃に使われているおそれがあります",
		"Backdoor:EC2/DenialOfService.Udp":             "EC2 インスタンスが UDP を使ったサービス妨害 (DoS) 攻撃に使われているおそれがあります",
		"Backdoor:EC2/DenialOfService.UdpOnTcpPorts":   "EC2 インスタンスが TCP ポートへの UDP によるサービス妨害 (DoS) 攻撃に使われているおそれがあります",
		"Backdoor:EC2/DenialOfService.UnusualProtocol": "EC2 インスタンスが通常と異なるプロトコルによるサービス妨害 (DoS) 攻撃に使われているおそれがあります",
		"Backdoor:EC2/Spambot":                         "EC2 インスタンスがポート 25 で通常と異なる通信を行い、迷惑メールの送信に使われているおそれがあります",
		"Behavior:EC2/NetworkPortUnusual":              "EC2 インスタンスが通常使わないポートでリモートホストと通信しています",
		"Behavior:EC2/TrafficVolumeUnusual":            "EC2 インスタンスがリモートホストと通常より大量の通信を行っています",
		"DefenseEvasion:EC2/UnusualDNSResolver":        "EC2 インスタンスが通常と異なる外部の DNS リゾルバーと通信しています",
		"DefenseEvasion:EC2/UnusualDoHActivity":        "EC2 インスタンスが通常と異なる DNS over HTTPS (DoH) の通信を行っています",
		"DefenseEvasion:EC2/UnusualDoTActivity":        "EC2 インスタンスが通常と異なる DNS over TLS (DoT) の通信を行っています",
		"Impact:EC2/MaliciousDomainRequest.Custom":     "EC2 インスタンスがカスタム脅威リストに載ったドメインに問い合わせています",
		"Impact:EC2/PortSweep":                         "EC2 インスタンスが多数のホストの特定のポートを探索しています",
		"Impact:EC2/WinRMBruteForce":                   "EC2 インスタンスから WinRM への総当たり攻撃が行われています",
		"Recon:EC2/PortProbeEMRUnprotectedPort":        "EC2 インスタンスの保護されていない EMR のポートが既知の悪意ある IP アドレスから探られています",
		"Recon:EC2/PortProbeUnprotectedPort":           "EC2 インスタンスの保護されていないポートが既知の悪意ある IP アドレスから探られています",
		"Recon:EC2/Portscan":                           "EC2 インスタンスがリモートホストにポートスキャンを行っています",
		"Trojan:EC2/DGADomainRequest.B":                "EC2 インスタンスがアルゴリズムで生成されたドメイン (DGA) に問い合わせています",
		"Trojan:EC2/DNSDataExfiltration":               "EC2 インスタンスが DNS の問い合わせを使ってデータを外部に持ち出しているおそれがあります",
		"UnauthorizedAccess:EC2/MetadataDNSRebind":     "EC2 インスタンスがインスタンスメタデータへの DNS リバインディング攻撃に使われるドメインを名前解決しています",
		"UnauthorizedAccess:EC2/RDPBruteForce":         "EC2 インスタンスが RDP の総当たり攻撃に関わっています",
		"UnauthorizedAccess:EC2/SSHBruteForce":         "EC2 インスタンスが SSH の総当たり攻撃に関わっています",
		"UnauthorizedAccess:EC2/TorIPCaller":           "EC2 インスタンスに Tor の出口ノードから接続がありました",
		"UnauthorizedAccess:EC2/MaliciousIPCaller":     "EC2 インスタンスが既知の悪意ある IP アドレスと通信しています",
		"Execution:EC2/MaliciousFile":                  "EC2 インスタンスのボリュームにマルウェアと判定されたファイルがあります",
		"Execution:EC2/SuspiciousFile":                 "EC2 インスタンスのボリュームに不審なファイルがあります",
		"Execution:ECS/MaliciousFile":                  "ECS クラスターのボリュームにマルウェアと判定されたファイルがあります",
		"Execution:ECS/SuspiciousFile":                 "ECS クラスターのボリュームに不審なファイルがあります",
		"Execution:Kubernetes/MaliciousFile":           "EKS クラスターのボリュームにマルウェアと判定されたファイルがあります",
		"Execution:Kubernetes/SuspiciousFile":          "EKS クラスターのボリュームに不審なファイルがあります",
		"Execution:Container/MaliciousFile":            "コンテナのボリュームにマルウェアと判定されたファイルがあります",
		"Execution:Container/SuspiciousFile":           "コンテナのボリュームに不審なファイルがあります",
		"Object:S3/MaliciousFile":                      "S3 バケットにマルウェアと判定されたファイルがアップロードされました",
		"AttackSequence:IAM/CompromisedCredentials":    "侵害された認証情報を使った一連の攻撃が検知されました",
		"AttackSequence:S3/CompromisedData":            "S3 のデータの侵害につながる一連の攻撃が検知されました",
		"AttackSequence:EKS/CompromisedCluster":        "EKS クラスターの侵害につながる一連の攻撃が検知されました",
		"AttackSequence:ECS/CompromisedCluster":        "ECS クラスターの侵害につながる一連の攻撃が検知されました",
		"AttackSequence:EC2/CompromisedInstanceGroup":  "複数の EC2 インスタンスの侵害につながる一連の攻撃が検知されました",

		// IAM.
		"CredentialAccess:IAMUser/AnomalousBehavior":                           "認証情報の取得に使われる API が通常と異なる方法で呼び出されました",
		"DefenseEvasion:IAMUser/AnomalousBehavior":                             "防御の回避に使われる API が通常と異なる方法で呼び出されました",
		"DefenseEvasion:IAMUser/BedrockLoggingDisabled":                        "Amazon Bedrock の呼び出しの記録が無効にされました",
		"Discovery:IAMUser/AnomalousBehavior":                                  "リソースの探索に使われる API が通常と異なる方法で呼び出されました",
		"Exfiltration:IAMUser/AnomalousBehavior":                               "データの収集に使われる API が通常と異なる方法で呼び出されました",
		"Impact:IAMUser/AnomalousBehavior":                                     "環境の改ざんや破壊に使われる API が通常と異なる方法で呼び出されました",
		"InitialAccess:IAMUser/AnomalousBehavior":                              "不正な侵入に使われる API が通常と異なる方法で呼び出されました",
		"PenTest:IAMUser/KaliLinux":                                            "侵入テスト用の Kali Linux から API が呼び出されました",
		"PenTest:IAMUser/ParrotLinux":                                          "侵入テスト用の Parrot Security Linux から API が呼び出されました",
		"PenTest:IAMUser/PentooLinux":                                          "侵入テスト用の Pentoo Linux から API が呼び出されました",
		"Persistence:IAMUser/AnomalousBehavior":                                "不正アクセスの持続に使われる API が通常と異なる方法で呼び出されました",
		"Policy:IAMUser/RootCredentialUsage":                                   "ルートユーザーの認証情報で API が呼び出されました",
		"Policy:IAMUser/ShortTermRootCredentialUsage":                          "ルートユーザーの一時的な認証情報で API が呼び出されました",
		"PrivilegeEscalation:IAMUser/AnomalousBehavior":                        "権限の昇格に使われる API が通常と異なる方法で呼び出されました",
		"Recon:IAMUser/MaliciousIPCaller":                                      "既知の悪意ある IP アドレスから偵察に使われる API が呼び出されました",
		"Recon:IAMUser/MaliciousIPCaller.Custom":                               "カスタム脅威リストに載った IP アドレスから偵察に使われる API が呼び出されました",
		"Recon:IAMUser/TorIPCaller":                                            "Tor の出口ノードから偵察に使われる API が呼び出されました",
		"Stealth:IAMUser/CloudTrailLoggingDisabled":                            "CloudTrail による操作の記録が無効にされました",
		"Stealth:IAMUser/PasswordPolicyChange":                                 "アカウントのパスワードポリシーが弱められました",
		"UnauthorizedAccess:IAMUser/ConsoleLoginSuccess.B":                     "世界の離れた複数の場所からコンソールへのサインインが成功しています",
		"UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.InsideAWS":  "EC2 インスタンス専用の認証情報が別の AWS アカウントから使われました",
		"UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS": "EC2 インスタンス専用の認証情報が AWS の外部から使われました",
		"UnauthorizedAccess:IAMUser/MaliciousIPCaller":                         "既知の悪意ある IP アドレスから API が呼び出されました",
		"UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom":                  "カスタム脅威リストに載った IP アドレスから API が呼び出されました",
		"UnauthorizedAccess:IAMUser/TorIPCaller":                               "Tor の出口ノードから API が呼び出されました",
		// Retired IAM types, still found in older findings.
		"Persistence:IAMUser/NetworkPermissions":                "ネットワークのアクセス権限を変更する API が通常と異なる方法で呼び出されました",
		"Persistence:IAMUser/ResourcePermissions":               "リソースのアクセス権限を変更する API が通常と異なる方法で呼び出されました",
		"Persistence:IAMUser/UserPermissions":                   "ユーザーの権限を変更する API が通常と異なる方法で呼び出されました",
		"PrivilegeEscalation:IAMUser/AdministrativePermissions": "ユーザーやロールに大きな権限を与えようとする操作がありました",
		"Recon:IAMUser/NetworkPermissions":                      "ネットワークのアクセス権限を調べる API が通常と異なる方法で呼び出されました",
		"Recon:IAMUser/ResourcePermissions":                     "リソースのアクセス権限を調べる API が通常と異なる方法で呼び出されました",
		"Recon:IAMUser/UserPermissions":                         "ユーザーの権限を調べる API が通常と異なる方法で呼び出されました",
		"ResourceConsumption:IAMUser/ComputeResources":          "計算リソースを起動する API が通常と異なる方法で呼び出されました",
		"Stealth:IAMUser/LoggingConfigurationModified":          "ログの記録設定を変更する API が通常と異なる方法で呼び出されました",
		"UnauthorizedAccess:IAMUser/ConsoleLogin":               "通常と異なるコンソールへのサインインがありました",

		// S3 Protection.
		"Discovery:S3/AnomalousBehavior":                 "S3 のデータを探索する API が通常と異なる方法で呼び出されました",
		"Discovery:S3/MaliciousIPCaller":                 "既知の悪意ある IP アドレスから S3 のデータを探索する API が呼び出されました",
		"Discovery:S3/MaliciousIPCaller.Custom":          "カスタム脅威リストに載った IP アドレスから S3 のデータを探索する API が呼び出されました",
		"Discovery:S3/TorIPCaller":                       "Tor の出口ノードから S3 のデータを探索する API が呼び出されました",
		"Exfiltration:S3/AnomalousBehavior":              "S3 からデータを取り出す API が通常と異なる方法で呼び出されました",
		"Exfiltration:S3/MaliciousIPCaller":              "既知の悪意ある IP アドレスから S3 のデータが取り出されました",
		"Impact:S3/AnomalousBehavior.Delete":             "S3 のデータを削除する API が通常と異なる方法で呼び出されました",
		"Impact:S3/AnomalousBehavior.Permission":         "S3 のアクセス権限を変更する API が通常と異なる方法で呼び出されました",
		"Impact:S3/AnomalousBehavior.Write":              "S3 にデータを書き込む API が通常と異なる方法で呼び出されました",
		"Impact:S3/MaliciousIPCaller":                    "既知の悪意ある IP アドレスから S3 のデータまたはアクセス権限が変更されました",
		"PenTest:S3/KaliLinux":                           "侵入テスト用の Kali Linux から S3 の API が呼び出されました",
		"PenTest:S3/ParrotLinux":                         "侵入テスト用の Parrot Security Linux から S3 の API が呼び出されました",
		"PenTest:S3/PentooLinux":                         "侵入テスト用の Pentoo Linux から S3 の API が呼び出されました",
		"Policy:S3/AccountBlockPublicAccessDisabled":     "アカウント全体の S3 パブリックアクセスブロックが無効にされました",
		"Policy:S3/BucketAnonymousAccessGranted":         "S3 バケットに匿名のアクセスが許可されました",
		"Policy:S3/BucketBlockPublicAccessDisabled":      "S3 バケットのパブリックアクセスブロックが無効にされました",
		"Policy:S3/BucketPublicAccessGranted":            "S3 バケットが一般に公開されました",
		"Stealth:S3/ServerAccessLoggingDisabled":         "S3 バケットのサーバーアクセスログの記録が無効にされました",
		"UnauthorizedAccess:S3/MaliciousIPCaller.Custom": "カスタム脅威リストに載った IP アドレスから S3 の API が呼び出されました",
		"UnauthorizedAccess:S3/TorIPCaller":              "Tor の出口ノードから S3 の API が呼び出されました",

		// EKS Protection (audit logs).
		"Execution:Kubernetes/ExecInKubeSystemPod":                                                      "kube-system 名前空間のポッド内でコマンドが実行されました",
		"Persistence:Kubernetes/ContainerWithSensitiveMount":                                            "ホストの重要なパスをマウントしたコンテナが起動されました",
		"Policy:Kubernetes/AdminAccessToDefaultServiceAccount":                                          "既定のサービスアカウントに管理者権限が付与されました",
		"Policy:Kubernetes/AnonymousAccessGranted":                                                      "認証されていない利用者に Kubernetes クラスターへのアクセス権限が付与されました",
		"Policy:Kubernetes/ExposedDashboard":                                                            "Kubernetes のダッシュボードがインターネットに公開されています",
		"Policy:Kubernetes/KubeflowDashboardExposed":                                                    "Kubeflow のダッシュボードがインターネットに公開されています",
		"PrivilegeEscalation:Kubernetes/PrivilegedContainer":                                            "特権コンテナが起動されました",
		"CredentialAccess:Kubernetes/AnomalousBehavior.SecretsAccessed":                                 "Kubernetes のシークレットが通常と異なる方法で読み取られました",
		"PrivilegeEscalation:Kubernetes/AnomalousBehavior.RoleBindingCreated":                           "大きな権限を与えるロールバインディングが通常と異なる方法で作成または変更されました",
		"Execution:Kubernetes/AnomalousBehavior.ExecInPod":                                              "ポッド内で通常と異なるコマンドの実行がありました",
		"PrivilegeEscalation:Kubernetes/AnomalousBehavior.WorkloadDeployed!PrivilegedContainer":         "特権コンテナを含むワークロードが通常と異なる方法でデプロイされました",
		"PrivilegeEscalation:Kubernetes/AnomalousBehavior.WorkloadDeployed!ContainerWithSensitiveMount": "ホストの重要なパスをマウントするワークロードが通常と異なる方法でデプロイされました",
		"Execution:Kubernetes/AnomalousBehavior.WorkloadDeployed":                                       "ワークロードが通常と異なる方法でデプロイされました",
		"PrivilegeEscalation:Kubernetes/AnomalousBehavior.RoleCreated":                                  "大きな権限を持つロールが通常と異なる方法で作成または変更されました",
		"Discovery:Kubernetes/AnomalousBehavior.PermissionChecked":                                      "自身の権限を確かめる操作が通常と異なる方法で行われました",

		// Runtime Monitoring (EC2, EKS, ECS and containers).
		"PrivilegeEscalation:Runtime/DockerSocketAccessed":           "コンテナ内のプロセスが Docker ソケットにアクセスしました",
		"PrivilegeEscalation:Runtime/RuncContainerEscape":            "runc の脆弱性を使ったコンテナからの脱出の試みが検知されました",
		"PrivilegeEscalation:Runtime/CGroupsReleaseAgentModified":    "cgroups の release_agent を書き換えるコンテナからの脱出の試みが検知されました",
		"PrivilegeEscalation:Runtime/ContainerMountsHostDirectory":   "コンテナ内でホストのディレクトリがマウントされました",
		"PrivilegeEscalation:Runtime/UserfaultfdUsage":               "権限昇格の攻撃に使われる userfaultfd が使用されました",
		"PrivilegeEscalation:Runtime/SuspiciousCommand":              "権限の昇格に使われる不審なコマンドが実行されました",
		"PrivilegeEscalation:Runtime/ElevationToRoot":                "プロセスが通常と異なる方法で root 権限に昇格しました",
		"DefenseEvasion:Runtime/ProcessInjection.Proc":               "proc ファイルシステムを使ったプロセスへのコード注入が検知されました",
		"DefenseEvasion:Runtime/ProcessInjection.Ptrace":             "ptrace を使ったプロセスへのコード注入が検知されました",
		"DefenseEvasion:Runtime/ProcessInjection.VirtualMemoryWrite": "仮想メモリへの書き込みによるプロセスへのコード注入が検知されました",
		"DefenseEvasion:Runtime/FilelessExecution":                   "ディスク上にファイルを残さないプログラムの実行が検知されました",
		"DefenseEvasion:Runtime/SuspiciousCommand":                   "防御の回避に使われる不審なコマンドが実行されました",
		"DefenseEvasion:Runtime/PtraceAntiDebugging":                 "解析を妨げる ptrace の使用が検知されました",
		"Execution:Runtime/ReverseShell":                             "リバースシェルが作成されたおそれがあります",
		"Execution:Runtime/NewBinaryExecuted":                        "コンテナ内で新しく作成または変更されたプログラムが実行されました",
		"Execution:Runtime/NewLibraryLoaded":                         "コンテナ内で新しく作成または変更されたライブラリが読み込まれました",
		"Execution:Runtime/SuspiciousTool":                           "攻撃に使われることのある不審なツールが実行されました",
		"Execution:Runtime/SuspiciousCommand":                        "不審なコマンドが実行されました",
		"Execution:Runtime/MaliciousFileExecuted":                    "マルウェアと判定されたプログラムが実行されました",
		"Execution:Runtime/SuspiciousShellCreated":                   "不審なシェルが起動されました",
		"Discovery:Runtime/SuspiciousCommand":                        "環境の探索に使われる不審なコマンドが実行されました",
		"Persistence:Runtime/SuspiciousCommand":                      "不正アクセスの持続に使われる不審なコマンドが実行されました",
		"Impact:Runtime/CryptoMinerExecuted":                         "暗号資産の採掘プログラムが実行されました",

		// RDS Protection.
		"CredentialAccess:RDS/AnomalousBehavior.SuccessfulLogin":      "データベースへの通常と異なるログインが成功しました",
		"CredentialAccess:RDS/AnomalousBehavior.FailedLogin":          "データベースへの通常と異なるログインの失敗が続いています",
		"CredentialAccess:RDS/AnomalousBehavior.SuccessfulBruteForce": "データベースへの総当たり攻撃の後にログインが成功しました",
		"CredentialAccess:RDS/MaliciousIPCaller.SuccessfulLogin":      "既知の悪意ある IP アドレスからデータベースへのログインが成功しました",
		"CredentialAccess:RDS/MaliciousIPCaller.FailedLogin":          "既知の悪意ある IP アドレスからデータベースへのログインが試みられました",
		"Discovery:RDS/MaliciousIPCaller":                             "既知の悪意ある IP アドレスからデータベースが探られています",
		"CredentialAccess:RDS/TorIPCaller.SuccessfulLogin":            "Tor の出口ノードからデータベースへのログインが成功しました",
		"CredentialAccess:RDS/TorIPCaller.FailedLogin":                "Tor の出口ノードからデータベースへのログインが試みられました",
		"Discovery:RDS/TorIPCaller":                                   "Tor の出口ノードからデータベースが探られています",
	}
	network(m, "EC2", "EC2 インスタンス")
	network(m, "Runtime", "コンテナまたはインスタンスのプロセス")
	for _, typ := range []string{"Backdoor:X/C&CActivity.B", "CryptoCurrency:X/BitcoinTool.B", "Trojan:X/BlackholeTraffic", "Trojan:X/DropPoint",
		"UnauthorizedAccess:X/MaliciousIPCaller.Custom", "UnauthorizedAccess:X/TorClient", "UnauthorizedAccess:X/TorRelay"} {
		lm := map[string]string{}
		network(lm, "Lambda", "Lambda 関数")
		t := strings.Replace(typ, "X", "Lambda", 1)
		m[t] = lm[t]
	}
	k8sCallers(m)
	return m
}()
