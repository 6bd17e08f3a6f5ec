package config_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pledge-dev/pledge/shared/config"
)

// Profiles are the ready profiles of the five seed operators, by file name
// in infra/config.
var Profiles = []string{"tracpath", "my-redmine", "ecai", "sotas", "isgc"}

func loadProfile(t *testing.T, name string) config.Config {
	t.Helper()
	c, err := config.Load(filepath.Join("..", "..", "infra", "config", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestProfiles_Validate: every profile is a configuration the functions and
// the CDK app accept, documents its promises truthfully (profile block
// validated), and its profile block never reaches a function.
func TestProfiles_Validate(t *testing.T) {
	for _, name := range Profiles {
		t.Run(name, func(t *testing.T) {
			c := loadProfile(t, name)
			if err := c.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if err := c.ValidateDeployment(); err != nil {
				t.Fatalf("ValidateDeployment: %v", err)
			}
			if c.Profile == nil || len(c.Profile.Promises) == 0 || len(c.Profile.NotKept) == 0 {
				t.Fatalf("profile block missing or without promises kept and not kept: %+v", c.Profile)
			}
			for _, s := range []config.Section{config.SectionBackup, config.SectionTenants, config.SectionNotifications, config.SectionVerification} {
				if strings.Contains(c.Only(s).Encode(), `"profile"`) {
					t.Errorf("section %s carries the profile block to a function", s)
				}
			}
			if c.Region != "ap-northeast-1" || c.Timezone != "Asia/Tokyo" {
				t.Errorf("region %s, zone %s: every seed operator keeps data in Japan and shows JST", c.Region, c.Timezone)
			}
		})
	}
}

// TestProfiles_EncodeTheWhitepapers pins each profile's numbers to its
// whitepaper's promise, so that an edit that breaks a promise fails here
// and not in front of an auditor.
func TestProfiles_EncodeTheWhitepapers(t *testing.T) {
	jst, _ := time.LoadLocation("Asia/Tokyo")
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, jst)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		name string
		keep config.Keep
		pitr int
		// a termination and when its purge falls due and must be done
		terminated, due, deadline string
		notice                    config.Deadline
		sources                   []config.TimeSource
		noncurrent                int
	}{
		{"tracpath", config.Keep{Hourly: 24, Daily: 7, Weekly: 4}, 0, "2026-12-31 18:00", "2027-01-30 18:00", "2027-03-01 18:00",
			config.Deadline{Hours: 72}, []config.TimeSource{{Service: "amazon"}}, 0},
		// About two weeks, on the designated Wednesday: 14 days after
		// Thursday 31 December is Thursday 14 January; the next Wednesday
		// is the 20th.
		{"my-redmine", config.Keep{Daily: 7}, 0, "2026-12-31 18:00", "2027-01-20 00:00", "2027-01-22 00:00",
			config.Deadline{Hours: 72}, []config.TimeSource{{Service: "amazon"}, {Service: "any"}}, 31},
		{"ecai", config.Keep{Daily: 7}, 0, "2026-12-31 18:00", "2027-01-07 18:00", "2027-01-30 18:00",
			config.Deadline{Hours: 72}, []config.TimeSource{{Service: "nict"}}, 0},
		// Two calendar months from the day after the contract ended on 31
		// December: 1 January to the end of February, due 00:00 1 March.
		{"sotas", config.Keep{}, 30, "2026-12-31 18:00", "2027-03-01 00:00", "2027-03-08 00:00",
			config.Deadline{Hours: 6, BusinessHours: &config.BusinessHours{Days: []string{"Mon", "Tue", "Wed", "Thu", "Fri"}, Start: "09:00", End: "18:00", Timezone: "Asia/Tokyo", Holidays: "jp"}},
			[]config.TimeSource{{Service: "amazon"}}, 0},
		{"isgc", config.Keep{WithinDaily: "11d"}, 0, "2026-12-31 18:00", "2027-01-07 18:00", "2027-01-30 18:00",
			config.Deadline{Hours: 24}, []config.TimeSource{{Service: "any"}}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := loadProfile(t, tc.name)
			p := c.Backup.Policies[0]
			if p.Keep != tc.keep || p.PointInTimeRecoveryDays != tc.pitr {
				t.Errorf("keep %+v, PITR %d; want %+v, %d", p.Keep, p.PointInTimeRecoveryDays, tc.keep, tc.pitr)
			}
			due, deadline := c.Tenants.PurgeWindow(at(tc.terminated))
			if !due.Equal(at(tc.due)) || !deadline.Equal(at(tc.deadline)) {
				t.Errorf("terminated %s: due %s, deadline %s; want %s, %s", tc.terminated, due.In(jst), deadline.In(jst), tc.due, tc.deadline)
			}
			got, _ := json.Marshal(c.Notifications.Promise())
			want, _ := json.Marshal(tc.notice)
			if string(got) != string(want) {
				t.Errorf("notice promise %s, want %s", got, want)
			}
			if !slices.EqualFunc(c.Verification.TimeSources, tc.sources, func(a, b config.TimeSource) bool { return a.Service == b.Service && a.Server == b.Server }) {
				t.Errorf("time sources %+v, want %+v", c.Verification.TimeSources, tc.sources)
			}
			if c.Verification.NoncurrentVersionDays != tc.noncurrent {
				t.Errorf("noncurrent days %d, want %d", c.Verification.NoncurrentVersionDays, tc.noncurrent)
			}
		})
	}
}

