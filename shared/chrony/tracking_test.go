package chrony_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pledge-dev/pledge/shared/chrony"
)

func read(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func parseFixture(t *testing.T, name string) chrony.Tracking {
	t.Helper()
	tr, err := chrony.Parse(read(t, name))
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return tr
}

func TestParse_CSVFixtures(t *testing.T) {
	tests := []struct {
		file string
		want chrony.Tracking
	}{
		{"unsynchronised.csv", chrony.Tracking{
			RefID: 0, Name: "", Stratum: 0, RefTime: time.Time{},
			RootDelay: time.Second, RootDispersion: time.Second, Leap: chrony.LeapNotSynchronised,
		}},
		{"loopback.csv", chrony.Tracking{
			RefID: 0x7F000001, Name: "127.0.0.1", Stratum: 4, RefTime: time.Unix(1795305343, 506320427).UTC(),
			Offset: 1412 * time.Nanosecond, LastOffset: 12, RMSOffset: 27, FrequencyPPM: -0.032, ResidualFreqPPM: 0, SkewPPM: 0.031,
			RootDelay: 5277, RootDispersion: 1601, UpdateInterval: 300 * time.Millisecond, Leap: chrony.LeapNormal,
		}},
		{"phc.csv", chrony.Tracking{
			RefID: 0x50484330, Name: "PHC0", Stratum: 1, RefTime: time.Unix(1795305309, 830496071).UTC(),
			Offset: -2100 * time.Nanosecond, RootDelay: 1, RootDispersion: 34714, UpdateInterval: time.Second, Leap: chrony.LeapNormal,
		}},
		{"phc-large-offset.csv", chrony.Tracking{
			RefID: 0x50484330, Name: "PHC0", Stratum: 1, RefTime: time.Unix(1795305334, 326623592).UTC(),
			Offset: 349999994 * time.Nanosecond, RootDelay: 1, RootDispersion: 9873, UpdateInterval: 2 * time.Second, Leap: chrony.LeapNormal,
		}},
		{"gps-large-offset.csv", chrony.Tracking{
			RefID: 0x47505300, Name: "GPS", Stratum: 1, RefTime: time.Unix(1795305325, 908615296).UTC(),
			Offset: -2500 * time.Millisecond, RootDelay: 1, RootDispersion: 21147, UpdateInterval: time.Second, Leap: chrony.LeapNormal,
		}},
		{"amazon-ipv4.csv", chrony.Tracking{
			RefID: 0xA9FEA97B, Name: "169.254.169.123", Stratum: 4, RefTime: time.Date(2017, 11, 22, 13, 18, 34, 0, time.UTC),
			Offset: -626, LastOffset: 2852759, RMSOffset: 2852759, FrequencyPPM: 1.187, ResidualFreqPPM: 0.020, SkewPPM: 24.388,
			RootDelay: 504752, RootDispersion: 1112565, UpdateInterval: 64400 * time.Millisecond, Leap: chrony.LeapNormal,
		}},
		{"amazon-ipv6.csv", chrony.Tracking{
			RefID: 0x9C6F5832, Name: "fd00:ec2::123", Stratum: 4, RefTime: time.Unix(1795305343, 868083639).UTC(),
			Offset: 12853, LastOffset: 915, RMSOffset: 1053, FrequencyPPM: -2.026, ResidualFreqPPM: 0.001, SkewPPM: 0.063,
			RootDelay: 208027, RootDispersion: 301145, UpdateInterval: 16100 * time.Millisecond, Leap: chrony.LeapNormal,
		}},
		{"local.csv", chrony.Tracking{
			RefID: 0x7F7F0101, Stratum: 10, RefTime: time.Unix(1795305343, 239018614).UTC(), Leap: chrony.LeapNormal,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got := parseFixture(t, tt.file)
			if !got.RefTime.Equal(tt.want.RefTime) {
				t.Errorf("RefTime = %v, want %v", got.RefTime, tt.want.RefTime)
			}
			got.RefTime, tt.want.RefTime = time.Time{}, time.Time{}
			if got != tt.want {
				t.Errorf("Parse =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

// The two forms of the same state parse to the same report, except for what
// the text form rounds (ref time to the second) or what changed between the
// two chronyc calls (root dispersion grows with time since the last update).
func TestParse_TextMatchesCSV(t *testing.T) {
	for _, name := range []string{"unsynchronised", "loopback", "loopback-ipv6", "phc", "phc-large-offset", "gps-large-offset", "local", "amazon-ipv4", "amazon-ipv6", "public-ntp"} {
		t.Run(name, func(t *testing.T) {
			c := parseFixture(t, name+".csv")
			x := parseFixture(t, name+".txt")
			if d := c.RefTime.Sub(x.RefTime); d < 0 || d >= time.Second {
				t.Errorf("RefTime csv %v text %v", c.RefTime, x.RefTime)
			}
			if d := x.RootDispersion - c.RootDispersion; d < 0 || d > 20*time.Microsecond {
				t.Errorf("RootDispersion csv %v text %v", c.RootDispersion, x.RootDispersion)
			}
			if name == "public-ntp" { // reverse DNS in the text form
				if x.Name != "ntp-a2.nict.go.jp" || c.Name != "133.243.238.164" {
					t.Errorf("names %q %q", c.Name, x.Name)
				}
				x.Name = c.Name
			}
			c.RefTime, x.RefTime, c.RootDispersion, x.RootDispersion = time.Time{}, time.Time{}, 0, 0
			if name == "loopback-ipv6" { // captured a moment apart
				c.Offset, x.Offset = 0, 0
			}
			if c != x {
				t.Errorf("csv  %+v\ntext %+v", c, x)
			}
		})
	}
}

// Signs, checked against what chronyc itself printed for one state:
// "-0.000001412" in CSV is "0.000001412 seconds fast of NTP time".
func TestParse_SignsFollowChronyc(t *testing.T) {
	fast := parseFixture(t, "loopback.txt")
	if fast.Offset <= 0 {
		t.Errorf("a clock chronyc calls fast has Offset %v, want positive", fast.Offset)
	}
	if fast.FrequencyPPM >= 0 {
		t.Errorf("'0.032 ppm slow' gave FrequencyPPM %v, want negative", fast.FrequencyPPM)
	}
	slow := parseFixture(t, "gps-large-offset.csv")
	if got, want := slow.Offset, -2500*time.Millisecond; got != want {
		t.Errorf("CSV 2.500000000 (chronyc: 'seconds slow') gave Offset %v, want %v", got, want)
	}
	if got := parseFixture(t, "amazon-ipv4.txt").FrequencyPPM; got != 1.187 {
		t.Errorf("'1.187 ppm fast' gave %v, want 1.187", got)
	}
}

func TestParse_OldDottedTextForm(t *testing.T) {
	got := parseFixture(t, "old-dotted.txt")
	if got.RefID != chrony.RefIDAmazonIPv4 || got.Name != "169.254.169.123" {
		t.Errorf("RefID %08X name %q", got.RefID, got.Name)
	}
	if want := time.Date(2012, 2, 3, 15, 0, 29, 0, time.UTC); !got.RefTime.Equal(want) {
		t.Errorf("RefTime %v, want %v", got.RefTime, want)
	}
	if got.RootDelay != 373169*time.Microsecond || got.RootDispersion != 24780*time.Microsecond {
		t.Errorf("root delay %v dispersion %v", got.RootDelay, got.RootDispersion)
	}
}

func TestParse_Tolerates(t *testing.T) {
	base := read(t, "amazon-ipv4.csv")
	want := parseFixture(t, "amazon-ipv4.csv")
	for name, in := range map[string]string{
		"CRLF and blank lines": "\r\n" + strings.TrimSpace(base) + "\r\n\r\n",
		"lower-case hex":       strings.Replace(base, "A9FEA97B", "a9fea97b", 1),
		"negative zero":        strings.Replace(base, ",0.020,", ",-0.000,", 1),
	} {
		t.Run(name, func(t *testing.T) {
			got, err := chrony.Parse(in)
			if err != nil {
				t.Fatal(err)
			}
			want := want
			if name == "negative zero" {
				want.ResidualFreqPPM = 0
			}
			if got.RefID != want.RefID || got.Offset != want.Offset || got.ResidualFreqPPM != want.ResidualFreqPPM {
				t.Errorf("got %+v", got)
			}
		})
	}
	text := strings.ReplaceAll(read(t, "amazon-ipv4.txt"), "\n", "\r\n")
	if _, err := chrony.Parse(text); err != nil {
		t.Errorf("CRLF text: %v", err)
	}
}

func TestParse_ExactDecimal(t *testing.T) {
	csv := "A9FEA97B,169.254.169.123,4,1795305343.868083639,-1557.763061523,0.0000000015,0.000000000,0.000,0.000,0.000,0.000000000,0.000000000,0.0,Normal"
	got, err := chrony.Parse(csv)
	if err != nil {
		t.Fatal(err)
	}
	if want := 1557763061523 * time.Nanosecond; got.Offset != want {
		t.Errorf("Offset = %v, want %v (no float rounding)", got.Offset, want)
	}
	if got.LastOffset != 2 {
		t.Errorf("LastOffset = %dns, want 2 (rounded half away from zero)", got.LastOffset)
	}
}

func TestParse_Errors(t *testing.T) {
	csv := strings.TrimSpace(read(t, "amazon-ipv4.csv"))
	field := func(i int, v string) string {
		f := strings.Split(csv, ",")
		f[i] = v
		return strings.Join(f, ",")
	}
	text := read(t, "amazon-ipv4.txt")
	tests := []struct {
		name, in, field, wantSub string
	}{
		{"empty", "  \n", "", "empty output"},
		{"daemon down", read(t, "daemon-down.txt"), "", `chronyc reported "506 Cannot talk to daemon"`},
		{"garbage", "hello world", "", "neither a CSV line"},
		{"too few fields", "A9FEA97B,169.254.169.123,4", "", "3 comma-separated fields, want 14"},
		{"too many fields", csv + ",x", "", "15 comma-separated fields"},
		{"ref id not hex", field(0, "A9FEA97G"), "Reference ID", "eight hexadecimal digits"},
		{"ref id short", field(0, "A9FEA97"), "Reference ID", "eight hexadecimal digits"},
		{"name with space", field(1, "a b"), "Reference ID", "source name"},
		{"stratum word", field(2, "four"), "Stratum", "0 to 16"},
		{"stratum too big", field(2, "17"), "Stratum", "0 to 16"},
		{"ref time", field(3, "1511356714"), "Ref time (UTC)", "nine decimals"},
		{"system time nan", field(4, "nan"), "System time", "decimal number of seconds"},
		{"system time huge", field(4, "99999999999.0"), "System time", "292 years"},
		{"last offset exponent", field(5, "1e-3"), "Last offset", "decimal number of seconds"},
		{"rms negative", field(6, "-0.1"), "RMS offset", "non-negative"},
		{"frequency inf", field(7, "inf"), "Frequency", "ppm"},
		{"residual hex", field(8, "0x1p-2"), "Residual freq", "ppm"},
		{"skew empty", field(9, ""), "Skew", "ppm"},
		{"root delay negative", field(10, "-0.000504752"), "Root delay", "non-negative"},
		{"root dispersion word", field(11, "lots"), "Root dispersion", "decimal number"},
		{"update interval", field(12, "64.4s"), "Update interval", "decimal number"},
		{"leap", field(13, "Unknown"), "Leap status", `"Normal"`},
		{"text missing field", strings.Replace(text, "Skew            : 24.388 ppm\n", "", 1), "", `field "Skew" is missing`},
		{"text duplicate field", text + "Stratum : 4\n", "", `"Stratum" appears twice`},
		{"text unknown field", text + "Max error : 1 seconds\n", "", `unknown field "Max error"`},
		{"text no colon", text + "oops\n", "", "has no ':'"},
		{"text system time word", strings.Replace(text, "seconds slow of", "seconds late of", 1), "System time", "slow of NTP time"},
		{"text frequency signed", strings.Replace(text, "1.187 ppm fast", "-1.187 ppm fast", 1), "Frequency", "ppm slow"},
		{"text ref id no parens", strings.Replace(text, "A9FEA97B (169.254.169.123)", "A9FEA97B", 1), "Reference ID", "in parentheses"},
		{"text dotted ref id bad", strings.Replace(text, "A9FEA97B (", "169.254.999.123 (", 1), "Reference ID", "dotted-quad"},
		{"text ref time", strings.Replace(text, "Wed Nov 22 13:18:34 2017", "2017-11-22T13:18:34Z", 1), "Ref time (UTC)", "UTC time"},
		{"text unit missing", strings.Replace(text, "0.000504752 seconds", "0.000504752", 1), "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := chrony.Parse(tt.in)
			if tt.name == "text unit missing" {
				// A bare number without its unit is still a number of seconds.
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.wantSub) {
				t.Errorf("error %q does not contain %q", err, tt.wantSub)
			}
			var fe *chrony.FieldError
			if tt.field != "" {
				if !errors.As(err, &fe) {
					t.Fatalf("error %v is not a *FieldError", err)
				}
				if fe.Field != tt.field {
					t.Errorf("Field = %q, want %q", fe.Field, tt.field)
				}
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	entries, err := os.ReadDir("testdata")
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".csv") || strings.HasSuffix(e.Name(), ".txt") {
			b, err := os.ReadFile(filepath.Join("testdata", e.Name()))
			if err != nil {
				f.Fatal(err)
			}
			f.Add(string(b))
		}
	}
	f.Fuzz(func(t *testing.T, in string) {
		tr, err := chrony.Parse(in)
		if err != nil {
			if tr != (chrony.Tracking{}) {
				t.Errorf("error %v with a non-zero Tracking", err)
			}
			return
		}
		switch tr.Leap {
		case chrony.LeapNormal, chrony.LeapInsertSecond, chrony.LeapDeleteSecond, chrony.LeapNotSynchronised:
		default:
			t.Errorf("leap %q accepted", tr.Leap)
		}
		if tr.Stratum < 0 || tr.Stratum > 16 || tr.RootDelay < 0 || tr.RootDispersion < 0 || tr.RMSOffset < 0 || tr.UpdateInterval < 0 {
			t.Errorf("out-of-range values accepted: %+v", tr)
		}
		if tr.MaxError() < 0 {
			t.Errorf("negative MaxError %v for %+v", tr.MaxError(), tr)
		}
		// Evaluation never panics and always explains itself.
		if _, reason := chrony.EvaluateTimeSync(tr, 100*time.Millisecond); reason == "" {
			t.Error("empty reason")
		}
	})
}
