package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/pledge-dev/pledge/shared/certificate"
	"github.com/pledge-dev/pledge/shared/purge"
	"github.com/pledge-dev/pledge/shared/sandbox/scenario"
)

// auditManifest checks a certificate's manifest as an auditor would: the
// index object hashes to the digest the certificate names, and the parts
// it lists (superseded ones aside), concatenated and decompressed, hash to
// the manifest digest with the certified number of lines.
func auditManifest(ctx context.Context, d *demoRun, certKey string) (string, error) {
	get := func(key string) ([]byte, error) {
		obj, err := d.w.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(scenario.EvidenceBucket), Key: aws.String(key)})
		if err != nil {
			return nil, fmt.Errorf("get %s: %w", key, err)
		}
		defer obj.Body.Close()
		return io.ReadAll(obj.Body)
	}
	b, err := get(certKey)
	if err != nil {
		return "", err
	}
	cert, err := certificate.Parse(b)
	if err != nil {
		return "", err
	}
	index, err := get(cert.Manifest.Index.Key)
	if err != nil {
		return "", err
	}
	if sum := sha256.Sum256(index); hex.EncodeToString(sum[:]) != cert.Manifest.Index.SHA256 {
		return "", fmt.Errorf("index %s does not hash to the certificate's %s", cert.Manifest.Index.Key, cert.Manifest.Index.SHA256)
	}
	var parts bytes.Buffer
	n, superseded := 0, 0
	dec := json.NewDecoder(bytes.NewReader(index))
	for dec.More() {
		var e purge.IndexEntry
		if err := dec.Decode(&e); err != nil {
			return "", fmt.Errorf("index: %w", err)
		}
		if e.Superseded != "" {
			superseded++
			continue
		}
		p, err := get(e.Key)
		if err != nil {
			return "", err
		}
		parts.Write(p)
		n++
	}
	var lines []byte
	if parts.Len() > 0 {
		zr, err := gzip.NewReader(&parts)
		if err != nil {
			return "", fmt.Errorf("manifest parts: %w", err)
		}
		if lines, err = io.ReadAll(zr); err != nil {
			return "", fmt.Errorf("manifest parts: %w", err)
		}
	}
	if sum := sha256.Sum256(lines); hex.EncodeToString(sum[:]) != cert.Manifest.SHA256 {
		return "", fmt.Errorf("the stored manifest does not hash to the certificate's %s", cert.Manifest.SHA256)
	}
	if got := int64(bytes.Count(lines, []byte("\n"))); got != cert.Manifest.Lines {
		return "", fmt.Errorf("the stored manifest has %d lines, the certificate says %d", got, cert.Manifest.Lines)
	}
	return fmt.Sprintf("manifest: index evidence/%s (SHA-256 as certified) lists %d part(s)%s; re-read, they hash to the certified %.12s… over %d lines",
		cert.Manifest.Index.Key, n, map[bool]string{true: fmt.Sprintf(" and %d superseded", superseded), false: ""}[superseded > 0], cert.Manifest.SHA256, cert.Manifest.Lines), nil
}
