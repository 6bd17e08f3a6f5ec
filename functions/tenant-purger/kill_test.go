package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/pledge-dev/pledge/shared/purger"
	"github.com/pledge-dev/pledge/shared/sandbox"
	"github.com/pledge-dev/pledge/shared/sandbox/scenario"
)

// killSwitch sits in front of every stand-in the binary talks to and
// SIGKILLs the binary at the request its plan picks. The killing request
// is read in full first and, unless the plan drops it, forwarded only
// once the process is dead: it lands after the kill, the worst case for
// write-ahead evidence.
type killSwitch struct {
	mu     sync.Mutex
	cmd    *exec.Cmd
	dead   chan struct{}
	plan   *killPlan
	counts map[string]int
	fired  string
}

// killPlan picks the request to kill at: at sees each request's operation
// and the counts so far in this process (this one included).
type killPlan struct {
	at   func(op string, n map[string]int) bool
	drop bool
}

func (k *killSwitch) arm(cmd *exec.Cmd, dead chan struct{}, plan *killPlan) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.cmd, k.dead, k.plan, k.counts, k.fired = cmd, dead, plan, map[string]int{}, ""
}

// disarm returns the request the binary was killed at ("" if none) and
// the counts of its requests.
func (k *killSwitch) disarm() (string, map[string]int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.cmd, k.plan = nil, nil
	return k.fired, k.counts
}

