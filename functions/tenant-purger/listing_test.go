package main_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/pledge-dev/pledge/shared/purger"
	"github.com/pledge-dev/pledge/shared/sandbox"
	"github.com/pledge-dev/pledge/shared/sandbox/scenario"
)

// spliceProxy forwards to MinIO, but answers every ListObjectVersions
// request for prefix `from` with the versions under `foreign` spliced into
// the page, as a buggy S3-compatible endpoint or proxy might. It counts the
// pages it spoiled.
func spliceProxy(t *testing.T, w *world, from, foreign string) (string, *atomic.Int64) {
	t.Helper()
	u, _ := url.Parse(w.sb.S3.URL)
	rp := httputil.NewSingleHostReverseProxy(u)
	var spoiled atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if r.Method != http.MethodGet || !q.Has("versions") || q.Get("prefix") != from {
			rp.ServeHTTP(rw, r)
			return
		}
		rec := httptest.NewRecorder()
		rp.ServeHTTP(rec, r)
		body := rec.Body.String()
		var extra strings.Builder
		out, err := w.deps.S3.ListObjectVersions(context.Background(), &s3.ListObjectVersionsInput{Bucket: aws.String(scenario.TenantBucket), Prefix: aws.String(foreign)})
		if err != nil {
			t.Errorf("splice proxy: list %s: %v", foreign, err)
		}
		esc := func(s string) string {
			var b bytes.Buffer
			xml.EscapeText(&b, []byte(s))
			return b.String()
		}
		for _, v := range out.Versions {
			fmt.Fprintf(&extra, "<Version><Key>%s</Key><VersionId>%s</VersionId><IsLatest>%t</IsLatest><LastModified>%s</LastModified><ETag>%s</ETag><Size>%d</Size><StorageClass>STANDARD</StorageClass></Version>",
				esc(*v.Key), *v.VersionId, aws.ToBool(v.IsLatest), v.LastModified.UTC().Format(time.RFC3339), esc(aws.ToString(v.ETag)), aws.ToInt64(v.Size))
		}
		for _, m := range out.DeleteMarkers {
			fmt.Fprintf(&extra, "<DeleteMarker><Key>%s</Key><VersionId>%s</VersionId><IsLatest>%t</IsLatest><LastModified>%s</LastModified></DeleteMarker>",
				esc(*m.Key), *m.VersionId, aws.ToBool(m.IsLatest), m.LastModified.UTC().Format(time.RFC3339))
		}
		if i := strings.LastIndex(body, "</ListVersionsResult>"); i >= 0 && extra.Len() > 0 {
			body = body[:i] + extra.String() + body[i:]
			spoiled.Add(1)
		}
		for k, vs := range rec.Header() {
			if k != "Content-Length" {
				rw.Header()[k] = vs
			}
		}
		rw.WriteHeader(rec.Code)
		io.WriteString(rw, body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &spoiled
}

// TestPurger_ForeignKeysInTheListingHalt reproduces issue 10's first
// finding through the binary: an endpoint that splices tenant-10's
// versions into tenant-1's listing. The purge halts naming a tenant-10
// key, deletes nothing (the spoiled page was tenant-1's only page), raises
// the ops alarm, and never reports purged.
func TestPurger_ForeignKeysInTheListingHalt(t *testing.T) {
	w := setup(t, sandbox.Options{}, scenario.DefaultTenantShape)
	before := w.fingerprints(t)
	cfg := scenario.Config().Tenants
	proxy, spoiled := spliceProxy(t, w, cfg.Prefix(scenario.TenantPurgeable), cfg.Prefix(scenario.TenantNeighbour))
	env := []string{"AWS_ENDPOINT_URL_S3=" + proxy}
	for round := 1; round <= 2; round++ {
		r := w.invoke(t, env, "-event", w.forged(t, scenario.TenantPurgeable))
		var res purger.BatchResult
		r.Decode(t, &res)
		o := res.Purges[0]
		if o.Action != purger.ActionFailed || len(res.BatchItemFailures) != 1 {
			t.Fatalf("round %d: %s (%s), want failed and redelivered", round, o.Action, o.Error)
		}
		if !strings.Contains(o.Error, "outside the tenant's prefix") || !strings.Contains(o.Error, cfg.Prefix(scenario.TenantNeighbour)+"data/") {
			t.Errorf("round %d: error %q does not name the foreign key", round, o.Error)
		}
		if o.Deleted.Versions+o.Deleted.DeleteMarkers != 0 || len(o.Certificate) != 0 {
			t.Errorf("round %d: deleted %+v, certificate %v", round, o.Deleted, o.Certificate)
		}
		if !strings.Contains(r.Stderr, "PrefixGuardTripped") {
			t.Errorf("round %d: no PrefixGuardTripped metric in the output", round)
		}
	}
	if spoiled.Load() == 0 {
		t.Fatal("the proxy spoiled no listing: the test proves nothing")
	}
	after := w.fingerprints(t)
	for id, fp := range before {
		if after[id] != fp {
			t.Errorf("%q changed: %+v -> %+v", id, fp, after[id])
		}
	}
	alarms := 0
	for _, m := range w.sb.Sim.SNS().Messages() {
		if strings.Contains(m.Subject, "key outside its prefix") && strings.Contains(m.Message, cfg.Prefix(scenario.TenantNeighbour)) {
			alarms++
		}
	}
	if alarms != 2 {
		t.Errorf("%d ops alarms about the foreign key, want one per round (2)", alarms)
	}
	if st := w.status(t, scenario.TenantPurgeable); st.Status == "purged" {
		t.Errorf("tenant-1 marked purged")
	}
}

// TestPurger_KeysOfAnyShapePurge: keys with control characters (which XML
// cannot carry, so the listing must be URL-encoded and the delete must not
// go through an XML body), line breaks, markup and unicode purge through
// the binary and appear in the manifest exactly; neighbours with the same
// odd names stay.
func TestPurger_KeysOfAnyShapePurge(t *testing.T) {
	w := setup(t, sandbox.Options{}, scenario.DefaultTenantShape)
	ctx := context.Background()
	cfg := scenario.Config().Tenants
	odd := []string{"ctl\x01start", "unit\x1fsep", "new\nline\r", "tab\there", "markup&lt;<x>", "日本語/ファイル.txt", "space+plus%25"}
	for _, id := range []string{scenario.TenantPurgeable, scenario.TenantNeighbour} {
		for _, k := range odd {
			if _, err := w.deps.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(scenario.TenantBucket), Key: aws.String(cfg.Prefix(id) + k), Body: strings.NewReader(id + k)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	before := w.fingerprints(t)
	o := w.purge(t, w.forged(t, scenario.TenantPurgeable), nil)
	if o.Action != purger.ActionPurged {
		t.Fatalf("%s: %s %s", o.Action, o.Reason, o.Error)
	}
	if got, want := int(o.Counts.Versions+o.Counts.DeleteMarkers), before[scenario.TenantPurgeable].Versions; got != want {
		t.Errorf("deleted %d, want %d", got, want)
	}
	after := w.fingerprints(t)
	if _, ok := after[scenario.TenantPurgeable]; ok {
		t.Errorf("tenant-1 has versions left")
	}
	for id, fp := range before {
		if id != scenario.TenantPurgeable && after[id] != fp {
			t.Errorf("%q changed", id)
		}
	}
	var lines []string
	for _, l := range audit(t, w, o.Certificate).lines {
		lines = append(lines, l.Key)
	}
	for _, k := range odd {
		if !slices.Contains(lines, cfg.Prefix(scenario.TenantPurgeable)+k) {
			t.Errorf("manifest lacks %q", k)
		}
	}
}
