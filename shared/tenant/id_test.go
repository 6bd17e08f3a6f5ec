package tenant_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/tenant"
)

func TestValidateID_Accepts(t *testing.T) {
	for _, id := range []string{"tenant-1", "tenant-10", "a", "0", "acme-co", "x-", strings.Repeat("a", 63), "9to5"} {
		if err := tenant.ValidateID(id); err != nil {
			t.Errorf("ValidateID(%q) = %v, want nil", id, err)
		}
	}
}

func TestValidateID_Rejects(t *testing.T) {
	tests := []struct {
		name, id, want string
	}{
		{"empty", "", `tenant id "" is invalid: it is empty`},
		{"dot-dot", "..", `tenant id ".." is invalid: it contains '.' at byte 0`},
		{"dot-dot inside", "a..b", `contains '.' at byte 1`},
		{"slash", "tenant-1/", `contains '/' at byte 8, which would add a level to the S3 prefix`},
		{"leading slash", "/tenant-1", `contains '/' at byte 0`},
		{"star", "tenant-*", `contains '*' at byte 7, a wildcard`},
		{"question", "tenant-?", `a wildcard`},
		{"space", "tenant 1", `contains ' ' at byte 6, whitespace`},
		{"tab", "tenant\t1", `contains '\t' at byte 6, whitespace`},
		{"newline", "tenant-1\n", `whitespace`},
		{"nul", "tenant\x001", `contains '\x00' at byte 6, a control character`},
		{"del", "tenant\x7f", `a control character`},
		{"upper case", "Tenant-1", `contains 'T' at byte 0: ids are lower case`},
		{"underscore", "tenant_1", `contains '_' at byte 6`},
		{"leading dash", "-tenant", `it starts with '-'`},
		{"too long", strings.Repeat("a", 64), `it is 64 bytes long, more than 63`},
		{"fullwidth solidus", "tenant\uff0f1", `contains '／' at byte 6, which is not ASCII`},
		{"cyrillic a", "tenаnt", `which is not ASCII`},
		{"zero width space", "tenant\u200b1", `which is not ASCII`},
		{"invalid utf-8", "tenant\xff", `byte 6 is not valid UTF-8`},
		{"percent", "tenant%2F1", `contains '%'`},
		{"backslash", `tenant\1`, `contains '\\'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tenant.ValidateID(tt.id)
			if err == nil {
				t.Fatalf("ValidateID(%q) = nil, want an error", tt.id)
			}
			if !errors.Is(err, tenant.ErrInvalid) {
				t.Errorf("error %v does not wrap ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if !strings.Contains(err.Error(), tenant.IDRule) {
				t.Errorf("error %q does not state the rule", err)
			}
		})
	}
}

var idRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// FuzzValidateID checks ValidateID against the regular expression it
// documents, and that an accepted id never widens a prefix: the tenant's
// prefix under the template has exactly one more path segment than the
// template's fixed part and no other tenant's prefix starts with it.
func FuzzValidateID(f *testing.F) {
	for _, s := range []string{"tenant-1", "", "..", "a/b", "*", " ", "\x00", "Tenant", "tenant-1\n", "ｔｅｎａｎｔ", "a\u200bb", strings.Repeat("z", 63), strings.Repeat("z", 64)} {
		f.Add(s)
	}
	cfg := config.Tenants{PrefixTemplate: "tenants/{tenant}/"}
	f.Fuzz(func(t *testing.T, id string) {
		err := tenant.ValidateID(id)
		if got, want := err == nil, idRE.MatchString(id); got != want {
			t.Fatalf("ValidateID(%q) = %v; the documented pattern says valid=%v", id, err, want)
		}
		if err != nil {
			if !errors.Is(err, tenant.ErrInvalid) || !strings.Contains(err.Error(), "tenant id ") {
				t.Fatalf("error %q: want ErrInvalid naming the id", err)
			}
			return
		}
		p := cfg.Prefix(id)
		if strings.Count(p, "/") != 2 || !strings.HasSuffix(p, "/") || strings.Contains(p, "..") || strings.ContainsAny(p, "*? \t\r\n") {
			t.Fatalf("id %q gives prefix %q, which widens the template", id, p)
		}
		// Another tenant's prefix never starts with this one's (tenant-1/ vs tenant-10/).
		other := cfg.Prefix(id + "0")
		if strings.HasPrefix(other, p) {
			t.Fatalf("prefix %q contains %q", p, other)
		}
	})
}
