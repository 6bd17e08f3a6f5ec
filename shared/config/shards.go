package config

import "fmt"

// Defaults and limits of tenant purge sharding.
const (
	// MaxShards bounds Tenants.Shards (and the shards of one location).
	MaxShards = 64
	// DefaultShardMinVersions: a tenant with fewer versions (and delete
	// markers) than this is purged as one, whatever Shards says.
	DefaultShardMinVersions = 100_000
)

func (t *Tenants) applyShardDefaults() {
	if t.Shards == 0 {
		t.Shards = 1
	}
	if t.ShardMinVersions == 0 {
		t.ShardMinVersions = DefaultShardMinVersions
	}
}

// validateShards checks the sharding fields; 0 means unset (the default),
// as for a configuration built in code rather than loaded.
func (t Tenants) validateShards(k *checker) {
	if t.Shards < 0 || t.Shards > MaxShards {
		k.fail("tenants.shards", t.Shards, fmt.Sprintf("1 (no sharding) to %d key ranges a large tenant's purge is split into", MaxShards))
	}
	if t.ShardMinVersions != 0 && t.ShardMinVersions < 1000 {
		k.fail("tenants.shardMinVersions", t.ShardMinVersions, "at least 1000 versions: smaller tenants are not worth splitting")
	}
}

// ShardFrom is the size from which a tenant is sharded: ShardMinVersions,
// or DefaultShardMinVersions when unset.
func (t Tenants) ShardFrom() int {
	if t.ShardMinVersions == 0 {
		return DefaultShardMinVersions
	}
	return t.ShardMinVersions
}
