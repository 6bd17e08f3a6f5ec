package evidencepack_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/evidencepack"
)

// TestBuild_PromisesFollowTheProfile: what a pack says was promised is what
// each seed operator's profile promises: its notice rule, its purge window
// (calendar months, purge days), and only the encryption its checks look
// at, never a promise the operator did not make.
func TestBuild_PromisesFollowTheProfile(t *testing.T) {
	for _, tc := range []struct {
		profile string
		control string
		want    []string
		not     []string
	}{
		{"sotas", "A.16.1.1", []string{"within 6 hours of a detection in business hours (Mon, Tue, Wed, Thu, Fri, 09:00-18:00 Asia/Tokyo, not on Japanese national holidays)", "by the later of the next start of business hours and 6 hours after detection"}, nil},
		{"sotas", "CLD.8.1.5", []string{"once 2 calendar months have passed from the day after the contract ended, completely within 7 days"}, []string{"0 days"}},
		{"sotas", "A.12.3.1", []string{"protected by RDS automated backups (point-in-time recovery)", "Point-in-time recovery is kept 30 days."}, []string{"keeping"}},
		{"my-redmine", "CLD.8.1.5", []string{"from 14 days after termination, on the first Wed after that, completely within 2 days"}, nil},
		{"my-redmine", "A.12.4.1", []string{"os logs 184 days, access logs 184 days, application logs 184 days"}, nil},
		{"isgc", "A.10.1.1", []string{"Data in transit (load balancers) is protected with TLS 1.2 or newer."}, []string{"at rest"}},
		{"isgc", "A.12.3.1", []string{"keeping daily within 11d."}, nil},
		{"isgc", "A.16.1.1", []string{"within 24 hours of detection"}, nil},
		{"ecai", "A.12.4.4", []string{"Clocks follow NICT's public NTP service (ntp.nict.jp)"}, []string{"Amazon"}},
		{"tracpath", "A.10.1.1", []string{"Data at rest is encrypted (RDS instances and clusters, RDS snapshots, EBS by default)."}, []string{"S3 buckets"}},
		{"tracpath", "A.10.1.2", nil, []string{"rotate automatically"}},
	} {
		t.Run(tc.profile+"/"+tc.control, func(t *testing.T) {
			cfg, err := config.Load(filepath.Join("..", "..", "infra", "config", tc.profile+".json"))
			if err != nil {
				t.Fatal(err)
			}
			c := &evidencepack.Collector{S3: newBucket(), Bucket: "evidence", NoticeHours: cfg.Notifications.Promise().Hours}
			ev, err := c.Collect(context.Background(), evidencepack.Month{Year: 2026, Month: time.November, Zone: cfg.Location()})
			if err != nil {
				t.Fatal(err)
			}
			var said []string
			for _, x := range control(t, evidencepack.Build(ev, cfg, at(time.December, 1, 0, 15)), tc.control).Promise {
				said = append(said, x.EN)
				if x.JA == "" {
					t.Errorf("no Japanese for %q", x.EN)
				}
			}
			text := strings.Join(said, " | ")
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("promised %q\nwant it to say %q", text, w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(text, n) {
					t.Errorf("promised %q\nwhich says %q, not promised", text, n)
				}
			}
		})
	}
}
