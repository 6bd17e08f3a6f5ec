package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/pledge-dev/pledge/shared/config"
)

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestTenants_PurgeWindow states the exact due dates and deadlines of the
// seed operators' promises, across month ends, leap years, zones and
// daylight saving time.
func TestTenants_PurgeWindow(t *testing.T) {
	tokyo := config.Tenants{Zone: "Asia/Tokyo", DeadlineDays: 30}
	months := func(n int) config.Tenants { c := tokyo; c.GracePeriodMonths = n; return c }
	days := func(n int, purgeDays ...string) config.Tenants {
		c := tokyo
		c.GracePeriodDays, c.PurgeDays = n, purgeDays
		return c
	}
	for _, tc := range []struct {
		name       string
		cfg        config.Tenants
		terminated string
		due        string
		deadline   string
	}{
		// Operator 003: "once 2 months have passed from the day after the
		// contract ends".
		{"2 months from 1 January", months(2), "2026-12-31T18:00:00+09:00", "2027-03-01T00:00:00+09:00", "2027-03-31T00:00:00+09:00"},
		{"an end at midnight is the previous day's", months(2), "2027-01-01T00:00:00+09:00", "2027-03-01T00:00:00+09:00", "2027-03-31T00:00:00+09:00"},
		{"a millisecond later it is the next day's", months(2), "2027-01-01T00:00:00.001+09:00", "2027-03-02T00:00:00+09:00", "2027-04-01T00:00:00+09:00"},
		{"the day is the operator's, not UTC's", months(2), "2026-12-31T15:30:00Z", "2027-03-02T00:00:00+09:00", "2027-04-01T00:00:00+09:00"},
		{"from 31 December: no 31 February", months(2), "2026-12-30T12:00:00+09:00", "2027-03-01T00:00:00+09:00", "2027-03-31T00:00:00+09:00"},
		{"1 month from 31 January ends with February", months(1), "2027-01-30T12:00:00+09:00", "2027-03-01T00:00:00+09:00", "2027-03-31T00:00:00+09:00"},
		{"leap February", months(1), "2028-01-30T12:00:00+09:00", "2028-03-01T00:00:00+09:00", "2028-03-31T00:00:00+09:00"},
		{"1 month from 1 February", months(1), "2027-01-31T09:00:00+09:00", "2027-03-01T00:00:00+09:00", "2027-03-31T00:00:00+09:00"},
		{"1 month from 28 January", months(1), "2027-01-27T09:00:00+09:00", "2027-02-28T00:00:00+09:00", "2027-03-30T00:00:00+09:00"},
		{"12 months across a leap day", months(12), "2027-02-28T10:00:00+09:00", "2028-03-01T00:00:00+09:00", "2028-03-31T00:00:00+09:00"},
		// Operator 000: 30 days from the stop, then 30 more.
		{"days keep the time of day", days(30), "2026-10-01T12:00:00+09:00", "2026-10-31T12:00:00+09:00", "2026-11-30T12:00:00+09:00"},
		// Operator 001: about 2 weeks, on a day the operator sets.
		{"purge day: the next Tuesday that begins after the grace period", days(14, "Tue"), "2026-12-01T15:00:00+09:00", "2026-12-22T00:00:00+09:00", "2027-01-21T00:00:00+09:00"},
		{"purge day: the grace period ends as Tuesday begins", days(14, "Tue"), "2026-12-01T00:00:00+09:00", "2026-12-15T00:00:00+09:00", "2027-01-14T00:00:00+09:00"},
		{"purge days: the first of several", days(14, "tue", "THU"), "2026-12-01T15:00:00+09:00", "2026-12-17T00:00:00+09:00", "2027-01-16T00:00:00+09:00"},
		{"months and a purge day", func() config.Tenants { c := months(2); c.PurgeDays = []string{"Wed"}; return c }(), "2026-12-31T18:00:00+09:00", "2027-03-03T00:00:00+09:00", "2027-04-02T00:00:00+09:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			due, deadline := tc.cfg.PurgeWindow(mustTime(t, tc.terminated))
			if want := mustTime(t, tc.due); !due.Equal(want) {
				t.Errorf("due %s, want %s", due.In(tc.cfg.Location()).Format(time.RFC3339), tc.due)
			}
			if want := mustTime(t, tc.deadline); !deadline.Equal(want) {
				t.Errorf("deadline %s, want %s", deadline.In(tc.cfg.Location()).Format(time.RFC3339), tc.deadline)
			}
			if due.Location() != time.UTC || deadline.Location() != time.UTC {
				t.Error("times must come back in UTC")
			}
		})
	}

	// Days are counted on the operator's wall clock: 30 days across the end
	// of daylight saving time in New York are 30 days and an hour.
	ny := config.Tenants{Zone: "America/New_York", GracePeriodDays: 30, DeadlineDays: 30}
	due, _ := ny.PurgeWindow(mustTime(t, "2026-10-20T10:00:00-04:00"))
	if want := mustTime(t, "2026-11-19T10:00:00-05:00"); !due.Equal(want) {
		t.Errorf("New York: due %s, want %s", due, want)
	}
}

