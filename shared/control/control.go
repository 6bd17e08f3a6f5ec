// Package control names the ISO/IEC 27017 controls Pledge evidences, in
// English and Japanese: numbered as in ISO/IEC 27001:2013 Annex A, with
// the cloud-specific CLD controls of ISO/IEC 27017:2015, and titled as the
// standard and JIS Q 27002 / JIS Q 27017 title them. The checks (package
// check) and the monthly evidence pack (package evidencepack) both name
// controls through it.
package control

import "slices"

// Control is one control, titled in English and Japanese.
type Control struct {
	ID       string `json:"id"`
	English  string `json:"en"`
	Japanese string `json:"ja"`
}

// Controls are the controls Pledge evidences, in the standard's order
// (a CLD control follows the clause it extends).
var Controls = []Control{
	{"CLD.8.1.5", "Removal of cloud service customer assets", "クラウドサービスカスタマの資産の除去"},
	{"CLD.9.5.1", "Segregation in virtual computing environments", "仮想コンピューティング環境における分離"},
	{"A.10.1.1", "Policy on the use of cryptographic controls", "暗号による管理策の利用方針"},
	{"A.10.1.2", "Key management", "鍵管理"},
	{"A.12.3.1", "Information backup", "情報のバックアップ"},
	{"A.12.4.1", "Event logging", "イベントログ取得"},
	{"A.12.4.2", "Protection of log information", "ログ情報の保護"},
	{"A.12.4.4", "Clock synchronisation", "クロックの同期"},
	{"CLD.12.4.5", "Monitoring of cloud services", "クラウドサービスの監視"},
	{"A.13.1.1", "Network controls", "ネットワーク管理策"},
	{"A.14.1.2", "Securing application services on public networks", "公衆ネットワーク上のアプリケーションサービスのセキュリティの考慮"},
	{"A.14.1.3", "Protecting application services transactions", "アプリケーションサービスのトランザクションの保護"},
	{"A.16.1.1", "Responsibilities and procedures", "責任及び手順"},
}

// ByID returns the control with the id.
func ByID(id string) (Control, bool) {
	i := slices.IndexFunc(Controls, func(c Control) bool { return c.ID == id })
	if i < 0 {
		return Control{}, false
	}
	return Controls[i], true
}
