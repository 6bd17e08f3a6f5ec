package main_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/pledge-dev/pledge/shared/certificate"
	"github.com/pledge-dev/pledge/shared/purge"
	"github.com/pledge-dev/pledge/shared/purger"
	"github.com/pledge-dev/pledge/shared/tenant"
)

// audited is a certificate checked as an auditor would check it.
type audited struct {
	cert  certificate.Certificate
	lines []purge.ManifestLine
	// raw are the manifest's uncompressed bytes.
	raw []byte
	// index are the index entries, superseded ones included.
	index []purge.IndexEntry
}

// audit reads a certificate's three files from the evidence bucket,
// verifies the signature with openssl, checks the index against the
// certificate with openssl's SHA-256, and the manifest parts the index
// lists (concatenated, one gzip stream) against the certificate's digest
// and line count. It fails the test on any mismatch.
func audit(t *testing.T, w *world, keys []string) audited {
	t.Helper()
	return auditIn(t, w, w.deps.S3, keys)
}

// auditIn is audit against the evidence bucket c reaches.
func auditIn(t *testing.T, w *world, c *s3.Client, keys []string) audited {
	t.Helper()
	dir := t.TempDir()
	files := map[string][]byte{}
	for _, k := range keys {
		name := k[strings.LastIndex(k, "/")+1:]
		files[name] = w.evidence(t, c, k)
	}
	verifyWithOpenSSL(t, files)
	cert, err := certificate.Parse(files[certificate.FileJSON])
	if err != nil {
		t.Fatal(err)
	}
	index := w.evidence(t, c, cert.Manifest.Index.Key)
	if err := os.WriteFile(filepath.Join(dir, "index.jsonl"), index, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("openssl", "dgst", "-sha256", "-r", "index.jsonl")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil || !strings.HasPrefix(string(out), cert.Manifest.Index.SHA256+" ") {
		t.Fatalf("openssl dgst -sha256 index.jsonl: %q (%v), certificate says %s", out, err, cert.Manifest.Index.SHA256)
	}
	a := audited{cert: cert}
	var parts bytes.Buffer
	for _, line := range bytes.Split(bytes.TrimSpace(index), []byte("\n")) {
		var e purge.IndexEntry
		if err := json.Unmarshal(line, &e); err != nil {
			t.Fatalf("index line %q: %v", line, err)
		}
		a.index = append(a.index, e)
		if !strings.HasPrefix(e.Key, purger.KindManifest+"/"+cert.TenantID+"/") {
			t.Errorf("index names %s, outside %s/%s/", e.Key, purger.KindManifest, cert.TenantID)
		}
		if e.Superseded == "" {
			parts.Write(w.evidence(t, c, e.Key))
		}
	}
	if parts.Len() > 0 {
		zr, err := gzip.NewReader(&parts)
		if err != nil {
			t.Fatalf("manifest parts are not one gzip stream: %v", err)
		}
		if a.raw, err = io.ReadAll(zr); err != nil {
			t.Fatal(err)
		}
	}
	sum := sha256.Sum256(a.raw)
	if got := hex.EncodeToString(sum[:]); got != cert.Manifest.SHA256 {
		t.Errorf("the stored manifest hashes to %s, the certificate says %s", got, cert.Manifest.SHA256)
	}
	dec := json.NewDecoder(bytes.NewReader(a.raw))
	for dec.More() {
		var l purge.ManifestLine
		if err := dec.Decode(&l); err != nil {
			t.Fatal(err)
		}
		a.lines = append(a.lines, l)
	}
	if int64(len(a.lines)) != cert.Manifest.Lines || cert.Manifest.Lines != cert.Counts.Versions+cert.Counts.DeleteMarkers {
		t.Errorf("%d manifest lines, certificate says %d lines and %+v", len(a.lines), cert.Manifest.Lines, cert.Counts)
	}
	return a
}

// registryItemBytes is the size of the tenant's registry item, as
// DynamoDB counts it: attribute names plus values.
func (w *world) registryItemBytes(t *testing.T, id string) int {
	t.Helper()
	out, err := w.deps.DynamoDB.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(w.tw.Table), Key: map[string]ddbtypes.AttributeValue{tenant.KeyAttribute: &ddbtypes.AttributeValueMemberS{Value: id}}})
	if err != nil {
		t.Fatal(err)
	}
	var size func(v ddbtypes.AttributeValue) int
	size = func(v ddbtypes.AttributeValue) int {
		switch x := v.(type) {
		case *ddbtypes.AttributeValueMemberS:
			return len(x.Value)
		case *ddbtypes.AttributeValueMemberN:
			return len(x.Value)
		case *ddbtypes.AttributeValueMemberB:
			return len(x.Value)
		case *ddbtypes.AttributeValueMemberL:
			n := 3
			for _, e := range x.Value {
				n += size(e) + 1
			}
			return n
		case *ddbtypes.AttributeValueMemberM:
			n := 3
			for k, e := range x.Value {
				n += len(k) + size(e) + 1
			}
			return n
		default:
			return 1
		}
	}
	n := 0
	for k, v := range out.Item {
		n += len(k) + size(v)
	}
	return n
}
