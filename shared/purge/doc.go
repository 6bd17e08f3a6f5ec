// Package purge provides the tenant purge engine: it plans and then deletes
// every object version and delete marker under a terminated tenant's S3
// prefixes, writes a manifest of what it deleted ahead of deleting it, and
// survives Lambda's 15-minute limit and being killed at any point through
// bounded checkpoints. (Package purger is the function's handler that
// drives it; this package knows nothing of Lambda, tenants or mail.)
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
//     reported (Result.Failed, this invocation's, and FailedCount); none is
//     dropped. A version whose delete is refused (AccessDenied on AWS,
//     InvalidRequest on MinIO) is checked with GetObjectRetention and
//     GetObjectLegalHold: under retention that runs into the future or a
//     legal hold it is left in place. BypassGovernanceRetention is never
//     sent.
//   - The status re-check callback runs immediately before every
//     DeleteObjects call; when it returns an error nothing more is deleted
//     and Apply returns that error.
//   - Memory stays flat: the listing is streamed page by page, and at most
//     a bounded window of pages (Options.MaxConcurrency+2) is held at once,
//     whatever the number of objects.
//   - Manifest: one JSON line per deleted version, {"bucket", "key",
//     "version_id", "is_delete_marker", "size", "last_modified"}, in
//     listing order (locations in job order, then S3's key and version
//     order), whatever order the parallel batches finished in. Its SHA-256
//     covers the uncompressed lines.
//   - Write-ahead: each listing page's lines are stored as a part (one
//     gzip member, so parts concatenated form one gzip stream) before any
//     of its versions is deleted, one part at a time in listing order,
//     under a name derived from the attempt's own id (Layout.Part), which
//     is saved in the checkpoint before its first part. A page is
//     committed once every version in it has an outcome: its part becomes
//     an index entry, its lines go into the running hash and the
//     checkpoint is saved. A page whose versions did not all go is
//     committed with a correction part holding the deleted versions' lines
//     only; its page part is listed as superseded. So the hash state only
//     ever covers stored lines, and the manifest lists every deleted
//     version exactly once.
//   - Killed at any point: the next Apply finds the parts the stopped
//     attempt wrote beyond its last committed one (consecutive names, up
//     to the first missing, which it fences with an empty part so that a
//     write still in flight cannot land later) and replays them, page by
//     page, before it lists anything new: their versions are deleted again
//     (S3 deletes are idempotent) and their parts adopted. The manifest,
//     and so its digest, is then exactly that of an uninterrupted purge of
//     an identical copy. Deletion times of replayed pages are the replay's.
//   - Index: every part stored (adopted, superseded, fenced) is an index
//     entry, {"key", "lines", "sha256", "superseded"}, in manifest order,
//     the reason a short code (Superseded*), so that pending entries stay
//     small.
//     Up to IndexSegmentParts entries wait in the checkpoint; then they are
//     written as a write-once index segment (saved in the checkpoint first,
//     so a retry writes the same bytes). Seal joins the segments of a
//     purge's shards into the index object, re-reads every part it lists,
//     and returns the digest computed from what is stored.
//   - Checkpoints are bounded (MaxCheckpointBytes, 16 KiB) at any tenant
//     size: markers (keys stored as base64), counts, the hash state, the
//     pending index entries. The key marker is the last key before the
//     page's final key, so a resume lists the final key again and finds
//     only its versions not yet deleted. When the context's deadline is
//     closer than Options.DeadlineMargin, no new page is started, the pages
//     in flight finish and are committed, and Apply returns
//     StatusIncomplete: call Apply again with Result.Checkpoint. After a
//     halt (re-check or error) the pages not finished stay beyond the
//     checkpoint, to be replayed by the next Apply.
//   - Shards: a Job with a Shard purges one key range (After, Upto] of one
//     location, with its own checkpoint, parts and index segments
//     (Layout.Shard); keys before the range are an error, keys after it
//     end the shard. The prefix guard applies to every shard.
//   - After deleting, the locations (or the shard's range) are listed
//     again and every version left is checked for Object Lock at that
//     moment: the purge is purged only when nothing but versions under
//     retention or legal hold is left, and Result.Locked lists those as
//     they are now (a hold released since is not reported as retained; the
//     version is deleted on the next round).
package purge
