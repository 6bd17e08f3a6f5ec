package span_test

import (
	"strings"
	"testing"
	"time"

	"github.com/pledge-dev/pledge/shared/span"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		want    span.Span
		wantErr string
	}{
		{in: "", want: span.Span{}},
		{in: "11d", want: span.Span{Days: 11}},
		{in: "1y2m3d4h", want: span.Span{Years: 1, Months: 2, Days: 3, Hours: 4}},
		{in: "6m", want: span.Span{Months: 6}},
		{in: "36h", want: span.Span{Hours: 36}},
		{in: "10000y", want: span.Span{Years: 10000}},
		{in: "0d", wantErr: "is zero"},
		{in: "0y0h", wantErr: "is zero"},
		{in: "d", wantErr: "whole number before each unit"},
		{in: "-1d", wantErr: "whole number before each unit"},
		{in: "11", wantErr: "has no unit"},
		{in: "1w", wantErr: `"w" is not a unit`},
		{in: "3d1m", wantErr: "in the order y, m, d, h"},
		{in: "1d1d", wantErr: "in the order y, m, d, h"},
		{in: "10001d", wantErr: "more than 10000"},
		{in: "99999999999999999999d", wantErr: "more than 10000"},
		{in: " 1d", wantErr: "whole number before each unit"},
		{in: "1d ", wantErr: "whole number before each unit"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := span.Parse(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Parse(%q) = %v, %v; want an error containing %q", tc.in, got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("Parse(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
			}
			if s := got.String(); s != tc.in {
				t.Errorf("String() = %q, want %q", s, tc.in)
			}
		})
	}
}

func TestSpan_BeforeAndAfterCountTheCalendar(t *testing.T) {
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	ny, _ := time.LoadLocation("America/New_York")
	tests := []struct {
		name   string
		span   string
		at     string
		loc    *time.Location
		before string
		after  string
	}{
		{"days in Tokyo", "11d", "2026-12-31T03:00:00+09:00", tokyo, "2026-12-20T03:00:00+09:00", "2027-01-11T03:00:00+09:00"},
		// A month back from 31 March is "31 February", which AddDate (and
		// restic) normalises to 3 March.
		{"a month from the 31st", "1m", "2027-03-31T00:00:00+09:00", tokyo, "2027-03-03T00:00:00+09:00", "2027-05-01T00:00:00+09:00"},
		// A calendar day across the switch to daylight saving time is 23
		// hours; "1d" keeps the wall clock.
		{"a day across DST", "1d", "2026-03-08T12:00:00-04:00", ny, "2026-03-07T12:00:00-05:00", "2026-03-09T12:00:00-04:00"},
		{"hours are hours", "24h", "2026-03-08T12:00:00-04:00", ny, "2026-03-07T11:00:00-05:00", "2026-03-09T12:00:00-04:00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			at, _ := time.Parse(time.RFC3339, tc.at)
			sp := span.MustParse(tc.span)
			if got, want := sp.Before(at, tc.loc), mustTime(t, tc.before); !got.Equal(want) {
				t.Errorf("Before = %s, want %s", got, want)
			}
			if got, want := sp.After(at, tc.loc), mustTime(t, tc.after); !got.Equal(want) {
				t.Errorf("After = %s, want %s", got, want)
			}
		})
	}
}

func TestSpan_Japanese(t *testing.T) {
	if got, want := span.MustParse("1y6m11d12h").Japanese(), "1年6か月11日12時間"; got != want {
		t.Errorf("Japanese() = %q, want %q", got, want)
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// FuzzParse: a span that parses writes back to a text that parses to the
// same span, is zero only for the empty text, and reaches back without
// panicking; anything else is an error, never a panic.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"", "11d", "1y2m3d4h", "0d", "1w", "3d1m", "99999999999999999999d", "-1h", "01d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sp, err := span.Parse(s)
		if err != nil {
			return
		}
		if sp.IsZero() != (s == "") {
			t.Fatalf("Parse(%q) = %+v: zero only for the empty text", s, sp)
		}
		if back, err := span.Parse(sp.String()); err != nil || back != sp {
			t.Fatalf("Parse(%q) = %+v writes back as %q, which parses to %+v, %v", s, sp, sp.String(), back, err)
		}
		at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		if !sp.IsZero() && !sp.Before(at, nil).Before(at) {
			t.Fatalf("%q reaches back to %s from %s", s, sp.Before(at, nil), at)
		}
	})
}
