package purge

import (
	"context"
	"fmt"
)

// verify lists every location again and counts what is left besides the
// locked versions.
func (r *run) verify(ctx context.Context) error {
	r.remaining, r.sample = 0, nil
	for _, loc := range r.job.Locations {
		pager := r.e.pager(loc, r.opt.PageSize, "")
		for pager.HasMorePages() {
			out, err := pager.NextPage(ctx)
			if err != nil {
				return fmt.Errorf("purge tenant %s: verify %s: %w", r.job.TenantID, loc, err)
			}
			es := pageEntries(out)
			if err := guardPage(loc, out, es); err != nil {
				return fmt.Errorf("purge tenant %s: verify: %w", r.job.TenantID, err)
			}
			for _, en := range es {
				if _, ok := r.lockedAt[Version{Bucket: loc.Bucket, Key: en.key, VersionID: en.versionID}]; ok && !en.marker {
					continue
				}
				r.remaining++
				if len(r.sample) < 10 {
					r.sample = append(r.sample, Version{Bucket: loc.Bucket, Key: en.key, VersionID: en.versionID, IsDeleteMarker: en.marker})
				}
			}
		}
	}
	return nil
}
