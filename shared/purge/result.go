package purge

import (
	"time"
)

// Counts are what a purge found or deleted.
type Counts struct {
	// Objects counts distinct keys.
	Objects int64 `json:"objects"`
	// Versions counts object versions (not delete markers).
	Versions int64 `json:"versions"`
	// DeleteMarkers counts delete markers.
	DeleteMarkers int64 `json:"delete_markers"`
	// Bytes sums the versions' sizes.
	Bytes int64 `json:"bytes"`
}

func (c *Counts) add(o Counts) {
	c.Objects += o.Objects
	c.Versions += o.Versions
	c.DeleteMarkers += o.DeleteMarkers
	c.Bytes += o.Bytes
}

// Locked is a version left in place because Object Lock protects it.
type Locked struct {
	Bucket    string `json:"bucket"`
	Key       string `json:"key"`
	VersionID string `json:"version_id"`
	Size      int64  `json:"size"`
	// Mode is the retention mode, GOVERNANCE or COMPLIANCE, if any.
	Mode string `json:"mode,omitempty"`
	// RetainUntil is the end of the retention period, if any.
	RetainUntil time.Time `json:"retain_until,omitzero"`
	// LegalHold is true while a legal hold is on.
	LegalHold bool `json:"legal_hold"`
}

// Failure is a version the engine could not delete and that is not locked.
type Failure struct {
	Bucket         string `json:"bucket"`
	Key            string `json:"key"`
	VersionID      string `json:"version_id"`
	IsDeleteMarker bool   `json:"is_delete_marker"`
	// Code is S3's error code, Message its message or the engine's reason.
	Code     string `json:"code"`
	Message  string `json:"message"`
	Attempts int    `json:"attempts"`
}

// Version identifies one version found where nothing should be left.
type Version struct {
	Bucket         string `json:"bucket"`
	Key            string `json:"key"`
	VersionID      string `json:"version_id"`
	IsDeleteMarker bool   `json:"is_delete_marker"`
}

// LocationPlan is what Plan found under one location.
type LocationPlan struct {
	Location Location `json:"location"`
	Counts   Counts   `json:"counts"`
	Locked   []Locked `json:"locked"`
}

// Plan is a dry run: what Apply would delete and what it would leave.
type Plan struct {
	TenantID  string         `json:"tenant_id"`
	Locations []LocationPlan `json:"locations"`
	// Total sums the locations. Locked versions are included in the
	// counts; they are also listed in Locked.
	Total  Counts   `json:"total"`
	Locked []Locked `json:"locked"`
}

// Status is how an Apply call ended.
type Status string

// The statuses.
const (
	// StatusPurged: nothing but the reported locked versions is left.
	StatusPurged Status = "purged"
	// StatusIncomplete: stopped before the deadline; call Apply again with
	// Result.Checkpoint.
	StatusIncomplete Status = "incomplete"
	// StatusNotPurged: every page was worked through but versions other
	// than locked ones are left (see Result.Failed and Result.Remaining);
	// Apply with Result.Checkpoint tries them again.
	StatusNotPurged Status = "not_purged"
	// StatusStopped: the status re-check or an error stopped the purge;
	// Apply returned the error.
	StatusStopped Status = "stopped"
)

// Result is what Apply did, cumulative over every invocation of one purge
// (or shard).
type Result struct {
	TenantID  string     `json:"tenant_id"`
	Locations []Location `json:"locations"`
	Shard     *Shard     `json:"shard,omitempty"`
	Status    Status     `json:"status"`
	// Counts are what was deleted.
	Counts        Counts    `json:"counts"`
	FirstDeletion time.Time `json:"first_deletion,omitzero"`
	LastDeletion  time.Time `json:"last_deletion,omitzero"`
	// ManifestSHA256 is the hex SHA-256 of the manifest lines committed
	// so far; final when Status is StatusPurged.
	ManifestSHA256 string `json:"manifest_sha256"`
	// Layout names the evidence; Index counts the index segments written
	// (Seal joins them into the purge's index).
	Layout Layout     `json:"layout"`
	Index  IndexState `json:"index"`
	// Locked are the versions the final listing found under Object Lock
	// retention or legal hold, checked at that time.
	Locked []Locked `json:"locked"`
	// Failed are this invocation's versions that could not be deleted
	// (at most MaxFailures; FailedCount counts them all).
	Failed      []Failure `json:"failed"`
	FailedCount int64     `json:"failed_count,omitempty"`
	// Remaining counts the versions the final listing found besides the
	// locked ones; RemainingSample shows up to ten of them.
	Remaining       int64     `json:"remaining"`
	RemainingSample []Version `json:"remaining_sample,omitempty"`
	// Concurrency describes this invocation's adaptive limit.
	Concurrency LimitStats `json:"concurrency"`
	// Checkpoint is the state to resume from: the checkpoint saved last.
	Checkpoint []byte `json:"-"`
}

// LimitStats describe an invocation's adaptive DeleteObjects concurrency.
type LimitStats struct {
	// Final is the limit at the end, Peak the highest it reached.
	Final int `json:"final"`
	Peak  int `json:"peak"`
	// Decreases counts the times throttling halved it.
	Decreases int `json:"decreases"`
}
