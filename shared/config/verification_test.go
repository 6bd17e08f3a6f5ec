package config_test

import (
	"strings"
	"testing"

	"github.com/pledge-dev/pledge/shared/config"
)

// TestValidate_VerificationPromises checks the time sources, noncurrent
// versions, log classes and key-rotation limit: the valid forms pass, each
// bad one is one error that names the field and what would be valid.
func TestValidate_VerificationPromises(t *testing.T) {
	t.Run("valid", func(t *testing.T) {
		c := example(t)
		c.Verification.TimeSources = []config.TimeSource{
			{Service: "amazon"},
			{Service: "nict", Addresses: []string{"133.243.238.1"}},
			{Server: "ntp.example.co.jp", Addresses: []string{"192.0.2.10", "2001:db8::123"}},
			{Server: "198.51.100.7"}, // an address needs no addresses
			{Service: "any"},
		}
		c.Verification.NoncurrentVersionDays = 31
		c.Verification.LogClasses = []config.LogClass{
			{Name: "os", Prefixes: []string{"/var/log/messages", "/aws/ec2/"}, MinDays: 180},
			{Name: "access", Prefixes: []string{"/app/access"}, MinDays: 180},
			{Name: "application", Prefixes: []string{"/app/"}, MinDays: 150},
		}
		c.Verification.KeyRotationMaxDays = 365
		if err := c.Validate(); err != nil {
			t.Fatalf("Validate() = %v", err)
		}
	})
	for _, tc := range []struct {
		name   string
		mutate func(*config.Verification)
		want   string
	}{
		{"source neither", func(v *config.Verification) { v.TimeSources = []config.TimeSource{{}} },
			`verification.timeSources[0]: "service \"\", server \"\"" is not valid: want exactly one of "service"`},
		{"source both", func(v *config.Verification) {
			v.TimeSources = []config.TimeSource{{Service: "nict", Server: "ntp.nict.jp"}}
		}, `verification.timeSources[0]: "service \"nict\", server \"ntp.nict.jp\"" is not valid: want exactly one of`},
		{"unknown service", func(v *config.Verification) { v.TimeSources = []config.TimeSource{{Service: "google"}} },
			`verification.timeSources[0].service: "google" is not valid: want "amazon" (Amazon Time Sync Service), "nict" (NICT's ntp.nict.jp) or "any"`},
		{"any with addresses", func(v *config.Verification) {
			v.TimeSources = []config.TimeSource{{Service: "any", Addresses: []string{"192.0.2.1"}}}
		}, `verification.timeSources[0].addresses: "192.0.2.1" is not valid: want none: "any" accepts every server`},
		{"amazon addresses", func(v *config.Verification) {
			v.TimeSources = []config.TimeSource{{Service: "amazon", Addresses: []string{"169.254.169.123"}}}
		}, `verification.timeSources[0].addresses: "169.254.169.123" is not valid: want none: Amazon Time Sync Service's endpoints are fixed`},
		{"server name", func(v *config.Verification) {
			v.TimeSources = []config.TimeSource{{Server: "ntp_1.example", Addresses: []string{"192.0.2.1"}}}
		}, `verification.timeSources[0].server: "ntp_1.example" is not valid: want an NTP server's host name`},
		{"server without addresses", func(v *config.Verification) { v.TimeSources = []config.TimeSource{{Server: "ntp.example.co.jp"}} },
			"verification.timeSources[0].addresses: nothing is not valid: want the server's IP addresses: the check reads `chronyc -c tracking`"},
		{"bad address", func(v *config.Verification) {
			v.TimeSources = []config.TimeSource{{Server: "ntp.example.co.jp", Addresses: []string{"192.0.2.300"}}}
		}, `verification.timeSources[0].addresses[0]: "192.0.2.300" is not valid: want an IPv4 or IPv6 address`},
		{"source twice", func(v *config.Verification) {
			v.TimeSources = []config.TimeSource{{Service: "nict"}, {Service: "nict"}}
		}, `verification.timeSources[1]: "nict" is not valid: want a source listed once`},
		{"noncurrent negative", func(v *config.Verification) { v.NoncurrentVersionDays = -1 },
			`verification.noncurrentVersionDays: -1 is not valid: want 0 (nothing promised) or the days noncurrent versions`},
		{"class name", func(v *config.Verification) {
			v.LogClasses = []config.LogClass{{Name: "OS logs", Prefixes: []string{"/os/"}, MinDays: 180}}
		}, `verification.logClasses[0].name: "OS logs" is not valid: want a class name`},
		{"class twice", func(v *config.Verification) {
			v.LogClasses = []config.LogClass{{Name: "os", Prefixes: []string{"/a/"}, MinDays: 1}, {Name: "os", Prefixes: []string{"/b/"}, MinDays: 1}}
		}, `verification.logClasses[1].name: "os" is not valid: want a name no other log class uses`},
		{"class no prefix", func(v *config.Verification) { v.LogClasses = []config.LogClass{{Name: "os", MinDays: 180}} },
			`verification.logClasses[0].prefixes: nothing is not valid: want at least one log-group name prefix`},
		{"class bad prefix", func(v *config.Verification) {
			v.LogClasses = []config.LogClass{{Name: "os", Prefixes: []string{"/var/log/*"}, MinDays: 180}}
		}, `verification.logClasses[0].prefixes[0]: "/var/log/*" is not valid: want a log-group name prefix`},
		{"prefix in two classes", func(v *config.Verification) {
			v.LogClasses = []config.LogClass{{Name: "os", Prefixes: []string{"/x/"}, MinDays: 1}, {Name: "app", Prefixes: []string{"/x/"}, MinDays: 1}}
		}, `verification.logClasses[1].prefixes[0]: "/x/" is not valid: want a prefix in one class only (class "os" already has it)`},
		{"class days", func(v *config.Verification) {
			v.LogClasses = []config.LogClass{{Name: "os", Prefixes: []string{"/os/"}, MinDays: 0}}
		}, `verification.logClasses[0].minDays: 0 is not valid: want the promised minimum retention, 1 to 3653 days`},
		{"rotation too short", func(v *config.Verification) { v.KeyRotationMaxDays = 30 },
			`verification.keyRotationMaxDays: 30 is not valid: want 0 (any rotation period KMS allows) or the longest period allowed, 90 to 2560 days`},
		{"rotation too long", func(v *config.Verification) { v.KeyRotationMaxDays = 2561 }, `verification.keyRotationMaxDays: 2561 is not valid`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := example(t)
			tc.mutate(&c.Verification)
			err := c.Validate()
			wantOneFieldError(t, err, tc.want)
		})
	}
}

