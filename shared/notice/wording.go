package notice

import "github.com/pledge-dev/pledge/shared/finding"

// labels is one language's fixed wording. Format verbs may use explicit argument indexes.
type labels struct {
	Subject        string // %s band, %s title
	Greeting       string // %s tenant name
	Intro          []string
	What           string
	TypeLabel      string
	SeverityLabel  string
	SeverityFormat string // %s local band, %s band name, %s number
	Occurrences    string // %d count
	// OccurrencesBetween: %d count, %s first, %s last.
	OccurrencesBetween string
	Late               string // %s detected, %s received
	Due                string // %s due
	When               string
	FirstSeen          string // %s time
	Which              string
	Platform           string
	Object             string
	MoreKeys           string // %d count
	Doing              string
	Contact            string
	Reference          string // %s finding id
	Closing            []string
	Bands              map[finding.Band]string
	Kinds              map[string]string
}

var wording = map[string]labels{
	"ja": {
		Subject:  "【セキュリティに関するお知らせ／重要度: %s】%s",
		Greeting: "%s ご担当者様",
		Intro: []string{
			"平素より{operator}をご利用いただき、誠にありがとうございます。",
			"お客様のデータまたはご利用環境に関わる可能性のあるセキュリティ上の事象を検知いたしましたので、ご報告いたします。",
		},
		What:               "事象の概要",
		TypeLabel:          "種別",
		SeverityLabel:      "重要度",
		SeverityFormat:     "%s（%s、%s）",
		Occurrences:        "この事象は %d 回観測されています。",
		OccurrencesBetween: "この事象は %d 回観測されています（最初: %s、最後: %s）。",
		Late:               "この事象は %s に検知されたものですが、弊社の監視に届いたのは %s でした。",
		Due:                "本件のご連絡期限（弊社のお約束）: %s",
		When:               "検知日時",
		FirstSeen:          "（関連する活動が最初に観測された日時: %s）",
		Which:              "対象となるお客様のリソース",
		Platform:           "特定のリソースに限らず、サービス全体に関わる事象です。",
		Object:             "S3 オブジェクト",
		MoreKeys:           "ほか %d 件のオブジェクト",
		Doing:              "弊社の対応",
		Contact:            "お問い合わせ先",
		Reference:          "お問い合わせの際は、参照番号 %s をお伝えください。",
		Closing: []string{
			"お客様にはご心配をおかけし、誠に申し訳ございません。",
			"対応の進捗につきましては、引き続きご報告いたします。",
		},
		Bands: map[finding.Band]string{finding.Low: "低", finding.Medium: "中", finding.High: "高", finding.Critical: "重大"},
		Kinds: map[string]string{
			finding.KindInstance:        "EC2 インスタンス",
			finding.KindAccessKey:       "アクセスキー",
			finding.KindS3Bucket:        "S3 バケット",
			finding.KindEKSCluster:      "EKS クラスター",
			finding.KindK8sWorkload:     "Kubernetes ワークロード",
			finding.KindEBSVolume:       "EBS ボリューム",
			finding.KindRDSInstance:     "データベース",
			finding.KindRDSCluster:      "データベースクラスター",
			finding.KindRDSSnapshot:     "データベーススナップショット",
			finding.KindRDSClusterSn:    "データベースクラスタースナップショット",
			finding.KindRDSParamGroup:   "データベースパラメータグループ",
			finding.KindLambda:          "Lambda 関数",
			finding.KindSecurityGroup:   "セキュリティグループ",
			finding.KindKMSKey:          "暗号化キー",
			finding.KindTrail:           "CloudTrail 証跡",
			finding.KindDetector:        "GuardDuty 検出機能",
			finding.KindAccount:         "AWS アカウント",
			finding.KindIAMUser:         "IAM ユーザー",
			finding.KindIAMRole:         "IAM ロール",
			finding.KindIAMGroup:        "IAM グループ",
			finding.KindIAMPolicy:       "IAM ポリシー",
			finding.KindECSCluster:      "ECS クラスター",
			finding.KindECSTask:         "ECS タスク",
			finding.KindContainer:       "コンテナ",
			finding.KindEBSSnapshot:     "EBS スナップショット",
			finding.KindImage:           "サーバーイメージ (AMI)",
			finding.KindVPC:             "VPC",
			finding.KindNetworkACL:      "ネットワーク ACL",
			finding.KindRouteTable:      "ルートテーブル",
			finding.KindInternetGateway: "インターネットゲートウェイ",
			finding.KindLogGroup:        "ロググループ",
		},
	},
	"en": {
		Subject:  "[Security notice / severity: %s] %s",
		Greeting: "Dear %s,",
		Intro: []string{
			"Thank you for using {operator}.",
			"We have detected a security event that may concern your data or your use of the service, and are writing to let you know.",
		},
		What:               "What happened",
		TypeLabel:          "Type",
		SeverityLabel:      "Severity",
		SeverityFormat:     "%[2]s (%[3]s)",
		Occurrences:        "This event has been observed %d times.",
		OccurrencesBetween: "This event has been observed %d times (first at %s, last at %s).",
		Late:               "This event was detected at %s but reached our monitoring only at %s.",
		Due:                "We committed to notify you of it by: %s",
		When:               "Detected at",
		FirstSeen:          "(related activity first observed at %s)",
		Which:              "Your resources concerned",
		Platform:           "This event concerns the service as a whole rather than particular resources of yours.",
		Object:             "S3 object",
		MoreKeys:           "and %d more objects",
		Doing:              "What we are doing",
		Contact:            "Whom to contact",
		Reference:          "Please quote reference %s when you contact us.",
		Closing: []string{
			"We are sorry for the concern this may cause you.",
			"We will keep you informed of our progress.",
		},
		Bands: map[finding.Band]string{finding.Low: "Low", finding.Medium: "Medium", finding.High: "High", finding.Critical: "Critical"},
		Kinds: map[string]string{
			finding.KindInstance:        "EC2 instance",
			finding.KindAccessKey:       "Access key",
			finding.KindS3Bucket:        "S3 bucket",
			finding.KindEKSCluster:      "EKS cluster",
			finding.KindK8sWorkload:     "Kubernetes workload",
			finding.KindEBSVolume:       "EBS volume",
			finding.KindRDSInstance:     "Database",
			finding.KindRDSCluster:      "Database cluster",
			finding.KindRDSSnapshot:     "Database snapshot",
			finding.KindRDSClusterSn:    "Database cluster snapshot",
			finding.KindRDSParamGroup:   "Database parameter group",
			finding.KindLambda:          "Lambda function",
			finding.KindSecurityGroup:   "Security group",
			finding.KindKMSKey:          "Encryption key",
			finding.KindTrail:           "CloudTrail trail",
			finding.KindDetector:        "GuardDuty detector",
			finding.KindAccount:         "AWS account",
			finding.KindIAMUser:         "IAM user",
			finding.KindIAMRole:         "IAM role",
			finding.KindIAMGroup:        "IAM group",
			finding.KindIAMPolicy:       "IAM policy",
			finding.KindECSCluster:      "ECS cluster",
			finding.KindECSTask:         "ECS task",
			finding.KindContainer:       "Container",
			finding.KindEBSSnapshot:     "EBS snapshot",
			finding.KindImage:           "Server image (AMI)",
			finding.KindVPC:             "VPC",
			finding.KindNetworkACL:      "Network ACL",
			finding.KindRouteTable:      "Route table",
			finding.KindInternetGateway: "Internet gateway",
			finding.KindLogGroup:        "Log group",
		},
	},
}
