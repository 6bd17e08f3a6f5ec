package config_test

import (
	"testing"

	"github.com/pledge-dev/pledge/shared/config"
)

func TestValidate_SnapshotNames(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*config.Config)
		want   string // "" when valid
	}{
		{"same instance twice", func(c *config.Config) { c.Backup.Policies[0].Targets.Instances = []string{"orders-db", "orders-db"} },
			`backup.policies[0].targets.instances[1]: "orders-db" is not valid: want a database listed once per policy: it is the same database as backup.policies[0].targets.instances[0] (RDS identifiers ignore case), and both would get the same snapshot names`},
		{"an instance and a cluster of one name", func(c *config.Config) {
			c.Backup.Policies[0].Targets.Instances, c.Backup.Policies[0].Targets.Clusters = []string{"billing"}, []string{"billing"}
		}, `backup.policies[0].targets.clusters[0]: "billing" is not valid: want a database listed once per policy: it is the same database as backup.policies[0].targets.instances[0]`},
		{"cluster snapshot name too long", func(c *config.Config) {
			c.Backup.Policies[0].Targets.Clusters = []string{"billing-aurora-primary-cluster-tokyo"}
		}, `backup.policies[0].targets.clusters[0]: "billing-aurora-primary-cluster-tokyo" is not valid: want a cluster whose snapshot names fit the 63 characters RDS allows a cluster snapshot: in stage "prod" with policy "gfs-24h-7d-4w" they would have 80 (pledge-4-prod-13-gfs-24h-7d-4w-billing-aurora-primary-cluster-tokyo-yyyymmddhhmm); shorten the policy or the stage name`},
		// The stage is part of the name: the shipped cluster fits with
		// "staging-2" (63 characters) and not with a longer stage.
		{"a stage that still fits", func(c *config.Config) { c.Stage = "staging-2" }, ""},
		{"a stage too long for the cluster's names", func(c *config.Config) { c.Stage = "staging-tokyo-01" },
			`backup.policies[0].targets.clusters[0]: "billing-aurora" is not valid: want a cluster whose snapshot names fit the 63 characters RDS allows a cluster snapshot: in stage "staging-tokyo-01" with policy "gfs-24h-7d-4w" they would have 71`},
		{"no stage", func(c *config.Config) { c.Stage = "" },
			`stage: "" is not valid: want a stage name such as "prod" or "staging": every snapshot the rotator makes carries it in its name and tags`},
		{"a long instance name is fine", func(c *config.Config) {
			c.Backup.Policies[0].Targets.Instances = []string{"billing-aurora-primary-cluster-tokyo"}
		}, ""},
		// The example of issue 11: the legacy names collided, these do not.
		{"policy a-b with c and policy a with b-c", func(c *config.Config) {
			p := c.Backup.Policies[0]
			p.Name, p.Targets = "a-b", config.Targets{Instances: []string{"c"}}
			q := p
			q.Name, q.Targets = "a", config.Targets{Instances: []string{"b-c"}}
			c.Backup.Policies = []config.BackupPolicy{p, q}
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := example(t)
			tc.mutate(&c)
			err := c.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			wantOneFieldError(t, err, tc.want)
		})
	}
}