func TestVerification_LogClassOf(t *testing.T) {
	v := config.Verification{LogClasses: []config.LogClass{
		{Name: "application", Prefixes: []string{"/app/"}, MinDays: 150},
		{Name: "access", Prefixes: []string{"/app/access"}, MinDays: 180},
		{Name: "os", Prefixes: []string{"/var/log/", "/aws/ec2/"}, MinDays: 400},
	}}
	for _, tc := range []struct {
		group, class string
		ok           bool
	}{
		{"/app/access/web", "access", true}, // the longer prefix wins over /app/
		{"/app/orders", "application", true},
		{"/aws/ec2/syslog", "os", true},
		{"/var/log/secure", "os", true},
		{"/aws/lambda/x", "", false},
		{"/ap", "", false},
	} {
		c, ok := v.LogClassOf(tc.group)
		if ok != tc.ok || c.Name != tc.class {
			t.Errorf("LogClassOf(%q) = %q, %v; want %q, %v", tc.group, c.Name, ok, tc.class, tc.ok)
		}
	}
}

func TestDecode_VerificationPromisesRoundTrip(t *testing.T) {
	in := `{"region":"ap-northeast-1","verification":{"clockOffsetThreshold":"100ms","schedule":"rate(1 hour)",
	"timeSources":[{"service":"nict"},{"server":"ntp.example.co.jp","addresses":["192.0.2.10"]}],
	"noncurrentVersionDays":31,"logClasses":[{"name":"os","prefixes":["/os/"],"minDays":180}],"keyRotationMaxDays":365},
	"evidence":{"retentionDays":1}}`
	c, err := config.Decode(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(config.SectionVerification); err != nil {
		t.Fatal(err)
	}
	again, err := config.Decode(strings.NewReader(c.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	v := again.Verification
	if len(v.TimeSources) != 2 || v.TimeSources[1].Addresses[0] != "192.0.2.10" || v.NoncurrentVersionDays != 31 || v.LogClasses[0].MinDays != 180 || v.KeyRotationMaxDays != 365 {
		t.Errorf("round trip lost a field: %+v", v)
	}
	if _, err := config.Decode(strings.NewReader(strings.Replace(in, `"minDays"`, `"minimumDays"`, 1))); err == nil {
		t.Error("a misspelt log-class field decoded without error")
	}
}