// TestProfile_ValidationNamesWhatIsWrong: a profile block that says what
// the configuration does not do is refused, naming the field.
func TestProfile_ValidationNamesWhatIsWrong(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*config.Config)
		want string
	}{
		{"unset field", func(c *config.Config) { c.Profile.Promises[0].Fields = []string{"verification.noncurrentVersionDays"} },
			`profile.promises[0].fields[0]: "verification.noncurrentVersionDays" is not valid: want a configuration field that is set`},
		{"no such list item", func(c *config.Config) { c.Profile.Promises[0].Fields = []string{"backup.policies[3].keep"} },
			`profile.promises[0].fields[0]: "backup.policies[3].keep" is not valid`},
		{"unknown kind", func(c *config.Config) { c.Profile.Promises[0].Kind = "backups" },
			`profile.promises[0].kind: "backups" is not valid: want one of backup-tiers,`},
		{"bad control", func(c *config.Config) { c.Profile.Promises[0].Control = "12.3.1" },
			`profile.promises[0].control: "12.3.1" is not valid`},
		{"gap without why", func(c *config.Config) { c.Profile.NotKept[0].Why = " " },
			`profile.notKept[0]:`},
		{"no operator", func(c *config.Config) { c.Profile.Operator = "" }, `profile.operator: "" is not valid`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := loadProfile(t, "tracpath")
			tc.edit(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate() = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// TestExample_IsCDKJSONs: cdk.json's inline configuration is
// infra/config/example.json, the generic starting point (its numbers are
// operator 000's), so the two never drift apart.
func TestExample_IsCDKJSONs(t *testing.T) {
	file, err := config.Load(filepath.Join("..", "..", "infra", "config", "example.json"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := example(t).Encode(), file.Encode(); got != want {
		t.Errorf("cdk.json's configuration differs from infra/config/example.json:\n%s\n%s", got, want)
	}
	if _, err := os.Stat(filepath.Join("..", "..", "infra", "config", "tracpath.json")); err != nil {
		t.Errorf("operator 000's ready profile is missing: %v", err)
	}
}

// TestProfiles_InTheREADME: the README's profile tables name every promise
// each profile keeps and every one it cannot, so the two never drift.
func TestProfiles_InTheREADME(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	for _, name := range Profiles {
		c := loadProfile(t, name)
		for _, p := range c.Profile.Promises {
			if !strings.Contains(readme, p.Promise) || !strings.Contains(readme, "[`"+p.Kind+"`](#proof-"+p.Kind+")") {
				t.Errorf("%s: the README's table lacks %q (%s)", name, p.Promise, p.Kind)
			}
		}
		for _, g := range c.Profile.NotKept {
			if !strings.Contains(readme, g.Promise) || !strings.Contains(readme, g.Why) {
				t.Errorf("%s: the README does not say Pledge cannot keep %q, and why", name, g.Promise)
			}
		}
	}
	for _, k := range config.ProfileKinds {
		if !strings.Contains(readme, `<a id="proof-`+k+`"></a>`) {
			t.Errorf("the README does not say what the %s proof asserts", k)
		}
	}
}
