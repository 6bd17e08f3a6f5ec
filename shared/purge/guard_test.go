package purge_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/pledge-dev/pledge/shared/purge"
)

// neighbours fingerprints every live version outside the tenant's prefix.
func neighbours(f *fakeS3, prefix string) []string {
	var out []string
	for _, v := range f.live() {
		if !strings.HasPrefix(v.key, prefix) {
			out = append(out, v.key+" "+v.id)
		}
	}
	return out
}

func TestEngine_PrefixGuard(t *testing.T) {
	const prefix = "tenants/tenant-1/"
	for _, tc := range []struct {
		name string
		// setup makes the fake misbehave; it returns the key the error
		// must name.
		setup func(f *fakeS3) string
		// keptPage: the tenant versions the bad page listed must all
		// still be there.
		keptPage bool
	}{
		{"IgnoresPrefix", func(f *fakeS3) string { f.ignorePrefix = true; return "tenants/tenant-1" }, true},
		{"SplicesForeignKeysIntoThirdPage", func(f *fakeS3) string {
			f.splice = func(n int, in *s3.ListObjectVersionsInput, out *s3.ListObjectVersionsOutput) {
				if n == 3 {
					vs, ms := f.versionsUnder("tenants/tenant-10/")
					out.Versions = append(out.Versions, vs...)
					out.DeleteMarkers = append(out.DeleteMarkers, ms...)
				}
			}
			return "tenants/tenant-10/k00000"
		}, true},
		{"ForeignNextKeyMarker", func(f *fakeS3) string {
			f.splice = func(n int, in *s3.ListObjectVersionsInput, out *s3.ListObjectVersionsOutput) {
				if n == 2 {
					out.NextKeyMarker = aws.String("tenants/tenant-10/")
				}
			}
			return "tenants/tenant-10/"
		}, true},
		{"ForeignKeysOnlyInTheFinalVerify", func(f *fakeS3) string {
			f.splice = func(n int, in *s3.ListObjectVersionsInput, out *s3.ListObjectVersionsOutput) {
				if len(out.Versions)+len(out.DeleteMarkers) == 0 {
					// The prefix is empty now: claim tenant-10's data is there.
					vs, ms := f.versionsUnder("tenants/tenant-10/")
					out.Versions, out.DeleteMarkers = vs, ms
				}
			}
			return "tenants/tenant-10/k00000"
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := seedFake(200)
			before := neighbours(f, prefix)
			want := tc.setup(f)
			// Record what each listing returned, to know the bad page.
			var pages [][]string
			inner := f.splice
			f.splice = func(n int, in *s3.ListObjectVersionsInput, out *s3.ListObjectVersionsOutput) {
				if inner != nil {
					inner(n, in, out)
				}
				var keys []string
				for _, v := range out.Versions {
					keys = append(keys, *v.Key+" "+*v.VersionId)
				}
				for _, m := range out.DeleteMarkers {
					keys = append(keys, *m.Key+" "+*m.VersionId)
				}
				pages = append(pages, keys)
			}
			opt := fastOptions()
			opt.InitialConcurrency, opt.MaxConcurrency = 1, 1
			e := &purge.Engine{S3: f, Evidence: &memStore{}, Checkpointer: &memCheckpointer{}, Recheck: func(context.Context) error { return nil }, Options: opt}
			res, err := e.Apply(context.Background(), fakeJob(prefix), nil)
			if !errors.Is(err, purge.ErrOutsidePrefix) || !strings.Contains(err.Error(), want) {
				t.Fatalf("err = %v, want ErrOutsidePrefix naming %q", err, want)
			}
			if res.Status == purge.StatusPurged {
				t.Errorf("status %s after the guard tripped", res.Status)
			}
			if after := neighbours(f, prefix); !slices.Equal(after, before) {
				t.Errorf("neighbours changed: %d versions before, %d after", len(before), len(after))
			}
			if tc.keptPage {
				bad := pages[len(pages)-1]
				live := map[string]bool{}
				for _, v := range f.live() {
					live[v.key+" "+v.id] = true
				}
				for _, k := range bad {
					if strings.HasPrefix(k, prefix) && !live[k] {
						t.Errorf("%s was deleted although its page held a foreign key", k)
					}
				}
			}
			// The dry run refuses the same listing.
			if tc.name != "ForeignKeysOnlyInTheFinalVerify" {
				g := seedFake(200)
				tc.setup(g)
				if _, err := (&purge.Engine{S3: g, Options: opt}).Plan(context.Background(), fakeJob(prefix)); !errors.Is(err, purge.ErrOutsidePrefix) {
					t.Errorf("Plan err = %v, want ErrOutsidePrefix", err)
				}
			}
		})
	}
}
