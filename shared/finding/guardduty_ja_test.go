package finding_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/pledge-dev/pledge/shared/finding"
)

func japanese(s string) bool {
	for _, r := range s {
		if unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Han) {
			return true
		}
	}
	return false
}

// documented are finding types as the GuardDuty User Guide lists them: the
// 2020 table of active finding types (awsdocs/amazon-guardduty-user-guide,
// guardduty_finding-types-active.md) and the types added since by
// protection plan, one of each family.
var documented = []string{
	// The 2020 table, whole.
	"Backdoor:EC2/C&CActivity.B!DNS", "Backdoor:EC2/DenialOfService.Dns", "Backdoor:EC2/DenialOfService.Tcp", "Backdoor:EC2/DenialOfService.Udp",
	"Backdoor:EC2/DenialOfService.UdpOnTcpPorts", "Backdoor:EC2/DenialOfService.UnusualProtocol", "Backdoor:EC2/Spambot",
	"Behavior:EC2/NetworkPortUnusual", "Behavior:EC2/TrafficVolumeUnusual", "CryptoCurrency:EC2/BitcoinTool.B", "CryptoCurrency:EC2/BitcoinTool.B!DNS",
	"Impact:EC2/WinRMBruteForce", "PenTest:IAMUser/KaliLinux", "PenTest:IAMUser/ParrotLinux", "PenTest:IAMUser/PentooLinux",
	"Persistence:IAMUser/NetworkPermissions", "Persistence:IAMUser/ResourcePermissions", "Persistence:IAMUser/UserPermissions",
	"Policy:IAMUser/RootCredentialUsage", "Policy:S3/BucketBlockPublicAccessDisabled", "PrivilegeEscalation:IAMUser/AdministrativePermissions",
	"Recon:EC2/PortProbeEMRUnprotectedPort", "Recon:EC2/PortProbeUnprotectedPort", "Recon:EC2/Portscan", "Recon:IAMUser/MaliciousIPCaller",
	"Recon:IAMUser/MaliciousIPCaller.Custom", "Recon:IAMUser/NetworkPermissions", "Recon:IAMUser/ResourcePermissions", "Recon:IAMUser/TorIPCaller",
	"Recon:IAMUser/UserPermissions", "ResourceConsumption:IAMUser/ComputeResources", "Stealth:IAMUser/CloudTrailLoggingDisabled",
	"Stealth:IAMUser/LoggingConfigurationModified", "Stealth:IAMUser/PasswordPolicyChange", "Stealth:S3/ServerAccessLoggingDisabled",
	"Trojan:EC2/BlackholeTraffic", "Trojan:EC2/BlackholeTraffic!DNS", "Trojan:EC2/DGADomainRequest.B", "Trojan:EC2/DGADomainRequest.C!DNS",
	"Trojan:EC2/DNSDataExfiltration", "Trojan:EC2/DriveBySourceTraffic!DNS", "Trojan:EC2/DropPoint", "Trojan:EC2/DropPoint!DNS",
	"Trojan:EC2/PhishingDomainRequest!DNS", "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom", "UnauthorizedAccess:EC2/MetadataDNSRebind",
	"UnauthorizedAccess:EC2/RDPBruteForce", "UnauthorizedAccess:EC2/SSHBruteForce", "UnauthorizedAccess:EC2/TorClient",
	"UnauthorizedAccess:EC2/TorIPCaller", "UnauthorizedAccess:EC2/TorRelay", "UnauthorizedAccess:IAMUser/ConsoleLogin",
	"UnauthorizedAccess:IAMUser/ConsoleLoginSuccess.B", "UnauthorizedAccess:IAMUser/MaliciousIPCaller", "UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom",
	"UnauthorizedAccess:IAMUser/TorIPCaller",
	// Added since, one family each.
	"UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS", "Exfiltration:S3/AnomalousBehavior", "Policy:S3/BucketPublicAccessGranted",
	"Execution:Kubernetes/ExecInKubeSystemPod", "Discovery:Kubernetes/SuccessfulAnonymousAccess", "Execution:Runtime/ReverseShell",
	"Impact:Runtime/CryptoMinerExecuted", "Execution:EC2/MaliciousFile", "Execution:ECS/MaliciousFile", "Object:S3/MaliciousFile",
	"CredentialAccess:RDS/AnomalousBehavior.SuccessfulBruteForce", "CryptoCurrency:Lambda/BitcoinTool.B", "AttackSequence:S3/CompromisedData",
	"AttackSequence:IAM/CompromisedCredentials", "DefenseEvasion:EC2/UnusualDoHActivity",
}

// TestGuardDutyTitleJA: every documented type, every type in the list and
// every type in the fixtures has a Japanese title of its own (not composed),
// and a type AWS adds later still gets a Japanese one.
func TestGuardDutyTitleJA(t *testing.T) {
	for _, typ := range documented {
		if !slices.Contains(finding.GuardDutyTypes, typ) {
			t.Errorf("%s: documented but not in the list", typ)
		}
	}
	seen := map[string]string{}
	for _, typ := range finding.GuardDutyTypes {
		ja := finding.GuardDutyTitleJA(typ)
		if !japanese(ja) || strings.Contains(ja, "の疑いがある活動が検知されました") {
			t.Errorf("%s: title %q is not a curated Japanese title", typ, ja)
		}
		if other, dup := seen[ja]; dup && !strings.HasPrefix(typ, "Trojan:EC2/DGADomainRequest") {
			t.Errorf("%s and %s share the title %q", typ, other, ja)
		}
		seen[ja] = typ
	}
	if n := len(finding.GuardDutyTypes); n < 200 {
		t.Errorf("%d types, want every documented one (over 200)", n)
	}
	for _, path := range fixtures(t) {
		if !strings.HasPrefix(filepath.Base(path), "guardduty-") {
			continue
		}
		f := parseFixture(t, filepath.Base(path))
		if !slices.Contains(finding.GuardDutyTypes, f.Type) || f.LocalTitles["ja"] != finding.GuardDutyTitleJA(f.Type) {
			t.Errorf("%s: type %s has no curated Japanese title (got %q)", filepath.Base(path), f.Type, f.LocalTitles["ja"])
		}
	}
	for typ, want := range map[string]string{
		"Exfiltration:ECS/SomethingNew":         "ECS クラスターでデータの持ち出しの疑いがある活動が検知されました",
		"Unknown:Thing/X":                       "AWS 環境で不審な活動の疑いがある活動が検知されました",
		"PrivilegeEscalation:Runtime/NewTrick!": "実行環境で権限の昇格の疑いがある活動が検知されました",
	} {
		if got := finding.GuardDutyTitleJA(typ); got != want {
			t.Errorf("GuardDutyTitleJA(%s) = %q, want %q", typ, got, want)
		}
	}
}
