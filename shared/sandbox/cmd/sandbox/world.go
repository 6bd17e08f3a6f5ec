package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/sandbox"
	"github.com/pledge-dev/pledge/shared/sandbox/scenario"
)

// world is a started and seeded sandbox.
type world struct {
	sb   *sandbox.Sandbox
	cfg  config.Config
	now  time.Time
	s3   *s3.Client
	seed seeded
	// tenants is the seeded tenant world (registry, bucket, queue, key).
	tenants scenario.TenantWorld
	// notices is the notifier's seeded state (ledger, notice queue).
	notices scenario.NoticeWorld
	// preflight is what preflight is told and must find.
	preflight scenario.PreflightWorld
	// extra are the PLEDGE_* resource variables the functions need.
	extra []string
}

// seeded is what the seeders return for the summary to compare with.
type seeded struct {
	untouchable scenario.Untouchable
}

func startWorld(ctx context.Context, dir string) (*world, error) {
	sb, err := sandbox.Start(ctx, sandbox.Options{Dir: dir})
	if err != nil {
		return nil, err
	}
	w := &world{sb: sb, cfg: scenario.Config(), now: time.Now()}
	w.s3 = s3.NewFromConfig(aws.Config{Region: sandbox.Region, Credentials: credentials.NewStaticCredentialsProvider(sandbox.AccessKey, sandbox.SecretKey, "")},
		func(o *s3.Options) { o.BaseEndpoint = aws.String(sb.S3.URL); o.UsePathStyle = true })
	if err := w.seedAll(ctx); err != nil {
		sb.Stop()
		return nil, err
	}
	return w, nil
}

func (w *world) seedAll(ctx context.Context) error {
	if err := scenario.SeedEvidence(ctx, w.s3, int32(w.cfg.Evidence.RetentionDays)); err != nil {
		return err
	}
	w.extra = append(w.extra, "PLEDGE_EVIDENCE_BUCKET="+scenario.EvidenceBucket)
	keep, err := scenario.SeedRDS(w.sb.Sim, w.now)
	if err != nil {
		return err
	}
	w.seed.untouchable = keep
	tw, err := scenario.SeedTenants(ctx, scenario.DepsFor(w.sb), w.now, scenario.DefaultTenantShape)
	if err != nil {
		return err
	}
	w.tenants = tw
	w.extra = append(w.extra, tw.Env()...)
	nw, err := scenario.SeedNotices(ctx, scenario.DepsFor(w.sb))
	if err != nil {
		return err
	}
	w.notices = nw
	w.extra = append(w.extra, nw.Env()...)
	vw, err := scenario.SeedVerification(ctx, scenario.DepsFor(w.sb), w.now)
	if err != nil {
		return err
	}
	w.extra = appendMissing(w.extra, vw.Env()...)
	if w.preflight, err = scenario.SeedPreflight(w.sb.Sim, tw.SigningKeyID); err != nil {
		return err
	}
	return nil
}

// writeConfig writes the scenario's configuration where a user can reuse it
// with `invoke -config`.
func (w *world) writeConfig(dir string) (string, error) {
	p := filepath.Join(dir, "sandbox-config.json")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	return p, os.WriteFile(p, []byte(w.cfg.Encode()+"\n"), 0o644)
}

func (w *world) env() []string {
	return w.sb.ChildEnv(append([]string{config.EnvVar + "=" + w.cfg.Encode()}, w.extra...)...)
}

func (w *world) exports() []string {
	var out []string
	for _, kv := range append(w.sb.Env(), w.extra...) {
		out = append(out, "export "+shellQuote(kv))
	}
	return append(out, "export "+shellQuote(config.EnvVar+"="+w.cfg.Encode()))
}

func shellQuote(kv string) string {
	for i := range kv {
		if kv[i] == '=' {
			v := kv[i+1:]
			q := "'"
			for _, r := range v {
				if r == '\'' {
					q += `'\''`
				} else {
					q += string(r)
				}
			}
			return kv[:i+1] + q + "'"
		}
	}
	return kv
}

func serve(ctx context.Context, stdout interface{ Write([]byte) (int, error) }) error {
	dir, err := os.MkdirTemp("", "pledge-sandbox-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	w, err := startWorld(ctx, dir)
	if err != nil {
		return err
	}
	defer w.sb.Stop()
	fmt.Fprintln(stdout, "# Pledge sandbox: stand-ins on 127.0.0.1, scenario seeded. Paste these exports into a shell:")
	for _, e := range w.exports() {
		fmt.Fprintln(stdout, e)
	}
	fmt.Fprintf(stdout, "# SES inbox: %s   simulator controls: %s/_sim/counts\n", w.sb.SES.URL, w.sb.SimURL)
	fmt.Fprintln(stdout, "# then: bin/local/snapshot-rotator invoke -dry-run    (Ctrl-C stops the sandbox)")
	<-ctx.Done()
	fmt.Fprintln(stdout, "# stopping")
	return nil
}
