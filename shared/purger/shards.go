package purger

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/pledge-dev/pledge/shared/logging"
	"github.com/pledge-dev/pledge/shared/metrics"
	"github.com/pledge-dev/pledge/shared/purge"
	"github.com/pledge-dev/pledge/shared/tenant"
)

// shard splits a large tenant's purge into shards (purge.Engine.PlanShards)
// when Tenants.Shards > 1 and the tenant holds at least
// Tenants.ShardMinVersions versions: it records them (ShardStore, then the
// tenant's progress) and sends one purge message per shard. It returns
// false, and the tenant is purged whole, for a tenant too small to split.
func (p *Purger) shard(ctx context.Context, t tenant.Tenant, job purge.Job, sv *saver, o *Outcome, log *slog.Logger) (bool, error) {
	eng := &purge.Engine{S3: p.S3, Logger: log, Options: p.engineOptions(ctx)}
	from := int64(p.Tenants.ShardFrom())
	n, err := eng.CountUpTo(ctx, job, from)
	if err != nil {
		return false, err
	}
	if n < from {
		return false, nil
	}
	shards, err := eng.PlanShards(ctx, job, p.Tenants.Shards)
	if err != nil {
		return false, err
	}
	if len(shards) < 2 {
		log.Info("tenant not sharded: its key space offers no boundaries", "versions_at_least", n)
		return false, nil
	}
	if err := p.Shards.Create(ctx, t.ID, job.PurgeID, shards); err != nil {
		return false, err
	}
	plan := &shardPlan{PurgeID: job.PurgeID}
	for _, sh := range shards {
		plan.Names = append(plan.Names, sh.Name)
	}
	sv.prog.Shards = plan
	if err := sv.persist(ctx); err != nil {
		return false, fmt.Errorf("record the shards of tenant %s: %w", t.ID, err)
	}
	if err := p.sendShards(ctx, t.ID, plan.Names, 1); err != nil {
		return false, err
	}
	o.Action = ActionSharded
	log.Info("purge split into shards", "shards", len(shards), "versions_at_least", n)
	p.record(ctx, o)
	return true, nil
}

// sendShards puts one message per shard on the purge queue.
func (p *Purger) sendShards(ctx context.Context, id string, names []string, round int) error {
	var errs []error
	for chunk := range slices.Chunk(names, 10) {
		in := &sqs.SendMessageBatchInput{QueueUrl: aws.String(p.QueueURL)}
		for i, name := range chunk {
			in.Entries = append(in.Entries, sqstypes.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)),
				MessageBody: aws.String(Message{TenantID: id, Reason: ReasonShard, Enqueued: p.now().UTC(), Round: round, Shard: name}.Encode())})
		}
		out, err := p.Queue.SendMessageBatch(ctx, in)
		if err != nil {
			errs = append(errs, fmt.Errorf("send the shards of tenant %s: %w", id, err))
			continue
		}
		for _, f := range out.Failed {
			errs = append(errs, fmt.Errorf("send a shard of tenant %s: %s: %s", id, aws.ToString(f.Code), aws.ToString(f.Message)))
		}
	}
	return errors.Join(errs...)
}

// continueSharded handles the tenant's own message once its purge is
// sharded (the daily sweep sends it while the tenant is purging): when
// every shard is done it joins them, otherwise it sends the unfinished
// shards again (a duplicate takes the shard over safely; one that waits
// in the dead-letter queue is retried) and reports how many are pending.
func (p *Purger) continueSharded(ctx context.Context, t tenant.Tenant, m Message, sv *saver, o Outcome, log *slog.Logger) (Outcome, error) {
	var pending []string
	for _, name := range sv.prog.Shards.Names {
		it, err := p.Shards.Get(ctx, t.ID, name)
		if err != nil {
			return o, err
		}
		if !it.Done {
			pending = append(pending, name)
		}
	}
	p.put("PurgeShardsPending", float64(len(pending)), metrics.Count)
	if len(pending) == 0 {
		return p.join(ctx, t, sv, o, log)
	}
	if err := p.sendShards(ctx, t.ID, pending, m.Round+1); err != nil {
		return o, err
	}
	o.Action, o.Reason = ActionWaiting, fmt.Sprintf("%d of %d shards unfinished, sent again", len(pending), len(sv.prog.Shards.Names))
	log.Info("sharded purge still running", "shards_pending", len(pending))
	p.record(ctx, &o)
	return o, nil
}