func (k *killSwitch) proxy(t *testing.T, target string, classify func(*http.Request) string) string {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		op := classify(r)
		k.mu.Lock()
		var kill *exec.Cmd
		var dead chan struct{}
		drop := false
		if k.cmd != nil && k.counts != nil {
			k.counts[op]++
			if k.fired == "" && k.plan != nil && k.plan.at(op, k.counts) {
				k.fired = fmt.Sprintf("%s #%d", op, k.counts[op])
				kill, dead, drop = k.cmd, k.dead, k.plan.drop
			}
		}
		k.mu.Unlock()
		if kill != nil {
			_ = kill.Process.Signal(syscall.SIGKILL)
			<-dead
			if drop {
				return
			}
		}
		rp.ServeHTTP(rw, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func classifyS3(r *http.Request) string {
	q := r.URL.Query()
	switch {
	case r.Method == http.MethodGet && q.Has("versions"):
		return "s3:ListObjectVersions"
	case r.Method == http.MethodPost && q.Has("delete"):
		return "s3:DeleteObjects"
	case r.Method == http.MethodDelete:
		return "s3:DeleteObject"
	case r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/"+purger.KindManifest+"/") && strings.Contains(r.URL.Path, "/parts/"):
		return "s3:PutPart"
	case r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/"+purger.KindCertificate+"/"):
		return "s3:PutCertificate"
	}
	return "s3:" + r.Method
}

func classifyTarget(prefix string) func(*http.Request) string {
	return func(r *http.Request) string {
		t := r.Header.Get("X-Amz-Target")
		return prefix + t[strings.LastIndex(t, ".")+1:]
	}
}

func classifySES(r *http.Request) string {
	if strings.HasSuffix(r.URL.Path, "/outbound-emails") {
		return "ses:SendEmail"
	}
	return "ses:" + r.URL.Path
}

// killWorld is one identical copy of the tenant data (its own MinIO
// started from a snapshot, its own registry table) behind the kill switch.
type killWorld struct {
	s3    *s3.Client
	env   []string
	minio *sandbox.Process
}

type killHarness struct {
	w        *world
	sw       *killSwitch
	snapshot string
	shared   []string // endpoint variables of the shared stand-ins' proxies
	msg      string
	n        int
}

func (h *killHarness) newWorld(t *testing.T, name string) *killWorld {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	if out, err := exec.Command("cp", "-a", h.snapshot, dir).CombinedOutput(); err != nil {
		t.Fatalf("copy MinIO data: %v: %s", err, out)
	}
	m, err := sandbox.StartMinIO(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Stop)
	h.n++
	table := fmt.Sprintf("pledge-tenants-k%d", h.n)
	copyRegistry(t, h.w.deps.DynamoDB, h.w.tw.Table, table)
	c := s3.NewFromConfig(aws.Config{Region: sandbox.Region, Credentials: credentials.NewStaticCredentialsProvider(sandbox.AccessKey, sandbox.SecretKey, "")},
		func(o *s3.Options) { o.BaseEndpoint = aws.String(m.URL); o.UsePathStyle = true })
	env := append(slices.Clone(h.shared), "AWS_ENDPOINT_URL_S3="+h.sw.proxy(t, m.URL, classifyS3), "PLEDGE_REGISTRY_TABLE="+table, "PLEDGE_PURGE_PAGE_SIZE=50")
	return &killWorld{s3: c, env: env, minio: m}
}

// run runs the binary once on the purge message, killing it by plan.
func (h *killHarness) run(t *testing.T, kw *killWorld, plan *killPlan) (o purger.Outcome, killedAt string, counts map[string]int) {
	t.Helper()
	cmd := exec.Command(h.w.bin, "invoke", "-event", h.msg)
	cmd.Env = h.w.sb.ChildEnv(append(slices.Clone(h.w.env), kw.env...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	dead := make(chan struct{})
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h.sw.arm(cmd, dead, plan)
	go func() { _ = cmd.Wait(); close(dead) }()
	select {
	case <-dead:
	case <-time.After(3 * time.Minute):
		_ = cmd.Process.Kill()
		<-dead
		t.Fatalf("tenant-purger hung:\n%s", stderr.String())
	}
	killedAt, counts = h.sw.disarm()
	if killedAt != "" {
		return o, killedAt, counts
	}
	var res purger.BatchResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil || len(res.Purges) != 1 {
		t.Fatalf("tenant-purger result %q (%v)\n%s", stdout.String(), err, stderr.String())
	}
	return res.Purges[0], "", counts
}

// TestPurger_KillMatrix kills the real binary with SIGKILL at seven points
// of a purge (one of them twice in a row) and re-runs it on the same
// message, as SQS would redeliver it, until the tenant is purged. Each
// time: the prefix ends empty, every neighbour is byte for byte intact,
// the digest equals that of an uninterrupted purge of an identical copy,
// the stored manifest re-hashes to the certified digest with no line lost
// or doubled, every stored part is in the index, there is exactly one
// certificate, and every contact is mailed (a mail that may have gone out
// when the binary died is resent, marked as a resend).
//
// PLEDGE_KILL_KEYS sets the tenant's size (default 800 keys, about 1,800
// versions and delete markers in 36 pages of 50).
func TestPurger_KillMatrix(t *testing.T) {
	keys := 800
	if v := os.Getenv("PLEDGE_KILL_KEYS"); v != "" {
		var err error
		if keys, err = strconv.Atoi(v); err != nil || keys < 100 {
			t.Fatalf("PLEDGE_KILL_KEYS %q: want a number of keys, at least 100", v)
		}
	}
	dataDir := t.TempDir()
	w := setup(t, sandbox.Options{Dir: dataDir}, scenario.DefaultTenantShape)
	id := scenario.TenantPurgeable2
	if err := scenario.SeedTenantObjects(context.Background(), w.deps.S3, id, scenario.TenantShape{Keys: keys, Versions: 2, MarkerEvery: 4}); err != nil {
		t.Fatal(err)
	}
	before := w.fingerprints(t)
	w.sb.S3.Stop()
	sw := &killSwitch{}
	h := &killHarness{w: w, sw: sw, snapshot: filepath.Join(dataDir, "minio"), msg: w.forged(t, id)}
	h.shared = []string{
		"AWS_ENDPOINT_URL_DYNAMODB=" + sw.proxy(t, w.sb.DynamoDB.URL, classifyTarget("ddb:")),
		"AWS_ENDPOINT_URL_KMS=" + sw.proxy(t, w.sb.SimURL, classifyTarget("kms:")),
		"AWS_ENDPOINT_URL_SESV2=" + sw.proxy(t, w.sb.SES.URL, classifySES),
	}
	contacts := w.tw.Contacts[id]

	// The reference: an identical copy purged in one go.
	ref := h.newWorld(t, "reference")
	whole, _, refCounts := h.run(t, ref, nil)
	if whole.Action != purger.ActionPurged {
		t.Fatalf("uninterrupted purge: %+v", whole)
	}
	refAudit := auditIn(t, w, ref.s3, whole.Certificate)
	if got, want := len(refAudit.lines), before[id].Versions; got != want {
		t.Fatalf("uninterrupted purge: %d manifest lines, %d versions before", got, want)
	}
	deletes := refCounts["s3:DeleteObjects"]
	t.Logf("uninterrupted: %d versions and markers, %d pages, requests %v", len(refAudit.lines), deletes, refCounts)
	if deletes < 20 {
		t.Fatalf("only %d DeleteObjects calls: the kill points mean little", deletes)
	}

	nth := func(op string, n int) func(string, map[string]int) bool {
		return func(o string, c map[string]int) bool { return o == op && c[op] == n }
	}
	for _, p := range []struct {
		name  string
		kills []*killPlan
		// resend: the contacts whose mail may have gone out when the
		// binary died get it again, marked.
		resend bool
	}{
		{"MidListing", []*killPlan{{at: nth("s3:ListObjectVersions", 4)}}, false},
		{"MidDeletion", []*killPlan{{at: nth("s3:DeleteObjects", deletes/2)}}, false},
		{"WhileStoringAPart", []*killPlan{{at: nth("s3:PutPart", deletes/3)}}, false},
		{"TwiceInARow", []*killPlan{{at: nth("s3:DeleteObjects", deletes/3)}, {at: nth("s3:PutPart", 1)}}, false},
		{"WhileSigning", []*killPlan{{at: nth("kms:Sign", 2)}}, false}, // the first Sign is the preflight's
		{"DuringMailing", []*killPlan{{at: nth("ses:SendEmail", 1)}}, true},
		{"AfterTheLastDeleteBeforeTheRegistryUpdate", []*killPlan{{at: func(op string, c map[string]int) bool {
			return op == "ddb:UpdateItem" && c["s3:DeleteObjects"] >= deletes
		}}}, false},
	} {
		t.Run(p.name, func(t *testing.T) {
			kw := h.newWorld(t, p.name)
			mailsBefore := len(w.mail(t).Emails)
			var rounds []string
			var o purger.Outcome
			for i := 0; ; i++ {
				if i >= 6 {
					t.Fatalf("not purged after %d runs: %v", i, rounds)
				}
				var plan *killPlan
				if i < len(p.kills) {
					plan = p.kills[i]
				}
				var at string
				o, at, _ = h.run(t, kw, plan)
				if at != "" {
					rounds = append(rounds, "killed at "+at)
					continue
				}
				if plan != nil {
					t.Fatalf("run %d was to be killed but finished: %+v", i+1, o)
				}
				rounds = append(rounds, o.Action)
				if o.Action == purger.ActionPurged {
					break
				}
			}
			if len(rounds) < len(p.kills)+1 {
				t.Fatalf("runs %v: not every planned kill happened", rounds)
			}
			t.Logf("runs: %v", rounds)
			after, err := scenario.TenantFingerprints(context.Background(), kw.s3)
			if err != nil {
				t.Fatal(err)
			}
			if fp, ok := after[id]; ok {
				t.Errorf("%d versions left under %s's prefix", fp.Versions, id)
			}
			for who, fp := range before {
				if who != id && after[who] != fp {
					t.Errorf("neighbour %q changed: %+v -> %+v", who, fp, after[who])
				}
			}
			a := auditIn(t, w, kw.s3, o.Certificate)
			if a.cert.Manifest.SHA256 != refAudit.cert.Manifest.SHA256 || a.cert.Counts != refAudit.cert.Counts {
				t.Errorf("digest %s counts %+v; the uninterrupted copy: %s %+v", a.cert.Manifest.SHA256, a.cert.Counts, refAudit.cert.Manifest.SHA256, refAudit.cert.Counts)
			}
			seen := map[string]bool{}
			for _, l := range a.lines {
				v := l.Key + "\x00" + l.VersionID
				if seen[v] {
					t.Errorf("manifest lists %s %s twice", l.Key, l.VersionID)
				}
				seen[v] = true
			}
			if len(seen) != before[id].Versions {
				t.Errorf("manifest lists %d versions, %d were there", len(seen), before[id].Versions)
			}
			// Every part stored is in the index; exactly one certificate.
			listed := map[string]bool{}
			for _, e := range a.index {
				listed[e.Key] = true
			}
			var parts, certs []string
			for _, pre := range []string{purger.KindManifest + "/" + id + "/", purger.KindCertificate + "/" + id + "/"} {
				pg := s3.NewListObjectsV2Paginator(kw.s3, &s3.ListObjectsV2Input{Bucket: aws.String(scenario.EvidenceBucket), Prefix: aws.String(pre)})
				for pg.HasMorePages() {
					out, err := pg.NextPage(context.Background())
					if err != nil {
						t.Fatal(err)
					}
					for _, obj := range out.Contents {
						k := aws.ToString(obj.Key)
						switch {
						case strings.Contains(k, "/parts/"):
							parts = append(parts, k)
						case strings.HasPrefix(k, purger.KindCertificate):
							certs = append(certs, k)
						}
					}
				}
			}
			for _, k := range parts {
				if !listed[k] {
					t.Errorf("part %s is stored but not in the index", k)
				}
			}
			if len(certs) != 3 {
				t.Errorf("certificate files stored: %v, want one certificate's three", certs)
			}
			// Mail: every contact at least once; once only, unless the
			// binary died while a mail was going out.
			got := map[string]int{}
			resent := 0
			for _, e := range w.mail(t).Emails[mailsBefore:] {
				for _, to := range e.Destination.To {
					got[to]++
				}
				if strings.HasPrefix(e.Subject, purger.ResendSubject) {
					resent++
				}
			}
			for _, c := range contacts {
				if got[c] < 1 || (!p.resend && got[c] != 1) {
					t.Errorf("%s mailed %d times", c, got[c])
				}
			}
			if p.resend && resent == 0 {
				t.Errorf("the binary died while mailing, but no mail was resent marked as a resend: %v", got)
			}
			if !p.resend && resent != 0 {
				t.Errorf("%d mails marked as resent", resent)
			}
		})
	}
}
