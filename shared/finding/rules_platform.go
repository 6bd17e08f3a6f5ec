package finding

// platformRules: the account's own logging, detection, configuration
// recording, keys and organisation.
func platformRules() []Rule {
	const ct, gd, kms, cfg, logs, org = "cloudtrail.amazonaws.com", "guardduty.amazonaws.com", "kms.amazonaws.com", "config.amazonaws.com", "logs.amazonaws.com", "organizations.amazonaws.com"
	const loggingGap = "While it lasts, operations on the service are not recorded, so an intrusion during that time could go unnoticed or could not be investigated afterwards."
	const loggingGapJA = "この間はサービスに対する操作が記録されないため、その間の不正なアクセスが見逃されたり、後から調査できなくなったりするおそれがあります。"
	return []Rule{
		{EventSource: ct, EventNames: names("StopLogging"), Type: "cloudtrail/LoggingStopped", Severity: 8, Scope: ScopePlatform, CIS: "4.5",
			Title: "CloudTrail logging was stopped", TitleJA: "CloudTrail による操作ログの記録が停止されました",
			About:   "The record of every operation on the service's AWS account was switched off. " + loggingGap,
			AboutJA: "サービスを運用する AWS アカウントで、すべての操作の記録が停止されました。" + loggingGapJA},
		{EventSource: ct, EventNames: names("DeleteTrail"), Type: "cloudtrail/TrailDeleted", Severity: 8, Scope: ScopePlatform, CIS: "4.5",
			Title: "A CloudTrail trail was deleted", TitleJA: "CloudTrail の証跡が削除されました",
			About:   "A trail that records operations on the service's AWS account was deleted. " + loggingGap,
			AboutJA: "サービスを運用する AWS アカウントの操作を記録する証跡が削除されました。" + loggingGapJA},
		{EventSource: ct, EventNames: names("UpdateTrail"), Type: "cloudtrail/TrailUpdated", Severity: 5, Scope: ScopePlatform, CIS: "4.5",
			Title: "A CloudTrail trail's settings were changed", TitleJA: "CloudTrail の証跡の設定が変更されました",
			About:   "The settings of a trail that records operations on the service were changed. A change can narrow what is recorded or where the records are kept; we check that the record of operations remains complete.",
			AboutJA: "サービスの操作を記録する証跡の設定が変更されました。変更によって記録の範囲や保存先が狭められることがあるため、操作の記録が欠けていないことを確認します。"},
		{EventSource: ct, EventNames: names("CreateTrail", "StartLogging"), Type: "cloudtrail/TrailConfigured", Severity: 2, Scope: ScopePlatform, CIS: "4.5",
			Title: "A CloudTrail trail was created or started", TitleJA: "CloudTrail の証跡が作成または記録開始されました",
			About:   "A trail was created or its recording started. This usually strengthens the record of operations; it is noted so that every change to logging is accounted for.",
			AboutJA: "証跡が作成されたか、記録が開始されました。通常は操作の記録を強化する変更ですが、記録に関わるすべての変更を把握するために記録しています。"},

		{EventSource: gd, EventNames: names("DeleteDetector"), Type: "guardduty/DetectorDeleted", Severity: 8, Scope: ScopePlatform,
			Title: "The GuardDuty detector was deleted", TitleJA: "GuardDuty の検出機能が削除されました",
			About:   "Amazon GuardDuty, which watches the service for attacks and misuse, was removed. Until it is restored, threats to the service and your data are not detected automatically.",
			AboutJA: "サービスへの攻撃や不正利用を監視する Amazon GuardDuty が削除されました。復旧するまでの間、サービスとお客様のデータに対する脅威は自動では検知されません。"},
		{EventSource: gd, EventNames: names("UpdateDetector"), Type: "guardduty/DetectorDisabled", Severity: 8, Scope: ScopePlatform,
			Title: "The GuardDuty detector was disabled", TitleJA: "GuardDuty の検出機能が無効にされました",
			About:   "Amazon GuardDuty, which watches the service for attacks and misuse, was switched off. Until it is switched on again, threats to the service and your data are not detected automatically.",
			AboutJA: "サービスへの攻撃や不正利用を監視する Amazon GuardDuty が無効にされました。再び有効にするまでの間、サービスとお客様のデータに対する脅威は自動では検知されません。",
			When:    detectorDisabled},
		{EventSource: gd, EventNames: names("CreateDetector"), Type: "guardduty/DetectorCreatedDisabled", Severity: 7, Scope: ScopePlatform,
			Title: "A GuardDuty detector was created switched off", TitleJA: "GuardDuty の検出機能が無効の状態で作成されました",
			About:   "A GuardDuty detector was created with detection switched off, so it watches nothing. Threats to the service are not detected automatically until it is enabled.",
			AboutJA: "検知を無効にした状態で GuardDuty の検出機能が作成されたため、監視が行われていません。有効にするまでの間、サービスに対する脅威は自動では検知されません。",
			When:    detectorCreatedDisabled},

		{EventSource: kms, EventNames: names("DisableKey"), Type: "kms/KeyDisabled", Severity: 7, Scope: ScopePlatform, CIS: "4.7",
			Title: "A KMS encryption key was disabled", TitleJA: "KMS の暗号化キーが無効にされました",
			About:   "An encryption key that protects stored data was disabled. Data encrypted with it cannot be read until the key is enabled again, which can make the service or your data unavailable.",
			AboutJA: "保存データを保護する暗号化キーが無効にされました。キーを再び有効にするまで、そのキーで暗号化されたデータは読み出せず、サービスやお客様のデータが利用できなくなるおそれがあります。"},
		{EventSource: kms, EventNames: names("ScheduleKeyDeletion"), Type: "kms/KeyDeletionScheduled", Severity: 8, Scope: ScopePlatform, CIS: "4.7",
			Title: "A KMS encryption key was scheduled for deletion", TitleJA: "KMS の暗号化キーの削除が予約されました",
			About:   "An encryption key that protects stored data is due to be deleted. Once it is deleted, data encrypted with it can never be read again; the deletion can still be cancelled during the waiting period.",
			AboutJA: "保存データを保護する暗号化キーの削除が予約されました。削除されると、そのキーで暗号化されたデータは二度と読み出せなくなります。待機期間中であれば削除を取り消すことができます。"},

		{EventSource: cfg, EventNames: names("StopConfigurationRecorder", "DeleteConfigurationRecorder", "DeleteDeliveryChannel"), Type: "config/RecordingStopped", Severity: 7, Scope: ScopePlatform, CIS: "4.9",
			Title: "AWS Config recording was stopped or removed", TitleJA: "AWS Config による構成の記録が停止または削除されました",
			About:   "The record of how the service's AWS resources are configured was stopped or can no longer be delivered. Changes to settings that protect your data may go unrecorded until it is restored.",
			AboutJA: "サービスの AWS リソースの構成を記録する仕組みが停止されたか、記録を届けられない状態になりました。復旧するまでの間、お客様のデータを保護する設定の変更が記録されないおそれがあります。"},
		{EventSource: cfg, EventNames: names("PutConfigurationRecorder", "PutDeliveryChannel"), Type: "config/RecordingChanged", Severity: 3, Scope: ScopePlatform, CIS: "4.9",
			Title: "AWS Config recording settings were changed", TitleJA: "AWS Config の記録設定が変更されました",
			About:   "The settings of the record of resource configurations were changed. We check that every resource that holds your data is still recorded.",
			AboutJA: "リソース構成の記録に関する設定が変更されました。お客様のデータを保持するすべてのリソースが引き続き記録されていることを確認します。"},

		{EventSource: logs, EventNames: names("DeleteLogGroup"), Type: "logs/LogGroupDeleted", Severity: 6, Scope: ScopePlatform,
			Title: "A CloudWatch Logs log group was deleted", TitleJA: "CloudWatch Logs のロググループが削除されました",
			About:   "A group of the service's logs was deleted, with the records it held. Logs are kept so that incidents can be investigated and so that the retention we promise is met; we check what the group held.",
			AboutJA: "サービスのログを保管するロググループが、保管していた記録とともに削除されました。ログは事象の調査とお約束した保管期間の遵守のために保管しているため、削除された内容を確認します。"},

		{EventSource: org, EventNames: names("AcceptHandshake", "AttachPolicy", "CreateAccount", "CreateOrganizationalUnit", "CreatePolicy", "DeclineHandshake",
			"DeleteOrganization", "DeleteOrganizationalUnit", "DeletePolicy", "DetachPolicy", "DisablePolicyType", "EnablePolicyType", "InviteAccountToOrganization",
			"LeaveOrganization", "MoveAccount", "RemoveAccountFromOrganization", "UpdatePolicy", "UpdateOrganizationalUnit"),
			Type: "organizations/Changed", Severity: 4, Scope: ScopePlatform, CIS: "4.15",
			Title: "The AWS organisation's accounts or policies were changed", TitleJA: "AWS Organizations のアカウントまたはポリシーが変更されました",
			About:   "The structure of the AWS accounts the service runs in, or the policies that limit what they may do, was changed. Such changes can loosen guardrails that protect the service; we review each one.",
			AboutJA: "サービスが稼働する AWS アカウントの構成、またはアカウントに対する制限ポリシーが変更されました。サービスを保護する制限が緩められるおそれがあるため、変更ごとに内容を確認します。"},
	}
}