func TestTenants_MinGraceDays(t *testing.T) {
	for _, tc := range []struct {
		cfg  config.Tenants
		want int
	}{
		{config.Tenants{GracePeriodDays: 30}, 30},
		{config.Tenants{GracePeriodMonths: 1}, 28},
		{config.Tenants{GracePeriodMonths: 2}, 59},
		{config.Tenants{GracePeriodMonths: 12}, 365},
	} {
		if got := tc.cfg.MinGraceDays(); got != tc.want {
			t.Errorf("%+v: MinGraceDays = %d, want %d", tc.cfg, got, tc.want)
		}
	}
}

func TestValidate_PurgeWindowErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*config.Tenants)
		want   string
	}{
		{"months negative", func(c *config.Tenants) { c.GracePeriodDays, c.GracePeriodMonths, c.AdvanceNoticeDays = 0, -1, 0 }, `tenants.gracePeriodMonths: -1 is not valid: want 0 to 120 calendar months, counted from the day after the contract ended`},
		{"months too many", func(c *config.Tenants) { c.GracePeriodDays, c.GracePeriodMonths = 0, 121 }, `tenants.gracePeriodMonths: 121 is not valid: want 0 to 120`},
		{"days and months", func(c *config.Tenants) { c.GracePeriodMonths = 2 }, `tenants.gracePeriodMonths: 2 is not valid: want 0 while tenants.gracePeriodDays is 30: give the grace period in days or in calendar months, not both`},
		{"notice longer than two months can be", func(c *config.Tenants) { c.GracePeriodDays, c.GracePeriodMonths, c.AdvanceNoticeDays = 0, 2, 60 }, `tenants.advanceNoticeDays: 60 is not valid: want 0 (off) to the grace period (2 calendar months, at least 59 days)`},
		{"purge day unknown", func(c *config.Tenants) { c.PurgeDays = []string{"Tue", "Tuesday"} }, `tenants.purgeDays[1]: "Tuesday" is not valid: want one of Mon, Tue, Wed, Thu, Fri, Sat, Sun (in any case), each at most once`},
		{"purge day twice", func(c *config.Tenants) { c.PurgeDays = []string{"Tue", "tue"} }, `tenants.purgeDays[1]: "tue" is not valid: want one of Mon`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := example(t)
			tc.mutate(&c.Tenants)
			err := c.Validate()
			wantOneFieldError(t, err, tc.want)
		})
	}

	// Operator 003's promise validates: 2 calendar months, notice 7 days
	// before, purges on weekdays only.
	c := example(t)
	c.Tenants.GracePeriodDays, c.Tenants.GracePeriodMonths, c.Tenants.PurgeDays = 0, 2, []string{"Mon", "Tue", "Wed", "Thu", "Fri"}
	if err := c.Validate(); err != nil {
		t.Errorf("calendar months with purge days: %v", err)
	}
}

func TestDecode_CopiesTheZoneIntoTenants(t *testing.T) {
	c, err := config.Decode(strings.NewReader(`{"region":"ap-northeast-1","timezone":"America/New_York","tenants":{"gracePeriodMonths":2,"purgeDays":["Tue"],"zone":"x"}}`))
	if err == nil {
		t.Fatalf("tenants.zone must not be a configuration field: got %+v", c.Tenants)
	}
	c, err = config.Decode(strings.NewReader(`{"region":"ap-northeast-1","timezone":"America/New_York","tenants":{"gracePeriodMonths":2,"purgeDays":["Tue"]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Tenants.Zone != "America/New_York" || c.Tenants.Location().String() != "America/New_York" {
		t.Errorf("tenants zone %q, want the configuration's timezone", c.Tenants.Zone)
	}
	if c.Tenants.GracePeriodMonths != 2 || len(c.Tenants.PurgeDays) != 1 {
		t.Errorf("decoded %+v", c.Tenants)
	}
	// Only and Encode/FromEnv keep it.
	env := c.Only(config.SectionTenants).Encode()
	back, err := config.Decode(strings.NewReader(env))
	if err != nil || back.Tenants.Zone != "America/New_York" {
		t.Errorf("round trip: zone %q, %v", back.Tenants.Zone, err)
	}
	if got := (config.Tenants{}).Location().String(); got != config.DefaultTimezone {
		t.Errorf("an empty zone is %s, want %s", got, config.DefaultTimezone)
	}
}
