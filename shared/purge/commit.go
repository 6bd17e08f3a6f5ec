package purge

import (
	"context"
	"slices"
)

// commit records a finished page in listing order: manifest lines for the
// deleted versions, locked and failed versions, and the resume markers.
func (r *run) commit(ctx context.Context, p *page) error {
	complete := true
	for i := range p.entries {
		en := &p.entries[i]
		id := Version{Bucket: p.bucket, Key: en.key, VersionID: en.versionID, IsDeleteMarker: en.marker}
		switch en.state {
		case deleted:
			if err := r.man.add(ManifestLine{Bucket: p.bucket, Key: en.key, VersionID: en.versionID, IsDeleteMarker: en.marker, Size: en.size, LastModified: formatTime(en.modified)}); err != nil {
				return err
			}
			if en.key != r.st.LastKey {
				r.st.Counts.Objects++
				r.st.LastKey = en.key
			}
			if en.marker {
				r.st.Counts.DeleteMarkers++
			} else {
				r.st.Counts.Versions++
				r.st.Counts.Bytes += en.size
			}
			if r.st.FirstDeletion.IsZero() || en.at.Before(r.st.FirstDeletion) {
				r.st.FirstDeletion = en.at
			}
			if en.at.After(r.st.LastDeletion) {
				r.st.LastDeletion = en.at
			}
			r.dropFailure(id)
		case locked:
			r.dropFailure(id)
			lid := Version{Bucket: p.bucket, Key: en.key, VersionID: en.versionID}
			if j, ok := r.lockedAt[lid]; ok {
				r.st.Locked[j] = en.lock
			} else {
				r.lockedAt[lid] = len(r.st.Locked)
				r.st.Locked = append(r.st.Locked, en.lock)
			}
		case failed:
			f := Failure{Bucket: p.bucket, Key: en.key, VersionID: en.versionID, IsDeleteMarker: en.marker, Code: en.code, Message: en.message, Attempts: en.attempts}
			if j, ok := r.failedAt[id]; ok {
				r.st.Failed[j] = f
			} else {
				r.failedAt[id] = len(r.st.Failed)
				r.st.Failed = append(r.st.Failed, f)
			}
		default:
			complete = false
		}
	}
	if !complete {
		// Versions not attempted are listed again on resume, so the
		// markers must not move past this page.
		r.frozen = true
	}
	if r.frozen {
		return nil
	}
	r.pagesSincePart++
	if p.last {
		r.st.Location++
		r.st.KeyMarker, r.st.LastKey = "", ""
		return r.checkpoint(ctx)
	}
	if p.resumeKey != "" {
		r.st.KeyMarker = p.resumeKey
	}
	if r.pagesSincePart >= r.opt.PagesPerPart {
		return r.checkpoint(ctx)
	}
	return nil
}

func (r *run) dropFailure(id Version) {
	j, ok := r.failedAt[id]
	if !ok {
		return
	}
	r.st.Failed = slices.Delete(r.st.Failed, j, j+1)
	r.index()
}
