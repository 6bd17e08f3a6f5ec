package check_test

import (
	"fmt"
	"testing"

	"github.com/pledge-dev/pledge/shared/check"
)

// benchResults makes n results over n resources, one in ten failing.
func benchResults(n int, failEvery int) []check.Result {
	rs := make([]check.Result, n)
	for i := range rs {
		s := check.Pass
		if failEvery > 0 && i%failEvery == 0 {
			s = check.Fail
		}
		id := check.Definitions[i%len(check.Definitions)].ID
		rs[i] = check.NewResult(id, fmt.Sprintf("arn:aws:s3:::bucket-%04d", i), s, "Reason sentence.", now)
	}
	return rs
}

// BenchmarkBuildAndChanges_1000 is the report step of a sweep over 1,000
// resources: build the report and compare it with the previous run.
func BenchmarkBuildAndChanges_1000(b *testing.B) {
	prev := check.Build(benchResults(1000, 10), now)
	cur := benchResults(1000, 7)
	b.ReportAllocs()
	for b.Loop() {
		r := check.Build(cur, now)
		if len(check.Changes(prev, r)) == 0 {
			b.Fatal("no changes")
		}
	}
}
