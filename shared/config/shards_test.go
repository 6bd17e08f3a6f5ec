package config_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/pledge-dev/pledge/shared/config"
)

func TestTenants_Shards(t *testing.T) {
	c := example(t)
	if c.Tenants.Shards != 1 || c.Tenants.ShardMinVersions != config.DefaultShardMinVersions {
		t.Errorf("defaults: shards %d, shardMinVersions %d; want 1 (off) and %d", c.Tenants.Shards, c.Tenants.ShardMinVersions, config.DefaultShardMinVersions)
	}
	for _, tc := range []struct {
		name   string
		mutate func(*config.Tenants)
		want   string
	}{
		{"TooMany", func(t *config.Tenants) { t.Shards = 65 }, `tenants.shards: 65 is not valid: want 1 (no sharding) to 64`},
		{"Negative", func(t *config.Tenants) { t.Shards = -1 }, `tenants.shards: -1 is not valid`},
		{"NegativeThreshold", func(t *config.Tenants) { t.ShardMinVersions = -5 }, `tenants.shardMinVersions: -5 is not valid`},
		{"SmallThreshold", func(t *config.Tenants) { t.ShardMinVersions = 10 }, `tenants.shardMinVersions: 10 is not valid: want at least 1000`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := example(t)
			tc.mutate(&c.Tenants)
			err := c.Validate()
			var verr *config.ValidationError
			if !errors.As(err, &verr) || len(verr.Fields) != 1 || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate() = %v, want one error containing %q", err, tc.want)
			}
		})
	}
	c.Tenants.Shards, c.Tenants.ShardMinVersions = 4, 50_000
	if err := c.Validate(); err != nil || c.Tenants.ShardFrom() != 50_000 {
		t.Errorf("4 shards from 50,000 versions: %v, from %d", err, c.Tenants.ShardFrom())
	}
	// Unset (a configuration built in code): valid, and the defaults.
	c.Tenants.Shards, c.Tenants.ShardMinVersions = 0, 0
	if err := c.Validate(); err != nil || c.Tenants.ShardFrom() != config.DefaultShardMinVersions {
		t.Errorf("unset: %v, from %d", err, c.Tenants.ShardFrom())
	}
}
