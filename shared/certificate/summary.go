package certificate

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Summary renders the certificate as a plain-text email body, Japanese
// first, then English, with every time in loc (the tenant's zone; UTC when
// nil) and its UTC offset shown.
func Summary(c Certificate, loc *time.Location) string {
	return SummaryIn(c, loc, []string{"ja", "en"})
}

// SummaryIn is Summary with the language sections in the order of langs
// ("ja", "en"), so that a contact whose language is English reads English
// first. Both sections are always written: languages missing from langs
// follow in the default order.
func SummaryIn(c Certificate, loc *time.Location, langs []string) string {
	if loc == nil {
		loc = time.UTC
	}
	var b strings.Builder
	ja := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	jaTime := func(t Time) string {
		l := t.In(loc)
		return fmt.Sprintf("%d年%d月%d日 %s (UTC%s)", l.Year(), int(l.Month()), l.Day(), l.Format("15:04:05"), l.Format("-07:00"))
	}
	enTime := func(t Time) string {
		l := t.In(loc)
		return fmt.Sprintf("%s (UTC%s)", l.Format("2 January 2006 15:04:05"), l.Format("-07:00"))
	}

	writeJA := func() {
		ja("【日本語】")
		ja("お客様(テナント %s)のデータを、下記のとおり削除いたしましたことをご報告いたします。", c.TenantID)
		ja("")
		ja("■ 削除対象")
		for _, l := range c.Locations {
			ja("  %s", l.String())
		}
		ja("■ 削除件数")
		ja("  オブジェクト: %s 件", group(c.Counts.Objects))
		ja("  バージョン: %s 件 (%s バイト)", group(c.Counts.Versions), group(c.Counts.Bytes))
		ja("  削除マーカー: %s 件", group(c.Counts.DeleteMarkers))
		ja("■ 削除日時")
		ja("  %s 〜 %s", jaTime(c.FirstDeletion), jaTime(c.LastDeletion))
		ja("■ 削除したバージョンの一覧(マニフェスト)")
		ja("  SHA-256: %s", c.Manifest.SHA256)
		ja("  %s 行、%s 個のファイルに分けて保管しております。", group(c.Manifest.Lines), group(c.Manifest.Parts))
		ja("  ファイルの一覧(索引): %s", c.Manifest.Index.Key)
		ja("  索引の SHA-256: %s", c.Manifest.Index.SHA256)
		ja("■ 削除せずに保持しているデータ")
		if len(c.Retained) == 0 {
			ja("  ございません。")
		}
		for _, r := range c.Retained {
			ja("  s3://%s/%s (バージョン %s): %s", r.Bucket, r.Key, r.VersionID, jaReasons(r, jaTime))
		}
		ja("■ バックアップ")
		switch {
		case c.Backups.Never:
			ja("  お客様のデータを含む可能性のあるバックアップのうち、無期限に保管する設定のもの(%s)があるため、", neverPolicies(c))
			ja("  バックアップからデータが消える日付はございません。")
		case c.Backups.ExpiresBy != nil:
			ja("  お客様のデータを含む可能性のあるバックアップは、%s までにすべて失効いたします。", jaTime(*c.Backups.ExpiresBy))
		default:
			ja("  お客様のデータを含むバックアップは取得しておりません。")
		}
		ja("■ 発行")
		ja("  発行者: %s", c.Issuer)
		ja("  発行日時: %s", jaTime(c.IssuedAt))
		ja("■ 署名の確認方法")
		ja("  添付の %s は %s の鍵(ECDSA P-256、SHA-256)で署名されております。", FileJSON, c.Signing.KeyID)
		ja("  添付の3つのファイルを同じフォルダーに保存し、次のコマンドで「Verified OK」と表示されることをご確認ください。")
		ja("  %s", VerifyCommand)
	}
	writeEN := func() {
		ja("【English】")
		ja("We confirm that the data of your tenant %s has been deleted as follows.", c.TenantID)
		ja("")
		ja("- Locations")
		for _, l := range c.Locations {
			ja("  %s", l.String())
		}
		ja("- Deleted")
		ja("  Objects: %s", group(c.Counts.Objects))
		ja("  Versions: %s (%s bytes)", group(c.Counts.Versions), group(c.Counts.Bytes))
		ja("  Delete markers: %s", group(c.Counts.DeleteMarkers))
		ja("- Deletion time")
		ja("  %s to %s", enTime(c.FirstDeletion), enTime(c.LastDeletion))
		ja("- Manifest of deleted versions")
		ja("  SHA-256: %s", c.Manifest.SHA256)
		ja("  %s lines, stored in %s parts.", group(c.Manifest.Lines), group(c.Manifest.Parts))
		ja("  Index of the parts: %s", c.Manifest.Index.Key)
		ja("  Index SHA-256: %s", c.Manifest.Index.SHA256)
		ja("- Retained")
		if len(c.Retained) == 0 {
			ja("  Nothing.")
		}
		for _, r := range c.Retained {
			ja("  s3://%s/%s (version %s): %s", r.Bucket, r.Key, r.VersionID, enReasons(r, enTime))
		}
		ja("- Backups")
		switch {
		case c.Backups.Never:
			ja("  Some backups that may hold your data are kept without limit (%s), so they never expire.", neverPolicies(c))
		case c.Backups.ExpiresBy != nil:
			ja("  Every backup that may hold your data expires by %s.", enTime(*c.Backups.ExpiresBy))
		default:
			ja("  No backups holding your data are taken.")
		}
		ja("- Issued")
		ja("  Issuer: %s", c.Issuer)
		ja("  Issued at: %s", enTime(c.IssuedAt))
		ja("- How to verify the signature")
		ja("  The attached %s is signed with key %s (ECDSA P-256, SHA-256).", FileJSON, c.Signing.KeyID)
		ja("  Save the three attached files in one folder and check that this command prints \"Verified OK\":")
		ja("  %s", VerifyCommand)
	}
	ja("データ削除証明書 / Data Deletion Certificate")
	ja("")
	var order []string
	for _, l := range append(append([]string{}, langs...), "ja", "en") {
		if (l == "ja" || l == "en") && !slices.Contains(order, l) {
			order = append(order, l)
		}
	}
	for i, l := range order {
		if i > 0 {
			ja("")
		}
		if l == "ja" {
			writeJA()
		} else {
			writeEN()
		}
	}
	return b.String()
}

func jaReasons(r Retained, tf func(Time) string) string {
	var parts []string
	for _, why := range r.Reasons {
		switch why {
		case ReasonRetention:
			if r.RetainUntil != nil {
				parts = append(parts, fmt.Sprintf("オブジェクトロック(%s)により %s まで保持", r.Mode, tf(*r.RetainUntil)))
			}
		case ReasonLegalHold:
			parts = append(parts, "リーガルホールドにより保持")
		}
	}
	return strings.Join(parts, "、")
}

func enReasons(r Retained, tf func(Time) string) string {
	var parts []string
	for _, why := range r.Reasons {
		switch why {
		case ReasonRetention:
			if r.RetainUntil != nil {
				parts = append(parts, fmt.Sprintf("kept by Object Lock (%s) until %s", r.Mode, tf(*r.RetainUntil)))
			}
		case ReasonLegalHold:
			parts = append(parts, "kept under legal hold")
		}
	}
	return strings.Join(parts, "; ")
}

func neverPolicies(c Certificate) string {
	var names []string
	for _, p := range c.Backups.Policies {
		if p.Never {
			names = append(names, p.Policy+": "+p.Longest)
		}
	}
	return strings.Join(names, ", ")
}

// group writes n with thousands separators.
func group(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