// handleShard purges one shard of a sharded purge. The shard is claimed
// on its own item (a duplicate message takes it over; the previous owner's
// next save fails); its checkpoint and parts are its own. When it is done
// and every other shard is too, this invocation joins them.
func (p *Purger) handleShard(ctx context.Context, m Message, in Outcome, log *slog.Logger) (o Outcome, err error) {
	o = in
	o.Shard = m.Shard
	log = log.With("shard", m.Shard)
	if p.Shards == nil {
		return o, fmt.Errorf("tenant %s: shard message, but this purger keeps no shards", m.TenantID)
	}
	t, err := p.Registry.Get(ctx, m.TenantID)
	if err != nil {
		return p.notStarted(ctx, o, err, log)
	}
	prog, err := decodeProgress(t.Checkpoint.Data)
	if err != nil {
		return o, fmt.Errorf("tenant %s: %w", t.ID, err)
	}
	if t.Status != tenant.StatusPurging || prog.Shards == nil || !slices.Contains(prog.Shards.Names, m.Shard) {
		o.Action, o.Reason = ActionRefused, fmt.Sprintf("tenant is %s and has no shard %s in purge", t.Status, m.Shard)
		if t.Status == tenant.StatusPurged {
			o.Action = ActionAlreadyPurged
		}
		log.Warn("shard message refused", "reason", o.Reason)
		return o, nil
	}
	owner := p.owner(ctx)
	it, err := p.Shards.Claim(ctx, t.ID, m.Shard, owner)
	if err != nil {
		return o, err
	}
	if it.PurgeID != prog.Shards.PurgeID {
		o.Action, o.Reason = ActionRefused, fmt.Sprintf("shard %s belongs to purge %s, the tenant's is %s", m.Shard, it.PurgeID, prog.Shards.PurgeID)
		return o, nil
	}
	log = log.With("purge_owner", owner)
	var sum shardSummary
	if it.Done && it.Summary != nil {
		sum = *it.Summary
	} else {
		var before purge.Checkpoint
		if len(it.Checkpoint) > 0 {
			if before, err = purge.DecodeCheckpoint(it.Checkpoint); err != nil {
				return o, fmt.Errorf("tenant %s shard %s: %w", t.ID, m.Shard, err)
			}
		}
		job, err := p.job(t)
		if err != nil {
			return o, err
		}
		job.PurgeID, job.Shard = it.PurgeID, &it.Shard
		cp := &shardSaver{st: p.Shards, id: t.ID, name: m.Shard, owner: owner}
		eng := &purge.Engine{
			S3: p.S3, Evidence: p.Evidence, Checkpointer: cp, Logger: log, Options: p.engineOptions(ctx), Now: p.Now,
			Recheck: func(ctx context.Context) error {
				cur, err := p.Registry.Get(ctx, t.ID)
				if err != nil {
					return fmt.Errorf("re-read tenant: %w", err)
				}
				if cur.Status != tenant.StatusPurging {
					return fmt.Errorf("%w: tenant is %s, not purging", tenant.ErrConflict, cur.Status)
				}
				sh, err := p.Shards.Get(ctx, t.ID, m.Shard)
				if err != nil {
					return fmt.Errorf("re-read shard: %w", err)
				}
				if sh.Owner != owner {
					return fmt.Errorf("%w: shard %s is now owned by %q", ErrShardLost, m.Shard, sh.Owner)
				}
				return nil
			},
		}
		res, err := eng.Apply(ctx, job, it.Checkpoint)
		o.fill(res, before)
		defer func() { o.ProgressBytes = cp.largest }()
		p.put("ObjectsDeleted", float64(o.Deleted.Versions+o.Deleted.DeleteMarkers), metrics.Count)
		p.put("BytesDeleted", float64(o.Deleted.Bytes), metrics.Bytes)
		if err != nil {
			if errors.Is(err, purge.ErrOutsidePrefix) {
				p.guardTripped(ctx, t.ID, err, log)
			}
			if errors.Is(err, tenant.ErrConflict) || errors.Is(err, purge.ErrStopped) || errors.Is(err, ErrShardLost) {
				o.Action, o.Reason = ActionSuperseded, err.Error()
				log.Warn("shard stopped: no longer this invocation's to purge", logging.KeyError, err)
				p.record(ctx, &o)
				return o, nil
			}
			return o, err
		}
		switch res.Status {
		case purge.StatusIncomplete:
			p.put("PurgeIncomplete", 1, metrics.Count)
			if !progressed(before, res) {
				return o, fmt.Errorf("purge tenant %s shard %s: paused without deleting or listing anything: the invocation leaves too little time", t.ID, m.Shard)
			}
			next := Message{TenantID: t.ID, Reason: ReasonResume, Enqueued: p.now().UTC(), Round: m.Round + 1, Shard: m.Shard}
			if _, err := p.Queue.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(p.QueueURL), MessageBody: aws.String(next.Encode()), DelaySeconds: int32(p.resumeDelay() / time.Second)}); err != nil {
				return o, fmt.Errorf("send tenant %s shard %s on after pausing: %w", t.ID, m.Shard, err)
			}
			o.Action = ActionContinued
			p.record(ctx, &o)
			return o, nil
		case purge.StatusPurged:
		default:
			p.put("PurgeIncomplete", 1, metrics.Count)
			p.record(ctx, &o)
			return o, fmt.Errorf("purge tenant %s shard %s: %s: %d versions left, %d could not be deleted", t.ID, m.Shard, res.Status, res.Remaining, res.FailedCount)
		}
		sum = shardSummary{Counts: res.Counts, FirstDeletion: res.FirstDeletion, LastDeletion: res.LastDeletion, Layout: res.Layout, Segments: res.Index.Segments, ManifestSHA256: res.ManifestSHA256}
	}
	done, total, err := p.Shards.Finish(ctx, t.ID, it.PurgeID, m.Shard, owner, sum)
	if err != nil {
		if errors.Is(err, ErrShardLost) {
			o.Action, o.Reason = ActionSuperseded, err.Error()
			return o, nil
		}
		return o, err
	}
	log.Info("shard purged", "shards_done", done, "shards", total, "versions", sum.Counts.Versions)
	if done < total {
		o.Action, o.Reason = ActionShardDone, fmt.Sprintf("%d of %d shards done", done, total)
		p.record(ctx, &o)
		return o, nil
	}
	// The last shard: join them, under the tenant's own purge claim.
	t, err = p.Registry.StartPurge(ctx, t.ID, owner, p.now())
	if err != nil {
		return p.notStarted(ctx, o, err, log)
	}
	prog, err = decodeProgress(t.Checkpoint.Data)
	if err != nil || prog.Shards == nil {
		return o, fmt.Errorf("tenant %s: progress lost its shards: %v", t.ID, err)
	}
	sv := &saver{reg: p.Registry, id: t.ID, owner: owner, prog: &prog}
	return p.join(ctx, t, sv, o, log)
}

