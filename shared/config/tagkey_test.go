package config_test

import (
	"strings"
	"testing"
)

// Tag keys are 1 to 128 characters (not bytes) of letters, digits, spaces
// and _.:/=+-@, and not aws:-prefixed.
func TestValidate_TagKeyLength(t *testing.T) {
	for _, tc := range []struct {
		key string
		ok  bool
	}{
		{strings.Repeat("k", 128), true},
		{strings.Repeat("鍵", 128), true},
		{"env:prod/team=a+b@c d_e.f-g", true},
		{strings.Repeat("k", 129), false},
		{strings.Repeat("鍵", 129), false},
		{"", false},
		{"aws:x", false},
		{"bad*key", false},
		{"Ⅻ-²", true},           // numbers beyond digits (\p{N})
		{"a\tb\nc\fd\re", true}, // \s is ASCII white space...
		{"a\vb", false},         // ...without \v
		{"a\u00a0b", false},     // nor other spaces
		{"a\xffb", false},       // nor invalid UTF-8
	} {
		c := example(t)
		c.Backup.Policies[0].Targets.Tags = map[string]string{tc.key: "v"}
		c.Verification.InstanceTags = map[string]string{tc.key: "v"}
		err := c.Validate()
		if got := err == nil; got != tc.ok {
			t.Errorf("tag key of %d characters %.12q...: valid = %v, want %v (%v)", len([]rune(tc.key)), tc.key, got, tc.ok, err)
		}
		if !tc.ok && (err == nil || !strings.Contains(err.Error(), "backup.policies[0].targets.tags") || !strings.Contains(err.Error(), "verification.instanceTags")) {
			t.Errorf("tag key %.12q...: error %v does not name both fields", tc.key, err)
		}
	}
}
