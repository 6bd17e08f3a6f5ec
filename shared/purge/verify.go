package purge

import (
	"context"
	"fmt"
)

// verify lists the job's locations (or its shard's range) again: every
// version left is checked for Object Lock now, whatever was found while
// deleting, so a version whose hold was released since is reported as
// remaining (and deleted on the next round), not as retained.
func (r *run) verify(ctx context.Context) error {
	r.remaining, r.sample, r.retained = 0, nil, nil
	first, marker := r.firstLocation()
	for li := first; li < r.endLocation(); li++ {
		loc := r.job.Locations[li]
		lockable, err := r.e.lockEnabled(ctx, loc.Bucket)
		if err != nil {
			return fmt.Errorf("purge tenant %s: verify %s: %w", r.job.TenantID, loc, err)
		}
		pager := r.e.pager(loc, r.opt.PageSize, string(marker))
		for pager.HasMorePages() {
			out, err := pager.NextPage(ctx)
			if err != nil {
				return fmt.Errorf("purge tenant %s: verify %s: %w", r.job.TenantID, loc, err)
			}
			es := pageEntries(out)
			if err := guardPage(loc, out, es); err != nil {
				return fmt.Errorf("purge tenant %s: verify: %w", r.job.TenantID, err)
			}
			es, cut, err := clip(r.job.Shard, es)
			if err != nil {
				return fmt.Errorf("purge tenant %s: verify: %w", r.job.TenantID, err)
			}
			for _, en := range es {
				if lockable && !en.marker {
					l, ok, err := r.e.lockStatus(ctx, loc.Bucket, en.key, en.versionID)
					if err != nil {
						return fmt.Errorf("purge tenant %s: verify: %w", r.job.TenantID, err)
					}
					if ok {
						l.Size = en.size
						r.retained = append(r.retained, l)
						continue
					}
				}
				r.remaining++
				if len(r.sample) < 10 {
					r.sample = append(r.sample, Version{Bucket: loc.Bucket, Key: en.key, VersionID: en.versionID, IsDeleteMarker: en.marker})
				}
			}
			if cut {
				break
			}
		}
		marker = ""
	}
	return nil
}