// join issues the certificate of a sharded purge once every shard is
// done: the whole tenant is verified (every location listed, Object Lock
// checked), the shards' manifests are sealed together in key order, and
// the certificate is issued, stored and mailed once, as for an unsharded
// purge (finish). The caller holds the tenant's purge claim.
func (p *Purger) join(ctx context.Context, t tenant.Tenant, sv *saver, o Outcome, log *slog.Logger) (Outcome, error) {
	job, err := p.job(t)
	if err != nil {
		return o, err
	}
	var results []purge.Result
	for _, name := range sv.prog.Shards.Names {
		it, err := p.Shards.Get(ctx, t.ID, name)
		if err != nil {
			return o, err
		}
		if !it.Done || it.Summary == nil {
			return o, fmt.Errorf("join tenant %s: shard %s is not done", t.ID, name)
		}
		sum := it.Summary
		results = append(results, purge.Result{TenantID: t.ID, Locations: job.Locations, Shard: &it.Shard, Status: purge.StatusPurged,
			Counts: sum.Counts, FirstDeletion: sum.FirstDeletion, LastDeletion: sum.LastDeletion,
			Layout: sum.Layout, Index: purge.IndexState{Segments: sum.Segments}, ManifestSHA256: sum.ManifestSHA256})
	}
	eng := &purge.Engine{S3: p.S3, Logger: log, Options: p.engineOptions(ctx), Now: p.Now}
	ver, err := eng.Verify(ctx, job)
	if err != nil {
		return o, err
	}
	if ver.Status != purge.StatusPurged {
		p.put("PurgeIncomplete", 1, metrics.Count)
		return o, fmt.Errorf("join tenant %s: every shard is done, but %d versions are left under its prefixes (for example %v): written after their shard passed", t.ID, ver.Remaining, ver.RemainingSample)
	}
	results[0].Locked = ver.Locked
	all := combine(results)
	o.Status, o.Counts, o.Locked = purge.StatusPurged, all.Counts, ver.Locked
	if err := p.finish(ctx, t, results, sv, &o, log); err != nil {
		return o, err
	}
	o.Action = ActionPurged
	p.put("TenantsPurged", 1, metrics.Count)
	log.Info("sharded tenant purged", "shards", len(results), "versions", all.Counts.Versions, "emailed", o.Emailed)
	p.record(ctx, &o)
	return o, nil
}

// shardSaver stores a shard's checkpoint on its item while owner holds it;
// it is the engine's Checkpointer for a shard.
type shardSaver struct {
	st              *ShardStore
	id, name, owner string
	largest         int
}

// Save stores the shard's checkpoint.
func (s *shardSaver) Save(ctx context.Context, blob []byte) error {
	s.largest = max(s.largest, len(blob))
	return s.st.Save(ctx, s.id, s.name, s.owner, blob)
}
