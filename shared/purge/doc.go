// Package purge provides the tenant purge engine: it plans and then deletes
// every object version and delete marker under a terminated tenant's S3
// prefixes, writes a manifest of what it deleted, and survives Lambda's
// 15-minute limit through checkpoints.
//
// Rules:
//   - A location is a bucket and a prefix. The prefix must end in '/', so
//     that "tenants/tenant-1/" can never match "tenants/tenant-10/" or
//     "tenants/tenant-1-archive/", and every location must be exactly one of
//     the locations the caller expects (the registry's) or the job is
//     refused before anything is listed.
//   - Prefix guard: every key of every listing page, and the key marker
//     the next request would start from, must start with the location's
//     prefix, whatever the S3 endpoint answered. One that does not halts
//     the purge (Plan, Apply and the final verify alike) with an error
//     wrapping ErrOutsidePrefix that names the key; nothing from that page
//     is deleted, and DeleteObjects checks each key once more before
//     sending it.
//   - Keys of any shape: listings ask for URL-encoded keys
//     (EncodingType=url) and decode keys and markers, because XML 1.0
//     cannot carry most control characters and one such key would make
//     every listing of the prefix fail. A key that does not decode, or is
//     not UTF-8, halts the purge naming it (ErrBadKey). Keys XML cannot
//     carry are deleted one by one with DeleteObject (the key travels in
//     the URL); the SDK would otherwise send U+FFFD in their place, naming
//     another key.
//   - Plan (dry run) streams ListObjectVersions through the SDK paginator and
//     counts objects (distinct keys), versions, delete markers and bytes, and
//     finds the versions under Object Lock retention or legal hold. It
//     deletes nothing. Apply does the same listing and deletes.
//   - Apply deletes with DeleteObjects in batches of up to 1,000 version ids,
//     Quiet mode (only failures come back; a final listing proves the rest
//     went). Several batches are in flight at once under an adaptive (AIMD)
//     limit: +1 per successful batch up to Options.MaxConcurrency, halved
//     once per window when S3 answers SlowDown, 503 or another throttling
//     error. The SDK's own retryer is switched off for DeleteObjects because
//     it would hide throttling from the limit and, under a throttling storm,
//     fail requests with "retry quota exceeded"; the engine retries instead,
//     with exponential backoff and jitter, up to Options.MaxAttempts.
//   - Every per-key error is either retried (throttling, internal errors) or
//     reported in Result.Failed; none is dropped. A version whose delete is
//     refused (AccessDenied on AWS, InvalidRequest on MinIO) is checked with
//     GetObjectRetention and GetObjectLegalHold: if its retention runs into
//     the future or a legal hold is on, it is reported in Result.Locked with
//     its retain-until date and left in place. BypassGovernanceRetention is
//     never sent.
//   - The status re-check callback runs immediately before every
//     DeleteObjects call; when it returns an error nothing more is deleted
//     and Apply returns that error.
//   - Memory stays flat: the listing is streamed page by page, and at most
//     a bounded window of pages (Options.MaxConcurrency+2) is held at once,
//     whatever the number of objects.
//   - Manifest: one JSON line per deleted version, {"bucket", "key",
//     "version_id", "is_delete_marker", "size", "last_modified"}, in
//     listing order (locations in job order, then S3's key and version
//     order), whatever order the parallel batches finished in. Lines are
//     gzipped into parts (one gzip member per part, so the parts
//     concatenated form one valid gzip file) written to the evidence store.
//     Its SHA-256 covers the uncompressed lines and is computed
//     incrementally; the hash state travels in the checkpoint, so a resumed
//     purge ends with the same digest as an uninterrupted one.
//   - Listing while deleting: a page is handed to the deleters only after
//     the next page has been listed, because the next request's
//     version-id marker is the page's last version and must still exist
//     when S3 reads it. Pages are committed (manifest, counts, markers) in
//     listing order, whatever order their batches finished in.
//   - Checkpoints: after each manifest part is written (every
//     Options.PagesPerPart listing pages, by default every page) the
//     checkpointer receives the serialised state (Checkpoint): location
//     index, key marker, counts, first and last deletion time, the hash
//     state, the manifest keys written, locked and failed versions. The
//     key marker is the last key before the page's final key, so a resume
//     lists the final key again and finds only its versions not yet
//     deleted. A checkpoint never covers manifest lines that are not yet
//     stored. When the context's deadline is closer than
//     Options.DeadlineMargin, no new page is started, the pages in flight
//     finish, the state is checkpointed and Apply returns StatusIncomplete:
//     call Apply again with Result.Checkpoint.
//   - Limits: if the process dies (rather than stopping at the deadline)
//     between a page's DeleteObjects and the checkpoint that covers it, the
//     versions deleted in that window (at most the pages in flight) are
//     missing from the manifest and the counts. After a halt (re-check or
//     error) the resumed run may count a key in Objects twice.
//   - After deleting, every location is listed again: the tenant is purged
//     only when nothing but the reported locked versions is left.
package purge
