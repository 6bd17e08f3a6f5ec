package purge

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// MaxShards bounds the shards of one location.
const MaxShards = 64

// ShardPlanCalls bounds the listing calls PlanShards makes per location.
const ShardPlanCalls = 16

// ShardName names the k-th (1-based) of n shards of location li.
func ShardName(li, k, n int) string { return fmt.Sprintf("l%d-shard-%02d-of-%02d", li, k, n) }

// PlanShards splits each of the job's locations into up to n contiguous
// key ranges that together cover it exactly: shard k holds the keys after
// the previous boundary up to and including its own. Boundaries come
// from a delimited listing ('/'): the location's sub-prefixes and keys,
// descending into a level that holds a single sub-prefix, at most
// ShardPlanCalls listing calls per location. The ranges partition the key
// space whatever the boundaries, so every key belongs to exactly one
// shard; only their balance depends on the listing (sub-prefixes of
// similar size split evenly; a location with fewer than two units at the
// levels looked at is one shard). Shards come in key order, locations in
// job order, so their manifests concatenated are in listing order.
func (e *Engine) PlanShards(ctx context.Context, job Job, n int) ([]Shard, error) {
	if err := job.Validate(); err != nil {
		return nil, err
	}
	if n < 1 || n > MaxShards {
		return nil, fmt.Errorf("plan shards of tenant %s: %d shards: want 1 to %d", job.TenantID, n, MaxShards)
	}
	var out []Shard
	for li, loc := range job.Locations {
		units, err := e.shardUnits(ctx, loc, 4*n)
		if err != nil {
			return nil, fmt.Errorf("plan shards of tenant %s: %w", job.TenantID, err)
		}
		// Boundary k is the start of unit k*len/n, without a trailing
		// '/': every key of the units before it sorts at or below it,
		// every key of the units from it on above.
		var bounds []string
		for k := 1; k < n && len(units) >= 2; k++ {
			// Never the first unit: nothing sorts below it.
			u := strings.TrimSuffix(units[max(1, k*len(units)/n)], "/")
			if u == loc.Prefix || !strings.HasPrefix(u, loc.Prefix) || (len(bounds) > 0 && u <= bounds[len(bounds)-1]) {
				continue
			}
			bounds = append(bounds, u)
		}
		m := len(bounds) + 1
		after := ""
		for k := range m {
			sh := Shard{Name: ShardName(li, k+1, m), Location: li, After: after}
			if k < len(bounds) {
				sh.Upto = bounds[k]
				after = bounds[k]
			}
			out = append(out, sh)
		}
	}
	return out, nil
}

// shardUnits lists the location's first level of sub-prefixes and keys
// ('/'-delimited), descending while a level holds one sub-prefix only and
// no keys, until it has want units or runs out of calls. The units are in
// key order.
func (e *Engine) shardUnits(ctx context.Context, loc Location, want int) ([]string, error) {
	calls := 0
	prefix := loc.Prefix
	for {
		var units []string
		var subs int
		in := &s3.ListObjectVersionsInput{Bucket: aws.String(loc.Bucket), Prefix: aws.String(prefix), Delimiter: aws.String("/"), EncodingType: s3types.EncodingTypeUrl}
		pager := s3.NewListObjectVersionsPaginator(decodingLister{e.S3}, in)
		for pager.HasMorePages() && calls < ShardPlanCalls {
			out, err := pager.NextPage(ctx)
			calls++
			if err != nil {
				return nil, fmt.Errorf("list %s for shard boundaries: %w", loc, err)
			}
			es := pageEntries(out)
			if err := guardPage(loc, out, es); err != nil {
				return nil, err
			}
			for _, cp := range out.CommonPrefixes {
				p := aws.ToString(cp.Prefix)
				if !strings.HasPrefix(p, loc.Prefix) {
					return nil, fmt.Errorf("%w: common prefix %q under %s", ErrOutsidePrefix, p, loc)
				}
				units = append(units, p)
				subs++
			}
			for _, en := range es {
				if len(units) == 0 || units[len(units)-1] != en.key {
					units = append(units, en.key)
				}
			}
			if len(units) >= 4*want {
				break
			}
		}
		slices.Sort(units)
		units = slices.Compact(units)
		if len(units) == 1 && subs == 1 && calls < ShardPlanCalls {
			prefix = units[0]
			continue
		}
		return units, nil
	}
}
